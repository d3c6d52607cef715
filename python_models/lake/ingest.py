"""Ingest landed files into the raw zone: one load, a manifest row per file, nothing silently dropped."""

from __future__ import annotations

import fcntl
import hashlib
import json
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from python_models.lake.raw_zone import RawZone
from python_models.lake.readers import FileRejected, read_landed_file
from python_models.lake.redact import redact
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


def ingest_workers() -> int:
    """Files are independent: read as many at once as there are cores (SEGMART_INGEST_WORKERS to cap)."""
    wanted = os.environ.get("SEGMART_INGEST_WORKERS")
    return max(1, int(wanted)) if wanted else max(1, min(2, os.cpu_count() or 1))


def _ingest_locked(lake_dir, specs: list[SourceSpec], load_id: str, on_file) -> IngestReport:
    zone = RawZone(lake_dir)
    zone.ensure_schema_files()
    history = zone.manifest().to_pylist()
    # Duplicates are per source: the same bytes under another source are read with that source's settings.
    loaded_by_sha = {(r["source_system"], r["file_sha256"]): r for r in history if r["status"] == "loaded"}
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
    loaded_at = datetime.now(UTC).replace(tzinfo=None)

    # 1. decide, in landing order, which files are new and which repeat content already seen
    planned: list[tuple[SourceSpec, Path, dict, str | None]] = []  # (spec, path, row, first file in this load)
    first_in_load: dict[tuple[str, str], str] = {}
    landed = [(spec, path) for spec in specs for path in spec.files()]
    sha_of = dict(zip([p for _, p in landed], _hash_all([p for _, p in landed]), strict=True))
    fingerprints = {spec.name: spec.fingerprint() for spec in specs}
    for spec, path in landed:
        spec_sha = fingerprints[spec.name]
        shown = _display_path(path, lake_dir)
        sha = sha_of[path]
        if (shown, sha, None) in already_seen or (shown, sha, spec_sha) in already_seen:
            continue
        row = {
            "source_system": spec.name, "entity": spec.entity, "source_file": shown,
            "file_sha256": sha, "file_bytes": path.stat().st_size, "rows_landed": 0,
            "rows_written": 0, "rows_rejected": 0, "columns": None, "status": "loaded",
            "schema_change": None, "message": None, "loaded_at": loaded_at,
            "source_spec_sha256": spec_sha,
        }
        twin = None
        if (spec.name, sha) in loaded_by_sha:
            first = loaded_by_sha[(spec.name, sha)]
            row["status"] = "skipped_duplicate"
            row["message"] = (
                f"identical content (sha256) already loaded from {first['source_file']} "
                f"in load {first['load_id']}"
            )
        elif (spec.name, sha) in first_in_load:
            twin = first_in_load[(spec.name, sha)]
            row["status"] = "skipped_duplicate"
            row["message"] = f"identical content (sha256) already loaded from {twin} in load {load_id}"
        else:
            first_in_load[(spec.name, sha)] = shown
        planned.append((spec, path, row, twin))

    # 2. read the new files, several at a time
    to_read = [(spec, path, row) for spec, path, row, _ in planned if row["status"] == "loaded"]
    args = [(str(zone.lake_dir), spec, path, row["source_file"], row["file_sha256"], load_id) for spec, path, row in to_read]
    workers = min(ingest_workers(), len(args))
    if workers > 1:
        # spawn, not fork: pyarrow and duckdb keep thread pools that a fork would copy mid-flight
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            results = list(pool.map(_read_file_task, args))
    else:
        results = [_read_file_task(a) for a in args]
    outcome_by_file = {row["source_file"]: res for (_, _, row), res in zip(to_read, results, strict=True)}

    # 3. record what happened, in landing order (schema changes compare each file with the one before)
    report = IngestReport(load_id=load_id)
    manifest_rows: list[dict] = []
    reject_rows: list[dict] = []
    for spec, _, row, twin in planned:
        res = outcome_by_file.get(row["source_file"])
        if res is not None:
            _record_read(spec, row, res, reject_rows, last_header)
        elif twin is not None and outcome_by_file[twin]["status"] == "rejected":
            row["status"] = "rejected"
            row["message"] = f"{outcome_by_file[twin]['message']} (same content as {twin})"
        manifest_rows.append(row)
        outcome = FileOutcome(
            spec.name, spec.entity, row["source_file"], row["status"], row["rows_landed"], row["rows_written"],
            row["rows_rejected"], row["schema_change"], row["message"],
        )
        report.files.append(outcome)
        if on_file:
            on_file(outcome)
    if manifest_rows:
        zone.commit_load(load_id, manifest_rows, reject_rows)
    return report


PARALLEL_HASH_BYTES = 256 << 20


def _hash_all(paths: list[Path]) -> list[str]:
    """sha256 of every landed file, in order; large landings are hashed on several cores (at 1M people,
    8.5 GB hashed by one thread kept the other core idle before any file could be read). Threads, not
    processes: hashlib releases the GIL on large buffers, and threads cost no interpreter start-up."""
    workers = min(ingest_workers(), len(paths))
    if workers < 2 or sum(p.stat().st_size for p in paths) < PARALLEL_HASH_BYTES:
        return [sha256_of(p) for p in paths]
    with ThreadPoolExecutor(workers) as pool:
        # biggest first, so one large file does not finish alone at the end
        order = sorted(range(len(paths)), key=lambda i: -paths[i].stat().st_size)
        digests = dict(zip(order, pool.map(sha256_of, [paths[i] for i in order]), strict=True))
    return [digests[i] for i in range(len(paths))]


def _read_file_task(args) -> dict:
    """Read one landed file into the raw zone; runs in a worker process, so it returns plain data."""
    lake_dir, spec, path, shown, sha, load_id = args
    writer = RawZone(lake_dir).data_writer(spec.entity, load_id, spec.name, path.name, sha)
    try:
        result, batches = read_landed_file(path, spec, shown, sha)
        for batch in batches:
            writer.write(batch)
    except FileRejected as exc:
        writer.abort()
        return {"status": "rejected", "message": f"file rejected: {redact(str(exc))}"}
    except BaseException:
        writer.abort()
        raise
    writer.close()
    return {
        "status": "loaded",
        "header": result.header,
        "missing": result.missing_columns,
        "rows_landed": result.rows_landed,
        "rows_written": result.rows_written,
        "rejects": [(r.record_number, r.reason, r.raw_record) for r in result.rejects],
    }


def _record_read(spec: SourceSpec, row: dict, res: dict, reject_rows: list[dict], last_header) -> None:
    row["status"] = res["status"]
    if res["status"] == "rejected":
        row["message"] = res["message"]
        return
    row["columns"] = json.dumps(res["header"], ensure_ascii=False)
    row["rows_landed"] = res["rows_landed"]
    row["rows_written"] = res["rows_written"]
    row["rows_rejected"] = len(res["rejects"])
    change = _schema_change(last_header.get(spec.name), res["header"], res["missing"])
    row["schema_change"] = redact(change) if change else None  # it quotes the header, which may be a record
    if res["rows_landed"] == 0:
        row["message"] = "no records (header only)"
    last_header[spec.name] = res["header"]
    for number, reason, raw in res["rejects"]:
        reject_rows.append(
            {
                "source_system": spec.name,
                "entity": spec.entity,
                "source_file": row["source_file"],
                "record_number": number,
                "reason": reason,
                "raw_record": raw,
            }
        )
