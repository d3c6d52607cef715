-- Campaigns that passed every row check, exact duplicates removed.
with

{{ deduplicated_ctes('base_marketing__campaigns') }},

final as (
    select
        campaign_id,
        campaign_name,
        channel,
        started_at_utc,
        ended_at_utc,
        extra_json,
        source_system,
        load_id,
        source_file,
        record_number
    from deduplicated
)

select * from final
