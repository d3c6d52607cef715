"""Build the dbt project on a small hand-made raw zone and check what staging really produced.

The raw zone (tests/integration/fixtures_raw_zone.py) holds known good and bad rows for every
entity, an exact duplicate within a file and across loads, a parser reject, a file left without
manifest row by a "crash" and a file the manifest skipped as duplicate.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from python_models.contracts import load_contracts
from tests.integration.fixtures_raw_zone import write_raw_zone

pytestmark = pytest.mark.dbt

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "dbt_project"

PARIS = {"_timezone": "Europe/Paris", "_date_order": "DMY", "_phone_region": "FR", "_default_country": "FR"}
NEW_YORK = {
    "_timezone": "America/New_York",
    "_date_order": "MDY",
    "_phone_region": "US",
    "_default_country": "US",
    "_currency": "USD",
}
CRM_FILE = "landing/crm/contacts.csv"
WEB_FILE = "landing/web/events_1.csv"
L2 = "20240116T080000Z"

ANNE = {
    "source_record_id": "C1",
    "first_name": " Anne ",
    "email": " Anne@Example.COM ",
    "phone": "06 12 34 56 78",
    "country": "France",
    "birth_date": "01/03/1985",
    "gender": "Femme",
    "marketing_consent": "oui",
    "social_handle": "@Anne_F",
    "created_at": "2024-03-01 10:00:00",
}


def _raw_zone() -> dict:
    crm = {"_source_system": "crm", "_source_file": CRM_FILE, **PARIS}
    eshop = {"_source_system": "eshop", "_source_file": "landing/eshop/accounts.csv", **NEW_YORK}
    web = {"_source_system": "web", "_source_file": WEB_FILE, **PARIS}
    ev = {"session_id": "s1", "event_type": "Page_View"}
    return {
        "contacts": [
            {**crm, **ANNE},
            {**crm, "source_record_id": "C2", "email": "bob.example.com"},
            {**crm, "source_record_id": "C3", "country": "Atlantis"},
            {**crm, "source_record_id": "  ", "email": "nobody@example.com"},
            {**crm, **ANNE},  # exact duplicate of record 1
            {
                **crm,
                "source_record_id": "C6",
                "country": "UK",
                "phone": "+44 20 7946 0958",
                "birth_date": "2090-01-01",
            },
            {
                **eshop,
                "source_record_id": "E1",
                "phone": "(212) 555-0123",
                "country": "",
                "created_at": "03/01/2024 10:00 PM",
                "birth_date": "12/31/1990",
                "gender": "male",
                "marketing_consent": "no",
            },
        ],
        "web_events": [
            {
                **web,
                **ev,
                "event_id": "ev1",
                "event_at": "2024-03-01T10:00:00Z",
                "device": "Mobile",
                "duration_seconds": "12,5",
            },
            {**web, **ev, "event_id": "ev2", "event_at": "2024-07-01 10:00:00"},
            {**web, **ev, "event_id": "ev3", "event_at": "garbage"},
            {**web, **ev, "event_id": "ev4", "event_at": None},
            {**web, **ev, "event_id": "ev5", "event_at": "2024-03-01 10:00:00", "duration_seconds": "-3"},
            {
                **web,
                **ev,
                "event_id": "ev1",
                "event_at": "2024-03-01T10:00:00Z",
                "device": "Mobile",
                "duration_seconds": "12,5",
            },
            # the same event re-delivered in a later load: an exact duplicate across loads
            {
                **web,
                **ev,
                "load_id": L2,
                "_source_file": "landing/web/events_2.csv",
                "event_id": "ev1",
                "event_at": "2024-03-01T10:00:00Z",
                "device": "Mobile",
                "duration_seconds": "12,5",
            },
            {
                **web,
                **ev,
                "load_id": L2,
                "_source_file": "landing/web/events_2.csv",
                "event_id": "ev6",
                "event_at": "15/01/2024 08:30",
            },
            # written by a load that crashed before its manifest row: must be ignored
            {
                **web,
                **ev,
                "_source_file": "landing/web/crashed.csv",
                "event_id": "ghost",
                "event_at": "2024-03-01T10:00:00Z",
            },
        ],
        "orders": [
            {
                "order_id": "o1",
                "ordered_at": "2024-03-01 10:00",
                "amount": "12,50",
                "customer_ref": "E1",
                "customer_system": "ESHOP",
            },
            {"order_id": "o1", "ordered_at": "2024-03-01 10:00", "amount": "7.50"},
            {
                "order_id": "o2",
                "line_number": "1",
                "ordered_at": "2024-03-01 10:00",
                "amount": "-1",
                "currency": "EUR",
            },
            {
                "order_id": "o3",
                "line_number": "1",
                "ordered_at": "2024-03-01 10:00",
                "amount": "5",
                "currency": "XYZ",
            },
            {
                "order_id": "o4",
                "line_number": "1",
                "ordered_at": "2024-03-01 10:00",
                "amount": "1 234,56",
                "currency": "$",
                "email": "no-at-sign",
            },
        ],
        "social_interactions": [
            {
                "interaction_id": "i1",
                "platform": "Instagram",
                "handle": "@Anne_F",
                "interaction_type": "Like",
                "interacted_at": "2024-03-01T10:00:00+01:00",
            },
            {
                "interaction_id": "i2",
                "platform": "tiktok",
                "handle": "@",
                "interaction_type": "like",
                "interacted_at": "2024-03-01T10:00:00Z",
            },
        ],
        "campaigns": [
            {
                "campaign_id": "CMP1",
                "campaign_name": "Spring",
                "channel": "EMAIL",
                "started_at": "2024-03-01",
                "ended_at": "31/03/2024",
            },
        ],
        "campaign_events": [
            {
                "campaign_id": "CMP1",
                "customer_ref": "C1",
                "customer_system": "crm",
                "event_type": "Opened",
                "event_at": "2024-03-02 09:00",
                "variant": "Treatment",
            },
            {"event_id": "ce2", "campaign_id": "CMP1", "event_type": "conversion", "amount": "-10"},
        ],
        "partner_enrichment": [
            {
                "postcode": "75001",
                "country": "",
                "income_band": "High",
                "urbanity": "Urban",
                "population": "16000",
            },
            {"postcode": "99999", "country": "Atlantis"},
        ],
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from dbt.cli.main import dbtRunner

    tmp = tmp_path_factory.mktemp("dbt_staging")
    lake = tmp / "lake"
    write_raw_zone(
        lake,
        _raw_zone(),
        manifest_rows=[
            {
                "load_id": L2,
                "source_system": "crm",
                "entity": "contacts",
                "source_file": CRM_FILE,
                "rows_landed": 7,
                "rows_written": 0,
                "status": "skipped_duplicate",
                "file_sha256": "sha-crm-contacts.csv",
            },
        ],
        rejects=[
            {
                "source_system": "crm",
                "entity": "contacts",
                "source_file": CRM_FILE,
                "record_number": 8,
                "reason": "expected 19 fields, found 3",
                "raw_record": "C8;Zoe;oops",
            },
        ],
        unmanifested_files={"landing/web/crashed.csv"},
    )
    db = tmp / "warehouse" / "segmart_test.duckdb"
    db.parent.mkdir()
    mp = pytest.MonkeyPatch()
    mp.setenv("SEGMART_LAKE_DIR", str(lake.resolve()))
    mp.setenv("SEGMART_DB_PATH", str(db.resolve()))
    mp.setenv("SEGMART_DUCKDB_MEMORY", "2GB")
    try:
        result = dbtRunner().invoke(
            [
                "build",
                "--project-dir",
                str(PROJECT),
                "--profiles-dir",
                str(ROOT),
                "--target-path",
                str(tmp / "target"),
                "--log-path",
                str(tmp / "logs"),
                "--no-partial-parse",
                "--quiet",
            ]
        )
    finally:
        mp.undo()
    assert result.exception is None, result.exception
    failures = [
        f"{r.node.unique_id}: {r.status} {r.message}"
        for r in (result.result or [])
        if str(r.status) not in ("success", "pass", "warn")
    ]
    assert result.success, failures
    return db


@pytest.fixture(scope="module")
def db(built: Path):
    con = duckdb.connect(str(built), read_only=True)
    yield con
    con.close()


def _rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_staged_counts(db):
    counts = {
        m: _rows(db, f"select count(*) from {m}")[0][0]
        for m in [
            "stg_crm__contacts",
            "stg_web__events",
            "stg_shop__order_lines",
            "stg_social__interactions",
            "stg_marketing__campaigns",
            "stg_marketing__campaign_events",
            "stg_partner__postcode_enrichments",
        ]
    }
    assert counts == {
        "stg_crm__contacts": 3,  # C1, C6, E1
        "stg_web__events": 3,  # ev1, ev2, ev6 (crashed file ignored)
        "stg_shop__order_lines": 3,  # o1 x2, o4
        "stg_social__interactions": 1,
        "stg_marketing__campaigns": 1,
        "stg_marketing__campaign_events": 1,
        "stg_partner__postcode_enrichments": 1,
    }
    assert _rows(db, "select count(*) from base_web__events where event_id = 'ghost'") == [(0,)]


def test_quarantine_reasons(db):
    got = set(_rows(db, "select entity, record_number, quarantine_stage, reason from quarantined_rows"))
    assert got == {
        ("contacts", 2, "staging", "email without @"),
        ("contacts", 3, "staging", "unknown country code: Atlantis"),
        ("contacts", 4, "staging", "missing required column value: source_record_id"),
        ("contacts", 8, "ingestion", "expected 19 fields, found 3"),
        ("web_events", 3, "staging", "unparseable timestamp: event_at"),
        ("web_events", 4, "staging", "missing required column value: event_at"),
        ("web_events", 5, "staging", "negative duration_seconds"),
        ("orders", 3, "staging", "negative amount"),
        ("orders", 4, "staging", "unknown currency code: XYZ"),
        ("social_interactions", 2, "staging", "missing required column value: handle"),
        ("campaign_events", 2, "staging", "negative amount"),
        ("partner_enrichment", 2, "staging", "unknown country code: Atlantis"),
    }
    raw = _rows(
        db, "select raw_record from quarantined_rows where entity = 'contacts' and record_number = 2"
    )[0][0]
    assert '"email":"bob.example.com"' in raw.replace(" ", "")


def test_contacts_normalised(db):
    rows = {
        r[0]: r[1:]
        for r in _rows(
            db,
            """select source_record_id, email, phone, is_phone_valid, country, birth_date, is_birth_date_valid,
                      gender, marketing_consent, social_handle, created_at_utc, first_name
               from stg_crm__contacts""",
        )
    }
    assert rows["C1"] == (
        "anne@example.com",
        "+33612345678",
        True,
        "FR",
        date(1985, 3, 1),
        True,
        "f",
        True,
        "anne_f",
        datetime(2024, 3, 1, 9, 0),
        "Anne",
    )
    assert rows["C6"][1:6] == ("+442079460958", True, "GB", None, False)
    # MDY source in New York: 03/01/2024 10:00 PM EST is 2024-03-02 03:00 UTC
    assert rows["E1"][1:9] == ("+12125550123", True, "US", date(1990, 12, 31), True, "m", False, None)
    assert rows["E1"][9] == datetime(2024, 3, 2, 3, 0)


def test_events_in_utc_and_deduplicated(db):
    rows = _rows(
        db,
        "select event_id, event_type, event_at_utc, device, duration_seconds, load_id, record_number "
        "from stg_web__events order by event_id",
    )
    assert rows == [
        ("ev1", "page_view", datetime(2024, 3, 1, 10, 0), "mobile", 12.5, "20240115T080000Z", 1),
        ("ev2", "page_view", datetime(2024, 7, 1, 8, 0), None, None, "20240115T080000Z", 2),
        ("ev6", "page_view", datetime(2024, 1, 15, 7, 30), None, None, L2, 2),
    ]
    dups = _rows(
        db,
        "select entity, load_id, source_file, record_number, duplicate_of_load_id, duplicate_of_record_number "
        "from exact_duplicate_rows order by entity, load_id, record_number",
    )
    assert dups == [
        ("contacts", "20240115T080000Z", CRM_FILE, 5, "20240115T080000Z", 1),
        ("web_events", "20240115T080000Z", WEB_FILE, 6, "20240115T080000Z", 1),
        ("web_events", L2, "landing/web/events_2.csv", 1, "20240115T080000Z", 1),
    ]


def test_other_entities(db):
    assert _rows(
        db,
        "select order_id, line_number, is_line_number_derived, amount, currency, email, customer_system "
        "from stg_shop__order_lines order by order_id, line_number",
    ) == [
        ("o1", "1", True, Decimal("12.50"), "EUR", None, "eshop"),
        ("o1", "2", True, Decimal("7.50"), "EUR", None, None),
        ("o4", "1", False, Decimal("1234.56"), "USD", None, None),
    ]
    assert _rows(
        db, "select platform, handle, interaction_type, interacted_at_utc from stg_social__interactions"
    ) == [
        ("instagram", "anne_f", "like", datetime(2024, 3, 1, 9, 0)),
    ]
    assert _rows(db, "select channel, started_at_utc, ended_at_utc from stg_marketing__campaigns") == [
        ("email", datetime(2024, 2, 29, 23, 0), datetime(2024, 3, 30, 23, 0)),
    ]
    ((event_id, derived, event_type, variant),) = _rows(
        db, "select event_id, is_event_id_derived, event_type, variant from stg_marketing__campaign_events"
    )
    assert (
        re.fullmatch(r"[0-9a-f]{32}", event_id)
        and derived
        and event_type == "open"
        and variant == "treatment"
    )
    assert _rows(
        db,
        "select country, postcode, income_band, urbanity, population from stg_partner__postcode_enrichments",
    ) == [
        ("FR", "75001", "high", "urban", 16000.0),
    ]


def test_reconciliation(db):
    rows = _rows(
        db,
        "select source_system, source_file, load_id, status, rows_landed, rows_staged, rows_quarantined, "
        "rows_exact_duplicates, is_reconciled from source_reconciliation",
    )
    assert all(r[-1] for r in rows), rows
    by_key = {(r[0], r[1], r[2]): r[3:] for r in rows}
    assert by_key[("crm", CRM_FILE, "20240115T080000Z")] == ("loaded", 7, 2, 4, 1, True)
    assert by_key[("crm", CRM_FILE, L2)] == ("skipped_duplicate", 7, 0, 0, 0, True)
    assert by_key[("web", WEB_FILE, "20240115T080000Z")] == ("loaded", 6, 2, 3, 1, True)
    assert by_key[("web", "landing/web/events_2.csv", L2)] == ("loaded", 2, 1, 0, 1, True)
    assert not any("crashed" in r[1] for r in rows)


def test_dbt_entity_columns_match_contract():
    """macros/raw_entity_columns.sql restates the contract's columns; keep them in step."""
    text = (PROJECT / "macros" / "raw_entity_columns.sql").read_text(encoding="utf-8")
    for name, entity in load_contracts().items():
        match = re.search(rf"'{name}': \[(.*?)\]", text, re.S)
        assert match, f"{name} missing from raw_entity_columns"
        assert re.findall(r"'(\w+)'", match.group(1)) == list(entity.column_names), name
