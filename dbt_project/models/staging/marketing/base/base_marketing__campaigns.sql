-- Marketing campaigns, one row per raw record of a loaded file: trimmed, typed, checked.
{%- set content_columns = raw_entity_columns('campaigns') %}

with

source as (
    {{ loaded_raw_rows('campaigns') }}
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
        campaign_id,
        campaign_name,
        lower(channel) as channel,
        started_at as started_at_raw,
        {{ parse_timestamp('started_at') }} as started_at_utc,
        ended_at as ended_at_raw,
        {{ parse_timestamp('ended_at') }} as ended_at_utc,
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
            timezone_check([['started_at_raw', 'started_at_utc'], ['ended_at_raw', 'ended_at_utc']]),
        ]) }} as _quarantine_reason
    from typed
),

final as (
    select
        load_id,
        source_system,
        source_file,
        record_number,
        campaign_id,
        campaign_name,
        channel,
        started_at_utc,
        ended_at_utc,
        extra_json,
        _quarantine_reason,
        _row_hash,
        {{ quarantined_raw_record() }} as _raw_record
    from checked
)

select * from final
