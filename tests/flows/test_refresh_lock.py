"""Two refreshes never write the warehouse at once: the second waits or stops with one line."""

from __future__ import annotations

import threading
import time

import pytest
from click.testing import CliRunner

from flows.refresh_lock import RefreshAlreadyRunning, lock_path_for, refresh_lock


def _slow_refreshes(build_db, n: int, wait_seconds: float, hold: float = 0.4):
    """Start n 'refreshes' together; each records when its fake inner step ran."""
    spans, errors = [], []
    barrier = threading.Barrier(n)

    def refresh(i: int) -> None:
        barrier.wait()
        try:
            with refresh_lock(build_db, f"refresh {i}", wait_seconds):
                start = time.monotonic()
                time.sleep(hold)
                spans.append((start, time.monotonic()))
        except RefreshAlreadyRunning as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=refresh, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return sorted(spans), errors


def test_waiting_refreshes_run_one_after_the_other(tmp_path):
    spans, errors = _slow_refreshes(tmp_path / "w" / "build.duckdb", n=3, wait_seconds=10)
    assert errors == []
    assert len(spans) == 3
    for (_, end), (next_start, _) in zip(spans, spans[1:], strict=False):
        assert next_start >= end, f"refreshes overlapped: {spans}"


def test_a_refresh_that_does_not_wait_stops_with_a_message_naming_the_running_one(tmp_path):
    spans, errors = _slow_refreshes(tmp_path / "build.duckdb", n=2, wait_seconds=0)
    assert len(spans) == 1 and len(errors) == 1
    (message,) = errors
    assert "refresh " in message and "pid " in message and "is writing build.duckdb" in message
    assert "\n" not in message


def test_the_lock_is_free_again_after_a_failed_refresh(tmp_path):
    db = tmp_path / "build.duckdb"
    with pytest.raises(RuntimeError, match="boom"), refresh_lock(db, "failing"):
        raise RuntimeError("boom")
    with refresh_lock(db, "next", wait_seconds=0):
        assert lock_path_for(db).read_text().count('"what": "next"') == 1


def test_cli_refresh_exits_non_zero_with_one_line_while_another_runs(tmp_path, monkeypatch):
    from flows.cli import main

    db = tmp_path / "build.duckdb"
    monkeypatch.setenv("SEGMART_DB_PATH", str(db))
    with refresh_lock(db, "scheduled daily refresh"):
        result = CliRunner().invoke(main, ["refresh", "--lake", str(tmp_path / "lake"), "--wait", "0.3"])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "scheduled daily refresh" in lines[0] and "after waiting 0.3 s" in lines[0]
    assert lines[0].startswith("segmart: error: ") and "--debug" not in lines[0]


@pytest.mark.parametrize("command", [["rollback", "previous"], ["publish"]])
def test_rollback_and_publish_stop_with_one_line_while_a_refresh_writes(tmp_path, monkeypatch, command):
    from flows.cli import main

    db = tmp_path / "build.duckdb"
    monkeypatch.setenv("SEGMART_DB_PATH", str(db))
    with refresh_lock(db, "scheduled daily refresh"):
        result = CliRunner().invoke(main, [*command, "--lake", str(tmp_path / "lake"), "--wait", "0.2"])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "scheduled daily refresh" in lines[0] and "after waiting 0.2 s" in lines[0]


def test_a_rollback_queued_behind_a_refresh_runs_once_the_refresh_ends(tmp_path, monkeypatch):
    from flows.cli import main

    db = tmp_path / "build.duckdb"
    monkeypatch.setenv("SEGMART_DB_PATH", str(db))
    released = threading.Event()

    def refresh() -> None:
        with refresh_lock(db, "refresh"):
            time.sleep(0.5)
        released.set()

    holder = threading.Thread(target=refresh)
    holder.start()
    time.sleep(0.1)
    result = CliRunner().invoke(main, ["rollback", "previous", "--lake", str(tmp_path / "lake"), "--wait", "10"])
    holder.join()
    # it got past the lock (the refresh had ended) and failed on what it found: no versions yet
    assert released.is_set()
    assert "is writing" not in result.output
    assert result.exit_code != 0 and "version" in result.output.lower(), result.output


@pytest.mark.dbt
def test_two_segmart_processes_started_together_never_both_write(tmp_path):
    """Real processes, not threads: each `segmart build` takes the lock before dbt starts."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    segmart = Path(sys.executable).with_name("segmart")
    env = {**os.environ, "SEGMART_DB_PATH": str(tmp_path / "w" / "build.duckdb"),
           "SEGMART_WAREHOUSE_DIR": str(tmp_path / "w"), "SEGMART_LAKE_DIR": str(tmp_path / "lake"),
           "DBT_TARGET_PATH": str(tmp_path / "target"), "DBT_LOG_PATH": str(tmp_path / "logs"),
           "DBT_INDIRECT_SELECTION": "cautious"}
    # one seed, without tests that read other models: it needs no raw zone, and dbt's start-up alone holds the lock for seconds
    command = [str(segmart), "build", "--select", "country_codes"]
    procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes[0] == 0 and codes[1] != 0, outputs
    refused = outputs[[p.returncode for p in procs].index(codes[1])]
    assert "segmart build (pid" in refused and "is writing build.duckdb" in refused, refused
