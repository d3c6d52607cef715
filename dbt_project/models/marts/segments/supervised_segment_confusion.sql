-- Contract in _segments__models.yml; built by int_segments__supervised_confusion.
select
    cast(run_id as varchar) as run_id,
    cast(source_system as varchar) as source_system,
    cast(actual_segment as varchar) as actual_segment,
    cast(predicted_segment as varchar) as predicted_segment,
    cast(n_customers as bigint) as n_customers
from {{ ref('int_segments__supervised_confusion') }}
