"""Write a tiny raw zone in exactly the layout ingestion produces, for dbt staging tests.

Layout (see dbt_project/models/staging/lake/_lake__sources.yml)::

    <lake>/raw/<entity>/load_id=<load_id>/<file>.parquet     canonical columns as text + metadata
    <lake>/raw/<entity>/load_id=schema/_schema.parquet        0 rows, full schema (always written)
    <lake>/raw/_manifest/load_id=<load_id>/manifest.parquet   one row per landed file
    <lake>/raw/_rejects/load_id=<load_id>/rejects.parquet     parser rejects

Rows are plain dicts of canonical column -> text. Metadata keys (``load_id``, ``_source_system``,
``_source_file``, ``_timezone``...) may be given per row; missing ones take the defaults below.
Rows are grouped into one parquet file per (load_id, source system, source file), numbered
1..n in order unless ``_record_number`` is given. Unless told otherwise, a 'loaded' manifest row
is written for every file, counting its rows and its parser rejects.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from python_models.contracts import load_contracts

DEFAULT_LOAD_ID = "20240115T080000Z"

DEFAULT_METADATA: dict[str, str] = {
    "_timezone": "Europe/Paris",
    "_default_country": "FR",
    "_phone_region": "FR",
    "_currency": "EUR",
    "_date_order": "DMY",
}

# Default source system per entity, like a typical BYO sources file would name them.
DEFAULT_SOURCE_SYSTEM: dict[str, str] = {
    "contacts": "crm",
    "web_events": "web_analytics",
    "orders": "eshop_orders",
    "social_interactions": "social",
    "campaigns": "campaigns",
    "campaign_events": "campaign_events",
    "partner_enrichment": "partner",
}

METADATA_FIELDS: list[pa.Field] = [
    pa.field("_source_system", pa.string()),
    pa.field("_source_file", pa.string()),
    pa.field("_file_sha256", pa.string()),
    pa.field("_record_number", pa.int64()),
    pa.field("_extra", pa.string()),
    pa.field("_timezone", pa.string()),
    pa.field("_default_country", pa.string()),
    pa.field("_phone_region", pa.string()),
    pa.field("_currency", pa.string()),
    pa.field("_date_order", pa.string()),
]

MANIFEST_SCHEMA = pa.schema(
    [
        pa.field("load_id", pa.string()),
        pa.field("source_system", pa.string()),
        pa.field("entity", pa.string()),
        pa.field("source_file", pa.string()),
        pa.field("file_sha256", pa.string()),
        pa.field("file_bytes", pa.int64()),
        pa.field("rows_landed", pa.int64()),
        pa.field("rows_written", pa.int64()),
        pa.field("rows_rejected", pa.int64()),
        pa.field("columns", pa.string()),
        pa.field("status", pa.string()),
        pa.field("schema_change", pa.string()),
        pa.field("message", pa.string()),
        pa.field("loaded_at", pa.timestamp("us")),
    ]
)

REJECTS_SCHEMA = pa.schema(
    [
        pa.field("load_id", pa.string()),
        pa.field("source_system", pa.string()),
        pa.field("entity", pa.string()),
        pa.field("source_file", pa.string()),
        pa.field("record_number", pa.int64()),
        pa.field("reason", pa.string()),
        pa.field("raw_record", pa.string()),
    ]
)


def entity_schema(entity: str) -> pa.Schema:
    """Arrow schema of one raw entity: canonical columns as text, then the metadata columns."""
    columns = load_contracts()[entity].column_names
    return pa.schema([pa.field(c, pa.string()) for c in columns] + METADATA_FIELDS)


def _write(path: Path, rows: list[dict[str, Any]], schema: pa.Schema) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist([{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema)
    pq.write_table(table, path)


def _file_name(source_system: str, source_file: str) -> str:
    stem = Path(source_file).name.replace(".", "_")
    return f"{source_system}__{stem}.parquet"


def write_raw_zone(
    lake_dir: Path,
    rows_by_entity: dict[str, list[dict[str, Any]]],
    manifest_rows: list[dict[str, Any]] | None = None,
    rejects: list[dict[str, Any]] | None = None,
    *,
    unmanifested_files: set[str] | frozenset[str] = frozenset(),
    load_id: str = DEFAULT_LOAD_ID,
) -> dict[str, Any]:
    """Write a raw zone under ``lake_dir`` and return what was written.

    ``rows_by_entity``: entity -> rows (canonical text values, optional metadata overrides).
    ``manifest_rows``: extra/overriding manifest rows (matched to files on load_id, source_system,
        source_file; given keys win over the generated ones), e.g. a 'skipped_duplicate' file.
    ``rejects``: parser rejects (load_id, source_system, entity, source_file, record_number,
        reason, raw_record); they count in the generated manifest row of their file.
    ``unmanifested_files``: source_file values whose raw rows are written but get no manifest row
        (a crash between writing the data and committing the manifest).
    """
    lake_dir = Path(lake_dir)
    raw = lake_dir / "raw"
    contracts = load_contracts()
    unknown = set(rows_by_entity) - set(contracts)
    if unknown:
        raise ValueError(f"unknown entities: {sorted(unknown)}")

    # Schema files: every entity, the manifest and the rejects, always.
    for entity in contracts:
        _write(raw / entity / "load_id=schema" / "_schema.parquet", [], entity_schema(entity))
    _write(raw / "_manifest" / "load_id=schema" / "_schema.parquet", [], MANIFEST_SCHEMA)
    _write(raw / "_rejects" / "load_id=schema" / "_schema.parquet", [], REJECTS_SCHEMA)

    files: dict[tuple[str, str, str], dict[str, Any]] = {}
    for entity, rows in rows_by_entity.items():
        schema = entity_schema(entity)
        groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            full = {**DEFAULT_METADATA, **row}
            full.setdefault("_source_system", DEFAULT_SOURCE_SYSTEM[entity])
            full.setdefault("_source_file", f"landing/{full['_source_system']}/{entity}.csv")
            full.setdefault("load_id", load_id)
            full.setdefault("_file_sha256", f"sha-{full['_source_system']}-{Path(full['_source_file']).name}")
            groups[(full["load_id"], full["_source_system"], full["_source_file"])].append(full)
        for (lid, system, source_file), group in groups.items():
            for i, row in enumerate(group, start=1):
                row.setdefault("_record_number", i)
            path = raw / entity / f"load_id={lid}" / _file_name(system, source_file)
            _write(path, group, schema)
            header = [c for c in contracts[entity].column_names if any(r.get(c) is not None for r in group)]
            files[(lid, system, source_file)] = {
                "entity": entity,
                "rows": len(group),
                "sha": group[0]["_file_sha256"],
                "columns": header,
                "path": path,
            }

    rejects = [dict(r) for r in (rejects or [])]
    rejects_by_file: dict[tuple[str, str, str], int] = defaultdict(int)
    for rej in rejects:
        rej.setdefault("load_id", load_id)
        rejects_by_file[(rej["load_id"], rej["source_system"], rej["source_file"])] += 1
        files.setdefault(
            (rej["load_id"], rej["source_system"], rej["source_file"]),
            {"entity": rej["entity"], "rows": 0, "sha": "sha-rejects", "columns": [], "path": None},
        )
    for lid in {r["load_id"] for r in rejects}:
        _write(
            raw / "_rejects" / f"load_id={lid}" / "rejects.parquet",
            [r for r in rejects if r["load_id"] == lid],
            REJECTS_SCHEMA,
        )

    loaded_at = datetime(2024, 1, 15, 8, 0)  # naive UTC, like ingestion writes it
    manifest: dict[tuple[str, str, str], dict[str, Any]] = {}
    for key, info in files.items():
        lid, system, source_file = key
        if source_file in unmanifested_files:
            continue
        n_rejected = rejects_by_file.get(key, 0)
        manifest[key] = {
            "load_id": lid,
            "source_system": system,
            "entity": info["entity"],
            "source_file": source_file,
            "file_sha256": info["sha"],
            "file_bytes": 1000 + info["rows"],
            "rows_landed": info["rows"] + n_rejected,
            "rows_written": info["rows"],
            "rows_rejected": n_rejected,
            "columns": json.dumps(info["columns"]),
            "status": "loaded",
            "schema_change": None,
            "message": None,
            "loaded_at": loaded_at,
        }
    for extra in manifest_rows or []:
        extra = dict(extra)
        extra.setdefault("load_id", load_id)
        key = (extra["load_id"], extra["source_system"], extra["source_file"])
        base = manifest.get(key, {"loaded_at": loaded_at, "rows_rejected": 0, "columns": "[]"})
        manifest[key] = {**base, **extra}
    for lid in {k[0] for k in manifest}:
        _write(
            raw / "_manifest" / f"load_id={lid}" / "manifest.parquet",
            [m for k, m in manifest.items() if k[0] == lid],
            MANIFEST_SCHEMA,
        )
    return {"files": files, "manifest": list(manifest.values()), "rejects": rejects}
