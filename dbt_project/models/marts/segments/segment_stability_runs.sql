-- Bootstrap stability; contract in _segments__models.yml.
select
    cast(run_id as varchar) as run_id,
    cast(run as integer) as bootstrap_run,
    cast(ari as double) as ari,
    cast(n_segments as integer) as n_segments
from {{ ref('int_segments__stability_runs') }}
