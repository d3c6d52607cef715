-- A marketer's known segments, one row per raw record of a loaded file: trimmed, e-mail normalised,
-- checked. A table (like every base model): the only place the raw parquet is read.
{{ config(materialized='table') }}
{%- set content_columns = raw_entity_columns('known_segments') %}

with

source as (
    {{ loaded_raw_rows('known_segments') }}
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
        record_id,
        customer_system,
        customer_ref,
        email as email_input,
        case when {{ is_email_like('email') }} then {{ normalize_email('email') }} end as email,
        known_segment,
        extra_json,
        _raw,
        {{ row_hash(['source_system', 'extra_json'] + content_columns) }} as _row_hash
    from cleaned
),

checked as (
    select
        *,
        {{ quarantine_reasons([
            required_check('known_segment'),
            ["customer_ref is null and email_input is null", "'no customer_ref or email: the row names nobody'"],
            ["email_input is not null and email is null", "'invalid email: ' || email_input"],
        ]) }} as _quarantine_reason
    from typed
),

final as (
    select
        load_id,
        source_system,
        source_file,
        record_number,
        record_id,
        customer_system,
        customer_ref,
        email,
        known_segment,
        extra_json,
        _quarantine_reason,
        _row_hash,
        {{ quarantined_raw_record() }} as _raw_record
    from checked
)

select * from final
