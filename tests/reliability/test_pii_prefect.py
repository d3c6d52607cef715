"""What the Prefect ingest flow logs and publishes as an artifact carries no raw e-mail or phone."""

from __future__ import annotations

import logging

import anyio
import pytest

pytestmark = pytest.mark.prefect

EMAIL, PHONE = "zoe.martin@orange.fr", "06 11 22 33 44"
RECORDS = f"C1;Zoé;Martin;{EMAIL};{PHONE}\nC2;Luc;Petit;luc.petit@free.fr;07 55 66 77 88\n"


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


def test_the_ingest_flow_logs_and_artifact_do_not_quote_people(tmp_path, prefect_server, capfd):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.ingest_flow import ingest_flow

    lake = tmp_path / "lake"
    (lake / "landing" / "crm").mkdir(parents=True)
    # an export that lost its header line, and one with a record that has a field too many
    (lake / "landing" / "crm" / "a_noheader.csv").write_text(RECORDS)
    (lake / "landing" / "crm" / "b.csv").write_text(f"id;first;last;email;phone\n{RECORDS}C3;x;y;{EMAIL};1;2\n")
    (lake / "sources.yml").write_text(
        "sources:\n  - name: crm\n    entity: contacts\n    delimiter: ';'\n"
        "    columns: {source_record_id: id, first_name: first, last_name: last, email: email, phone: phone}\n"
    )
    # the run loggers themselves, not the console: which stream Prefect's console handler holds
    # depends on which test first set Prefect's logging up (a CliRunner swaps sys.stderr)
    collect = _Collect()
    run_loggers = [logging.getLogger(n) for n in ("prefect.flow_runs", "prefect.task_runs")]
    for logger in run_loggers:
        logger.addHandler(collect)
    try:
        report = ingest_flow(str(lake))
    finally:
        for logger in run_loggers:
            logger.removeHandler(collect)
    assert [f.status for f in report.files] == ["rejected", "loaded"]

    async def artifact_tables():
        async with get_client() as client:
            arts = await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["ingest-load"]))
            )
            return [str(a.data) + (a.description or "") for a in arts]

    printed = capfd.readouterr()
    texts = {"stdout": printed.out, "stderr": printed.err, "log": "\n".join(collect.lines),
             "artifact": "\n".join(anyio.run(artifact_tables))}
    assert "a_noheader.csv" in texts["log"] and "no header line" in texts["log"]  # it was logged
    assert "a_noheader.csv" in texts["artifact"]
    for name, text in texts.items():
        for secret in (EMAIL, PHONE, "luc.petit@free.fr", "07 55 66 77 88"):
            assert secret not in text, (name, secret)
