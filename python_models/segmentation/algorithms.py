"""Segmenters with a scikit-learn interface: k-means (k by elbow + silhouette), DBSCAN (eps from the
k-distance knee) and Ward on a sample. All expose ``fit``, ``predict`` (nearest centroid / core point),
``transform`` (distances to centroids), ``labels_``, ``cluster_centers_`` and ``n_clusters_``.
Segments are numbered 0..k-1 by decreasing size; DBSCAN noise is -1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import DBSCAN, KMeans, MiniBatchKMeans
from sklearn.neighbors import NearestNeighbors
from sklearn.utils.validation import check_is_fitted

from python_models.segmentation._util import (
    as_matrix,
    centers_from_labels,
    native_threads,
    nearest_centroid,
    relabel_by_size,
    sample_index,
    sq_distances,
)
from python_models.segmentation.knee import find_knee
from python_models.segmentation.silhouette import silhouette_scores


class _CentroidMixin:
    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "cluster_centers_")
        arr, _ = as_matrix(X)
        return nearest_centroid(arr, self.cluster_centers_)

    def transform(self, X) -> np.ndarray:
        """Euclidean distance of each row to each segment centroid."""
        check_is_fitted(self, "cluster_centers_")
        arr, _ = as_matrix(X)
        return np.sqrt(sq_distances(arr, self.cluster_centers_))


# ---------------------------------------------------------------------------------------- k selection
@dataclass
class KSelection:
    """Elbow (knee of inertia) cross-checked by silhouette over a k range."""

    table: pd.DataFrame
    elbow_k: int | None
    silhouette_k: int
    chosen_k: int
    reason: str
    centers: dict[int, np.ndarray] = field(repr=False, default_factory=dict)


def select_k(
    X,
    k_range: tuple[int, int] = (2, 12),
    *,
    sample_size: int | None = 50_000,
    silhouette_sample: int = 5_000,
    n_init: int = 10,
    silhouette_tolerance: float = 0.05,
    silhouette_ratio: float = 0.5,
    elbow_scale: str = "log",
    random_state: int = 0,
) -> KSelection:
    """Fit k-means for each k in ``[k_min, k_max]`` on a sample; pick k.

    The elbow is the Kneedle knee of log(inertia) by default (``elbow_scale="log"``): relative drops,
    which places the knee after the last large proportional gain (on raw inertia Kneedle tends to stop
    one k early after a steep first drop). Rule: the elbow k is kept when its silhouette is within
    ``silhouette_tolerance`` of the best silhouette in the range or at least ``silhouette_ratio`` times
    it (silhouette favours k=2 on continuous customer data, so it vetoes only a clearly worse elbow);
    otherwise the silhouette-best k wins.
    With no knee, the silhouette-best k wins. The reason is recorded.
    Cost: O(k_max * sample_size * d * iterations) for the fits + O(silhouette_sample**2 * (d + k_max))
    for the silhouettes (the sample's distances are computed once for every k).
    """
    arr, _ = as_matrix(X)
    k_min, k_max = int(k_range[0]), int(k_range[1])
    if k_min < 2 or k_max < k_min:
        raise ValueError("k_range must satisfy 2 <= k_min <= k_max")
    idx = sample_index(arr.shape[0], sample_size, random_state)
    S = arr[idx]
    if S.shape[0] <= k_max:
        raise ValueError(f"need more than k_max={k_max} rows, got {S.shape[0]}")
    sil_idx = sample_index(S.shape[0], silhouette_sample, random_state + 1)
    rows, centers, sil_labels = [], {}, []
    for k in range(k_min, k_max + 1):
        with native_threads(S.shape[0]):
            km = KMeans(n_clusters=k, n_init=n_init, random_state=random_state).fit(S)
        sil_labels.append(km.labels_[sil_idx])
        rows.append({"k": k, "inertia": float(km.inertia_), "inertia_per_row": km.inertia_ / S.shape[0]})
        centers[k] = km.cluster_centers_
    table = pd.DataFrame(rows)
    with native_threads(len(sil_idx)):  # one pass over the sample's distances for every k
        table["silhouette"] = silhouette_scores(S[sil_idx], sil_labels)
    ks = table["k"].to_numpy()
    if elbow_scale not in ("log", "linear"):
        raise ValueError("elbow_scale must be 'log' or 'linear'")
    curve_y = table["inertia"].to_numpy()
    curve_y = np.log(np.maximum(curve_y, 1e-300)) if elbow_scale == "log" else curve_y
    knee = find_knee(ks, curve_y, curve="convex", direction="decreasing")
    elbow_k = int(ks[knee.index]) if knee.found else None
    sil = table["silhouette"].to_numpy()
    sil_k = int(ks[int(np.nanargmax(sil))])
    best_sil = float(np.nanmax(sil))
    if elbow_k is None:
        chosen, reason = sil_k, f"no elbow in inertia; silhouette-best k={sil_k} ({best_sil:.3f})"
    elif elbow_k == sil_k:
        chosen, reason = elbow_k, f"elbow and silhouette agree on k={elbow_k} (silhouette {best_sil:.3f})"
    else:
        s_elbow = float(table.loc[table["k"] == elbow_k, "silhouette"].iloc[0])
        floor = min(best_sil - silhouette_tolerance, silhouette_ratio * best_sil)
        if s_elbow >= floor:
            chosen = elbow_k
            reason = (f"elbow k={elbow_k} kept: silhouette {s_elbow:.3f} vs best {best_sil:.3f} at k={sil_k} "
                      f"(veto only below {floor:.3f} = min(best - {silhouette_tolerance}, "
                      f"{silhouette_ratio} x best))")
        else:
            chosen = sil_k
            reason = (f"elbow k={elbow_k} rejected: silhouette {s_elbow:.3f} below {floor:.3f} "
                      f"(min(best - {silhouette_tolerance}, {silhouette_ratio} x best {best_sil:.3f})); "
                      f"chose silhouette-best k={sil_k}")
    table["knee_difference"] = knee.difference
    table["is_elbow"] = table["k"] == elbow_k
    table["is_silhouette_best"] = table["k"] == sil_k
    table["chosen"] = table["k"] == chosen
    table["n_rows_used"] = S.shape[0]
    return KSelection(table=table, elbow_k=elbow_k, silhouette_k=sil_k, chosen_k=chosen, reason=reason,
                      centers=centers)


class KMeansSegmenter(_CentroidMixin, ClusterMixin, BaseEstimator):
    """k-means with automatic k (``n_clusters="auto"``) and MiniBatchKMeans above ``minibatch_threshold`` rows.

    k is selected on a ``selection_sample`` (see :func:`select_k`); the final model is initialised
    from the sample centroids and fitted on all rows (Lloyd k-means, or MiniBatchKMeans for large n),
    so the full-data cost is O(n * k * d) per pass.
    """

    def __init__(
        self,
        n_clusters: int | str = "auto",
        k_range: tuple[int, int] = (2, 12),
        *,
        minibatch_threshold: int = 200_000,
        selection_sample: int | None = 50_000,
        silhouette_sample: int = 5_000,
        silhouette_tolerance: float = 0.05,
        silhouette_ratio: float = 0.5,
        n_init: int = 10,
        batch_size: int = 8192,
        random_state: int = 0,
    ):
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.minibatch_threshold = minibatch_threshold
        self.selection_sample = selection_sample
        self.silhouette_sample = silhouette_sample
        self.silhouette_tolerance = silhouette_tolerance
        self.silhouette_ratio = silhouette_ratio
        self.n_init = n_init
        self.batch_size = batch_size
        self.random_state = random_state

    def fit(self, X, y=None):
        arr, names = as_matrix(X)
        self.feature_names_in_ = np.asarray(names, dtype=object)
        n = arr.shape[0]
        init: Any = "k-means++"
        n_init = self.n_init
        self.selection_ = None
        if self.n_clusters == "auto":
            self.selection_ = select_k(
                arr, self.k_range, sample_size=self.selection_sample, silhouette_sample=self.silhouette_sample,
                n_init=self.n_init, silhouette_tolerance=self.silhouette_tolerance,
                silhouette_ratio=self.silhouette_ratio, random_state=self.random_state,
            )
            k = self.selection_.chosen_k
            init, n_init = self.selection_.centers[k], 1
        else:
            k = int(self.n_clusters)
        if n > self.minibatch_threshold:
            model = MiniBatchKMeans(n_clusters=k, init=init, n_init=n_init, batch_size=self.batch_size,
                                    random_state=self.random_state, max_no_improvement=20, reassignment_ratio=0.0)
            self.algorithm_ = "minibatch_kmeans"
        else:
            model = KMeans(n_clusters=k, init=init, n_init=n_init, random_state=self.random_state)
            self.algorithm_ = "kmeans"
        with native_threads(n):
            model.fit(arr)
        labels, order = relabel_by_size(model.labels_)
        self.cluster_centers_ = model.cluster_centers_[order].astype(np.float64)
        self.labels_ = labels
        self.n_clusters_ = k
        self.inertia_ = float(model.inertia_)
        return self

    def get_params_summary(self) -> dict[str, Any]:
        d = {"k": int(self.n_clusters_), "algorithm": self.algorithm_}
        if self.selection_ is not None:
            d.update(k_range=list(self.k_range), elbow_k=self.selection_.elbow_k,
                     silhouette_k=self.selection_.silhouette_k, k_reason=self.selection_.reason)
        return d


# ---------------------------------------------------------------------------------------- DBSCAN
@dataclass
class KDistance:
    curve: np.ndarray  # sorted ascending
    eps: float
    knee_index: int | None
    min_samples: int

    def table(self, max_points: int = 1_000) -> pd.DataFrame:
        n = len(self.curve)
        pos = np.unique(np.linspace(0, n - 1, min(n, max_points)).round().astype(int))
        if self.knee_index is not None:
            pos = np.unique(np.append(pos, self.knee_index))
        return pd.DataFrame({
            "rank": pos,
            "k_distance": self.curve[pos],
            "is_knee": pos == (self.knee_index if self.knee_index is not None else -1),
            "chosen_eps": self.eps,
            "min_samples": self.min_samples,
        })


def k_distance_curve(X, min_samples: int = 10, *, sensitivity: float = 1.0) -> KDistance:
    """Sorted distance of each row to its ``min_samples``-th nearest neighbour (the row itself counts,
    as in DBSCAN's core-point rule) and eps at the knee of that curve (convex, increasing)."""
    arr, _ = as_matrix(X)
    if arr.shape[0] <= min_samples:
        raise ValueError("need more rows than min_samples")
    nn = NearestNeighbors(n_neighbors=min_samples).fit(arr)
    dist, _ = nn.kneighbors(arr)
    curve = np.sort(dist[:, min_samples - 1])
    knee = find_knee(np.arange(len(curve)), curve, curve="convex", direction="increasing",
                     sensitivity=sensitivity)
    if knee.found:
        eps, ki = float(curve[knee.index]), int(knee.index)
    else:  # no knee: fall back to the 90th percentile
        ki = int(0.9 * (len(curve) - 1))
        eps = float(curve[ki])
    return KDistance(curve=curve, eps=max(eps, np.finfo(float).eps), knee_index=ki, min_samples=min_samples)


class DBSCANSegmenter(ClusterMixin, BaseEstimator):
    """DBSCAN on a sample with eps from the k-distance knee; other rows join the cluster of their
    nearest core point when it lies within eps, else they are noise (-1)."""

    def __init__(self, eps: float | str = "auto", min_samples: int = 10, *, sample_size: int | None = 20_000,
                 random_state: int = 0):
        self.eps = eps
        self.min_samples = min_samples
        self.sample_size = sample_size
        self.random_state = random_state

    def fit(self, X, y=None):
        arr, names = as_matrix(X)
        self.feature_names_in_ = np.asarray(names, dtype=object)
        idx = sample_index(arr.shape[0], self.sample_size, self.random_state)
        S = arr[idx]
        self.k_distance_ = k_distance_curve(S, self.min_samples)
        self.eps_ = self.k_distance_.eps if self.eps == "auto" else float(self.eps)
        db = DBSCAN(eps=self.eps_, min_samples=self.min_samples).fit(S)
        lab, _ = relabel_by_size(db.labels_)
        self.n_clusters_ = int(lab.max() + 1) if (lab >= 0).any() else 0
        core = np.zeros(len(S), dtype=bool)
        core[db.core_sample_indices_] = True
        self.core_points_ = S[core].astype(np.float64)
        self.core_labels_ = lab[core]
        self.cluster_centers_ = centers_from_labels(S, lab, self.n_clusters_)
        self._nn = NearestNeighbors(n_neighbors=1).fit(self.core_points_) if core.any() else None
        labels = np.full(arr.shape[0], -1, dtype=np.int64)
        labels[idx] = lab
        rest = np.setdiff1d(np.arange(arr.shape[0]), idx, assume_unique=True)
        if rest.size:
            labels[rest] = self._assign(arr[rest])
        self.labels_ = labels
        return self

    def _assign(self, arr: np.ndarray) -> np.ndarray:
        if self._nn is None:
            return np.full(arr.shape[0], -1, dtype=np.int64)
        out = np.empty(arr.shape[0], dtype=np.int64)
        step = 20_000
        for s in range(0, arr.shape[0], step):
            d, i = self._nn.kneighbors(arr[s : s + step])
            out[s : s + step] = np.where(d[:, 0] <= self.eps_, self.core_labels_[i[:, 0]], -1)
        return out

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "core_points_")
        arr, _ = as_matrix(X)
        return self._assign(arr)

    def transform(self, X) -> np.ndarray:
        arr, _ = as_matrix(X)
        return np.sqrt(sq_distances(arr, self.cluster_centers_))

    def get_params_summary(self) -> dict[str, Any]:
        return {"eps": round(self.eps_, 6), "eps_source": "k-distance knee" if self.eps == "auto" else "given",
                "min_samples": self.min_samples, "k": self.n_clusters_}


# ---------------------------------------------------------------------------------------- Ward
class WardSegmenter(_CentroidMixin, ClusterMixin, BaseEstimator):
    """Agglomerative clustering (Ward linkage) on a sample; every row then goes to the nearest sample
    centroid. With ``n_clusters="auto"`` the tree is cut at the silhouette-best k in ``k_range``.
    Cost: O(sample_size**2) memory/time for the tree, O(n * k * d) for the assignment."""

    def __init__(self, n_clusters: int | str = "auto", k_range: tuple[int, int] = (2, 12), *,
                 sample_size: int = 5_000, random_state: int = 0):
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.sample_size = sample_size
        self.random_state = random_state

    def fit(self, X, y=None):
        arr, names = as_matrix(X)
        self.feature_names_in_ = np.asarray(names, dtype=object)
        idx = sample_index(arr.shape[0], self.sample_size, self.random_state)
        S = arr[idx].astype(np.float64)
        Z = linkage(S, method="ward")
        self.sample_index_ = idx
        if self.n_clusters == "auto":
            ks = list(range(int(self.k_range[0]), int(self.k_range[1]) + 1))
            cuts = [fcluster(Z, t=k, criterion="maxclust") - 1 for k in ks]
            with native_threads(len(S)):
                self.k_table_ = pd.DataFrame({"k": ks, "silhouette": silhouette_scores(S, cuts)})
            k = int(self.k_table_.loc[self.k_table_["silhouette"].idxmax(), "k"])
        else:
            k = int(self.n_clusters)
        lab = fcluster(Z, t=k, criterion="maxclust") - 1
        lab, _ = relabel_by_size(lab)
        self.n_clusters_ = int(lab.max() + 1)
        self.sample_labels_ = lab
        self.cluster_centers_ = centers_from_labels(S, lab, self.n_clusters_)
        self.labels_ = nearest_centroid(arr, self.cluster_centers_)
        return self

    def get_params_summary(self) -> dict[str, Any]:
        return {"k": self.n_clusters_, "linkage": "ward", "sample_size": int(len(self.sample_index_))}


def make_segmenter(algorithm: str, **params) -> BaseEstimator:
    algos = {"kmeans": KMeansSegmenter, "dbscan": DBSCANSegmenter, "ward": WardSegmenter}
    if algorithm not in algos:
        raise ValueError(f"unknown algorithm {algorithm!r}; choose from {sorted(algos)}")
    return algos[algorithm](**params)
