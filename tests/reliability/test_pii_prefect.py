"""What the Prefect ingest flow logs and publishes as an artifact carries no raw e-mail or phone."""

from __future__ import annotations

import anyio
import pytest

pytestmark = pytest.mark.prefect

EMAIL, PHONE = "zoe.martin@orange.fr", "06 11 22 33 44"
RECORDS = f"C1;Zoé;Martin;{EMAIL};{PHONE}\nC2;Luc;Petit;luc.petit@free.fr;07 55 66 77 88\n"


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
    report = ingest_flow(str(lake))
    assert [f.status for f in report.files] == ["rejected", "loaded"]

    async def artifact_tables():
        async with get_client() as client:
            arts = await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["ingest-load"]))
            )
            return [str(a.data) + (a.description or "") for a in arts]

    printed = capfd.readouterr()
    texts = {"stdout": printed.out, "stderr": printed.err, "artifact": "\n".join(anyio.run(artifact_tables))}
    assert "a_noheader.csv" in texts["stderr"] and "no header line" in texts["stderr"]  # it was logged
    assert "a_noheader.csv" in texts["artifact"]
    for name, text in texts.items():
        for secret in (EMAIL, PHONE, "luc.petit@free.fr", "07 55 66 77 88"):
            assert secret not in text, (name, secret)
