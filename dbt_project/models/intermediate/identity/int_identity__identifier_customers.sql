-- The identity graph: identifier -> the one person it belongs to. Guards: junk values
-- (var identity_junk_identifiers) never link, and an identifier seen with several people (a
-- shared device, a family e-mail, a reused handle) links nobody rather than merging them.
-- Both kinds are listed in identity_graph_exclusions.
with

candidates as (
    select * from {{ ref('int_identity__identifier_candidates') }}
),

per_identifier as (
    select
        identifier_type,
        identifier_value,
        count(distinct customer_id) as n_customers,
        any_value(customer_id) as customer_id,
        sum(n_observations) as n_observations
    from candidates
    group by all
),

final as (
    select
        identifier_type,
        identifier_value,
        customer_id,
        cast(n_observations as bigint) as n_observations
    from per_identifier
    where n_customers = 1
        and (identifier_type = 'contact_ref' or not {{ identity_is_junk_identifier('identifier_value') }})
)

select * from final
