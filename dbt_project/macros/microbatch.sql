{#-
    Micro-batch helpers for the attributed fact models (docs/microbatch.md).

    `listed` is the value of env SEGMART_MICROBATCH_LOAD_IDS (comma-separated load ids), read by
    each model itself: a changed env var re-parses only the files that read it.
    In a normal build it is empty and the models are plain tables, rebuilt in full. In a
    micro-batch they are incremental (delete+insert on the staged row's lineage), and only the
    rows a micro-batch can change are attributed again.
-#}

{% macro microbatch_materialization(listed) -%}
    {{ return('incremental' if listed else 'table') }}
{%- endmacro %}

{#- A staged row's lineage: unique per staged row, so delete+insert replaces exactly the rows
    attributed again. -#}
{% macro microbatch_row_key() -%}
    {{ return(['source_system', 'load_id', 'source_file', 'record_number']) }}
{%- endmacro %}

{% macro microbatch_in_loads(column, listed) -%}
    {{ column }} in ({% for l in listed.split(',') %}'{{ l | trim }}'{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{#- The staged rows a micro-batch must (re)attribute: the batch's loads (a replayed batch too)
    and any load this table has not seen yet (one whose micro-batch failed after ingesting). -#}
{% macro microbatch_new_rows(listed, load_id='load_id') -%}
    ({{ microbatch_in_loads(load_id, listed) }}
        or {{ load_id }} not in (select seen.load_id from {{ this }} as seen where seen.load_id is not null))
{%- endmacro %}
