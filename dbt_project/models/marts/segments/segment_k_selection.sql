-- Elbow and silhouette per k; contract in _segments__models.yml.
select
    cast(run_id as varchar) as run_id,
    cast(k as integer) as k,
    cast(inertia as double) as inertia,
    cast(inertia_per_row as double) as inertia_per_row,
    cast(silhouette as double) as silhouette,
    cast(knee_difference as double) as knee_difference,
    cast(is_elbow as boolean) as is_elbow,
    cast(is_silhouette_best as boolean) as is_silhouette_best,
    cast(chosen as boolean) as chosen,
    cast(n_rows_used as bigint) as n_rows_used
from {{ ref('int_segments__k_selection') }}
