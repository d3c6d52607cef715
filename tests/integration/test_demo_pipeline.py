"""The demo lake end to end (generate → ingest → dbt build), checked against the generator's ground truth."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import datetime

import pytest

pytestmark = pytest.mark.dbt

# What staging must say about each kind of bad record the generator injected.
EXPECTED_REASON = {
    "broken_quoting": "malformed CSV record",
    "unknown_country": "unknown country",
    "email_without_at": "email without @",
    "negative_amount": "negative amount",
    "wrong_type_amount": "non-numeric amount",
    "unparseable_timestamp": "unparseable timestamp",
}


@pytest.fixture(scope="module")
def demo(demo_build):
    """(connection, ingest report, injected errors, lake) over the session's shared demo build."""
    con = demo_build.connect()
    yield con, demo_build.report, demo_build.truth_rows("injected_errors.csv"), demo_build.lake
    con.close()


def test_every_file_reconciles(demo):
    con, report, _, _ = demo
    assert all(f.status == "loaded" for f in report.files), report.summary()
    rows = con.sql(
        "select source_file, rows_landed, rows_staged, rows_quarantined, rows_exact_duplicates, is_reconciled "
        "from source_reconciliation"
    ).fetchall()
    assert len(rows) == len(report.files)
    landed_by_file = {f.file: f.rows_landed for f in report.files}
    for file, landed, staged, quarantined, dupes, ok in rows:
        assert landed == landed_by_file[file] == staged + quarantined + dupes and ok, file


def test_quarantine_holds_exactly_the_injected_bad_records_with_their_reasons(demo):
    con, _, injected, _ = demo
    quarantined = {
        (file.split("/")[-1], number): reason
        for file, number, reason in con.sql(
            "select source_file, record_number, reason from quarantined_rows"
        ).fetchall()
    }
    expected = {
        (row["file"], int(row["record_number"])): row["kind"]
        for row in injected
        if row["kind"] != "duplicate_row"
    }
    missing = {key: kind for key, kind in expected.items() if key not in quarantined}
    assert not missing, f"injected bad records not quarantined: {list(missing.items())[:5]}"
    wrong = {
        key: (kind, quarantined[key]) for key, kind in expected.items()
        if EXPECTED_REASON[kind] not in quarantined[key]
    }
    assert not wrong, f"quarantined with an unexpected reason: {list(wrong.items())[:5]}"
    unexpected = sorted(set(quarantined) - set(expected))
    assert not unexpected, f"good records quarantined: {unexpected[:5]}"


def test_injected_exact_duplicates_are_dropped_once(demo):
    con, _, injected, _ = demo
    dupes = Counter(
        file.split("/")[-1]
        for (file,) in con.sql("select source_file from exact_duplicate_rows").fetchall()
    )
    expected = Counter(row["file"] for row in injected if row["kind"] == "duplicate_row")
    assert dupes == expected


def test_contacts_are_typed_and_normalised(demo):
    con, _, _, lake = demo
    bad_phone = con.sql(
        "select count(*) from stg_crm__contacts where phone is not null and not regexp_full_match(phone, '\\+[1-9][0-9]{7,14}')"
    ).fetchall()[0][0]
    assert bad_phone == 0
    upper_email = con.sql(
        "select count(*) from stg_crm__contacts where email <> lower(trim(email))"
    ).fetchall()[0][0]
    assert upper_email == 0
    countries = {c for (c,) in con.sql("select distinct country from stg_crm__contacts").fetchall()}
    assert countries <= {"FR", "BE", "CH", "DE", "ES", "IT", "GB", "LU", None} and "FR" in countries
    # every person's contact records reach staging unless the generator broke them on purpose
    with (lake / "ground_truth" / "contact_records.csv").open(newline="") as fh:
        truth = {(r["source_system"], r["source_record_id"]) for r in csv.DictReader(fh)}
    staged = set(con.sql("select source_system, source_record_id from stg_crm__contacts").fetchall())
    assert staged <= truth
    assert len(staged) / len(truth) > 0.98


def test_web_events_are_in_utc_within_the_demo_period(demo):
    con, _, _, _ = demo
    first, last, n = con.sql("select min(event_at_utc), max(event_at_utc), count(*) from stg_web__events").fetchall()[0]
    assert n > 50_000
    # the demo runs 18 months from 2025-01-01 (Paris time, so UTC may start the evening before)
    assert datetime(2024, 12, 31, 22) <= first < datetime(2025, 1, 8)
    assert datetime(2026, 6, 1) <= last < datetime(2026, 7, 1, 2)


def test_the_full_build_runs_every_dbt_unit_test(demo_build):
    """Refreshes leave dbt's unit tests out (flows/refresh_flow.py); this build is where they run."""
    import json

    manifest = json.loads((demo_build.target / "manifest.json").read_text())
    declared = set(manifest["unit_tests"])
    ran = {n.unique_id: n.status for n in demo_build.dbt.nodes if n.resource_type == "unit_test"}
    assert declared and set(ran) == declared
    assert set(ran.values()) == {"pass"}
