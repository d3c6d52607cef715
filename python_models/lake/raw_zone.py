"""The raw zone: canonical Parquet partitioned by load, a manifest and parser rejects.

Layout (what dbt's sources read):
  raw/<entity>/load_id=<id>/<source>__<file>__<sha8>.parquet
  raw/_manifest/load_id=<id>/manifest.parquet      one row per landed file seen by the load
  raw/_rejects/load_id=<id>/rejects.parquet        records the parser could not read
Every folder has a 0-row `load_id=schema/_schema.parquet` so readers' globs never come up empty.
The manifest is written last: a data file whose load has no manifest row is ignored by staging,
so a crash mid-load leaves nothing half-counted.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from python_models.contracts import RAW_METADATA_COLUMNS, load_contracts

SCHEMA_LOAD = "schema"
MANIFEST_SCHEMA = pa.schema(
    [
        ("source_system", pa.string()),
        ("entity", pa.string()),
        ("source_file", pa.string()),
        ("file_sha256", pa.string()),
        ("file_bytes", pa.int64()),
        ("rows_landed", pa.int64()),
        ("rows_written", pa.int64()),
        ("rows_rejected", pa.int64()),
        ("columns", pa.string()),
        ("status", pa.string()),
        ("schema_change", pa.string()),
        ("message", pa.string()),
        ("loaded_at", pa.timestamp("us")),
        ("source_spec_sha256", pa.string()),
    ]
)
REJECTS_SCHEMA = pa.schema(
    [
        ("source_system", pa.string()),
        ("entity", pa.string()),
        ("source_file", pa.string()),
        ("record_number", pa.int64()),
        ("reason", pa.string()),
        ("raw_record", pa.string()),
    ]
)


def entity_schema(entity: str) -> pa.Schema:
    fields = [(c, pa.string()) for c in load_contracts()[entity].column_names]
    for meta in RAW_METADATA_COLUMNS:
        fields.append((meta, pa.int64() if meta == "_record_number" else pa.string()))
    return pa.schema(fields)


def _private_mkdir(path: Path) -> None:
    # The raw zone holds personal data: owner-only from the first folder on.
    path.mkdir(parents=True, exist_ok=True, mode=0o700)


def _atomic_write(table: pa.Table, target: Path) -> None:
    _private_mkdir(target.parent)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.chmod(tmp, 0o600)
    os.replace(tmp, target)


def raw_parquet_options(first_batch: pa.Table) -> dict:
    """Writer settings for a raw data file, chosen from its first batch.

    Writing is a large share of ingestion, and most of it went into two things staging never uses:
    dictionaries built for every text column (ids and timestamps overflow them and fall back to
    plain encoding after hashing every value) and min/max statistics of text columns (staging
    filters raw rows by load and file, never by content). So a dictionary only where the first batch
    repeats its values, and statistics only for the record number.
    """
    n = first_batch.num_rows
    repetitive = [
        name for name, column in zip(first_batch.column_names, first_batch.columns, strict=True)
        if pa.types.is_string(column.type) and pc.count_distinct(column, mode="all").as_py() <= max(1, n // 20)
    ]
    return {
        "compression": "zstd",
        "use_dictionary": repetitive,
        "write_statistics": [name for name in first_batch.column_names if name == "_record_number"],
    }


class RawZone:
    def __init__(self, lake_dir: str | Path):
        self.lake_dir = Path(lake_dir)
        self.root = self.lake_dir / "raw"

    def ensure_schema_files(self) -> None:
        for entity in load_contracts():
            target = self.root / entity / f"load_id={SCHEMA_LOAD}" / "_schema.parquet"
            if not target.exists():
                _atomic_write(entity_schema(entity).empty_table(), target)
        for name, schema in (("_manifest", MANIFEST_SCHEMA), ("_rejects", REJECTS_SCHEMA)):
            target = self.root / name / f"load_id={SCHEMA_LOAD}" / "_schema.parquet"
            if not target.exists():
                _atomic_write(schema.empty_table(), target)

    def manifest(self) -> pa.Table:
        """Every committed manifest row, oldest load first, with its load_id."""
        tables = []
        base = self.root / "_manifest"
        for folder in sorted(base.glob("load_id=*")) if base.is_dir() else []:
            load_id = folder.name.split("=", 1)[1]
            if load_id == SCHEMA_LOAD or not (folder / "manifest.parquet").exists():
                continue
            table = pq.read_table(folder / "manifest.parquet")
            tables.append(table.append_column("load_id", pa.array([load_id] * table.num_rows, pa.string())))
        if not tables:
            return MANIFEST_SCHEMA.append(pa.field("load_id", pa.string())).empty_table()
        return pa.concat_tables(tables)

    def data_writer(self, entity: str, load_id: str, source: str, file_name: str, sha256: str) -> DataFileWriter:
        stem = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in Path(file_name).stem)
        target = self.root / entity / f"load_id={load_id}" / f"{source}__{stem}__{sha256[:8]}.parquet"
        return DataFileWriter(target, entity_schema(entity))

    def commit_load(self, load_id: str, manifest_rows: list[dict], rejects: list[dict]) -> None:
        rejects_table = pa.Table.from_pylist(rejects, schema=REJECTS_SCHEMA)
        _atomic_write(rejects_table, self.root / "_rejects" / f"load_id={load_id}" / "rejects.parquet")
        # Last: the manifest is what makes this load's data visible to staging.
        manifest_table = pa.Table.from_pylist(manifest_rows, schema=MANIFEST_SCHEMA)
        _atomic_write(manifest_table, self.root / "_manifest" / f"load_id={load_id}" / "manifest.parquet")


class DataFileWriter:
    """Streams batches into one Parquet file that appears under its final name only when closed."""

    def __init__(self, target: Path, schema: pa.Schema):
        self.target = target
        self.schema = schema
        self.tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
        self._writer: pq.ParquetWriter | None = None

    def write(self, table: pa.Table) -> None:
        table = table.cast(self.schema)
        if self._writer is None:
            _private_mkdir(self.target.parent)
            self._writer = pq.ParquetWriter(self.tmp, self.schema, **raw_parquet_options(table))
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is None:
            return  # nothing written: no file, the manifest says 0 rows
        self._writer.close()
        os.chmod(self.tmp, 0o600)
        os.replace(self.tmp, self.target)

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self.tmp.unlink(missing_ok=True)
