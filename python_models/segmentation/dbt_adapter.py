"""What the dbt Python models of ``models/intermediate/segments/`` call: DataFrames and a config in,
warehouse-ready DataFrames out.

One model (``int_segments__membership``) runs :func:`segment_customers`, persists the whole run with
:func:`save_run` under ``artifacts_dir()/segmentation/`` and returns the membership. Every other
segmentation table is read back from that persisted run by :func:`run_table`, which checks that the
run on disk is the one the membership table came from, so a partial dbt build can never mix runs.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

from python_models.segmentation.pipeline import SegmentationRun, merge_config, run_segmentation
from python_models.var_settings import settings_from_vars

RUN_FILE = "run.joblib"
CENTROIDS_FILE = "centroids.json"
GATE_AREA = "segmentation"

# dbt var -> (config section, key). Section None = top-level key. Values arrive as JSON (see
# _intermediate__segments__models.yml) and override DEFAULT_CONFIG of the pipeline.
VAR_MAP: dict[str, tuple[str | None, str]] = {
    "algorithm": (None, "algorithm"),
    "random_state": (None, "random_state"),
    "k_range": ("kmeans", "k_range"),
    "n_clusters": ("kmeans", "n_clusters"),
    "kmeans_n_init": ("kmeans", "n_init"),
    "dbscan_eps": ("dbscan", "eps"),
    "dbscan_min_samples": ("dbscan", "min_samples"),
    "dbscan_sample_size": ("dbscan", "sample_size"),
    "ward_sample_size": ("ward", "sample_size"),
    "compare_candidates": ("compare", "candidates"),
    "compare_sample_size": ("compare", "sample_size"),
    "silhouette_sample": ("metrics", "silhouette_sample"),
    "embedding_sample": ("diagnostics", "embedding_sample"),
    "tsne": ("diagnostics", "tsne"),
    "stability_runs": ("stability", "n_runs"),
    "stability_method": ("stability", "method"),
    "stability_fit_size": ("stability", "fit_size"),
    "vocabulary": ("profiles", "vocabulary"),
    "gates": (None, "gates"),
    "features": (None, "features"),
}


def config_from_vars(values: dict[str, Any] | str | None) -> dict[str, Any]:
    """Pipeline config from the flat dbt-var dict (or its JSON). ``None`` values keep the defaults;
    the k range also applies to Ward so both algorithms search the same k."""
    values = settings_from_vars(values, VAR_MAP, "segmentation")
    overrides: dict[str, Any] = {}
    for name, value in values.items():
        section, key = VAR_MAP[name]
        if section is None:
            overrides[key] = value
        else:
            overrides.setdefault(section, {})[key] = value
    if "k_range" in values:
        overrides.setdefault("ward", {})["k_range"] = values["k_range"]
    if "n_clusters" in values:
        overrides.setdefault("ward", {})["n_clusters"] = values["n_clusters"]
    if "gates" in values:
        overrides["gates"] = {k: float(v) for k, v in values["gates"].items()}
    return merge_config(overrides)


def _check_matrix(matrix: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    if "customer_id" not in matrix.columns:
        raise ValueError("the feature matrix needs a customer_id column")
    # sorted: warehouse row order is not stable between builds, seeded fits must see one order
    matrix = matrix.assign(customer_id=matrix["customer_id"].astype(str)).sort_values("customer_id")
    ids = matrix["customer_id"].to_numpy()
    if pd.Series(ids).duplicated().any():
        dup = pd.Series(ids)[pd.Series(ids).duplicated()].iloc[0]
        raise ValueError(f"the feature matrix has several rows for customer_id {dup!r}")
    X = matrix.drop(columns="customer_id")
    bad = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c])]
    if bad:
        raise ValueError(f"feature matrix columns must be numeric (scaled/encoded): {bad}")
    X = X.astype("float64")
    missing = X.columns[X.isna().any()].tolist()
    if missing:
        raise ValueError(f"feature matrix has missing values in {missing}: impute before segmenting")
    return X.reset_index(drop=True), ids


def _profile_frame(features: pd.DataFrame | None, ids: np.ndarray) -> pd.DataFrame | None:
    """The customers' features in original units, aligned to the matrix rows; timestamps and ids
    are not traits, so they are left out of the profiles."""
    if features is None:
        return None
    f = features.copy()
    f["customer_id"] = f["customer_id"].astype(str)
    f = f.drop_duplicates("customer_id").set_index("customer_id").reindex(ids)
    drop = [c for c in f.columns if pd.api.types.is_datetime64_any_dtype(f[c]) or c.endswith("_at_utc")
            or c.endswith("_id")]
    f = f.drop(columns=drop)
    for c in f.columns:
        if pd.api.types.is_bool_dtype(f[c]):
            f[c] = f[c].astype("float64")
        elif not pd.api.types.is_numeric_dtype(f[c]):
            f[c] = f[c].astype(object)
    return f.reset_index(drop=True)


def _fill_original_centroids(run: SegmentationRun, raw: pd.DataFrame | None) -> None:
    """Without the fitted preprocessor, a centroid in original units is the mean of its members'
    original values (same column name); one-hot columns have no original column and stay NaN."""
    cen = run.tables["centroids"]
    if raw is None or cen["value_original"].notna().any():
        return
    numeric = [c for c in raw.columns if pd.api.types.is_numeric_dtype(raw[c])]
    means = raw[numeric].groupby(run.labels).mean()
    cen["value_original"] = [
        float(means.at[s, f]) if f in means.columns and s in means.index else np.nan
        for s, f in zip(cen["segment"], cen["feature"], strict=True)
    ]


MIN_CUSTOMERS = 30
F, INT, S, B = "float64", "int64", "object", "bool"
# Column types of the run's tables, for a run too small to segment (typed empty tables + a failed gate).
SCHEMAS: dict[str, dict[str, str]] = {
    "membership": {"customer_id": S, "segment": INT, "distance": F, "second_segment": INT, "second_distance": F,
                   "margin": F, "margin_ratio": F},
    "centroids": {"segment": INT, "feature": S, "value_scaled": F, "value_original": F},
    "comparison": {"candidate": S, "algorithm": S, "params": S, "n_rows": INT, "n_segments": INT, "sizes": S,
                   "min_segment_share": F, "noise_share": F, "silhouette": F, "calinski_harabasz": F,
                   "davies_bouldin": F, "fit_seconds": F, "selected": B},
    "pca_variance": {"component": INT, "explained_variance": F, "explained_variance_ratio": F, "cumulative_ratio": F},
    "pca_loadings": {"component": INT, "feature": S, "loading": F, "abs_rank": INT},
    "embedding": {"customer_id": S, "segment": INT, "pca_1": F, "pca_2": F, "tsne_1": F, "tsne_2": F},
    "stability_runs": {"run": INT, "ari": F, "n_segments": INT},
    "stability_segments": {"segment": INT, "mean_jaccard": F, "min_jaccard": F, "reference_size": INT},
    "feature_tests": {"feature": S, "anova_f": F, "anova_p": F, "eta_squared": F, "kruskal_h": F, "kruskal_p": F,
                      "epsilon_squared": F, "significant": B, "n_rows": INT},
    "profiles": {"segment": INT, "size": INT, "share": F, "name": S, "description": S, "distinguishing_features": S,
                 "top_categories": S},
    "profile_features": {"segment": INT, "feature": S, "kind": S, "category": S, "segment_mean": F,
                         "segment_median": F, "population_mean": F, "population_median": F, "lift": F,
                         "effect": F, "rank": INT},
}


def _typed_empty(schema: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in schema.items()})


def _too_few_run(n: int, cfg: dict[str, Any]) -> SegmentationRun:
    """A run that did not segment: empty tables and one failed gate saying why (the build goes on,
    publishing refuses the version)."""
    tables = {name: _typed_empty(schema) for name, schema in SCHEMAS.items()}
    tables["gates"] = pd.DataFrame([{"gate": "min_customers", "metric": "n_customers", "value": float(n),
                                     "threshold": float(MIN_CUSTOMERS), "comparator": ">=", "passed": False}])
    metrics = {"n_segments": 0, "noise_share": np.nan, "min_segment_share": np.nan, "algorithm": cfg["algorithm"],
               "params": {"skipped": f"{n} customers, fewer than {MIN_CUSTOMERS}"}}
    return SegmentationRun(config=cfg, model=None, labels=np.empty(0, dtype=np.int64), metrics=metrics,
                           tables=tables)


def segment_customers(matrix: pd.DataFrame, features: pd.DataFrame | None = None,
                      config: dict[str, Any] | None = None, *, preprocessor=None) -> SegmentationRun:
    """Segment the scaled matrix (customer_id + numeric columns); ``features`` (customer_id + original
    columns) feeds the readable profiles. ``config`` is a pipeline config (see config_from_vars).
    Fewer than MIN_CUSTOMERS customers: no segments, a failed ``min_customers`` gate."""
    X, ids = _check_matrix(matrix)
    cfg = config if config is not None else merge_config(None)
    X = _clustering_columns(X, cfg.get("features"))
    if len(X) < MIN_CUSTOMERS:
        run = _too_few_run(len(X), cfg)
        _stamp(run, X, cfg)
        return run
    raw = _profile_frame(features, ids)
    run = run_segmentation(X, cfg, raw=raw, ids=ids, preprocessor=preprocessor)
    _fill_original_centroids(run, raw)
    _stamp(run, X, cfg)
    return run


def _clustering_columns(X: pd.DataFrame, wanted: list[str] | None) -> pd.DataFrame:
    """The configured subset of the matrix (var segmentation_features); the centroids record it, so
    reassignment takes the same columns from the same persisted preprocessor."""
    if not wanted:
        return X
    unknown = [c for c in wanted if c not in X.columns]
    if unknown:
        raise ValueError(f"segmentation_features names columns the feature matrix does not have: {unknown}; "
                         f"matrix columns: {list(X.columns)}")
    return X[list(dict.fromkeys(wanted))]


def _stamp(run: SegmentationRun, X: pd.DataFrame, cfg: dict[str, Any]) -> None:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    digest = hashlib.sha1(json.dumps([list(X.columns), len(X), cfg], sort_keys=True, default=str).encode())
    run.metrics["run_id"] = f"seg-{stamp}-{digest.hexdigest()[:8]}"
    run.metrics["feature_names"] = list(X.columns)


def save_run(run: SegmentationRun, directory: str | Path) -> Path:
    """Persist the run (model, tables, metrics) and a plain JSON of the scaled centroids that
    real-time assignment needs (with the feature order)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    joblib.dump(run, d / RUN_FILE)
    centers = getattr(run.model, "cluster_centers_", np.empty((0, 0)))
    (d / CENTROIDS_FILE).write_text(json.dumps({
        "run_id": run.metrics["run_id"],
        "algorithm": run.config["algorithm"],
        "features": run.metrics["feature_names"],
        "centroids_scaled": np.asarray(centers, dtype=float).tolist(),
        "preprocessor": run.metrics.get("preprocessor_path"),
    }, indent=1))
    return d


def load_run(directory: str | Path, expected_run_id: str | None = None) -> SegmentationRun:
    path = Path(directory) / RUN_FILE
    if not path.exists():
        raise FileNotFoundError(f"no persisted segmentation run at {path}: build int_segments__membership first")
    run = joblib.load(path)
    if not isinstance(run, SegmentationRun):
        raise TypeError(f"{path} does not hold a SegmentationRun")
    if expected_run_id is not None and run.metrics.get("run_id") != expected_run_id:
        raise RuntimeError(f"persisted segmentation run {run.metrics.get('run_id')} is not the run "
                           f"{expected_run_id} of int_segments__membership: rebuild it")
    return run


def _segment_cols(df: pd.DataFrame) -> pd.DataFrame:
    return df.rename(columns={"segment": "segment_id", "second_segment": "second_segment_id",
                              "distance": "distance_to_centroid"})


def membership_output(run: SegmentationRun) -> pd.DataFrame:
    m = _segment_cols(run.tables["membership"]).copy()
    m["customer_id"] = m["customer_id"].astype(str)
    m["run_id"] = run.metrics["run_id"]
    m["algorithm"] = run.config["algorithm"]
    return m


def gates_output(run: SegmentationRun) -> pd.DataFrame:
    """The shared gate shape: area, gate, value, threshold, passed, detail."""
    g = run.tables["gates"]
    detail = [f"{m} {c} {t:g} (value {v:.4g})" if pd.notna(v) else f"{m} {c} {t:g} (metric missing)"
              for m, c, t, v in zip(g["metric"], g["comparator"], g["threshold"], g["value"], strict=True)]
    return pd.DataFrame({"area": GATE_AREA, "gate": g["gate"].astype(str), "value": g["value"].astype(float),
                         "threshold": g["threshold"].astype(float), "passed": g["passed"].astype(bool),
                         "detail": detail})


def run_summary(run: SegmentationRun) -> pd.DataFrame:
    """One row: what ran and how well (for the run table and the report)."""
    m = run.metrics
    return pd.DataFrame([{
        "run_id": m["run_id"],
        "algorithm": m["algorithm"],
        "n_customers": int(len(run.labels)),
        "n_features": len(m["feature_names"]),
        "n_segments": int(m.get("n_segments", 0)),
        "noise_share": float(m["noise_share"]),
        "min_segment_share": float(m["min_segment_share"]),
        "silhouette": float(m.get("silhouette", np.nan)),
        "calinski_harabasz": float(m.get("calinski_harabasz", np.nan)),
        "davies_bouldin": float(m.get("davies_bouldin", np.nan)),
        "mean_bootstrap_ari": float(m.get("mean_ari", np.nan)),
        "mean_bootstrap_jaccard": float(m.get("mean_jaccard", np.nan)),
        "min_segment_jaccard": float(m.get("min_segment_jaccard", np.nan)),
        "significant_feature_share": float(m.get("significant_feature_share", np.nan)),
        "gates_passed": bool(run.passed),
        "params": json.dumps(m["params"], default=str),
        "config": json.dumps(run.config, default=str),
        "timings": json.dumps(run.timings),
    }])


def _embedding(run: SegmentationRun) -> pd.DataFrame:
    e = _segment_cols(run.tables["embedding"]).copy()
    e["customer_id"] = e["customer_id"].astype(str)
    return e.astype({"tsne_1": "float64", "tsne_2": "float64"})


def _k_distance(run: SegmentationRun) -> pd.DataFrame:
    kd = run.tables.get("k_distance")
    if kd is None:  # DBSCAN neither chosen nor compared: an empty curve, same columns
        return pd.DataFrame({"rank": pd.Series(dtype="int64"), "k_distance": pd.Series(dtype="float64"),
                             "is_knee": pd.Series(dtype="bool"), "chosen_eps": pd.Series(dtype="float64"),
                             "min_samples": pd.Series(dtype="int64")})
    return kd


def _k_selection(run: SegmentationRun) -> pd.DataFrame:
    ks = run.tables.get("k_selection")
    if ks is None:
        cols = {"k": "int64", "inertia": "float64", "inertia_per_row": "float64", "silhouette": "float64",
                "knee_difference": "float64", "is_elbow": "bool", "is_silhouette_best": "bool",
                "chosen": "bool", "n_rows_used": "int64"}
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})
    return ks


TABLES = {
    "run": run_summary,
    "gates": gates_output,
    "embedding": _embedding,
    "k_distance": _k_distance,
    "k_selection": _k_selection,
}


def output_table(run: SegmentationRun, name: str) -> pd.DataFrame:
    """A warehouse table of the run: segment columns named segment_id, plus run_id."""
    if name in TABLES:
        out = TABLES[name](run)
    elif name in run.tables:
        out = _segment_cols(run.tables[name]).copy()
    else:
        raise KeyError(f"segmentation run has no table {name!r}; has {sorted(set(run.tables) | set(TABLES))}")
    if "run_id" not in out.columns:
        out.insert(0, "run_id", run.metrics["run_id"])
    return out.reset_index(drop=True)


def first_value(relation, column: str):
    """First value of a column of a dbt relation (DuckDB relation) or DataFrame."""
    if isinstance(relation, pd.DataFrame):
        return relation[column].iloc[0] if len(relation) else None
    rows = relation.project(column).limit(1).fetchall()
    return rows[0][0] if rows else None


def run_table(directory: str | Path, membership_relation, name: str) -> pd.DataFrame:
    """The table ``name`` of the run that produced ``membership_relation`` (read from disk)."""
    run = load_run(directory, first_value(membership_relation, "run_id"))
    return output_table(run, name)


def find_preprocessor(directory: str | Path, feature_names: list[str]):
    """The fitted FeaturePreprocessor persisted by the features step, if there is one whose output
    columns cover the matrix (then centroids get exact original units); otherwise None."""
    from python_models.preprocessing.pipeline import MODEL_FILE, load_preprocessor

    d = Path(directory)
    if not (d / MODEL_FILE).exists():
        return None
    prep = load_preprocessor(d)
    if not set(feature_names) <= set(getattr(prep, "feature_names_", [])):
        return None
    return prep
