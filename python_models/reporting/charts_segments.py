"""Pictures of the segmentation: how its parameters were chosen, what the segments look like,
how they moved between versions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from python_models.reporting.figure import Chart, new_figure, segment_color, to_base64
from python_models.reporting.tables import VersionTables

SECTION = "Segments"


def _chosen_k(ks: pd.DataFrame) -> int | None:
    if "chosen" in ks.columns and ks["chosen"].fillna(False).any():
        return int(ks.loc[ks["chosen"].fillna(False).astype(bool), "k"].iloc[0])
    return None


def _k_scan(t: VersionTables, chart: Chart, column: str) -> tuple[pd.DataFrame | None, int | None]:
    """The k scan sorted by k and the chosen k; (None, None) with the chart's reason when absent."""
    ks = t.get("segment_k_selection")
    if ks is None or ks.empty or column not in ks.columns:
        chart.missing_reason = f"no k scan with {column} (the algorithm did not scan k, e.g. DBSCAN or a fixed k)"
        return None, None
    ks = ks.sort_values("k")
    return ks, _chosen_k(ks)


def elbow(t: VersionTables) -> Chart:
    chart = Chart("elbow", SECTION, "Elbow curve: within-segment inertia by number of segments k",
                  "Inertia always falls as k grows; the marked k is where the fall flattens (the knee), i.e. more segments stop paying off.")
    ks, k = _k_scan(t, chart, "inertia")
    if ks is None:
        return chart
    fig, ax = new_figure()
    ax.plot(ks["k"], ks["inertia"], marker="o")
    if k is not None:
        ax.axvline(k, color="red", linestyle="--", label=f"chosen k = {k}")
        ax.legend()
    ax.set_xlabel("k (number of segments)")
    ax.set_ylabel("inertia (sum of squared distances)")
    chart.png_base64 = to_base64(fig)
    return chart


def silhouette(t: VersionTables) -> Chart:
    chart = Chart("silhouette", SECTION, "Silhouette by k",
                  "Higher is better (1 = perfectly separated, 0 = overlapping); it cross-checks the elbow's choice.")
    ks, k = _k_scan(t, chart, "silhouette")
    if ks is None:
        return chart
    fig, ax = new_figure()
    ax.bar(ks["k"], ks["silhouette"], color="#4f81bd")
    if k is not None:
        sel = ks["k"] == k
        ax.bar(ks.loc[sel, "k"], ks.loc[sel, "silhouette"], color="#c0504d", label=f"chosen k = {k}")
        ax.legend()
    ax.set_xlabel("k")
    ax.set_ylabel("mean silhouette")
    chart.png_base64 = to_base64(fig)
    return chart


def k_distance(t: VersionTables) -> Chart:
    chart = Chart("k_distance", SECTION, "k-distance curve (DBSCAN's eps)",
                  "Customers sorted by the distance to their k-th neighbour; eps is read at the knee, where points stop being in dense regions.")
    kd = t.get("segment_k_distance")
    if kd is None or kd.empty:
        chart.missing_reason = "DBSCAN was neither chosen nor compared in this run (no k-distance curve)"
        return chart
    kd = kd.sort_values("point_rank")
    fig, ax = new_figure()
    ax.plot(kd["point_rank"], kd["k_distance"])
    eps = kd["chosen_eps"].dropna()
    if len(eps):
        ax.axhline(float(eps.iloc[0]), color="red", linestyle="--", label=f"eps = {float(eps.iloc[0]):.3g}")
        ax.legend()
    ax.set_xlabel("customers sorted by k-distance")
    ax.set_ylabel("distance to k-th neighbour")
    chart.png_base64 = to_base64(fig)
    return chart


def _names(t: VersionTables) -> dict[int, str]:
    prof = t.get("segment_profiles")
    if prof is None or "segment_name" not in prof.columns:
        return {}
    return {int(s): str(n) for s, n in zip(prof["segment_id"], prof["segment_name"], strict=False) if pd.notna(s)}


def scatter(t: VersionTables, method: str) -> Chart:
    label = {"tsne": "t-SNE", "pca": "PCA"}[method]
    chart = Chart(f"scatter_{method}", SECTION, f"{label} map of a sample of customers, coloured by segment",
                  "Each dot is a customer; well-separated colours mean distinct segments. "
                  + ("t-SNE keeps neighbours close but distances between islands mean little."
                     if method == "tsne" else "PCA keeps the largest directions of variation; axes are linear mixes of features."))
    emb = t.get("segment_embedding")
    cols = (f"{method}_1", f"{method}_2")
    if emb is None or not set(cols) <= set(emb.columns) or emb[list(cols)].dropna().empty:
        chart.missing_reason = f"no {label} coordinates in this version"
        return chart
    emb = emb.dropna(subset=list(cols))
    names = _names(t)
    fig, ax = new_figure(7, 5.5)
    for s, part in emb.groupby("segment_id"):
        ax.scatter(part[cols[0]], part[cols[1]], s=6, alpha=0.6, color=segment_color(s),
                   label=names.get(int(s), f"segment {s}") if int(s) >= 0 else "noise")
    ax.legend(markerscale=3, fontsize=7, loc="best")
    ax.set_xticks([])
    ax.set_yticks([])
    chart.png_base64 = to_base64(fig)
    chart.caption = f"{len(emb):,} customers sampled"
    return chart


def profile_heatmap(t: VersionTables) -> Chart:
    chart = Chart("profile_heatmap", SECTION, "Segment profiles: lift of each feature against the population",
                  "Red cells are features a segment has more of than average (lift > 1), blue ones less; read a row to describe a segment.")
    pf = t.get("segment_profile_features")
    if pf is None or pf.empty or "lift" not in pf.columns:
        chart.missing_reason = "no per-feature profile table in this version"
        return chart
    pf = pf[pf["kind"].eq("numeric")] if "kind" in pf.columns else pf
    grid = pf.pivot_table(index="segment_id", columns="feature", values="lift", aggfunc="mean")
    grid = grid.loc[:, grid.notna().any()]
    if grid.empty:
        chart.missing_reason = "no numeric feature has a lift"
        return chart
    spread = np.log2(grid.clip(lower=1 / 8, upper=8)).abs().max().sort_values(ascending=False)
    grid = grid[spread.index[:25]]
    names = _names(t)
    logs = np.log2(grid.clip(lower=1 / 8, upper=8).astype(float))
    fig, ax = new_figure(min(16, 2 + 0.45 * grid.shape[1]), 1.5 + 0.5 * grid.shape[0])
    im = ax.imshow(logs.to_numpy(), cmap="RdBu_r", vmin=-3, vmax=3, aspect="auto")
    ax.grid(False)
    ax.set_yticks(range(len(grid.index)), [names.get(int(s), f"segment {s}") for s in grid.index], fontsize=8)
    ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=60, ha="right", fontsize=7)
    for (i, j), v in np.ndenumerate(grid.to_numpy()):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=6)
    fig.colorbar(im, ax=ax, label="log2(lift)")
    chart.png_base64 = to_base64(fig)
    return chart


def sizes_across_versions(history: list[VersionTables]) -> Chart:
    chart = Chart("sizes_history", SECTION, "Segment sizes across published versions",
                  "One bar per version, split by segment; a sudden change in a colour is worth an explanation (data, identity or a moved centroid).")
    rows = []
    for v in history:
        m = v.get("segment_membership", "segment_id, segment_name")
        if m is not None:
            counts = m.groupby(["segment_id", "segment_name"], dropna=False).size()
            rows += [(v.version_id, int(s) if pd.notna(s) else -1, str(n), int(c)) for (s, n), c in counts.items()]
    if not rows:
        chart.missing_reason = "no published version has segment_membership yet"
        return chart
    frame = pd.DataFrame(rows, columns=["version", "segment_id", "segment_name", "n"])
    grid = frame.pivot_table(index="version", columns="segment_id", values="n", fill_value=0).sort_index()
    last_names = frame.drop_duplicates("segment_id", keep="last").set_index("segment_id")["segment_name"]
    fig, ax = new_figure(8, 1.5 + 0.45 * len(grid))
    left = np.zeros(len(grid))
    for s in grid.columns:
        ax.barh([v[-18:] for v in grid.index], grid[s], left=left, color=segment_color(s), label=last_names.get(s, str(s)))
        left += grid[s].to_numpy()
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1, 1))
    ax.set_xlabel("customers")
    chart.png_base64 = to_base64(fig)
    return chart


def transition_matrix(previous: VersionTables | None, current: VersionTables) -> Chart:
    chart = Chart("transitions", SECTION, "Transitions between the last two versions",
                  "Row = segment in the previous version, column = segment now; the diagonal is who stayed, off-diagonal cells are moves.")
    if previous is None:
        chart.missing_reason = "only one version has been published; transitions need two"
        return chart
    a = previous.get("segment_membership", "customer_id, segment_id")
    b = current.get("segment_membership", "customer_id, segment_id")
    if a is None or b is None:
        chart.missing_reason = "one of the two versions has no segment_membership"
        return chart
    m = a.merge(b, on="customer_id", how="outer", suffixes=("_before", "_now"))
    m = m.fillna({"segment_id_before": -2, "segment_id_now": -2})
    grid = pd.crosstab(m["segment_id_before"].astype(int), m["segment_id_now"].astype(int))
    label = lambda s: {-2: "absent", -1: "noise"}.get(s, str(s))  # noqa: E731
    fig, ax = new_figure(1.5 + 0.6 * grid.shape[1], 1.2 + 0.5 * grid.shape[0])
    ax.imshow(np.log1p(grid.to_numpy()), cmap="Blues", aspect="auto")
    ax.grid(False)
    ax.set_xticks(range(grid.shape[1]), [label(s) for s in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [label(s) for s in grid.index])
    ax.set_xlabel(f"now ({current.version_id[-18:]})")
    ax.set_ylabel(f"before ({previous.version_id[-18:]})")
    for (i, j), v in np.ndenumerate(grid.to_numpy()):
        ax.text(j, i, f"{v:,}", ha="center", va="center", fontsize=7)
    chart.png_base64 = to_base64(fig)
    return chart
