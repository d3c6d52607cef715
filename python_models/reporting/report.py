"""Build the HTML report of one published version, from its Parquet tables only."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from python_models.reporting import charts_propensity, charts_quality, charts_segments
from python_models.reporting.figure import Chart
from python_models.reporting.html import render
from python_models.reporting.tables import VersionTables

# Published versions do not record dbt vars, so the histogram marks the documented default of
# var identity_match_threshold (a build with another threshold still shows the default).
DEFAULT_MATCH_THRESHOLD = 0.85


def report_path(warehouse, version_id: str) -> Path:
    return warehouse.root / "reports" / f"{version_id}.html"


@dataclass
class ReportResult:
    path: Path
    version_id: str
    drawn: int
    missing: list[tuple[str, str]]


def _served_history(warehouse, upto: str) -> list[str]:
    """Versions in the order they were first served, up to ``upto`` (a version never served but
    asked for, e.g. one that failed its gates, is appended so its own report still works)."""
    seen: list[str] = []
    for e in warehouse.events():
        if e.get("action") in ("publish", "rollback") and e["version_id"] not in seen:
            seen.append(e["version_id"])
    if upto in seen:
        return seen[: seen.index(upto) + 1]
    return [*seen, upto]


def build_report(warehouse, version_ref: str = "current", out: str | Path | None = None) -> ReportResult:
    version_id = warehouse.resolve(version_ref)
    meta = warehouse.read_version(version_id)
    history = [VersionTables(v, warehouse.version_dir(v)) for v in _served_history(warehouse, version_id)]
    current = history[-1]
    previous = history[-2] if len(history) > 1 else None
    charts: list[Chart] = [
        charts_segments.elbow(current),
        charts_segments.silhouette(current),
        charts_segments.k_distance(current),
        charts_segments.scatter(current, "tsne"),
        charts_segments.scatter(current, "pca"),
        charts_segments.profile_heatmap(current),
        charts_segments.sizes_across_versions(history),
        charts_segments.transition_matrix(previous, current),
        charts_propensity.roc_curves(current),
        charts_propensity.confusion_matrices(current),
        charts_quality.match_probability_histogram(current, DEFAULT_MATCH_THRESHOLD),
        charts_quality.quarantine_by_reason(current),
        charts_quality.reconciliation(current),
    ]
    gates = meta.get("gates") or []
    failed = [g for g in gates if not g.get("passed", True)]
    summary = [
        ("version", version_id),
        ("status", "published (served now)" if warehouse.current_version() == version_id
         else str(meta.get("status", "?"))),
        ("created", str(meta.get("created_at_utc", meta.get("created_at", "?")))),
        ("tables", f"{len(meta.get('tables', {}))} published marts"),
        ("gates", f"{len(gates) - len(failed)} of {len(gates)} passed" + (
            ": failed " + ", ".join(f"{g.get('area')}/{g.get('gate')}" for g in failed) if failed else "")),
    ]
    document = render("segmart segment report", f"version {version_id}", charts, summary)
    # versions are read-only once written; reports sit beside them, one per version
    path = Path(out) if out else report_path(warehouse, version_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".html")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(document)
    os.chmod(tmp, 0o600)  # the report shows customer-level dots; keep it owner-only like the data
    os.replace(tmp, path)
    drawn = sum(1 for c in charts if c.png_base64)
    return ReportResult(path, version_id, drawn, [(c.key, c.missing_reason or "") for c in charts if not c.png_base64])
