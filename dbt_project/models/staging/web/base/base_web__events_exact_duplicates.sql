-- The exact duplicates among the rows of base_web__events that passed their checks (see the
-- exact_duplicates macro), found once here: the staging view, its tests and the quality marts read
-- this small table instead of each re-aggregating the hash of every row.
-- In a micro-batch (env SEGMART_MICROBATCH_LOAD_IDS) incremental: only the rows of the new loads are
-- looked at (their older twins too); see microbatch_duplicates_since in macros/microbatch.sql.
{%- set batch_loads = env_var('SEGMART_MICROBATCH_LOAD_IDS', '') %}
{{ config(
    materialized=microbatch_materialization(batch_loads),
    incremental_strategy='append',
    pre_hook="{{ microbatch_forget_duplicates('base_web__events') }}",
    post_hook="{{ microbatch_note_watermark('base_web__events') }}",
) }}
{{ exact_duplicates(passed_rows('base_web__events'), since=microbatch_duplicates_since('base_web__events', batch_loads)) }}
