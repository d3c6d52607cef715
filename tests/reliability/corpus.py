"""A corpus of bad input, one kind per source, each with what the pipeline must do with it.

`write_corpus(lake)` lands every kind's file(s) under `<lake>/landing/<kind>/` and writes one
`<lake>/sources.yml` with a source per kind (so each kind can have its own delimiter, encoding or
records path). Every file declares its expected outcome:

* `rejected`: the whole file is refused; the manifest message contains `message`;
* `skipped_duplicate`: its content was already delivered; the message contains `message`;
* `loaded`: `staged` rows reach staging, `quarantined` maps a reason substring to how many
  quarantined rows carry it (parser rejects included) and `duplicates` rows are exact duplicates.

The expected figures are worked out by hand from the file contents below, not read back from a run.
"""

from __future__ import annotations

import gzip
import io
import itertools
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CONTACT_COLUMNS = {
    "source_record_id": "id", "first_name": "first", "last_name": "last", "email": "email",
    "phone": "phone", "country": "country", "birth_date": "born", "created_at": "created",
}
CONTACT_HEADER = ["id", "first", "last", "email", "phone", "country", "born", "created"]
ORDER_COLUMNS = {
    "order_id": "order", "line_number": "line", "customer_ref": "customer", "ordered_at": "at",
    "amount": "amount", "currency": "currency", "quantity": "qty",
}
ORDER_HEADER = ["order", "line", "customer", "at", "amount", "currency", "qty"]
WEB_COLUMNS = {
    "event_id": "id", "session_id": "session", "event_type": "type", "event_at": "at",
    "duration_seconds": "duration",
}
WEB_HEADER = ["id", "session", "type", "at", "duration"]
SOCIAL_COLUMNS = {
    "interaction_id": "id", "platform": "platform", "handle": "user.handle",
    "interaction_type": "type", "interacted_at": "at",
}
CAMPAIGN_EVENT_COLUMNS = {
    "event_id": "id", "campaign_id": "campaign", "event_type": "type", "event_at": "at",
    "amount": "amount", "email": "email",
}
PARTNER_COLUMNS = {"postcode": "postcode", "country": "country", "income_band": "income", "population": "pop"}


@dataclass
class CorpusFile:
    name: str
    data: bytes
    status: str  # loaded | rejected | skipped_duplicate
    message: str | None = None
    staged: int = 0
    quarantined: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0

    @property
    def rows_quarantined(self) -> int:
        return sum(self.quarantined.values())


@dataclass
class Kind:
    name: str  # also the source's name and its landing folder
    entity: str
    files: list[CorpusFile]
    columns: dict[str, str]
    format: str = "csv"
    delimiter: str = ","
    encoding: str = "utf-8"
    records_path: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    # (sql over the build database with {file} = this kind's first file, expected rows) for
    # values that must come out of staging exactly so
    staged_values: tuple[str, list[tuple]] | None = None

    def source(self) -> dict:
        src = {
            "name": self.name, "entity": self.entity, "path": f"landing/{self.name}",
            "pattern": "*", "format": self.format, "delimiter": self.delimiter,
            "encoding": self.encoding, "columns": self.columns,
        }
        if self.records_path:
            src["records_path"] = self.records_path
        if self.options:
            src["options"] = self.options
        return src

    def landed_path(self, file: CorpusFile) -> str:
        return f"landing/{self.name}/{file.name}"


def csv_bytes(header: list[str], rows: list[list[str]], delimiter=",", newline="\n", encoding="utf-8") -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(r) for r in rows]
    return (newline.join(lines) + newline).encode(encoding)


def contact(i: int, **over: str) -> list[str]:
    row = {
        "id": f"C{i}", "first": "Ann", "last": f"Lee{i}", "email": f"ann{i}@example.org",
        "phone": "+33 6 12 34 56 78", "country": "FR", "born": "1980-02-01", "created": "2024-03-01 10:00:00",
    }
    row.update(over)
    return [row[h] for h in CONTACT_HEADER]


def order(i: int, **over: str) -> list[str]:
    row = {"order": f"O{i}", "line": "1", "customer": f"C{i}", "at": "2024-05-01T10:00:00Z",
           "amount": "19.90", "currency": "EUR", "qty": "1"}
    row.update(over)
    return [row[h] for h in ORDER_HEADER]


# Event and interaction ids must be unique across sources (staging's key tests): numbered globally.
_event_numbers = itertools.count(1)


def web(i: int, **over: str) -> list[str]:
    row = {"id": f"E{next(_event_numbers)}", "session": "S1", "type": "page_view", "at": "2024-05-01T10:00:00Z", "duration": "12"}
    row.update(over)
    return [row[h] for h in WEB_HEADER]


def contacts_csv(rows: list[list[str]], **kw) -> bytes:
    return csv_bytes(CONTACT_HEADER, rows, **kw)


def orders_csv(rows: list[list[str]], **kw) -> bytes:
    return csv_bytes(ORDER_HEADER, rows, **kw)


def web_csv(rows: list[list[str]], **kw) -> bytes:
    return csv_bytes(WEB_HEADER, rows, **kw)


def social_json(records: list[dict], wrap: str | None = "data") -> bytes:
    doc = {wrap: records, "next": None} if wrap else records
    return json.dumps(doc, ensure_ascii=False).encode()


def interaction(i: int, **over) -> dict:
    rec = {"id": f"I{next(_event_numbers)}", "platform": "instagram", "user": {"handle": f"@fan{i}"}, "type": "like",
           "at": "2024-05-01T10:00:00Z"}
    rec.update(over)
    return rec


def _kinds() -> list[Kind]:
    good3 = contacts_csv([contact(1), contact(2), contact(3)])
    k: list[Kind] = []

    def add(name, entity, files, columns, **kw):
        k.append(Kind(name, entity, files, columns, **kw))

    # --- file-level problems -------------------------------------------------------------
    add("empty_file", "contacts", [CorpusFile("contacts.csv", b"", "rejected", "empty file")], CONTACT_COLUMNS)
    add("header_only", "contacts",
        [CorpusFile("contacts.csv", contacts_csv([]), "loaded", staged=0)], CONTACT_COLUMNS)
    add("wrong_delimiter", "contacts",
        [CorpusFile("contacts.csv", contacts_csv([contact(1)], delimiter=";"), "rejected", "looks ';'-delimited")],
        CONTACT_COLUMNS)
    latin1 = contacts_csv([contact(1, first="Zoë", last="Müller")], encoding="latin-1")
    add("latin1_undeclared", "contacts",
        [CorpusFile("contacts.csv", latin1, "rejected", "set 'encoding:'")], CONTACT_COLUMNS)
    add("latin1_declared", "contacts", [CorpusFile("contacts.csv", latin1, "loaded", staged=1)], CONTACT_COLUMNS,
        encoding="latin-1",
        staged_values=("select first_name, last_name from stg_crm__contacts where source_file = '{file}'",
                       [("Zoë", "Müller")]))
    utf16 = contacts_csv([contact(1, first="Zoë"), contact(2, first="Ærin")], encoding="utf-16")
    add("utf16_undeclared", "contacts",
        [CorpusFile("contacts.csv", utf16, "rejected", "set 'encoding:'")], CONTACT_COLUMNS)
    add("utf16_declared", "contacts", [CorpusFile("contacts.csv", utf16, "loaded", staged=2)], CONTACT_COLUMNS,
        encoding="utf-16",
        staged_values=("select first_name from stg_crm__contacts where source_file = '{file}' order by 1",
                       [("Zoë",), ("Ærin",)]))
    add("utf8_bom", "contacts",
        [CorpusFile("contacts.csv", b"\xef\xbb\xbf" + good3, "loaded", staged=3)], CONTACT_COLUMNS,
        staged_values=("select source_record_id from stg_crm__contacts where source_file = '{file}' order by 1",
                       [("C1",), ("C2",), ("C3",)]))
    add("gzip_named_csv", "contacts",
        [CorpusFile("contacts.csv", gzip.compress(good3), "rejected", "gzip")], CONTACT_COLUMNS)
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("contacts.csv", good3)
    add("zip_named_csv", "contacts",
        [CorpusFile("contacts.csv", zipped.getvalue(), "rejected", "zip")], CONTACT_COLUMNS)
    add("duplicate_header_names", "contacts",
        [CorpusFile("contacts.csv", csv_bytes(CONTACT_HEADER + ["email"], [contact(1) + ["x@y.org"]]),
                    "rejected", "repeats column names")], CONTACT_COLUMNS)
    add("missing_required_column", "orders",
        [CorpusFile("orders.csv", csv_bytes(ORDER_HEADER[1:], [order(1)[1:]]), "rejected",
                    "required column(s) missing")], ORDER_COLUMNS)
    renamed = [h if h != "order" else "order_no" for h in ORDER_HEADER]
    add("renamed_required_column", "orders",
        [CorpusFile("orders.csv", csv_bytes(renamed, [order(1)]), "rejected", "'order' (mapped to required")],
        ORDER_COLUMNS)
    renamed_opt = [h if h != "email" else "e_mail" for h in CONTACT_HEADER]
    add("renamed_optional_column", "contacts",
        [CorpusFile("contacts.csv", csv_bytes(renamed_opt, [contact(1), contact(2)]), "loaded", staged=2)],
        CONTACT_COLUMNS,
        staged_values=("select count(*), count(email), count(extra_json) from stg_crm__contacts "
                       "where source_file = '{file}'", [(2, 0, 2)]))
    add("extra_columns", "contacts",
        [CorpusFile("contacts.csv", csv_bytes(CONTACT_HEADER + ["loyalty"], [contact(1) + ["gold"]]),
                    "loaded", staged=1)], CONTACT_COLUMNS,
        staged_values=("select extra_json from stg_crm__contacts where source_file = '{file}'",
                       [('{"loyalty":"gold"}',)]))
    add("redelivered_new_name", "contacts",
        [CorpusFile("contacts_monday.csv", good3, "loaded", staged=3),
         CorpusFile("contacts_monday_copy.csv", good3, "skipped_duplicate", "identical content")],
        CONTACT_COLUMNS)
    add("invalid_json", "social_interactions",
        [CorpusFile("page_1.json", b'{"data": [{"id": "I1", "platform": "x"', "rejected", "not valid JSON")],
        SOCIAL_COLUMNS, format="json", records_path="data")
    add("json_without_records_path", "social_interactions",
        [CorpusFile("page_1.json", social_json([interaction(1)], wrap="items"), "rejected",
                    "records_path 'data' not found")], SOCIAL_COLUMNS, format="json", records_path="data")
    add("json_lines_one_broken", "social_interactions",
        [CorpusFile("events.jsonl", b"\n".join([json.dumps(interaction(1)).encode(), b'{"id": "I2", "platf',
                                                json.dumps(interaction(3)).encode()]) + b"\n",
                    "loaded", staged=2, quarantined={"malformed JSON line": 1})],
        SOCIAL_COLUMNS, format="json")
    add("json_record_not_object", "social_interactions",
        [CorpusFile("page_1.json", social_json([interaction(1), "oops", [1, 2]]), "loaded", staged=1,
                    quarantined={"record is not a JSON object": 2})],
        SOCIAL_COLUMNS, format="json", records_path="data")

    # --- record-level CSV problems -------------------------------------------------------
    truncated = contacts_csv([contact(1), contact(2)]) + b"C3,Ann,Lee3,ann3@exa"
    add("truncated_file", "contacts",
        [CorpusFile("contacts.csv", truncated, "loaded", staged=2, quarantined={"expected 8 fields, found 4": 1})],
        CONTACT_COLUMNS)
    trunc_quote = contacts_csv([contact(1)]) + b'C2,"Ann'
    add("truncated_in_quote", "contacts",
        [CorpusFile("contacts.csv", trunc_quote, "loaded", staged=1, quarantined={"malformed CSV record": 1})],
        CONTACT_COLUMNS)
    broken = contacts_csv([contact(1), contact(2, first='An"n "x" y'), contact(3)]).replace(
        b'An"n "x" y', b'"An"n "x" y')
    # A quote that closes mid-field is read leniently (as spreadsheet tools do): the text is kept.
    add("broken_quoting", "contacts",
        [CorpusFile("contacts.csv", broken, "loaded", staged=3)], CONTACT_COLUMNS,
        staged_values=("select first_name from stg_crm__contacts where source_file = '{file}' order by "
                       "source_record_id", [("Ann",), ('Ann "x" y',), ("Ann",)]))
    unclosed = contacts_csv([contact(1), contact(2, first='"Ann'), contact(3), contact(4)])
    add("unclosed_quote_mid_file", "contacts",
        [CorpusFile("contacts.csv", unclosed, "loaded", staged=3, quarantined={"unclosed quote": 1})],
        CONTACT_COLUMNS)
    add("ragged_too_many_fields", "orders",
        [CorpusFile("orders.csv", orders_csv([order(1), order(2) + ["surplus"], order(3)]), "loaded", staged=2,
                    quarantined={"expected 7 fields, found 8": 1})], ORDER_COLUMNS)
    add("ragged_too_few_fields", "orders",
        [CorpusFile("orders.csv", orders_csv([order(1), order(2)[:4], order(3)]), "loaded", staged=2,
                    quarantined={"expected 7 fields, found 4": 1})], ORDER_COLUMNS)
    add("repeated_header_mid_file", "orders",
        [CorpusFile("orders.csv", orders_csv([order(1), ORDER_HEADER, order(2)]), "loaded", staged=2,
                    quarantined={"repeated header line": 1})], ORDER_COLUMNS)
    add("crlf_line_endings", "web_events",
        [CorpusFile("events.csv", web_csv([web(1), web(2, duration="7")], newline="\r\n"), "loaded", staged=2)],
        WEB_COLUMNS,
        staged_values=("select record_number, duration_seconds from stg_web__events where source_file = '{file}' "
                       "order by 1", [(1, 12.0), (2, 7.0)]))
    blank = web_csv([web(1)]) + b"\n\n" + b",".join(x.encode() for x in web(2)) + b"\n\n"
    add("blank_lines", "web_events", [CorpusFile("events.csv", blank, "loaded", staged=2)], WEB_COLUMNS)
    nul = contacts_csv([contact(1), contact(2, first="An\x00n"), contact(3)])
    add("nul_bytes", "contacts",
        [CorpusFile("contacts.csv", nul, "loaded", staged=2, quarantined={"NUL byte": 1})], CONTACT_COLUMNS)
    add("oversized_field", "contacts",
        [CorpusFile("contacts.csv", contacts_csv([contact(1), contact(2, last="X" * 200_000)]), "loaded",
                    staged=1, quarantined={"oversized field 'last'": 1})], CONTACT_COLUMNS)
    dup = web(2)
    add("exact_duplicate_rows", "web_events",
        [CorpusFile("events.csv", web_csv([web(1), dup, dup]), "loaded", staged=2, duplicates=1)],
        WEB_COLUMNS)

    # --- value-level problems ------------------------------------------------------------
    add("wrong_types", "orders",
        [CorpusFile("orders.csv", orders_csv([order(1), order(2, amount="twelve"), order(3, qty="lots")]),
                    "loaded", staged=2, quarantined={"non-numeric amount": 1})], ORDER_COLUMNS,
        staged_values=("select order_id, quantity from stg_shop__order_lines where source_file = '{file}' "
                       "order by 1", [("O1", 1.0), ("O3", None)]))
    add("unparseable_timestamp", "web_events",
        [CorpusFile("events.csv", web_csv([web(1), web(2, at="yesterday-ish")]), "loaded", staged=1,
                    quarantined={"unparseable timestamp: event_at": 1})], WEB_COLUMNS)
    add("future_dates", "orders",
        [CorpusFile("orders.csv", orders_csv([order(1), order(2, at="2099-01-01T00:00:00Z")]), "loaded",
                    staged=1, quarantined={"timestamp in the future: ordered_at": 1})], ORDER_COLUMNS)
    add("dates_in_1900", "web_events",
        [CorpusFile("events.csv", web_csv([web(1), web(2, at="1900-01-01 00:00:00")]), "loaded", staged=1,
                    quarantined={"timestamp before": 1})], WEB_COLUMNS)
    add("impossible_birth_dates", "contacts",
        [CorpusFile("contacts.csv", contacts_csv([contact(1, born="2090-01-01"), contact(2, born="1850-01-01"),
                                                  contact(3, born="31/02/1990")]), "loaded", staged=3)],
        CONTACT_COLUMNS,
        staged_values=("select count(*) filter (where birth_date is null and not is_birth_date_valid) "
                       "from stg_crm__contacts where source_file = '{file}'", [(3,)]))
    add("negative_amounts", "orders",
        [CorpusFile("orders.csv", orders_csv([order(1), order(2, amount="-5.00"), order(3, qty="-2")]),
                    "loaded", staged=1, quarantined={"negative amount": 1, "negative quantity": 1})],
        ORDER_COLUMNS)
    add("absurd_amounts", "orders",
        [CorpusFile("orders.csv", orders_csv([order(1), order(2, amount="99999999999"),
                                              order(3, amount="1e300")]), "loaded", staged=1,
                    quarantined={"amount out of range": 2})], ORDER_COLUMNS)
    add("eu_decimal_commas", "orders",
        [CorpusFile("orders.csv", orders_csv([order(1, amount="12,50"), order(2, amount="1.234,56")],
                                             delimiter=";"), "loaded", staged=2)], ORDER_COLUMNS, delimiter=";",
        staged_values=("select order_id, amount from stg_shop__order_lines where source_file = '{file}' order by 1",
                       [("O1", 12.5), ("O2", 1234.56)]))
    add("unknown_currency", "orders",
        [CorpusFile("orders.csv", orders_csv([order(1), order(2, currency="XYZ")]), "loaded", staged=1,
                    quarantined={"unknown currency code: XYZ": 1})], ORDER_COLUMNS)
    add("invalid_emails", "contacts",
        [CorpusFile("contacts.csv", contacts_csv([contact(1), contact(2, email="bob.example.com"),
                                                  contact(3, email="  Ann3@Example.ORG ")]),
                    "loaded", staged=2, quarantined={"email without @": 1})], CONTACT_COLUMNS,
        staged_values=("select source_record_id, email from stg_crm__contacts where source_file = '{file}' "
                       "order by 1", [("C1", "ann1@example.org"), ("C3", "ann3@example.org")]))
    add("invalid_phones", "contacts",
        [CorpusFile("contacts.csv", contacts_csv([contact(1), contact(2, phone="call me maybe"),
                                                  contact(3, phone="12")]), "loaded", staged=3)],
        CONTACT_COLUMNS,
        staged_values=("select source_record_id, phone, is_phone_valid from stg_crm__contacts "
                       "where source_file = '{file}' order by 1",
                       [("C1", "+33612345678", True), ("C2", None, False), ("C3", None, False)]))
    add("emoji_and_rtl_names", "contacts",
        [CorpusFile("contacts.csv", contacts_csv([contact(1, first="Zoé 🌸", last="O'Brien"),
                                                  contact(2, first="محمد", last="כהן")]), "loaded", staged=2)],
        CONTACT_COLUMNS,
        staged_values=("select first_name, last_name from stg_crm__contacts where source_file = '{file}' "
                       "order by source_record_id", [("Zoé 🌸", "O'Brien"), ("محمد", "כהן")]))
    add("junk_ids", "web_events",
        [CorpusFile("events.csv", web_csv([web(1), web(2, id="NULL"), web(3, id="n/a"), web(4, id="-")]),
                    "loaded", staged=1, quarantined={"placeholder value in required column: event_id": 3})],
        WEB_COLUMNS)
    add("missing_required_values", "web_events",
        [CorpusFile("events.csv", web_csv([web(1), web(2, session=""), web(3, type="  ")]), "loaded", staged=1,
                    quarantined={"missing required column value: session_id": 1,
                                 "missing required column value: event_type": 1})], WEB_COLUMNS)
    add("mixed_timezone_offsets", "web_events",
        [CorpusFile("events.csv", web_csv([web(1, at="2024-05-01T10:00:00Z"), web(2, at="2024-05-01T12:00:00+02:00"),
                                           web(3, at="2024-05-01 05:00:00 -0500"), web(4, at="2024-05-01 12:00:00"),
                                           web(5, at="1714557600")]), "loaded", staged=5)],
        WEB_COLUMNS, options={"timezone": "Europe/Paris"},
        staged_values=("select count(distinct event_at_utc), min(event_at_utc)::varchar from stg_web__events "
                       "where source_file = '{file}'", [(1, "2024-05-01 10:00:00")]))
    add("negative_duration", "web_events",
        [CorpusFile("events.csv", web_csv([web(1), web(2, duration="-3")]), "loaded", staged=1,
                    quarantined={"negative duration_seconds": 1})], WEB_COLUMNS)
    add("campaign_event_bad_values", "campaign_events",
        [CorpusFile("events.csv", csv_bytes(["id", "campaign", "type", "at", "amount", "email"], [
            ["K1", "CMP1", "sent", "2024-05-01", "", "a@x.org"],
            ["K2", "", "open", "2024-05-01", "", "b@x.org"],
            ["K3", "CMP1", "conversion", "2024-05-02", "-10", "c@x.org"],
        ]), "loaded", staged=1, quarantined={"missing required column value: campaign_id": 1,
                                             "negative amount": 1})], CAMPAIGN_EVENT_COLUMNS)
    add("partner_bad_values", "partner_enrichment",
        [CorpusFile("areas.csv", csv_bytes(["postcode", "country", "income", "pop"], [
            ["75001", "FR", "high", "16000"], ["", "FR", "low", "10"], ["99999", "Atlantis", "low", "lots"],
        ]), "loaded", staged=1, quarantined={"missing required column value: postcode": 1,
                                             "unknown country code: Atlantis": 1})], PARTNER_COLUMNS)
    return k


KINDS: list[Kind] = _kinds()


def write_corpus(lake: Path) -> list[Kind]:
    """Land every kind into `lake` and write its sources.yml; returns the kinds."""
    for kind in KINDS:
        folder = lake / "landing" / kind.name
        folder.mkdir(parents=True, exist_ok=True)
        for f in kind.files:
            (folder / f.name).write_bytes(f.data)
    doc = {"version": 1, "defaults": {"timezone": "UTC", "default_country": "FR", "phone_region": "FR"},
           "sources": [k.source() for k in KINDS]}
    (lake / "sources.yml").write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))
    return KINDS
