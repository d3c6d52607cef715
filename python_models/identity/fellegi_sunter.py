"""Fellegi-Sunter scoring of comparison vectors, trained without labels by EM.

The model: a pair is a match with prior probability ``lambda_``; given the match status, the
comparison levels are independent, with probabilities ``m`` (matches) and ``u`` (non-matches).
:class:`FellegiSunterModel` estimates them by expectation-maximisation on the candidate pairs
(aggregated to distinct comparison patterns, so EM costs nothing even with millions of pairs); u
is initialised from random pairs, which are almost all non-matches. A missing field (level -1)
contributes nothing. Term-frequency adjustment replaces, on an exact agreement, u by the
frequency of the agreed value: agreeing on a rare surname is stronger evidence than on 'martin'.

:class:`ClassifierScorer` is the supervised alternative when labels exist: a calibrated logistic
regression on the one-hot comparison vectors.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

_EPS = 1e-6


class _EstimatorParams:
    """scikit-learn's estimator protocol (get_params / set_params, so ``sklearn.base.clone`` works)
    without importing scikit-learn at module import (it costs half a second)."""

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict:
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        for name, value in params.items():
            if name not in self._param_names():
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


def _as_matrix(levels: pd.DataFrame | np.ndarray, columns: Sequence[str] | None) -> np.ndarray:
    if isinstance(levels, pd.DataFrame):
        cols = list(columns) if columns is not None else list(levels.columns)
        return levels[cols].to_numpy(dtype=np.int16)
    return np.asarray(levels, dtype=np.int16)


def _level_frequencies(matrix: np.ndarray, n_levels: Sequence[int], weights: np.ndarray | None = None,
                       prior: float = 0.5) -> list[np.ndarray]:
    """Per comparison: the (smoothed) share of each level among non-null values."""
    out = []
    w = np.ones(len(matrix)) if weights is None else weights
    for k, n in enumerate(n_levels):
        col = matrix[:, k]
        valid = col >= 0
        counts = np.bincount(col[valid], weights=w[valid], minlength=n)[:n].astype(float) + prior
        out.append(counts / counts.sum())
    return out


def _unique_patterns(matrix: np.ndarray, n_levels: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of a level matrix and their counts (rows encoded as one int64 when possible)."""
    radix = [n + 1 for n in n_levels]  # level -1 .. n-1
    if len(matrix) == 0:
        return matrix.reshape(0, len(n_levels)), np.zeros(0)
    if float(np.prod(np.array(radix, dtype=float))) < 2**62:
        code = np.zeros(len(matrix), dtype=np.int64)
        for k, r in enumerate(radix):
            code = code * r + (matrix[:, k].astype(np.int64) + 1)
        uniq, counts = np.unique(code, return_counts=True)
        patterns = np.zeros((len(uniq), len(radix)), dtype=np.int16)
        rest = uniq.copy()
        for k in range(len(radix) - 1, -1, -1):
            patterns[:, k] = (rest % radix[k]) - 1
            rest //= radix[k]
        return patterns, counts.astype(float)
    patterns, counts = np.unique(matrix, axis=0, return_counts=True)
    return patterns, counts.astype(float)


@dataclass
class EMTrace:
    n_iter: int
    converged: bool
    log_likelihood: list[float]


class FellegiSunterModel(_EstimatorParams):
    """Unsupervised Fellegi-Sunter model over integer comparison levels (-1 = null).

    Parameters
    ----------
    comparisons : names of the level columns, in order (the DataFrame columns used).
    n_levels : number of levels per comparison (inferred from data when omitted).
    max_iter, tol : EM stopping rule (largest change of any m, u or lambda).
    fix_u : keep u at its random-pair estimate (Splink's default) instead of re-estimating it on
        the candidate pairs.
    m_init : starting m for level 0; the rest of the mass is spread decreasingly over the others.
    tf_columns : {comparison: tf column}: apply term-frequency adjustment on exact agreements.
    tf_min : lower bound of a term frequency (caps the weight of very rare values).
    """

    def __init__(
        self,
        comparisons: Sequence[str] | None = None,
        n_levels: Mapping[str, int] | None = None,
        max_iter: int = 100,
        tol: float = 1e-5,
        fix_u: bool = False,
        m_init: float = 0.8,
        lambda_init: float | None = None,
        tf_columns: Mapping[str, str] | None = None,
        tf_min: float = 1e-4,
    ):
        self.comparisons = comparisons
        self.n_levels = n_levels
        self.max_iter = max_iter
        self.tol = tol
        self.fix_u = fix_u
        self.m_init = m_init
        self.lambda_init = lambda_init
        self.tf_columns = tf_columns
        self.tf_min = tf_min

    # -- fitting --------------------------------------------------------------------------------
    def _columns(self, levels: pd.DataFrame | np.ndarray) -> list[str]:
        if self.comparisons is not None:
            return list(self.comparisons)
        if isinstance(levels, pd.DataFrame):
            return [c for c in levels.columns if c not in {"rid_l", "rid_r", "swapped"}
                    and not str(c).startswith("tf_")]
        return [f"c{k}" for k in range(np.asarray(levels).shape[1])]

    def _init_m(self, n_levels: Sequence[int]) -> list[np.ndarray]:
        m = []
        for n in n_levels:
            if n == 1:
                m.append(np.ones(1))
                continue
            rest = np.geomspace(1.0, 0.1, n - 1)
            m.append(np.concatenate([[self.m_init], rest / rest.sum() * (1 - self.m_init)]))
        return m

    def fit(
        self,
        levels: pd.DataFrame | np.ndarray,
        y=None,
        u_levels: pd.DataFrame | np.ndarray | None = None,
        sessions: Sequence[tuple[np.ndarray, Sequence[str]]] | None = None,
        n_total_pairs: float | None = None,
    ):
        """Estimate the parameters without labels (``y`` is ignored).

        ``u_levels``: comparison vectors of random pairs; they initialise u (and fix it when
        ``fix_u`` or when ``sessions`` are given).

        Without ``sessions``, m, u (unless fixed) and lambda are estimated jointly by EM on all the
        ``levels`` (the candidate pairs). With ``sessions`` (Splink's training scheme), each session
        is ``(row mask, comparisons to exclude)``: EM runs on the rows of the mask with u fixed and
        the excluded comparisons (those the session's blocking rule forces to agree) ignored; each
        comparison's m is the mean of its estimates over the sessions that did not exclude it.
        lambda is then the prior over all ``n_total_pairs`` record pairs (solved so that the
        expected number of matches among the candidates equals lambda * n_total_pairs), or, without
        ``n_total_pairs``, the share of matches among the candidates.
        """
        self.columns_ = self._columns(levels)
        matrix = _as_matrix(levels, self.columns_ if isinstance(levels, pd.DataFrame) else None)
        um = None
        if u_levels is not None and len(u_levels):
            um = _as_matrix(u_levels, self.columns_ if isinstance(u_levels, pd.DataFrame) else None)
        if self.n_levels is not None:
            n_levels = [int(self.n_levels[c]) for c in self.columns_]
        else:
            n_levels = [int(max(matrix[:, k].max(initial=0), 0)) + 1 for k in range(matrix.shape[1])]
            if um is not None:
                n_levels = [max(n, int(um[:, k].max(initial=0)) + 1) for k, n in enumerate(n_levels)]
        self.n_levels_ = n_levels
        u = _level_frequencies(um if um is not None else matrix, n_levels, prior=0.5)
        traces = []
        if sessions:
            estimates: list[list[np.ndarray]] = [[] for _ in n_levels]
            self.sessions_ = []
            for mask, excluded in sessions:
                mask = np.asarray(mask, dtype=bool)
                if mask.sum() < 10:
                    continue
                sub = matrix[mask].copy()
                keep = np.array([c not in set(excluded) for c in self.columns_])
                sub[:, ~keep] = -1
                patterns, counts = _unique_patterns(sub, n_levels)
                m_s, _, lam_s, trace = self._em(patterns, counts, self._init_m(n_levels), u, None, fix_u=True)
                traces.append(trace)
                estimated = keep & np.array([(sub[:, k] >= 0).any() for k in range(len(n_levels))])
                for k in np.flatnonzero(estimated):
                    estimates[k].append(m_s[k])
                self.sessions_.append({"n_pairs": int(mask.sum()), "excluded": list(excluded), "lambda": lam_s,
                                       "n_iter": trace.n_iter, "m": m_s, "estimated": estimated})
            m = self._init_m(n_levels)
            for k in range(len(n_levels)):
                if estimates[k]:  # the median over sessions resists a session whose EM went astray
                    med = np.median(np.vstack(estimates[k]), axis=0)
                    m[k] = med / med.sum()
            patterns, counts = _unique_patterns(matrix, n_levels)
            if n_total_pairs:
                lam = self._prior_over_all_pairs(patterns, counts, m, u, float(n_total_pairs))
            else:
                _, _, lam, trace = self._em(patterns, counts, m, u, None, fix_u=True, fix_m=True)
                traces.append(trace)
        else:
            patterns, counts = _unique_patterns(matrix, n_levels)
            m, u, lam, trace = self._em(patterns, counts, self._init_m(n_levels), u, self.lambda_init,
                                        fix_u=self.fix_u)
            traces.append(trace)
        self.m_ = m
        self.u_ = u
        self.lambda_ = lam
        self.trace_ = EMTrace(
            n_iter=sum(t.n_iter for t in traces),
            converged=all(t.converged for t in traces),
            log_likelihood=traces[-1].log_likelihood if traces else [],
        )
        self.classes_ = np.array([0, 1])
        return self

    @staticmethod
    def _log_likelihoods(patterns: np.ndarray, m: list[np.ndarray], u: list[np.ndarray]):
        log_m = np.zeros(len(patterns))
        log_u = np.zeros(len(patterns))
        for k in range(len(m)):
            col = patterns[:, k]
            valid = col >= 0
            log_m[valid] += np.log(m[k][col[valid]])
            log_u[valid] += np.log(u[k][col[valid]])
        return log_m, log_u

    def _prior_over_all_pairs(self, patterns, counts, m, u, n_total: float) -> float:
        """lambda such that sum over candidates of P(match | lambda) = lambda * n_total."""
        log_m, log_u = self._log_likelihoods(patterns, m, u)
        log_bf = np.clip(log_m - log_u, -700, 700)
        lam = float(np.clip(counts.sum() * 0.01 / n_total, 1e-12, 0.5))
        for _ in range(200):
            odds = np.log(lam) - np.log1p(-lam) + log_bf
            post = 1.0 / (1.0 + np.exp(-np.clip(odds, -700, 700)))
            new = float(np.clip((counts * post).sum() / n_total, 1e-12, 0.5))
            if abs(new - lam) <= 1e-9 * max(lam, 1e-12):
                lam = new
                break
            lam = new
        return lam

    def _em(self, patterns, counts, m, u, lam, fix_u: bool, fix_m: bool = False):
        n_levels = [len(x) for x in m]
        if counts.sum() == 0:  # nothing to learn from: keep the starting values
            return m, u, (0.01 if lam is None else lam), EMTrace(n_iter=0, converged=True, log_likelihood=[])
        if lam is None:
            # start from the share of pairs agreeing exactly on at least half their non-null fields
            valid = (patterns >= 0).sum(axis=1)
            exact = (patterns == 0).sum(axis=1)
            lam = float(np.clip(counts[(exact * 2 >= np.maximum(valid, 1))].sum() / counts.sum(), 0.01, 0.9))
        trace = []
        converged = False
        it = 0
        while it < self.max_iter:
            it += 1
            log_m, log_u = self._log_likelihoods(patterns, m, u)
            a = np.log(lam) + log_m
            b = np.log1p(-lam) + log_u
            mx = np.maximum(a, b)
            ll = mx + np.log(np.exp(a - mx) + np.exp(b - mx))
            post = np.exp(a - ll)
            trace.append(float((counts * ll).sum()))
            wm = counts * post
            wu = counts * (1 - post)
            new_lam = float(np.clip(wm.sum() / counts.sum(), _EPS, 1 - _EPS))
            new_m = m if fix_m else _level_frequencies(patterns, n_levels, weights=wm, prior=0.01)
            new_u = u if fix_u else _level_frequencies(patterns, n_levels, weights=wu, prior=0.01)
            delta = abs(new_lam - lam)
            for k in range(len(n_levels)):
                delta = max(delta, float(np.abs(new_m[k] - m[k]).max()), float(np.abs(new_u[k] - u[k]).max()))
            m, u, lam = new_m, new_u, new_lam
            if delta < self.tol:
                converged = True
                break
        return m, u, lam, EMTrace(n_iter=it, converged=converged, log_likelihood=trace)

    # -- scoring --------------------------------------------------------------------------------
    def bayes_factors(self, levels: pd.DataFrame | np.ndarray) -> np.ndarray:
        """log2 Bayes factor of every comparison for every pair (0 for null levels), shape (n, K)."""
        matrix = _as_matrix(levels, self.columns_ if isinstance(levels, pd.DataFrame) else None)
        out = np.zeros(matrix.shape, dtype=float)
        for k in range(matrix.shape[1]):
            col = matrix[:, k]
            valid = col >= 0
            weights = np.log2(self.m_[k] / self.u_[k])
            out[valid, k] = weights[col[valid]]
            tf_col = (self.tf_columns or {}).get(self.columns_[k])
            if tf_col is not None and isinstance(levels, pd.DataFrame) and tf_col in levels.columns:
                tf = levels[tf_col].to_numpy(dtype=float, na_value=np.nan)
                use = valid & (col == 0) & ~np.isnan(tf)
                out[use, k] = np.log2(self.m_[k][0] / np.maximum(tf[use], self.tf_min))
        return out

    def match_weight(self, levels: pd.DataFrame | np.ndarray) -> np.ndarray:
        """log2 posterior odds: log2(lambda / (1 - lambda)) + the sum of the log2 Bayes factors."""
        prior = np.log2(self.lambda_ / (1 - self.lambda_))
        return prior + self.bayes_factors(levels).sum(axis=1)

    def predict_proba(self, levels: pd.DataFrame | np.ndarray) -> np.ndarray:
        w = self.match_weight(levels)
        p = 1.0 / (1.0 + np.exp2(-np.clip(w, -200, 200)))
        return np.column_stack([1 - p, p])

    def predict(self, levels: pd.DataFrame | np.ndarray, threshold: float = 0.85) -> np.ndarray:
        return (self.predict_proba(levels)[:, 1] >= threshold).astype(int)

    def parameters_frame(self, labels: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
        """m, u and the level's match weight, one row per comparison level."""
        rows = []
        for k, name in enumerate(self.columns_):
            for level in range(self.n_levels_[k]):
                label = labels[name][level] if labels and name in labels and level < len(labels[name]) else str(level)
                m, u = float(self.m_[k][level]), float(self.u_[k][level])
                rows.append({"comparison": name, "level": level, "label": label, "m": m, "u": u,
                             "match_weight": float(np.log2(m / u))})
        return pd.DataFrame(rows)


class ClassifierScorer(_EstimatorParams):
    """Supervised scorer: one-hot comparison levels -> (calibrated) logistic regression.

    Use when labelled pairs exist (e.g. from the review loop). ``calibrate`` wraps the regression
    in ``CalibratedClassifierCV`` (isotonic when there are enough labels, sigmoid otherwise).
    """

    def __init__(self, comparisons: Sequence[str] | None = None, C: float = 1.0, calibrate: bool = True,
                 cv: int = 3):
        self.comparisons = comparisons
        self.C = C
        self.calibrate = calibrate
        self.cv = cv

    def _matrix(self, levels: pd.DataFrame | np.ndarray) -> np.ndarray:
        if isinstance(levels, pd.DataFrame):
            cols = self.columns_ if hasattr(self, "columns_") else (
                list(self.comparisons) if self.comparisons is not None else
                [c for c in levels.columns if c not in {"rid_l", "rid_r", "swapped"} and not str(c).startswith("tf_")]
            )
            self.columns_ = cols
            return levels[cols].to_numpy(dtype=np.int16)
        return np.asarray(levels, dtype=np.int16)

    def fit(self, levels: pd.DataFrame | np.ndarray, y):
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import OneHotEncoder

        x = self._matrix(levels)
        y = np.asarray(y).astype(int)
        self.encoder_ = OneHotEncoder(handle_unknown="ignore")
        features = self.encoder_.fit_transform(x)
        base = LogisticRegression(C=self.C, max_iter=1000)
        n_min = int(min(np.bincount(y, minlength=2)))
        if self.calibrate and n_min >= self.cv * 2:
            method = "isotonic" if n_min >= 200 else "sigmoid"
            self.estimator_ = CalibratedClassifierCV(base, method=method, cv=self.cv)
        else:
            self.estimator_ = base
        self.estimator_.fit(features, y)
        self.classes_ = self.estimator_.classes_
        return self

    def predict_proba(self, levels: pd.DataFrame | np.ndarray) -> np.ndarray:
        return self.estimator_.predict_proba(self.encoder_.transform(self._matrix(levels)))

    def predict(self, levels: pd.DataFrame | np.ndarray, threshold: float = 0.85) -> np.ndarray:
        return (self.predict_proba(levels)[:, 1] >= threshold).astype(int)

    def match_weight(self, levels: pd.DataFrame | np.ndarray) -> np.ndarray:
        p = np.clip(self.predict_proba(levels)[:, 1], 1e-12, 1 - 1e-12)
        return np.log2(p / (1 - p))
