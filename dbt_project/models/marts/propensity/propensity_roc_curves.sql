-- ROC curve points of each model on the validation split.; contract in _propensity__models.yml.
select
    cast(run_id as varchar) as run_id,
    cast(target as varchar) as target,
    cast(model_version as varchar) as model_version,
    cast(fpr as double) as fpr,
    cast(tpr as double) as tpr,
    cast(threshold as double) as roc_threshold
from {{ ref('int_propensity__roc_curves') }}
