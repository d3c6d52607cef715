-- Known-segment rows that passed every row check, exact duplicates removed (the same person and
-- segment landed twice is one label, not two votes).
with

{{ deduplicated_ctes('base_segments__known_segments') }},

final as (
    select
        source_system,
        -- a file without an id column is keyed by where each row sits: file + record number
        coalesce(record_id, source_file || '#' || cast(record_number as varchar)) as record_id,
        record_id is null as is_record_id_derived,
        customer_system,
        customer_ref,
        email,
        known_segment,
        load_id,
        source_file,
        record_number
    from deduplicated
)

select * from final
