"""Calibration loop: a review sample around the threshold, then precision/recall from its labels.

:func:`review_sample` draws scored pairs stratified by match-probability band, denser near the
threshold, and exports them with a short summary of each record and an empty ``label`` column
for a person to fill (1 = same person, 0 = different). Each row carries its sampling weight (pairs
in its band / pairs drawn), so :func:`precision_recall_by_threshold` can estimate precision and
recall over all scored pairs, not just the sample; :func:`recommend_threshold` returns the lowest
threshold whose estimated precision reaches the target at that threshold and above.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

DEFAULT_BANDS = (0.0, 0.2, 0.4, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99, 1.0000001)
SUMMARY_COLUMNS = (
    "source_system", "source_record_id", "first_name", "last_name", "full_name", "email", "phone",
    "phone_raw", "street", "postcode", "city", "birth_date",
)
REVIEW_COLUMNS = ["pair_id", "left_record", "right_record", "left_summary", "right_summary",
                  "match_probability", "band", "sample_weight", "label"]


def record_summary(records: pd.DataFrame, columns: Sequence[str] = SUMMARY_COLUMNS) -> pd.Series:
    """One readable line per record: 'name | email | phone | address | born ...'."""
    cols = [c for c in columns if c in records.columns and c not in {"source_system", "source_record_id"}]
    parts = []
    for c in cols:
        values = records[c].astype(object).where(records[c].notna(), None)
        parts.append(values.map(lambda v, c=c: f"{c}={v}" if v is not None and str(v).strip() else ""))
    if not parts:
        return pd.Series([""] * len(records), index=records.index)
    joined = pd.concat(parts, axis=1).apply(lambda row: " | ".join(x for x in row if x), axis=1)
    return joined


def review_sample(
    scored_pairs: pd.DataFrame,
    records: pd.DataFrame,
    n: int = 200,
    threshold: float = 0.85,
    bands: Sequence[float] = DEFAULT_BANDS,
    near_threshold_share: float = 0.6,
    seed: int = 0,
) -> pd.DataFrame:
    """A stratified review sample of scored pairs (rid_l, rid_r, match_probability).

    ``records`` is the contacts table indexed by rid (row position). ``near_threshold_share`` of
    the sample goes to the two bands on each side of the threshold, the rest is spread evenly
    over the other non-empty bands; quota a band cannot fill moves to bands with pairs to spare.
    """
    rng = np.random.default_rng(seed)
    probs = scored_pairs["match_probability"].to_numpy()
    edges = np.asarray(bands, dtype=float)
    band = np.clip(np.searchsorted(edges, probs, side="right") - 1, 0, len(edges) - 2)
    at = int(np.clip(np.searchsorted(edges, threshold, side="right") - 1, 0, len(edges) - 2))
    near = {b for b in (at - 2, at - 1, at, at + 1) if 0 <= b < len(edges) - 1}
    counts = np.bincount(band, minlength=len(edges) - 1)
    near = {b for b in near if counts[b]}
    far = [b for b in range(len(edges) - 1) if counts[b] and b not in near]
    quota = {}
    n_near = int(round(n * near_threshold_share)) if far else n
    for b in near:
        quota[b] = n_near // max(len(near), 1)
    for b in far:
        quota[b] = (n - n_near) // len(far)
    # a band with fewer pairs than its quota hands the rest to bands that have spare pairs, near
    # ones first, so a sparse region around the threshold does not shrink the sample
    takes = {b: min(q, int(counts[b])) for b, q in quota.items()}
    remaining = n - sum(takes.values())
    for group in (sorted(near), far):
        while remaining > 0:
            spare = [b for b in group if counts[b] > takes[b]]
            if not spare:
                break
            share = max(remaining // len(spare), 1)
            for b in spare:
                extra = min(share, int(counts[b]) - takes[b], remaining)
                takes[b] += extra
                remaining -= extra
    picked = []
    for b, take in sorted(takes.items()):
        idx = np.flatnonzero(band == b)
        if take <= 0:
            continue
        chosen = rng.choice(idx, size=take, replace=False)
        picked.append(pd.DataFrame({"_i": chosen, "band": b, "sample_weight": len(idx) / take}))
    if not picked:
        return pd.DataFrame(columns=REVIEW_COLUMNS)
    sample = pd.concat(picked, ignore_index=True)
    pairs = scored_pairs.iloc[sample["_i"].to_numpy()].reset_index(drop=True)
    summaries = record_summary(records)
    keys = records["source_system"].astype(str) + ":" + records["source_record_id"].astype(str)
    left, right = pairs["rid_l"].to_numpy(), pairs["rid_r"].to_numpy()
    out = pd.DataFrame({
        "pair_id": [f"{keys.iat[a]}~{keys.iat[b]}" for a, b in zip(left, right, strict=True)],
        "left_record": keys.to_numpy()[left],
        "right_record": keys.to_numpy()[right],
        "left_summary": summaries.to_numpy()[left],
        "right_summary": summaries.to_numpy()[right],
        "match_probability": pairs["match_probability"].round(6).to_numpy(),
        "band": [f"[{edges[b]:.2f}, {min(edges[b + 1], 1.0):.2f})" for b in sample["band"]],
        "sample_weight": sample["sample_weight"].round(6).to_numpy(),
        "label": pd.array([pd.NA] * len(sample), dtype="Int64"),
    })
    return out.sort_values("match_probability", ascending=False, kind="stable", ignore_index=True)


def precision_recall_by_threshold(
    labelled: pd.DataFrame, thresholds: Sequence[float] | None = None, weighted: bool = True
) -> pd.DataFrame:
    """Estimated precision and recall of 'match_probability >= t' for each threshold t.

    Uses the labelled rows (label 0/1; unlabelled rows are ignored), weighted by ``sample_weight``
    when present and ``weighted``. Recall is relative to the true matches among the scored
    pairs (pairs that blocking never proposed are not visible to a review sample).
    """
    rows = labelled[labelled["label"].notna()]
    p = rows["match_probability"].to_numpy(dtype=float)
    y = rows["label"].astype(int).to_numpy()
    w = rows["sample_weight"].to_numpy(dtype=float) if weighted and "sample_weight" in rows else np.ones(len(rows))
    if thresholds is None:
        thresholds = np.round(np.arange(0.05, 1.0, 0.01), 2)
    total_pos = float((w * y).sum())
    out = []
    for t in thresholds:
        sel = p >= t
        tp = float((w * y * sel).sum())
        fp = float((w * (1 - y) * sel).sum())
        out.append({
            "threshold": float(t),
            "n_labelled_above": int(sel.sum()),
            "precision": tp / (tp + fp) if tp + fp > 0 else np.nan,
            "recall": tp / total_pos if total_pos > 0 else np.nan,
            "f1": 2 * tp / (2 * tp + fp + (total_pos - tp)) if total_pos + fp > 0 else np.nan,
        })
    return pd.DataFrame(out)


def recommend_threshold(
    labelled: pd.DataFrame,
    target_precision: float = 0.95,
    thresholds: Sequence[float] | None = None,
    weighted: bool = True,
) -> float | None:
    """The lowest threshold t such that estimated precision is >= target at t and every higher
    threshold (that still selects labelled pairs); None when no threshold reaches it."""
    curve = precision_recall_by_threshold(labelled, thresholds, weighted=weighted)
    curve = curve[curve["n_labelled_above"] > 0].sort_values("threshold")
    if curve.empty:
        return None
    ok = (curve["precision"] >= target_precision).to_numpy()
    # suffix-all: ok at t and at every higher threshold
    suffix = np.flip(np.logical_and.accumulate(np.flip(ok)))
    if not suffix.any():
        return None
    return float(curve["threshold"].to_numpy()[np.argmax(suffix)])
