"""dbt-duckdb plugin: registers segmart's scalar functions on every DuckDB connection dbt opens.

Referenced from profiles.yml (``plugins: [{module: python_models.dbt_plugin}]``).

Functions
---------
``normalize_phone(phone VARCHAR, region VARCHAR) -> VARCHAR``
    The phone number in E.164 (``+33612345678``) parsed with ``phonenumbers`` using ``region``
    (ISO alpha-2) for numbers written without a country code; NULL when the input is NULL, cannot
    be parsed or is not a valid number for its region.

The function is an Arrow (vectorised) UDF: DuckDB hands it whole vectors, and the per-value work
is memoised, so repeated numbers (the same person in several systems) are parsed once. Staging
calls it on *distinct* (phone, region) pairs only, never row by row.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

try:  # duckdb >= 1.4
    from duckdb.sqltypes import VARCHAR
except ImportError:  # pragma: no cover - older duckdb
    from duckdb.typing import VARCHAR

_E164 = phonenumbers.PhoneNumberFormat.E164


@lru_cache(maxsize=262_144)
def to_e164(phone: str | None, region: str | None) -> str | None:
    """E.164 form of ``phone`` or None when it is empty, unparseable or invalid."""
    if phone is None:
        return None
    text = phone.strip()
    if not text:
        return None
    if text.startswith("00"):  # international prefix written as 00 instead of +
        text = "+" + text[2:]
    reg = region.strip().upper() if region else None
    if reg in ("", "ZZ"):
        reg = None
    try:
        parsed = phonenumbers.parse(text, reg)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, _E164)


def normalize_phone_arrow(phones: pa.Array, regions: pa.Array) -> pa.Array:
    """Vectorised wrapper for DuckDB: two Arrow string arrays in, one out."""
    return pa.array(
        [to_e164(p, r) for p, r in zip(phones.to_pylist(), regions.to_pylist(), strict=True)],
        type=pa.string(),
    )


def register_functions(conn: DuckDBPyConnection) -> None:
    """Register segmart's UDFs on ``conn`` (idempotent)."""
    try:
        conn.remove_function("normalize_phone")
    except Exception:  # noqa: BLE001 - not registered yet
        pass
    conn.create_function(
        "normalize_phone",
        normalize_phone_arrow,
        [VARCHAR, VARCHAR],
        VARCHAR,
        type="arrow",
        null_handling="special",
        side_effects=False,
    )


class Plugin(BasePlugin):
    """dbt-duckdb plugin hook: called for each new DuckDB connection."""

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register_functions(conn)
