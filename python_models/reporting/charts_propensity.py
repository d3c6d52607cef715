"""Pictures of the propensity models: ROC curves and confusion matrices."""

from __future__ import annotations

import numpy as np

from python_models.reporting.figure import Chart, new_figure, to_base64
from python_models.reporting.tables import VersionTables

SECTION = "Propensity models"


def roc_curves(t: VersionTables) -> Chart:
    chart = Chart("roc", SECTION, "ROC curves of the propensity models (test set)",
                  "The higher and further left a curve, the better the model ranks buyers above non-buyers; the diagonal is a coin flip.")
    roc = t.get("propensity_roc_curves")
    if roc is None or roc.empty:
        chart.missing_reason = "no propensity_roc_curves in this version"
        return chart
    fig, ax = new_figure(6.5, 5)
    for (target, model), part in roc.groupby(["target", "model_version"]):
        part = part.sort_values(["fpr", "tpr"])
        auc = float(np.trapezoid(part["tpr"], part["fpr"])) if len(part) > 1 else float("nan")
        ax.plot(part["fpr"], part["tpr"], label=f"{target} / {model} (AUC {auc:.3f})")
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
    if (ev["split"] == "test").any():
        ev = ev[ev["split"] == "test"]
    ev = ev.head(4)
    fig, axes = new_figure(3.2 * len(ev), 3.2)
    fig.clf()
    for i, (_, row) in enumerate(ev.iterrows()):
        ax = fig.add_subplot(1, len(ev), i + 1)
        grid = np.array([[row["true_negatives"], row["false_positives"]],
                         [row["false_negatives"], row["true_positives"]]], dtype=float)
        ax.imshow(grid, cmap="Blues")
        for (r, c), v in np.ndenumerate(grid):
            ax.text(c, r, f"{int(v):,}", ha="center", va="center")
        ax.set_xticks([0, 1], ["pred. no", "pred. yes"])
        ax.set_yticks([0, 1], ["actual no", "actual yes"])
        ax.set_title(f"{row['target']} / {row['algorithm']} / {row['split']}", fontsize=8)
    chart.png_base64 = to_base64(fig)
    return chart
