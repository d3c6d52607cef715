-- Postcode enrichments that passed every row check, exact duplicates removed.
with

{{ deduplicated_ctes('base_partner__postcode_enrichments') }},

final as (
    select
        country,
        postcode,
        income_band,
        urbanity,
        population,
        extra_json,
        source_system,
        load_id,
        source_file,
        record_number
    from deduplicated
)

select * from final
