"""Read one landed file as text, mapped onto canonical columns, without losing a record.

Every record either comes out in a batch or comes out as a reject with its raw text and reason,
so `records found = records written + records rejected` holds by construction.
"""

from __future__ import annotations

import csv
import json
import mmap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from python_models.contracts import load_contracts
from python_models.lake.redact import looks_like_data
from python_models.lake.source_config import SourceSpec

CSV_BLOCK_BYTES = 16 << 20
JSON_BATCH_ROWS = 50_000


class FileRejected(Exception):
    """The whole file cannot be read; the message says why and what to change."""


@dataclass
class Reject:
    record_number: int | None
    reason: str
    raw_record: str


@dataclass
class FileRead:
    """What reading a file produced, filled while the batches are consumed."""

    header: list[str]
    missing_columns: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    rows_written: int = 0

    @property
    def rows_landed(self) -> int:
        return self.rows_written + len(self.rejects)


def _bom_tolerant(encoding: str) -> str:
    """Exports from spreadsheet tools often start with a UTF-8 byte-order mark: read past it."""
    return "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding


def _no_header_line(spec: SourceSpec, evidence: str) -> FileRejected:
    """A person's record where the header should be: say so without quoting it."""
    return FileRejected(f"{evidence}, so the file seems to have no header line "
                        f"(expected a header with {sorted(set(spec.columns.values()))})")


def _text_header(path: Path, spec: SourceSpec) -> list[str]:
    try:
        with path.open("r", encoding=_bom_tolerant(spec.encoding), newline="") as fh:
            first = next(csv.reader(fh, delimiter=spec.delimiter, quotechar=spec.quote), None)
    except UnicodeDecodeError as exc:
        raise FileRejected(
            f"not readable as {spec.encoding} ({exc.reason} at byte {exc.start}); "
            f"set 'encoding:' for source '{spec.name}' (e.g. latin-1, cp1252, utf-16)"
        ) from exc
    except csv.Error as exc:
        raise FileRejected(f"header line cannot be parsed as CSV: {exc}") from exc
    if first is None:
        raise FileRejected("empty file: no header line")
    header = [h.strip() for h in first]
    if not any(header):
        raise FileRejected("the header line is empty")
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes and any(looks_like_data(h) for h in header):
        # a record in place of the header often repeats a value (two empty fields); naming the
        # repeats would send the reader after duplicate columns and print a person's data
        raise _no_header_line(spec, "the first line holds e-mails, numbers or dates and repeats values")
    if dupes:
        raise FileRejected(f"the header repeats column names {dupes}; each column needs its own name")
    if len(header) == 1 and spec.delimiter not in first[0]:
        for other in (";", ",", "\t", "|"):
            if other != spec.delimiter and other in first[0]:
                raise FileRejected(
                    f"the header has one column {first[0][:80]!r} that contains {other!r}: "
                    f"the file looks {other!r}-delimited but source '{spec.name}' says "
                    f"delimiter {spec.delimiter!r}"
                )
    return header


def _plan(spec: SourceSpec, header: list[str]) -> tuple[list[str], list[str]]:
    """Which mapped columns the file lacks (fatal if required) and which it has beyond the mapping."""
    contract = load_contracts()[spec.entity]
    missing = [src for src in spec.columns.values() if src not in header]
    fatal = [
        f"{src!r} (mapped to required {canon!r})"
        for canon, src in spec.columns.items()
        if src in missing and canon in contract.required_columns
    ]
    if fatal:
        if any(looks_like_data(h) for h in header):
            # quoting this "header" would print a person's record into logs and the manifest
            raise _no_header_line(spec, f"required column(s) missing from the file: {', '.join(fatal)}; "
                                        "its first line holds e-mails, numbers or dates")
        raise FileRejected(
            f"required column(s) missing from the file: {', '.join(fatal)}; file columns are {header}"
        )
    mapped = set(spec.columns.values())
    extra = [h for h in header if h not in mapped]
    return missing, extra


def _extra_json(table: pa.Table, extra: list[str]) -> pa.Array:
    """Unmapped columns as one JSON text per row, so nothing in the file is lost."""
    if not extra:
        return pa.nulls(table.num_rows, pa.string())
    fields = ", ".join(f"{_sql_string(name)}: {_sql_ident(name)}" for name in extra)
    not_all_null = " or ".join(f"{_sql_ident(name)} is not null" for name in extra)
    con = duckdb.connect()
    try:
        con.register("batch", table.select(extra))
        out = con.sql(
            f"select case when {not_all_null} then to_json({{{fields}}})::varchar end from batch"
        ).to_arrow_table()
    finally:
        con.close()
    return out.column(0).combine_chunks().cast(pa.string())


def _sql_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_string(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _repeated(value: str | None, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, pa.string()), n)


def _blank_as_null(arr: pa.Array) -> pa.Array:
    """'' and whitespace-only values as NULL; most columns have none, so they are returned as they are."""
    blank = pc.or_(pc.equal(arr, ""), pc.utf8_is_space(arr))
    if not pc.any(blank).as_py():
        return arr
    return pc.if_else(blank, pa.scalar(None, pa.string()), arr)


def canonical_batch(
    spec: SourceSpec,
    table: pa.Table,
    record_numbers: np.ndarray,
    source_file: str,
    sha256: str,
    extra: list[str],
) -> pa.Table:
    """Rename to canonical columns, add constants, per-source options and lineage."""
    n = table.num_rows
    contract = load_contracts()[spec.entity]
    arrays, names = [], []
    for col in contract.column_names:
        if col in spec.constants:
            arr = _repeated(spec.constants[col] or None, n)
        elif col in spec.columns and spec.columns[col] in table.column_names:
            arr = _blank_as_null(table.column(spec.columns[col]).combine_chunks().cast(pa.string()))
        else:
            arr = pa.nulls(n, pa.string())
        arrays.append(arr)
        names.append(col)
    meta = {
        "_source_system": spec.name,
        "_source_file": source_file,
        "_file_sha256": sha256,
    }
    for key, value in meta.items():
        arrays.append(_repeated(value, n))
        names.append(key)
    arrays.append(pa.array(record_numbers, pa.int64()))
    names.append("_record_number")
    arrays.append(_extra_json(table, extra))
    names.append("_extra")
    for opt in ("timezone", "default_country", "phone_region", "currency", "date_order"):
        arrays.append(_repeated(spec.options[opt], n))
        names.append(f"_{opt}")
    return pa.Table.from_arrays(arrays, names=names)


MAX_FIELD_CHARS = 65_536


def _screen(
    table: pa.Table, numbers: np.ndarray, header: list[str] | None, raw_text, check_nul: bool = True
) -> tuple[pa.Table, np.ndarray, list[Reject]]:
    """Take out records that parse but cannot be real data, each as a reject with its reason.

    A header line repeated mid-file (concatenated exports), a NUL byte (binary data in a text file)
    or a field longer than MAX_FIELD_CHARS would otherwise reach staging as a plausible-looking row.
    `raw_text(i)` rebuilds row i's text for the reject listing. This runs on every batch, so each
    check starts with the cheapest test that rules it out (`check_nul=False` when the file's bytes
    hold no NUL at all).
    """
    n = table.num_rows
    if n == 0:
        return table, numbers, []
    reasons: dict[int, list[str]] = {}  # only flagged rows: a list per row would cost more than the checks

    def flag(rows: np.ndarray, why) -> None:
        for i in rows:
            reasons.setdefault(int(i), []).append(why(int(i)) if callable(why) else why)

    def flagged(mask: pa.Array) -> np.ndarray:
        return np.flatnonzero(pc.fill_null(mask, False).to_numpy(zero_copy_only=False))

    if header:
        first = table.column(header[0]).combine_chunks()
        # containing the name is a cheap superset of equal-once-trimmed; an unnamed first column needs the latter
        looks_like = pc.match_substring(first, header[0]) if header[0] else pc.equal(pc.utf8_trim_whitespace(first), "")
        candidates = flagged(looks_like)
        repeated = [
            i for i in candidates
            if all((table.column(h)[int(i)].as_py() or "").strip() == h for h in header)
        ]
        flag(np.array(repeated, dtype=np.int64), "repeated header line (files concatenated?)")
    for name in table.column_names:
        col = table.column(name).combine_chunks()
        if not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
            continue
        if check_nul:
            flag(flagged(pc.match_substring(col, "\x00")), f"NUL byte in field {name!r} (binary data in a text file)")
        # bytes >= characters: only values over the limit in bytes can be over it in characters
        if (pc.max(pc.binary_length(col)).as_py() or 0) <= MAX_FIELD_CHARS:
            continue
        flag(
            flagged(pc.greater(pc.utf8_length(col), MAX_FIELD_CHARS)),
            lambda i, col=col, name=name: (
                f"oversized field {name!r}: {len(col[i].as_py()):,} characters (limit {MAX_FIELD_CHARS:,})"
            ),
        )
    if not reasons:
        return table, numbers, []
    bad = sorted(reasons)
    rejects = [Reject(int(numbers[i]), "; ".join(reasons[i]), raw_text(i)) for i in bad]
    keep = np.ones(n, dtype=bool)
    keep[bad] = False
    return table.filter(pa.array(keep)), numbers[keep], rejects


def _contains_nul(path: Path) -> bool:
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return data.find(b"\x00") >= 0


def _csv_text(table: pa.Table, spec: SourceSpec):
    def text(i: int) -> str:
        return spec.delimiter.join("" if v is None else str(v) for v in (c[i].as_py() for c in table.columns))

    return text


def _next_numbers(cursor: int, count: int, rejected: set[int]) -> np.ndarray:
    """The first `count` record numbers from `cursor` on that were not rejected."""
    span = count + sum(1 for r in rejected if r >= cursor)
    candidates = np.arange(cursor, cursor + span + 1, dtype=np.int64)
    if rejected:
        candidates = candidates[~np.isin(candidates, np.fromiter(rejected, np.int64))]
    return candidates[:count]


def read_csv(path: Path, spec: SourceSpec, source_file: str, sha256: str) -> tuple[FileRead, Iterator[pa.Table]]:
    header = _text_header(path, spec)
    missing, extra = _plan(spec, header)
    result = FileRead(header=header, missing_columns=missing, extra_columns=extra)
    pending: list[tuple[int, str, int]] = []  # (parser record number, text, fields found)
    rejected_numbers: set[int] = set()

    def on_invalid(row) -> str:
        # The parser numbers records from 1 with the header as record 1.
        number = row.number - 1
        rejected_numbers.add(number)
        pending.append((number, row.text, row.actual_columns))
        return "skip"

    read_options = pacsv.ReadOptions(
        use_threads=False,  # single-threaded parsing keeps record numbers exact
        block_size=CSV_BLOCK_BYTES,
        encoding=spec.encoding,
        skip_rows=1,
        column_names=header,
    )
    parse_options = pacsv.ParseOptions(
        delimiter=spec.delimiter,
        quote_char=spec.quote or False,
        double_quote=True,
        newlines_in_values=True,
        invalid_row_handler=on_invalid,
    )
    convert_options = pacsv.ConvertOptions(
        column_types={h: pa.string() for h in header},
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        null_values=[""],
    )
    # An unclosed quote swallows the lines after it into one bad record. Each swallowed line is
    # re-read on its own so innocent records survive; only the lines that are still bad are rejected.
    split_at: list[int] = []
    extra_after: list[int] = [0]

    def renumber(parser_numbers: np.ndarray) -> np.ndarray:
        idx = np.searchsorted(np.array(split_at, dtype=np.int64), parser_numbers, side="left")
        return parser_numbers + np.array(extra_after, dtype=np.int64)[idx]

    def drain_pending() -> Iterator[pa.Table]:
        for number, text, found in pending:
            first = number + extra_after[-1]
            pieces = [ln.rstrip("\r") for ln in text.split("\n")] if "\n" in text else [text]
            recovered: list[tuple[int, list[str]]] = []
            for i, piece in enumerate(pieces):
                fields = _parse_line(piece, spec) if len(pieces) > 1 else None
                if fields is not None and len(fields) == len(header):
                    recovered.append((first + i, fields))
                    continue
                count = len(fields) if fields is not None else found
                why = f"malformed CSV record: expected {len(header)} fields, found {count}"
                if len(pieces) > 1:
                    why += f" (line {i + 1} of {len(pieces)} swallowed by an unclosed quote)"
                else:
                    why += " (broken quoting or a stray delimiter)"
                result.rejects.append(Reject(first + i, why, piece))
            if len(pieces) > 1:
                split_at.append(number)
                extra_after.append(extra_after[-1] + len(pieces) - 1)
            if recovered:
                table = pa.table(
                    {h: pa.array([f[j] or None for _, f in recovered], pa.string()) for j, h in enumerate(header)}
                )
                numbers = np.array([n for n, _ in recovered], dtype=np.int64)
                yield from emit(table, numbers)
        pending.clear()

    has_nul = _contains_nul(path)

    def emit(table: pa.Table, numbers: np.ndarray) -> Iterator[pa.Table]:
        table, numbers, screened = _screen(table, numbers, header, _csv_text(table, spec), check_nul=has_nul)
        result.rejects.extend(screened)
        if table.num_rows:
            result.rows_written += table.num_rows
            yield canonical_batch(spec, table, numbers, source_file, sha256, extra)

    def batches() -> Iterator[pa.Table]:
        cursor = 1
        try:
            reader = pacsv.open_csv(path, read_options, parse_options, convert_options)
            for batch in reader:
                yield from drain_pending()
                if batch.num_rows == 0:
                    continue
                parser_numbers = _next_numbers(cursor, batch.num_rows, rejected_numbers)
                cursor = int(parser_numbers[-1]) + 1
                yield from emit(pa.Table.from_batches([batch]), renumber(parser_numbers))
            yield from drain_pending()
        except pa.ArrowInvalid as exc:
            message = str(exc)
            if "UTF8" in message or "UTF-8" in message:
                raise FileRejected(
                    f"not valid {spec.encoding} text ({message}); set 'encoding:' for source '{spec.name}'"
                ) from exc
            if "Empty CSV file" in message:
                return
            raise FileRejected(f"CSV cannot be parsed: {message}") from exc

    return result, batches()


def _parse_line(line: str, spec: SourceSpec) -> list[str] | None:
    try:
        rows = list(csv.reader([line], delimiter=spec.delimiter, quotechar=spec.quote or None, strict=True))
    except csv.Error:
        return None
    return rows[0] if rows else []


def _flatten(record: dict, prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _uniform_text_columns(records: list[dict]) -> dict[str, pa.Array] | None:
    """The flattened columns as text when every record has the same keys in the same order, nested
    one level at most (an API page usually does); None sends the file down the record-by-record path.

    Same result as flattening each record and taking `_as_text` of every value, at a fraction of
    the cost: the shape is checked once per record and the values are converted per column.
    """
    first = records[0]
    top = tuple(first)
    nested = [(key, tuple(value)) for key, value in first.items() if type(value) is dict]
    for rec in records:
        if tuple(rec) != top:
            return None
        for key, sub in nested:
            value = rec[key]
            if type(value) is not dict or tuple(value) != sub:
                return None
    inner = dict(nested)
    paths = [(key, sub) for key in top for sub in (inner[key] if key in inner else (None,))]
    names = [key if sub is None else f"{key}.{sub}" for key, sub in paths]
    if len(set(names)) != len(names):
        return None  # a key with a dot in it meets a flattened one: let the general path decide
    columns: dict[str, pa.Array] = {}
    for name, (key, sub) in zip(names, paths, strict=True):
        values = [rec[key] for rec in records] if sub is None else [rec[key][sub] for rec in records]
        try:
            columns[name] = pa.array(values, pa.string())  # plain strings and nulls: the usual case
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            if any(type(v) is dict for v in values):
                return None  # deeper nesting, or a dict where the first record had a scalar
            columns[name] = pa.array([_as_text(v) for v in values], pa.string())
    return columns


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def read_json(path: Path, spec: SourceSpec, source_file: str, sha256: str) -> tuple[FileRead, Iterator[pa.Table]]:
    """A JSON document (e.g. one page of a REST export) or JSON lines; records at `records_path`."""
    try:
        text = path.read_text(encoding=_bom_tolerant(spec.encoding))
    except UnicodeDecodeError as exc:
        raise FileRejected(f"not readable as {spec.encoding}: {exc.reason}; set 'encoding:'") from exc
    if not text.strip():
        raise FileRejected("empty file")
    records: list
    try:
        doc = json.loads(text)
        if spec.records_path:
            for part in spec.records_path.split("."):
                if not isinstance(doc, dict) or part not in doc:
                    raise FileRejected(f"records_path '{spec.records_path}' not found in the document (at '{part}')")
                doc = doc[part]
        records = doc if isinstance(doc, list) else [doc]
        raw_lines = None
    except json.JSONDecodeError as exc:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if len(lines) < 2:
            raise FileRejected(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
        # JSON lines: one record per line, a broken line is one reject.
        records, raw_lines = [], lines
        for line in lines:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as line_exc:
                records.append(line_exc)
    result = FileRead(header=[])
    good: list[tuple[int, dict]] = []
    for i, rec in enumerate(records, start=1):
        if type(rec) is dict:
            good.append((i, rec))
        elif isinstance(rec, json.JSONDecodeError):
            result.rejects.append(Reject(i, f"malformed JSON line: {rec.msg}", raw_lines[i - 1]))
        elif not isinstance(rec, dict):
            result.rejects.append(Reject(i, "record is not a JSON object", json.dumps(rec, ensure_ascii=False)))
        else:
            good.append((i, rec))  # a dict subclass
    uniform = _uniform_text_columns([rec for _, rec in good]) if good else None
    if uniform is None:
        good = [(i, _flatten(rec)) for i, rec in good]
        seen: dict[str, None] = {}
        for _, rec in good:
            for key in rec:
                seen.setdefault(key, None)
        result.header = list(seen)
    else:
        result.header = list(uniform)
    if good:
        missing, extra = _plan(spec, result.header)
    else:
        missing, extra = [], []
    result.missing_columns, result.extra_columns = missing, extra

    def text_columns(start: int, chunk: list[tuple[int, dict]]) -> dict[str, pa.Array]:
        if uniform is not None:
            return {name: values.slice(start, len(chunk)) for name, values in uniform.items()}
        return {
            name: pa.array([_as_text(rec.get(name)) for _, rec in chunk], pa.string()) for name in result.header
        }

    def raw_text(rec: dict) -> str:
        return json.dumps(rec if uniform is None else _flatten(rec), ensure_ascii=False)

    def batches() -> Iterator[pa.Table]:
        for start in range(0, len(good), JSON_BATCH_ROWS):
            chunk = good[start : start + JSON_BATCH_ROWS]
            cols = text_columns(start, chunk)
            table = pa.table(cols) if cols else pa.table({"_": pa.nulls(len(chunk))})
            numbers = np.array([i for i, _ in chunk], dtype=np.int64)
            by_number = dict(chunk)
            table, numbers, screened = _screen(
                table, numbers, None, lambda i, nums=numbers, recs=by_number: raw_text(recs[int(nums[i])])
            )
            result.rejects.extend(screened)
            if table.num_rows == 0:
                continue
            result.rows_written += table.num_rows
            yield canonical_batch(spec, table, numbers, source_file, sha256, extra)

    return result, batches()


# Containers that arrive under a text file's name: a decoding error would blame the encoding instead.
_CONTAINER_MAGIC = (
    (b"\x1f\x8b", "gzip-compressed: decompress it (gunzip) before landing it"),
    (b"PK\x03\x04", "a zip archive (or an .xlsx workbook): extract it or export the sheet as CSV"),
    (b"PAR1", "a Parquet file: export it as CSV or JSON"),
    (b"\xd0\xcf\x11\xe0", "an old Excel/Office document: export the sheet as CSV"),
)


def read_landed_file(path: Path, spec: SourceSpec, source_file: str, sha256: str):
    if path.stat().st_size == 0:
        raise FileRejected("empty file (0 bytes)")
    with path.open("rb") as fh:
        head = fh.read(8)
    for magic, what in _CONTAINER_MAGIC:
        if head.startswith(magic):
            raise FileRejected(f"the file is not {spec.format.upper()} text: it is {what}")
    if spec.format == "json":
        return read_json(path, spec, source_file, sha256)
    return read_csv(path, spec, source_file, sha256)
