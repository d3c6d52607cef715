-- Segment centroids in scaled units; contract in _segments__models.yml.
select
    cast(run_id as varchar) as run_id,
    cast(segment_id as integer) as segment_id,
    cast(feature as varchar) as feature,
    cast(value_scaled as double) as value_scaled,
    cast(value_original as double) as value_original
from {{ ref('int_segments__centroids') }}
