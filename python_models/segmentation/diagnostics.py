"""Diagnostics tables for pictures: PCA explained variance and loadings, 2-D PCA / t-SNE coordinates."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE

from python_models.segmentation._util import as_matrix, native_threads, sample_index


def pca_diagnostics(X, *, n_components: int | None = None, sample_size: int | None = 100_000,
                    random_state: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, PCA]:
    """(variance table, long loadings table, fitted PCA). PCA is fitted on a seeded sample; cost
    O(sample_size * d**2)."""
    arr, names = as_matrix(X)
    S = arr[sample_index(arr.shape[0], sample_size, random_state)]
    nc = min(n_components or S.shape[1], S.shape[1], S.shape[0])
    pca = PCA(n_components=nc, random_state=random_state).fit(S)
    var = pd.DataFrame({
        "component": np.arange(1, nc + 1),
        "explained_variance": pca.explained_variance_,
        "explained_variance_ratio": pca.explained_variance_ratio_,
        "cumulative_ratio": np.cumsum(pca.explained_variance_ratio_),
    })
    comp = pca.components_
    load = pd.DataFrame({
        "component": np.repeat(np.arange(1, nc + 1), len(names)),
        "feature": np.tile(names, nc),
        "loading": comp.ravel(),
    })
    load["abs_rank"] = (
        load["loading"].abs().groupby(load["component"]).rank(method="first", ascending=False).astype(int)
    )
    return var, load, pca


def embedding_sample(X, labels, *, ids=None, sample_size: int = 2_000, tsne: bool = True,
                     perplexity: float = 30.0, tsne_max_iter: int = 500, random_state: int = 0) -> pd.DataFrame:
    """customer_id, segment, pca_1, pca_2, tsne_1, tsne_2 for a seeded sample of rows.
    t-SNE (Barnes-Hut) is O(m log m) per iteration on the sample, so it stays bounded whatever n is.
    ``tsne_max_iter`` 500 rather than sklearn's 1000: the map is a picture, and after the 250 early-
    exaggeration steps a few thousand points settle well within 250 more (half the cost)."""
    arr, _ = as_matrix(X)
    labels = np.asarray(labels)
    idx = sample_index(arr.shape[0], sample_size, random_state)
    S = arr[idx]
    ids = np.arange(arr.shape[0]) if ids is None else np.asarray(ids)
    P = PCA(n_components=2, random_state=random_state).fit_transform(S) if S.shape[1] >= 2 else np.c_[S, S]
    out = pd.DataFrame({"customer_id": ids[idx], "segment": labels[idx], "pca_1": P[:, 0], "pca_2": P[:, 1]})
    if tsne and len(idx) > 5:
        perp = min(perplexity, max(2.0, (len(idx) - 1) / 3.0))
        with native_threads(len(idx)):
            T = TSNE(n_components=2, perplexity=perp, init="pca", max_iter=max(250, int(tsne_max_iter)),
                     random_state=random_state).fit_transform(S)
        out["tsne_1"], out["tsne_2"] = T[:, 0], T[:, 1]
    else:
        out["tsne_1"], out["tsne_2"] = np.nan, np.nan
    return out
