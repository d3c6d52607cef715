-- Web-analytics events, one row per raw record of a loaded file: trimmed, typed, checked.
-- The largest entity (tens of millions of rows): only DuckDB built-ins, no UDF, no window.
-- In a micro-batch (env SEGMART_MICROBATCH_LOAD_IDS) incremental: a load's rows never change, so only
-- the files of new loads are read (delete+insert on load_id; macros/microbatch.sql).
{%- set batch_loads = env_var('SEGMART_MICROBATCH_LOAD_IDS', '') %}
{{ config(
    materialized=microbatch_materialization(batch_loads),
    incremental_strategy='delete+insert',
    unique_key='load_id',
) }}
{%- set content_columns = raw_entity_columns('web_events') %}

with

source as (
    {{ loaded_raw_rows('web_events', microbatch_raw_loads('web_events', batch_loads)) }}
),

cleaned as (
    select
        {{ cleaned_raw_columns(content_columns) }}
    from source
),

typed as (
    select
        load_id,
        source_system,
        source_file,
        record_number,
        event_id,
        session_id,
        anonymous_id,
        user_id,
        lower(event_type) as event_type,
        event_at as event_at_raw,
        {{ parse_timestamp('event_at') }} as event_at_utc,
        page_url,
        duration_seconds as duration_seconds_raw,
        {{ parse_double('duration_seconds') }} as duration_seconds,
        utm_source,
        utm_medium,
        utm_campaign,
        lower(device) as device,
        order_id,
        extra_json,
        _timezone,
        _tz,
        _raw,
        {{ row_hash(['source_system', 'extra_json'] + content_columns) }} as _row_hash
    from cleaned
),

checked as (
    select
        *,
        {{ quarantine_reasons([
            required_check('event_id'),
            placeholder_check('event_id'),
            required_check('session_id'),
            required_check('event_type'),
            required_check('event_at', 'event_at_raw'),
            timestamp_check('event_at', 'event_at_raw', 'event_at_utc'),
            timezone_check([['event_at_raw', 'event_at_utc']]),
        ] + plausible_time_checks('event_at', 'event_at_utc') + [
            negative_check('duration_seconds', 'duration_seconds'),
        ]) }} as _quarantine_reason
    from typed
),

final as (
    select
        load_id,
        source_system,
        source_file,
        record_number,
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
        _quarantine_reason,
        _row_hash,
        {{ quarantined_raw_record() }} as _raw_record
    from checked
)

select * from final
