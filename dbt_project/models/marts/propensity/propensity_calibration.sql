-- Calibration; contract in _propensity__models.yml.
select
    cast(run_id as varchar) as run_id,
    cast(target as varchar) as target,
    cast(model_version as varchar) as model_version,
    cast(bin as integer) as bin,
    cast(mean_predicted as double) as mean_predicted,
    cast(observed_rate as double) as observed_rate,
    cast(count as integer) as n_customers_bin
from {{ ref('int_propensity__calibration') }}
