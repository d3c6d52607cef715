{#-
  The exact duplicates among `relation` (base rows that passed every check): every row whose
  content was already seen, with the lineage of the first occurrence (ordered by load_id,
  source_file, record_number), which is the one staging keeps.

  Two passes keep it cheap on tens of millions of rows (a window over every row costs ~2.5x a
  plain copy): the 64-bit _row_hash values seen more than once are found with an aggregate, and
  only those candidate rows get an md5 of their whole staged content (every column except the
  lineage and the check columns; unmapped columns (extra_json) are part of the record, so two
  rows that differ only there are not duplicates) and a window. Rows are duplicates only when that
  md5 matches, so a 64-bit collision cannot drop a row.

  With `since` (a micro-batch, see microbatch_duplicates_since) only the duplicates among rows of
  loads from `since` on are returned: their hashes are looked up in the whole relation (a
  semi-join on one column, no aggregate or md5 of every row) to find the repeated ones, and those
  candidates' older occurrences still take part in the window, so the first occurrence kept is
  the same as in a full build.
-#}
{% macro exact_duplicates(relation, since=none) -%}
    select
        load_id,
        source_system,
        source_file,
        record_number,
        content_md5 as _content_md5,
        first_value(load_id) over by_content as duplicate_of_load_id,
        first_value(source_file) over by_content as duplicate_of_source_file,
        first_value(record_number) over by_content as duplicate_of_record_number
    from (
        select
            candidates.load_id,
            candidates.source_system,
            candidates.source_file,
            candidates.record_number,
            md5(cast(json_merge_patch(
                to_json(candidates),
                '{"load_id": null, "source_file": null, "record_number": null, '
                || '"_quarantine_reason": null, "_raw_record": null, "_row_hash": null}'
            ) as varchar)) as content_md5
        from {{ relation }} as candidates
        where candidates._row_hash in (
            select repeated._row_hash
            from {{ relation }} as repeated
            {%- if since is not none %}
            where repeated._row_hash in (
                select fresh._row_hash from {{ relation }} as fresh where fresh.load_id >= {{ microbatch_quote(since) }}
            )
            {%- endif %}
            group by repeated._row_hash
            having count(*) > 1
        )
    ) as fingerprinted
    window by_content as (partition by content_md5 order by load_id, source_file, record_number)
    qualify row_number() over by_content > 1
    {%- if since is not none %}
        and load_id >= {{ microbatch_quote(since) }}
    {%- endif %}
{%- endmacro %}

{#- The rows of a base model that passed every check, as a subquery (not a CTE: DuckDB would
    materialise a CTE referenced several times). -#}
{% macro passed_rows(base_model) -%}
    (select * from {{ ref(base_model) }} where _quarantine_reason is null)
{%- endmacro %}

{#-
  Staging body shared by every stg_ model: the base rows without a quarantine reason, minus
  the exact duplicates found by the base model's `<base>_exact_duplicates` table. Produces the CTEs
  `duplicates` and `deduplicated`.
-#}
{% macro deduplicated_ctes(base_model) -%}
duplicates as (
    select * from {{ ref(base_model ~ '_exact_duplicates') }}
),

deduplicated as (
    select passed.*
    from {{ passed_rows(base_model) }} as passed
    anti join duplicates
        on
            passed.load_id = duplicates.load_id
            and passed.source_file = duplicates.source_file
            and passed.record_number = duplicates.record_number
            and passed.source_system = duplicates.source_system
)
{%- endmacro %}
