-- Identifiers the identity graph leaves out, and why: a junk placeholder value, or seen with
-- several people (a shared device, a family e-mail). Nothing is dropped silently.
with

candidates as (
    select * from {{ ref('int_identity__identifier_candidates') }}
),

per_identifier as (
    select
        identifier_type,
        identifier_value,
        count(distinct customer_id) as n_customers,
        sum(n_observations) as n_observations
    from candidates
    group by all
),

final as (
    select
        identifier_type,
        identifier_value,
        cast(n_customers as bigint) as n_customers,
        cast(n_observations as bigint) as n_observations,
        case
            when identifier_type <> 'contact_ref' and {{ identity_is_junk_identifier('identifier_value') }}
                then 'junk identifier value'
            else 'seen with ' || n_customers || ' people'
        end as reason
    from per_identifier
    where n_customers > 1
        or (identifier_type <> 'contact_ref' and {{ identity_is_junk_identifier('identifier_value') }})
)

select * from final
