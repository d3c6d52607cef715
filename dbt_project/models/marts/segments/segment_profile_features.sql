-- Per segment and feature; contract in _segments__models.yml.
select
    cast(run_id as varchar) as run_id,
    cast(segment_id as integer) as segment_id,
    cast(feature as varchar) as feature,
    cast(kind as varchar) as kind,
    cast(category as varchar) as category,
    cast(segment_mean as double) as segment_mean,
    cast(segment_median as double) as segment_median,
    cast(population_mean as double) as population_mean,
    cast(population_median as double) as population_median,
    cast(lift as double) as lift,
    cast(effect as double) as effect,
    cast(rank as integer) as feature_rank
from {{ ref('int_segments__profile_features') }}
