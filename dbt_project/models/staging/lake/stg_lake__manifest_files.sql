-- One row per landed file and load, as recorded by ingestion's manifest (the commit record:
-- raw rows count only for files whose manifest status is 'loaded').
with

source as (
    select * from {{ source('raw', 'manifest') }}
),

renamed as (
    select
        load_id,
        source_system,
        entity,
        source_file,
        file_sha256,
        file_bytes,
        rows_landed,
        rows_written,
        rows_rejected,
        columns as file_columns_json,
        lower(status) as status,
        schema_change,
        message,
        cast(loaded_at as timestamp) as loaded_at
    from source
    where load_id is not null and load_id <> 'schema'
)

select * from renamed
