"""Scheduled work, declared in code: a frequent micro-batch and a daily full refresh.

`segmart serve` registers both deployments with a Prefect server and runs them when they fall
due. Both take the warehouse's refresh lock, so a micro-batch never writes while the daily
refresh does (or the other way round):

* micro-batch (every 5 minutes): fetch the REST sources, ingest what landed, and `dbt build`
  only the models downstream of the raw tables that received rows. When a refresh holds the
  warehouse it skips at once (it will run again in 5 minutes) and says so in its log.
* daily full refresh (03:00 UTC): fetch, then the whole refresh flow (ingest, build, gates,
  publish). It waits up to 30 minutes for a running micro-batch or refresh before failing.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flows import prefect_env

prefect_env.configure()

from prefect import flow, get_run_logger  # noqa: E402
from prefect.schedules import Cron, Interval  # noqa: E402

from flows.ingest_flow import ingest_landing, publish_ingest_artifact  # noqa: E402
from flows.refresh_lock import RefreshAlreadyRunning, refresh_lock  # noqa: E402
from flows.rest_flow import fetch_rest, rest_specs  # noqa: E402
from flows.settings import Paths  # noqa: E402

MICRO_BATCH_EVERY = timedelta(minutes=5)
DAILY_CRON = "0 3 * * *"
DAILY_TIMEZONE = "UTC"
DAILY_LOCK_WAIT_SECONDS = 1800.0
# Raw tables that every staged source feeds: the manifest and rejects marts depend on them.
_ALWAYS_SELECTED = ["source:raw.manifest+", "source:raw.rejects+"]


def micro_batch_selection(loaded_entities: set[str]) -> list[str]:
    """dbt selection for the models a micro-batch must rebuild: downstream of the raw tables that grew."""
    return [f"source:raw.{entity}+" for entity in sorted(loaded_entities)] + _ALWAYS_SELECTED


def _fetch_all(lake_dir: str, sources: str | None) -> None:
    for spec in rest_specs(lake_dir, sources):
        fetch_rest(spec)


@flow(name="segmart-micro-batch")
def micro_batch_flow(lake_dir: str, sources: str | None = None) -> str:
    from flows.refresh_flow import dbt_build

    logger = get_run_logger()
    paths = Paths.from_env(lake_dir)
    try:
        with refresh_lock(paths.build_db, "segmart micro-batch", wait_seconds=0):
            _fetch_all(lake_dir, sources)
            report = ingest_landing(lake_dir, sources, None)
            publish_ingest_artifact(report)
            loaded = {f.entity for f in report.files if f.status == "loaded" and f.rows_written}
            if not loaded:
                outcome = "nothing new landed; no build"
            elif not paths.build_db.exists():
                dbt_build(lake_dir)  # a first build has no upstream tables to reuse
                outcome = f"first full build after loading {sorted(loaded)}"
            else:
                dbt_build(lake_dir, micro_batch_selection(loaded))
                outcome = f"rebuilt models downstream of {sorted(loaded)}"
    except RefreshAlreadyRunning as exc:
        outcome = f"skipped: {exc}"
        logger.warning("micro-batch %s", outcome)  # worth seeing: the next interval will try again
        return outcome
    logger.info("micro-batch: %s", outcome)
    return outcome


@flow(name="segmart-daily-refresh")
def daily_refresh_flow(lake_dir: str, sources: str | None = None,
                       wait_seconds: float = DAILY_LOCK_WAIT_SECONDS) -> str:
    from flows.refresh_flow import refresh_flow

    paths = Paths.from_env(lake_dir)
    with refresh_lock(paths.build_db, "segmart daily refresh", wait_seconds=wait_seconds):
        _fetch_all(lake_dir, sources)
        result = refresh_flow(lake_dir, sources)
    outcome = f"{result.ingest.summary()}; {result.dbt.summary().splitlines()[0]}"
    get_run_logger().info("daily refresh: %s", outcome)
    return outcome


def build_deployments(
    lake_dir: str | Path,
    sources: str | Path | None = None,
    micro_batch_every: timedelta = MICRO_BATCH_EVERY,
    daily_cron: str = DAILY_CRON,
    timezone: str = DAILY_TIMEZONE,
) -> list:
    """The two deployments, ready for `prefect.serve(*build_deployments(...))`."""
    params = {"lake_dir": str(Path(lake_dir).resolve()), "sources": str(sources) if sources else None}
    return [
        micro_batch_flow.to_deployment(
            name="micro-batch",
            schedules=[Interval(micro_batch_every, timezone=timezone)],
            parameters=params,
            tags=["segmart", "micro-batch"],
            description=f"ingest new landed/REST data every {micro_batch_every}; build the affected models",
        ),
        daily_refresh_flow.to_deployment(
            name="daily-full-refresh",
            schedules=[Cron(daily_cron, timezone=timezone)],
            parameters=params,
            tags=["segmart", "full-refresh"],
            description=f"full refresh (ingest, dbt build, gates, publish) at cron '{daily_cron}' {timezone}",
        ),
    ]
