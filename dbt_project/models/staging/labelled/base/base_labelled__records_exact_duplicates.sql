-- The exact duplicates among the rows of base_labelled__records that passed their checks (see the
-- exact_duplicates macro), found once here: the staging view, its tests and the quality marts read
-- this small table instead of each re-aggregating the hash of every row.
{{ config(materialized='table') }}
{{ exact_duplicates(passed_rows('base_labelled__records')) }}
