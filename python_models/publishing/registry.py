"""Where published versions live and what happened to each: the source of `segment_versions`.

Layout under the warehouse root (the folder of the build database unless SEGMART_WAREHOUSE_DIR):

    versions/<version_id>/version.json         immutable: tables, row counts, hashes, gates
    versions/<version_id>/tables/<name>.parquet
    versions/<version_id>/artifacts/           the run's fitted models, if any
    versions/publish_log.jsonl                 append-only: every publish, rollback, failed gate
    serving/catalog-<version_id>-<n>.duckdb     views over one version's Parquet files
    serving.duckdb -> serving/catalog-...      what users open (switched by an atomic rename)

A version folder appears by renaming a finished temporary folder, so it is complete or absent.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from python_models.owner_only import owner_only_files

VERSION_FILE = "version.json"

# A version's status, as shown in segment_versions.
PUBLISHED = "published"  # what users query now
SUPERSEDED = "superseded"  # was published, a later publish replaced it
ROLLED_BACK = "rolled_back"  # was published, a rollback moved users away from it
FAILED_GATES = "failed_gates"  # a gate failed: kept for inspection, never published
BUILT = "built"  # copied but never switched to (e.g. a publish that died before the switch)


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Warehouse:
    root: Path

    @property
    def versions_dir(self) -> Path:
        return self.root / "versions"

    @property
    def serving_dir(self) -> Path:
        return self.root / "serving"

    @property
    def serving_db(self) -> Path:
        return self.root / "serving.duckdb"

    @property
    def log_path(self) -> Path:
        return self.versions_dir / "publish_log.jsonl"

    def ensure_dirs(self) -> None:
        # published marts hold personal data: owner-only, like the build database
        for folder in (self.root, self.versions_dir, self.serving_dir):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)

    def version_dir(self, version_id: str) -> Path:
        return self.versions_dir / version_id

    def version_ids(self) -> list[str]:
        if not self.versions_dir.is_dir():
            return []
        return sorted(p.name for p in self.versions_dir.iterdir()
                      if p.is_dir() and not p.name.startswith(".") and (p / VERSION_FILE).is_file())

    def read_version(self, version_id: str) -> dict:
        path = self.version_dir(version_id) / VERSION_FILE
        if not path.is_file():
            known = self.version_ids()
            hint = f" (known: {', '.join(known[-5:])})" if known else " (no versions yet)"
            raise VersionNotFound(f"no version {version_id!r} in {self.versions_dir}{hint}")
        return json.loads(path.read_text(encoding="utf-8"))

    def resolve(self, ref: str) -> str:
        """A version id, a unique prefix or suffix of one, 'current' or 'previous'."""
        ids = self.version_ids()
        if ref in ids:
            return ref
        if ref in ("current", "previous"):
            events = [e for e in self.events() if e["action"] in ("publish", "rollback")]
            current = self.current_version()
            if ref == "current":
                if current is None:
                    raise VersionNotFound("nothing is published yet")
                return current
            served = [e["version_id"] for e in events if e["version_id"] != current]
            if not served:
                raise VersionNotFound("no version was published before the current one")
            return served[-1]
        matches = [v for v in ids if v.startswith(ref) or v.endswith(ref)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise VersionNotFound(f"{ref!r} matches {len(matches)} versions: {', '.join(matches[:5])}")
        return self.read_version(ref)["version_id"]  # raises with the list of known versions

    def current_version(self) -> str | None:
        """The version users see: read from where serving.duckdb points, not from the log."""
        if not self.serving_db.is_symlink():
            return None
        target = os.readlink(self.serving_db)
        return catalog_version(Path(target).name)

    # --- the append-only log -------------------------------------------------------------
    def append_event(self, action: str, version_id: str, previous_version_id: str | None,
                     detail: str = "") -> dict:
        event = {"at_utc": iso(utc_now()), "action": action, "version_id": version_id,
                 "previous_version_id": previous_version_id, "detail": detail}
        self.ensure_dirs()
        with open(self.log_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(event) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return event

    def events(self) -> list[dict]:
        if not self.log_path.is_file():
            return []
        out = []
        for line in self.log_path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue  # a line cut by a crash mid-write: the switch it describes never happened
        return out

    @contextmanager
    def publish_lock(self) -> Iterator[None]:
        """Publishes and rollbacks one at a time (the kernel drops the lock if the holder dies).

        Whatever is written under the lock (versions, catalogs, the log) is owner-only: it is
        personal data or views over it (docs/serving.md#file-modes)."""
        self.ensure_dirs()
        with owner_only_files(), open(self.versions_dir / ".publish.lock", "a", encoding="utf-8") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


class VersionNotFound(LookupError):
    pass


def catalog_file_name(version_id: str, stamp: int) -> str:
    return f"catalog-{version_id}--{stamp}.duckdb"


def catalog_version(file_name: str) -> str | None:
    if not file_name.startswith("catalog-") or "--" not in file_name:
        return None
    return file_name[len("catalog-"):].rsplit("--", 1)[0]


def version_rows(warehouse: Warehouse) -> list[dict]:
    """One dict per version: the rows of segment_versions, oldest first."""
    current = warehouse.current_version()
    events = warehouse.events()
    rows = []
    for version_id in warehouse.version_ids():
        meta = warehouse.read_version(version_id)
        mine = [e for e in events if e["version_id"] == version_id]
        switched_to = [e for e in mine if e["action"] in ("publish", "rollback")]
        rolled_away = [e for e in events if e["action"] == "rollback" and e["previous_version_id"] == version_id
                       and e["version_id"] != version_id]
        if version_id == current:
            status = PUBLISHED
        elif not meta.get("gates_passed", True):
            status = FAILED_GATES
        elif rolled_away and (not switched_to or rolled_away[-1]["at_utc"] > switched_to[-1]["at_utc"]):
            status = ROLLED_BACK
        elif switched_to:
            status = SUPERSEDED
        else:
            status = BUILT
        rows.append({
            "version_id": version_id,
            "created_at_utc": meta["created_at_utc"],
            "status": status,
            "is_current": version_id == current,
            "code_version": meta.get("code_version"),
            "config_hash": meta.get("config_hash"),
            "content_hash": meta.get("content_hash"),
            "n_tables": len(meta.get("tables", {})),
            "row_counts": json.dumps({t: v["rows"] for t, v in meta.get("tables", {}).items()}, sort_keys=True),
            "gates_passed": bool(meta.get("gates_passed", True)),
            "n_gates": len(meta.get("gates", [])),
            "n_gates_failed": sum(1 for g in meta.get("gates", []) if not g.get("passed")),
            "gate_results": json.dumps(meta.get("gates", [])),
            "first_published_at_utc": switched_to[0]["at_utc"] if switched_to else None,
            "last_switched_at_utc": switched_to[-1]["at_utc"] if switched_to else None,
            "last_switch_action": switched_to[-1]["action"] if switched_to else None,
            "rolled_back_at_utc": rolled_away[-1]["at_utc"] if rolled_away else None,
            "path": str(warehouse.version_dir(version_id)),
        })
    return rows
