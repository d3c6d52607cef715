import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from python_models.segmentation import run_segmentation
from python_models.segmentation.silhouette import silhouette, silhouette_scores


def test_same_silhouettes_as_sklearn_for_every_labeling(blobs, noise):
    X, y = blobs
    rng = np.random.default_rng(1)
    singleton = np.r_[np.zeros(len(y) - 1, dtype=int), 1]  # a cluster of one row scores 0 there
    labelings = [y, rng.integers(0, 5, len(y)), singleton,
                 *(KMeans(k, n_init=1, random_state=0).fit_predict(X) for k in (2, 3, 6))]
    # small blocks so several blocks of the distance matrix are stitched together
    ours = silhouette_scores(X, labelings, block_cells=100_000)
    assert ours == pytest.approx([silhouette_score(X, lab) for lab in labelings], abs=1e-9)
    assert silhouette(noise, y) == pytest.approx(silhouette_score(noise, y), abs=1e-9)


def test_undefined_silhouette_is_nan(blobs):
    X, _ = blobs
    assert np.isnan(silhouette(X, np.zeros(len(X), dtype=int)))
    assert np.isnan(silhouette(X[:5], np.arange(5)))


def test_comparison_reuses_the_run_model_when_its_sample_is_every_row(blobs):
    X, _ = blobs
    cfg = {"kmeans": {"k_range": [2, 6], "n_init": 1}, "compare": {"candidates": ["kmeans", "ward"],
                                                                   "sample_size": len(X)},
           "ward": {"sample_size": 500, "k_range": [2, 6]}}
    run = run_segmentation(X, cfg, steps=("compare",))
    row = run.tables["comparison"].set_index("candidate").loc["kmeans"]
    assert row["fit_seconds"] == pytest.approx(run.timings["fit"], abs=1e-3)
    assert row["silhouette"] == pytest.approx(run.metrics["silhouette"])
    assert row["n_segments"] == run.model.n_clusters_
    sampled = run_segmentation(X, {**cfg, "compare": {"candidates": ["kmeans"], "sample_size": 1000}},
                               steps=("compare",))
    assert sampled.tables["comparison"]["n_rows"].iloc[0] == 1000  # a real sample is fitted on its own
