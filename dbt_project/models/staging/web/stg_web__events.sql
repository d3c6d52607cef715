-- Web events that passed every row check, exact duplicates removed (first occurrence by
-- load_id, source_file, record_number kept). Timestamps in UTC.
with

{{ deduplicated_ctes('base_web__events') }},

final as (
    select
        event_id,
        session_id,
        anonymous_id,
        user_id,
        event_type,
        event_at_utc,
        page_url,
        duration_seconds,
        utm_source,
        utm_medium,
        utm_campaign,
        device,
        order_id,
        extra_json,
        source_system,
        load_id,
        source_file,
        record_number
    from deduplicated
)

select * from final
