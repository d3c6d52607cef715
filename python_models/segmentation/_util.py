"""Shared helpers: array coercion, seeded sampling, chunked nearest-centroid assignment, relabelling."""

from __future__ import annotations

import numpy as np
import pandas as pd

from python_models.native_threads import native_threads  # noqa: F401 - imported from here by the package

CHUNK = 65_536


def as_matrix(X) -> tuple[np.ndarray, list[str]]:
    """(float array, feature names) from a DataFrame or array; float32 is kept, the rest -> float64."""
    if isinstance(X, pd.DataFrame):
        names = [str(c) for c in X.columns]
        arr = X.to_numpy()
    else:
        arr = np.asarray(X)
        names = [f"x{i}" for i in range(arr.shape[1])] if arr.ndim == 2 else []
    if arr.ndim != 2:
        raise ValueError("X must be 2-D")
    if arr.dtype != np.float32:
        arr = arr.astype(np.float64, copy=False)
    if not np.isfinite(arr).all():
        raise ValueError("X contains NaN or infinite values: preprocess (impute) first")
    return np.ascontiguousarray(arr), names


def sample_index(n: int, size: int | None, random_state) -> np.ndarray:
    """Sorted seeded sample of row positions (all rows if size is None or >= n)."""
    if size is None or size >= n:
        return np.arange(n)
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(n, size=size, replace=False))


def sq_distances(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances, shape (n, k), computed in chunks (float64 accumulation)."""
    c = centers.astype(np.float64)
    c_sq = np.einsum("ij,ij->i", c, c)
    out = np.empty((X.shape[0], c.shape[0]), dtype=np.float64)
    for s in range(0, X.shape[0], CHUNK):
        blk = X[s : s + CHUNK].astype(np.float64, copy=False)
        d = np.einsum("ij,ij->i", blk, blk)[:, None] - 2.0 * blk @ c.T + c_sq[None, :]
        np.maximum(d, 0.0, out=d)
        out[s : s + CHUNK] = d
    return out


def nearest_centroid(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    labels = np.empty(X.shape[0], dtype=np.int64)
    for s in range(0, X.shape[0], CHUNK):
        labels[s : s + CHUNK] = np.argmin(sq_distances(X[s : s + CHUNK], centers), axis=1)
    return labels


def relabel_by_size(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Renumber clusters 0..k-1 by decreasing size (noise label -1 kept). Returns (labels, old_for_new)."""
    labels = np.asarray(labels)
    ids, counts = np.unique(labels[labels >= 0], return_counts=True)
    order = ids[np.lexsort((ids, -counts))]
    mapping = np.full(int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0, -1, dtype=np.int64)
    mapping[order] = np.arange(len(order))
    out = np.where(labels >= 0, mapping[np.clip(labels, 0, None)], -1)
    return out.astype(np.int64), order


def centers_from_labels(X: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    centers = np.zeros((k, X.shape[1]), dtype=np.float64)
    for j in range(k):
        m = labels == j
        if m.any():
            centers[j] = X[m].mean(axis=0)
    return centers
