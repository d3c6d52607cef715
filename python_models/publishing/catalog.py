"""The serving catalog: a small DuckDB file of views over one version's Parquet files.

A catalog file is written once under a temporary name, closed, renamed into serving/, and then
`serving.duckdb` is re-pointed at it by renaming a new symlink over the old one (atomic on POSIX).
Nobody ever writes to a catalog file that a reader can open, so readers never meet a lock and
never block a publish; a reader that opened the previous catalog keeps reading the previous
version, whole, until it reconnects.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import pandas as pd

from python_models.publishing.live import add_live_views
from python_models.publishing.registry import (
    BUILT,
    FAILED_GATES,
    Warehouse,
    catalog_file_name,
    catalog_version,
    version_rows,
)

# Stable names for the marts people query most; created only when the current version has the mart.
STABLE_VIEWS = {
    "current_membership": "segment_membership",
    "current_profiles": "segment_profiles",
    "current_centroids": "segment_centroids",
    "current_propensity_scores": "propensity_scores",
    "current_customers": "dim_customers",
    "current_features": "customer_features",
}
HISTORY_SCHEMA = "history"
KEEP_CATALOG_FILES = 5


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _parquet(path: Path) -> str:
    return f"read_parquet({_literal(str(path.resolve()))})"


def write_catalog(warehouse: Warehouse, version_id: str, events_extra: dict | None = None) -> Path:
    """Write (but do not switch to) a catalog serving `version_id`; returns its final path.

    `events_extra` is the log event about to be recorded for this switch, so the catalog's
    segment_versions already shows the state that the switch creates.
    """
    meta = warehouse.read_version(version_id)
    rows = version_rows(warehouse)
    for row in rows:  # the state after the switch
        if row["is_current"] and row["version_id"] != version_id:
            row["is_current"] = False
            row["status"] = "rolled_back" if (events_extra or {}).get("action") == "rollback" else "superseded"
        if row["version_id"] == version_id:
            row["is_current"] = True
            row["status"] = "published"
            if events_extra:
                row["last_switched_at_utc"] = events_extra["at_utc"]
                row["last_switch_action"] = events_extra["action"]
                row["first_published_at_utc"] = row["first_published_at_utc"] or events_extra["at_utc"]
    served = [r for r in rows if r["status"] not in (FAILED_GATES, BUILT)]

    warehouse.ensure_dirs()
    tmp_dir = warehouse.serving_dir / ".tmp"
    tmp_dir.mkdir(exist_ok=True)
    name = catalog_file_name(version_id, time.time_ns())
    tmp_path = tmp_dir / name
    con = duckdb.connect(str(tmp_path))
    try:
        vdir = warehouse.version_dir(version_id)
        tables = meta.get("tables", {})
        for table, info in sorted(tables.items()):
            con.execute(f"create view {_quote(table)} as select * from {_parquet(vdir / info['file'])}")
        for view, table in STABLE_VIEWS.items():
            if table in tables and view not in tables:
                con.execute(f"create view {_quote(view)} as select * from {_quote(table)}")
        # micro-batch hook: live tables between versions (python_models/publishing/live.py)
        add_live_views(con, warehouse.root, version_id, {t: vdir / i["file"] for t, i in tables.items()})

        versions = pd.DataFrame(rows)
        if versions.empty:
            versions = pd.DataFrame(columns=["version_id", "created_at_utc", "status", "is_current"])
        con.register("_versions", versions)
        con.execute(
            "create table segment_versions as select * replace ("
            " created_at_utc::timestamp as created_at_utc,"
            " first_published_at_utc::timestamp as first_published_at_utc,"
            " last_switched_at_utc::timestamp as last_switched_at_utc,"
            " rolled_back_at_utc::timestamp as rolled_back_at_utc) from _versions order by version_id"
        )
        con.unregister("_versions")
        _write_version_detail_tables(con, warehouse, [r["version_id"] for r in rows])
        events = pd.DataFrame(warehouse.events() + ([events_extra] if events_extra else []),
                              columns=["at_utc", "action", "version_id", "previous_version_id", "detail"])
        con.register("_events", events)
        con.execute("create table version_events as select at_utc::timestamp as at_utc, action, version_id,"
                    " previous_version_id, detail from _events order by at_utc")
        con.unregister("_events")
        _write_history_views(con, warehouse, served)
    finally:
        con.close()
    final = warehouse.serving_dir / name
    os.replace(tmp_path, final)
    return final


def _write_version_detail_tables(con, warehouse: Warehouse, version_ids: list[str]) -> None:
    tables, gates = [], []
    for version_id in version_ids:
        meta = warehouse.read_version(version_id)
        for table, info in sorted(meta.get("tables", {}).items()):
            tables.append({"version_id": version_id, "table_name": table, "row_count": info["rows"],
                           "content_hash": info.get("content_hash"),
                           "path": str((warehouse.version_dir(version_id) / info["file"]).resolve())})
        for gate in meta.get("gates", []):
            gates.append({"version_id": version_id, **{k: gate.get(k) for k in
                          ("model", "area", "gate", "value", "threshold", "passed", "detail")}})
    con.register("_tables", pd.DataFrame(tables, columns=["version_id", "table_name", "row_count",
                                                          "content_hash", "path"]))
    con.execute("create table version_tables as select version_id, table_name, row_count::bigint as row_count,"
                " content_hash, path from _tables order by 1, 2")
    con.unregister("_tables")
    con.register("_gates", pd.DataFrame(gates, columns=["version_id", "model", "area", "gate", "value",
                                                        "threshold", "passed", "detail"]))
    con.execute("create table version_gates as select version_id, model, area, gate, value::double as value,"
                " threshold::double as threshold, passed::boolean as passed, detail from _gates order by 1, 2, 3, 4")
    con.unregister("_gates")


def _columns(con, warehouse: Warehouse, version_id: str, info: dict) -> dict[str, str]:
    if info.get("columns"):
        return dict(info["columns"])
    rel = con.sql(f"select * from {_parquet(warehouse.version_dir(version_id) / info['file'])} limit 0")
    return dict(zip(rel.columns, [str(t) for t in rel.types], strict=True))


def _write_history_views(con, warehouse: Warehouse, served: list[dict]) -> None:
    """history.<table>: the table in every version users were ever served, with its version_id.

    By name, so a version that added a column shows null for it in earlier ones. A version where
    a column of the same name has another type cannot be stacked with the newest one: it is left
    out of that view and listed, with the reason, in history_exclusions (still readable through
    version_tables.path)."""
    con.execute(f"create schema {HISTORY_SCHEMA}")
    by_table: dict[str, list[tuple[str, dict, dict]]] = {}
    for row in reversed(served):  # newest first: the newest schema is the reference
        meta = warehouse.read_version(row["version_id"])
        for table, info in meta.get("tables", {}).items():
            by_table.setdefault(table, []).append((row, info, _columns(con, warehouse, row["version_id"], info)))
    excluded = []
    for table, versions in sorted(by_table.items()):
        reference = versions[0][2]
        selects = []
        for row, info, columns in versions:
            clashes = [f"{c} {t} (newest: {reference[c]})" for c, t in columns.items()
                       if c in reference and reference[c] != t]
            if clashes:
                excluded.append({"table_name": table, "version_id": row["version_id"],
                                 "reason": "column type differs: " + "; ".join(clashes)})
                continue
            selects.append(
                f"select {_literal(row['version_id'])} as version_id, "
                f"{_literal(row['created_at_utc'])}::timestamp as version_created_at_utc, * "
                f"from {_parquet(warehouse.version_dir(row['version_id']) / info['file'])}"
            )
        con.execute(f"create view {HISTORY_SCHEMA}.{_quote(table)} as " + "\nunion all by name\n".join(selects))
    con.register("_excluded", pd.DataFrame(excluded, columns=["table_name", "version_id", "reason"]))
    con.execute("create table history_exclusions as select * from _excluded order by 1, 2")
    con.unregister("_excluded")
    if "segment_membership" in by_table:
        con.execute(f"create view membership_history as select * from {HISTORY_SCHEMA}.segment_membership")


def switch_to(warehouse: Warehouse, catalog_path: Path) -> None:
    """Point serving.duckdb at `catalog_path` in one rename, then drop old catalogs."""
    link_tmp = warehouse.root / f".serving.duckdb.{os.getpid()}.tmp"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    os.symlink(os.path.relpath(catalog_path, warehouse.root), link_tmp)
    os.replace(link_tmp, warehouse.serving_db)
    _prune_catalogs(warehouse, keep=catalog_path)


def _prune_catalogs(warehouse: Warehouse, keep: Path) -> None:
    # A reader that has a catalog open keeps reading it after the unlink (POSIX); keeping the last
    # few also spares one that has resolved the link but not yet opened the file.
    files = sorted((p for p in warehouse.serving_dir.glob("catalog-*.duckdb") if catalog_version(p.name)),
                   key=lambda p: p.stat().st_mtime)
    for old in files[:-KEEP_CATALOG_FILES]:
        if old != keep:
            old.unlink(missing_ok=True)
    for leftover in (warehouse.serving_dir / ".tmp").glob("*"):
        leftover.unlink(missing_ok=True)  # catalogs a killed publish never finished
    for leftover in warehouse.root.glob(".serving.duckdb.*.tmp"):
        if leftover != warehouse.root / f".serving.duckdb.{os.getpid()}.tmp":
            leftover.unlink(missing_ok=True)  # links a killed switch never renamed


def connect_serving(warehouse_or_path: Warehouse | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to what is published now."""
    path = warehouse_or_path.serving_db if isinstance(warehouse_or_path, Warehouse) else Path(warehouse_or_path)
    if not path.exists():
        raise FileNotFoundError(f"nothing published at {path} yet: run `segmart refresh` (or `make demo`) first")
    # resolve the link first: DuckDB caches open databases by path within a process
    return duckdb.connect(str(path.resolve()), read_only=True)
