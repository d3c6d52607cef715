-- PCA loadings; contract in _segments__models.yml.
select
    cast(run_id as varchar) as run_id,
    cast(component as integer) as component,
    cast(feature as varchar) as feature,
    cast(loading as double) as loading,
    cast(abs_rank as integer) as abs_rank
from {{ ref('int_segments__pca_loadings') }}
