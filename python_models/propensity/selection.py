"""Feature selection: a correlation filter (drop the weaker of each highly correlated pair, and constant
columns) followed by recursive feature elimination with a logistic regression, sized by cross-validated
ROC AUC (the smallest feature count within ``tolerance`` of the best)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_selection import RFE, RFECV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.utils.validation import check_is_fitted


class CorrelationFilter(TransformerMixin, BaseEstimator):
    """Greedy filter: features ranked by |corr with y| (or variance without y); a feature is kept when
    its |Pearson r| with every already-kept feature is below ``threshold``. Constant columns go."""

    def __init__(self, threshold: float = 0.95):
        self.threshold = threshold

    def fit(self, X: pd.DataFrame, y=None):
        X = pd.DataFrame(X)
        arr = X.to_numpy(dtype=np.float64)
        std = arr.std(axis=0)
        names = [str(c) for c in X.columns]
        self.dropped_: dict[str, tuple[str | None, float]] = {}
        live = [i for i in range(len(names)) if std[i] > 0]
        for i in range(len(names)):
            if std[i] <= 0:
                self.dropped_[names[i]] = (None, float("nan"))
        if y is not None and live:
            yv = np.asarray(y, dtype=np.float64)
            yc = yv - yv.mean()
            ys = yc.std() or 1.0
            score = np.abs(((arr[:, live] - arr[:, live].mean(0)) * yc[:, None]).mean(0) / (std[live] * ys))
        else:
            score = std[live]
        order = [live[i] for i in np.argsort(-score, kind="stable")]
        corr = np.corrcoef(arr[:, live], rowvar=False) if len(live) > 1 else np.ones((1, 1))
        pos = {j: k for k, j in enumerate(live)}
        kept: list[int] = []
        for j in order:
            hit = None
            for k in kept:
                r = abs(corr[pos[j], pos[k]])
                if r >= self.threshold:
                    hit = (names[k], float(r))
                    break
            if hit:
                self.dropped_[names[j]] = hit
            else:
                kept.append(j)
        self.kept_ = [names[j] for j in sorted(kept)]
        return self

    def transform(self, X):
        check_is_fitted(self, "kept_")
        return pd.DataFrame(X)[self.kept_]

    def get_feature_names_out(self, input_features=None):
        return np.asarray(self.kept_, dtype=object)


@dataclass
class FeatureSelection:
    correlation_kept: list[str]
    rfe_kept: list[str]
    table: pd.DataFrame


def select_features(
    X: pd.DataFrame,
    y,
    *,
    correlation_threshold: float = 0.95,
    rfe: bool = True,
    rfe_min_features: int = 5,
    rfe_step: float | int = 0.2,
    sample_size: int = 20_000,
    cv: int = 3,
    tolerance: float = 0.002,
    random_state: int = 0,
) -> FeatureSelection:
    """Run the correlation filter, then RFE (on a stratified sample) on the survivors.

    Returns the survivors of each stage and a table: feature, kept_correlation, correlated_with,
    abs_corr, rfe_rank, kept_rfe.
    """
    y = np.asarray(y)
    if len(y) > sample_size:
        Xs, _, ys, _ = train_test_split(X, y, train_size=sample_size, stratify=y, random_state=random_state)
    else:
        Xs, ys = X, y
    from python_models.propensity._util import native_threads

    cf = CorrelationFilter(correlation_threshold).fit(Xs, ys)
    kept = cf.kept_
    rfe_kept = list(kept)
    ranks = dict.fromkeys(kept, 1)
    if rfe and len(kept) > rfe_min_features:
        est = LogisticRegression(max_iter=2_000, class_weight="balanced")
        cvs = StratifiedKFold(cv, shuffle=True, random_state=random_state)
        with native_threads(len(ys)):
            rcv = RFECV(est, step=rfe_step, min_features_to_select=rfe_min_features, cv=cvs,
                        scoring="roc_auc", n_jobs=1).fit(Xs[kept], ys)
        scores = np.asarray(rcv.cv_results_["mean_test_score"])
        counts = np.asarray(rcv.cv_results_["n_features"])
        n_best = int(counts[scores >= scores.max() - tolerance].min())
        with native_threads(len(ys)):
            sel = RFE(est, n_features_to_select=n_best, step=rfe_step).fit(Xs[kept], ys)
        rfe_kept = [f for f, s in zip(kept, sel.support_, strict=True) if s]
        ranks = dict(zip(kept, (int(r) for r in sel.ranking_), strict=True))
    rows = []
    for f in X.columns:
        f = str(f)
        partner, r = cf.dropped_.get(f, (None, np.nan))
        rows.append({
            "feature": f,
            "kept_correlation": f in kept,
            "correlated_with": partner,
            "abs_corr": r,
            "rfe_rank": ranks.get(f),
            "kept_rfe": f in rfe_kept,
        })
    return FeatureSelection(correlation_kept=list(kept), rfe_kept=rfe_kept, table=pd.DataFrame(rows))
