-- Per model; contract in _propensity__models.yml.
select
    cast(run_id as varchar) as run_id,
    cast(target as varchar) as target,
    cast(model_version as varchar) as model_version,
    cast(split as varchar) as split,
    cast(algorithm as varchar) as algorithm,
    cast(roc_auc as double) as roc_auc,
    cast(pr_auc as double) as pr_auc,
    cast(f1 as double) as f1,
    cast(precision as double) as precision,
    cast(recall as double) as recall,
    cast(accuracy as double) as accuracy,
    cast(brier as double) as brier,
    cast(threshold as double) as threshold,
    cast(positive_rate as double) as positive_rate,
    cast(predicted_positive_rate as double) as predicted_positive_rate,
    cast(n as integer) as n,
    cast(true_negatives as integer) as true_negatives,
    cast(false_positives as integer) as false_positives,
    cast(false_negatives as integer) as false_negatives,
    cast(true_positives as integer) as true_positives
from {{ ref('int_propensity__evaluation') }}
