"""The demo-data generator: determinism, volumes, ground truth, injected errors, persona signal,
API pages and the sources mapping - all asserted on the files it writes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
import yaml

from python_models.generate import GenerateReport, generate_lake
from python_models.generate.lake import SOCIAL_PAGE_RECORDS, _generate
from python_models.generate.personas import PERSONAS
from python_models.generate.quality import ERROR_RATES

PEOPLE = 2_000
SEED = 42


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def lake(tmp_path_factory) -> tuple[Path, GenerateReport]:
    out = tmp_path_factory.mktemp("lake")
    seen: list[tuple[str, int, int]] = []
    report = generate_lake(out, people=PEOPLE, seed=SEED, progress=lambda s, d, t: seen.append((s, d, t)))
    assert ("chunks", 1, 1) in seen and seen[-1][0] == "ground_truth"
    return out, report


def _read(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    """Rows of a landing CSV, skipping the records arrow's parser rejects (the injected broken ones)."""
    text = path.read_bytes()
    header = next(csv.reader(io.StringIO(text.decode("utf-8-sig").splitlines()[0]), delimiter=delimiter))
    table = pacsv.read_csv(
        io.BytesIO(text),
        pacsv.ReadOptions(skip_rows=1, column_names=header, use_threads=False),
        pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, invalid_row_handler=lambda row: "skip"),
        pacsv.ConvertOptions(column_types={h: pa.string() for h in header}, strings_can_be_null=True),
    )
    return table.to_pylist()


def _truth(root: Path, name: str) -> list[dict[str, str]]:
    with (root / "ground_truth" / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# --- determinism --------------------------------------------------------------------------------


def test_same_seed_same_bytes_and_other_seed_differs(lake, tmp_path):
    out, _ = lake
    again = tmp_path / "again"
    generate_lake(again, people=PEOPLE, seed=SEED)
    first, second = _digest(out), _digest(again)
    assert first == second
    other = tmp_path / "other"
    generate_lake(other, people=PEOPLE, seed=SEED + 1)
    third = _digest(other)
    assert set(third) == set(first)
    changed = [k for k in first if first[k] != third[k]]
    assert "landing/web/web_events_part-00001.csv" in changed
    assert "ground_truth/people.csv" in changed
    assert "landing/partner/postcode_enrichment.csv" not in changed  # reference data, not random


def test_chunks_and_workers_do_not_change_the_output(tmp_path):
    """Small chunks force several part files; one or two processes must write the same bytes."""
    a, b = tmp_path / "one", tmp_path / "two"
    ra = _generate(a, 1_500, 7, date(2025, 1, 1), 6, None, 1, 600)
    rb = _generate(b, 1_500, 7, date(2025, 1, 1), 6, None, 2, 600)
    assert _digest(a) == _digest(b)
    assert ra.files["web"] == 3 and ra.files["crm"] == 3
    assert ra.rows == rb.rows
    # social pages run on across chunk boundaries: full pages, numbered 1..N, one last page
    pages = sorted((a / "landing" / "social").glob("*.json"))
    counts = [len(json.loads(p.read_text())["data"]) for p in pages]
    assert sum(counts) == ra.rows["social"]
    assert all(c == SOCIAL_PAGE_RECORDS for c in counts[:-1]) and 0 < counts[-1] <= SOCIAL_PAGE_RECORDS


def test_rerun_into_same_folder_replaces_old_parts(tmp_path):
    _generate(tmp_path, 900, 1, date(2025, 1, 1), 3, None, 1, 300)
    assert len(list((tmp_path / "landing" / "web").glob("*.csv"))) == 3
    report = generate_lake(tmp_path, people=200, seed=1, months=3)
    assert len(list((tmp_path / "landing" / "web").glob("*.csv"))) == 1
    assert report.files["web"] == 1
    assert not (tmp_path / ".generate_tmp").exists()


# --- volumes ------------------------------------------------------------------------------------


def test_volumes_in_expected_ranges(lake):
    out, report = lake
    per_10k = {k: v * 10_000 / PEOPLE for k, v in report.rows.items()}
    contacts = per_10k["crm"] + per_10k["eshop"] + per_10k["events"]
    assert 15_000 <= contacts <= 21_000
    # personas are active enough to be recognisable in 18 months (ground_truth/README.md)
    assert 440_000 <= per_10k["web"] <= 640_000
    assert 60_000 <= per_10k["orders"] <= 90_000
    assert 85_000 <= per_10k["social"] <= 130_000
    assert 140_000 <= per_10k["campaign_events"] <= 250_000
    assert 20 <= report.rows["campaigns"] <= 32
    # the report counts what is in the files
    for source, pattern in (("web", "web/*.csv"), ("orders", "orders/*.csv"), ("crm", "crm/*.csv")):
        lines = sum(p.read_bytes().count(b"\n") - 1 for p in (out / "landing").glob(pattern))
        assert lines == report.rows[source]


# --- ground truth -------------------------------------------------------------------------------


def test_every_contact_record_belongs_to_a_person(lake):
    out, report = lake
    people = {r["person_id"]: r for r in _truth(out, "people.csv")}
    assert len(people) == PEOPLE
    records = _truth(out, "contact_records.csv")
    owner = {(r["source_system"], r["source_record_id"]): r["person_id"] for r in records}
    assert len(owner) == len(records)  # record ids are unique per system
    assert set(owner.values()) <= set(people)
    assert set(owner.values()) == set(people)  # everybody has at least one contact record
    landing = {
        "crm": ("crm/crm_contacts_part-00001.csv", ";", "ContactID"),
        "eshop": ("eshop/eshop_accounts_part-00001.csv", ",", "account_id"),
        "events": ("events/event_signups_part-00001.csv", ",", "Registration ID"),
    }
    for system, (path, delim, key) in landing.items():
        ids = [r[key] for r in _read(out / "landing" / path, delim)]
        assert ids and all((system, i) in owner for i in ids)
        assert len({i for i in ids}) == report.truth["contact_records"][system] - _broken(out, system)
    dupes = Counter(p for (_, _), p in owner.items())
    assert max(dupes.values()) >= 3  # the same person in several systems / twice in one


def _broken(root: Path, source: str) -> int:
    return sum(1 for e in _truth(root, "injected_errors.csv") if e["source"] == source and e["kind"] == "broken_quoting")


def test_ground_truth_tables_are_consistent(lake):
    out, report = lake
    people = {r["person_id"]: r for r in _truth(out, "people.csv")}
    summary = _truth(out, "future_summary.csv")
    assert [r["person_id"] for r in summary] == list(people)
    future = _truth(out, "future_purchases.csv")
    buyers = {r["person_id"] for r in future}
    assert buyers == {r["person_id"] for r in summary if r["purchased_90d"] == "1"}
    assert report.truth["future_buyers_90d"] == len(buyers)
    assert all(report.end.isoformat() <= r["order_date"][:10] for r in future)
    uplift = _truth(out, "campaign_uplift.csv")
    assert len(uplift) == report.rows["campaigns"] * len(PERSONAS)
    web_ids = {r["anonymous_id"]: r["person_id"] for r in _truth(out, "web_identities.csv")}
    assert set(web_ids.values()) <= set(people)
    seen = {r["anonymous_id"] for r in _read(out / "landing/web/web_events_part-00001.csv")}
    assert set(web_ids) <= seen and len(seen - set(web_ids)) > 0  # plus bots
    social = _truth(out, "social_identities.csv")
    assert {r["person_id"] for r in social} <= set(people)
    ig = {r["handle"] for r in social if r["platform"] == "instagram"}
    assert ig == {p["instagram"] for p in people.values() if p["instagram"]}
    readme = (out / "ground_truth" / "README.md").read_text()
    for word in ("MNAR", "MAR", "email.missing.crm", "birth_date.missing.crm", "broken_quoting", "held out"):
        assert word in readme


def test_phones_emails_and_postcodes_are_realistic(lake):
    phonenumbers = pytest.importorskip("phonenumbers")
    out, _ = lake
    people = _truth(out, "people.csv")
    assert len({p["email"] for p in people}) == len(people)
    assert len({p["phone"] for p in people}) == len(people)
    for p in people[:400]:
        assert phonenumbers.is_valid_number(phonenumbers.parse(p["phone"], None)), p["phone"]
    countries = Counter(p["country"] for p in people)
    assert 0.80 <= countries["FR"] / len(people) <= 0.90 and len(countries) >= 6
    partner = _read(out / "landing/partner/postcode_enrichment.csv")
    codes = {(r["country"], r["postcode"]) for r in partner}
    assert {(p["country"], p["postcode"]) for p in people} <= codes
    assert ("FR", "01000") in codes  # leading zeros kept
    crm = _read(out / "landing/crm/crm_contacts_part-00001.csv", ";")
    phones = [r["Phone"] for r in crm if r["Phone"]]
    assert any(ph.startswith("+33 6") or ph.startswith("+33 7") for ph in phones)
    assert any("." in ph for ph in phones) and any(ph.startswith("0033") for ph in phones)
    assert {r["Country"] for r in crm} >= {"FR", "France", "FRA"}
    assert any("r. " in (r["Street"] or "") for r in crm)
    births = [r["BirthDate"] for r in crm if r["BirthDate"]]
    assert any(b[2] == "/" for b in births) and any(b[4] == "-" for b in births) and any(b[2] == "." for b in births)
    names = _read(out / "landing/events/event_signups_part-00001.csv")
    assert any(", " in (r["Full Name"] or "") for r in names)


# --- injected errors ----------------------------------------------------------------------------


def _rejected_records(path: Path, delimiter: str) -> list[int]:
    """Record numbers (1-based, header excluded) that arrow's CSV parser rejects, as the ingestion reads."""
    rejected: list[int] = []
    header = path.read_bytes().decode("utf-8-sig").splitlines()[0]
    cols = next(csv.reader([header], delimiter=delimiter))
    pacsv.read_csv(
        path,
        pacsv.ReadOptions(skip_rows=1, column_names=cols, use_threads=False),
        pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                           invalid_row_handler=lambda row: rejected.append(row.number - 1) or "skip"),
        pacsv.ConvertOptions(column_types={c: pa.string() for c in cols}),
    )
    return rejected


def test_injected_errors_are_in_the_files(lake):
    out, report = lake
    errors = _truth(out, "injected_errors.csv")
    kinds = defaultdict(set)
    for e in errors:
        kinds[e["source"]].add(e["kind"])
    for source, expected in ERROR_RATES.items():
        assert kinds[source] == set(expected), source  # every kind at least once per file
    folders = {"crm": "crm", "eshop": "eshop", "events": "events", "web": "web", "orders": "orders", "campaign_events": "campaigns"}
    by_file = defaultdict(list)
    for e in errors:
        by_file[(e["source"], e["file"])].append(e)
    for (source, name), errs in by_file.items():
        path = out / "landing" / folders[source] / name
        delimiter = ";" if source == "crm" else ","
        lines = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n").split("\n")[1:]
        # arrow's parser (the ingestion's) rejects exactly the broken-quoting records
        rejected = _rejected_records(path, delimiter)
        assert sorted(rejected) == sorted(int(e["record_number"]) for e in errs if e["kind"] == "broken_quoting")
        for e in errs:
            line = lines[int(e["record_number"]) - 1]
            key = e["record_key"].split(":")[0]
            assert key in line, (e, line)
            if e["kind"] == "duplicate_row":
                assert lines.count(line) >= 2
            elif e["kind"] in ("email_without_at", "unknown_country", "unparseable_timestamp", "negative_amount", "wrong_type_amount"):
                assert e["detail"] in line
    assert sum(report.truth["injected_errors"].values()) == len(errors)
    # tiny rates: a fraction of a percent of each source
    for source in ("web", "orders", "campaign_events"):
        n = sum(1 for e in errors if e["source"] == source)
        assert 0 < n / report.rows[source] < 0.005


# --- persona signal -----------------------------------------------------------------------------


def test_personas_behave_differently(lake):
    out, _ = lake
    people = {r["person_id"]: r for r in _truth(out, "people.csv")}
    persona_of = {pid: p["persona"] for pid, p in people.items()}
    owner = {(r["source_system"], r["source_record_id"]): r["person_id"] for r in _truth(out, "contact_records.csv")}
    email_owner = {p["email"].lower(): pid for pid, p in people.items()}
    orders = _read(out / "landing/orders/orders_part-00001.csv")
    per_person: Counter = Counter()
    for r in orders:
        if r["line_no"] != "1":
            continue
        pid = owner.get(("eshop", r["account_id"])) if r["account_id"] else email_owner.get((r["guest_email"] or "").lower())
        if pid:
            per_person[pid] += 1
    by_persona = defaultdict(list)
    for pid, persona in persona_of.items():
        by_persona[persona].append(per_person[pid])
    mean = {k: float(np.mean(v)) for k, v in by_persona.items()}
    assert mean["loyal_high_value"] > 1.5 * mean["social_enthusiast"]
    assert mean["loyal_high_value"] > 6 * mean["occasional_browser"]
    assert mean["bargain_hunter"] > 3 * mean["occasional_browser"]
    # lapsed people stop buying: almost nothing in the last third of the period
    cutoff = "2025-12-01"
    late = Counter()
    for r in orders:
        pid = owner.get(("eshop", r["account_id"])) if r["account_id"] else None
        if pid and r["line_no"] == "1" and r["order_date"] >= cutoff:
            late[persona_of[pid]] += 1
    assert late["lapsed"] < 0.1 * late["loyal_high_value"]
    # social enthusiasts dominate Instagram/TikTok interactions and browse on mobile
    handle_owner = {(r["platform"], r["handle"]): r["person_id"] for r in _truth(out, "social_identities.csv")}
    inter = Counter()
    for page in sorted((out / "landing/social").glob("*.json")):
        for rec in json.loads(page.read_text())["data"]:
            pid = handle_owner.get((rec["platform"], rec["user"]["handle"].lstrip("@").lower()))
            if pid and rec["platform"] in ("instagram", "tiktok"):
                inter[persona_of[pid]] += 1
    size = Counter(persona_of.values())
    rate = {k: inter[k] / size[k] for k in size}
    assert rate["social_enthusiast"] > 3 * max(v for k, v in rate.items() if k != "social_enthusiast")
    web_owner = {r["anonymous_id"]: r["person_id"] for r in _truth(out, "web_identities.csv")}
    devices = defaultdict(Counter)
    for r in _read(out / "landing/web/web_events_part-00001.csv"):
        pid = web_owner.get(r["anonymous_id"])
        if pid and r["event_type"] == "session_start":
            devices[persona_of[pid]][r["device"]] += 1
    mobile = {k: c["mobile"] / sum(c.values()) for k, c in devices.items()}
    assert mobile["social_enthusiast"] > 0.7 > mobile["loyal_high_value"]
    ages = defaultdict(list)
    for p in people.values():
        ages[p["persona"]].append(2025 - int(p["birth_date"][:4]))
    assert np.mean(ages["social_enthusiast"]) < 30 < np.mean(ages["loyal_high_value"])


def test_campaign_ab_design(lake):
    out, _ = lake
    rows = _read(out / "landing/campaigns/campaign_events_part-00001.csv")
    by_variant = defaultdict(Counter)
    for r in rows:
        by_variant[r["variant"]][r["event_type"]] += 1
    assert set(by_variant) == {"treatment", "control"}
    sends = by_variant["treatment"]["send"], by_variant["control"]["send"]
    assert abs(sends[0] - sends[1]) / sum(sends) < 0.05  # 50/50
    for kind in ("open", "click", "bounce", "unsubscribe"):
        assert by_variant["control"][kind] == 0 and by_variant["treatment"][kind] > 0
    assert by_variant["treatment"]["conversion"] > by_variant["control"]["conversion"] > 0
    campaigns = {r["campaign_id"]: r for r in _read(out / "landing/campaigns/campaigns.csv")}
    assert {r["campaign_id"] for r in rows} <= set(campaigns)
    assert {c["channel"] for c in campaigns.values()} == {"email", "sms", "social_ads"}
    conversions = [r for r in rows if r["event_type"] == "conversion"]
    assert all(float(r["revenue"]) > 0 for r in conversions)
    utm = {r["utm_campaign"] for r in _read(out / "landing/web/web_events_part-00001.csv") if r["utm_campaign"]}
    assert utm and utm <= set(campaigns)
    web = _read(out / "landing/web/web_events_part-00001.csv")
    purchase_orders = {r["order_id"] for r in web if r["event_type"] == "purchase"}
    order_ids = {r["order_id"] for r in _read(out / "landing/orders/orders_part-00001.csv")}
    # an order whose only line was broken on purpose (e.g. its quoting) cannot be read back
    order_ids |= {e["record_key"].split(":")[0] for e in _truth(out, "injected_errors.csv") if e["source"] == "orders"}
    assert purchase_orders and purchase_orders <= order_ids


def test_web_sessions_log_in_midway(lake):
    out, _ = lake
    injected = {e["record_key"] for e in _truth(out, "injected_errors.csv") if e["source"] == "web"}
    sessions = defaultdict(list)
    for r in _read(out / "landing/web/web_events_part-00001.csv"):
        if r["event_id"] not in injected:  # duplicated lines land later in the file
            sessions[r["session_id"]].append(r)
    midway = 0
    for events in sessions.values():
        users = [e["user_id"] for e in events]
        assert len({u for u in users if u}) <= 1
        assert len({e["anonymous_id"] for e in events}) == 1
        first = next((i for i, u in enumerate(users) if u), None)
        if first is not None:
            assert all(users[first:])  # once logged in, stays logged in
            midway += first > 0
    assert midway > 0
    durations = [r["duration_s"] for evs in sessions.values() for r in evs if r["event_type"] == "page_view"]
    assert all(d and int(d) >= 1 for d in durations)


# --- API pages and the sources mapping ----------------------------------------------------------


def test_social_pages_are_valid_api_exports(lake):
    out, report = lake
    pages = sorted((out / "landing/social").glob("social_interactions_page-*.json"))
    assert len(pages) == -(-report.rows["social"] // SOCIAL_PAGE_RECORDS)
    total, emails, unknown_handles = 0, 0, 0
    handles = {(r["platform"], r["handle"]) for r in _truth(out, "social_identities.csv")}
    for i, page in enumerate(pages, start=1):
        doc = json.loads(page.read_text(encoding="utf-8"))
        assert doc["paging"]["page"] == i
        if i < len(pages):
            assert doc["paging"]["next"] == f"https://api.example.com/v1/interactions?page={i + 1}"
        else:
            assert doc["paging"]["next"] is None
        for rec in doc["data"]:
            assert set(rec) == {"id", "platform", "user", "type", "created_time", "post_id"}
            assert rec["created_time"].endswith("+0000")
            emails += rec["user"]["email"] is not None
            unknown_handles += (rec["platform"], rec["user"]["handle"].lstrip("@").lower()) not in handles
        total += len(doc["data"])
    assert total == report.rows["social"]
    assert 0 < emails < 0.1 * total
    assert 0.02 * total < unknown_handles < 0.2 * total


def test_sources_yml_maps_existing_columns(lake):
    out, _ = lake
    doc = yaml.safe_load((out / "sources.yml").read_text())
    assert doc["version"] == 1 and doc["defaults"]["timezone"] == "UTC"
    names = [s["name"] for s in doc["sources"]]
    assert names == ["crm", "eshop", "events", "web", "orders", "social", "campaigns", "campaign_events", "partner"]
    for spec in doc["sources"]:
        folder = out / spec.get("path", f"landing/{spec['name']}")
        files = sorted(folder.glob(spec["pattern"]))
        assert files, spec["name"]
        if spec["format"] == "json":
            rec = json.loads(files[0].read_text())[spec["records_path"]][0]
            for path in spec["columns"].values():
                value = rec
                for part in path.split("."):
                    assert part in value, (spec["name"], path)
                    value = value[part]
        else:
            head = files[0].read_bytes().decode(spec.get("encoding", "utf-8").replace("utf-8", "utf-8-sig")).splitlines()[0]
            header = next(csv.reader([head], delimiter=spec.get("delimiter", ",")))
            assert set(spec["columns"].values()) <= set(header), spec["name"]
    by_name = {s["name"]: s for s in doc["sources"]}
    assert by_name["orders"]["constants"] == {"customer_system": "eshop"}
    assert by_name["campaign_events"]["constants"] == {"customer_system": "crm"}
    assert by_name["events"]["columns"]["full_name"] == "Full Name"


def test_sources_yml_is_accepted_by_the_ingestion(lake):
    source_config = pytest.importorskip("python_models.lake.source_config")
    out, _ = lake
    config = source_config.load_sources(out / "sources.yml")
    assert {s.name for s in config.sources} >= {"crm", "eshop", "events", "web", "orders", "social"}
    for spec in config.sources:
        assert spec.files(), spec.name
