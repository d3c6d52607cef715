"""The CRM sync table: every change of a customer's segment, one row per switch of what is served.

Built from the publish log (publishes and rollbacks, in order) and each served version's
`segment_membership`, so a CRM can pull `where changed_at_utc > <its last pull>` and apply the
rows in order. A rollback is a switch like any other: people move back, with the rollback's time.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import duckdb

SWITCH_ACTIONS = ("publish", "rollback")


def _membership(warehouse, version_id: str) -> Path | None:
    path = warehouse.version_dir(version_id) / "tables" / "segment_membership.parquet"
    return path if path.is_file() else None


def crm_sync_rows(warehouse) -> duckdb.DuckDBPyRelation | None:
    """customer_id, segment_id, segment_name, previous_segment_id, change, version_id, changed_at_utc."""
    con = duckdb.connect()
    switches = [e for e in warehouse.events() if e.get("action") in SWITCH_ACTIONS]
    parts, previous = [], None
    for i, event in enumerate(switches):
        current = _membership(warehouse, event["version_id"])
        if current is None:
            continue
        at = event["at_utc"].replace("'", "")
        new = f"(select customer_id, segment_id, segment_name from read_parquet('{current}'))"
        if previous is None:
            parts.append(f"select customer_id, segment_id, segment_name, null::integer as previous_segment_id, "
                         f"'entered' as change, '{event['version_id']}' as version_id, "
                         f"'{at}'::timestamp as changed_at_utc, {i} as switch_number from {new}")
        else:
            old = f"(select customer_id, segment_id, segment_name from read_parquet('{previous}'))"
            parts.append(
                f"select coalesce(n.customer_id, o.customer_id) as customer_id, n.segment_id, n.segment_name, "
                f"o.segment_id as previous_segment_id, "
                f"case when o.customer_id is null then 'entered' when n.customer_id is null then 'left' "
                f"else 'moved' end as change, '{event['version_id']}' as version_id, "
                f"'{at}'::timestamp as changed_at_utc, {i} as switch_number "
                f"from {new} n full outer join {old} o on n.customer_id = o.customer_id "
                f"where n.segment_id is distinct from o.segment_id or n.customer_id is null or o.customer_id is null")
        previous = current
    if not parts:
        return None
    return con.sql(" union all ".join(parts) + " order by switch_number, customer_id")


def write_crm_sync(warehouse, path: str | Path) -> str:
    """Rewrite the whole table atomically (it is small: only changes); returns a one-line summary."""
    rel = crm_sync_rows(warehouse)
    if rel is None:
        return "no published version has segment_membership yet"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".parquet")
    os.close(fd)
    rel.write_parquet(tmp)
    os.replace(tmp, path)
    (rows,) = duckdb.sql(f"select count(*) from read_parquet('{path}')").fetchall()[0]
    return f"{path} ({rows:,} changes)"
