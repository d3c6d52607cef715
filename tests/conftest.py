"""Test-session settings that must exist before Prefect or dbt are imported."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Each test session gets its own Prefect home, quiet telemetry and a patient temporary server.
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="segmart-tests-"))
os.environ["PREFECT_HOME"] = str(_SESSION_HOME / "prefect")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

REPO_ROOT = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("SEGMART_DATASETS", REPO_ROOT.parent / "shared" / "datasets"))


@pytest.fixture(scope="session")
def real_prefect_server():
    """The session's only Prefect server (starting one costs 10-25 s on 2 cores).

    A real `prefect server start`, not the test harness's temporary server: schedules fire only
    under a real one, and in-process flow runs work the same against it. Subprocesses reach it
    through PREFECT_API_URL=<server.api_url>.
    """
    from flows.prefect_server import start_local_server

    server = start_local_server(_SESSION_HOME / "prefect", ui=False, startup_timeout=180)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def prefect_server(real_prefect_server):
    """Flow runs of this process go to the session's server (what prefect_test_harness did)."""
    import prefect.context
    from prefect.logging.handlers import APILogWorker
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: real_prefect_server.api_url}):
        with prefect.context._temporary_global_settings_context(prefect.context.get_settings_context()):
            yield real_prefect_server.api_url
            try:  # send the last logs before the server goes away
                APILogWorker.instance().drain()
            except RuntimeError:
                pass


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_SESSION_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    if not DATASETS.is_dir():
        pytest.skip(f"real datasets not found at {DATASETS} (set SEGMART_DATASETS)")
    return DATASETS
