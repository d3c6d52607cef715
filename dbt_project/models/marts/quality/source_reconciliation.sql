-- noqa: disable=LT02
-- (indentation is checked on the rendered loops, which sqlfluff cannot line up with the template)
-- One row per landed file and load (load_id x source_system x source_file x entity): what the
-- manifest says landed against where every record went. A loaded file is reconciled when
-- rows_landed = rows_staged + rows_quarantined + rows_exact_duplicates (parser rejects count as
-- quarantined); a file that was not loaded (skipped duplicate, rejected whole) is reconciled
-- when none of its rows reached staging.
with

manifest as (
    select * from {{ ref('stg_lake__manifest_files') }}
),

staged as (
    {% for e in staged_entities() -%}
    select
        load_id,
        source_system,
        source_file,
        count(*) as rows_staged
    from {{ ref(e.stg) }}
    group by load_id, source_system, source_file
    {% if not loop.last %}union all
    {% endif %}
    {%- endfor %}
),

quarantined as (
    select
        load_id,
        source_system,
        source_file,
        count(*) as rows_quarantined,
        count(*) filter (where quarantine_stage = 'ingestion') as rows_rejected_by_parser
    from {{ ref('quarantined_rows') }}
    group by load_id, source_system, source_file
),

duplicates as (
    select
        load_id,
        source_system,
        source_file,
        count(*) as rows_exact_duplicates
    from {{ ref('exact_duplicate_rows') }}
    group by load_id, source_system, source_file
),

counted as (
    select
        manifest.load_id,
        manifest.source_system,
        manifest.source_file,
        manifest.entity,
        manifest.status,
        manifest.loaded_at,
        manifest.rows_landed,
        manifest.rows_written,
        manifest.rows_rejected,
        coalesce(staged.rows_staged, 0) as rows_staged,
        coalesce(quarantined.rows_quarantined, 0) as rows_quarantined,
        coalesce(quarantined.rows_rejected_by_parser, 0) as rows_rejected_by_parser,
        coalesce(duplicates.rows_exact_duplicates, 0) as rows_exact_duplicates
    from manifest
    left join staged
        on
            manifest.load_id = staged.load_id
            and manifest.source_system = staged.source_system
            and manifest.source_file = staged.source_file
    left join quarantined
        on
            manifest.load_id = quarantined.load_id
            and manifest.source_system = quarantined.source_system
            and manifest.source_file = quarantined.source_file
    left join duplicates
        on
            manifest.load_id = duplicates.load_id
            and manifest.source_system = duplicates.source_system
            and manifest.source_file = duplicates.source_file
),

final as (
    select
        cast(load_id as varchar) as load_id,
        cast(source_system as varchar) as source_system,
        cast(source_file as varchar) as source_file,
        cast(entity as varchar) as entity,
        cast(status as varchar) as status,
        cast(loaded_at as timestamp) as loaded_at,
        cast(rows_landed as bigint) as rows_landed,
        cast(rows_written as bigint) as rows_written,
        cast(rows_rejected as bigint) as rows_rejected,
        cast(rows_staged as bigint) as rows_staged,
        cast(rows_quarantined as bigint) as rows_quarantined,
        cast(rows_rejected_by_parser as bigint) as rows_rejected_by_parser,
        cast(rows_exact_duplicates as bigint) as rows_exact_duplicates,
        coalesce(
            case
                when status = 'loaded'
                    then rows_landed = rows_staged + rows_quarantined + rows_exact_duplicates
                else rows_staged = 0 and rows_exact_duplicates = 0
            end,
            false
        ) as is_reconciled
    from counted
)

select * from final
