-- Contract in _segments__models.yml; built by int_segments__supervised_evaluation.
select
    cast(run_id as varchar) as run_id,
    cast(source_system as varchar) as source_system,
    cast(model as varchar) as model,
    cast(segment as varchar) as segment,
    cast(metric as varchar) as metric,
    cast(value as double) as value,
    cast(note as varchar) as note
from {{ ref('int_segments__supervised_evaluation') }}
