"""One demo build shared by every integration test of the session.

Generating, ingesting and building the 3,000-person demo lake is the expensive part of the suite
(the whole DAG: staging, identity, features, segments, propensity, experiments), so it happens
once; tests open the build database read-only and compare it with the generator's ground truth.
"""

from __future__ import annotations

import csv
import json
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
# Small ML search spaces so the shared build stays fast; the defaults are for real runs.
DEMO_VARS = {
    "segmentation_k_range": [2, 8],  # [3, 8] picks k=5 on the current matrix, whose smallest segment is unstable
    "segmentation_ward_sample_size": 1000,
    "segmentation_stability_runs": 5,
    "segmentation_embedding_sample": 300,
    "propensity_candidates": ["logistic_regression", "hist_gradient_boosting"],
    "propensity_rfe": False,
}


@dataclass
class DemoBuild:
    lake: Path
    paths: Paths
    report: IngestReport
    dbt: DbtRun

    @property
    def target(self) -> Path:
        return self.paths.warehouse_dir / "target"

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
    # its own target path, so the manifest the publisher reads is this build's
    run = run_dbt(["build", "--target-path", str(work / "target"), "--vars", json.dumps(DEMO_VARS)], paths,
                  raise_on_failure=False)
    assert run.success, run.summary()
    return DemoBuild(lake, paths, report, run)


@pytest.fixture(scope="session")
def demo_published(demo_build):
    """The demo build published once into its own warehouse: (Warehouse, PublishResult)."""
    from python_models.artifacts import artifacts_dir
    from python_models.publishing import Warehouse, publish

    demo_build.paths.export_env()
    root = demo_build.paths.warehouse_dir / "warehouse"
    result = publish(demo_build.paths.build_db, demo_build.target / "manifest.json", root,
                     project_dir=demo_build.paths.dbt_project_dir, artifacts_dir=artifacts_dir())
    return Warehouse(root), result
