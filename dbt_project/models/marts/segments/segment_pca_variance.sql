-- PCA explained variance per component of the scaled matrix; contract in _segments__models.yml.
select
    cast(run_id as varchar) as run_id,
    cast(component as integer) as component,
    cast(explained_variance as double) as explained_variance,
    cast(explained_variance_ratio as double) as explained_variance_ratio,
    cast(cumulative_ratio as double) as cumulative_ratio
from {{ ref('int_segments__pca_variance') }}
