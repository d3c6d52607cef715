"""Write-audit-publish: copy a finished build into an immutable version, check its gates, switch.

`publish()` reads the build database read-only (dbt has released it: keep_open is false), so it
needs no lock on the build file beyond what the refresh already holds, and never touches what
users have open.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from python_models.publishing.catalog import switch_to, write_catalog
from python_models.publishing.manifest import GATES_TAG, PUBLISH_TAG, BuildManifest, Relation
from python_models.publishing.registry import VERSION_FILE, Warehouse, iso, utc_now

GATE_COLUMNS = ["area", "gate", "value", "threshold", "passed", "detail"]
Progress = Callable[[str, int, int], None]


class PublishError(RuntimeError):
    pass


@dataclass
class PublishResult:
    version_id: str
    published: bool
    previous_version_id: str | None
    tables: dict[str, int]
    gates: list[dict]
    seconds: float
    path: Path
    failed_gates: list[dict] = field(default_factory=list)

    def summary(self) -> str:
        rows = sum(self.tables.values())
        head = (f"published {self.version_id}" if self.published
                else f"NOT published {self.version_id}: {len(self.failed_gates)} gate(s) failed")
        lines = [f"{head} ({len(self.tables)} tables, {rows:,} rows, {len(self.gates)} gates, "
                 f"{self.seconds:.1f} s)"]
        for gate in self.failed_gates:
            lines.append(f"  FAILED gate {gate['area']}/{gate['gate']}: value {gate['value']} vs threshold "
                         f"{gate['threshold']} ({gate.get('detail') or gate['model']})")
        if not self.published:
            lines.append(f"  kept for inspection in {self.path}; still serving {self.previous_version_id}")
        return "\n".join(lines)


def code_version(repo_dir: Path | None = None) -> str:
    """The git commit the code ran from (with -dirty when the tree has edits), else the package version."""
    repo_dir = repo_dir or Path(__file__).resolve().parents[2]
    try:
        out = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=12"], cwd=repo_dir,
                             capture_output=True, text=True, timeout=10, check=True)
        return "git:" + out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        from importlib.metadata import PackageNotFoundError, version

        try:
            return "segmart " + version("segmart")
        except PackageNotFoundError:
            return "unknown"


def new_version_id(warehouse: Warehouse, content_hash: str, now: datetime | None = None) -> str:
    """'v<UTC timestamp>Z-<content hash>': sorts by time, and equal content has the same suffix."""
    stamp = (now or utc_now()).astimezone(UTC).replace(microsecond=0)
    # two publishes in one second: the later one takes the next second, so ids keep sorting by time
    latest = max((v.split("-")[0] for v in warehouse.version_ids()), default="")
    while f"v{stamp:%Y%m%dT%H%M%S}Z" <= latest:
        stamp += timedelta(seconds=1)
    return f"v{stamp:%Y%m%dT%H%M%S}Z-{content_hash[:8]}"


def read_gates(con: duckdb.DuckDBPyConnection, relations: list[Relation]) -> list[dict]:
    gates = []
    for rel in relations:
        try:
            cols = [c.lower() for c in con.sql(f"select * from {rel.sql} limit 0").columns]
        except duckdb.CatalogException as exc:
            raise PublishError(f"gates model {rel.name} is not in the build database: run dbt build") from exc
        missing = [c for c in GATE_COLUMNS if c not in cols]
        if missing:
            raise PublishError(f"gates model {rel.name} lacks column(s) {missing} (needs {GATE_COLUMNS})")
        for area, gate, value, threshold, passed, detail in con.sql(
            f"select {', '.join(GATE_COLUMNS)} from {rel.sql} order by all"
        ).fetchall():
            # an unknown outcome is not a pass
            gates.append({"model": rel.name, "area": area, "gate": gate,
                          "value": None if value is None else float(value),
                          "threshold": None if threshold is None else float(threshold),
                          "passed": bool(passed) if passed is not None else False,
                          "detail": detail if passed is not None else f"passed is null; {detail or ''}".strip()})
    return gates


def _table_content_hash(con: duckdb.DuckDBPyConnection, rel_sql: str) -> str:
    # order-independent: sum of row hashes, plus the column names and types
    (total,) = con.sql(f"select coalesce(sum(hash(t)::hugeint), 0) % 18446744073709551616 from {rel_sql} t").fetchall()[0]
    schema = con.sql(f"select * from {rel_sql} limit 0")
    shape = json.dumps(list(zip(schema.columns, [str(t) for t in schema.types], strict=True)))
    return hashlib.sha256(f"{shape}|{total}".encode()).hexdigest()[:16]


def publish(build_db: str | Path, manifest_path: str | Path, warehouse_root: str | Path, *,
            project_dir: str | Path | None = None, artifacts_dir: str | Path | None = None,
            switch: bool = True, progress: Progress | None = None) -> PublishResult:
    """Copy every model tagged `publish` out of `build_db` into a new version and, if every
    gate passed, make it what users query. A version with a failed gate is kept, not served."""
    started = time.perf_counter()
    warehouse = Warehouse(Path(warehouse_root))
    manifest = BuildManifest.load(manifest_path)
    to_publish = manifest.tagged(PUBLISH_TAG)
    if not to_publish:
        raise PublishError(f"no model is tagged '{PUBLISH_TAG}' in {manifest_path}: nothing to publish")
    if not Path(build_db).is_file():
        raise PublishError(f"no build database at {build_db}: run `segmart refresh` first")
    progress = progress or (lambda stage, done, total: None)
    total_steps = len(to_publish) + 2

    with warehouse.publish_lock():
        _clean_unfinished(warehouse)
        created = utc_now()
        tmp = warehouse.versions_dir / f".tmp-{os.getpid()}-{time.time_ns()}"
        (tmp / "tables").mkdir(parents=True)
        tables: dict[str, dict] = {}
        try:
            con = duckdb.connect(str(build_db), read_only=True)
        except duckdb.Error as exc:
            raise PublishError(f"cannot open the build database {build_db} read-only "
                               f"({str(exc).splitlines()[0]})") from exc
        try:
            progress("gates", 0, total_steps)
            gates = read_gates(con, manifest.tagged(GATES_TAG))
            for i, rel in enumerate(to_publish, start=1):
                progress(rel.name, i, total_steps)
                tables[rel.name] = _copy_table(con, rel, tmp / "tables" / f"{rel.name}.parquet")
        finally:
            con.close()
        progress("artifacts", total_steps - 1, total_steps)
        has_artifacts = _copy_artifacts(artifacts_dir, tmp / "artifacts")
        content_hash = hashlib.sha256(
            json.dumps({t: v["content_hash"] for t, v in tables.items()}, sort_keys=True).encode()
        ).hexdigest()[:16]
        version_id = new_version_id(warehouse, content_hash, created)
        failed = [g for g in gates if not g["passed"]]
        meta = {
            "version_id": version_id,
            "created_at_utc": iso(created),
            "code_version": code_version(),
            "config_hash": manifest.config_hash(project_dir),
            "content_hash": content_hash,
            "dbt_invocation_id": manifest.invocation_id,
            "tables": tables,
            "gates": gates,
            "gates_passed": not failed,
            # status at creation; later ones (published, superseded...) are in segment_versions
            "status": "failed_gates" if failed else "built",
            "artifacts": has_artifacts,
        }
        (tmp / VERSION_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
        _make_read_only(tmp)
        os.rename(tmp, warehouse.version_dir(version_id))  # the version appears whole or not at all

        progress("switching", total_steps - 1, total_steps)
        previous = warehouse.current_version()
        published = False
        if failed:
            warehouse.append_event("failed_gates", version_id, previous,
                                   "; ".join(f"{g['area']}/{g['gate']}" for g in failed))
            # refresh segment_versions for readers without changing what they are served
            if previous is not None:
                switch_to(warehouse, write_catalog(warehouse, previous))
        elif switch:
            _switch(warehouse, version_id, previous, "publish")
            published = True
        progress("done", total_steps, total_steps)
    return PublishResult(version_id, published, previous, {t: v["rows"] for t, v in tables.items()},
                         gates, time.perf_counter() - started, warehouse.version_dir(version_id), failed)


def _switch(warehouse: Warehouse, version_id: str, previous: str | None, action: str) -> None:
    event = {"at_utc": iso(utc_now()), "action": action, "version_id": version_id,
             "previous_version_id": previous, "detail": ""}
    catalog = write_catalog(warehouse, version_id, events_extra=event)
    switch_to(warehouse, catalog)
    warehouse.append_event(action, version_id, previous)


def rollback(warehouse_root: str | Path, ref: str) -> tuple[str, str | None]:
    """Serve an earlier version again; returns (version, the version it replaced)."""
    warehouse = Warehouse(Path(warehouse_root))
    with warehouse.publish_lock():
        version_id = warehouse.resolve(ref)
        meta = warehouse.read_version(version_id)
        if not meta.get("gates_passed", True):
            failed = [f"{g['area']}/{g['gate']}" for g in meta["gates"] if not g["passed"]]
            raise PublishError(f"{version_id} failed its gates ({', '.join(failed)}): it cannot be served")
        previous = warehouse.current_version()
        if previous == version_id:
            raise PublishError(f"{version_id} is already the published version")
        _switch(warehouse, version_id, previous, "rollback")
    return version_id, previous


def _copy_table(con: duckdb.DuckDBPyConnection, rel: Relation, target: Path) -> dict:
    try:
        (rows,) = con.sql(f"select count(*) from {rel.sql}").fetchall()[0]
    except duckdb.CatalogException as exc:
        raise PublishError(f"model {rel.name} is tagged '{PUBLISH_TAG}' but is not in the build database: "
                           "run dbt build") from exc
    con.execute(f"copy (select * from {rel.sql}) to '{target}' (format parquet, compression zstd)")
    (written,) = con.sql(f"select count(*) from read_parquet('{target}')").fetchall()[0]
    if written != rows:  # never publish a table that lost rows on the way
        raise PublishError(f"{rel.name}: {rows} rows in the build but {written} written to {target}")
    schema = con.sql(f"select * from {rel.sql} limit 0")
    return {"rows": int(rows), "file": f"tables/{target.name}", "content_hash": _table_content_hash(con, rel.sql),
            "columns": [[c, str(t)] for c, t in zip(schema.columns, schema.types, strict=True)]}


def _copy_artifacts(source: str | Path | None, target: Path) -> bool:
    if source is None or not Path(source).is_dir() or not any(Path(source).iterdir()):
        return False
    shutil.copytree(source, target)
    return True


def _make_read_only(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            path.chmod(0o400)  # immutable and, like all personal data here, owner-only


def _clean_unfinished(warehouse: Warehouse) -> None:
    # folders a killed publish left behind; safe under the publish lock
    for leftover in warehouse.versions_dir.glob(".tmp-*"):
        shutil.rmtree(leftover, ignore_errors=True)
