"""Evaluation tables for a binary propensity model and the model-choice rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    f1_score,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)

from python_models.propensity.candidates import native_importance


def choose_threshold(y, p) -> float:
    """Probability threshold maximising F1 on the given (validation) data."""
    prec, rec, thr = precision_recall_curve(y, p)
    f1 = np.where(prec[:-1] + rec[:-1] > 0, 2 * prec[:-1] * rec[:-1] / (prec[:-1] + rec[:-1] + 1e-12), 0.0)
    return float(thr[int(np.argmax(f1))]) if len(thr) else 0.5


def binary_metrics(y, p, threshold: float) -> dict[str, float]:
    y = np.asarray(y)
    p = np.asarray(p)
    pred = (p >= threshold).astype(int)
    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "f1": float(f1_score(y, pred, zero_division=0)),
        "precision": float(precision_score(y, pred, zero_division=0)),
        "recall": float(recall_score(y, pred, zero_division=0)),
        "accuracy": float((pred == y).mean()),
        "brier": float(brier_score_loss(y, p)),
        "threshold": float(threshold),
        "positive_rate": float(y.mean()),
        "predicted_positive_rate": float(pred.mean()),
        "n": int(len(y)),
    }


def confusion_table(y, p, threshold: float) -> pd.DataFrame:
    cm = confusion_matrix(np.asarray(y), (np.asarray(p) >= threshold).astype(int), labels=[0, 1])
    return pd.DataFrame([{"actual": a, "predicted": b, "count": int(cm[a, b])} for a in (0, 1) for b in (0, 1)])


def roc_points(y, p, max_points: int = 101) -> pd.DataFrame:
    fpr, tpr, thr = roc_curve(y, p)
    if len(fpr) > max_points:
        keep = np.unique(np.r_[0, np.linspace(0, len(fpr) - 1, max_points).round().astype(int), len(fpr) - 1])
        fpr, tpr, thr = fpr[keep], tpr[keep], thr[keep]
    return pd.DataFrame({"fpr": fpr, "tpr": tpr, "threshold": np.minimum(thr, 1.0)})


def calibration_table(y, p, n_bins: int = 10) -> pd.DataFrame:
    """Observed rate vs mean predicted probability per predicted-probability decile."""
    df = pd.DataFrame({"y": np.asarray(y), "p": np.asarray(p)})
    df["bin"] = pd.qcut(df["p"].rank(method="first"), n_bins, labels=False) + 1
    g = df.groupby("bin")
    return pd.DataFrame({"bin": g.size().index, "mean_predicted": g["p"].mean().to_numpy(),
                         "observed_rate": g["y"].mean().to_numpy(), "count": g.size().to_numpy()})


def feature_importances(estimator, X: pd.DataFrame, y, *, method: str = "auto", sample_size: int = 10_000,
                        n_repeats: int = 3, random_state: int = 0) -> pd.DataFrame:
    """Native (|coef| / impurity) when the estimator has it and method="auto", else permutation
    importance (ROC AUC drop) on a seeded sample of the given data."""
    names = [str(c) for c in X.columns]
    imp = native_importance(estimator, names) if method in ("auto", "native") else None
    used = "native"
    if imp is None:
        used = "permutation"
        y = np.asarray(y)
        if len(y) > sample_size:
            rng = np.random.default_rng(random_state)
            idx = rng.choice(len(y), sample_size, replace=False)
            X, y = X.iloc[idx], y[idx]
        r = permutation_importance(estimator, X, y, scoring="roc_auc", n_repeats=n_repeats,
                                   random_state=random_state, n_jobs=1)
        imp = r.importances_mean
    out = pd.DataFrame({"feature": names, "importance": imp, "method": used})
    out = out.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return out


def choose_model(candidates: pd.DataFrame, tolerance: float = 0.005) -> tuple[str, str]:
    """Best validation AUC, except that a simpler candidate within ``tolerance`` AUC is preferred.

    ``candidates`` needs columns candidate, complexity, validation_auc. Returns (name, reason).
    """
    df = candidates.dropna(subset=["validation_auc"]).sort_values(
        ["validation_auc", "complexity"], ascending=[False, True], kind="stable")
    if df.empty:
        raise ValueError("no candidate produced a validation AUC")
    best = df.iloc[0]
    close = df[df["validation_auc"] >= best["validation_auc"] - tolerance]
    pick = close.sort_values(["complexity", "validation_auc"], ascending=[True, False], kind="stable").iloc[0]
    if pick["candidate"] == best["candidate"]:
        simpler_close = close[close["complexity"] < best["complexity"]]
        reason = (f"{best['candidate']} has the best validation AUC ({best['validation_auc']:.4f})"
                  + ("" if len(simpler_close) else f"; no simpler candidate within {tolerance} AUC"))
    else:
        reason = (f"{pick['candidate']} (validation AUC {pick['validation_auc']:.4f}) is within {tolerance} of "
                  f"the best, {best['candidate']} ({best['validation_auc']:.4f}), and simpler "
                  f"(complexity {int(pick['complexity'])} < {int(best['complexity'])})")
    return str(pick["candidate"]), reason
