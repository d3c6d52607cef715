"""Data-quality and identity pictures."""

from __future__ import annotations

import numpy as np

from python_models.reporting.figure import Chart, new_figure, to_base64
from python_models.reporting.tables import VersionTables

SECTION = "Data quality and identity"


def quarantine_by_reason(t: VersionTables) -> Chart:
    chart = Chart("quarantine", SECTION, "Quarantined rows by reason",
                  "Each bar is a reason a landed record was held back; long bars are the first data fix to ask a source for.")
    q = t.get("quarantined_rows")
    if q is None:
        chart.missing_reason = "quarantined_rows is not in this version"
        return chart
    if q.empty:
        chart.missing_reason = "no row was quarantined in this version"
        return chart
    reason = q["reason"].astype(str).str.split(";").explode().str.strip()
    counts = reason.groupby([q.loc[reason.index, "source_system"].values, reason.values]).size().sort_values()
    counts = counts.tail(20)
    fig, ax = new_figure(8, max(2.5, 0.35 * len(counts) + 1))
    labels = [f"{s}: {r}" for s, r in counts.index]
    ax.barh(labels, counts.values, color="#c0504d")
    ax.set_xlabel("quarantined rows")
    for y, v in enumerate(counts.values):
        ax.text(v, y, f" {v:,}", va="center", fontsize=8)
    chart.png_base64 = to_base64(fig)
    return chart


def reconciliation(t: VersionTables) -> Chart:
    chart = Chart("reconciliation", SECTION, "Where every landed record went, per source",
                  "Staged + quarantined + duplicates must equal landed; a red source means records are unaccounted for.")
    r = t.get("source_reconciliation")
    if r is None:
        chart.missing_reason = "source_reconciliation is not in this version"
        return chart
    g = r.groupby("source_system")[["rows_staged", "rows_quarantined", "rows_exact_duplicates", "rows_landed"]].sum()
    ok = r.groupby("source_system")["is_reconciled"].all()
    fig, ax = new_figure(8, max(2.5, 0.4 * len(g) + 1))
    left = np.zeros(len(g))
    for col, color, label in (("rows_staged", "#4f81bd", "staged"), ("rows_quarantined", "#c0504d", "quarantined"),
                              ("rows_exact_duplicates", "#9bbb59", "exact duplicates")):
        share = g[col] / g["rows_landed"].where(g["rows_landed"] > 0, 1)
        ax.barh(g.index, share, left=left, color=color, label=label)
        left += share.to_numpy()
    for y, (src, landed) in enumerate(g["rows_landed"].items()):
        ax.text(1.01, y, f"{landed:,} landed" + ("" if ok[src] else "  NOT RECONCILED"), va="center", fontsize=8,
                color="black" if ok[src] else "red")
    ax.set_xlim(0, 1.35)
    ax.set_xlabel("share of landed records")
    ax.legend(loc="lower right", fontsize=8)
    chart.png_base64 = to_base64(fig)
    return chart


def match_probability_histogram(t: VersionTables, threshold: float | None) -> Chart:
    chart = Chart("match_probability", SECTION, "Match probability of candidate pairs",
                  "Pairs right of the dashed threshold are merged into one person; a valley at the threshold means a clean cut.")
    pairs = t.get("identity_match_pairs", "match_probability")
    if pairs is None:
        chart.missing_reason = "identity_match_pairs is not in this version"
        return chart
    if pairs.empty:
        chart.missing_reason = "identity_match_pairs has no match probabilities"
        return chart
    fig, ax = new_figure()
    ax.hist(pairs["match_probability"].dropna(), bins=50, color="#4f81bd", log=True)
    if threshold is not None:
        ax.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:g}")
        ax.legend()
    ax.set_xlabel("match probability")
    ax.set_ylabel("candidate pairs (log scale)")
    chart.png_base64 = to_base64(fig)
    chart.caption = f"{len(pairs):,} scored candidate pairs"
    return chart
