import numpy as np
import pandas as pd
import pytest

from python_models.propensity import (
    CorrelationFilter,
    binary_metrics,
    choose_model,
    choose_threshold,
    confusion_table,
    deciles,
    roc_points,
    select_features,
)


def _table(rows):
    return pd.DataFrame(rows, columns=["candidate", "complexity", "validation_auc"])


def test_tie_break_prefers_simpler_within_tolerance():
    t = _table([("logistic_regression", 1, 0.809), ("hist_gradient_boosting", 2, 0.812), ("mlp", 4, 0.813)])
    name, reason = choose_model(t, 0.005)
    assert name == "logistic_regression"
    assert "simpler" in reason and "mlp" in reason


def test_clear_winner_is_kept():
    t = _table([("logistic_regression", 1, 0.790), ("hist_gradient_boosting", 2, 0.812), ("mlp", 4, 0.800)])
    name, reason = choose_model(t, 0.005)
    assert name == "hist_gradient_boosting"
    assert "best validation AUC" in reason


def test_tolerance_boundary():
    t = _table([("logistic_regression", 1, 0.8049), ("random_forest", 3, 0.8100)])
    assert choose_model(t, 0.005)[0] == "random_forest"
    t = _table([("logistic_regression", 1, 0.8051), ("random_forest", 3, 0.8100)])
    assert choose_model(t, 0.005)[0] == "logistic_regression"


def test_correlation_filter_drops_weaker_duplicate():
    rng = np.random.default_rng(0)
    a = rng.normal(size=2000)
    y = (a + rng.normal(size=2000) > 0).astype(int)
    X = pd.DataFrame({"a": a, "a_noisy_copy": a + rng.normal(0, 0.05, 2000), "b": rng.normal(size=2000),
                      "const": 1.0})
    cf = CorrelationFilter(0.95).fit(X, y)
    assert "b" in cf.kept_ and "const" not in cf.kept_
    assert len({"a", "a_noisy_copy"} & set(cf.kept_)) == 1


def test_select_features_rfe_keeps_informative():
    rng = np.random.default_rng(1)
    n = 3000
    X = pd.DataFrame(rng.normal(size=(n, 12)), columns=[f"x{i}" for i in range(12)])
    y = (1.5 * X["x0"] - 1.2 * X["x1"] + X["x2"] + rng.normal(size=n) > 0).astype(int)
    sel = select_features(X, y, rfe_min_features=2, rfe_step=1, random_state=0)
    assert {"x0", "x1", "x2"} <= set(sel.rfe_kept)
    assert len(sel.rfe_kept) < 12
    assert set(sel.table.columns) >= {"feature", "kept_correlation", "rfe_rank", "kept_rfe"}


def test_threshold_and_metrics():
    y = np.array([0, 0, 0, 0, 1, 1, 1, 0])
    p = np.array([0.1, 0.2, 0.3, 0.35, 0.8, 0.7, 0.6, 0.65])
    thr = choose_threshold(y, p)
    assert thr == pytest.approx(0.6)
    m = binary_metrics(y, p, thr)
    assert m["roc_auc"] == pytest.approx(1 - 1 / 15)
    assert m["recall"] == 1.0
    cm = confusion_table(y, p, thr).set_index(["actual", "predicted"])["count"]
    assert cm.sum() == 8 and cm[(1, 1)] == 3 and cm[(0, 1)] == 1
    r = roc_points(y, p)
    assert r["fpr"].iloc[0] == 0 and r["tpr"].iloc[-1] == 1


def test_deciles_balanced_and_ordered():
    p = np.random.default_rng(0).random(1000)
    d = deciles(p)
    assert np.bincount(d)[1:].tolist() == [100] * 10
    assert p[d == 1].min() > p[d == 2].max()
