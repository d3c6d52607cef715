-- Campaign events that passed every row check, exact duplicates removed.
with

{{ deduplicated_ctes('base_marketing__campaign_events') }},

final as (
    select
        event_id,
        is_event_id_derived,
        campaign_id,
        customer_ref,
        customer_system,
        email,
        event_type,
        event_at_utc,
        variant,
        amount,
        extra_json,
        source_system,
        load_id,
        source_file,
        record_number
    from deduplicated
)

select * from final
