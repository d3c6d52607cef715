-- Every candidate pair of contact records the blocking rules proposed, with its match
-- probability and what became of it: the diagnostics behind the report's histogram and the
-- review sample.
with

pairs as (
    select * from {{ ref('int_identity__scored_pairs') }}
),

contact_customers as (
    select * from {{ ref('int_identity__contact_customers') }}
),

final as (
    select
        cast(p.left_record as varchar) as left_record,
        cast(p.right_record as varchar) as right_record,
        cast(p.match_probability as double) as match_probability,
        cast(p.match_weight as double) as match_weight,
        cast(p.blocking_rules as varchar) as blocking_rules,
        cast(p.hard_conflict as boolean) as hard_conflict,
        p.match_probability >= {{ var('identity_match_threshold', 0.85) }} as is_above_threshold,
        l.customer_id = r.customer_id as is_same_customer
    from pairs as p
    inner join contact_customers as l on l.source_system || ':' || l.source_record_id = p.left_record
    inner join contact_customers as r on r.source_system || ':' || r.source_record_id = p.right_record
)

select * from final
