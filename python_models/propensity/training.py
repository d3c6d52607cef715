"""Train, compare and choose a propensity model; the result scores customers and persists itself.

Flow (``PropensityTrainer.fit``):
1. hold out a stratified validation split (unless one is given);
2. fit the preprocessing on the training rows only (median/KNN imputation, encoding, scaling; on a
   seeded sample of ``preprocess_fit_max_rows`` when there are more); transform the validation split
   and the training rows the later steps read (a stratified sample of ``final_fit_max_rows`` when
   there are more; the selection and search samples are drawn from it);
3. feature selection on a training sample: correlation filter for every candidate, RFE for the
   linear one;
4. per candidate: grid / randomized search with stratified CV (ROC AUC) on a stratified subsample
   of ``search_sample_size`` training rows; the tuned model (refit on that subsample) is scored on
   the validation split;
5. choose: best validation AUC, a simpler candidate within ``tie_tolerance`` wins (reason recorded);
6. final fit of the chosen model with its tuned parameters on the training rows (a stratified sample
   of ``final_fit_max_rows`` when there are more);
7. threshold maximising F1 on validation; evaluation tables; importances; registry record;
8. with ``refit_with_validation`` (default "auto": when training rows < 200k) the chosen model is refitted once more on training +
   validation rows, same parameters and threshold, so the deployed model uses every labelled row.
   Reported validation metrics always come from the model that did not see the validation rows.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline

from python_models.preprocessing import ColumnSelector, FeaturePreprocessor
from python_models.propensity._util import native_threads, start_workers
from python_models.propensity.candidates import Candidate, default_candidates
from python_models.propensity.evaluation import (
    binary_metrics,
    calibration_table,
    choose_model,
    choose_threshold,
    confusion_table,
    feature_importances,
    roc_points,
)
from python_models.propensity.selection import select_features


def partial_dependence_curves(estimator, background: pd.DataFrame, features: list[str], grid_size: int = 20
                              ) -> dict[str, tuple[list[float], list[float]]]:
    """Average predicted probability over ``background`` rows with one feature set to each grid value
    (the feature's distinct values if few, else quantiles 2%..98%). Used for fast per-customer drivers."""
    curves = {}
    n = len(background)
    for f in features:
        col = background[f].to_numpy(dtype=np.float64)
        uniq = np.unique(col)
        grid = uniq if len(uniq) <= grid_size else np.unique(np.quantile(col, np.linspace(0.02, 0.98, grid_size)))
        # one prediction over every grid value's copy of the background, not one per value: a forest
        # pays its per-call overhead (tree dispatch) once per feature instead of ~20 times
        B = pd.concat([background] * len(grid), ignore_index=True)
        B[f] = np.repeat(grid, n)
        p = estimator.predict_proba(B)[:, 1].reshape(len(grid), n)
        curves[f] = ([float(g) for g in grid], [float(v) for v in p.mean(axis=1)])
    return curves


def _stratified_sample(X, y, size: int, random_state: int):
    if size is None or len(y) <= size:
        return X, y
    Xs, _, ys, _ = train_test_split(X, y, train_size=size, stratify=y, random_state=random_state)
    return Xs, ys


def _jsonable(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, tuple):
        return list(v)
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    return v


@dataclass
class PropensityModel:
    """A fitted propensity model: ``pipeline`` = preprocessor -> column selector -> classifier."""

    name: str
    algorithm: str
    family: str
    pipeline: Pipeline
    input_columns: list[str]
    features: list[str]
    params: dict[str, Any]
    threshold: float
    metrics: dict[str, Any]
    choice_reason: str
    tables: dict[str, pd.DataFrame]
    feature_baseline: dict[str, float]
    feature_mean: dict[str, float]
    driver_features: list[str]
    trained_at: str
    driver_curves: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        h = hashlib.sha1(json.dumps([self.algorithm, self.features, self.params], sort_keys=True,
                                    default=str).encode()).hexdigest()[:8]
        stamp = self.trained_at.replace("-", "").replace(":", "").replace("+0000", "")[:15]
        return f"{self.name}-{stamp}-{h}"

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        with native_threads(len(X)):
            return self.pipeline.predict_proba(X[self.input_columns])[:, 1]

    def model_matrix(self, X: pd.DataFrame) -> pd.DataFrame:
        """The classifier's input (after preprocessing and selection)."""
        return self.pipeline[:-1].transform(X[self.input_columns])

    def evaluate(self, X: pd.DataFrame, y, *, prefix: str = "test") -> dict[str, Any]:
        """Metrics at the stored threshold on new labelled data; adds ``<prefix>_roc`` etc. to tables."""
        p = self.predict_proba(X)
        m = binary_metrics(y, p, self.threshold)
        self.tables[f"{prefix}_roc"] = roc_points(y, p)
        self.tables[f"{prefix}_confusion"] = confusion_table(y, p, self.threshold)
        self.tables[f"{prefix}_calibration"] = calibration_table(y, p)
        self.metrics[prefix] = m
        return m

    def registry_record(self) -> dict[str, Any]:
        return {
            "model_name": self.name,
            "version": self.version,
            "algorithm": self.algorithm,
            "features": self.features,
            "input_columns": self.input_columns,
            "params": self.params,
            "metrics": self.metrics,
            "threshold": self.threshold,
            "choice_reason": self.choice_reason,
            "trained_at": self.trained_at,
            "sklearn_version": sklearn.__version__,
            **({"metadata": self.metadata} if self.metadata else {}),
        }


class PropensityTrainer:
    def __init__(
        self,
        *,
        candidates: list[str] | dict[str, Candidate] | None = None,
        preprocessing: dict | None = None,
        search_sample_size: int = 30_000,
        cv: int = 3,
        n_jobs: int = 2,
        valid_fraction: float = 0.2,
        correlation_threshold: float = 0.95,
        rfe: bool = True,
        selection_sample_size: int = 20_000,
        tie_tolerance: float = 0.005,
        importance_sample: int = 5_000,
        n_driver_features: int = 8,
        rf_max_rows_per_tree: int = 200_000,
        final_fit_max_rows: int | None = 250_000,
        preprocess_fit_max_rows: int | None = 200_000,
        refit_with_validation: bool | str = "auto",
        random_state: int = 0,
    ):
        self.candidates = candidates
        self.preprocessing = preprocessing
        self.search_sample_size = search_sample_size
        self.cv = cv
        self.n_jobs = min(n_jobs, 2)
        self.valid_fraction = valid_fraction
        self.correlation_threshold = correlation_threshold
        self.rfe = rfe
        self.selection_sample_size = selection_sample_size
        self.tie_tolerance = tie_tolerance
        self.importance_sample = importance_sample
        self.n_driver_features = n_driver_features
        self.rf_max_rows_per_tree = rf_max_rows_per_tree
        self.final_fit_max_rows = final_fit_max_rows
        self.preprocess_fit_max_rows = preprocess_fit_max_rows
        self.refit_with_validation = refit_with_validation
        self.random_state = random_state

    def _candidates(self) -> dict[str, Candidate]:
        allc = default_candidates(random_state=self.random_state, n_jobs=self.n_jobs)
        if self.candidates is None:
            return allc
        if isinstance(self.candidates, dict):
            return self.candidates
        unknown = set(self.candidates) - set(allc)
        if unknown:
            raise ValueError(f"unknown candidates {sorted(unknown)}; known: {sorted(allc)}")
        return {k: allc[k] for k in self.candidates}

    def fit(self, X: pd.DataFrame, y, X_valid: pd.DataFrame | None = None, y_valid=None, *,
            name: str = "propensity", metadata: dict[str, Any] | None = None) -> PropensityModel:
        rs = self.random_state
        timings: dict[str, float] = {}
        t = time.perf_counter()
        workers = start_workers(self.n_jobs)
        y = np.asarray(y).astype(int)
        if set(np.unique(y)) - {0, 1}:
            raise ValueError("labels must be 0/1")
        if X_valid is None:
            X, X_valid, y, y_valid = train_test_split(X, y, test_size=self.valid_fraction, stratify=y,
                                                      random_state=rs)
        y_valid = np.asarray(y_valid).astype(int)
        input_columns = [str(c) for c in X.columns]
        n_train, y_all = len(y), y
        prep = FeaturePreprocessor(self.preprocessing, fit_max_rows=self.preprocess_fit_max_rows).fit(X)
        # Every later step reads at most final_fit_max_rows training rows (the final fit's sample,
        # which the selection and search samples are drawn from), so only those are transformed:
        # at 1M customers the encoded copy of every training row was gigabytes nobody read.
        X, y = _stratified_sample(X, y, self.final_fit_max_rows, rs)
        Xt, Xv = prep.transform(X), prep.transform(X_valid)
        timings["preprocess"] = time.perf_counter() - t

        t = time.perf_counter()
        sel = select_features(Xt, y, correlation_threshold=self.correlation_threshold, rfe=self.rfe,
                              sample_size=self.selection_sample_size, random_state=rs)
        timings["selection"] = time.perf_counter() - t

        Xs, ys = _stratified_sample(Xt, y, self.search_sample_size, rs)
        if workers is not None:
            workers.join()
        cvs = StratifiedKFold(self.cv, shuffle=True, random_state=rs)
        rows, tuned = [], {}
        for cname, cand in self._candidates().items():
            t = time.perf_counter()
            feats = sel.rfe_kept if cand.use_rfe_features else sel.correlation_kept
            if cand.search == "grid":
                search = GridSearchCV(clone(cand.estimator), cand.params, scoring="roc_auc", cv=cvs,
                                      n_jobs=self.n_jobs, refit=True)
            else:
                search = RandomizedSearchCV(clone(cand.estimator), cand.params, n_iter=cand.n_iter,
                                            scoring="roc_auc", cv=cvs, n_jobs=self.n_jobs, refit=True,
                                            random_state=rs)
            with native_threads(len(ys)):
                search.fit(Xs[feats], ys)
                pv = search.best_estimator_.predict_proba(Xv[feats])[:, 1]
            tuned[cname] = (feats, search.best_params_, search.best_estimator_)
            rows.append({
                "candidate": cname,
                "family": cand.family,
                "complexity": cand.complexity,
                "search": cand.search,
                "n_search_rows": int(len(ys)),
                "n_features": len(feats),
                "cv_auc": float(search.best_score_),
                "validation_auc": float(roc_auc_score(y_valid, pv)),
                "validation_pr_auc": float(average_precision_score(y_valid, pv)),
                "best_params": json.dumps(_jsonable(search.best_params_), default=str),
                "search_seconds": round(time.perf_counter() - t, 2),
            })
        cand_table = pd.DataFrame(rows)
        chosen, reason = choose_model(cand_table, self.tie_tolerance)
        cand_table["chosen"] = cand_table["candidate"] == chosen
        timings["search"] = float(cand_table["search_seconds"].sum())

        t = time.perf_counter()
        cand = self._candidates()[chosen]
        feats, best_params, searched = tuned[chosen]
        est = clone(cand.estimator).set_params(**best_params, **cand.final_fit_overrides)
        # A stratified sample of at most final_fit_max_rows: past a few hundred thousand rows a
        # model of ~30 features gains next to nothing, and at 1M customers the fit on every
        # training row was the longest step of the whole refresh.
        Xf, yf = _stratified_sample(Xt[feats], y, self.final_fit_max_rows, rs)
        if isinstance(est, RandomForestClassifier) and len(yf) > self.rf_max_rows_per_tree:
            est.set_params(max_samples=self.rf_max_rows_per_tree / len(yf))
        if isinstance(est, HistGradientBoostingClassifier) and len(yf) > len(ys):
            # bound the full-data fit: at most twice the boosting rounds early stopping kept on the
            # search sample (early stopping stays on); cost is O(n * features * rounds)
            est.set_params(max_iter=int(min(est.max_iter, max(100, 2 * searched.n_iter_))))
        with native_threads(len(yf)):
            est.fit(Xf, yf)
        timings["final_fit"] = time.perf_counter() - t

        t = time.perf_counter()
        with native_threads(len(y_valid)):
            pv = est.predict_proba(Xv[feats])[:, 1]
        thr = choose_threshold(y_valid, pv)
        metrics = {"validation": binary_metrics(y_valid, pv, thr), "n_train": int(n_train),
                   "train_positive_rate": float(y_all.mean())}
        with native_threads(min(len(y_valid), self.importance_sample)):
            imp = feature_importances(est, Xv[feats], y_valid, sample_size=self.importance_sample,
                                      random_state=rs)
        timings["evaluate"] = time.perf_counter() - t
        metrics["final_fit_rows"] = int(len(yf))
        refit = self.refit_with_validation
        if refit == "auto":  # worth it on small data; on large data 20% more rows changes little
            refit = n_train < 200_000
        if refit:
            t = time.perf_counter()
            Xr, yr = _stratified_sample(pd.concat([Xt[feats], Xv[feats]]), np.concatenate([y, y_valid]),
                                        self.final_fit_max_rows, rs)
            with native_threads(len(yr)):
                est = clone(est).fit(Xr, yr)
            metrics["final_fit_rows"] = int(len(yr))
            timings["refit_with_validation"] = time.perf_counter() - t
        driver_feats = [f for f in imp["feature"].head(self.n_driver_features)]
        with native_threads(500):
            curves = {} if cand.family == "linear" else partial_dependence_curves(
                est, _stratified_sample(Xt[feats], y, 500, rs)[0], driver_feats)
        pipeline = Pipeline([("preprocess", prep), ("select", ColumnSelector(feats)), ("model", est)])
        tables = {
            "candidates": cand_table,
            "feature_selection": sel.table,
            "validation_roc": roc_points(y_valid, pv),
            "validation_confusion": confusion_table(y_valid, pv, thr),
            "validation_calibration": calibration_table(y_valid, pv),
            "feature_importance": imp,
            "preprocessing": prep.describe(),
        }
        params = _jsonable({k: v for k, v in est.get_params(deep=False).items()
                            if isinstance(v, (int, float, str, bool, tuple, type(None), np.number))})
        params.update(_jsonable({k: v for k, v in best_params.items() if k.startswith("estimator__")}))
        metrics["timings_seconds"] = {k: round(v, 2) for k, v in timings.items()}
        return PropensityModel(
            name=name, algorithm=chosen, family=cand.family, pipeline=pipeline, input_columns=input_columns,
            features=list(feats), params=params, threshold=thr, metrics=metrics, choice_reason=reason,
            tables=tables,
            feature_baseline={f: float(v) for f, v in Xt[feats].median().items()},
            feature_mean={f: float(v) for f, v in Xt[feats].mean().items()},
            driver_features=driver_feats,
            driver_curves=curves,
            trained_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000"),
            metadata=dict(metadata or {}),
        )
