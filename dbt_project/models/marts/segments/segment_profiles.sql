-- One row per segment; contract in _segments__models.yml.
select
    cast(run_id as varchar) as run_id,
    cast(segment_id as integer) as segment_id,
    cast(size as bigint) as size,
    cast(share as double) as share,
    cast(name as varchar) as segment_name,
    cast(description as varchar) as description,
    cast(distinguishing_features as varchar) as distinguishing_features,
    cast(top_categories as varchar) as top_categories
from {{ ref('int_segments__profiles') }}
