"""Pictures of the propensity models: ROC curves and confusion matrices."""

from __future__ import annotations

import numpy as np

from python_models.reporting.figure import Chart, new_figure, to_base64
from python_models.reporting.tables import VersionTables, first_column

SECTION = "Propensity models"


def roc_curves(t: VersionTables) -> Chart:
    chart = Chart("roc", SECTION, "ROC curves of the propensity models (test set)",
                  "The higher and further left a curve, the better the model ranks buyers above non-buyers; the diagonal is a coin flip.")
    roc = t.get("propensity_roc_curves")
    if roc is None or roc.empty:
        chart.missing_reason = "no propensity_roc_curves in this version"
        return chart
    target = first_column(roc, "target")
    model = first_column(roc, "algorithm", "model_name", "model", "model_version")
    fpr, tpr = first_column(roc, "fpr", "false_positive_rate"), first_column(roc, "tpr", "true_positive_rate")
    if fpr is None or tpr is None:
        chart.missing_reason = "propensity_roc_curves has no fpr/tpr columns"
        return chart
    keys = [c for c in (target, model) if c]
    fig, ax = new_figure(6.5, 5)
    for key, part in roc.groupby(keys) if keys else [("model", roc)]:
        part = part.sort_values([fpr, tpr])
        auc = float(np.trapezoid(part[tpr], part[fpr])) if len(part) > 1 else float("nan")
        name = " / ".join(map(str, key if isinstance(key, tuple) else (key,)))
        ax.plot(part[fpr], part[tpr], label=f"{name} (AUC {auc:.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.legend(fontsize=7, loc="lower right")
    chart.png_base64 = to_base64(fig)
    return chart


def confusion_matrices(t: VersionTables) -> Chart:
    chart = Chart("confusion", SECTION, "Confusion matrices at the chosen threshold",
                  "Top-left and bottom-right are right answers; top-right are people targeted in vain, bottom-left buyers missed.")
    ev = t.get("propensity_evaluation")
    if ev is None or ev.empty:
        chart.missing_reason = "no propensity_evaluation in this version"
        return chart
    ev = ev.rename(columns={"true_negatives": "tn", "false_positives": "fp", "false_negatives": "fn",
                            "true_positives": "tp"})
    need = {"tn", "fp", "fn", "tp"}
    if not need <= set(ev.columns):
        chart.missing_reason = "propensity_evaluation has no confusion-matrix columns"
        return chart
    if "is_chosen" in ev.columns:
        ev = ev[ev["is_chosen"].fillna(False).astype(bool)]
    if "split" in ev.columns and (ev["split"] == "test").any():
        ev = ev[ev["split"] == "test"]
    ev = ev.head(4)
    fig, axes = new_figure(3.2 * len(ev), 3.2)
    fig.clf()
    for i, (_, row) in enumerate(ev.iterrows()):
        ax = fig.add_subplot(1, len(ev), i + 1)
        grid = np.array([[row["tn"], row["fp"]], [row["fn"], row["tp"]]], dtype=float)
        ax.imshow(grid, cmap="Blues")
        for (r, c), v in np.ndenumerate(grid):
            ax.text(c, r, f"{int(v):,}", ha="center", va="center")
        ax.set_xticks([0, 1], ["pred. no", "pred. yes"])
        ax.set_yticks([0, 1], ["actual no", "actual yes"])
        title = " / ".join(str(row[c]) for c in ("target", "algorithm", "split") if c in row.index)
        ax.set_title(title, fontsize=8)
    chart.png_base64 = to_base64(fig)
    return chart
