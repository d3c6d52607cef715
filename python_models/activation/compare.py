"""Compare two segmentations by campaign outcome: which one separates people who respond to
campaigns differently?

For each campaign, Cochran's Q tests whether the relative lift (log rate ratio) differs between a
segmentation's segments; I² says how much of the spread is real rather than noise. A segmentation
that targets well splits campaigns into segments whose lifts really differ: more campaigns with a
significant Q, and a higher mean I². Segments with no conversion in an arm carry no log ratio and
are left out of the campaign's Q (counted in `segments_used`).
"""

from __future__ import annotations

import math

import pandas as pd
from scipy.stats import chi2


def lift_heterogeneity(results: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Per campaign: Q, df, p-value and I² of the relative lift across segments.

    ``results``: experiment_results rows (campaign_id, segment_name, exposures/conversions per arm).
    """
    rows = []
    seg = results[(results["segment_name"] != "all") & (results["segment_name"] != "unassigned")]
    for campaign, part in seg.groupby("campaign_id"):
        logs, weights = [], []
        for r in part.itertuples():
            xt, nt, xc, nc = r.conversions_test, r.exposures_test, r.conversions_control, r.exposures_control
            if min(xt, xc) <= 0 or nt <= xt or nc <= xc:
                continue
            var = 1 / xt - 1 / nt + 1 / xc - 1 / nc
            logs.append(math.log((xt / nt) / (xc / nc)))
            weights.append(1 / var)
        k = len(logs)
        if k < 2:
            rows.append({"campaign_id": campaign, "segments_used": k, "q": None, "df": None, "p_value": None,
                         "i_squared": None, "is_heterogeneous": False})
            continue
        mean = sum(w * x for w, x in zip(weights, logs, strict=True)) / sum(weights)
        q = sum(w * (x - mean) ** 2 for w, x in zip(weights, logs, strict=True))
        df = k - 1
        p = float(chi2.sf(q, df))
        rows.append({"campaign_id": campaign, "segments_used": k, "q": q, "df": df, "p_value": p,
                     "i_squared": max(0.0, (q - df) / q) if q > 0 else 0.0, "is_heterogeneous": p < alpha})
    return pd.DataFrame(rows, columns=["campaign_id", "segments_used", "q", "df", "p_value", "i_squared",
                                       "is_heterogeneous"])


def compare_segmentations(results_a: pd.DataFrame, results_b: pd.DataFrame, label_a: str = "A",
                          label_b: str = "B", alpha: float = 0.05) -> pd.DataFrame:
    """One row per segmentation: campaigns analysed, share with heterogeneous lift, mean I²."""
    out = []
    for label, results in ((label_a, results_a), (label_b, results_b)):
        h = lift_heterogeneity(results, alpha)
        used = h[h["q"].notna()]
        out.append({"segmentation": label, "segments": int(results.loc[results["segment_name"] != "all",
                                                                       "segment_name"].nunique()),
                    "campaigns": len(used), "heterogeneous_campaigns": int(used["is_heterogeneous"].sum()),
                    "share_heterogeneous": float(used["is_heterogeneous"].mean()) if len(used) else None,
                    "mean_i_squared": float(used["i_squared"].mean()) if len(used) else None})
    return pd.DataFrame(out)
