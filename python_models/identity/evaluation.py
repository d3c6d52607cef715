"""Pairwise quality measures against ground truth (evaluation code only: the pipeline never reads truth)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _pairs_within(sizes: np.ndarray) -> int:
    sizes = sizes.astype(np.int64)
    return int((sizes * (sizes - 1) // 2).sum())


def _prf(tp: int, predicted: int, actual: int) -> dict[str, float]:
    precision = tp / predicted if predicted else 1.0
    recall = tp / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": int(tp), "predicted_pairs": int(predicted),
            "true_pairs": int(actual)}


def pairwise_scores_links(rid_l: np.ndarray, rid_r: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Precision/recall/F1 of a set of predicted links (before clustering) against true entity ids.

    Recall is over all true pairs of the dataset (including those blocking never proposed).
    """
    truth = np.asarray(truth)
    rid_l, rid_r = np.asarray(rid_l, dtype=np.int64), np.asarray(rid_r, dtype=np.int64)
    if len(rid_l):
        lo, hi = np.minimum(rid_l, rid_r), np.maximum(rid_l, rid_r)
        uniq = np.unique(lo * (len(truth) + 1) + hi)
        lo, hi = uniq // (len(truth) + 1), uniq % (len(truth) + 1)
        tp = int((truth[lo] == truth[hi]).sum())
        predicted = len(uniq)
    else:
        tp, predicted = 0, 0
    actual = _pairs_within(pd.Series(truth).value_counts().to_numpy())
    return _prf(tp, predicted, actual)


def pairwise_scores_clusters(labels: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Precision/recall/F1 of the pairs implied by a clustering (every pair inside a cluster)."""
    frame = pd.DataFrame({"p": np.asarray(labels), "t": np.asarray(truth)})
    tp = _pairs_within(frame.groupby(["p", "t"]).size().to_numpy())
    predicted = _pairs_within(frame.groupby("p").size().to_numpy())
    actual = _pairs_within(frame.groupby("t").size().to_numpy())
    return _prf(tp, predicted, actual)


def best_threshold(probabilities: np.ndarray, is_match: np.ndarray, n_true_pairs: int) -> tuple[float, float]:
    """(threshold, F1) maximising pairwise F1 of 'probability >= t' over the scored pairs (oracle)."""
    order = np.argsort(-probabilities, kind="stable")
    p, y = probabilities[order], is_match[order].astype(np.int64)
    tp = np.cumsum(y)
    k = np.arange(1, len(p) + 1)
    f1 = 2 * tp / (k + n_true_pairs)
    # only cut between distinct probabilities
    last = np.r_[p[1:] != p[:-1], True]
    f1 = np.where(last, f1, -1)
    i = int(np.argmax(f1)) if len(f1) else 0
    return (float(p[i]), float(f1[i])) if len(f1) else (1.0, 0.0)
