"""Live tables between two published versions: what micro-batches add on top of the served version.

Versions are immutable, so micro-batch results (reassignments, membership changes, drift) go to
``<warehouse>/live/<table>/batch-<batch id>.parquet``: one file per batch and table, written under
a temporary name and renamed (a reader never sees half a file; re-running a batch replaces its
file instead of adding a second one). Every row carries the ``version_id`` it was computed
against, so a newly published version starts with a clean live state without deleting history.

The serving catalog exposes each live table as a view of the same name (``add_live_views``), plus
``live_membership``: the served version's membership with each customer's latest micro-batch
assignment on top (customers first seen by a micro-batch included).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd

LIVE_DIR = "live"
ASSIGNMENTS = "live_assignments"
CHANGES = "membership_changes"


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


class LiveStore:
    def __init__(self, warehouse_root: str | Path):
        self.root = Path(warehouse_root) / LIVE_DIR

    def table_dir(self, table: str) -> Path:
        return self.root / table

    def tables(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and any(p.glob("*.parquet")))

    def glob(self, table: str) -> str:
        return str((self.table_dir(table) / "*.parquet").resolve())

    def write(self, table: str, batch_id: str, frame: pd.DataFrame) -> Path:
        """Write (or replace) the batch's file of ``table``; an empty frame writes nothing."""
        folder = self.table_dir(table)
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"batch-{batch_id}.parquet"
        if frame.empty:
            final.unlink(missing_ok=True)
            return final
        tmp = folder / f".batch-{batch_id}.{os.getpid()}.tmp"
        con = duckdb.connect()
        try:
            con.register("_frame", frame)
            con.execute(f"copy (select * from _frame) to {_literal(tmp)} (format parquet)")
        finally:
            con.close()
        tmp.replace(final)
        return final

    def read(self, table: str, version_id: str | None = None) -> pd.DataFrame:
        """All rows of a live table (of one version when given); empty when nothing was written."""
        if table not in self.tables():
            return pd.DataFrame()
        where = f" where version_id = {_literal(version_id)}" if version_id else ""
        con = duckdb.connect()
        try:
            return con.sql(f"select * from read_parquet({_literal(self.glob(table))}, union_by_name=true){where}").df()
        finally:
            con.close()

    def latest(self, table: str, version_id: str, key: str = "customer_id",
               order: str = "assigned_at_utc") -> pd.DataFrame:
        """The latest row per ``key`` of a live table for one version."""
        rows = self.read(table, version_id)
        if rows.empty:
            return rows
        return rows.sort_values([order, "batch_id"]).drop_duplicates(key, keep="last").reset_index(drop=True)


def add_live_views(con: duckdb.DuckDBPyConnection, warehouse_root: str | Path, version_id: str,
                   version_tables: dict[str, Path]) -> list[str]:
    """Create a view per live table, and live_membership over the version's segment_membership.
    Called by the catalog writer; returns the views created."""
    store = LiveStore(warehouse_root)
    created = []
    for table in store.tables():
        if table in version_tables:
            continue  # a published table always wins its name
        con.execute(f'create view "{table}" as select * from read_parquet({_literal(store.glob(table))}, '
                    "union_by_name=true)")
        created.append(table)
    membership = version_tables.get("segment_membership")
    if membership is not None and "live_membership" not in version_tables:
        published = f"read_parquet({_literal(Path(membership).resolve())})"
        if ASSIGNMENTS in created:
            con.execute(f"""
                create view live_membership as
                with live as (
                    select * from "{ASSIGNMENTS}" where version_id = {_literal(version_id)}
                    qualify row_number() over (partition by customer_id order by assigned_at_utc desc, batch_id desc) = 1
                )
                select p.customer_id, p.segment_id, p.segment_name, p.distance_to_centroid, p.second_segment_id,
                       p.margin, cast(null as timestamp) as assigned_at_utc, 'published' as assigned_by
                from {published} as p
                anti join live on live.customer_id = p.customer_id
                union all by name
                select customer_id, segment_id, segment_name, distance_to_centroid, second_segment_id, margin,
                       assigned_at_utc, 'micro-batch' as assigned_by
                from live""")
        else:
            con.execute(f"""
                create view live_membership as
                select customer_id, segment_id, segment_name, distance_to_centroid, second_segment_id, margin,
                       cast(null as timestamp) as assigned_at_utc, 'published' as assigned_by
                from {published}""")
        created.append("live_membership")
    return created
