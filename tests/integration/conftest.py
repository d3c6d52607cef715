"""One demo build shared by every integration test of the session.

Generating, ingesting and building the 3,000-person demo lake is the expensive part of the suite
(the whole DAG: staging, identity, features, segments, propensity, experiments), so it happens
once; tests open the build database read-only and compare it with the generator's ground truth.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from flows.dbt_runner import DbtRun, run_dbt
from flows.settings import Paths
from python_models.generate import generate_lake
from python_models.lake import IngestReport, ingest
from tests.conftest import REPO_ROOT

DEMO_PEOPLE = 3_000
DEMO_SEED = 7


@dataclass
class DemoBuild:
    lake: Path
    paths: Paths
    report: IngestReport
    dbt: DbtRun

    @property
    def truth(self) -> Path:
        return self.lake / "ground_truth"

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.paths.build_db), read_only=True)

    def truth_rows(self, name: str) -> list[dict[str, str]]:
        with (self.truth / name).open(newline="") as fh:
            return list(csv.DictReader(fh))


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> DemoBuild:
    """The demo lake (3,000 people, seed 7) ingested and built with `dbt build`."""
    work = tmp_path_factory.mktemp("demo")
    lake = work / "lake"
    generate_lake(lake, people=DEMO_PEOPLE, seed=DEMO_SEED)
    report = ingest(lake)
    paths = Paths(lake.resolve(), work, work / "build.duckdb", REPO_ROOT / "dbt_project", REPO_ROOT)
    run = run_dbt(["build"], paths, raise_on_failure=False)
    assert run.success, run.summary()
    return DemoBuild(lake, paths, report, run)
