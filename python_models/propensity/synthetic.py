"""Synthetic customers with a known purchase propensity (for tests and the 1M-row benchmark), and a
small synthetic event log for time-split tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def make_propensity_data(n: int, *, n_numeric: int = 26, random_state: int = 0,
                         missing_share: float = 0.02) -> tuple[pd.DataFrame, np.ndarray]:
    """(features: ``n_numeric`` numeric + 3 categorical columns + 1 near-duplicate, labels 0/1 ~10%).

    The label depends linearly on a few features, non-linearly on recency and via an interaction,
    and on the channel; the rest are noise. One column is a near-copy of another (for the
    correlation filter)."""
    rng = np.random.default_rng(random_state)
    Z = rng.standard_normal((n, n_numeric)).astype(np.float32)
    cols: dict[str, np.ndarray] = {}
    for j in range(n_numeric):
        kind = j % 4
        z = Z[:, j]
        if kind == 0:
            v = z * 10 + 50
        elif kind == 1:
            v = np.exp(3 + 0.7 * z)
        elif kind == 2:
            v = rng.poisson(np.exp(1 + 0.4 * z)).astype(np.float32)
        else:
            v = 1 / (1 + np.exp(-z))
        cols[f"f{j:02d}"] = v.astype(np.float32)
    channel = rng.choice(["email", "web", "store", "app", "phone"], n, p=[0.3, 0.3, 0.2, 0.15, 0.05])
    region = rng.choice(["north", "south", "east", "west"], n)
    device = rng.choice(["mobile", "desktop", "tablet"], n, p=[0.6, 0.3, 0.1])
    recency = Z[:, 1]
    logit = (
        -2.9
        + 0.9 * Z[:, 0]
        - 1.1 * np.where(recency > 0.5, 1.0, 0.0)
        + 0.7 * Z[:, 2]
        + 0.5 * Z[:, 3] * Z[:, 4]
        + 0.6 * np.tanh(Z[:, 5] * 2)
        + 0.4 * Z[:, 6]
        + np.select([channel == "app", channel == "store", channel == "phone"], [0.8, 0.4, -0.5], 0.0)
        + 0.3 * (device == "mobile")
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    df = pd.DataFrame(cols)
    df["f00_copy"] = (df["f00"] + rng.normal(0, 0.5, n)).astype(np.float32)
    df["channel"] = channel
    df["region"] = region
    df["device"] = device
    if missing_share > 0:
        for c in ("f00", "f03", "f07"):
            df.loc[rng.random(n) < missing_share, c] = np.nan
    return df, y


def make_event_log(n_customers: int = 300, *, start: str = "2024-01-01", days: int = 365,
                   random_state: int = 0) -> pd.DataFrame:
    """Purchases and visits with timestamps and amounts: customer_id, event_ts, event_type, amount."""
    rng = np.random.default_rng(random_state)
    rate = rng.gamma(1.5, 0.03, n_customers)
    rows = []
    t0 = pd.Timestamp(start)
    for c in range(n_customers):
        k = rng.poisson(rate[c] * days) + 1
        offs = np.sort(rng.uniform(0, days, k))
        types = rng.choice(["purchase", "visit"], k, p=[0.4, 0.6])
        amt = np.where(types == "purchase", rng.lognormal(3, 0.6, k), 0.0)
        for o, t, a in zip(offs, types, amt, strict=True):
            rows.append((c + 1, t0 + pd.Timedelta(days=float(o)), t, float(a)))
    return pd.DataFrame(rows, columns=["customer_id", "event_ts", "event_type", "amount"])
