-- 2-D PCA and t-SNE coordinates of a seeded sample of customers with their segment; contract in _segments__models.yml.
select
    cast(run_id as varchar) as run_id,
    cast(customer_id as varchar) as customer_id,
    cast(segment_id as integer) as segment_id,
    cast(pca_1 as double) as pca_1,
    cast(pca_2 as double) as pca_2,
    cast(tsne_1 as double) as tsne_1,
    cast(tsne_2 as double) as tsne_2
from {{ ref('int_segments__embedding') }}
