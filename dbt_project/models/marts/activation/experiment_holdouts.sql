-- Every customer's arm in every declared experiment (seed `experiments`): a salted hash of the
-- customer id, so the arm never changes between versions while the id is stable.
with

assignments as (
    select
        e.experiment_id,
        c.customer_id,
        {{ holdout_bucket('c.customer_id', 'e.experiment_id', 'e.salt') }} as bucket,
        e.control_share::double as control_share
    from {{ ref('experiments') }} as e
    cross join {{ ref('dim_customers') }} as c
)

select
    experiment_id,
    customer_id,
    case when bucket < control_share then 'control' else 'test' end as arm,
    bucket
from assignments
