import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from python_models.segmentation import (
    DBSCANSegmenter,
    KMeansSegmenter,
    WardSegmenter,
    k_distance_curve,
    select_k,
)
from python_models.segmentation._util import nearest_centroid


@pytest.mark.parametrize(("k", "seed"), [(3, 0), (5, 1), (7, 2)])
def test_k_recovered_on_clean_blobs(k, seed):
    X, y = make_blobs(n_samples=1200, n_features=8, centers=k, cluster_std=1.0, random_state=seed)
    sel = select_k(X, (2, 10), n_init=2, random_state=0)
    assert sel.chosen_k == k
    assert sel.elbow_k == k
    assert set(sel.table.columns) >= {"k", "inertia", "silhouette", "is_elbow", "chosen"}
    assert sel.table["inertia"].is_monotonic_decreasing
    m = KMeansSegmenter(k_range=(2, 10), n_init=2).fit(X)
    assert m.n_clusters_ == k
    assert adjusted_rand_score(y, m.labels_) > 0.99


def test_silhouette_overrules_a_bad_elbow():
    X, _ = make_blobs(n_samples=900, n_features=4, centers=3, cluster_std=0.6, random_state=5)
    sel = select_k(X, (2, 8), silhouette_tolerance=0.0, silhouette_ratio=1.0, random_state=0)
    assert sel.chosen_k == sel.silhouette_k
    assert "silhouette" in sel.reason


def test_segments_numbered_by_size_and_predict_matches_labels(blobs):
    X, _ = blobs
    m = KMeansSegmenter(n_clusters=4).fit(X)
    sizes = np.bincount(m.labels_)
    assert list(sizes) == sorted(sizes, reverse=True)
    assert np.array_equal(m.predict(X), m.labels_)


def test_minibatch_path_for_large_n(blobs):
    X, y = blobs
    m = KMeansSegmenter(k_range=(2, 6), minibatch_threshold=1000, selection_sample=800).fit(X)
    assert m.algorithm_ == "minibatch_kmeans"
    assert m.n_clusters_ == 4
    assert adjusted_rand_score(y, m.labels_) > 0.95


def test_dbscan_eps_from_k_distance_knee():
    rng = np.random.default_rng(0)
    X, y = make_blobs(n_samples=1200, n_features=2, centers=[(0, 0), (10, 10), (0, 10)], cluster_std=0.5,
                      random_state=1)
    outliers = rng.uniform(-20, 30, size=(15, 2))
    X = np.vstack([X, outliers])
    kd = k_distance_curve(X, min_samples=8)
    assert np.all(np.diff(kd.curve) >= 0)
    assert kd.eps == pytest.approx(kd.curve[kd.knee_index])
    # eps sits above typical within-cluster neighbour distances and well below the cluster gap
    assert np.median(kd.curve) < kd.eps < 5.0
    m = DBSCANSegmenter(min_samples=8, sample_size=None).fit(X)
    assert m.eps_ == pytest.approx(kd.eps)
    assert m.n_clusters_ == 3
    assert adjusted_rand_score(y, m.labels_[:1200]) > 0.95
    assert (m.labels_[1200:] == -1).mean() > 0.8
    table = kd.table()
    assert table["is_knee"].sum() == 1 and (table["chosen_eps"] == kd.eps).all()


def test_dbscan_on_sample_assigns_the_rest_within_eps():
    X, y = make_blobs(n_samples=3000, n_features=3, centers=3, cluster_std=0.5, random_state=4)
    m = DBSCANSegmenter(min_samples=8, sample_size=1000).fit(X)
    assert m.n_clusters_ == 3
    clustered = m.labels_ >= 0
    assert clustered.mean() > 0.9  # rows beyond eps of every sampled core point are noise
    assert adjusted_rand_score(y[clustered], m.labels_[clustered]) > 0.99
    far = np.full((1, 3), 1e3)
    assert m.predict(far)[0] == -1


def test_ward_on_sample_assigns_every_row_to_nearest_centroid(blobs):
    X, y = blobs
    m = WardSegmenter(sample_size=300, k_range=(2, 8)).fit(X)
    assert len(m.sample_index_) == 300
    assert m.n_clusters_ == 4
    assert len(m.labels_) == len(X)
    assert np.array_equal(m.labels_, nearest_centroid(X, m.cluster_centers_))
    # centroids are the means of the sampled members
    S = X[m.sample_index_]
    for j in range(m.n_clusters_):
        assert np.allclose(m.cluster_centers_[j], S[m.sample_labels_ == j].mean(axis=0))
    assert adjusted_rand_score(y, m.labels_) > 0.95


def test_nan_input_rejected(blobs):
    X = blobs[0].copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        KMeansSegmenter(n_clusters=3).fit(X)
