import numpy as np
import pandas as pd
import pytest

from python_models.segmentation import (
    DBSCANSegmenter,
    GateFailure,
    KMeansSegmenter,
    best_match_jaccard,
    evaluate_gates,
    feature_tests,
    require_gates,
    stability,
)
from python_models.segmentation.validation import significant_feature_share


def test_stability_high_on_separable_data(blobs):
    X, _ = blobs
    m = KMeansSegmenter(n_clusters=4).fit(X)
    st = stability(m, X, n_runs=5, random_state=0)
    assert st.mean_ari > 0.95
    assert st.mean_jaccard > 0.95
    assert len(st.runs) == 5 and set(st.segments["segment"]) == {0, 1, 2, 3}


def test_stability_low_on_noise(noise):
    m = KMeansSegmenter(n_clusters=6).fit(noise)
    st = stability(m, noise, n_runs=5, method="subsample", random_state=0)
    assert st.mean_ari < 0.6
    assert st.min_segment_jaccard < 0.6


def test_stability_keeps_auto_parameters_fixed(blobs):
    X, _ = blobs
    m = DBSCANSegmenter(min_samples=8).fit(X)
    st = stability(m, X, n_runs=3, random_state=1)
    assert st.mean_ari > 0.9


def test_best_match_jaccard_known_labels():
    ref = np.array([0, 0, 0, 0, 1, 1, 1, 1, -1])
    other = np.array([5, 5, 5, 7, 7, 7, 7, 7, 5])
    j = best_match_jaccard(ref, other)
    assert j[0] == pytest.approx(3 / 5)  # {0,1,2,3} vs {0,1,2,8}: 3 shared of 5
    assert j[1] == pytest.approx(4 / 5)


def test_feature_tests_effect_sizes():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], 200)
    X = pd.DataFrame({
        "separating": labels * 10 + rng.normal(0, 0.1, 600),
        "noise": rng.normal(0, 1, 600),
        "constant": np.ones(600),
    })
    ft = feature_tests(X, labels).set_index("feature")
    assert ft.loc["separating", "eta_squared"] > 0.99
    assert ft.loc["separating", "epsilon_squared"] > 0.8
    assert ft.loc["separating", "significant"]
    assert ft.loc["noise", "eta_squared"] < 0.02
    assert not ft.loc["noise", "significant"]
    assert np.isnan(ft.loc["constant", "anova_f"]) and not ft.loc["constant", "significant"]
    # the constant column cannot be separated by any segmentation: it is left out of the share
    assert significant_feature_share(ft.reset_index()) == pytest.approx(1 / 2)
    assert significant_feature_share(ft.reset_index().query("feature == 'constant'")) == 0.0


def test_gates_pass_and_fail():
    metrics = {"silhouette": 0.25, "min_segment_share": 0.01, "mean_ari": 0.9, "noise_share": 0.0}
    table = evaluate_gates(metrics, {"min_silhouette": 0.2, "min_segment_share": 0.02, "min_mean_ari": 0.8,
                                     "max_noise_share": 0.1, "min_mean_jaccard": 0.8})
    t = table.set_index("gate")
    assert list(table.columns) == ["gate", "metric", "value", "threshold", "comparator", "passed"]
    assert t.loc["min_silhouette", "passed"] and t.loc["min_mean_ari", "passed"]
    assert t.loc["max_noise_share", "passed"]
    assert not t.loc["min_segment_share", "passed"]  # 0.01 < 0.02
    assert not t.loc["min_mean_jaccard", "passed"]  # metric missing -> fails
    with pytest.raises(GateFailure, match="min_segment_share"):
        require_gates(table)
    ok = evaluate_gates(metrics, {"min_silhouette": 0.2})
    require_gates(ok)


def test_unknown_gate_rejected():
    with pytest.raises(ValueError, match="unknown gates"):
        evaluate_gates({}, {"min_magic": 1})
