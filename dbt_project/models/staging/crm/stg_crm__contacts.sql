-- Contacts that passed every row check, exact duplicates removed (the first occurrence by
-- load_id, source_file, record_number is kept). Typed, normalised, with lineage.
with

{{ deduplicated_ctes('base_crm__contacts') }},

final as (
    select
        source_system,
        source_record_id,
        first_name,
        last_name,
        full_name,
        email,
        phone,
        phone_raw,
        is_phone_valid,
        street,
        postcode,
        city,
        country,
        birth_date,
        is_birth_date_valid,
        gender,
        age_band,
        income_band,
        social_handle,
        marketing_consent,
        unsubscribed,
        created_at_utc,
        updated_at_utc,
        extra_json,
        load_id,
        source_file,
        record_number
    from deduplicated
)

select * from final
