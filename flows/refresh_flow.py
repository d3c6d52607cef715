"""Prefect flow: ingest the landing zone, `dbt build` the project, check the gates, publish a version.

Write-audit-publish: dbt writes only the build database, which users never open; the publisher
copies every model tagged `publish` into an immutable version, reads every model tagged `gates`,
and switches the serving catalog to the new version only if every gate passed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from flows import prefect_env

prefect_env.configure()

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402

from flows.dbt_runner import DbtRun, run_dbt  # noqa: E402
from flows.faults import crash_point  # noqa: E402
from flows.ingest_flow import ingest_landing, publish_ingest_artifact  # noqa: E402
from flows.publishing import publish_build  # noqa: E402
from flows.settings import Paths  # noqa: E402
from python_models.lake import IngestReport  # noqa: E402
from python_models.publishing import PublishResult  # noqa: E402


class GatesFailed(RuntimeError):
    """The build finished but a validation gate failed: the version is kept, not served."""

    def __init__(self, result: PublishResult):
        super().__init__(result.summary())
        self.result = result


@dataclass
class RefreshResult:
    ingest: IngestReport
    dbt: DbtRun
    seconds: dict[str, float] = field(default_factory=dict)
    publish: PublishResult | None = None


# dbt unit tests check the SQL against fixed inputs, not the data: `make test` runs them (the
# integration suite's full build), a refresh only builds and runs the data tests, as dbt advises
# for production runs.
REFRESH_EXCLUDE = ["--exclude-resource-type", "unit_test"]


# No retries: a failing model or test is a bug or bad data, and retrying would only hide it.
@task(name="dbt-build")
def dbt_build(lake_dir: str, select: list[str] | None = None, dbt_vars: dict | None = None) -> DbtRun:
    args = ["build", *REFRESH_EXCLUDE] + (["--select", *select] if select else [])
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    run = run_dbt(args, Paths.from_env(lake_dir))
    get_run_logger().info(run.summary())
    return run


# No retries either: publishing is local file copies; a failure is a bug to see, not to repeat.
@task(name="audit-and-publish")
def audit_and_publish(lake_dir: str) -> PublishResult:
    result = publish_build(Paths.from_env(lake_dir), progress=lambda stage, *_: crash_point(f"publish:{stage}"))
    logger = get_run_logger()
    (logger.info if result.published else logger.error)(result.summary())
    return result


@task(name="segment-report")
def segment_report(lake_dir: str, version_id: str) -> str | None:
    """The HTML report of the new version, kept beside it (<warehouse>/reports/<version>.html).

    The version is already served (or kept for inspection) when this runs, so a report that cannot
    be drawn is logged as an error rather than failing a refresh whose data is fine."""
    from flows.publishing import warehouse
    from python_models.reporting import build_report

    try:
        report = build_report(warehouse(Paths.from_env(lake_dir)), version_id)
    except Exception as exc:  # noqa: BLE001 - see docstring
        get_run_logger().error(f"segment report of {version_id} not written: {exc}")
        return None
    get_run_logger().info(f"segment report: {report.path} ({report.drawn} charts)")
    return str(report.path)


def _size(path) -> str:
    from pathlib import Path

    path = Path(path)
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else []
    return f"{sum(p.stat().st_size for p in files) / 1e6:,.1f} MB"


def refresh_markdown(report: IngestReport, run: DbtRun, result: PublishResult | None,
                     timings: dict[str, float]) -> str:
    paths = Paths.from_env()
    lines = [
        "# segmart refresh",
        "",
        f"* ingest: {report.summary()}",
        f"* {run.summary().splitlines()[0]}",
        f"* build database: {paths.build_db} ({_size(paths.build_db)})",
    ]
    if result is not None:
        state = "published" if result.published else "**NOT published** (a gate failed; kept for inspection)"
        lines += [
            f"* version: `{result.version_id}` {state}; previously served: `{result.previous_version_id}`",
            f"* version folder: {result.path} ({_size(result.path)})",
            "",
            "| published table | rows |",
            "|---|---:|",
            *(f"| {table} | {rows:,} |" for table, rows in sorted(result.tables.items())),
        ]
        if result.gates:
            lines += ["", "| gate | value | threshold | passed | detail |", "|---|---:|---:|---|---|"]
            lines += [f"| {g['area']}/{g['gate']} | {g['value']} | {g['threshold']} | "
                      f"{'yes' if g['passed'] else '**NO**'} | {g.get('detail') or ''} |" for g in result.gates]
        else:
            lines += ["", "no gates defined (no model tagged `gates`)"]
    lines += ["", "| stage | seconds |", "|---|---:|", *(f"| {k} | {v:.1f} |" for k, v in timings.items())]
    return "\n".join(lines)


@flow(name="segmart-refresh")
def refresh_flow(lake_dir: str, sources: str | None = None, publish: bool = True,
                 dbt_vars: dict | None = None) -> RefreshResult:
    """`dbt_vars` are passed to dbt build as --vars (e.g. smaller ML search spaces); they are part
    of the published version's config hash."""
    timings = {}
    start = time.perf_counter()
    report = ingest_landing(lake_dir, sources, None)
    publish_ingest_artifact(report)
    timings["ingest"] = time.perf_counter() - start
    start = time.perf_counter()
    run = dbt_build(lake_dir, None, dbt_vars)
    timings["dbt_build"] = time.perf_counter() - start
    result = None
    if publish:
        start = time.perf_counter()
        result = audit_and_publish(lake_dir)
        timings["publish"] = time.perf_counter() - start
        start = time.perf_counter()
        segment_report(lake_dir, result.version_id)
        timings["report"] = time.perf_counter() - start
    create_markdown_artifact(
        key="refresh-summary",
        markdown=refresh_markdown(report, run, result, timings),
        description=(result.summary().splitlines()[0] if result else "ingest and dbt build, not published"),
    )
    if result is not None and not result.published:
        raise GatesFailed(result)
    return RefreshResult(report, run, timings, result)
