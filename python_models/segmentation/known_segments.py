"""The supervised path in dbt: a marketer's known segments (entity ``known_segments``, resolved to customers
by identity resolution) train a :class:`SupervisedSegmenter` on the feature matrix, per labels source.

Every customer of the matrix gets a predicted segment with its probability and the runner-up; the held-out
labelled customers (stratified, seeded) give accuracy, macro F1, per-segment precision/recall and the
confusion matrix, beside what the class distribution alone would score. A segment with fewer labelled
customers than ``min_labels_per_segment`` cannot be learnt or measured: its labels are left out of the fit
and reported as excluded. One dbt model (``int_segments__supervised_membership``) trains and persists the
run; the evaluation and confusion tables are read back from it by :func:`run_table`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

from python_models.var_settings import settings_from_vars

RUN_FILE = "run.joblib"
DEFAULT_CONFIG: dict[str, Any] = {
    "model": "hist_gradient_boosting",  # or random_forest
    "test_size": 0.25,
    "random_state": 42,
    "min_labels_per_segment": 10,
    "params": None,  # the classifier's own parameters, e.g. {max_iter: 200}
}
F, INT, S = "float64", "int64", "object"
MEMBERSHIP_COLUMNS = {"source_system": S, "customer_id": S, "known_segment": S, "split": S,
                      "predicted_segment": S, "probability": F, "second_segment": S, "second_probability": F}
EVALUATION_COLUMNS = {"source_system": S, "model": S, "segment": S, "metric": S, "value": F, "note": S}
CONFUSION_COLUMNS = {"source_system": S, "actual_segment": S, "predicted_segment": S, "n_customers": INT}
OVERALL_METRICS = ("n_labelled", "n_train", "n_test", "n_segments", "accuracy", "balanced_accuracy", "macro_f1",
                   "weighted_f1", "majority_accuracy", "chance_macro_f1")


def config_from_vars(values: dict[str, Any] | str | None) -> dict[str, Any]:
    return {**DEFAULT_CONFIG, **settings_from_vars(values, DEFAULT_CONFIG, "supervised segmentation")}


@dataclass
class SourceResult:
    source_system: str
    membership: pd.DataFrame
    evaluation: pd.DataFrame
    confusion: pd.DataFrame
    estimator: Any = None
    features: list[str] = field(default_factory=list)


@dataclass
class SupervisedRun:
    run_id: str
    config: dict[str, Any]
    sources: dict[str, SourceResult] = field(default_factory=dict)


def _typed(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    return frame.reindex(columns=list(columns)).astype({c: t for c, t in columns.items() if t != S})


def _eval_rows(source: str, model: str, rows: list[tuple[str | None, str, float, str | None]]) -> pd.DataFrame:
    return pd.DataFrame([{"source_system": source, "model": model, "segment": seg, "metric": metric,
                          "value": value, "note": note} for seg, metric, value, note in rows])


def _top_two(proba: np.ndarray, classes: np.ndarray) -> tuple[np.ndarray, ...]:
    order = np.argsort(-proba, axis=1, kind="stable")
    first, second = order[:, 0], order[:, 1] if proba.shape[1] > 1 else order[:, 0]
    rows = np.arange(len(proba))
    second_p = proba[rows, second] if proba.shape[1] > 1 else np.zeros(len(proba))
    return classes[first], proba[rows, first], classes[second], second_p


def train_source(source: str, labels: pd.DataFrame, X: pd.DataFrame, cfg: dict[str, Any]) -> SourceResult:
    """labels: customer_id, known_segment (one row per customer); X: the matrix indexed by customer_id."""
    from python_models.segmentation.supervised import SupervisedSegmenter

    model = str(cfg["model"])
    labels = labels[labels["customer_id"].isin(X.index)].sort_values("customer_id", kind="stable")
    counts = labels["known_segment"].value_counts()
    minimum = int(cfg["min_labels_per_segment"])
    kept = sorted(counts[counts >= minimum].index)
    excluded = sorted(counts[counts < minimum].index)
    rows: list[tuple[str | None, str, float, str | None]] = [
        (seg, "n_labelled", float(counts[seg]), f"excluded: fewer than min_labels_per_segment={minimum} labelled "
                                                "customers, not learnt") for seg in excluded]
    used = labels[labels["known_segment"].isin(kept)]
    if len(kept) < 2:
        rows.append((None, "n_labelled", float(len(used)),
                     f"skipped: {len(kept)} segment(s) with at least min_labels_per_segment={minimum} labelled "
                     "customers; a classifier needs two"))
        return SourceResult(source, pd.DataFrame(), _eval_rows(source, model, rows), pd.DataFrame())
    y = used["known_segment"].astype(str).to_numpy()
    Xl = X.loc[used["customer_id"]]
    seg = SupervisedSegmenter(model=model, test_size=float(cfg["test_size"]), random_state=int(cfg["random_state"]),
                              params=cfg["params"]).fit(Xl, y)
    m = {**seg.metrics_, "n_labelled": len(used), "n_segments": len(kept)}
    rows += [(None, k, float(m[k]), None) for k in OVERALL_METRICS]
    for r in seg.report_.itertuples(index=False):
        rows += [(str(r.segment), k, float(getattr(r, k)), None) for k in ("precision", "recall", "f1", "support")]
        rows.append((str(r.segment), "n_labelled", float(counts[r.segment]), None))
    confusion = seg.confusion_.rename(columns={"actual": "actual_segment", "predicted": "predicted_segment",
                                               "count": "n_customers"})
    confusion.insert(0, "source_system", source)

    first, p1, second, p2 = _top_two(seg.predict_proba(X), seg.classes_)
    split = pd.Series("unlabelled", index=X.index, dtype=object)
    split[used["customer_id"].to_numpy()] = "train"
    split[used["customer_id"].to_numpy()[seg.test_index_]] = "test"
    known = labels.set_index("customer_id")["known_segment"].reindex(X.index)
    split[known.isin(excluded).to_numpy()] = "excluded"
    membership = pd.DataFrame({
        "source_system": source, "customer_id": X.index.to_numpy(), "known_segment": known.to_numpy(),
        "split": split.to_numpy(), "predicted_segment": first, "probability": p1, "second_segment": second,
        "second_probability": p2})
    return SourceResult(source, membership, _eval_rows(source, model, rows), confusion, seg.estimator_,
                        list(X.columns))


def train_known_segments(labels: pd.DataFrame, matrix: pd.DataFrame | None,
                         config: dict[str, Any] | str | None = None) -> SupervisedRun:
    """labels: the usable labels of int_segments__known_segment_labels (source_system, customer_id,
    known_segment); matrix: int_features__feature_matrix (customer_id + numeric columns), or None when
    there are no labels."""
    cfg = config_from_vars(config)
    run = SupervisedRun(run_id="", config=cfg)
    if len(labels):
        if matrix is None:
            raise ValueError("labels were given without the feature matrix")
        X = matrix.assign(customer_id=matrix["customer_id"].astype(str)).set_index("customer_id").sort_index()
        X = X.astype("float64")
        labels = labels.assign(customer_id=labels["customer_id"].astype(str),
                               known_segment=labels["known_segment"].astype(str))
        for source, group in sorted(labels.groupby("source_system"), key=lambda kv: kv[0]):
            run.sources[source] = train_source(str(source), group, X, cfg)
    digest = hashlib.sha1(json.dumps(
        [[s, len(r.membership), r.evaluation["value"].round(6).tolist()] for s, r in run.sources.items()]
    ).encode()).hexdigest()[:8]
    run.run_id = f"supervised-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{digest}"
    return run


def _table(run: SupervisedRun, attr: str, columns: dict[str, str]) -> pd.DataFrame:
    frames = [getattr(r, attr) for r in run.sources.values() if len(getattr(r, attr))]
    out = _typed(pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(), columns)
    out.insert(0, "run_id", run.run_id)
    return out


def membership_table(run: SupervisedRun) -> pd.DataFrame:
    return _table(run, "membership", MEMBERSHIP_COLUMNS)


TABLES = {
    "evaluation": lambda run: _table(run, "evaluation", EVALUATION_COLUMNS),
    "confusion": lambda run: _table(run, "confusion", CONFUSION_COLUMNS),
}


def save_run(run: SupervisedRun, directory: str | Path) -> Path:
    """<dir>/run.joblib (membership left out) and <dir>/<source>/model.joblib (estimator + feature names,
    to score customers outside dbt)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    for source, r in run.sources.items():
        if r.estimator is not None:
            (d / source).mkdir(exist_ok=True)
            joblib.dump({"estimator": r.estimator, "features": r.features, "run_id": run.run_id},
                        d / source / "model.joblib")
    light = SupervisedRun(run.run_id, run.config, {
        s: SourceResult(s, r.membership.iloc[0:0], r.evaluation, r.confusion) for s, r in run.sources.items()})
    joblib.dump(light, d / RUN_FILE)
    return d


def run_table(directory: str | Path, membership_relation, name: str) -> pd.DataFrame:
    """Table ``name`` of the run persisted by int_segments__supervised_membership in this build."""
    from python_models.artifacts import load_run_of

    run = load_run_of(Path(directory) / RUN_FILE, membership_relation, "supervised segmentation",
                      "int_segments__supervised_membership")
    return TABLES[name](run)
