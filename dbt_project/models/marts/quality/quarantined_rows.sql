-- noqa: disable=LT02
-- (indentation is checked on the rendered loops, which sqlfluff cannot line up with the template)
-- Every record kept out of staging, with why: rows that broke a row check in a base model
-- (quarantine_stage = 'staging') and records the ingestion parser rejected ('ingestion').
with

{% for e in staged_entities() -%}
{{ e.entity }}_quarantined as (
    select
        '{{ e.entity }}' as entity,
        source_system,
        load_id,
        source_file,
        record_number,
        'staging' as quarantine_stage,
        _quarantine_reason as reason,
        _raw_record as raw_record
    from {{ ref(e.base) }}
    where _quarantine_reason is not null
),

{% endfor -%}
parser_rejects as (
    select
        entity,
        source_system,
        load_id,
        source_file,
        record_number,
        'ingestion' as quarantine_stage,
        reason,
        case
            when json_valid(raw_record) then raw_record
            else cast(to_json(raw_record) as varchar)
        end as raw_record
    from {{ ref('stg_lake__ingest_rejects') }}
),

unioned as (
    {% for e in staged_entities() -%}
    select * from {{ e.entity }}_quarantined
    union all
    {% endfor -%}
    select * from parser_rejects
),

final as (
    select
        cast(entity as varchar) as entity,
        cast(source_system as varchar) as source_system,
        cast(load_id as varchar) as load_id,
        cast(source_file as varchar) as source_file,
        cast(record_number as bigint) as record_number,
        cast(quarantine_stage as varchar) as quarantine_stage,
        cast(reason as varchar) as reason,
        cast(raw_record as varchar) as raw_record
    from unioned
)

select * from final
