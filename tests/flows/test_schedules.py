"""`segmart serve` registers the real schedules with a real Prefect server, and they fire.

One real server per session (the `real_prefect_server` fixture); `segmart serve` runs in a child
process like a user would start it. Its micro-batch deployment fires at once on a lake without
new files, so the scheduled run is the real flow, cheap: fetch nothing, ingest nothing, no dbt.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import anyio
import pytest

pytestmark = [pytest.mark.prefect, pytest.mark.timeout(420)]

SEGMART = str(Path(sys.executable).with_name("segmart"))


def _client_env(api_url: str, tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PREFECT_API_URL=api_url, SEGMART_DB_PATH=str(tmp_path / "wh" / "build.duckdb"),
               PREFECT_RUNNER_POLL_FREQUENCY="2")
    return env


def _empty_lake(tmp_path: Path) -> Path:
    """A lake with nothing new, and a stand-in build database so micro-batches get past the
    first-build check to the real micro-batch flow (which finds nothing to do and completes)."""
    (tmp_path / "wh").mkdir(exist_ok=True)
    (tmp_path / "wh" / "build.duckdb").touch()
    lake = tmp_path / "lake"
    (lake / "landing" / "crm").mkdir(parents=True)
    (lake / "sources.yml").write_text(json.dumps(
        {"sources": [{"name": "crm", "entity": "contacts", "columns": {"source_record_id": "id"}}]}))
    return lake


async def _deployments_and_runs(api_url: str):
    from prefect.client.orchestration import PrefectClient
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterDeploymentId,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    async with PrefectClient(api_url) as client:
        found = {}
        for name in ("segmart-micro-batch/micro-batch", "segmart-daily-refresh/daily-full-refresh"):
            try:
                found[name] = await client.read_deployment_by_name(name)
            except Exception:  # not registered yet
                return None, []
        # finished runs only: the scheduler also creates up to 100 future ones
        runs = await client.read_flow_runs(flow_run_filter=FlowRunFilter(
            deployment_id=FlowRunFilterDeploymentId(any_=[found["segmart-micro-batch/micro-batch"].id]),
            state=FlowRunFilterState(type=FlowRunFilterStateType(
                any_=[StateType.COMPLETED, StateType.FAILED, StateType.CRASHED])),
        ))
        return found, runs


async def _live_micro_batch_runs(api_url: str):
    from prefect.client.orchestration import PrefectClient
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    async with PrefectClient(api_url) as client:
        return await client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["segmart-live-micro-batch"])))


def test_serve_registers_both_schedules_and_a_scheduled_micro_batch_completes(real_prefect_server, tmp_path):
    api_url = real_prefect_server.api_url
    lake = _empty_lake(tmp_path)
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        serve = subprocess.Popen(
            [SEGMART, "serve", "--lake", str(lake), "--every-minutes", "0.5", "--daily-cron", "30 4 * * *",
             "--timezone", "Europe/Paris", "--api-url", api_url],
            env=_client_env(api_url, tmp_path), stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 240
        deployments, completed = None, []
        while time.monotonic() < deadline:
            assert serve.poll() is None, f"segmart serve exited early:\n{log.read_text()}"
            deployments, runs = anyio.run(_deployments_and_runs, api_url)
            completed = [r for r in runs if r.state_type and r.state_type.value == "COMPLETED"]
            failed = [r for r in runs if r.state_type and r.state_type.value in ("FAILED", "CRASHED")]
            assert not failed, f"a scheduled micro-batch failed: {failed[0].state}\n{log.read_text()}"
            if completed:
                break
            time.sleep(2)
        assert deployments, f"deployments never registered:\n{log.read_text()}"
        assert completed, f"no scheduled micro-batch completed within 240 s:\n{log.read_text()}"

        micro = deployments["segmart-micro-batch/micro-batch"]
        (micro_schedule,) = micro.schedules
        assert micro_schedule.active and micro_schedule.schedule.interval == timedelta(seconds=30)
        daily = deployments["segmart-daily-refresh/daily-full-refresh"]
        (daily_schedule,) = daily.schedules
        assert (daily_schedule.schedule.cron, daily_schedule.schedule.timezone) == ("30 4 * * *", "Europe/Paris")
        assert micro.parameters["lake_dir"] == str(lake.resolve()) == daily.parameters["lake_dir"]
        # it ran as scheduled by the server, not started by hand, and ran the live micro-batch inside
        assert completed[0].auto_scheduled and completed[0].state.name == "Completed"
        live = anyio.run(_live_micro_batch_runs, api_url)
        assert any(r.parent_task_run_id and r.state_type.value == "COMPLETED" for r in live), live
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(60)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve.wait(10)


def test_a_micro_batch_skips_cleanly_while_a_refresh_holds_the_warehouse(prefect_server, tmp_path, monkeypatch):
    from flows.deployments import micro_batch_flow
    from flows.refresh_lock import refresh_lock

    db = tmp_path / "wh" / "build.duckdb"
    monkeypatch.setenv("SEGMART_DB_PATH", str(db))
    lake = _empty_lake(tmp_path)  # also creates the build database: past the first-build check
    (lake / "landing" / "crm" / "a.csv").write_text("id\n1\n")
    with refresh_lock(db, "segmart daily refresh"):
        outcome = micro_batch_flow(str(lake))
    assert outcome.startswith("skipped: segmart daily refresh (pid ")
    assert not (lake / "raw").exists()  # nothing was ingested while the other refresh ran



def test_a_failing_rest_source_fails_the_micro_batch_after_the_rest_of_it(prefect_server, tmp_path, monkeypatch):
    from flows.deployments import micro_batch_flow
    from python_models.lake.rest_source import RestSourceError

    monkeypatch.setenv("SEGMART_DB_PATH", str(tmp_path / "nowhere" / "build.duckdb"))
    monkeypatch.delenv("NO_SUCH_TOKEN", raising=False)
    lake = tmp_path / "lake"
    lake.mkdir()
    (lake / "sources.yml").write_text(json.dumps({"sources": [
        {"name": "crm", "entity": "contacts", "columns": {"source_record_id": "id"}},
        {"name": "api", "entity": "contacts", "format": "json", "records_path": "data",
         "rest": {"url": "http://127.0.0.1:9/x", "token_env": "NO_SUCH_TOKEN"},
         "columns": {"source_record_id": "id"}},
    ]}))
    with pytest.raises(RestSourceError, match=r"1 REST source\(s\) not fetched \(skipped: no build yet.*NO_SUCH_TOKEN"):
        micro_batch_flow(str(lake))
