"""The micro-batch flow shares the refresh lock: while a refresh writes, a batch skips and says so."""

from __future__ import annotations

import pytest

from flows.refresh_lock import RefreshAlreadyRunning, refresh_lock

pytestmark = pytest.mark.prefect


def test_batch_skips_while_a_refresh_holds_the_warehouse(tmp_path, monkeypatch, prefect_server):
    from flows.microbatch_flow import microbatch_flow, run_micro_batch

    build_db = tmp_path / "warehouse" / "build.duckdb"
    monkeypatch.setenv("SEGMART_DB_PATH", str(build_db))
    monkeypatch.setenv("SEGMART_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    (tmp_path / "lake").mkdir()
    with refresh_lock(build_db, "segmart daily refresh"):
        outcome = microbatch_flow(str(tmp_path / "lake"))
        assert outcome.startswith("skipped:") and "segmart daily refresh" in outcome
        with pytest.raises(RefreshAlreadyRunning, match="daily refresh"):
            run_micro_batch(tmp_path / "lake")
