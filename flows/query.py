"""Read-only SQL for people: a write is refused with a clear message, never half-applied."""

from __future__ import annotations

from pathlib import Path

import duckdb


class ReadOnlyQueryError(RuntimeError):
    pass


def run_read_only_query(db_path: Path, sql: str, max_rows: int = 40) -> str:
    if not Path(db_path).exists():
        raise ReadOnlyQueryError(f"no warehouse at {db_path} yet: run `segmart refresh` (or `make demo`) first")
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except duckdb.IOException as exc:
        raise ReadOnlyQueryError(f"the warehouse is busy (being written by a build): {exc}") from exc
    try:
        rel = con.sql(sql)
        if rel is None:
            return "ok"
        total = len(rel)
        text = str(rel.limit(max_rows))
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
