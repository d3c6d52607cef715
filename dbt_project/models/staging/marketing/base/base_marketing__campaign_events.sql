-- What happened to each campaign recipient (send, open, click, conversion, unsubscribe,
-- bounce), one row per raw record of a loaded file: trimmed, typed, checked. An empty event_id
-- is derived from the md5 of the row's content (is_event_id_derived).
-- In a micro-batch (env SEGMART_MICROBATCH_LOAD_IDS) incremental: a load's rows never change, so only
-- the files of new loads are read (delete+insert on load_id; macros/microbatch.sql).
{%- set batch_loads = env_var('SEGMART_MICROBATCH_LOAD_IDS', '') %}
{{ config(
    materialized=microbatch_materialization(batch_loads),
    incremental_strategy='delete+insert',
    unique_key='load_id',
) }}
{%- set content_columns = raw_entity_columns('campaign_events') %}

with

source as (
    {{ loaded_raw_rows('campaign_events', microbatch_raw_loads('campaign_events', batch_loads)) }}
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
        event_id is null as is_event_id_derived,
        coalesce(event_id, {{ content_md5(['source_system', 'extra_json'] + content_columns) }}) as event_id,
        campaign_id,
        customer_ref,
        lower(customer_system) as customer_system,
        case when {{ is_email_like('email') }} then {{ normalize_email('email') }} end as email,
        {{ normalize_campaign_event_type('event_type') }} as event_type,
        event_at as event_at_raw,
        {{ parse_timestamp('event_at') }} as event_at_utc,
        lower(variant) as variant,
        {{ parse_decimal('amount') }} as amount,
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
            required_check('campaign_id'),
            placeholder_check('campaign_id'),
            required_check('event_type'),
            timezone_check([['event_at_raw', 'event_at_utc']]),
        ] + plausible_time_checks('event_at', 'event_at_utc') + [
            negative_check('amount', 'amount'),
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
        _quarantine_reason,
        _row_hash,
        {{ quarantined_raw_record() }} as _raw_record
    from checked
)

select * from final
