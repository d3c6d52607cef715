"""Drift of the live population against a published version: is a full re-segmentation due?

Two signals, both measured against what the published version was fitted on:

* **Population stability index** per feature, binned on the published distribution (deciles of
  a numeric feature, its categories otherwise; missing values are a bin of their own, so a
  feature that starts arriving empty drifts too): PSI = sum((cur - ref) * ln(cur / ref)).
  Rule of thumb: < 0.1 stable, 0.1-0.25 moderate, > 0.25 a real shift.
* **Far customers**: the share of customers whose distance to the nearest published centroid
  exceeds the published run's own ``far_quantile`` distance. By construction about
  ``1 - far_quantile`` of the published customers are that far; new behaviour the segments do
  not describe makes the share grow.

A full re-segmentation is due when at least ``min_drifted_features`` features drift or the far
share exceeds ``max_far_share``. The micro-batch records the decision; the daily full refresh
re-segments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

DEFAULT_DRIFT_CONFIG: dict[str, Any] = {
    "bins": 10,
    "psi_threshold": 0.25,
    "min_drifted_features": 3,
    "far_quantile": 0.99,
    "max_far_share": 0.05,
}
EPSILON = 1e-4  # an empty bin on one side must not make PSI infinite
MISSING = "__missing__"
OTHER = "__other__"
AREA = "drift"


def drift_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    unknown = sorted(set(overrides) - set(DEFAULT_DRIFT_CONFIG))
    if unknown:
        raise ValueError(f"unknown drift settings {unknown}; known: {sorted(DEFAULT_DRIFT_CONFIG)}")
    return {**DEFAULT_DRIFT_CONFIG, **overrides}


def _numeric_values(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype=float)


def _text_keys(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Each value's category as text (missing values are MISSING), as codes into a list of keys.
    Factorising first keeps the Python work to the distinct values: converting a million Arrow
    strings to objects one by one was most of a batch's drift time at 1M customers."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    keys = [str(u) for u in uniques]
    if (codes < 0).any():
        codes = np.where(codes < 0, len(keys), codes)
        keys.append(MISSING)
    return codes, keys


@dataclass
class ReferenceBins:
    """The published distribution binned once: per feature its kind, its bins (deciles of a numeric
    feature plus a missing bin; its categories plus OTHER otherwise) and the reference counts.
    Counts are additive, so a population that differs from the reference in a few rows is counted
    from those rows alone (:func:`replaced_counts`)."""

    features: list[str]
    kinds: dict[str, str]
    edges: dict[str, np.ndarray]
    categories: dict[str, list[str]]
    counts: dict[str, np.ndarray]
    n: int

    @classmethod
    def fit(cls, reference: pd.DataFrame, features: list[str], bins: int) -> ReferenceBins:
        kinds, edges, categories = {}, {}, {}
        for f in features:
            ref = reference[f]
            if pd.api.types.is_numeric_dtype(ref) and not pd.api.types.is_bool_dtype(ref):
                kinds[f] = "numeric"
                r = _numeric_values(ref)
                finite = r[np.isfinite(r)]
                edges[f] = (np.unique(np.quantile(finite, np.linspace(0, 1, bins + 1)[1:-1]))
                            if finite.size else np.array([]))
            else:
                kinds[f] = "categorical"
                categories[f] = sorted(set(_text_keys(ref)[1]))  # missing values are a category too
        out = cls(list(features), kinds, edges, categories, {}, int(len(reference)))
        out.counts = out.count(out.codes(reference))
        return out

    def n_bins(self, feature: str) -> int:
        if self.kinds[feature] == "numeric":
            return len(self.edges[feature]) + 2  # the bins between the edges, then missing
        return len(self.categories[feature]) + 1  # the categories, then OTHER

    def codes(self, frame: pd.DataFrame) -> np.ndarray:
        """Each row's bin per feature (rows x features)."""
        out = np.empty((len(frame), len(self.features)), dtype=np.int32)
        for j, f in enumerate(self.features):
            if self.kinds[f] == "numeric":
                x, e = _numeric_values(frame[f]), self.edges[f]
                ok = np.isfinite(x)
                out[:, j] = np.where(ok, np.searchsorted(e, np.where(ok, x, 0.0), side="right"), len(e) + 1)
            else:
                cats = self.categories[f]
                position = {c: i for i, c in enumerate(cats)}
                codes, keys = _text_keys(frame[f])
                lookup = np.array([position.get(k, len(cats)) for k in keys], dtype=np.int32)
                out[:, j] = lookup[codes]
        return out

    def count(self, codes: np.ndarray) -> dict[str, np.ndarray]:
        return {f: np.bincount(codes[:, j], minlength=self.n_bins(f)).astype(float)
                for j, f in enumerate(self.features)}


def replaced_counts(bins: ReferenceBins, removed_codes: np.ndarray, added: pd.DataFrame) -> dict[str, np.ndarray]:
    """Counts of the reference population with some rows taken out (their bin codes) and others
    put in: the same counts as binning the whole new population."""
    removed, put = bins.count(removed_codes), bins.count(bins.codes(added))
    return {f: bins.counts[f] - removed[f] + put[f] for f in bins.features}


def psi(ref_counts: np.ndarray, cur_counts: np.ndarray) -> float:
    if ref_counts.sum() == 0 or cur_counts.sum() == 0:
        return float("nan")
    p = np.maximum(ref_counts / ref_counts.sum(), EPSILON)
    q = np.maximum(cur_counts / cur_counts.sum(), EPSILON)
    return float(np.sum((q - p) * np.log(q / p)))


def drift_features(frame: pd.DataFrame) -> list[str]:
    """The trait columns of a customer_features frame (ids and timestamps are not traits)."""
    out = []
    for c in frame.columns:
        if c == "customer_id" or c.endswith("_at_utc") or pd.api.types.is_datetime64_any_dtype(frame[c]):
            continue
        out.append(c)
    return out


def psi_table(reference: pd.DataFrame, current: pd.DataFrame, features: list[str] | None = None,
              config: dict[str, Any] | None = None) -> pd.DataFrame:
    """feature, kind, psi, threshold, drifted, n_reference, n_current (one row per feature)."""
    cfg = drift_config(config)
    features = features if features is not None else drift_features(reference)
    missing = [f for f in features if f not in current.columns]
    if missing:
        raise ValueError(f"current features lack {missing}: the live features and the published version disagree")
    bins = ReferenceBins.fit(reference, features, cfg["bins"])
    return psi_table_from_counts(bins, bins.count(bins.codes(current)), len(current), cfg)


def psi_table_from_counts(bins: ReferenceBins, current_counts: dict[str, np.ndarray], n_current: int,
                          config: dict[str, Any] | None = None) -> pd.DataFrame:
    cfg = drift_config(config)
    rows = []
    for f in bins.features:
        value = psi(bins.counts[f], current_counts[f])
        rows.append({"feature": f, "kind": bins.kinds[f], "psi": value,
                     "threshold": float(cfg["psi_threshold"]),
                     "drifted": bool(np.isfinite(value) and value > cfg["psi_threshold"]),
                     "n_reference": bins.n, "n_current": int(n_current)})
    return pd.DataFrame(rows, columns=["feature", "kind", "psi", "threshold", "drifted", "n_reference",
                                       "n_current"])


@dataclass
class DriftReport:
    features: pd.DataFrame
    far_share: float
    far_distance: float
    n_customers: int
    config: dict[str, Any]
    reasons: list[str] = field(default_factory=list)

    @property
    def n_drifted(self) -> int:
        return int(self.features["drifted"].sum())

    @property
    def full_resegmentation_due(self) -> bool:
        return bool(self.reasons)

    def summary_rows(self) -> pd.DataFrame:
        """The gate shape (area, gate, value, threshold, passed, detail): passed = no re-segmentation
        needed on that count."""
        top = self.features.sort_values("psi", ascending=False).head(3)
        worst = ", ".join(f"{r.feature} {r.psi:.2f}" for r in top.itertuples()) or "none"
        rows = [
            {"area": AREA, "gate": "drifted_features", "value": float(self.n_drifted),
             "threshold": float(self.config["min_drifted_features"]),
             "passed": self.n_drifted < self.config["min_drifted_features"],
             "detail": f"features with PSI > {self.config['psi_threshold']:g}; highest: {worst}"},
            {"area": AREA, "gate": "far_from_centroids_share", "value": self.far_share,
             "threshold": float(self.config["max_far_share"]),
             "passed": not self.far_share > self.config["max_far_share"],
             "detail": (f"share of {self.n_customers:,} customers farther from every centroid than the published "
                        f"p{100 * self.config['far_quantile']:g} distance {self.far_distance:.3f}")},
        ]
        return pd.DataFrame(rows)


def detect_drift(reference_features: pd.DataFrame, current_features: pd.DataFrame,
                 reference_distances: pd.Series | np.ndarray, current_distances: pd.Series | np.ndarray,
                 config: dict[str, Any] | None = None, features: list[str] | None = None) -> DriftReport:
    """Compare the live population (features in original units and distance to the nearest published
    centroid) with the published one."""
    cfg = drift_config(config)
    table = psi_table(reference_features, current_features, features, cfg)
    ref_d = np.asarray(reference_distances, dtype=float)
    cur_d = np.asarray(current_distances, dtype=float)
    far_distance = far_distance_of(ref_d, cfg)
    cur_d = cur_d[np.isfinite(cur_d)]
    far_share = float(np.mean(cur_d > far_distance)) if cur_d.size else 0.0
    return drift_report(table, far_share, far_distance, int(len(np.asarray(current_distances))), cfg)


def far_distance_of(reference_distances: np.ndarray, config: dict[str, Any]) -> float:
    ref_d = reference_distances[np.isfinite(reference_distances)]
    if ref_d.size == 0:
        raise ValueError("the published membership has no distances to centroids: nothing to compare with")
    return float(np.quantile(ref_d, config["far_quantile"]))


def drift_report(table: pd.DataFrame, far_share: float, far_distance: float, n_customers: int,
                 config: dict[str, Any]) -> DriftReport:
    cfg = drift_config(config)
    report = DriftReport(table, far_share, far_distance, n_customers, cfg)
    if report.n_drifted >= cfg["min_drifted_features"]:
        report.reasons.append(f"{report.n_drifted} features drifted (PSI > {cfg['psi_threshold']:g})")
    if far_share > cfg["max_far_share"]:
        report.reasons.append(f"{far_share:.1%} of customers are far from every centroid "
                              f"(> {cfg['max_far_share']:.0%})")
    return report
