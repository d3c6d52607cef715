"""Leakage-free time split for propensity models.

Features are computed *as of* a cutoff T from events strictly before T; the label is whether a target
event happens in the window (T, T + horizon]. The training cutoff is earlier than the scoring cutoff
(by default exactly one horizon earlier, so the training labels are fully observed by the scoring
cutoff), and :func:`make_training_set` refuses a training window that reaches past the scoring cutoff.

The feature function only ever receives the events before its cutoff, so leakage is prevented by
construction, not by convention; a custom ``feature_fn(events_before_cutoff, cutoff)`` gets the same
guarantee.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd


class LeakageError(ValueError):
    """A requested split would let information from after a cutoff into features or training labels."""


@dataclass(frozen=True)
class EventSchema:
    customer: str = "customer_id"
    time: str = "event_ts"
    amount: str | None = "amount"
    event_type: str | None = "event_type"


@dataclass(frozen=True)
class TimeSplit:
    train_cutoff: pd.Timestamp
    score_cutoff: pd.Timestamp
    horizon_days: int

    @property
    def label_window_end(self) -> pd.Timestamp:
        return self.train_cutoff + pd.Timedelta(days=self.horizon_days)


def plan_split(score_cutoff, horizon_days: int = 30, *, train_cutoff=None) -> TimeSplit:
    """Scoring at ``score_cutoff``; training at ``score_cutoff - horizon`` unless given (must be earlier
    and its label window must end by the scoring cutoff)."""
    score = pd.Timestamp(score_cutoff)
    train = pd.Timestamp(train_cutoff) if train_cutoff is not None else score - pd.Timedelta(days=horizon_days)
    split = TimeSplit(train_cutoff=train, score_cutoff=score, horizon_days=int(horizon_days))
    if horizon_days <= 0:
        raise ValueError("horizon_days must be positive")
    if split.train_cutoff >= split.score_cutoff:
        raise LeakageError("training cutoff must be earlier than the scoring cutoff")
    if split.label_window_end > split.score_cutoff:
        raise LeakageError(
            f"training label window ends {split.label_window_end.date()}, after the scoring cutoff "
            f"{split.score_cutoff.date()}: those labels are not observable yet"
        )
    return split


def events_before(events: pd.DataFrame, cutoff, schema: EventSchema = EventSchema()) -> pd.DataFrame:
    """Rows strictly before ``cutoff``: the only input features may see."""
    ts = pd.to_datetime(events[schema.time])
    return events.loc[ts < pd.Timestamp(cutoff)]


def default_features(
    past: pd.DataFrame,
    cutoff,
    *,
    schema: EventSchema = EventSchema(),
    windows: Iterable[int] = (7, 30, 90, 365),
    event_types: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Per-customer behaviour as of ``cutoff`` from ``past`` (events before the cutoff only):
    n_events, n_events_<w>d, days_since_last, days_since_first, active_days, and with an amount column
    amount_sum, amount_mean, amount_sum_<w>d; with an event-type column n_<type> and n_<type>_30d."""
    cutoff = pd.Timestamp(cutoff)
    ts = pd.to_datetime(past[schema.time])
    if (ts >= cutoff).any():
        raise LeakageError("default_features received events at or after the cutoff")
    c = past[schema.customer]
    age_days = (cutoff - ts).dt.total_seconds() / 86_400.0
    frame = pd.DataFrame({"c": c.to_numpy(), "age": age_days.to_numpy(), "day": ts.dt.floor("D").to_numpy()})
    g = frame.groupby("c")
    out = pd.DataFrame(index=pd.Index(g.size().index, name=schema.customer))
    out["n_events"] = g.size()
    for w in windows:
        out[f"n_events_{w}d"] = frame[frame["age"] <= w].groupby("c").size().reindex(out.index).fillna(0)
    out["days_since_last"] = g["age"].min()
    out["days_since_first"] = g["age"].max()
    out["active_days"] = g["day"].nunique()
    if schema.amount and schema.amount in past.columns:
        frame["amt"] = pd.to_numeric(past[schema.amount], errors="coerce").to_numpy()
        ga = frame.groupby("c")["amt"]
        out["amount_sum"] = ga.sum()
        out["amount_mean"] = ga.mean()
        for w in windows:
            out[f"amount_sum_{w}d"] = (
                frame[frame["age"] <= w].groupby("c")["amt"].sum().reindex(out.index).fillna(0.0)
            )
    if schema.event_type and schema.event_type in past.columns:
        frame["t"] = past[schema.event_type].astype(str).to_numpy()
        types = sorted(frame["t"].unique()) if event_types is None else list(event_types)
        for t in types:
            sub = frame[frame["t"] == t]
            out[f"n_{t}"] = sub.groupby("c").size().reindex(out.index).fillna(0)
            out[f"n_{t}_30d"] = sub[sub["age"] <= 30].groupby("c").size().reindex(out.index).fillna(0)
    return out.astype("float64")


def build_features(
    events: pd.DataFrame,
    cutoff,
    *,
    schema: EventSchema = EventSchema(),
    feature_fn: Callable[[pd.DataFrame, pd.Timestamp], pd.DataFrame] | None = None,
    customers: Iterable | None = None,
    **kwargs,
) -> pd.DataFrame:
    """Features as of ``cutoff``: ``feature_fn`` only ever sees events strictly before the cutoff.
    ``customers`` (optional) fixes the population (rows for customers without history are NaN/0)."""
    cutoff = pd.Timestamp(cutoff)
    past = events_before(events, cutoff, schema)
    feats = feature_fn(past, cutoff) if feature_fn is not None else default_features(past, cutoff, schema=schema,
                                                                                     **kwargs)
    if customers is not None:
        feats = feats.reindex(pd.Index(list(customers), name=feats.index.name))
        count_cols = [c for c in feats.columns if c.startswith("n_") or c.startswith("amount_sum")]
        feats[count_cols] = feats[count_cols].fillna(0.0)
    return feats


def build_labels(
    events: pd.DataFrame,
    cutoff,
    horizon_days: int,
    customers: Iterable,
    *,
    schema: EventSchema = EventSchema(),
    target: str | Iterable[str] | Callable[[pd.DataFrame], pd.Series] | None = None,
) -> pd.Series:
    """1 if the customer has a target event with cutoff < ts <= cutoff + horizon_days, else 0.

    target: an event type, several event types, a row predicate, or None (any event)."""
    cutoff = pd.Timestamp(cutoff)
    end = cutoff + pd.Timedelta(days=horizon_days)
    ts = pd.to_datetime(events[schema.time])
    window = events.loc[(ts > cutoff) & (ts <= end)]
    if target is not None:
        if callable(target):
            window = window.loc[np.asarray(target(window), dtype=bool)]
        else:
            types = [target] if isinstance(target, str) else list(target)
            window = window.loc[window[schema.event_type].astype(str).isin(types)]
    hit = set(window[schema.customer].unique())
    idx = pd.Index(list(customers), name=schema.customer)
    return pd.Series(idx.isin(list(hit)).astype(np.int8), index=idx, name="label")


def make_training_set(
    events: pd.DataFrame,
    split: TimeSplit,
    *,
    schema: EventSchema = EventSchema(),
    target=None,
    feature_fn=None,
    **kwargs,
) -> tuple[pd.DataFrame, pd.Series]:
    """(features as of train_cutoff, labels in (train_cutoff, train_cutoff + horizon]) for customers with
    history before the training cutoff."""
    if split.label_window_end > split.score_cutoff:
        raise LeakageError("training label window reaches past the scoring cutoff")
    X = build_features(events, split.train_cutoff, schema=schema, feature_fn=feature_fn, **kwargs)
    y = build_labels(events, split.train_cutoff, split.horizon_days, X.index, schema=schema, target=target)
    return X, y


def make_scoring_set(events: pd.DataFrame, split: TimeSplit, *, schema: EventSchema = EventSchema(),
                     feature_fn=None, **kwargs) -> pd.DataFrame:
    """Features as of the scoring cutoff (the latest), for every customer with history before it."""
    return build_features(events, split.score_cutoff, schema=schema, feature_fn=feature_fn, **kwargs)


def feature_columns_match(train: pd.DataFrame, score: pd.DataFrame) -> pd.DataFrame:
    """Align scoring columns to training columns (missing event types -> 0)."""
    return score.reindex(columns=train.columns, fill_value=0.0)
