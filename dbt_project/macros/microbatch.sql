{#-
    Micro-batch helpers (docs/microbatch.md).

    `listed` is the value of env SEGMART_MICROBATCH_LOAD_IDS (comma-separated load ids), read by
    each model itself: a changed env var re-parses only the files that read it.
    In a normal build it is empty and the models are plain tables, rebuilt in full. In a
    micro-batch they are incremental, and only the rows a micro-batch can change are computed:
    - the event base tables read only the raw zone's files of new loads (delete+insert on load_id);
    - their exact-duplicates tables look for duplicates among the new rows only;
    - the attributed fact models attribute again only the rows whose person can have changed
      (delete+insert on the staged row's lineage).
-#}

{% macro microbatch_materialization(listed) -%}
    {{ return('incremental' if listed else 'table') }}
{%- endmacro %}

{#- A staged row's lineage: unique per staged row, so delete+insert replaces exactly the rows
    attributed again. -#}
{% macro microbatch_row_key() -%}
    {{ return(['source_system', 'load_id', 'source_file', 'record_number']) }}
{%- endmacro %}

{% macro microbatch_quote(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}

{#- `column` is one of `loads` (a list); `false` for none (SQL has no empty IN list). -#}
{% macro microbatch_in_list(column, loads) -%}
    {%- if loads -%}
        {{ column }} in ({% for l in loads %}{{ microbatch_quote(l) }}{{ ', ' if not loop.last }}{% endfor %})
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}

{% macro microbatch_listed(listed) -%}
    {{ return(listed.split(',') | map('trim') | reject('equalto', '') | list) }}
{%- endmacro %}

{% macro microbatch_in_loads(column, listed) -%}
    {{ microbatch_in_list(column, microbatch_listed(listed)) }}
{%- endmacro %}

{#- The staged rows a micro-batch must (re)attribute: the batch's loads (a replayed batch too)
    and any load of `entity` this table has not seen yet (one whose micro-batch failed after
    ingesting). As constants (microbatch_unseen_loads): a `not in (subquery)` in the filter kept
    DuckDB from pushing it through the staging view, which then read every staged row. -#}
{% macro microbatch_new_rows(listed, entity, load_id='load_id') -%}
    {{ microbatch_in_list(load_id, (microbatch_listed(listed) + microbatch_unseen_loads(entity)) | unique | sort) }}
{%- endmacro %}

{#- Loads of `entity` that the manifest marks loaded with rows and this table has not seen: a
    failed micro-batch's, and loads whose rows all were quarantined or duplicates (they match
    nothing). The manifest's staging table is looked up by name in this model's schema, not by
    ref(): a ref() called only at execution time is not a declared dependency; every micro-batch
    selection builds it first. -#}
{% macro microbatch_unseen_loads(entity) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set manifest = adapter.get_relation(this.database, this.schema, 'stg_lake__manifest_files') -%}
    {%- if manifest is none -%}
        {{ exceptions.raise_compiler_error("micro-batch: no stg_lake__manifest_files in " ~ this.schema ~ "; run a full build first") }}
    {%- endif -%}
    {%- set unseen = run_query(
        "select distinct manifest.load_id from " ~ manifest ~ " as manifest"
        ~ " where manifest.status = 'loaded' and manifest.entity = " ~ microbatch_quote(entity)
        ~ " and manifest.rows_written > 0"
        ~ " and manifest.load_id not in (select distinct seen.load_id from " ~ this ~ " as seen"
        ~ " where seen.load_id is not null)") -%}
    {{ return(unseen.columns[0].values() | list) }}
{%- endmacro %}

{#- The loads an event base model reads in a micro-batch (none = every load: a full build): the
    batch's loads (a replayed batch too) and every load of `entity` that the manifest marks loaded
    and the table has not seen (one whose micro-batch failed after ingesting). Returned as
    constants, not as a subquery: DuckDB prunes the raw zone's load_id=<id> hive partitions only on
    constant filters, so only these loads' files are opened. Load ids are at most a few thousand
    values of a dictionary-compressed column, so finding the unseen ones is cheap. -#}
{% macro microbatch_raw_loads(entity, listed) -%}
    {%- if not (listed and execute and is_incremental()) -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return((microbatch_listed(listed) + microbatch_unseen_loads(entity)) | unique | sort) }}
{%- endmacro %}

{#-
  Exact duplicates in a micro-batch (`base_<entity>_exact_duplicates`, see exact_duplicates.sql).
  Whether a row is a duplicate, and of which first occurrence, depends only on the rows before it
  in (load_id, source_file, record_number) order; so the table is right for every row before
  load `since` whatever lands after, and a micro-batch recomputes only the rows from `since` on:
  the pre-hook deletes them, the model appends them again.
  `since` is the oldest of the batch's loads and the loads the base table holds beyond the
  table's watermark (the newest base load it accounted for, a comment on the table written by
  the post-hook of every build, full or not): a load whose base rows were written by a run that
  failed before this table was updated is not missed. Load ids are ingestion's UTC timestamps,
  so new loads sort after every older one and `since` is the first new load.
-#}
{% macro microbatch_watermark_prefix() -%}
    {{ return('accounts for base rows up to load_id ') }}
{%- endmacro %}

{% macro microbatch_duplicates_since(base_model, listed) -%}
    {%- if not (listed and execute and is_incremental()) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set prefix = microbatch_watermark_prefix() -%}
    {%- set noted = run_query(
        "select comment from duckdb_tables() where database_name = " ~ microbatch_quote(this.database)
        ~ " and schema_name = " ~ microbatch_quote(this.schema)
        ~ " and table_name = " ~ microbatch_quote(this.identifier)) -%}
    {%- set comment = (noted.rows[0][0] if noted.rows else none) or '' -%}
    {%- if not comment.startswith(prefix) -%}
        {{ return('') }}  {#- no watermark (built before it existed): every row again -#}
    {%- endif -%}
    {%- set loads = microbatch_listed(listed) -%}
    {%- set beyond = run_query(
        "select min(load_id) from " ~ ref(base_model) ~ " where load_id > "
        ~ microbatch_quote(comment[prefix | length:])) -%}
    {%- if beyond.rows[0][0] is not none %}{% do loads.append(beyond.rows[0][0]) %}{% endif -%}
    {{ return(loads | min) }}
{%- endmacro %}

{% macro microbatch_forget_duplicates(base_model) -%}
    {%- set since = microbatch_duplicates_since(base_model, env_var('SEGMART_MICROBATCH_LOAD_IDS', '')) -%}
    {%- if since is not none -%}
        delete from {{ this }} where load_id >= {{ microbatch_quote(since) }}
    {%- endif -%}
{%- endmacro %}

{% macro microbatch_note_watermark(base_model) -%}
    {%- if execute -%}
        {%- set newest = run_query("select max(load_id) from " ~ ref(base_model)).rows[0][0] -%}
        comment on table {{ this }} is {{ microbatch_quote(microbatch_watermark_prefix() ~ (newest or '')) }}
    {%- endif -%}
{%- endmacro %}
