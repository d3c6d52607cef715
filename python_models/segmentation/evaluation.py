"""Internal cluster-quality metrics and the comparison table of candidate runs."""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

from python_models.segmentation._util import as_matrix, native_threads, sample_index
from python_models.segmentation.silhouette import silhouette


def cluster_metrics(X, labels, *, silhouette_sample: int = 10_000, random_state: int = 0) -> dict[str, Any]:
    """Silhouette (on a seeded sample), Calinski-Harabasz and Davies-Bouldin (on all clustered rows),
    segment sizes and noise share. Noise (-1) is excluded from the metrics."""
    arr, _ = as_matrix(X)
    labels = np.asarray(labels)
    n = len(labels)
    noise = labels < 0
    ids, counts = np.unique(labels[~noise], return_counts=True)
    out: dict[str, Any] = {
        "n_segments": int(len(ids)),
        "sizes": [int(c) for c in counts],
        "min_segment_share": float(counts.min() / n) if len(ids) else 0.0,
        "noise_share": float(noise.mean()) if n else 0.0,
        "silhouette": float("nan"),
        "calinski_harabasz": float("nan"),
        "davies_bouldin": float("nan"),
    }
    if len(ids) < 2:
        return out
    Xc, lc = arr[~noise], labels[~noise]
    out["calinski_harabasz"] = float(calinski_harabasz_score(Xc, lc))
    out["davies_bouldin"] = float(davies_bouldin_score(Xc, lc))
    si = sample_index(len(lc), silhouette_sample, random_state)
    if len(np.unique(lc[si])) > 1:
        out["silhouette"] = silhouette(Xc[si], lc[si])
    return out


def compare_candidates(
    X,
    candidates: dict[str, Any],
    *,
    sample_size: int | None = 50_000,
    silhouette_sample: int = 10_000,
    random_state: int = 0,
    prefitted: dict[str, tuple[Any, float, dict[str, Any]]] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Fit each candidate segmenter on the same seeded sample and tabulate its quality.

    ``candidates``: name -> unfitted segmenter. ``prefitted``: name -> (estimator, fit seconds, its
    :func:`cluster_metrics` with these arguments) already fitted on exactly this sample, used as is
    (when the sample is every row, the run's own model is the same fit, so refitting it would only
    repeat its k scan). Returns (table, fitted estimators by name). The table has candidate, algorithm, params (JSON), n_segments, silhouette,
    calinski_harabasz, davies_bouldin, sizes (JSON), min_segment_share, noise_share, fit_seconds.
    """
    arr, names = as_matrix(X)
    idx = sample_index(arr.shape[0], sample_size, random_state)
    S = arr[idx]
    rows, fitted = [], {}
    for name, est in candidates.items():
        if name in (prefitted or {}):
            est, secs, m = prefitted[name]
        else:
            est = clone(est)
            t0 = time.perf_counter()
            with native_threads(S.shape[0]):
                est.fit(S)
            secs = time.perf_counter() - t0
            m = cluster_metrics(S, est.labels_, silhouette_sample=silhouette_sample, random_state=random_state)
        summary = est.get_params_summary() if hasattr(est, "get_params_summary") else {}
        rows.append({
            "candidate": name,
            "algorithm": type(est).__name__,
            "params": json.dumps(summary, default=str),
            "n_rows": int(len(idx)),
            **{k: (json.dumps(v) if k == "sizes" else v) for k, v in m.items()},
            "fit_seconds": round(secs, 3),
        })
        fitted[name] = est
    return pd.DataFrame(rows), fitted
