"""Deterministic holdouts: a customer's arm depends only on (salt, experiment, customer_id).

Hashing instead of drawing random numbers keeps each person in the same arm across versions and
reruns, and lets SQL (DuckDB `sha256`) reproduce the assignment exactly (see the dbt macro
`holdout_bucket`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def holdout_bucket(customer_id: str, experiment: str, salt: str = "segmart") -> float:
    """Uniform in [0, 1): the first 8 hex digits of sha256('salt:experiment:customer_id') / 16**8."""
    digest = hashlib.sha256(f"{salt}:{experiment}:{customer_id}".encode()).hexdigest()
    return int(digest[:8], 16) / 16**8


def assign_holdout(
    customer_ids: Iterable[str], experiment: str, control_share: float = 0.1, salt: str = "segmart"
) -> list[str]:
    if not 0.0 < control_share < 1.0:
        raise ValueError(f"control_share must be strictly between 0 and 1, got {control_share}")
    return ["control" if holdout_bucket(c, experiment, salt) < control_share else "test" for c in customer_ids]
