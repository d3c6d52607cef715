-- Contract in _segments__models.yml; built by int_segments__supervised_membership.
select
    cast(run_id as varchar) as run_id,
    cast(source_system as varchar) as source_system,
    cast(customer_id as varchar) as customer_id,
    cast(known_segment as varchar) as known_segment,
    cast(split as varchar) as split,
    cast(predicted_segment as varchar) as predicted_segment,
    cast(probability as double) as probability,
    cast(second_segment as varchar) as second_segment,
    cast(second_probability as double) as second_probability,
    cast(probability - second_probability as double) as margin
from {{ ref('int_segments__supervised_membership') }}
