"""Prefect flow: ingest the landing zone, then `dbt build` the project on the raw zone."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from flows import prefect_env

prefect_env.configure()

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402

from flows.dbt_runner import DbtRun, run_dbt  # noqa: E402
from flows.ingest_flow import ingest_landing, publish_ingest_artifact  # noqa: E402
from flows.settings import Paths  # noqa: E402
from python_models.lake import IngestReport  # noqa: E402


@dataclass
class RefreshResult:
    ingest: IngestReport
    dbt: DbtRun
    seconds: dict[str, float] = field(default_factory=dict)


# No retries: a failing model or test is a bug or bad data, and retrying would only hide it.
@task(name="dbt-build")
def dbt_build(lake_dir: str, select: list[str] | None = None) -> DbtRun:
    args = ["build"] + (["--select", *select] if select else [])
    run = run_dbt(args, Paths.from_env(lake_dir))
    get_run_logger().info(run.summary())
    return run


@flow(name="segmart-refresh")
def refresh_flow(lake_dir: str, sources: str | None = None) -> RefreshResult:
    timings = {}
    start = time.perf_counter()
    report = ingest_landing(lake_dir, sources, None)
    publish_ingest_artifact(report)
    timings["ingest"] = time.perf_counter() - start
    start = time.perf_counter()
    run = dbt_build(lake_dir)
    timings["dbt_build"] = time.perf_counter() - start
    create_markdown_artifact(
        key="refresh-summary",
        markdown="\n".join(
            [
                "# segmart refresh",
                f"* {report.summary()}",
                f"* {run.summary().splitlines()[0]}",
                *(f"* {stage}: {secs:.1f} s" for stage, secs in timings.items()),
            ]
        ),
        description="ingest and dbt build of one refresh",
    )
    return RefreshResult(report, run, timings)
