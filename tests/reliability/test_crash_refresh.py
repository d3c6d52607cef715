"""A whole refresh SIGKILLed at many points never harms what is served, and the next one publishes.

One tiny lake, one warehouse, a chain of `segmart refresh`-like subprocesses (refresh lock + the
refresh flow), each killed at a deterministic point by flows/faults.py (SEGMART_FAULT_POINT):

  ingest:after_first_file             nothing published yet: still nothing served, nothing half-loaded
  (clean refresh)                     publishes V1
  dbt:node_started:stg_crm__contacts  early staging
  dbt:node_started:int_propensity__scores   a late Python model
  publish:switching                   the new version is in place, the catalog not yet switched
  publish:done                        switched, the report not yet drawn: the new version is served
  (clean refresh)                     publishes V3

After every kill: the served version is the expected one and every published table has the rows
it was published with (rows lost = 0), every version folder is whole, the refresh lock is free.
Then idempotency: V1, the version the killed run switched to and V3 hold the same rows, row hash
by row hash, leaving out only run metadata (RUN_METADATA_COLUMNS), and the same customer ids.
A reader queries the serving catalog all along (never an error, always a complete version).
Last, the modes of everything the refreshes wrote: owner-only.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from python_models.publishing import Warehouse, connect_serving
from python_models.publishing.content import compare_versions, version_content
from tests.conftest import REPO_ROOT
from tests.unit.publishing.test_diff_and_cli import READER  # queries the serving catalog in a loop

pytestmark = [pytest.mark.dbt, pytest.mark.prefect]

PEOPLE = 250
# The smallest ML that still runs every step: the kills, not the models, are under test here.
# bench/refresh_idempotency_bench.py checks idempotency with the demo's ML settings.
SMALL_VARS = {
    "segmentation_k_range": [2, 4],
    "segmentation_compare_candidates": ["kmeans"],
    "segmentation_stability_runs": 2,
    "segmentation_embedding_sample": 100,
    "segmentation_tsne": False,
    # 250 people are too few for the stability gates and for a stable validation AUC; the gates
    # themselves are tested elsewhere, here a version only has to be publishable
    "segmentation_gates": {"min_segments": 2},
    "propensity_min_validation_auc": 0.0,
    "propensity_candidates": ["logistic_regression"],
    "propensity_search_iterations": 1,
    "propensity_cv_folds": 2,
    "propensity_rfe": False,
}
# What `segmart refresh` does (flows/cli.py), with the test's dbt vars.
REFRESH = textwrap.dedent("""
    import json, sys
    from flows.refresh_flow import refresh_flow
    from flows.refresh_lock import refresh_lock
    from flows.settings import Paths

    if __name__ == "__main__":
        paths = Paths.from_env(sys.argv[1])
        with refresh_lock(paths.build_db, "crash-test refresh", wait_seconds=0):
            refresh_flow(str(paths.lake_dir), dbt_vars=json.loads(sys.argv[2]))
""")


class Chain:
    def __init__(self, work: Path, api_url: str):
        self.work = work
        self.lake = work / "lake"
        self.wh = Warehouse(work / "wh")
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("SEGMART_FAULT_POINT", "SEGMART_ARTIFACTS_DIR", "SEGMART_LAKE_DIR")}
        self.env.update({
            "PYTHONPATH": str(REPO_ROOT), "PREFECT_API_URL": api_url,
            "SEGMART_DB_PATH": str(work / "wh" / "build.duckdb"), "SEGMART_WAREHOUSE_DIR": str(work / "wh"),
            "DBT_TARGET_PATH": str(work / "target"), "DBT_LOG_PATH": str(work / "logs"),
        })
        self.rows_checked = 0

    def refresh(self, fault: str | None = None) -> str:
        """Run one refresh; returns its stderr. Killed or not, its whole process group goes with it:
        worker processes (loky, multiprocessing) outlive a SIGKILLed parent for minutes, holding its
        output pipes, and a real crash (OOM, a killed container) takes them too."""
        env = {**self.env, **({"SEGMART_FAULT_POINT": fault} if fault else {})}
        log = self.work / f"refresh-{len(list(self.work.glob('refresh-*.log')))}.log"
        with log.open("w") as out:
            proc = subprocess.Popen([sys.executable, "-c", REFRESH, str(self.lake), json.dumps(SMALL_VARS)],
                                    env=env, cwd=self.work, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            try:
                code = proc.wait(timeout=900)
            finally:
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
        output = log.read_text()
        if fault:  # it died at that point, not anywhere else
            assert code == -signal.SIGKILL, (fault, code, output[-3000:])
            assert f"fault point {fault}: SIGKILL" in output
        else:
            assert code == 0, output[-3000:]
        return output

    def served_intact(self, expected: str | None) -> None:
        from flows.refresh_lock import refresh_lock

        with refresh_lock(self.wh.root / "build.duckdb", "lock check", wait_seconds=0):
            pass  # the killed refresh left no lock behind
        for version_id in self.wh.version_ids():  # every version folder is whole
            meta = self.wh.read_version(version_id)
            assert all((self.wh.version_dir(version_id) / t["file"]).is_file() for t in meta["tables"].values())
        if expected is None:
            assert not self.wh.serving_db.exists()
            return
        assert self.wh.current_version() == expected
        con = connect_serving(self.wh)
        try:
            (current,) = con.sql("select version_id from segment_versions where is_current").fetchall()
            assert current == (expected,)
            for table, info in self.wh.read_version(expected)["tables"].items():
                assert con.sql(f'select count(*) from "{table}"').fetchall() == [(info["rows"],)], table
                self.rows_checked += info["rows"]
        finally:
            con.close()


def test_refresh_killed_at_many_points_keeps_serving_and_recovers(tmp_path, real_prefect_server):
    from python_models.generate import generate_lake
    from python_models.lake.raw_zone import RawZone
    from python_models.reporting.report import report_path

    chain = Chain(tmp_path, real_prefect_server.api_url)
    generate_lake(chain.lake, people=PEOPLE, seed=11)
    survived = []

    chain.refresh("ingest:after_first_file")
    assert RawZone(chain.lake).manifest().num_rows == 0  # its data files are there, invisible to staging
    chain.served_intact(None)
    survived.append("ingest:after_first_file")

    chain.refresh()
    v1 = chain.wh.current_version()
    assert v1 is not None and report_path(chain.wh, v1).is_file()
    # a user querying all along: never an error, always a complete version
    with _reader(chain.wh.serving_db, tmp_path / "stop-reader") as queries:
        for fault in ("dbt:node_started:stg_crm__contacts", "dbt:node_started:int_propensity__scores",
                      "publish:switching"):
            chain.refresh(fault)
            chain.served_intact(v1)
            survived.append(fault)
        unserved = [v for v in chain.wh.version_ids() if v != v1]
        assert len(unserved) == 1  # publish:switching left its version whole, kept but never served

        chain.refresh("publish:done")
        v2 = chain.wh.current_version()
        assert v2 not in (v1, *unserved) and not report_path(chain.wh, v2).exists()
        chain.served_intact(v2)
        survived.append("publish:done")

        chain.refresh()
        v3 = chain.wh.current_version()
        assert v3 not in (v1, v2)
        chain.served_intact(v3)
        assert report_path(chain.wh, v3).is_file()
    assert queries["errors"] == [] and queries["incomplete"] == []
    assert {v1, v2, v3} <= set(queries["versions"]), queries["versions"]

    # idempotency: the same inputs published three times, twice after kills, hold the same rows
    contents = {v: version_content(chain.wh, v) for v in (v1, *unserved, v2, v3)}
    for v in (*unserved, v2, v3):
        assert compare_versions(contents[v1], contents[v]) == {}, v
    excluded = sorted({c for t in contents[v1].values() for c in t.excluded})
    assert contents[v3]["customer_id_changes"].rows == 0  # no customer id moved between the builds
    hashed = sum(t.rows for t in contents[v3].values())

    _assert_owner_only(tmp_path / "wh", tmp_path / "lake" / "raw", tmp_path / "target", tmp_path / "logs")
    print(f"\ncrash points survived: {len(survived)} ({', '.join(survived)}); served rows re-counted after the "
          f"kills: {chain.rows_checked:,}, rows lost: 0; idempotency: {len(contents[v3])} tables, {hashed:,} rows "
          f"hashed in each of {len(contents)} versions, 0 differing (run metadata left out: {', '.join(excluded)}); "
          f"reader: {queries['queries']} queries during the refreshes, 0 errors, 0 incomplete")


@contextmanager
def _reader(serving: Path, stop: Path):
    stats: dict = {}
    proc = subprocess.Popen([sys.executable, "-c", READER, str(serving), "3600", str(stop), "0.2"],
                            stdout=subprocess.PIPE, text=True)
    try:
        yield stats
    finally:
        stop.touch()
        stats.update(json.loads(proc.communicate(timeout=120)[0]))


def _assert_owner_only(*roots: Path) -> None:
    loose = []
    for root in roots:
        for path in [root, *root.rglob("*")]:
            if path.is_symlink():
                continue  # serving.duckdb: a link's own mode is never checked by the kernel
            if stat.S_IMODE(path.stat().st_mode) & 0o077:
                loose.append(f"{oct(stat.S_IMODE(path.stat().st_mode))} {path}")
    assert not loose, "readable by group or others:\n" + "\n".join(loose[:30])
