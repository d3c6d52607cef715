"""Ingest landed files into the raw zone: one load, a manifest row per file, nothing silently dropped."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from python_models.lake.raw_zone import RawZone
from python_models.lake.readers import FileRejected, read_landed_file
from python_models.lake.source_config import SourcesConfig, SourceSpec, load_sources


class IngestBusy(RuntimeError):
    """Another ingest holds the lake's lock."""


@dataclass
class FileOutcome:
    source: str
    entity: str
    file: str
    status: str
    rows_landed: int = 0
    rows_written: int = 0
    rows_rejected: int = 0
    schema_change: str | None = None
    message: str | None = None


@dataclass
class IngestReport:
    load_id: str
    files: list[FileOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def rows_landed(self) -> int:
        return sum(f.rows_landed for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    def summary(self) -> str:
        if not self.files:
            return "nothing new in landing: no load written"
        return (
            f"load {self.load_id}: {self.count('loaded')} file(s) loaded, "
            f"{self.count('skipped_duplicate')} skipped as already loaded, "
            f"{self.count('rejected')} rejected; {self.rows_landed:,} records landed, "
            f"{self.rows_rejected:,} unreadable records quarantined"
        )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def new_load_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%dT%H%M%S%fZ")


@contextmanager
def lake_lock(lake_dir: Path, wait: bool = False):
    lock_dir = lake_dir / "raw"
    lock_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with (lock_dir / ".ingest.lock").open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as exc:
            raise IngestBusy(f"another ingest is running on {lake_dir}; try again when it ends") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _display_path(path: Path, lake_dir: Path) -> str:
    try:
        return str(path.resolve().relative_to(lake_dir.resolve()))
    except ValueError:
        return str(path.resolve())


def _schema_change(previous: list[str] | None, header: list[str], missing: list[str]) -> str | None:
    notes = []
    if previous is not None and previous != header:
        added = [c for c in header if c not in previous]
        removed = [c for c in previous if c not in header]
        if added:
            notes.append(f"columns added since the last file: {added}")
        if removed:
            notes.append(f"columns removed since the last file: {removed}")
        if not added and not removed:
            notes.append("columns reordered since the last file")
    if missing:
        notes.append(f"mapped optional columns absent, loaded as empty: {missing}")
    return "; ".join(notes) or None


def ingest(
    lake_dir: str | Path,
    sources: str | Path | SourcesConfig | None = None,
    *,
    load_id: str | None = None,
    only: list[str] | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
) -> IngestReport:
    """Read every new landed file of every source into the raw zone as one load."""
    lake_dir = Path(lake_dir)
    config = sources if isinstance(sources, SourcesConfig) else load_sources(sources or lake_dir / "sources.yml")
    specs = [s for s in config.sources if not only or s.name in only]
    unknown = sorted(set(only or []) - {s.name for s in config.sources})
    if unknown:
        raise ValueError(f"unknown source(s) {unknown}; the sources file defines {[s.name for s in config.sources]}")
    old_umask = os.umask(0o077)
    try:
        with lake_lock(lake_dir):
            return _ingest_locked(lake_dir, specs, load_id or new_load_id(), on_file)
    finally:
        os.umask(old_umask)


def _ingest_locked(lake_dir, specs: list[SourceSpec], load_id: str, on_file) -> IngestReport:
    zone = RawZone(lake_dir)
    zone.ensure_schema_files()
    history = zone.manifest().to_pylist()
    loaded_by_sha = {r["file_sha256"]: r for r in history if r["status"] == "loaded"}
    # A file still sitting in landing is not a new delivery: a loaded or skipped one is done, a rejected one is
    # retried only once its source's settings change (the fix a user makes after reading the reason).
    already_seen = {
        (r["source_file"], r["file_sha256"], r["source_spec_sha256"] if r["status"] == "rejected" else None)
        for r in history
        if r["status"] in ("loaded", "rejected", "skipped_duplicate")
    }
    last_header: dict[str, list[str]] = {}
    for row in history:
        if row["status"] == "loaded" and row["columns"]:
            last_header[row["source_system"]] = json.loads(row["columns"])
    report = IngestReport(load_id=load_id)
    manifest_rows: list[dict] = []
    reject_rows: list[dict] = []
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    for spec in specs:
        spec_sha = spec.fingerprint()
        for path in spec.files():
            shown = _display_path(path, lake_dir)
            sha = sha256_of(path)
            if (shown, sha, None) in already_seen or (shown, sha, spec_sha) in already_seen:
                continue
            row = {
                "source_system": spec.name,
                "entity": spec.entity,
                "source_file": shown,
                "file_sha256": sha,
                "file_bytes": path.stat().st_size,
                "rows_landed": 0,
                "rows_written": 0,
                "rows_rejected": 0,
                "columns": None,
                "status": "loaded",
                "schema_change": None,
                "message": None,
                "loaded_at": loaded_at,
                "source_spec_sha256": spec_sha,
            }
            if sha in loaded_by_sha:
                first = loaded_by_sha[sha]
                row["status"] = "skipped_duplicate"
                row["message"] = (
                    f"identical content (sha256) already loaded from {first['source_file']} "
                    f"in load {first.get('load_id', load_id)}"
                )
            else:
                _load_file(zone, spec, path, shown, sha, load_id, row, reject_rows, last_header)
                if row["status"] == "loaded":
                    loaded_by_sha[sha] = {**row, "load_id": load_id}
            manifest_rows.append(row)
            outcome = FileOutcome(
                spec.name, spec.entity, shown, row["status"], row["rows_landed"], row["rows_written"],
                row["rows_rejected"], row["schema_change"], row["message"],
            )
            report.files.append(outcome)
            if on_file:
                on_file(outcome)
    if manifest_rows:
        zone.commit_load(load_id, manifest_rows, reject_rows)
    return report


def _load_file(zone: RawZone, spec, path, shown, sha, load_id, row, reject_rows, last_header) -> None:
    writer = zone.data_writer(spec.entity, load_id, spec.name, path.name, sha)
    try:
        result, batches = read_landed_file(path, spec, shown, sha)
        for batch in batches:
            writer.write(batch)
    except FileRejected as exc:
        writer.abort()
        row["status"] = "rejected"
        row["message"] = f"file rejected: {exc}"
        return
    except BaseException:
        writer.abort()
        raise
    writer.close()
    row["columns"] = json.dumps(result.header, ensure_ascii=False)
    row["rows_landed"] = result.rows_landed
    row["rows_written"] = result.rows_written
    row["rows_rejected"] = len(result.rejects)
    row["schema_change"] = _schema_change(last_header.get(spec.name), result.header, result.missing_columns)
    if result.rows_landed == 0:
        row["message"] = "no records (header only)"
    last_header[spec.name] = result.header
    for rej in result.rejects:
        reject_rows.append(
            {
                "source_system": spec.name,
                "entity": spec.entity,
                "source_file": shown,
                "record_number": rej.record_number,
                "reason": rej.reason,
                "raw_record": rej.raw_record,
            }
        )
