"""Scheduled work, declared in code: a frequent micro-batch and a daily full refresh.

`segmart serve` registers both deployments with a Prefect server and runs them when they fall
due. Both take the warehouse's refresh lock, so a micro-batch never writes while the daily
refresh does (or the other way round):

* micro-batch (every 5 minutes): fetch the REST sources, then the live micro-batch
  (flows/microbatch_flow.py: ingest what landed, rebuild the touched customers' features,
  reassign them to the served segments). When a refresh holds the warehouse it skips at once
  (it will run again in 5 minutes) and says so in its log; before the first full refresh there
  is nothing to reassign to, so it waits for it.
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

from flows.refresh_lock import refresh_lock  # noqa: E402
from flows.rest_flow import fetch_rest, rest_specs  # noqa: E402
from flows.settings import Paths  # noqa: E402
from python_models.lake.rest_source import RestSourceBusy, RestSourceError  # noqa: E402

MICRO_BATCH_EVERY = timedelta(minutes=5)
DAILY_CRON = "0 3 * * *"
DAILY_TIMEZONE = "UTC"
DAILY_LOCK_WAIT_SECONDS = 1800.0


def _fetch_all(lake_dir: str, sources: str | None) -> list[str]:
    """Fetch every REST source; one failing API must not hold back the others or the files."""
    logger = get_run_logger()
    failures = []
    for spec in rest_specs(lake_dir, sources):
        try:
            fetch_rest(spec)
        except RestSourceBusy as exc:  # another run is fetching it; its pages land all the same
            logger.warning("%s", exc)
        except RestSourceError as exc:
            failures.append(str(exc))
    return failures


def _fail_on(failures: list[str], outcome: str) -> str:
    """The run still fails (visibly) when a REST source could not be fetched, after doing the rest."""
    if failures:
        raise RestSourceError(f"{len(failures)} REST source(s) not fetched ({outcome}): " + "; ".join(failures))
    return outcome


@flow(name="segmart-micro-batch")
def micro_batch_flow(lake_dir: str, sources: str | None = None) -> str:
    from flows.microbatch_flow import microbatch_flow

    failures = _fetch_all(lake_dir, sources)
    if not Paths.from_env(lake_dir).build_db.exists():
        outcome = "skipped: no build yet; the daily refresh (or `segmart refresh`) builds and publishes first"
        get_run_logger().warning("micro-batch %s", outcome)
        return _fail_on(failures, outcome)
    return _fail_on(failures, microbatch_flow(lake_dir, sources))


@flow(name="segmart-daily-refresh")
def daily_refresh_flow(lake_dir: str, sources: str | None = None,
                       wait_seconds: float = DAILY_LOCK_WAIT_SECONDS) -> str:
    from flows.refresh_flow import refresh_flow

    paths = Paths.from_env(lake_dir)
    with refresh_lock(paths.build_db, "segmart daily refresh", wait_seconds=wait_seconds):
        failures = _fetch_all(lake_dir, sources)
        result = refresh_flow(lake_dir, sources)
    outcome = f"{result.ingest.summary()}; {result.dbt.summary().splitlines()[0]}"
    get_run_logger().info("daily refresh: %s", outcome)
    return _fail_on(failures, outcome)


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
            description=f"every {micro_batch_every}: fetch REST sources, live micro-batch (ingest, touched "
                        "customers' features, reassignment to the served segments)",
        ),
        daily_refresh_flow.to_deployment(
            name="daily-full-refresh",
            schedules=[Cron(daily_cron, timezone=timezone)],
            parameters=params,
            tags=["segmart", "full-refresh"],
            description=f"full refresh (ingest, dbt build, gates, publish) at cron '{daily_cron}' {timezone}",
        ),
    ]
