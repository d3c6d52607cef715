"""Inject a few invalid rows into a landing table and write CSV files byte-exactly.

Values that a CSV writer would refuse or escape (quotes that break the record, commas inside an
unquoted amount) are written through placeholder characters that `write_csv` turns into the real
bytes after arrow has written the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from python_models.generate.quality import ERROR_MIN_ROWS, ERROR_RATES

QUOTE = "\x01"  # becomes '"'
DROP_QUOTE = "\x02"  # '\x02"' disappears: removes the closing quote of a quoted field
COMMA = "\x03"  # becomes ','


@dataclass(frozen=True)
class SourceLayout:
    key: tuple[str, ...]
    break_column: str
    quoted: bool = False
    email: str | None = None
    country: str | None = None
    timestamp: str | None = None
    amount: str | None = None


LAYOUTS = {
    "crm": SourceLayout(("ContactID",), "LastName", email="Email", country="Country"),
    "eshop": SourceLayout(("account_id",), "first_name", email="email", country="country_code"),
    "events": SourceLayout(("Registration ID",), "Full Name", quoted=True, email="E-mail"),
    "web": SourceLayout(("event_id",), "page", timestamp="event_ts"),
    "orders": SourceLayout(("order_id", "line_no"), "guest_email", timestamp="order_date", amount="amount"),
    "campaign_events": SourceLayout(("event_id",), "recipient_email"),
}
BAD_TIMESTAMPS = ("not a date", "31/02/2025", "2025-13-45T25:61:00Z", "2025-02-30 10:00:00", "yesterday")
BAD_AMOUNTS = (f"{QUOTE}12{COMMA}5O{QUOTE}", "abc", "1.2.3", "N/A", "12..50")
BAD_COUNTRIES = ("ZZ", "Atlantis", "XX", "Narnia")
AT_REPLACEMENTS = ("", " at ", "(at)")


@dataclass(frozen=True)
class Injected:
    source: str
    file: str
    record_key: str
    kind: str
    record_number: int
    detail: str


def _set(table: pa.Table, column: str, rows: np.ndarray, values: list[str | None]) -> pa.Table:
    i = table.schema.get_field_index(column)
    arr = table.column(i).combine_chunks()
    mask = np.zeros(table.num_rows, dtype=bool)
    mask[rows] = True
    order = np.argsort(rows)
    vals = pa.array([values[j] for j in order], pa.string())
    return table.set_column(i, column, pc.replace_with_mask(arr, pa.array(mask), vals))


def inject(rng: np.random.Generator, source: str, table: pa.Table, file_name: str) -> tuple[pa.Table, list[Injected], list[int]]:
    n = table.num_rows
    layout = LAYOUTS[source]
    kinds = ERROR_RATES[source]
    taken = np.zeros(n, dtype=bool)
    chosen: dict[str, np.ndarray] = {}
    email_ok = None
    if layout.email:
        email_ok = np.asarray(pc.fill_null(pc.match_substring(table.column(layout.email), "@"), False).to_numpy(zero_copy_only=False))
    for kind, p in kinds.items():
        count = int(rng.binomial(n, p)) if n else 0
        if n >= ERROR_MIN_ROWS:
            count = max(count, 1)
        pool = ~taken
        if kind == "email_without_at":
            pool &= email_ok
        candidates = np.flatnonzero(pool)
        count = min(count, len(candidates))
        rows = np.sort(rng.choice(candidates, count, replace=False)) if count else np.zeros(0, dtype=np.int64)
        taken[rows] = True
        chosen[kind] = rows
    keys = [table.column(k).combine_chunks() for k in layout.key]

    def key_of(rows: np.ndarray) -> list[str]:
        parts = [k.take(pa.array(rows)).to_pylist() for k in keys]
        return [":".join(str(v) for v in vals) for vals in zip(*parts, strict=True)]

    records: list[tuple[str, int, str, str]] = []  # kind, original row, key, detail
    for kind, rows in chosen.items():
        if not len(rows):
            continue
        row_keys = key_of(rows)
        detail: list[str]
        if kind == "email_without_at":
            old = table.column(layout.email).take(pa.array(rows)).to_pylist()
            new = [v.replace("@", AT_REPLACEMENTS[int(rng.integers(len(AT_REPLACEMENTS)))]) for v in old]
            table = _set(table, layout.email, rows, new)
            detail = new
        elif kind == "unknown_country":
            new = [BAD_COUNTRIES[int(rng.integers(len(BAD_COUNTRIES)))] for _ in rows]
            table = _set(table, layout.country, rows, new)
            detail = new
        elif kind == "unparseable_timestamp":
            new = [BAD_TIMESTAMPS[int(rng.integers(len(BAD_TIMESTAMPS)))] for _ in rows]
            table = _set(table, layout.timestamp, rows, new)
            detail = new
        elif kind == "wrong_type_amount":
            new = [BAD_AMOUNTS[int(rng.integers(len(BAD_AMOUNTS)))] for _ in rows]
            table = _set(table, layout.amount, rows, new)
            detail = [v.replace(QUOTE, '"').replace(COMMA, ",") for v in new]
        elif kind == "negative_amount":
            old = table.column(layout.amount).take(pa.array(rows)).to_pylist()
            new = ["-" + v for v in old]
            table = _set(table, layout.amount, rows, new)
            detail = new
        elif kind == "broken_quoting":
            old = table.column(layout.break_column).take(pa.array(rows)).to_pylist()
            if layout.quoted:
                new = [(v or "x") + DROP_QUOTE for v in old]
            else:
                new = [QUOTE + (v or "") for v in old]
                last = table.column_names[-1]
                old_last = table.column(last).take(pa.array(rows)).to_pylist()
                table = _set(table, last, rows, [(v or "") + QUOTE for v in old_last])
            table = _set(table, layout.break_column, rows, new)
            detail = [f"column {layout.break_column}"] * len(rows)
        elif kind == "duplicate_row":
            detail = ["exact copy"] * len(rows)
        else:  # pragma: no cover - guarded by ERROR_RATES keys
            raise ValueError(kind)
        records += [(kind, int(r), k, d) for r, k, d in zip(rows, row_keys, detail, strict=True)]

    dup_rows = chosen.get("duplicate_row", np.zeros(0, dtype=np.int64))
    copy_position: dict[int, int] = {}
    target_sorted = np.zeros(0, dtype=np.int64)
    if len(dup_rows):
        # each copy goes somewhere after its original; the table is re-assembled from zero-copy slices
        target = dup_rows + 1 + (rng.random(len(dup_rows)) * (n - dup_rows)).astype(np.int64)
        order = np.lexsort((dup_rows, target))
        dup_sorted, target_sorted = dup_rows[order], target[order]
        pieces, prev = [], 0
        for t, orig in zip(target_sorted, dup_sorted, strict=True):
            pieces += [table.slice(prev, int(t) - prev), table.slice(int(orig), 1)]
            prev = int(t)
        pieces.append(table.slice(prev))
        table = pa.concat_tables(pieces)
        for i, orig in enumerate(dup_sorted):
            copy_position[int(orig)] = int(target_sorted[i]) + i

    def position(row: int) -> int:
        return row + int(np.searchsorted(target_sorted, row, side="right"))

    out = []
    marked = []
    for kind, row, key, detail in records:
        number = (copy_position[row] if kind == "duplicate_row" else position(row)) + 1
        out.append(Injected(source, file_name, key, kind, number, detail))
        if kind in ("broken_quoting", "wrong_type_amount"):
            marked.append(number - 1)
    out.sort(key=lambda e: e.record_number)
    return table, out, sorted(marked)


def _fix_markers(data: bytes) -> bytes:
    return data.replace(b'\x02"', b"").replace(b"\x02", b"").replace(b"\x01", b'"').replace(b"\x03", b",")


def write_csv(
    path: Path, table: pa.Table, delimiter: str = ",", quoted: bool = False, crlf: bool = False,
    bom: bool = False, marked_rows: list[int] | tuple[int, ...] = (),
) -> int:
    """Header written by hand (arrow would quote it), rows by arrow straight to the file; the few
    rows holding placeholders (`marked_rows`) are written on their own and fixed byte-wise."""
    eol = "\r\n" if crlf else "\n"
    header = delimiter.join(f'"{c}"' if quoted else c for c in table.column_names) + eol
    opts = pacsv.WriteOptions(
        include_header=False, delimiter=delimiter, quoting_style="needed" if quoted else "none",
        eol=eol, batch_size=16_384,
    )
    n = table.num_rows
    with path.open("wb") as fh:
        fh.write((b"\xef\xbb\xbf" if bom else b"") + header.encode("utf-8"))
        prev = 0
        for r in marked_rows:
            if r > prev:
                pacsv.write_csv(table.slice(prev, r - prev), fh, opts)
            sink = pa.BufferOutputStream()
            pacsv.write_csv(table.slice(r, 1), sink, opts)
            fh.write(_fix_markers(sink.getvalue().to_pybytes()))
            prev = r + 1
        if prev < n:
            pacsv.write_csv(table.slice(prev), fh, opts)
    return n
