"""Candidate classifiers, their search spaces and their simplicity rank (lower = simpler)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import loguniform
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import check_is_fitted


class BalancedClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Fit ``estimator`` with balanced sample weights (for estimators without ``class_weight``, e.g.
    MLPClassifier). ``balance=False`` fits unweighted, so the search can choose."""

    def __init__(self, estimator=None, balance: bool = True):
        self.estimator = estimator
        self.balance = balance

    def fit(self, X, y):
        self.estimator_ = clone(self.estimator)
        if self.balance:
            self.estimator_.fit(X, y, sample_weight=compute_sample_weight("balanced", y))
        else:
            self.estimator_.fit(X, y)
        self.classes_ = self.estimator_.classes_
        return self

    def predict(self, X):
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(X)

    def predict_proba(self, X):
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)


@dataclass
class Candidate:
    name: str
    estimator: Any
    params: dict[str, Any]
    complexity: int  # tie-break: lower is simpler
    family: str  # linear | tree | neural
    search: str = "random"  # random | grid
    n_iter: int = 8
    use_rfe_features: bool = False
    final_fit_overrides: dict[str, Any] = field(default_factory=dict)


def default_candidates(*, random_state: int = 0, n_jobs: int = 2) -> dict[str, Candidate]:
    """Logistic regression (grid), HistGradientBoosting, random forest, MLP (randomized).

    Simplicity order: logistic regression (1) < gradient boosting (2) < random forest (3) < MLP (4):
    linear is the most transparent; a boosted model is smaller and faster to score than a forest of
    deep trees; the network is the least interpretable. Imbalance: class weights (or balanced sample
    weights for the MLP) are part of each search space, so CV decides whether they help AUC.

    Cost (profiled on the 10k demo lake, where the search was 80% of the training CPU): C=10 was the
    slowest logistic fit to converge and never chosen on standardised features; boosting stops after
    10 rounds without gain, at most 150 rounds, learning rate >= 0.05; the forest searches with 50
    trees and refits the chosen parameters with 100. Same chosen models and demo AUC, half the CPU.
    """
    return {
        "logistic_regression": Candidate(
            name="logistic_regression",
            estimator=LogisticRegression(max_iter=2_000, solver="lbfgs", random_state=random_state),
            params={"C": [0.01, 0.1, 1.0], "class_weight": [None, "balanced"]},
            complexity=1, family="linear", search="grid", use_rfe_features=True,
        ),
        "hist_gradient_boosting": Candidate(
            name="hist_gradient_boosting",
            estimator=HistGradientBoostingClassifier(max_iter=150, early_stopping=True, validation_fraction=0.1,
                                                     n_iter_no_change=10, random_state=random_state),
            params={
                "learning_rate": loguniform(0.05, 0.3),
                "max_leaf_nodes": [15, 31, 63],
                "min_samples_leaf": [20, 50, 100, 200],
                "l2_regularization": loguniform(1e-3, 10.0),
                "max_features": [0.5, 0.8, 1.0],
                "class_weight": [None, "balanced"],
            },
            complexity=2, family="tree", n_iter=8,
        ),
        "random_forest": Candidate(
            name="random_forest",
            estimator=RandomForestClassifier(n_estimators=50, max_samples=0.5, n_jobs=1,
                                             random_state=random_state),
            params={
                "max_depth": [8, 12, 16],
                "min_samples_leaf": [10, 30, 100],
                "max_features": ["sqrt", 0.3],
                "class_weight": [None, "balanced_subsample"],
            },
            complexity=3, family="tree", n_iter=4,
            final_fit_overrides={"n_jobs": n_jobs, "n_estimators": 100},
        ),
        "mlp": Candidate(
            name="mlp",
            estimator=BalancedClassifier(MLPClassifier(early_stopping=True, max_iter=60, n_iter_no_change=5,
                                                       batch_size=512, random_state=random_state)),
            params={
                "estimator__hidden_layer_sizes": [(32,), (64,), (64, 32)],
                "estimator__alpha": loguniform(1e-5, 1e-2),
                "estimator__learning_rate_init": [1e-3, 3e-3],
                "balance": [True, False],
            },
            complexity=4, family="neural", n_iter=4,
        ),
    }


def native_importance(estimator, feature_names: list[str]) -> np.ndarray | None:
    """|coef| for linear models, impurity importance for forests; None otherwise."""
    est = estimator.estimator_ if isinstance(estimator, BalancedClassifier) else estimator
    if hasattr(est, "coef_"):
        return np.abs(np.ravel(est.coef_))
    if hasattr(est, "feature_importances_"):
        return np.asarray(est.feature_importances_)
    return None
