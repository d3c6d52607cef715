"""Propensity on a labelled table (entity labelled_records): attribute typing, split, training, tables."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from python_models.labelled.propensity import (
    LabelledDataError,
    attributes_frame,
    candidates_table,
    evaluation_table,
    scores_table,
    split_records,
    train_labelled,
)
from python_models.lake import SourceConfigError, ingest, load_sources

FAST = {"candidates": ["logistic_regression", "hist_gradient_boosting"], "search_iterations": 1, "rfe": False, "cv": 2}


def staged(rows: list[dict], outcome, source="s", excluded=None, categorical=None) -> pd.DataFrame:
    return pd.DataFrame({
        "source_system": source,
        "record_id": [f"{source}#{i}" for i in range(len(rows))],
        "outcome": list(outcome),
        "attributes_json": [json.dumps({k: None if v is None else str(v) for k, v in r.items()}) for r in rows],
        "excluded_attributes": excluded,
        "categorical_attributes": categorical,
    })


def signal_table(n: int, seed: int, source: str = "s") -> pd.DataFrame:
    """The outcome depends on a number and a category; `leak` is the outcome itself, `noise` is noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    region = rng.choice(["1", "2", "3"], size=n)
    logit = 1.5 * x + np.where(region == "3", 1.5, -0.5) - 1.0
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    rows = [{"x": round(float(a), 4), "region": r, "noise": round(float(b), 3), "leak": int(c)}
            for a, r, b, c in zip(x, region, rng.normal(size=n), y, strict=True)]
    return staged(rows, y, source, excluded="leak", categorical="region")


def test_attribute_kinds_are_inferred_declared_or_excluded():
    frame = staged([{"age": "41", "job": "admin.", "code": "7", "duration": "261", "blank": ""},
                    {"age": "35", "job": None, "code": "12", "duration": "99", "blank": None}],
                   [True, False], excluded="duration", categorical=" code ")
    X, kinds = attributes_frame(frame)
    assert kinds == {"age": "numeric", "job": "categorical", "code": "categorical (declared)",
                     "duration": "excluded", "blank": "categorical"}
    assert list(X.columns) == ["age", "job", "code", "blank"]
    assert X["age"].tolist() == [41.0, 35.0]
    assert X["code"].tolist() == ["7", "12"] and X["job"].tolist() == ["admin.", None]
    assert list(X.index) == ["s#0", "s#1"]


def test_a_misspelt_excluded_attribute_is_an_error_not_a_leak():
    frame = staged([{"age": "41", "duration": "261"}], [True], excluded="durration")
    with pytest.raises(LabelledDataError, match=r"\['durration'\] are not columns of the file"):
        attributes_frame(frame)


def test_split_is_stratified_disjoint_and_seeded():
    y = pd.Series(np.r_[np.ones(200, int), np.zeros(800, int)], index=[f"r{i}" for i in range(1000)])
    cfg = {"test_fraction": 0.2, "validation_fraction": 0.25, "split_seed": 3}
    split = split_records(y, cfg)
    assert split.value_counts().to_dict() == {"train": 600, "test": 200, "validation": 200}
    assert y[split == "test"].mean() == pytest.approx(0.2) and y[split == "validation"].mean() == pytest.approx(0.2)
    assert split.equals(split_records(y, cfg))
    assert not split.equals(split_records(y, {**cfg, "split_seed": 4}))


def test_training_reports_held_out_test_metrics_and_scores_every_record():
    frame = pd.concat([signal_table(1500, 0, "a"), signal_table(30, 1, "tiny")], ignore_index=True)
    frame.loc[frame["source_system"] == "tiny", "outcome"] = False  # no positives: no model
    run = train_labelled(frame, FAST)
    assert set(run.models) == {"a"} and "0 positive" in run.skipped["tiny"]
    lm = run.models["a"]
    assert "leak" not in lm.model.input_columns and lm.kinds["leak"] == "excluded"
    ev = evaluation_table(run).set_index(["source_system", "split"])
    test = ev.loc[("a", "test")]
    assert test["n"] == 300 and test["split_method"] == "random_stratified"
    assert test["true_negatives"] + test["false_positives"] + test["false_negatives"] + test["true_positives"] == 300
    assert 0.75 < test["roc_auc"] < 0.99  # real signal, and no leak (the leak alone would give 1.0)
    assert ev.loc[("tiny", "none"), "skipped_reason"] == run.skipped["tiny"]
    scores = scores_table(run)
    assert len(scores) == 1500 and scores["record_id"].is_unique
    assert scores.groupby("split").size().to_dict() == {"test": 300, "train": 960, "validation": 240}
    assert set(scores["decile"]) == set(range(1, 11)) and scores["run_id"].eq(run.run_id).all()
    test_rows = scores[scores["split"] == "test"]
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(test_rows["outcome"], test_rows["probability"]) == pytest.approx(test["roc_auc"])
    cands = candidates_table(run)
    assert cands["chosen"].sum() == 1 and set(cands["candidate"]) == set(FAST["candidates"])


def test_no_labelled_source_costs_nothing_and_gives_typed_empty_tables():
    run = train_labelled(signal_table(10, 0).iloc[0:0], FAST)
    assert not run.models and not run.skipped
    for table in (scores_table(run), evaluation_table(run), candidates_table(run)):
        assert table.empty and "run_id" in table.columns
    assert scores_table(run)["probability"].dtype == "float64"


def test_unknown_setting_is_refused():
    with pytest.raises(ValueError, match="unknown labelled propensity settings"):
        train_labelled(signal_table(10, 0), {"test_share": 0.3})


def test_a_table_without_id_lands_with_every_column_kept(tmp_path):
    lake = tmp_path / "lake"
    (lake / "landing" / "bank").mkdir(parents=True)
    (lake / "landing" / "bank" / "bank.csv").write_text('"age";"job";"duration";"y"\n58;"management";261;"no"\n'
                                                        '44;"technician";151;"yes"\n')
    (lake / "sources.yml").write_text(
        "sources:\n  - {name: bank, entity: labelled_records, delimiter: ';', columns: {outcome: y},\n"
        "     constants: {excluded_attributes: duration}}\n")
    report = ingest(lake)
    assert report.rows_landed == 2
    raw = pq.read_table(next((lake / "raw" / "labelled_records").glob("load_id=2*/*.parquet"))).to_pylist()
    assert [r["outcome"] for r in raw] == ["no", "yes"] and [r["record_id"] for r in raw] == [None, None]
    assert [r["_record_number"] for r in raw] == [1, 2]
    assert json.loads(raw[0]["_extra"]) == {"age": "58", "job": "management", "duration": "261"}
    assert {r["excluded_attributes"] for r in raw} == {"duration"}


def test_a_labelled_source_must_map_its_outcome(tmp_path):
    (tmp_path / "sources.yml").write_text("sources:\n  - {name: bank, entity: labelled_records, columns: {record_id: id}}\n")
    with pytest.raises(SourceConfigError, match=r"required canonical columns not mapped: \['outcome'\]"):
        load_sources(tmp_path / "sources.yml")


def test_a_build_without_labelled_source_does_not_import_the_trainer(tmp_path):
    """What the dbt models run on an empty stg_labelled__records must not load scikit-learn."""
    import subprocess
    import sys

    code = (
        "import sys, pandas as pd\n"
        "from python_models.labelled.propensity import train_labelled, save_run, scores_table, TABLES\n"
        "run = train_labelled(pd.DataFrame(columns=['source_system', 'record_id', 'outcome', 'attributes_json',"
        " 'excluded_attributes', 'categorical_attributes']))\n"
        f"save_run(run, {str(tmp_path)!r}); [scores_table(run)] + [t(run) for t in TABLES.values()]\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
