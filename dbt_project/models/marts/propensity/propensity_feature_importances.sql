-- Feature importances of each chosen model.; contract in _propensity__models.yml.
select
    cast(run_id as varchar) as run_id,
    cast(target as varchar) as target,
    cast(model_version as varchar) as model_version,
    cast(feature as varchar) as feature,
    cast(importance as double) as importance,
    cast(method as varchar) as method,
    cast(rank as integer) as importance_rank
from {{ ref('int_propensity__feature_importances') }}
