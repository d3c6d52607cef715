import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from python_models.preprocessing import FeaturePreprocessor
from python_models.segmentation import GateFailure, SupervisedSegmenter, run_segmentation
from python_models.segmentation.synthetic import (
    PERSONA_VOCABULARY,
    make_personas,
    persona_preprocessing_config,
)

FAST = {
    "kmeans": {"k_range": [2, 9], "n_init": 2},
    "ward": {"sample_size": 800, "k_range": [2, 9]},
    "dbscan": {"sample_size": 1500},
    "compare": {"sample_size": 1500},
    "diagnostics": {"embedding_sample": 300, "tsne": False},
    "stability": {"n_runs": 4, "fit_size": 2000, "eval_size": 1500},
    "profiles": {"vocabulary": PERSONA_VOCABULARY},
}


@pytest.fixture(scope="module")
def personas():
    df, truth = make_personas(3000, random_state=3)
    prep = FeaturePreprocessor(persona_preprocessing_config()).fit(df)
    return df, truth, prep, prep.transform(df)


def test_run_segmentation_recovers_personas_and_passes_gates(personas):
    df, truth, prep, F = personas
    run = run_segmentation(F, FAST, raw=df.drop(columns="customer_id"), ids=df["customer_id"], preprocessor=prep)
    assert run.model.n_clusters_ == 6
    assert adjusted_rand_score(truth, run.labels) > 0.85
    assert run.passed, run.tables["gates"]
    run.require_pass()
    for name in ("k_selection", "comparison", "membership", "centroids", "profiles", "profile_features",
                 "stability_runs", "stability_segments", "feature_tests", "gates", "pca_variance",
                 "pca_loadings", "embedding", "k_distance", "run_metrics"):
        assert name in run.tables and len(run.tables[name]) > 0, name
    assert set(run.tables["comparison"]["candidate"]) == {"kmeans", "dbscan", "ward"}
    assert run.tables["profiles"]["name"].is_unique
    assert run.tables["pca_variance"]["cumulative_ratio"].iloc[-1] == pytest.approx(1.0)
    assert len(run.tables["membership"]) == len(df)


def test_publishing_refused_when_a_gate_fails(personas):
    df, _, _, F = personas
    cfg = dict(FAST, gates={"min_segment_share": 0.5})
    run = run_segmentation(F, cfg, steps=())
    assert not run.passed
    with pytest.raises(GateFailure):
        run.require_pass()


def test_supervised_segmenter_learns_known_segments(personas):
    df, truth, _, F = personas
    sup = SupervisedSegmenter(model="hist_gradient_boosting", params={"max_iter": 60}).fit(F, truth)
    assert sup.metrics_["accuracy"] > 0.9
    assert sup.metrics_["macro_f1"] > 0.9
    assert sup.confusion_["count"].sum() == sup.metrics_["n_test"]
    assert set(sup.report_["segment"]) == set(np.unique(truth))
    assert (sup.predict(F[:50]) == truth[:50]).mean() > 0.9
    rf = SupervisedSegmenter(model="random_forest", params={"n_estimators": 50}).fit(F, truth)
    assert rf.metrics_["balanced_accuracy"] > 0.85
