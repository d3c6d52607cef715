{#-
  Rows of one raw-zone entity that belong to a file the manifest marks 'loaded'.
  Crash safety: ingestion writes the parquet file first and the manifest row last, so a file
  without a 'loaded' manifest row (same load_id, source_system and source_file) is ignored.
  `loads` (a list; none = all) keeps only those loads' files (micro-batches, microbatch_raw_loads).
-#}
{% macro loaded_raw_rows(entity, loads=none) -%}
    select raw_rows.*
    from {{ source('raw', entity) }} as raw_rows
    where exists (
        select 1
        from {{ ref('stg_lake__manifest_files') }} as manifest
        where
            manifest.status = 'loaded'
            and manifest.load_id = raw_rows.load_id
            and manifest.source_system = raw_rows._source_system
            and manifest.source_file = raw_rows._source_file
    )
    {%- if loads is not none %}
        and {{ microbatch_in_list('raw_rows.load_id', loads) }}
    {%- endif %}
{%- endmacro %}


{#-
  Select list shared by every base model's `cleaned` CTE: lineage, the source options of the
  row (validated time zone, date order, phone region, default country and currency), the raw
  record as a struct (for quarantine listings) and every canonical column as clean text.
-#}
{% macro cleaned_raw_columns(content_columns) -%}
        load_id,
        _source_system as source_system,
        _source_file as source_file,
        _record_number as record_number,
        _extra as extra_json,
        _timezone,
        {#- source options are written by ingestion from the validated sources file: constant
            per file and already clean, so only '' -> NULL and case are handled (cheap) -#}
        {{ valid_timezone('_timezone') }} as _tz,
        coalesce(upper(nullif(_date_order, '')), 'DMY') as _date_order,
        coalesce(upper(nullif(_phone_region, '')), '') as _phone_region,
        upper(nullif(_default_country, '')) as _default_country,
        upper(nullif(_currency, '')) as _default_currency,
        {{ raw_record_struct(content_columns) }} as _raw,
        {%- for column in content_columns %}
        {{ clean_text(column) }} as {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
{%- endmacro %}

{#- The raw record as JSON text, only for quarantined rows (NULL otherwise, to keep it cheap). -#}
{% macro quarantined_raw_record(reason='_quarantine_reason', raw='_raw') -%}
    case when {{ reason }} is not null then cast(to_json({{ raw }}) as varchar) end
{%- endmacro %}
