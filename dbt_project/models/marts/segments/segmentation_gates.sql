-- The segmentation's validation gates (thresholds from var('segmentation_gates')); publishing
-- refuses a version where any row has passed = false.
select
    cast(area as varchar) as area,
    cast(gate as varchar) as gate,
    cast(value as double) as value,
    cast(threshold as double) as threshold,
    cast(passed as boolean) as passed,
    cast(detail as varchar) as detail
from {{ ref('int_segments__gates') }}
