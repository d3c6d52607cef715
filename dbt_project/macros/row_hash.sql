{#-
  64-bit hash of the canonical content columns (clean text, before typing), the unmapped
  columns (extra_json) and the source system: the cheap first pass of exact-duplicate detection. md5 over the same text costs ~5x
  more on tens of millions of rows, so it is only computed for rows whose 64-bit hash repeats
  (see exact_duplicates), which also makes a hash collision harmless.
-#}
{% macro row_hash(columns) -%}
    hash(
    {%- for column in columns %}
        {{ column }}{% if not loop.last %},{% endif %}
    {%- endfor %}
    )
{%- endmacro %}

{#- The raw record (text exactly as landed) as a JSON object, for quarantine listings. -#}
{% macro raw_record_struct(columns, relation_alias=none) -%}
    struct_pack(
    {%- for column in columns %}
        {{ column }} := {% if relation_alias %}{{ relation_alias }}.{% endif %}{{ column }}{% if not loop.last %},{% endif %}
    {%- endfor %}
    )
{%- endmacro %}

{#- ['a', 'b'] with prefix 't' -> ['t.a', 't.b'] -#}
{% macro prefix_columns(prefix, columns) -%}
    {%- set ns = namespace(out=[]) -%}
    {%- for column in columns -%}
        {%- set ns.out = ns.out + [prefix ~ '.' ~ column] -%}
    {%- endfor -%}
    {{ return(ns.out) }}
{%- endmacro %}

{#- md5 (hex) of text columns, NULL-safe (chr(0) stands for NULL, chr(31) separates). Used to
    derive ids from content, e.g. campaign events without event_id. -#}
{% macro content_md5(columns) -%}
    md5(concat_ws(chr(31)
    {%- for column in columns %},
        coalesce(cast({{ column }} as varchar), chr(0))
    {%- endfor %}
    ))
{%- endmacro %}
