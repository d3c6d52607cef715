"""Supervised path: when a marketer's known segments (labels) exist, learn them with a random forest or
histogram gradient boosting classifier and report holdout metrics."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted

from python_models.segmentation._util import native_threads

MODELS = ("hist_gradient_boosting", "random_forest")


def chance_baselines(y_train, y_test, classes) -> dict[str, float]:
    """What knowing only the class distribution achieves on the test rows, to read the metrics against:
    ``majority_accuracy`` (always the most frequent training segment) and ``chance_macro_f1``, the
    expected macro F1 of guessing each segment with its training share (per segment
    2 p q / (p + q), p its test share, q its training share)."""
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    q = np.array([np.mean(y_train == c) for c in classes])
    p = np.array([np.mean(y_test == c) for c in classes])
    f1 = np.divide(2 * p * q, p + q, out=np.zeros_like(p), where=(p + q) > 0)
    return {"majority_accuracy": float(np.mean(y_test == classes[int(np.argmax(q))])),
            "chance_macro_f1": float(f1.mean())}


class SupervisedSegmenter(ClassifierMixin, BaseEstimator):
    """Assign segments by predicted behaviour from labelled examples.

    ``fit`` holds out ``test_size`` (stratified) to measure accuracy, balanced accuracy, macro/weighted
    F1, per-segment precision/recall/F1 and the confusion matrix, then (``refit=True``) refits on all
    labelled rows. ``class_weight="balanced"`` handles unequal segment sizes.
    """

    def __init__(self, model: str = "hist_gradient_boosting", *, test_size: float = 0.25,
                 class_weight: str | None = "balanced", refit: bool = True, random_state: int = 0,
                 n_jobs: int = 2, params: dict[str, Any] | None = None):
        self.model = model
        self.test_size = test_size
        self.class_weight = class_weight
        self.refit = refit
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.params = params

    def _make(self):
        p = dict(self.params or {})
        if self.model == "hist_gradient_boosting":
            return HistGradientBoostingClassifier(class_weight=self.class_weight, random_state=self.random_state,
                                                  **p)
        if self.model == "random_forest":
            p.setdefault("n_estimators", 200)
            p.setdefault("min_samples_leaf", 2)
            return RandomForestClassifier(class_weight=self.class_weight, random_state=self.random_state,
                                          n_jobs=self.n_jobs, **p)
        raise ValueError(f"model must be one of {MODELS}")

    def fit(self, X, y):
        y = np.asarray(y)
        rows = np.arange(len(y))
        tr, te = train_test_split(rows, test_size=self.test_size, stratify=y, random_state=self.random_state)
        Xtr, Xte = (X.iloc[tr], X.iloc[te]) if isinstance(X, pd.DataFrame) else (X[tr], X[te])
        ytr, yte = y[tr], y[te]
        self.test_index_ = np.sort(te)
        with native_threads(len(y)):
            est = self._make().fit(Xtr, ytr)
            pred = est.predict(Xte)
        self.metrics_ = {
            "model": self.model,
            "n_train": int(len(ytr)),
            "n_test": int(len(yte)),
            "accuracy": float(accuracy_score(yte, pred)),
            "balanced_accuracy": float(balanced_accuracy_score(yte, pred)),
            "macro_f1": float(f1_score(yte, pred, average="macro")),
            "weighted_f1": float(f1_score(yte, pred, average="weighted")),
        }
        classes = np.unique(y)
        self.metrics_.update(chance_baselines(ytr, yte, classes))
        prec, rec, f1, sup = precision_recall_fscore_support(yte, pred, labels=classes, zero_division=0)
        self.report_ = pd.DataFrame({"segment": classes, "precision": prec, "recall": rec, "f1": f1,
                                     "support": sup})
        cm = confusion_matrix(yte, pred, labels=classes)
        self.confusion_ = pd.DataFrame(
            [{"actual": a, "predicted": p, "count": int(cm[i, j])}
             for i, a in enumerate(classes) for j, p in enumerate(classes)]
        )
        with native_threads(len(y)):
            self.estimator_ = clone(est).fit(X, y) if self.refit else est
        self.classes_ = self.estimator_.classes_
        return self

    def predict(self, X):
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(X)

    def predict_proba(self, X):
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)

    def metrics_table(self) -> pd.DataFrame:
        check_is_fitted(self, "metrics_")
        return pd.DataFrame([{"metric": k, "value": v} for k, v in self.metrics_.items() if k != "model"])
