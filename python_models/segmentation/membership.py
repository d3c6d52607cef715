"""Membership (why a customer is in its segment) and centroids in scaled and original units."""

from __future__ import annotations

import numpy as np
import pandas as pd

from python_models.segmentation._util import as_matrix, sq_distances


def membership_table(X, centers: np.ndarray, labels=None, ids=None) -> pd.DataFrame:
    """customer_id, segment, distance (to own centroid), second_segment, second_distance, margin,
    margin_ratio. ``labels`` defaults to the nearest centroid; pass the model's labels for DBSCAN
    (noise rows get segment -1 and NaN distances). margin = second_distance - distance (>= 0 when
    the segment is the nearest centroid); margin_ratio = margin / second_distance in [0, 1]."""
    arr, _ = as_matrix(X)
    centers = np.asarray(centers, dtype=np.float64)
    n, k = arr.shape[0], centers.shape[0]
    D = np.sqrt(sq_distances(arr, centers))
    seg = np.argmin(D, axis=1) if labels is None else np.asarray(labels, dtype=np.int64)
    valid = seg >= 0
    rows = np.arange(n)
    dist = np.full(n, np.nan)
    dist[valid] = D[rows[valid], seg[valid]]
    second = np.full(n, -1, dtype=np.int64)
    second_d = np.full(n, np.nan)
    if k > 1:
        D2 = D.copy()
        D2[rows[valid], seg[valid]] = np.inf
        second[valid] = np.argmin(D2[valid], axis=1)
        second_d[valid] = D2[rows[valid], second[valid]]
    margin = second_d - dist
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(second_d > 0, margin / second_d, 0.0)
    ids = np.arange(n) if ids is None else np.asarray(ids)
    return pd.DataFrame({
        "customer_id": ids,
        "segment": seg,
        "distance": dist,
        "second_segment": second,
        "second_distance": second_d,
        "margin": margin,
        "margin_ratio": ratio,
    })


def centroids_table(centers: np.ndarray, feature_names, preprocessor=None) -> pd.DataFrame:
    """Long table: segment, feature, value_scaled, value_original.

    ``value_original`` comes from ``preprocessor.inverse_transform_features`` (numeric features
    unscaled and un-logged; one-hot columns read as shares) when a fitted
    :class:`~python_models.preprocessing.FeaturePreprocessor` is given; otherwise it is NaN.
    The scaled centroids plus the persisted preprocessor are all that real-time assignment needs.
    """
    centers = np.asarray(centers, dtype=np.float64)
    names = list(feature_names)
    scaled = pd.DataFrame(centers, columns=names)
    if preprocessor is not None:
        full = pd.DataFrame(0.0, index=range(len(centers)), columns=list(preprocessor.feature_names_))
        full[names] = scaled.to_numpy()
        orig = preprocessor.inverse_transform_features(full)[names]
    else:
        orig = pd.DataFrame(np.nan, index=scaled.index, columns=names)
    rows = []
    for j in range(len(centers)):
        for f in names:
            rows.append({"segment": j, "feature": f, "value_scaled": float(scaled.at[j, f]),
                         "value_original": float(orig.at[j, f])})
    return pd.DataFrame(rows)


def assign_segments(X, centers: np.ndarray) -> pd.DataFrame:
    """Real-time style assignment of already-preprocessed rows: nearest centroid with margin."""
    arr, _ = as_matrix(X)
    return membership_table(arr, centers)
