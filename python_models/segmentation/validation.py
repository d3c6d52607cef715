"""Statistical validation of a segmentation and publishing gates.

* Stability: refit the segmenter on bootstrap samples (or subsamples) and compare the labels it gives
  a fixed evaluation sample with the reference labels: adjusted Rand index per run and, per reference
  segment, the best-match Jaccard (Hennig's cluster-wise stability).
* Per-feature tests across segments: one-way ANOVA with eta-squared and Kruskal-Wallis with
  epsilon-squared (H / (n - 1)).
* Gates: thresholds from a config dict -> table (gate, metric, value, threshold, comparator, passed);
  :func:`require_gates` raises :class:`GateFailure` so a publishing step can refuse a segmentation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score

from python_models.segmentation._util import as_matrix, native_threads, sample_index


@dataclass
class StabilityResult:
    runs: pd.DataFrame  # run, ari, n_segments
    segments: pd.DataFrame  # segment, mean_jaccard, min_jaccard, reference_size
    mean_ari: float
    mean_jaccard: float
    min_segment_jaccard: float


def best_match_jaccard(reference: np.ndarray, other: np.ndarray) -> dict[int, float]:
    """For each reference segment (noise -1 ignored), the max Jaccard with any segment of ``other``."""
    out = {}
    other_ids = [o for o in np.unique(other) if o >= 0]
    for r in np.unique(reference):
        if r < 0:
            continue
        a = reference == r
        best = 0.0
        for o in other_ids:
            b = other == o
            inter = np.count_nonzero(a & b)
            if inter:
                best = max(best, inter / np.count_nonzero(a | b))
        out[int(r)] = best
    return out


def _fixed_k(estimator):
    est = clone(estimator)
    params = est.get_params()
    if params.get("n_clusters") == "auto" and hasattr(estimator, "n_clusters_"):
        est.set_params(n_clusters=int(estimator.n_clusters_))
    if params.get("eps") == "auto" and hasattr(estimator, "eps_"):
        est.set_params(eps=float(estimator.eps_))
    return est


def stability(
    estimator,
    X,
    *,
    n_runs: int = 10,
    method: str = "bootstrap",
    fit_size: int | None = 20_000,
    subsample_fraction: float = 0.8,
    eval_size: int | None = 10_000,
    random_state: int = 0,
) -> StabilityResult:
    """Refit ``estimator`` (fitted; its k / eps are kept fixed) ``n_runs`` times on resampled rows.

    method "bootstrap": ``min(n, fit_size)`` rows drawn with replacement; "subsample":
    ``subsample_fraction`` of ``min(n, fit_size)`` rows without replacement. Every run predicts the same
    evaluation sample, compared with the reference labels from the fitted estimator.
    """
    arr, _ = as_matrix(X)
    n = arr.shape[0]
    rng = np.random.default_rng(random_state)
    ev = sample_index(n, eval_size, random_state + 7)
    E = arr[ev]
    reference = np.asarray(estimator.predict(E))
    base = _fixed_k(estimator)
    m = min(n, fit_size or n)
    run_rows, jac_rows = [], []
    for run in range(n_runs):
        if method == "bootstrap":
            idx = rng.integers(0, n, size=m)
        elif method == "subsample":
            idx = rng.choice(n, size=max(2, int(subsample_fraction * m)), replace=False)
        else:
            raise ValueError("method must be 'bootstrap' or 'subsample'")
        est = clone(base)
        if "random_state" in est.get_params():
            est.set_params(random_state=int(rng.integers(0, 2**31 - 1)))
        with native_threads(len(idx)):
            est.fit(arr[idx])
        pred = np.asarray(est.predict(E))
        run_rows.append({"run": run, "ari": float(adjusted_rand_score(reference, pred)),
                         "n_segments": int(len(np.unique(pred[pred >= 0])))})
        for seg, j in best_match_jaccard(reference, pred).items():
            jac_rows.append({"run": run, "segment": seg, "jaccard": j})
    runs = pd.DataFrame(run_rows)
    jac = pd.DataFrame(jac_rows, columns=["run", "segment", "jaccard"])
    ref_sizes = pd.Series(reference[reference >= 0]).value_counts()
    segs = jac.groupby("segment")["jaccard"].agg(mean_jaccard="mean", min_jaccard="min").reset_index()
    segs["reference_size"] = segs["segment"].map(ref_sizes).fillna(0).astype(int)
    return StabilityResult(
        runs=runs,
        segments=segs,
        mean_ari=float(runs["ari"].mean()),
        mean_jaccard=float(segs["mean_jaccard"].mean()) if len(segs) else float("nan"),
        min_segment_jaccard=float(segs["mean_jaccard"].min()) if len(segs) else float("nan"),
    )


def feature_tests(X, labels, *, sample_size: int | None = 100_000, alpha: float = 0.01,
                  random_state: int = 0) -> pd.DataFrame:
    """Per feature: ANOVA F, p, eta²; Kruskal-Wallis H, p, epsilon²; ``significant`` (both p < alpha).
    Noise rows (-1) are excluded; large inputs are tested on a seeded sample."""
    if isinstance(X, pd.DataFrame):
        names = [str(c) for c in X.columns]
        arr = X.to_numpy(dtype=np.float64)
    else:
        arr, names = as_matrix(X)
    labels = np.asarray(labels)
    keep = labels >= 0
    arr, labels = arr[keep], labels[keep]
    idx = sample_index(len(labels), sample_size, random_state)
    arr, labels = arr[idx], labels[idx]
    groups = [labels == g for g in np.unique(labels)]
    n = len(labels)
    rows = []
    for j, f in enumerate(names):
        x = arr[:, j]
        ok = np.isfinite(x)
        parts = [x[g & ok] for g in groups]
        parts = [p for p in parts if len(p)]
        row: dict[str, Any] = {"feature": f, "anova_f": np.nan, "anova_p": np.nan, "eta_squared": np.nan,
                               "kruskal_h": np.nan, "kruskal_p": np.nan, "epsilon_squared": np.nan}
        xs = x[ok]
        if len(parts) >= 2 and np.ptp(xs) > 0:
            grand = xs.mean()
            ss_total = float(((xs - grand) ** 2).sum())
            ss_between = float(sum(len(p) * (p.mean() - grand) ** 2 for p in parts))
            f_stat, p_val = stats.f_oneway(*parts)
            row.update(anova_f=float(f_stat), anova_p=float(p_val),
                       eta_squared=ss_between / ss_total if ss_total > 0 else np.nan)
            try:
                h, kp = stats.kruskal(*parts)
                row.update(kruskal_h=float(h), kruskal_p=float(kp), epsilon_squared=float(h) / (len(xs) - 1))
            except ValueError:
                pass
        rows.append(row)
    out = pd.DataFrame(rows)
    out["significant"] = (out["anova_p"] < alpha) & (out["kruskal_p"] < alpha)
    out["n_rows"] = n
    return out


def significant_feature_share(tests: pd.DataFrame) -> float:
    """Share of the testable features (not constant over the tested rows) that differ significantly
    across segments. A column that is the same for everyone cannot be separated by any segmentation:
    counting it would fail the gate on data that simply lacks that behaviour (a grocery sample has
    no web or social columns). 0.0 when no feature is testable."""
    testable = tests["anova_p"].notna()
    return float(tests.loc[testable, "significant"].mean()) if testable.any() else 0.0


# gate name -> (metric key, comparator)
GATES: dict[str, tuple[str, str]] = {
    "min_silhouette": ("silhouette", ">="),
    "max_davies_bouldin": ("davies_bouldin", "<="),
    "min_mean_ari": ("mean_ari", ">="),
    "min_mean_jaccard": ("mean_jaccard", ">="),
    "min_segment_jaccard": ("min_segment_jaccard", ">="),
    "min_segment_share": ("min_segment_share", ">="),
    "max_noise_share": ("noise_share", "<="),
    "min_segments": ("n_segments", ">="),
    "max_segments": ("n_segments", "<="),
    "min_significant_feature_share": ("significant_feature_share", ">="),
    "min_mean_eta_squared": ("mean_eta_squared", ">="),
}

DEFAULT_GATES: dict[str, float] = {
    "min_silhouette": 0.10,
    "min_mean_ari": 0.70,
    "min_mean_jaccard": 0.75,
    "min_segment_jaccard": 0.60,
    "min_segment_share": 0.02,
    "max_noise_share": 0.20,
    "min_segments": 2,
    "min_significant_feature_share": 0.30,
}


class GateFailure(RuntimeError):
    def __init__(self, table: pd.DataFrame):
        self.table = table
        failed = table[~table["passed"]]
        msg = "; ".join(f"{r.gate}: {r.value:.4g} {'<' if r.comparator == '>=' else '>'} {r.threshold:g}"
                        if pd.notna(r.value) else f"{r.gate}: metric missing"
                        for r in failed.itertuples(index=False))
        super().__init__(f"segmentation failed {len(failed)} gate(s): {msg}")


def evaluate_gates(metrics: dict[str, Any], thresholds: dict[str, float] | None = None) -> pd.DataFrame:
    """Table (gate, metric, value, threshold, comparator, passed). A missing/NaN metric fails its gate."""
    thresholds = DEFAULT_GATES if thresholds is None else thresholds
    unknown = set(thresholds) - set(GATES)
    if unknown:
        raise ValueError(f"unknown gates {sorted(unknown)}; known: {sorted(GATES)}")
    rows = []
    for gate, thr in thresholds.items():
        metric, cmp = GATES[gate]
        v = metrics.get(metric)
        v = float(v) if v is not None else float("nan")
        passed = bool(np.isfinite(v) and (v >= thr if cmp == ">=" else v <= thr))
        rows.append({"gate": gate, "metric": metric, "value": v, "threshold": float(thr), "comparator": cmp,
                     "passed": passed})
    return pd.DataFrame(rows, columns=["gate", "metric", "value", "threshold", "comparator", "passed"])


def require_gates(table: pd.DataFrame) -> None:
    """Raise :class:`GateFailure` unless every gate passed (call before publishing)."""
    if not bool(table["passed"].all()):
        raise GateFailure(table)
