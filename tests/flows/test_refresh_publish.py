"""The refresh flow end to end: ingest, dbt build, gates, publish, served, with its Prefect artifact."""

from __future__ import annotations

import duckdb
import pytest

from tests.integration.conftest import DEMO_VARS  # small ML search spaces: a fast full build

pytestmark = [pytest.mark.dbt, pytest.mark.prefect]


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory, prefect_server):
    from flows.refresh_flow import refresh_flow
    from python_models.generate import generate_lake

    work = tmp_path_factory.mktemp("refresh")
    lake = work / "lake"
    generate_lake(lake, people=300, seed=7)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SEGMART_DB_PATH", str(work / "warehouse" / "build.duckdb"))
        mp.setenv("DBT_TARGET_PATH", str(work / "target"))
        mp.setenv("DBT_LOG_PATH", str(work / "logs"))
        mp.delenv("SEGMART_WAREHOUSE_DIR", raising=False)
        # 300 people are too few for the segmentation's stability gates and for a validation AUC
        # (about 60 validation rows: it moves by hundredths with the CV folds), which then, rightly,
        # keep the version from being served; this test is about publishing, so the gates are loose
        first = refresh_flow(str(lake), dbt_vars={**DEMO_VARS, "segmentation_gates": {"min_segments": 2},
                                                  "propensity_min_validation_auc": 0.5})
        # `segmart publish` of the same build: a second version (one full build is enough)
        from flows.publishing import publish_build
        from flows.settings import Paths

        second = publish_build(Paths.from_env(lake))
    return work, first, second


def test_refresh_publishes_every_tagged_mart_and_serves_it(refreshed):
    from python_models.publishing import Warehouse, connect_serving

    work, first, second = refreshed
    wh = Warehouse(work / "warehouse")
    assert first.publish.published and second.published
    assert wh.current_version() == second.version_id
    assert {"quarantined_rows", "source_reconciliation", "exact_duplicate_rows"} <= set(first.publish.tables)
    build = duckdb.connect(str(work / "warehouse" / "build.duckdb"), read_only=True)
    serving = connect_serving(wh)
    try:
        for table, rows in second.tables.items():
            assert build.sql(f"select count(*) from {table}").fetchall() == [(rows,)]
            assert serving.sql(f"select count(*) from {table}").fetchall() == [(rows,)]
        statuses = serving.sql("select version_id, status from segment_versions order by 1").fetchall()
        assert statuses == [(first.publish.version_id, "superseded"), (second.version_id, "published")]
    finally:
        build.close()
        serving.close()
    assert set(first.seconds) == {"ingest", "dbt_build", "publish", "report"}
    # a refresh runs the data tests but not dbt's unit tests (the integration build does, see
    # tests/integration/test_dbt_unit_tests.py)
    kinds = {n.resource_type for n in first.dbt.nodes}
    assert "test" in kinds and "model" in kinds and "unit_test" not in kinds
    # the refresh leaves the version's HTML report beside it, with its charts drawn
    from python_models.reporting.report import report_path

    report = report_path(wh, first.publish.version_id).read_text(encoding="utf-8")
    assert first.publish.version_id in report and report.count("<img ") >= 5
    gates = {(g["area"], g["gate"]): g["passed"] for g in first.publish.gates}
    assert gates[("segmentation", "min_segments")] and all(gates.values())
    assert ("segmentation", "min_mean_ari") not in gates  # the dbt vars reached the build


def test_refresh_summary_artifact_names_the_version(refreshed):
    import anyio
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    _, first, _ = refreshed

    async def latest():
        async with get_client() as client:
            arts = await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["refresh-summary"])))
            return [a.data for a in arts]

    bodies = anyio.run(latest)
    body = next(b for b in bodies if first.publish.version_id in b)
    assert "| source_reconciliation |" in body and "| publish |" in body
