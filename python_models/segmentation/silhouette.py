"""Mean silhouette coefficient, the same number as ``sklearn.metrics.silhouette_score`` (Euclidean),
for one or several labelings of the same rows.

Why not sklearn's: it spends most of its time reducing each distance row cluster by cluster in
Python-level chunks, and a k scan pays the O(n**2 d) distances once per k. Here each block of the
distance matrix is computed once and turned into per-cluster distance sums by one matrix product
per labeling (one-hot membership), so scanning k = 2..10 costs about one silhouette, not nine.
Memory stays bounded: blocks of about ``block_cells`` distances.
"""

from __future__ import annotations

import numpy as np


def _one_hot(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cluster index per row, rows per cluster, n x k one-hot matrix)."""
    _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    onehot = np.zeros((len(labels), len(counts)), dtype=np.float64)
    onehot[np.arange(len(labels)), inverse] = 1.0
    return inverse, counts, onehot


def _mean_silhouette(sums: np.ndarray, inverse: np.ndarray, counts: np.ndarray) -> float:
    rows = np.arange(len(inverse))
    own = counts[inverse]
    a = sums[rows, inverse] / np.maximum(own - 1, 1)
    other = sums / counts[None, :]
    other[rows, inverse] = np.inf
    b = other.min(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (b - a) / np.maximum(a, b)
    s[own == 1] = 0.0  # sklearn's convention for a row alone in its cluster
    return float(np.mean(np.nan_to_num(s)))


def silhouette_scores(X, labelings: list, *, block_cells: int = 4_000_000) -> list[float]:
    """Mean silhouette of each labeling of the rows of ``X`` (NaN for a labeling with fewer than two
    clusters or with every row its own cluster, where sklearn refuses)."""
    arr = np.asarray(X, dtype=np.float64)
    n = arr.shape[0]
    parts = [_one_hot(np.asarray(lab)) for lab in labelings]
    valid = [2 <= len(c) < n for _, c, _ in parts]
    sums = [np.zeros((n, len(c))) if ok else None for (_, c, _), ok in zip(parts, valid, strict=True)]
    if not any(valid):
        return [float("nan")] * len(parts)
    sq = np.einsum("ij,ij->i", arr, arr)
    step = max(1, block_cells // max(n, 1))
    for s in range(0, n, step):
        e = min(n, s + step)
        d = sq[s:e, None] + sq[None, :] - 2.0 * (arr[s:e] @ arr.T)
        np.maximum(d, 0.0, out=d)
        np.sqrt(d, out=d)
        d[np.arange(e - s), np.arange(s, e)] = 0.0
        for (_, _, onehot), out in zip(parts, sums, strict=True):
            if out is not None:
                out[s:e] = d @ onehot
    return [_mean_silhouette(out, inv, c) if out is not None else float("nan")
            for (inv, c, _), out in zip(parts, sums, strict=True)]


def silhouette(X, labels) -> float:
    return silhouette_scores(X, [labels])[0]
