"""Score customers: probability, decile (1 = highest propensity) and top drivers per customer.

Drivers: for linear models the per-feature log-odds contribution ``coef * (x - training mean)``.
For tree and neural models, on the model's most important features, either
* occlusion (exact for one feature at a time): ``p(x) - p(x with the feature set to its training
  median)``, one extra prediction per driver feature, used for batches up to ``occlusion_max_rows``;
* partial dependence (fast, additive approximation): ``PD_f(x_f) - PD_f(median_f)`` with the
  feature's partial-dependence curve computed at training time; used for larger batches so that a
  million customers score in seconds.
Positive effects push the score up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from python_models.propensity._util import native_threads
from python_models.propensity.candidates import BalancedClassifier
from python_models.propensity.training import PropensityModel


def deciles(p: np.ndarray) -> np.ndarray:
    """1..10 by descending probability (ties broken by position), 1 = top 10%."""
    n = len(p)
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    order = np.argsort(-p, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return (rank * 10 // n + 1).astype(np.int8)


def _linear_contributions(model: PropensityModel, M: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    est = model.pipeline[-1]
    coef = np.ravel(est.coef_)
    mean = np.array([model.feature_mean[f] for f in model.features])
    return (M.to_numpy(dtype=np.float64) - mean) * coef, list(model.features)


def _occlusion_contributions(model: PropensityModel, M: pd.DataFrame, base: np.ndarray,
                             chunk: int = 200_000) -> tuple[np.ndarray, list[str]]:
    est = model.pipeline[-1]
    feats = [f for f in model.driver_features if f in M.columns]
    cols = [list(M.columns).index(f) for f in feats]
    out = np.empty((len(M), len(feats)), dtype=np.float64)
    arr = np.array(M.to_numpy(dtype=np.float64), copy=True)
    for s in range(0, len(M), chunk):
        blk = arr[s : s + chunk]
        for j, c in enumerate(cols):
            saved = blk[:, c].copy()
            blk[:, c] = model.feature_baseline[feats[j]]
            out[s : s + chunk, j] = base[s : s + chunk] - est.predict_proba(
                pd.DataFrame(blk, columns=M.columns))[:, 1]
            blk[:, c] = saved
    return out, feats


def _pd_contributions(model: PropensityModel, M: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    feats = [f for f in model.driver_features if f in model.driver_curves]
    out = np.empty((len(M), len(feats)), dtype=np.float64)
    for j, f in enumerate(feats):
        grid, vals = (np.asarray(a, dtype=np.float64) for a in model.driver_curves[f])
        base = np.interp(model.feature_baseline[f], grid, vals)
        out[:, j] = np.interp(M[f].to_numpy(dtype=np.float64), grid, vals) - base
    return out, feats


def score_customers(model: PropensityModel, X: pd.DataFrame, ids=None, *, n_drivers: int = 3,
                    drivers: bool = True, driver_method: str = "auto",
                    occlusion_max_rows: int = 200_000, chunk_rows: int = 100_000) -> pd.DataFrame:
    """customer_id, probability, decile, predicted (at the model threshold), driver_i, driver_i_effect.

    Rows are encoded and scored ``chunk_rows`` at a time (deciles over all of them): the encoded
    matrix of a million customers was the largest thing propensity held."""
    if driver_method not in ("auto", "occlusion", "partial_dependence"):
        raise ValueError("driver_method must be auto, occlusion or partial_dependence")
    if driver_method == "auto":
        driver_method = "occlusion" if len(X) <= occlusion_max_rows else "partial_dependence"
    step = max(1, int(chunk_rows))
    with native_threads(len(X)):
        parts = [_score(model, X.iloc[s : s + step], n_drivers if drivers else 0, driver_method)
                 for s in range(0, max(len(X), 1), step)]
    out = pd.concat(parts, ignore_index=True)
    p = out["probability"].to_numpy()
    out.insert(0, "customer_id", np.asarray(X.index if ids is None else ids))
    out.insert(2, "decile", deciles(p))
    out["model_version"] = model.version
    return out


def _score(model: PropensityModel, X: pd.DataFrame, n_drivers: int, driver_method: str) -> pd.DataFrame:
    M = model.model_matrix(X)
    est = model.pipeline[-1]
    p = est.predict_proba(M)[:, 1]
    out = pd.DataFrame({"probability": p, "predicted": (p >= model.threshold).astype(np.int8)})
    if n_drivers > 0:
        inner = est.estimator_ if isinstance(est, BalancedClassifier) else est
        if hasattr(inner, "coef_") and not isinstance(est, BalancedClassifier):
            contrib, names = _linear_contributions(model, M)
            method = "log_odds_contribution"
        elif driver_method == "occlusion":
            contrib, names = _occlusion_contributions(model, M, p)
            method = "occlusion_probability_change"
        else:
            contrib, names = _pd_contributions(model, M)
            method = "partial_dependence_probability_change"
        k = min(n_drivers, contrib.shape[1])
        top = np.argsort(-contrib, axis=1)[:, :k]
        names_arr = np.asarray(names, dtype=object)
        for i in range(k):
            out[f"driver_{i + 1}"] = names_arr[top[:, i]]
            out[f"driver_{i + 1}_effect"] = np.take_along_axis(contrib, top[:, i : i + 1], axis=1)[:, 0]
        out["driver_method"] = method
    return out
