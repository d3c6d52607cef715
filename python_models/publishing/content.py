"""What a published version contains, apart from when and how long it was made: for idempotency.

Two refreshes of the same inputs must publish the same rows. The only columns left out are run
metadata, which differ by construction between two runs (docs/serving.md#idempotency):
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from python_models.publishing.registry import Warehouse

# Build-run metadata: ids stamped with the run's time, the run's time, and measured durations.
RUN_METADATA_COLUMNS = frozenset({
    "run_id",  # seg-/prop-<UTC stamp>-<hash>: the stamp is the run's start
    "model_version",  # <target>-<trained-at stamp>-<hash of algorithm, features, params>
    "version",  # propensity_model_registry: the same model version string
    "trained_at",
    "detected_at_utc",  # customer_id_changes: dbt's run_started_at
    "search_seconds",
    "fit_seconds",
    "timings",  # segmentation_runs: seconds per step
})
# Durations inside a JSON column: propensity_model_registry.metrics holds the model's validation
# metrics (compared) and its step timings (left out: the key is blanked, the rest is kept).
RUN_METADATA_JSON_KEYS = {"metrics": "timings_seconds"}
# Ingest-run metadata: only differs when the two versions come from separately ingested raw zones.
INGEST_METADATA_COLUMNS = frozenset({"load_id", "duplicate_of_load_id", "loaded_at"})


@dataclass(frozen=True)
class TableContent:
    rows: int
    row_hashes: dict[int, int]  # hash of a row (metadata columns left out) -> how many rows have it
    excluded: tuple[str, ...]  # columns left out, and table.json_key blanked


def version_content(warehouse: Warehouse, version_id: str,
                    exclude: frozenset[str] = RUN_METADATA_COLUMNS) -> dict[str, TableContent]:
    """Every published table of a version as a multiset of row hashes (order-independent)."""
    meta = warehouse.read_version(version_id)
    out = {}
    con = duckdb.connect()
    try:
        for table, info in sorted(meta["tables"].items()):
            path = str((warehouse.version_dir(version_id) / info["file"]).resolve()).replace("'", "''")
            schema = con.sql(f"select * from read_parquet('{path}') limit 0")
            types = dict(zip(schema.columns, [str(t) for t in schema.types], strict=True))
            dropped = tuple(c for c in types if c.lower() in exclude)
            blanked = tuple(f"{c}.{RUN_METADATA_JSON_KEYS[c.lower()]}" for c in types
                            if c.lower() in RUN_METADATA_JSON_KEYS and types[c] in ("VARCHAR", "JSON"))
            kept = ", ".join(_kept(c, f"{c}." + RUN_METADATA_JSON_KEYS.get(c.lower(), "") in blanked)
                             for c in types if c not in dropped)
            hashes = con.sql(f"select hash(struct_pack({kept})) as h, count(*) from read_parquet('{path}') "
                             "group by h").fetchall() if kept else []
            out[table] = TableContent(int(info["rows"]), {int(h): int(n) for h, n in hashes}, dropped + blanked)
    finally:
        con.close()
    return out


def _kept(column: str, blank_key: bool) -> str:
    quoted = '"' + column.replace('"', '""') + '"'
    if not blank_key:
        return quoted
    key = RUN_METADATA_JSON_KEYS[column.lower()]
    return f"""{quoted} := regexp_replace({quoted}, '"{key}": \\{{[^{{}}]*\\}}', '"{key}": null', 'g')"""


def differing_rows(a: TableContent, b: TableContent) -> int:
    """Rows of `a` without an identical row in `b`, plus the reverse."""
    keys = set(a.row_hashes) | set(b.row_hashes)
    return sum(abs(a.row_hashes.get(k, 0) - b.row_hashes.get(k, 0)) for k in keys)


def compare_versions(a: dict[str, TableContent], b: dict[str, TableContent]) -> dict[str, int]:
    """Tables whose content differs, with how many rows differ (a table in only one counts all its rows)."""
    diff = {}
    for table in sorted(set(a) | set(b)):
        if table not in a or table not in b:
            diff[table] = (a.get(table) or b[table]).rows
        elif (n := differing_rows(a[table], b[table])) or a[table].rows != b[table].rows:
            diff[table] = n
    return diff
