-- Social-network interactions with the brand, one row per raw record of a loaded file:
-- trimmed, typed, checked. Handles are lower case without '@'; platforms lower case.
-- In a micro-batch (env SEGMART_MICROBATCH_LOAD_IDS) incremental: a load's rows never change, so only
-- the files of new loads are read (delete+insert on load_id; macros/microbatch.sql).
{%- set batch_loads = env_var('SEGMART_MICROBATCH_LOAD_IDS', '') %}
{{ config(
    materialized=microbatch_materialization(batch_loads),
    incremental_strategy='delete+insert',
    unique_key='load_id',
) }}
{%- set content_columns = raw_entity_columns('social_interactions') %}

with

source as (
    {{ loaded_raw_rows('social_interactions', microbatch_raw_loads('social_interactions', batch_loads)) }}
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
        interaction_id,
        lower(platform) as platform,
        {{ normalize_handle('handle') }} as handle,
        case when {{ is_email_like('email') }} then {{ normalize_email('email') }} end as email,
        lower(interaction_type) as interaction_type,
        interacted_at as interacted_at_raw,
        {{ parse_timestamp('interacted_at') }} as interacted_at_utc,
        post_id,
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
            required_check('interaction_id'),
            placeholder_check('interaction_id'),
            required_check('platform'),
            required_check('handle'),
            required_check('interaction_type'),
            required_check('interacted_at', 'interacted_at_raw'),
            timestamp_check('interacted_at', 'interacted_at_raw', 'interacted_at_utc'),
            timezone_check([['interacted_at_raw', 'interacted_at_utc']]),
        ] + plausible_time_checks('interacted_at', 'interacted_at_utc') + [
        ]) }} as _quarantine_reason
    from typed
),

final as (
    select
        load_id,
        source_system,
        source_file,
        record_number,
        interaction_id,
        platform,
        handle,
        email,
        interaction_type,
        interacted_at_utc,
        post_id,
        extra_json,
        _quarantine_reason,
        _row_hash,
        {{ quarantined_raw_record() }} as _raw_record
    from checked
)

select * from final
