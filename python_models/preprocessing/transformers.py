"""Small scikit-learn transformers used by the preprocessing builder (module-level so joblib can pickle them)."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.impute import KNNImputer
from sklearn.utils.validation import check_is_fitted


def log1p_clipped(x):
    """log1p after clipping negatives to 0 (counts and amounts); NaN stays NaN."""
    return np.log1p(np.clip(np.asarray(x, dtype=float), 0.0, None))


def expm1(x):
    return np.expm1(np.asarray(x, dtype=float))


class ScaledKNNImputer(TransformerMixin, BaseEstimator):
    """KNN imputation on standardised columns, so no column dominates the distance by its unit.

    All input columns serve as neighbour context; only ``targets`` (default: all) are imputed and
    returned, in original units. Neighbours are searched among at most ``max_fit_rows`` training rows
    (a seeded sample) so that imputing a million rows stays tractable.
    """

    def __init__(self, n_neighbors: int = 5, targets=None, max_fit_rows: int = 20_000, random_state: int = 0):
        self.n_neighbors = n_neighbors
        self.targets = targets
        self.max_fit_rows = max_fit_rows
        self.random_state = random_state

    def fit(self, X, y=None):
        X = self._as_array(X, reset=True)
        names = list(self.feature_names_in_)
        targets = names if self.targets is None else [str(t) for t in self.targets]
        missing = set(targets) - set(names)
        if missing:
            raise ValueError(f"targets not among input columns: {sorted(missing)}")
        self.target_index_ = np.asarray([names.index(t) for t in targets], dtype=int)
        with np.errstate(all="ignore"):
            mean = np.nanmean(X, axis=0) if X.shape[0] else np.zeros(X.shape[1])
            std = np.nanstd(X, axis=0) if X.shape[0] else np.ones(X.shape[1])
        self.mean_ = np.where(np.isfinite(mean), mean, 0.0)
        self.scale_ = np.where(np.isfinite(std) & (std > 0), std, 1.0)
        Z = (X - self.mean_) / self.scale_
        if Z.shape[0] > self.max_fit_rows:
            rng = np.random.default_rng(self.random_state)
            Z = Z[rng.choice(Z.shape[0], self.max_fit_rows, replace=False)]
        self.imputer_ = KNNImputer(n_neighbors=self.n_neighbors, keep_empty_features=True).fit(Z)
        return self

    def transform(self, X):
        check_is_fitted(self, "imputer_")
        X = self._as_array(X, reset=False)
        t = self.target_index_
        out = X[:, t].copy()
        rows = np.flatnonzero(np.isnan(out).any(axis=1))  # only rows with a missing target need KNN
        step = 50_000
        for start in range(0, len(rows), step):
            r = rows[start : start + step]
            Z = (X[r] - self.mean_) / self.scale_
            out[r] = self.imputer_.transform(Z)[:, t] * self.scale_[t] + self.mean_[t]
        return out

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "imputer_")
        return np.asarray(self.feature_names_in_[self.target_index_], dtype=object)

    def _as_array(self, X, *, reset: bool) -> np.ndarray:
        if hasattr(X, "columns"):
            if reset:
                self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
            X = X.to_numpy(dtype=float, na_value=np.nan)
        else:
            X = np.asarray(X, dtype=float)
            if reset:
                self.feature_names_in_ = np.asarray([f"x{i}" for i in range(X.shape[1])], dtype=object)
        if reset:
            self.n_features_in_ = X.shape[1]
        return X


class ColumnSelector(TransformerMixin, BaseEstimator):
    """Keep the named columns of a DataFrame (used after feature selection in model pipelines)."""

    def __init__(self, columns=None):
        self.columns = columns

    def fit(self, X, y=None):
        return self

    def __sklearn_is_fitted__(self) -> bool:  # stateless
        return True

    def transform(self, X):
        if self.columns is None:
            return X
        return X[list(self.columns)]

    def get_feature_names_out(self, input_features=None):
        return np.asarray(list(self.columns), dtype=object)
