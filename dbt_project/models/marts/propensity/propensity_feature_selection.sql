-- Feature selection per target; contract in _propensity__models.yml.
select
    cast(run_id as varchar) as run_id,
    cast(target as varchar) as target,
    cast(model_version as varchar) as model_version,
    cast(feature as varchar) as feature,
    cast(kept_correlation as boolean) as kept_correlation,
    cast(correlated_with as varchar) as correlated_with,
    cast(abs_corr as double) as abs_corr,
    cast(rfe_rank as integer) as rfe_rank,
    cast(kept_rfe as boolean) as kept_rfe
from {{ ref('int_propensity__feature_selection') }}
