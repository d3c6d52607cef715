-- Sorted k-distance curve with its knee and the chosen DBSCAN eps; contract in _segments__models.yml.
select
    cast(run_id as varchar) as run_id,
    cast(rank as integer) as point_rank,
    cast(k_distance as double) as k_distance,
    cast(is_knee as boolean) as is_knee,
    cast(chosen_eps as double) as chosen_eps,
    cast(min_samples as integer) as min_samples
from {{ ref('int_segments__k_distance') }}
