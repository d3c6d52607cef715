"""End-to-end segmentation run: fit the configured algorithm, compare candidates, compute membership,
centroids, profiles, diagnostics, validation and gates. Every output is a DataFrame meant to become a
warehouse table; the dbt Python models only have to call :func:`run_segmentation` and write them.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from python_models.segmentation._util import as_matrix, native_threads
from python_models.segmentation.algorithms import make_segmenter
from python_models.segmentation.diagnostics import embedding_sample, pca_diagnostics
from python_models.segmentation.evaluation import cluster_metrics, compare_candidates
from python_models.segmentation.membership import centroids_table, membership_table
from python_models.segmentation.profiles import profile_segments
from python_models.segmentation.validation import (
    DEFAULT_GATES,
    evaluate_gates,
    feature_tests,
    require_gates,
    significant_feature_share,
    stability,
)

DEFAULT_CONFIG: dict[str, Any] = {
    "algorithm": "kmeans",
    "random_state": 42,
    "kmeans": {"n_clusters": "auto", "k_range": [2, 12], "minibatch_threshold": 200_000,
               "selection_sample": 50_000, "silhouette_sample": 5_000, "silhouette_tolerance": 0.05,
               # 10 starts per k: with 3, one demo lake's k=6 fit stopped in a local optimum 3 % above
               # the best inertia, which bent the elbow to k=5 (bench/RESULTS.md, persona recovery)
               "silhouette_ratio": 0.5, "n_init": 10},
    "dbscan": {"eps": "auto", "min_samples": 10, "sample_size": 20_000},
    "ward": {"n_clusters": "auto", "k_range": [2, 12], "sample_size": 5_000},
    "compare": {"candidates": ["kmeans", "dbscan", "ward"], "sample_size": 20_000},
    "metrics": {"silhouette_sample": 10_000},
    "diagnostics": {"pca_sample": 100_000, "embedding_sample": 2_000, "tsne": True, "tsne_max_iter": 500},
    "stability": {"n_runs": 10, "method": "bootstrap", "fit_size": 20_000, "eval_size": 10_000},
    "feature_tests": {"sample_size": 100_000, "alpha": 0.01},
    "profiles": {"vocabulary": {}, "min_effect": 0.3, "top_n": 5},
    "gates": dict(DEFAULT_GATES),
    # matrix columns to cluster on (None = all); the rest stay in the matrix for other uses
    "features": None,
}


def merge_config(overrides: dict[str, Any] | None) -> dict[str, Any]:
    cfg = copy.deepcopy(DEFAULT_CONFIG)
    for k, v in (overrides or {}).items():
        if k not in cfg:
            raise ValueError(f"unknown segmentation config key {k!r}")
        if isinstance(cfg[k], dict) and isinstance(v, dict) and k != "gates":
            cfg[k].update(v)
        else:
            cfg[k] = copy.deepcopy(v)
    return cfg


def _algo_params(cfg: dict[str, Any], algo: str) -> dict[str, Any]:
    p = dict(cfg[algo])
    if "k_range" in p:
        p["k_range"] = tuple(p["k_range"])
    p["random_state"] = cfg["random_state"]
    return p


@dataclass
class SegmentationRun:
    config: dict[str, Any]
    model: Any
    labels: np.ndarray
    metrics: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return bool(self.tables["gates"]["passed"].all())

    def require_pass(self) -> None:
        """Raise GateFailure unless every gate passed: the publishing step calls this."""
        require_gates(self.tables["gates"])


def run_segmentation(
    features: pd.DataFrame,
    config: dict[str, Any] | None = None,
    *,
    raw: pd.DataFrame | None = None,
    ids=None,
    preprocessor=None,
    steps: tuple[str, ...] = ("compare", "diagnostics", "stability", "feature_tests", "profiles"),
) -> SegmentationRun:
    """Segment a preprocessed feature matrix (rows = customers).

    features: model-space matrix (e.g. ``FeaturePreprocessor.transform`` output).
    raw: the same customers in original units (numeric + categorical) for profiles; defaults to
    ``features``. preprocessor: the fitted FeaturePreprocessor, for centroids in original units.
    steps: optional steps to run; fitting, membership, centroids, metrics and gates always run.
    """
    cfg = merge_config(config)
    with native_threads(len(features)):
        return _run(features, cfg, raw, ids, preprocessor, steps)


def _run(features, cfg, raw, ids, preprocessor, steps) -> SegmentationRun:
    rs = cfg["random_state"]
    # one float array for every step; the DataFrames below wrap it (copy=False): at a million
    # customers each copy was 1.4 GB
    X, names = as_matrix(features)
    ids = np.arange(len(X)) if ids is None else np.asarray(ids)
    timings: dict[str, float] = {}
    tables: dict[str, pd.DataFrame] = {}

    def timed(name):
        class _T:
            def __enter__(self_inner):
                self_inner.t = time.perf_counter()

            def __exit__(self_inner, *exc):
                timings[name] = round(time.perf_counter() - self_inner.t, 3)
        return _T()

    algo = cfg["algorithm"]
    with timed("fit"):
        model = make_segmenter(algo, **_algo_params(cfg, algo)).fit(X)
    labels = np.asarray(model.labels_)
    if getattr(model, "selection_", None) is not None:
        tables["k_selection"] = model.selection_.table
    if algo == "dbscan":
        tables["k_distance"] = model.k_distance_.table()

    with timed("membership"):
        tables["membership"] = membership_table(X, model.cluster_centers_, labels=labels, ids=ids)
        tables["centroids"] = centroids_table(model.cluster_centers_, names, preprocessor)

    with timed("metrics"):
        metrics = cluster_metrics(X, labels, silhouette_sample=cfg["metrics"]["silhouette_sample"],
                                  random_state=rs)
    own_metrics = dict(metrics)
    summary = model.get_params_summary() if hasattr(model, "get_params_summary") else {}
    metrics.update(algorithm=algo, params=summary)

    if "compare" in steps:
        with timed("compare"):
            cands = {}
            for a in cfg["compare"]["candidates"]:
                cands[a] = make_segmenter(a, **_algo_params(cfg, a))
            size = cfg["compare"]["sample_size"]
            # a comparison sample of every row would refit the run's own model identically
            same = {algo: (model, timings["fit"], own_metrics)} if size is None or size >= len(X) else None
            tables["comparison"], fitted = compare_candidates(
                X, cands, sample_size=size, silhouette_sample=cfg["metrics"]["silhouette_sample"],
                random_state=rs, prefitted=same)
            tables["comparison"]["selected"] = tables["comparison"]["candidate"] == algo
            if "dbscan" in fitted and "k_distance" not in tables:
                tables["k_distance"] = fitted["dbscan"].k_distance_.table()

    if "diagnostics" in steps:
        with timed("diagnostics"):
            d = cfg["diagnostics"]
            var, load, _ = pca_diagnostics(X if not names else pd.DataFrame(X, columns=names, copy=False),
                                           sample_size=d["pca_sample"], random_state=rs)
            tables["pca_variance"], tables["pca_loadings"] = var, load
            tables["embedding"] = embedding_sample(X, labels, ids=ids, sample_size=d["embedding_sample"],
                                                   tsne=d["tsne"], tsne_max_iter=d["tsne_max_iter"], random_state=rs)

    if "stability" in steps:
        with timed("stability"):
            s = cfg["stability"]
            st = stability(model, X, n_runs=s["n_runs"], method=s["method"], fit_size=s["fit_size"],
                           eval_size=s["eval_size"], random_state=rs)
            tables["stability_runs"], tables["stability_segments"] = st.runs, st.segments
            metrics.update(mean_ari=st.mean_ari, mean_jaccard=st.mean_jaccard,
                           min_segment_jaccard=st.min_segment_jaccard)

    if "feature_tests" in steps:
        with timed("feature_tests"):
            ft = feature_tests(pd.DataFrame(X, columns=names, copy=False), labels,
                               sample_size=cfg["feature_tests"]["sample_size"],
                               alpha=cfg["feature_tests"]["alpha"], random_state=rs)
            tables["feature_tests"] = ft
            metrics.update(significant_feature_share=significant_feature_share(ft),
                           untestable_features=int(ft["anova_p"].isna().sum()),
                           mean_eta_squared=float(ft["eta_squared"].mean()))

    if "profiles" in steps:
        with timed("profiles"):
            p = cfg["profiles"]
            src = raw if raw is not None else pd.DataFrame(X, columns=names, copy=False)
            prof = profile_segments(src.reset_index(drop=True), labels, vocabulary=p["vocabulary"],
                                    min_effect=p["min_effect"], top_n=p["top_n"])
            tables["profiles"], tables["profile_features"] = prof.summary, prof.features

    tables["gates"] = evaluate_gates(metrics, cfg["gates"])
    m = dict(metrics)
    m["sizes"] = json.dumps(m["sizes"])
    m["params"] = json.dumps(m["params"], default=str)
    tables["run_metrics"] = pd.DataFrame([{"metric": k, "value": str(v)} for k, v in m.items()])
    return SegmentationRun(config=cfg, model=model, labels=labels, metrics=metrics, tables=tables,
                           timings=timings)
