-- noqa: disable=LT02
-- (indentation is checked on the rendered loops, which sqlfluff cannot line up with the template)
-- Records dropped from staging because an identical record (same source system and same
-- canonical content) came first, with the lineage of the record that was kept. row_hash is the
-- md5 of the record's staged content.
with

{% for e in staged_entities() -%}
{{ e.entity }}_duplicates as (
    select * from {{ ref(e.base ~ '_exact_duplicates') }}
),

{% endfor -%}
unioned as (
    {% for e in staged_entities() -%}
    select
        '{{ e.entity }}' as entity,
        *
    from {{ e.entity }}_duplicates
    {% if not loop.last %}union all
    {% endif %}
    {%- endfor %}
),

final as (
    select
        cast(entity as varchar) as entity,
        cast(source_system as varchar) as source_system,
        cast(load_id as varchar) as load_id,
        cast(source_file as varchar) as source_file,
        cast(record_number as bigint) as record_number,
        cast(_content_md5 as varchar) as row_hash,
        cast(duplicate_of_load_id as varchar) as duplicate_of_load_id,
        cast(duplicate_of_source_file as varchar) as duplicate_of_source_file,
        cast(duplicate_of_record_number as bigint) as duplicate_of_record_number
    from unioned
)

select * from final
