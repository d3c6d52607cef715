"""The ingest flow runs under Prefect and records what it did as an artifact."""

import pytest

pytestmark = pytest.mark.prefect


def test_ingest_flow_loads_and_publishes_an_artifact(tmp_path, prefect_server):
    from prefect.client.orchestration import get_client

    from flows.ingest_flow import ingest_flow

    lake = tmp_path / "lake"
    (lake / "landing" / "crm").mkdir(parents=True)
    (lake / "landing" / "crm" / "a.csv").write_text('id,name\n1,Ann\n2,Bob,extra\n3,Cy\n')
    (lake / "sources.yml").write_text(
        "sources:\n  - {name: crm, entity: contacts, columns: {source_record_id: id, full_name: name}}\n"
    )
    report = ingest_flow(str(lake))
    (outcome,) = report.files
    assert (outcome.status, outcome.rows_written, outcome.rows_rejected) == ("loaded", 2, 1)

    import anyio

    async def artifact_rows():
        async with get_client() as client:
            from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

            arts = await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["ingest-load"])))
            return arts

    artifacts = anyio.run(artifact_rows)
    assert artifacts and "1 file(s) loaded" in (artifacts[0].description or "")


def test_a_bad_sources_file_is_not_retried(tmp_path, prefect_server):
    from prefect.client.orchestration import get_client

    from flows.ingest_flow import ingest_flow
    from python_models.lake.source_config import SourceConfigError

    (tmp_path / "sources.yml").write_text("sources: []\n")
    with pytest.raises(SourceConfigError, match="at least one source"):
        ingest_flow(str(tmp_path))

    import anyio

    async def last_ingest_task_run():
        async with get_client() as client:
            from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName
            from prefect.client.schemas.sorting import TaskRunSort

            runs = await client.read_task_runs(task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_="ingest-landing")),
                                               sort=TaskRunSort.EXPECTED_START_TIME_DESC, limit=1)
            return runs[0]

    run = anyio.run(last_ingest_task_run)
    assert run.state.is_failed() and run.run_count == 1
