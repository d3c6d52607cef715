"""What the dbt Python models of ``models/intermediate/propensity/`` call.

``train_and_score`` takes the features as of the training cutoff, the labels observed in the window
after it, the features as of the scoring cutoff and a config (dbt vars); per target it trains with
:class:`PropensityTrainer` (search on a subsample, final fit on at most ``final_fit_max_rows``
training rows), scores every customer and returns the scores. :func:`save_models` persists each model under ``<dir>/<target>/`` and a run file;
the other propensity tables are read back by :func:`run_table`, which checks the run id.

Leakage is refused here as well as prevented upstream: the training features must be as of a cutoff
earlier than the scoring cutoff, and the label window must start at the training cutoff and end by the
scoring cutoff (labels after it are not observable yet).
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
import pyarrow as pa
import pyarrow.compute as pc

from python_models.propensity.candidates import default_candidates
from python_models.propensity.registry import registry_frame, save_model
from python_models.propensity.scoring import score_customers
from python_models.propensity.timesplit import LeakageError
from python_models.propensity.training import PropensityModel, PropensityTrainer
from python_models.var_settings import settings_from_vars

RUN_FILE = "run.joblib"
GATE_AREA = "propensity"
CUTOFF_COLUMN = "features_cutoff_at_utc"

DEFAULT_CONFIG: dict[str, Any] = {
    "targets": ["purchase", "engagement"],
    "horizon_days": 30,
    "candidates": ["logistic_regression", "hist_gradient_boosting", "random_forest", "mlp"],
    "search_iterations": None,  # caps n_iter of the randomized searches (None: each candidate's own)
    "search_sample_size": 30_000,
    "selection_sample_size": 20_000,
    "final_fit_max_rows": 250_000,
    "cv": 3,
    "rfe": True,
    "n_drivers": 3,
    "random_state": 0,
    "min_validation_auc": 0.65,
    "min_positives": 20,
}


def config_from_vars(values: dict[str, Any] | str | None) -> dict[str, Any]:
    return {**DEFAULT_CONFIG, **settings_from_vars(values, DEFAULT_CONFIG, "propensity")}


@dataclass
class PropensityRun:
    run_id: str
    config: dict[str, Any]
    train_cutoff: pd.Timestamp
    score_cutoff: pd.Timestamp
    models: dict[str, PropensityModel]
    scores: pd.DataFrame
    gates: pd.DataFrame
    skipped: dict[str, str] = field(default_factory=dict)


def _cutoff(frame: pd.DataFrame, what: str) -> pd.Timestamp:
    if CUTOFF_COLUMN not in frame.columns:
        raise ValueError(f"{what} needs a {CUTOFF_COLUMN} column")
    values = pd.to_datetime(frame[CUTOFF_COLUMN]).dropna().unique()
    if len(values) != 1:
        raise ValueError(f"{what} must be as of exactly one cutoff, found {len(values)}")
    return pd.Timestamp(values[0])


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """Model inputs: everything but ids and timestamps."""
    return [c for c in frame.columns if c != "customer_id" and not c.endswith("_at_utc")
            and not c.endswith("_id") and not pd.api.types.is_datetime64_any_dtype(frame[c])]


def check_split(train: pd.DataFrame, labels: pd.DataFrame, score: pd.DataFrame, horizon_days: int
                ) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(training cutoff, scoring cutoff) after refusing any split that could leak."""
    t_train, t_score = _cutoff(train, "training features"), _cutoff(score, "scoring features")
    if t_train >= t_score:
        raise LeakageError(f"training features are as of {t_train}, not before the scoring cutoff {t_score}")
    start = pd.to_datetime(labels["label_window_start_at_utc"]).unique()
    end = pd.to_datetime(labels["label_window_end_at_utc"]).unique()
    if len(start) != 1 or pd.Timestamp(start[0]) != t_train:
        raise LeakageError(f"label window must start at the training cutoff {t_train}, starts {list(start)}")
    if len(end) != 1 or pd.Timestamp(end[0]) > t_score:
        raise LeakageError(f"label window ends {list(end)}, after the scoring cutoff {t_score}: "
                           "those labels are not observable yet")
    if pd.Timestamp(end[0]) - t_train != pd.Timedelta(days=horizon_days):
        raise ValueError(f"label window is {pd.Timestamp(end[0]) - t_train}, expected {horizon_days} days")
    return t_train, t_score


def _candidates(cfg: dict[str, Any]):
    allc = default_candidates(random_state=cfg["random_state"], n_jobs=2)
    unknown = set(cfg["candidates"]) - set(allc)
    if unknown:
        raise ValueError(f"unknown propensity candidates {sorted(unknown)}; known: {sorted(allc)}")
    chosen = {k: allc[k] for k in cfg["candidates"]}
    if cfg["search_iterations"]:
        for c in chosen.values():
            c.n_iter = min(c.n_iter, int(cfg["search_iterations"]))
    return chosen


def _drivers_json(scored: pd.DataFrame, n: int) -> list[str]:
    """Per row, a JSON list of {"feature", "effect" rounded to 5 decimals}, built column-wise with
    Arrow: one json.dumps per row took 16 s per target at a million customers."""
    k = sum(1 for i in range(1, n + 1) if f"driver_{i}" in scored.columns and f"driver_{i}_effect" in scored.columns)
    if k == 0:
        return ["[]"] * len(scored)
    pieces: list[Any] = ["["]
    for i in range(1, k + 1):
        names = scored[f"driver_{i}"].astype(object)
        quoted = pa.array(names.map({v: json.dumps(v) for v in pd.unique(names)}).to_numpy(), pa.string())
        effect = np.round(scored[f"driver_{i}_effect"].to_numpy(dtype=np.float64), 5)
        # Arrow writes the shortest exact decimal (0.00001, -0); non-finite effects (none expected)
        # become null, which JSON can hold and NaN is not
        number = pc.fill_null(pc.cast(pa.array(effect, mask=~np.isfinite(effect)), pa.string()), "null")
        pieces += [", " if i > 1 else "", '{"feature": ', quoted, ', "effect": ', number, "}"]
    pieces.append("]")
    return pc.binary_join_element_wise(*pieces, "").to_pylist()


def _gate_rows(target: str, model: PropensityModel | None, reason: str | None, cfg) -> list[dict[str, Any]]:
    thr = float(cfg["min_validation_auc"])
    if model is None:
        return [{"area": GATE_AREA, "gate": f"{target}_min_validation_auc", "value": np.nan, "threshold": thr,
                 "passed": False, "detail": f"no model for {target}: {reason}"}]
    auc = float(model.metrics["validation"]["roc_auc"])
    return [{"area": GATE_AREA, "gate": f"{target}_min_validation_auc", "value": auc, "threshold": thr,
             "passed": bool(auc >= thr), "detail": f"{model.algorithm} validation ROC AUC {auc:.4f} >= {thr:g}"}]


def train_and_score(train: pd.DataFrame, labels: pd.DataFrame, score: pd.DataFrame,
                    config: dict[str, Any] | None = None) -> PropensityRun:
    """train: customer_id + features + features_cutoff_at_utc (as of the training cutoff);
    labels: customer_id, target, label, label_window_start_at_utc, label_window_end_at_utc;
    score: the same features as of the scoring cutoff for every customer to score."""
    cfg = config_from_vars(config)
    t_train, t_score = check_split(train, labels, score, int(cfg["horizon_days"]))
    cols = feature_columns(train)
    missing = sorted(set(cols) - set(score.columns))
    if missing:
        raise ValueError(f"scoring features lack training columns {missing}")
    for name, frame in (("training", train), ("scoring", score)):
        if frame["customer_id"].duplicated().any():
            raise ValueError(f"{name} features have several rows for one customer_id")
    # sorted: warehouse row order is not stable between builds, seeded training must see one order
    X = train.set_index(train["customer_id"].astype(str))[cols].sort_index()
    S = score.set_index(score["customer_id"].astype(str))[cols].sort_index()
    X = X.astype({c: "float64" for c in cols if pd.api.types.is_bool_dtype(X[c])})
    S = S.astype({c: "float64" for c in cols if pd.api.types.is_bool_dtype(S[c])})
    lab = labels.assign(customer_id=labels["customer_id"].astype(str))
    models, skipped, frames, gates = {}, {}, [], []
    for target in cfg["targets"]:
        y_t = lab[lab["target"] == target].set_index("customer_id")["label"]
        unlabelled = X.index.difference(y_t.index)
        if len(unlabelled):
            raise ValueError(f"{len(unlabelled)} training customers have no {target} label, e.g. {unlabelled[0]!r}")
        y = y_t.reindex(X.index).astype(int).to_numpy()
        n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
        if min(n_pos, n_neg) < int(cfg["min_positives"]):
            skipped[target] = (f"{n_pos} positive and {n_neg} negative training labels, fewer than "
                               f"min_positives={cfg['min_positives']} in one class")
            gates += _gate_rows(target, None, skipped[target], cfg)
            continue
        trainer = PropensityTrainer(
            candidates=_candidates(cfg), search_sample_size=int(cfg["search_sample_size"]), cv=int(cfg["cv"]),
            rfe=bool(cfg["rfe"]), selection_sample_size=int(cfg["selection_sample_size"]),
            final_fit_max_rows=int(cfg["final_fit_max_rows"]), random_state=int(cfg["random_state"]))
        model = trainer.fit(X, y, name=target, metadata={
            "target": target, "horizon_days": int(cfg["horizon_days"]),
            "train_cutoff": t_train.isoformat(), "score_cutoff": t_score.isoformat()})
        models[target] = model
        gates += _gate_rows(target, model, None, cfg)
        scored = score_customers(model, S, ids=S.index, n_drivers=int(cfg["n_drivers"]))
        frames.append(pd.DataFrame({
            "customer_id": scored["customer_id"].astype(str), "target": target,
            "probability": scored["probability"].astype(float), "decile": scored["decile"].astype(int),
            "predicted": scored["predicted"].astype(bool), "top_drivers": _drivers_json(scored, int(cfg["n_drivers"])),
            "model_version": scored["model_version"], "scored_at_cutoff_utc": t_score}))
    scores = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({
        c: pd.Series(dtype=t) for c, t in {"customer_id": "object", "target": "object", "probability": "float64",
                                           "decile": "int64", "predicted": "bool", "top_drivers": "object",
                                           "model_version": "object",
                                           "scored_at_cutoff_utc": "datetime64[ns]"}.items()})
    digest = hashlib.sha1(json.dumps([m.version for m in models.values()]).encode()).hexdigest()[:8]
    run_id = f"prop-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{digest}"
    scores.insert(0, "run_id", run_id)
    return PropensityRun(run_id=run_id, config=cfg, train_cutoff=t_train, score_cutoff=t_score, models=models,
                         scores=scores, gates=pd.DataFrame(gates), skipped=skipped)


def save_models(run: PropensityRun, directory: str | Path) -> Path:
    """<dir>/<target>/model.joblib + registry.json per model, and <dir>/run.joblib for the tables."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    for target, model in run.models.items():
        save_model(model, d / target)
    light = PropensityRun(run.run_id, run.config, run.train_cutoff, run.score_cutoff, run.models,
                          run.scores.iloc[0:0], run.gates, run.skipped)
    joblib.dump(light, d / RUN_FILE)
    return d


def load_run(directory: str | Path, expected_run_id: str | None = None) -> PropensityRun:
    path = Path(directory) / RUN_FILE
    if not path.exists():
        raise FileNotFoundError(f"no persisted propensity run at {path}: build int_propensity__scores first")
    run = joblib.load(path)
    if expected_run_id is not None and run.run_id != expected_run_id:
        raise RuntimeError(f"persisted propensity run {run.run_id} is not the run {expected_run_id} of "
                           "int_propensity__scores: rebuild it")
    return run


# Column types of the per-model tables, so a run without any model (every target skipped) still
# gives typed empty tables that the contracted marts can select from.
F, INT, S, B, T = "float64", "int64", "object", "bool", "datetime64[ns]"
SCHEMAS: dict[str, dict[str, str]] = {
    "evaluation": {"split": S, "algorithm": S, **dict.fromkeys(
        ["roc_auc", "pr_auc", "f1", "precision", "recall", "accuracy", "brier", "threshold", "positive_rate",
         "predicted_positive_rate"], F), **dict.fromkeys(
        ["n", "true_negatives", "false_positives", "false_negatives", "true_positives"], INT)},
    "candidates": {"candidate": S, "family": S, "complexity": INT, "search": S, "n_search_rows": INT, "n_features": INT,
                   "cv_auc": F, "validation_auc": F, "validation_pr_auc": F, "best_params": S,
                   "search_seconds": F, "chosen": B},
    "roc_curves": {"fpr": F, "tpr": F, "threshold": F},
    "calibration": {"bin": INT, "mean_predicted": F, "observed_rate": F, "count": INT},
    "feature_importances": {"feature": S, "importance": F, "method": S, "rank": INT},
    "feature_selection": {"feature": S, "kept_correlation": B, "correlated_with": S, "abs_corr": F,
                          "rfe_rank": F, "kept_rfe": B},
    "registry": {"model_name": S, "version": S, "algorithm": S, "trained_at": S, "threshold": F,
                 "validation_roc_auc": F, "features": S, "params": S, "metrics": S, "choice_reason": S,
                 "train_cutoff_at_utc": T, "score_cutoff_at_utc": T, "horizon_days": INT, "n_train": INT,
                 "final_fit_rows": INT},
}


def _empty(name: str) -> pd.DataFrame:
    cols = {"target": S, **({} if name == "registry" else {"model_version": S}), **SCHEMAS[name]}
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})


def _per_model(run: PropensityRun, make) -> pd.DataFrame:
    frames = []
    for target, m in run.models.items():
        f = make(m).copy()
        f.insert(0, "model_version", m.version)
        f.insert(0, "target", target)
        frames.append(f)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _evaluation(m: PropensityModel) -> pd.DataFrame:
    v = m.metrics["validation"]
    cm = m.tables["validation_confusion"].set_index(["actual", "predicted"])["count"]
    return pd.DataFrame([{
        "split": "validation", "algorithm": m.algorithm, **{k: v[k] for k in (
            "roc_auc", "pr_auc", "f1", "precision", "recall", "accuracy", "brier", "threshold",
            "positive_rate", "predicted_positive_rate")}, "n": int(v["n"]),
        "true_negatives": int(cm.get((0, 0), 0)), "false_positives": int(cm.get((0, 1), 0)),
        "false_negatives": int(cm.get((1, 0), 0)), "true_positives": int(cm.get((1, 1), 0))}])


def _registry(run: PropensityRun) -> pd.DataFrame:
    recs = [m.registry_record() for m in run.models.values()]
    reg = registry_frame(recs)
    if reg.empty:
        return reg
    reg.insert(0, "target", list(run.models))
    reg["train_cutoff_at_utc"] = run.train_cutoff
    reg["score_cutoff_at_utc"] = run.score_cutoff
    reg["horizon_days"] = int(run.config["horizon_days"])
    reg["n_train"] = [int(m.metrics["n_train"]) for m in run.models.values()]
    reg["final_fit_rows"] = [int(m.metrics["final_fit_rows"]) for m in run.models.values()]
    return reg


TABLES = {
    "registry": _registry,
    "gates": lambda run: run.gates,
    "evaluation": lambda run: _per_model(run, _evaluation),
    "candidates": lambda run: _per_model(run, lambda m: m.tables["candidates"]),
    "roc_curves": lambda run: _per_model(run, lambda m: m.tables["validation_roc"]),
    "calibration": lambda run: _per_model(run, lambda m: m.tables["validation_calibration"]),
    "feature_importances": lambda run: _per_model(run, lambda m: m.tables["feature_importance"]),
    "feature_selection": lambda run: _per_model(run, lambda m: m.tables["feature_selection"]),
}


def output_table(run: PropensityRun, name: str) -> pd.DataFrame:
    if name not in TABLES:
        raise KeyError(f"propensity run has no table {name!r}; has {sorted(TABLES)}")
    out = TABLES[name](run)
    if out.empty and name in SCHEMAS:
        out = _empty(name)
    out.insert(0, "run_id", run.run_id)
    return out.reset_index(drop=True)


def run_table(directory: str | Path, scores_relation, name: str) -> pd.DataFrame:
    from python_models.segmentation.dbt_adapter import first_value

    return output_table(load_run(directory, first_value(scores_relation, "run_id")), name)
