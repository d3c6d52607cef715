-- Contract in _labelled__models.yml; built by int_labelled__propensity_scores.
select
    cast(run_id as varchar) as run_id,
    cast(source_system as varchar) as source_system,
    cast(record_id as varchar) as record_id,
    cast(split as varchar) as split,
    cast(outcome as boolean) as outcome,
    cast(probability as double) as probability,
    cast(decile as integer) as decile,
    cast(predicted as boolean) as predicted,
    cast(top_drivers as varchar) as top_drivers,
    cast(model_version as varchar) as model_version
from {{ ref('int_labelled__propensity_scores') }}
