"""Every kind of bad input in tests/reliability/corpus.py goes through ingest and dbt staging once;
each kind then checks its own outcome: rejected with a clear message, or loaded with every record
staged, quarantined with its reason or counted as an exact duplicate, and nothing unaccounted for."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from flows.dbt_runner import DbtRun, run_dbt
from flows.settings import Paths
from python_models.lake import IngestReport, ingest
from tests.conftest import REPO_ROOT
from tests.reliability.corpus import KINDS, Kind, write_corpus

pytestmark = pytest.mark.dbt

# staging, the quality marts and what they need (seeds); tests only when all their parents are built
DBT_SELECTION = ["--select", "+tag:quality", "tag:staging", "--indirect-selection", "cautious"]


@dataclass
class CorpusBuild:
    lake: Path
    report: IngestReport
    dbt: DbtRun
    db: duckdb.DuckDBPyConnection

    def rows(self, sql: str, *params) -> list[tuple]:
        return self.db.execute(sql, list(params)).fetchall()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> CorpusBuild:
    work = tmp_path_factory.mktemp("corpus")
    lake = work / "lake"
    write_corpus(lake)
    report = ingest(lake)
    paths = Paths(lake.resolve(), work, work / "build.duckdb", REPO_ROOT / "dbt_project", REPO_ROOT)
    run = run_dbt(
        ["build", *DBT_SELECTION, "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
        paths, raise_on_failure=False,
    )
    assert run.success, run.summary()
    con = duckdb.connect(str(paths.build_db), read_only=True)
    yield CorpusBuild(lake, report, run, con)
    con.close()


def test_the_corpus_covers_at_least_30_kinds_across_entities():
    assert len({k.name for k in KINDS}) == len(KINDS) >= 30
    assert {k.entity for k in KINDS} >= {"contacts", "orders", "web_events", "social_interactions"}
    assert {f.status for k in KINDS for f in k.files} == {"loaded", "rejected", "skipped_duplicate"}


def test_every_landed_file_has_one_manifest_row_and_reconciles(corpus):
    landed = {f"landing/{k.name}/{f.name}" for k in KINDS for f in k.files}
    manifest = corpus.rows("select source_file from stg_lake__manifest_files")
    assert sorted(f for (f,) in manifest) == sorted(landed)
    bad = corpus.rows("select source_file from source_reconciliation where not is_reconciled")
    assert bad == []


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_kind(corpus, kind: Kind):
    outcomes = {o.file: o for o in corpus.report.files}
    for f in kind.files:
        path = kind.landed_path(f)
        outcome = outcomes[path]
        (row,) = corpus.rows(
            "select status, rows_landed, rows_staged, rows_quarantined, rows_rejected_by_parser, "
            "rows_exact_duplicates, is_reconciled from source_reconciliation where source_file = ?", path
        )
        status, landed, staged, quarantined, by_parser, dupes, reconciled = row
        assert status == outcome.status == f.status, (path, outcome.message)
        assert reconciled, path
        if f.status != "loaded":
            assert f.message in outcome.message, outcome.message
            assert (staged, dupes) == (0, 0)
            continue
        # nothing unaccounted for: the file's records, as ingestion counted them, all went somewhere
        assert landed == outcome.rows_landed == staged + quarantined + dupes
        assert by_parser == outcome.rows_rejected
        assert (staged, quarantined, dupes) == (f.staged, f.rows_quarantined, f.duplicates), path
        reasons = [r for (r,) in corpus.rows("select reason from quarantined_rows where source_file = ?", path)]
        for expected, count in f.quarantined.items():
            assert sum(expected in r for r in reasons) == count, (expected, reasons)
        assert all(r.strip() for r in reasons), "a quarantined row without reason"
    if kind.staged_values:
        sql, expected_rows = kind.staged_values
        got = corpus.rows(sql.format(file=kind.landed_path(kind.files[0])))
        assert [tuple(_plain(v) for v in r) for r in got] == expected_rows


def test_rejected_files_say_what_to_change(corpus):
    rejected = corpus.rows(
        "select source_file, message from stg_lake__manifest_files where status = 'rejected' order by 1"
    )
    expected = sorted(f"landing/{k.name}/{f.name}" for k in KINDS for f in k.files if f.status == "rejected")
    assert [r[0] for r in rejected] == expected
    for file, message in rejected:
        assert message.startswith("file rejected: ") and len(message) > 30, (file, message)


def test_quarantined_raw_records_keep_the_bad_text(corpus):
    """A reject is listed with the text that was in the file, so someone can fix it at the source."""
    raw = dict(corpus.rows(
        "select source_file, raw_record from quarantined_rows where source_file in (?, ?)",
        "landing/ragged_too_many_fields/orders.csv", "landing/nul_bytes/contacts.csv",
    ))
    assert "surplus" in raw["landing/ragged_too_many_fields/orders.csv"]
    assert "An\\u0000n" in raw["landing/nul_bytes/contacts.csv"]


def _plain(value):
    from decimal import Decimal

    return float(value) if isinstance(value, Decimal) else value
