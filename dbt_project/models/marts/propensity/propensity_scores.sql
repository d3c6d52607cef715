-- One row per customer and target: propensity as of the latest features cutoff, its decile and
-- the customer's top drivers.
select
    cast(customer_id as varchar) as customer_id,
    cast(target as varchar) as target,
    cast(probability as double) as probability,
    cast(decile as integer) as decile,
    cast(predicted as boolean) as predicted,
    cast(top_drivers as varchar) as top_drivers,
    cast(model_version as varchar) as model_version,
    cast(scored_at_cutoff_utc as timestamp) as scored_at_cutoff_utc,
    cast(run_id as varchar) as run_id
from {{ ref('int_propensity__scores') }}
