-- Records the ingestion parser could not read, for files the manifest knows (a crash can leave
-- rejects of a load that never committed; they are ignored like its raw rows).
with

source as (
    select * from {{ source('raw', 'rejects') }}
),

manifest as (
    select * from {{ ref('stg_lake__manifest_files') }}
),

renamed as (
    select
        source.load_id,
        source.source_system,
        source.entity,
        source.source_file,
        source.record_number,
        source.reason,
        source.raw_record
    from source
    where
        source.load_id is not null
        and source.load_id <> 'schema'
        and exists (
            select 1
            from manifest
            where
                manifest.load_id = source.load_id
                and manifest.source_system = source.source_system
                and manifest.source_file = source.source_file
        )
)

select * from renamed
