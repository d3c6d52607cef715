"""Every kind of bad input in tests/reliability/corpus.py goes through ingest and dbt staging once;
each kind then checks its own outcome: rejected with a clear message, or loaded with every record
staged, quarantined with its reason or counted as an exact duplicate, and nothing unaccounted for."""

from __future__ import annotations

import pytest

from tests.reliability.corpus import KINDS, Kind

pytestmark = pytest.mark.dbt

CORPUS_FILES = sorted(f"landing/{k.name}/{f.name}" for k in KINDS for f in k.files)


@pytest.fixture(scope="module")
def corpus(reliability_run):
    """The corpus landed next to a small demo lake, ingested and staged once (tests/reliability/conftest.py)."""
    con = reliability_run.connect()
    yield Corpus(con)
    con.close()


class Corpus:
    def __init__(self, con):
        self.db = con

    def rows(self, sql: str, *params) -> list[tuple]:
        return self.db.execute(sql, list(params)).fetchall()


def test_the_corpus_covers_at_least_30_kinds_across_entities():
    assert len({k.name for k in KINDS}) == len(KINDS) >= 30
    assert {k.entity for k in KINDS} >= {"contacts", "orders", "web_events", "social_interactions"}
    assert {f.status for k in KINDS for f in k.files} == {"loaded", "rejected", "skipped_duplicate"}


def test_every_landed_file_has_one_manifest_row_and_reconciles(corpus, reliability_run):
    landed = sorted(str(p.relative_to(reliability_run.lake)) for p in (reliability_run.lake / "landing").rglob("*")
                    if p.is_file())
    manifest = corpus.rows("select source_file from stg_lake__manifest_files order by 1")
    assert [f for (f,) in manifest] == landed
    assert set(CORPUS_FILES) <= set(landed)
    bad = corpus.rows("select source_file from source_reconciliation where not is_reconciled")
    assert bad == []


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_kind(corpus, kind: Kind):
    for f in kind.files:
        path = kind.landed_path(f)
        ((manifest_status, rows_landed, rows_rejected, message),) = corpus.rows(
            "select status, rows_landed, rows_rejected, coalesce(message, '') from stg_lake__manifest_files "
            "where source_file = ?", path
        )
        (row,) = corpus.rows(
            "select status, rows_landed, rows_staged, rows_quarantined, rows_rejected_by_parser, "
            "rows_exact_duplicates, is_reconciled from source_reconciliation where source_file = ?", path
        )
        status, landed, staged, quarantined, by_parser, dupes, reconciled = row
        assert status == manifest_status == f.status, (path, message)
        assert reconciled, path
        if f.status != "loaded":
            assert f.message in message, message
            assert (staged, dupes) == (0, 0)
            continue
        # nothing unaccounted for: the file's records, as ingestion counted them, all went somewhere
        assert landed == rows_landed == staged + quarantined + dupes
        assert by_parser == rows_rejected
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
    # plus the demo lake's contacts file that lost its header line (see conftest)
    assert [r[0] for r in rejected] == sorted([*expected, "landing/crm/crm_contacts_noheader.csv"])
    for file, message in rejected:
        assert message.startswith("file rejected: ") and len(message) > 30, (file, message)
    # the "header" of the headerless file is a person's record: named as such, not quoted
    noheader = dict(rejected)["landing/crm/crm_contacts_noheader.csv"]
    assert "no header line" in noheader and "@" not in noheader, noheader


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
