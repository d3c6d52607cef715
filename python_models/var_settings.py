"""Settings handed over by dbt vars: a dict, or its JSON when dbt passes it through a config."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any


def settings_from_vars(values: dict[str, Any] | str | None, known: Iterable[str], what: str) -> dict[str, Any]:
    """The settings that were given (``None`` means "keep the default"); a misspelt name is an
    error rather than a silently ignored setting."""
    if isinstance(values, str):
        values = json.loads(values) if values.strip() else {}
    values = {k: v for k, v in (values or {}).items() if v is not None}
    known = set(known)
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"unknown {what} settings {unknown}; known: {sorted(known)}")
    return values
