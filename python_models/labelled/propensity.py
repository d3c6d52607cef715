"""Propensity on a labelled table (entity ``labelled_records``): attributes + a known 0/1 outcome.

Such a table has no time axis, so there is no cutoff to split on: the records are split at random,
stratified on the outcome, into train / validation / test. The same :class:`PropensityTrainer` as
the demo's time-split models runs on train (validation picks the candidate and the threshold), and
the test rows, never seen by the search, the choice or the fits, give the reported figures.

Attributes are the unmapped columns of the landed file (text in ``attributes_json``): a column
whose every non-empty value is a number is numeric, others are categories, and the source's
``categorical_attributes`` turns numeric codes into categories. ``excluded_attributes`` are
dropped (e.g. a column known only after the outcome); naming a column that is not in the file
is an error, so a typo cannot leave a leaking column in.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import joblib
import numpy as np
import pandas as pd

from python_models.var_settings import settings_from_vars

if TYPE_CHECKING:
    from python_models.propensity.training import PropensityModel

# The propensity code (scikit-learn) is imported inside the functions that train: a build without
# a labelled source must not pay for it.

SPLIT_METHOD = "random_stratified"
RUN_FILE = "run.joblib"
DEFAULT_CONFIG: dict[str, Any] = {
    "test_fraction": 0.2,
    "validation_fraction": 0.2,  # of what is left after the test rows
    "split_seed": 42,
    "candidates": ["logistic_regression", "hist_gradient_boosting", "random_forest", "mlp"],
    "search_iterations": None,
    "search_sample_size": 30_000,
    "selection_sample_size": 20_000,
    "cv": 3,
    "rfe": True,
    "n_drivers": 3,
    "random_state": 0,
    "min_positives": 20,
}


class LabelledDataError(ValueError):
    """The labelled table cannot be trained on as described; the message says why."""


def config_from_vars(values: dict[str, Any] | str | None) -> dict[str, Any]:
    return {**DEFAULT_CONFIG, **settings_from_vars(values, DEFAULT_CONFIG, "labelled propensity")}


def _name_list(values: pd.Series) -> list[str]:
    """The comma-separated names of a per-source constant (one distinct value expected)."""
    distinct = {v for v in values.dropna().astype(str) if v.strip()}
    if len(distinct) > 1:
        raise LabelledDataError(f"records of one source disagree on an attribute list: {sorted(distinct)}")
    return [n.strip() for n in next(iter(distinct), "").split(",") if n.strip()]


def attributes_frame(records: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """One source's records -> (model inputs indexed by record_id, kind per attribute).

    Kinds: numeric, categorical, categorical (declared), excluded.
    """
    parsed = [json.loads(t) if isinstance(t, str) and t else {} for t in records["attributes_json"]]
    raw = pd.DataFrame.from_records(parsed, index=records["record_id"].astype(str).to_numpy())
    raw = raw.reindex(columns=list(dict.fromkeys(k for rec in parsed for k in rec)))
    excluded = _name_list(records["excluded_attributes"])
    declared = _name_list(records["categorical_attributes"])
    unknown = sorted(set(excluded + declared) - set(raw.columns))
    if unknown:
        raise LabelledDataError(f"excluded/categorical attributes {unknown} are not columns of the file "
                                f"(its unmapped columns are {list(raw.columns)})")
    kinds: dict[str, str] = {}
    out = {}
    for col in raw.columns:
        if col in excluded:
            kinds[col] = "excluded"
            continue
        text = raw[col].astype("string").str.strip().replace("", pd.NA)
        numbers = pd.to_numeric(text, errors="coerce")
        if col not in declared and text.notna().any() and numbers.notna().sum() == text.notna().sum():
            out[col], kinds[col] = numbers.astype("float64"), "numeric"
        else:
            out[col] = text.astype(object).where(text.notna(), None)
            kinds[col] = "categorical (declared)" if col in declared else "categorical"
    if not out:
        raise LabelledDataError("no attributes left to learn from (every unmapped column is excluded)")
    return pd.DataFrame(out, index=raw.index), kinds


@dataclass
class LabelledModel:
    source_system: str
    model: PropensityModel
    kinds: dict[str, str]
    split: pd.Series  # record_id -> train | validation | test
    scores: pd.DataFrame


@dataclass
class LabelledRun:
    run_id: str
    config: dict[str, Any]
    models: dict[str, LabelledModel] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def split_records(y: pd.Series, cfg: dict[str, Any]) -> pd.Series:
    """record_id -> train / validation / test, stratified on the outcome, seeded."""
    from sklearn.model_selection import train_test_split

    seed = int(cfg["split_seed"])
    pos = np.arange(len(y))
    labels = y.to_numpy()
    rest, test = train_test_split(pos, test_size=float(cfg["test_fraction"]), stratify=labels, random_state=seed)
    train, valid = train_test_split(rest, test_size=float(cfg["validation_fraction"]), stratify=labels[rest],
                                    random_state=seed)
    split = np.full(len(y), "train", dtype=object)
    split[valid] = "validation"
    split[test] = "test"
    return pd.Series(split, index=y.index, dtype=object)


def train_source(source: str, records: pd.DataFrame, cfg: dict[str, Any]) -> LabelledModel:
    from python_models.propensity.dbt_adapter import _candidates, _drivers_json
    from python_models.propensity.scoring import score_customers
    from python_models.propensity.training import PropensityTrainer

    # sorted: warehouse row order is not stable between builds, seeded splits must see one order
    records = records.sort_values("record_id", kind="stable")
    X, kinds = attributes_frame(records)
    y = pd.Series(records["outcome"].astype(bool).astype(int).to_numpy(), index=X.index)
    split = split_records(y, cfg)
    tr, va, te = (split.to_numpy() == s for s in ("train", "validation", "test"))
    trainer = PropensityTrainer(
        candidates=_candidates(cfg), search_sample_size=int(cfg["search_sample_size"]), cv=int(cfg["cv"]),
        rfe=bool(cfg["rfe"]), selection_sample_size=int(cfg["selection_sample_size"]),
        random_state=int(cfg["random_state"]))
    model = trainer.fit(X[tr], y[tr], X[va], y[va], name=source, metadata={
        "source_system": source, "split_method": SPLIT_METHOD, "split_seed": int(cfg["split_seed"]),
        "attribute_kinds": kinds})
    model.evaluate(X[te], y[te].to_numpy(), prefix="test")
    scored = score_customers(model, X, ids=X.index, n_drivers=int(cfg["n_drivers"]))
    scores = pd.DataFrame({
        "source_system": source, "record_id": scored["customer_id"].astype(str).to_numpy(),
        "split": split.reindex(scored["customer_id"]).to_numpy(), "outcome": y.reindex(scored["customer_id"]).astype(bool).to_numpy(),
        "probability": scored["probability"].astype(float).to_numpy(), "decile": scored["decile"].astype(int).to_numpy(),
        "predicted": scored["predicted"].astype(bool).to_numpy(),
        "top_drivers": _drivers_json(scored, int(cfg["n_drivers"])), "model_version": scored["model_version"].to_numpy()})
    return LabelledModel(source, model, kinds, split, scores)


def train_labelled(staged: pd.DataFrame, config: dict[str, Any] | str | None = None) -> LabelledRun:
    """staged: stg_labelled__records (source_system, record_id, outcome, attributes_json, ...)."""
    cfg = config_from_vars(config)
    run = LabelledRun(run_id="", config=cfg)
    for source, records in sorted(staged.groupby("source_system"), key=lambda kv: kv[0]):
        n_pos = int(records["outcome"].astype(bool).sum())
        n_neg = len(records) - n_pos
        if min(n_pos, n_neg) < int(cfg["min_positives"]):
            run.skipped[source] = (f"{n_pos} positive and {n_neg} negative records, fewer than "
                                   f"min_positives={cfg['min_positives']} in one class")
            continue
        run.models[source] = train_source(source, records, cfg)
    digest = hashlib.sha1(json.dumps([m.model.version for m in run.models.values()]).encode()).hexdigest()[:8]
    run.run_id = f"labelled-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{digest}"
    return run


F, INT, S, B = "float64", "int64", "object", "bool"
SCORE_COLUMNS = {"source_system": S, "record_id": S, "split": S, "outcome": B, "probability": F, "decile": INT,
                 "predicted": B, "top_drivers": S, "model_version": S}
EVALUATION_COLUMNS = {"source_system": S, "model_version": S, "split": S, "split_method": S, "algorithm": S,
                      "choice_reason": S, **dict.fromkeys(
                          ["roc_auc", "pr_auc", "f1", "precision", "recall", "accuracy", "brier", "threshold",
                           "positive_rate", "predicted_positive_rate"], F),
                      **dict.fromkeys(["n", "true_negatives", "false_positives", "false_negatives",
                                       "true_positives", "n_attributes", "n_excluded_attributes"], INT),
                      "attribute_kinds": S, "skipped_reason": S}
# PropensityModel.tables["candidates"] (python_models.propensity.training) with the source in front
CANDIDATE_COLUMNS = {"source_system": S, "model_version": S, "candidate": S, "family": S, "complexity": INT,
                     "search": S, "n_search_rows": INT, "n_features": INT, "cv_auc": F, "validation_auc": F,
                     "validation_pr_auc": F, "best_params": S, "search_seconds": F, "chosen": B}


def _typed(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    return frame[list(columns)].astype({c: t for c, t in columns.items() if t != S})


def scores_table(run: LabelledRun) -> pd.DataFrame:
    frames = [m.scores for m in run.models.values()]
    out = _typed(pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(), SCORE_COLUMNS)
    out.insert(0, "run_id", run.run_id)
    return out


def evaluation_table(run: LabelledRun) -> pd.DataFrame:
    """Per source: validation and test metrics with the confusion matrix; a row per skipped source."""
    rows = []
    for source, lm in run.models.items():
        from python_models.propensity.dbt_adapter import _evaluation

        m = lm.model
        kinds = json.dumps(lm.kinds)
        common = {"source_system": source, "model_version": m.version, "split_method": SPLIT_METHOD,
                  "choice_reason": m.choice_reason, "n_attributes": sum(k != "excluded" for k in lm.kinds.values()),
                  "n_excluded_attributes": sum(k == "excluded" for k in lm.kinds.values()),
                  "attribute_kinds": kinds, "skipped_reason": None}
        rows.append({**_evaluation(m).iloc[0].to_dict(), **common})
        t = m.metrics["test"]
        cm = m.tables["test_confusion"].set_index(["actual", "predicted"])["count"]
        rows.append({**common, "split": "test", "algorithm": m.algorithm,
                     **{k: t[k] for k in ("roc_auc", "pr_auc", "f1", "precision", "recall", "accuracy", "brier",
                                          "threshold", "positive_rate", "predicted_positive_rate")},
                     "n": int(t["n"]), "true_negatives": int(cm.get((0, 0), 0)),
                     "false_positives": int(cm.get((0, 1), 0)), "false_negatives": int(cm.get((1, 0), 0)),
                     "true_positives": int(cm.get((1, 1), 0))})
    for source, why in run.skipped.items():
        rows.append({"source_system": source, "split": "none", "split_method": SPLIT_METHOD, "skipped_reason": why,
                     **{c: 0 for c, t in EVALUATION_COLUMNS.items() if t == INT}})
    frame = pd.DataFrame(rows).reindex(columns=list(EVALUATION_COLUMNS)) if rows else pd.DataFrame()
    out = _typed(frame, EVALUATION_COLUMNS)
    out.insert(0, "run_id", run.run_id)
    return out


def candidates_table(run: LabelledRun) -> pd.DataFrame:
    frames = []
    for source, lm in run.models.items():
        f = lm.model.tables["candidates"].copy()
        f.insert(0, "model_version", lm.model.version)
        f.insert(0, "source_system", source)
        frames.append(f)
    out = _typed(pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(), CANDIDATE_COLUMNS)
    out.insert(0, "run_id", run.run_id)
    return out


TABLES = {"evaluation": evaluation_table, "candidates": candidates_table}


def save_run(run: LabelledRun, directory: str | Path) -> Path:
    """<dir>/<source>/model.joblib + registry.json per model and <dir>/run.joblib (scores left out)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    for source, lm in run.models.items():
        from python_models.propensity.registry import save_model

        save_model(lm.model, d / source)
    light = LabelledRun(run.run_id, run.config, {
        s: LabelledModel(s, lm.model, lm.kinds, lm.split.iloc[0:0], lm.scores.iloc[0:0]) for s, lm in run.models.items()},
        dict(run.skipped))
    joblib.dump(light, d / RUN_FILE)
    return d


def run_table(directory: str | Path, scores_relation, name: str) -> pd.DataFrame:
    """Table ``name`` of the run persisted by int_labelled__propensity_scores in this build."""
    from python_models.artifacts import load_run_of

    run = load_run_of(Path(directory) / RUN_FILE, scores_relation, "labelled propensity",
                      "int_labelled__propensity_scores")
    return TABLES[name](run)
