-- Labelled records (a table with attributes and a known outcome), one row per raw record of a
-- loaded file: trimmed, outcome typed, checked. A table (like every base model): the only place
-- the raw parquet is read.
{{ config(materialized='table') }}
{%- set content_columns = raw_entity_columns('labelled_records') %}

with

source as (
    {{ loaded_raw_rows('labelled_records') }}
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
        outcome as outcome_input,
        {{ parse_bool('outcome') }} as outcome,
        excluded_attributes,
        categorical_attributes,
        extra_json,
        _raw,
        {{ row_hash(['source_system', 'extra_json'] + content_columns) }} as _row_hash
    from cleaned
),

checked as (
    select
        *,
        {{ quarantine_reasons([
            required_check('outcome', 'outcome_input'),
            ["outcome_input is not null and outcome is null", "'outcome is not a yes/no value: ' || outcome_input"],
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
        outcome,
        excluded_attributes,
        categorical_attributes,
        extra_json,
        _quarantine_reason,
        _row_hash,
        {{ quarantined_raw_record() }} as _raw_record
    from checked
)

select * from final
