-- Fails the build when any landed file is not reconciled: every record the manifest says landed
-- must be staged, quarantined or an exact duplicate (see source_reconciliation).
select
    load_id,
    source_system,
    source_file,
    entity,
    status,
    rows_landed,
    rows_staged,
    rows_quarantined,
    rows_exact_duplicates
from {{ ref('source_reconciliation') }}
where is_reconciled is not true
