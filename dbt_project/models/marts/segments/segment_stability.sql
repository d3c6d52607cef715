-- Per-segment bootstrap stability; contract in _segments__models.yml.
select
    cast(run_id as varchar) as run_id,
    cast(segment_id as integer) as segment_id,
    cast(mean_jaccard as double) as mean_jaccard,
    cast(min_jaccard as double) as min_jaccard,
    cast(reference_size as integer) as reference_size
from {{ ref('int_segments__stability_segments') }}
