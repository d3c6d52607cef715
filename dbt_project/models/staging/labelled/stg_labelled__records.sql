-- Labelled records that passed every row check, exact duplicates removed (a row repeated with the
-- same outcome and attributes would otherwise sit on both sides of a train/test split).
with

{{ deduplicated_ctes('base_labelled__records') }},

final as (
    select
        source_system,
        -- a table without an id column is keyed by where each record sits: file + record number
        coalesce(record_id, source_file || '#' || cast(record_number as varchar)) as record_id,
        record_id is null as is_record_id_derived,
        outcome,
        excluded_attributes,
        categorical_attributes,
        extra_json as attributes_json,
        load_id,
        source_file,
        record_number
    from deduplicated
)

select * from final
