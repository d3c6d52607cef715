-- The propensity gates: each target needs a model whose validation ROC AUC reaches var('propensity_min_validation_auc'); publishing
-- refuses a version where any row has passed = false.
select
    cast(area as varchar) as area,
    cast(gate as varchar) as gate,
    cast(value as double) as value,
    cast(threshold as double) as threshold,
    cast(passed as boolean) as passed,
    cast(detail as varchar) as detail
from {{ ref('int_propensity__gates') }}
