"""How far each clustering approach gets towards the demo's true personas on a built demo lake.

    .venv/bin/python bench/ml/persona_recovery_approaches.py --db <build.duckdb> --lake <lake>

Reads the build's `int_features__feature_matrix` (the matrix `int_segments__membership` clusters)
and prints one markdown row per approach: how k was chosen, k, adjusted Rand index against the true
personas; for the pipeline's own runs also the mean bootstrap Jaccard and whether the gates pass.
"auto" k is the pipeline's rule (`select_k`: elbow of log inertia cross-checked by silhouette) on
the transformed matrix; GMM picks k by BIC. Rows marked "uses truth" are ceilings, not candidates:
they use the persona labels (the true number of personas, true centroids or true within-persona
covariance, a classifier trained on them).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.cluster import KMeans, SpectralClustering
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import cross_val_predict

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_quality import customer_people  # noqa: E402

from python_models.segmentation import select_k  # noqa: E402
from python_models.segmentation.dbt_adapter import config_from_vars, segment_customers  # noqa: E402

RS = 42


def load(db: str, lake: str) -> tuple[pd.DataFrame, np.ndarray]:
    con = duckdb.connect(db, read_only=True)
    person, persona = customer_people(con, lake)
    matrix = con.sql("select * from int_features__feature_matrix").df()
    matrix["customer_id"] = matrix["customer_id"].astype(str)
    matrix = matrix.sort_values("customer_id").reset_index(drop=True)
    person["customer_id"] = person["customer_id"].astype(str)
    truth = person.merge(persona, on="person_id").drop_duplicates("customer_id").set_index("customer_id")
    return matrix, truth["persona"].reindex(matrix["customer_id"]).to_numpy()


def ari(y: np.ndarray, labels: np.ndarray) -> float:
    ok = pd.notna(y)
    return round(float(adjusted_rand_score(y[ok], np.asarray(labels)[ok])), 3)


def auto_k(Z: np.ndarray) -> int:
    return select_k(Z, (2, 10), random_state=RS).chosen_k


def kmeans(Z: np.ndarray, k: int) -> np.ndarray:
    return KMeans(k, n_init=3, random_state=RS).fit(Z).labels_


def standardised(X: pd.DataFrame) -> pd.DataFrame:
    X = X.loc[:, X.std() > 0]
    return (X - X.mean()) / X.std()


def prefix_blocks(columns) -> np.ndarray:
    def block(c: str) -> str:
        for p in ("web_", "social_", "campaign_", "category_share_", "area_", "age_"):
            if c.startswith(p):
                return p
        return "purchase"
    return np.array([block(c) for c in columns])


def correlation_blocks(Z: pd.DataFrame, cut: float) -> np.ndarray:
    """Columns grouped by average-linkage clustering on 1 - |correlation|, cut at ``cut``."""
    dist = 1 - np.abs(np.corrcoef(Z.to_numpy().T))
    return fcluster(linkage(squareform(dist, checks=False), "average"), t=cut, criterion="distance")


def block_weighted(Z: pd.DataFrame, blocks: np.ndarray) -> np.ndarray:
    """Each block's columns scaled by 1/sqrt(block size): every block adds the same variance."""
    size = pd.Series(blocks).value_counts().reindex(blocks).to_numpy()
    return Z.to_numpy() / np.sqrt(size)


def _unit_soft_threshold(a: np.ndarray, l1: float) -> np.ndarray:
    """argmax_w a.w with ||w||_2 <= 1, ||w||_1 <= l1: soft-threshold a, normalise, bisect the threshold."""
    def unit(delta: float) -> np.ndarray:
        x = np.maximum(a - delta, 0)
        return x / np.linalg.norm(x)
    if unit(0.0).sum() <= l1:
        return unit(0.0)
    lo, hi = 0.0, float(a.max())
    for _ in range(50):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if unit(mid).sum() > l1 else (lo, mid)
    return unit(hi)


def sparse_kmeans(Z: np.ndarray, k: int, l1: float, iters: int = 10) -> np.ndarray:
    """Witten & Tibshirani (2010): feature weights maximising the weighted between-cluster sum of
    squares under ||w||_2 <= 1, ||w||_1 <= l1, alternating with k-means."""
    w = np.full(Z.shape[1], 1 / np.sqrt(Z.shape[1]))
    tss = ((Z - Z.mean(0)) ** 2).sum(0)
    for _ in range(iters):
        lab = kmeans(Z * np.sqrt(w), k)
        wss = sum(((Z[lab == c] - Z[lab == c].mean(0)) ** 2).sum(0) for c in range(k))
        w = _unit_soft_threshold(tss - wss, l1)
    return lab


def gmm_bic(Z: np.ndarray, cov: str) -> tuple[int, np.ndarray]:
    fits = {k: GaussianMixture(k, covariance_type=cov, random_state=RS, reg_covar=1e-3).fit(Z) for k in range(2, 11)}
    k = min(fits, key=lambda k: fits[k].bic(Z))
    return k, fits[k].predict(Z)


def within_truth_whitened(Z: np.ndarray, y: np.ndarray) -> np.ndarray:
    ok = pd.notna(y)
    classes = np.unique(y[ok])
    means = np.array([Z[ok][y[ok] == c].mean(0) for c in classes])
    resid = Z[ok] - means[np.searchsorted(classes, y[ok])]
    ev, vec = np.linalg.eigh(np.cov(resid.T))
    return Z @ vec @ np.diag(1 / np.sqrt(np.maximum(ev, 1e-3 * ev.max()))) @ vec.T


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--lake", required=True)
    a = ap.parse_args()
    t0 = time.time()
    matrix, y = load(a.db, a.lake)
    n_true = int(pd.Series(y).nunique())
    X = matrix.drop(columns="customer_id").astype(float)
    Zdf = standardised(X)
    Z = Zdf.to_numpy()
    rows: list[tuple] = []

    def add(approach: str, rule: str, k: int, labels, jaccard="", gates="") -> None:
        rows.append((approach, rule, k, ari(y, labels), jaccard, gates))
        print(f"  {approach} ({rule}) k={k} ARI={rows[-1][3]}", file=sys.stderr, flush=True)

    for rule, n_clusters in (("auto", "auto"), (f"forced {n_true} (uses truth)", n_true)):
        run = segment_customers(matrix, None, config_from_vars({"n_clusters": n_clusters, "k_range": [2, 10]}))
        add("pipeline default: k-means on the matrix", rule, run.metrics["n_segments"], run.labels,
            round(run.metrics["mean_jaccard"], 3), bool(run.passed))
    for cap in (3.0, 2.5):
        C = standardised(X.clip(-cap, cap)).to_numpy()
        k = auto_k(C)
        add(f"k-means, z-scores clipped at ±{cap}", "auto", k, kmeans(C, k))
    R = Z / np.linalg.norm(Z, axis=1, keepdims=True)
    add("spherical k-means (rows L2-normalised)", "auto", (k := auto_k(R)), kmeans(R, k))
    blockings = [("name-prefix blocks (purchase, category, web, social, e-mail, area, age)", prefix_blocks(Zdf.columns))]
    blockings += [(f"correlation blocks (1-|r| average linkage, cut {cut})", correlation_blocks(Zdf, cut))
                  for cut in (0.4, 0.5, 0.6)]
    for name, blocks in blockings:
        B = block_weighted(Zdf, blocks)
        add(f"per-block weighting, {name}", "auto", (k := auto_k(B)), kmeans(B, k))
    for n in (5, 8, 15):
        P = PCA(n, whiten=True, random_state=RS).fit_transform(Z)
        add(f"PCA whitening to {n} components", "auto", (k := auto_k(P)), kmeans(P, k))
    for cov in ("full", "tied", "diag"):
        k, lab = gmm_bic(PCA(8, random_state=RS).fit_transform(Z) if cov == "full" else Z, cov)
        add(f"Gaussian mixture ({cov}{', on 8 PCA components' if cov == 'full' else ''})", "BIC", k, lab)
    k = auto_k(Z)
    for l1 in (3.0, 5.0):
        add(f"sparse k-means (Witten-Tibshirani, L1 bound {l1})", "auto k of k-means", k, sparse_kmeans(Z, k, l1))
    spec = SpectralClustering(k, affinity="nearest_neighbors", n_neighbors=15, random_state=RS,
                              assign_labels="cluster_qr").fit(Z)
    add("spectral clustering, 15-NN graph", "auto k of k-means", k, spec.labels_)
    ok = pd.notna(y)
    classes = np.unique(y[ok])
    means = np.array([Z[ok][y[ok] == c].mean(0) for c in classes])
    nearest = np.full(len(Z), -1)
    nearest[ok] = ((Z[ok][:, None, :] - means[None]) ** 2).sum(-1).argmin(1)
    add("ceiling: nearest true persona centroid (uses truth)", "true", n_true, nearest)
    W = within_truth_whitened(Z, y)
    add("ceiling: k-means after whitening by the true within-persona covariance (uses truth)", "forced",
        n_true, kmeans(W, n_true))
    for name, clf in (("LDA", LinearDiscriminantAnalysis()),
                      ("gradient boosting", HistGradientBoostingClassifier(max_iter=50, random_state=0))):
        pred = np.full(len(Z), None, dtype=object)
        pred[ok] = cross_val_predict(clf, Z[ok], y[ok], cv=3)
        add(f"ceiling: supervised {name}, 3-fold CV (uses truth)", "true", n_true, pred)

    print(f"{len(Z)} customers, {Z.shape[1]} non-constant matrix columns, {n_true} true personas; "
          f"{time.time() - t0:.0f} s\n")
    print("| approach | k rule | k | ARI vs personas | mean bootstrap Jaccard | gates pass |\n|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(str(v) for v in r) + " |")


if __name__ == "__main__":
    main()
