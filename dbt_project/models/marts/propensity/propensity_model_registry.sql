-- One row per trained propensity model; contract in _propensity__models.yml.
select
    cast(run_id as varchar) as run_id,
    cast(target as varchar) as target,
    cast(model_name as varchar) as model_name,
    cast(version as varchar) as version,
    cast(algorithm as varchar) as algorithm,
    cast(trained_at as varchar) as trained_at,
    cast(threshold as double) as threshold,
    cast(validation_roc_auc as double) as validation_roc_auc,
    cast(features as varchar) as features,
    cast(params as varchar) as params,
    cast(metrics as varchar) as metrics,
    cast(choice_reason as varchar) as choice_reason,
    cast(train_cutoff_at_utc as timestamp) as train_cutoff_at_utc,
    cast(score_cutoff_at_utc as timestamp) as score_cutoff_at_utc,
    cast(horizon_days as integer) as horizon_days,
    cast(n_train as integer) as n_train,
    cast(final_fit_rows as integer) as final_fit_rows
from {{ ref('int_propensity__registry') }}
