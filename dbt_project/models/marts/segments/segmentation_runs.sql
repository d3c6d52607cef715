-- One row for the build's segmentation run; contract in _segments__models.yml.
select
    cast(run_id as varchar) as run_id,
    cast(algorithm as varchar) as algorithm,
    cast(n_customers as integer) as n_customers,
    cast(n_features as integer) as n_features,
    cast(n_segments as integer) as n_segments,
    cast(noise_share as double) as noise_share,
    cast(min_segment_share as double) as min_segment_share,
    cast(silhouette as double) as silhouette,
    cast(calinski_harabasz as double) as calinski_harabasz,
    cast(davies_bouldin as double) as davies_bouldin,
    cast(mean_bootstrap_ari as double) as mean_bootstrap_ari,
    cast(mean_bootstrap_jaccard as double) as mean_bootstrap_jaccard,
    cast(min_segment_jaccard as double) as min_segment_jaccard,
    cast(significant_feature_share as double) as significant_feature_share,
    cast(gates_passed as boolean) as gates_passed,
    cast(params as varchar) as params,
    cast(config as varchar) as config,
    cast(timings as varchar) as timings
from {{ ref('int_segments__run') }}
