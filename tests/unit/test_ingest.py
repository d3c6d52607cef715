"""Landing → raw zone: every record is written or rejected with its reason, files are tracked by content."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import duckdb
import pytest

from python_models.lake import IngestBusy, SourceConfigError, ingest, load_sources
from python_models.lake.ingest import lake_lock

CONTACTS_YML = """
defaults: {{default_country: FR}}
sources:
  - name: crm
    entity: contacts
    pattern: "*.csv"
    delimiter: "{delimiter}"
    encoding: {encoding}
    columns: {{source_record_id: id, full_name: name, email: mail, birth_date: born}}
"""


def make_lake(tmp_path: Path, files: dict[str, bytes | str], delimiter=",", encoding="utf-8") -> Path:
    lake = tmp_path / "lake"
    folder = lake / "landing" / "crm"
    folder.mkdir(parents=True)
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    (lake / "sources.yml").write_text(CONTACTS_YML.format(delimiter=delimiter, encoding=encoding))
    return lake


def parquet_rows(lake: Path, folder: str, order_by: str | None = None) -> list[dict]:
    order = f" order by {order_by}" if order_by else ""
    rel = duckdb.sql(
        f"select * from read_parquet('{lake}/raw/{folder}/*/*.parquet', hive_partitioning=true, "
        f"union_by_name=true){order}"
    )
    return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]


def raw_rows(lake: Path, entity: str = "contacts") -> list[dict]:
    return parquet_rows(lake, entity, order_by="_source_file, _record_number")


GOOD = "id,name,mail,born\n1,Ann Lee,ann@x.org,01/02/1980\n2,Bob Ray,,\n"


def test_good_file_lands_with_canonical_names_and_lineage(tmp_path):
    lake = make_lake(tmp_path, {"a.csv": GOOD})
    report = ingest(lake)
    assert [f.status for f in report.files] == ["loaded"]
    rows = raw_rows(lake)
    assert [(r["source_record_id"], r["full_name"], r["email"], r["birth_date"]) for r in rows] == [
        ("1", "Ann Lee", "ann@x.org", "01/02/1980"),
        ("2", "Bob Ray", None, None),
    ]
    assert {r["_source_system"] for r in rows} == {"crm"}
    assert [r["_record_number"] for r in rows] == [1, 2]
    assert rows[0]["_default_country"] == "FR" and rows[0]["_date_order"] == "DMY"
    assert rows[0]["load_id"] == report.load_id


def test_broken_quoting_is_rejected_with_its_text_and_counts_reconcile(tmp_path):
    text = 'id,name,mail,born\n1,Ann,a@x.org,\n2,"Bob ""B,b@x.org,\n3,Cy,c@x.org,\n4,Di,d@x.org,,extra\n5,Ed,e@x.org,\n'
    lake = make_lake(tmp_path, {"a.csv": text})
    (outcome,) = ingest(lake).files
    written = raw_rows(lake)
    rejects = parquet_rows(lake, "_rejects")
    assert outcome.rows_landed == outcome.rows_written + outcome.rows_rejected
    assert outcome.rows_written == len(written) and outcome.rows_rejected == len(rejects)
    assert {r["source_record_id"] for r in written} >= {"1", "5"}
    # every byte of the bad records is kept, with a reason
    kept_text = "".join(r["raw_record"] for r in rejects)
    assert '"Bob ""B' in kept_text and "extra" in kept_text
    assert all("malformed CSV record" in r["reason"] for r in rejects)
    # record numbers: written rows keep their position in the file, skipping the rejected ones
    numbers = sorted([r["_record_number"] for r in written] + [r["record_number"] for r in rejects])
    assert numbers == list(range(1, len(numbers) + 1))


def test_multiline_quoted_values_and_unmapped_columns_are_kept(tmp_path):
    text = 'id,name,mail,born,loyalty tier\n1,"Ann\nLee",a@x.org,,gold\n'
    lake = make_lake(tmp_path, {"a.csv": text})
    (outcome,) = ingest(lake).files
    (row,) = raw_rows(lake)
    assert row["full_name"] == "Ann\nLee"
    assert json.loads(row["_extra"]) == {"loyalty tier": "gold"}
    assert outcome.rows_rejected == 0


def test_redelivered_file_under_new_name_is_skipped_and_nothing_is_recorded_twice(tmp_path):
    lake = make_lake(tmp_path, {"a.csv": GOOD})
    ingest(lake)
    (lake / "landing" / "crm" / "a_copy_monday.csv").write_text(GOOD)
    second = ingest(lake)
    assert [(f.file.split("/")[-1], f.status) for f in second.files] == [("a_copy_monday.csv", "skipped_duplicate")]
    assert "already loaded from landing/crm/a.csv" in second.files[0].message
    third = ingest(lake)
    assert third.files == []  # files still sitting in landing are not new deliveries
    assert len(raw_rows(lake)) == 2
    manifest = parquet_rows(lake, "_manifest")
    assert sorted(r["status"] for r in manifest) == ["loaded", "skipped_duplicate"]


def test_schema_change_is_detected_and_reported(tmp_path):
    lake = make_lake(tmp_path, {"a.csv": GOOD})
    ingest(lake)
    (lake / "landing" / "crm" / "b.csv").write_text("id,name,mail,born,vip\n9,Zoe,z@x.org,,yes\n")
    (outcome,) = ingest(lake).files
    assert outcome.status == "loaded"
    assert "columns added since the last file: ['vip']" in outcome.schema_change


def test_missing_optional_column_loads_empty_and_is_reported(tmp_path):
    lake = make_lake(tmp_path, {"a.csv": "id,name\n1,Ann\n"})
    (outcome,) = ingest(lake).files
    assert outcome.status == "loaded"
    assert "mapped optional columns absent" in outcome.schema_change and "'mail'" in outcome.schema_change
    assert raw_rows(lake)[0]["email"] is None


@pytest.mark.parametrize(
    ("content", "delimiter", "encoding", "expected"),
    [
        (b"", ",", "utf-8", "empty file"),
        (b"name,mail\nAnn,a@x.org\n", ",", "utf-8", "required column(s) missing from the file: 'id'"),
        (b"id;name;mail;born\n1;Ann;a@x.org;\n", ",", "utf-8", "looks ';'-delimited"),
        ("id,name,mail,born\n1,Hélène,h@x.org,\n".encode("latin-1"), ",", "utf-8", "set 'encoding:'"),
        (b"id,id,mail,born\n1,2,a@x.org,\n", ",", "utf-8", "repeats column names"),
        # a record in place of the header, with two empty fields: a missing header, not repeated names
        (b"7,,ann@x.org,\n8,Bo,bo@x.org,\n", ",", "utf-8", "seems to have no header line"),
    ],
    ids=["empty", "required-missing", "wrong-delimiter", "not-utf8", "duplicate-header", "record-as-header"],
)
def test_unreadable_files_are_rejected_with_a_clear_reason(tmp_path, content, delimiter, encoding, expected):
    lake = make_lake(tmp_path, {"a.csv": content}, delimiter=delimiter, encoding=encoding)
    (outcome,) = ingest(lake).files
    assert outcome.status == "rejected"
    assert expected in outcome.message
    assert "ann@" not in outcome.message  # a person's data never reaches the manifest or logs
    assert raw_rows(lake) == []
    (manifest_row,) = parquet_rows(lake, "_manifest")
    assert manifest_row["status"] == "rejected" and expected in manifest_row["message"]


def test_rejected_file_is_retried_once_its_settings_are_fixed(tmp_path):
    latin = "id,name,mail,born\n1,Hélène,h@x.org,\n".encode("latin-1")
    lake = make_lake(tmp_path, {"a.csv": latin})
    assert ingest(lake).files[0].status == "rejected"
    assert ingest(lake).files == []  # same settings: not retried on every run
    (lake / "sources.yml").write_text(CONTACTS_YML.format(delimiter=",", encoding="latin-1"))
    (outcome,) = ingest(lake).files
    assert outcome.status == "loaded"
    assert raw_rows(lake)[0]["full_name"] == "Hélène"


def test_header_only_and_utf8_bom(tmp_path):
    lake = make_lake(tmp_path, {"a.csv": "id,name,mail,born\n", "b.csv": "\ufeffid,name,mail,born\n7,Ann,a@x.org,\n"})
    outcomes = {f.file.split("/")[-1]: f for f in ingest(lake).files}
    assert outcomes["a.csv"].status == "loaded" and outcomes["a.csv"].rows_landed == 0
    assert outcomes["a.csv"].message == "no records (header only)"
    assert outcomes["b.csv"].rows_written == 1
    assert raw_rows(lake)[0]["source_record_id"] == "7"


def test_json_rest_pages_with_nested_fields_and_non_object_records(tmp_path):
    lake = tmp_path / "lake"
    (lake / "landing" / "social").mkdir(parents=True)
    page = {
        "data": [
            {"id": "i1", "platform": "instagram", "user": {"handle": "@ann", "email": None}, "type": "like",
             "created_time": "2025-01-01T10:00:00+0000", "reach": 10},
            "garbage",
        ],
        "paging": {"next": None},
    }
    (lake / "landing" / "social" / "page-1.json").write_text(json.dumps(page))
    (lake / "landing" / "social" / "page-2.json").write_text("{not json")
    (lake / "sources.yml").write_text(
        "sources:\n  - name: social\n    entity: social_interactions\n    format: json\n    records_path: data\n"
        "    columns: {interaction_id: id, platform: platform, handle: user.handle, email: user.email,\n"
        "              interaction_type: type, interacted_at: created_time}\n"
    )
    outcomes = {f.file.split("/")[-1]: f for f in ingest(lake).files}
    assert outcomes["page-1.json"].rows_written == 1 and outcomes["page-1.json"].rows_rejected == 1
    assert outcomes["page-2.json"].status == "rejected" and "not valid JSON" in outcomes["page-2.json"].message
    (row,) = raw_rows(lake, "social_interactions")
    assert (row["handle"], row["email"], row["interacted_at"]) == ("@ann", None, "2025-01-01T10:00:00+0000")
    assert json.loads(row["_extra"]) == {"reach": "10"}
    (reject,) = parquet_rows(lake, "_rejects")
    assert reject["reason"] == "record is not a JSON object" and reject["raw_record"] == '"garbage"'


def test_constants_and_per_source_options(tmp_path):
    lake = tmp_path / "lake"
    (lake / "in").mkdir(parents=True)
    (lake / "in" / "t.csv").write_text("basket,hh,when,value\nb1,h1,2017-01-01 10:00:00,3.5\n")
    (lake / "sources.yml").write_text(
        "defaults: {currency: USD, timezone: America/Chicago}\n"
        "sources:\n  - name: stores\n    entity: orders\n    path: in\n"
        "    columns: {order_id: basket, customer_ref: hh, ordered_at: when, amount: value}\n"
        "    constants: {customer_system: households, channel: store}\n"
        "    options: {date_order: MDY}\n"
    )
    ingest(lake)
    (row,) = raw_rows(lake, "orders")
    assert (row["customer_system"], row["channel"], row["currency"]) == ("households", "store", None)
    assert (row["_currency"], row["_timezone"], row["_date_order"]) == ("USD", "America/Chicago", "MDY")


def test_raw_zone_is_owner_only(tmp_path):
    lake = make_lake(tmp_path, {"a.csv": GOOD})
    ingest(lake)
    for path in (lake / "raw").rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path} is readable by others ({oct(mode)})"


def test_a_second_ingest_waits_for_none_and_says_why(tmp_path):
    lake = make_lake(tmp_path, {"a.csv": GOOD})
    with lake_lock(lake):
        with pytest.raises(IngestBusy, match="another ingest is running"):
            ingest(lake)


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("sources: []", "at least one source"),
        ("sources:\n  - {name: crm, entity: people, columns: {}}", "'entity' must be one of"),
        ("sources:\n  - {name: crm, entity: contacts, columns: {source_record_id: id, nickname: nick}}",
         "'nickname' is not a canonical column of contacts"),
        ("sources:\n  - {name: crm, entity: contacts, columns: {full_name: n}}",
         "required canonical columns not mapped: ['source_record_id']"),
        ("sources:\n  - {name: Crm, entity: contacts, columns: {source_record_id: id}}", "'name' must be lowercase"),
        ("sources:\n  - {name: crm, entity: contacts, columns: {source_record_id: id}, options: {date_order: YMD}}",
         "date_order must be DMY or MDY"),
        ("sources:\n  - {name: crm, entity: contacts, columns: {source_record_id: id}, fromat: csv}",
         "unknown keys ['fromat']"),
        ("sources:\n  - {name: a, entity: contacts, columns: {source_record_id: id}}\n"
         "  - {name: a, entity: contacts, columns: {source_record_id: id}}", "repeated: ['a']"),
    ],
)
def test_sources_file_errors_name_the_problem(tmp_path, yaml_text, message):
    path = tmp_path / "sources.yml"
    path.write_text(yaml_text)
    with pytest.raises(SourceConfigError) as err:
        load_sources(path)
    assert message in str(err.value)


def test_paths_expand_environment_and_resolve_against_the_sources_file(tmp_path, monkeypatch):
    monkeypatch.setenv("EXPORTS", str(tmp_path / "exports"))
    path = tmp_path / "conf" / "sources.yml"
    path.parent.mkdir()
    path.write_text(
        "sources:\n"
        "  - {name: a, entity: contacts, path: '${EXPORTS}/crm', columns: {source_record_id: id}}\n"
        "  - {name: b, entity: contacts, path: 'rel/dir', columns: {source_record_id: id}}\n"
        "  - {name: c, entity: contacts, path: '${NOT_SET_ANYWHERE:-fallback}/x', columns: {source_record_id: id}}\n"
    )
    config = load_sources(path)
    assert config.by_name("a").folder == tmp_path / "exports" / "crm"
    assert config.by_name("b").folder == tmp_path / "conf" / "rel" / "dir"
    assert config.by_name("c").folder == tmp_path / "conf" / "fallback" / "x"


def test_identical_files_delivered_together_are_loaded_once(tmp_path, monkeypatch):
    monkeypatch.setenv("SEGMART_INGEST_WORKERS", "2")
    lake = make_lake(tmp_path, {"a.csv": GOOD, "b.csv": GOOD, "c.csv": "id,name,mail,born\n3,Cy,,\n"})
    outcomes = {f.file.split("/")[-1]: f for f in ingest(lake).files}
    assert [outcomes[n].status for n in ("a.csv", "b.csv", "c.csv")] == ["loaded", "skipped_duplicate", "loaded"]
    assert "already loaded from landing/crm/a.csv" in outcomes["b.csv"].message
    assert sorted(r["source_record_id"] for r in raw_rows(lake)) == ["1", "2", "3"]


def test_a_copy_of_a_rejected_file_is_rejected_too(tmp_path):
    lake = make_lake(tmp_path, {"a.csv": b"", "b.csv": b""})
    outcomes = {f.file.split("/")[-1]: f for f in ingest(lake).files}
    assert outcomes["a.csv"].status == outcomes["b.csv"].status == "rejected"
    assert "same content as landing/crm/a.csv" in outcomes["b.csv"].message


def test_compressed_or_binary_files_are_named_for_what_they_are(tmp_path):
    import gzip

    lake = make_lake(tmp_path, {"a.csv": gzip.compress(GOOD.encode()), "b.csv": b"PK\x03\x04rest-of-a-zip"})
    outcomes = {f.file.split("/")[-1]: f for f in ingest(lake).files}
    assert outcomes["a.csv"].status == outcomes["b.csv"].status == "rejected"
    assert "gzip-compressed" in outcomes["a.csv"].message
    assert "zip archive" in outcomes["b.csv"].message


def test_records_that_parse_but_cannot_be_data_are_rejected_with_their_reason(tmp_path):
    from python_models.lake.readers import MAX_FIELD_CHARS

    long_name = "X" * (MAX_FIELD_CHARS + 1)
    text = f"id,name,mail,born\n1,Ann,a@x.org,\nid,name,mail,born\n3,C\x00y,c@x.org,\n4,{long_name},d@x.org,\n5,Ed,,\n"
    lake = make_lake(tmp_path, {"a.csv": text})
    (outcome,) = ingest(lake).files
    assert (outcome.rows_landed, outcome.rows_written, outcome.rows_rejected) == (5, 2, 3)
    assert [r["source_record_id"] for r in raw_rows(lake)] == ["1", "5"]
    rejects = {r["record_number"]: r for r in parquet_rows(lake, "_rejects")}
    assert "repeated header line" in rejects[2]["reason"]
    assert "NUL byte in field 'name'" in rejects[3]["reason"] and "\x00" in rejects[3]["raw_record"]
    assert f"oversized field 'name': {MAX_FIELD_CHARS + 1:,} characters" in rejects[4]["reason"]
    assert long_name in rejects[4]["raw_record"]


def test_the_same_bytes_under_another_source_are_read_with_that_sources_settings(tmp_path):
    lake = make_lake(tmp_path, {"a.csv": GOOD.replace("Ann", "Zoë").encode("latin-1")})
    other = lake / "landing" / "crm_latin1"
    other.mkdir()
    (other / "a.csv").write_bytes((lake / "landing" / "crm" / "a.csv").read_bytes())
    with (lake / "sources.yml").open("a") as fh:
        fh.write(
            "  - name: crm_latin1\n    entity: contacts\n    encoding: latin-1\n"
            "    columns: {source_record_id: id, full_name: name}\n"
        )
    outcomes = {f.source: f for f in ingest(lake).files}
    assert outcomes["crm"].status == "rejected" and "set 'encoding:'" in outcomes["crm"].message
    assert outcomes["crm_latin1"].status == "loaded"
    assert {r["full_name"] for r in raw_rows(lake)} == {"Zoë Lee", "Bob Ray"}
