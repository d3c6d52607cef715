"""Read-only SQL for people: a write is refused with a clear message, never half-applied.

Queries go to the serving catalog (what is published now), opened read-only, so they never wait
for a refresh and a refresh never waits for them.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import duckdb

# Statements that only read. Anything else (COPY ... TO, ATTACH, CREATE, INSERT, SET, INSTALL...)
# could write a file or another database even on a read-only connection, so it is refused whole.
READ_ONLY_STATEMENTS = {"SELECT", "EXPLAIN"}


class ReadOnlyQueryError(RuntimeError):
    pass


def check_read_only(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise ReadOnlyQueryError(str(exc).splitlines()[0]) from exc
    for statement in statements:
        kind = getattr(statement.type, "name", str(statement.type))
        if kind not in READ_ONLY_STATEMENTS:
            first = " ".join(statement.query.split())[:60]
            raise ReadOnlyQueryError(f"refused: segmart query is read-only and '{first}' is a statement of type {kind} "
                                     "(only SELECT, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN are allowed)")


def run_read_only_query(db_path: Path, sql: str, max_rows: int = 40) -> str:
    db_path = Path(db_path)
    if not db_path.exists():
        raise ReadOnlyQueryError(f"nothing published at {db_path} yet: run `segmart refresh` (or `make demo`) first")
    try:
        # resolve the serving link first: DuckDB caches open databases by path within a process
        con = duckdb.connect(str(db_path.resolve()), read_only=True)
    except duckdb.IOException as exc:
        raise ReadOnlyQueryError(f"the database is busy (being written): {str(exc).splitlines()[0]}") from exc
    try:
        check_read_only(con, sql)
        rel = con.sql(sql)
        if rel is None:
            return "ok"
        total = len(rel)
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):  # show() honours max_rows; str() stops at 20
            rel.limit(max_rows).show(max_rows=max_rows, max_width=shutil.get_terminal_size((160, 40)).columns)
        text = buffer.getvalue().rstrip()
        if total > max_rows:
            text += f"\n({total:,} rows, first {max_rows} shown)"
        return text
    except duckdb.InvalidInputException as exc:
        if "read-only" in str(exc):
            raise ReadOnlyQueryError(f"refused: segmart query is read-only ({str(exc).splitlines()[0]})") from exc
        raise ReadOnlyQueryError(str(exc).splitlines()[0]) from exc
    except duckdb.Error as exc:
        raise ReadOnlyQueryError(str(exc).splitlines()[0]) from exc
    finally:
        con.close()
