-- Comparison of candidate segmentations; contract in _segments__models.yml.
select
    cast(run_id as varchar) as run_id,
    cast(candidate as varchar) as candidate,
    cast(algorithm as varchar) as algorithm,
    cast(params as varchar) as params,
    cast(n_rows as bigint) as n_rows,
    cast(n_segments as integer) as n_segments,
    cast(sizes as varchar) as sizes,
    cast(min_segment_share as double) as min_segment_share,
    cast(noise_share as double) as noise_share,
    cast(silhouette as double) as silhouette,
    cast(calinski_harabasz as double) as calinski_harabasz,
    cast(davies_bouldin as double) as davies_bouldin,
    cast(fit_seconds as double) as fit_seconds,
    cast(selected as boolean) as selected
from {{ ref('int_segments__candidates') }}
