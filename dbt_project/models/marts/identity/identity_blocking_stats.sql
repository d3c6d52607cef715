-- Per blocking rule: distinct keys, keys skipped because too many records share them
-- (exploding blocks), and candidate pairs proposed; plus a total row for the union.
with

rules as (
    select * from {{ ref('int_identity__blocking_stats') }}
),

pairs as (
    select count(*) as n_pairs from {{ ref('int_identity__scored_pairs') }}
),

final as (
    select
        cast(rule as varchar) as rule,
        cast(n_keys as bigint) as n_keys,
        cast(n_capped_keys as bigint) as n_capped_keys,
        cast(n_pairs as bigint) as n_pairs
    from rules
    union all
    select '(union of all rules)', null, null, cast(n_pairs as bigint)
    from pairs
)

select * from final
