"""The supervised path's adapter: labels of some customers -> classifier, metrics, predictions for all."""

import numpy as np
import pandas as pd
import pytest

from python_models.segmentation.known_segments import (
    TABLES,
    membership_table,
    run_table,
    save_run,
    train_known_segments,
)
from python_models.segmentation.supervised import chance_baselines
from python_models.segmentation.synthetic import make_personas

FAST = {"params": {"max_iter": 15}}


@pytest.fixture(scope="module")
def customers():
    df, truth = make_personas(1500, random_state=5)
    numeric = df.drop(columns="customer_id").select_dtypes("number").fillna(0.0)
    matrix = pd.concat([df[["customer_id"]].astype(str), (numeric - numeric.mean()) / numeric.std()], axis=1)
    return matrix, pd.Series(truth, index=matrix["customer_id"]).map(lambda t: f"persona_{t}")


def _labels(truth: pd.Series, fraction: float, seed: int = 0, source: str = "survey") -> pd.DataFrame:
    picked = truth.sample(frac=fraction, random_state=seed)
    return pd.DataFrame({"source_system": source, "customer_id": picked.index, "known_segment": picked.to_numpy()})


@pytest.fixture(scope="module")
def trained(customers):
    matrix, truth = customers
    labels = _labels(truth, 0.3)
    return labels, train_known_segments(labels, matrix, FAST)


def test_learns_known_segments_and_scores_every_customer(customers, trained):
    matrix, truth = customers
    labels, run = trained
    members = membership_table(run)
    assert len(members) == len(matrix) and members["customer_id"].is_unique
    assert set(members["split"]) == {"train", "test", "unlabelled"}
    assert (members["split"] != "unlabelled").sum() == len(labels)
    ev = TABLES["evaluation"](run)
    overall = ev[ev["segment"].isna()].set_index("metric")["value"]
    assert overall["n_labelled"] == len(labels)
    assert overall["n_test"] == (members["split"] == "test").sum()
    # the classifier beats what the class distribution alone gives, by far
    assert overall["macro_f1"] > overall["chance_macro_f1"] + 0.4
    assert overall["accuracy"] > overall["majority_accuracy"] + 0.4
    # predictions of customers it never saw agree with their true persona
    unseen = members[members["split"] == "unlabelled"]
    assert (unseen["predicted_segment"].to_numpy() == truth.reindex(unseen["customer_id"]).to_numpy()).mean() > 0.8
    assert (members["probability"] >= members["second_probability"]).all()
    confusion = TABLES["confusion"](run)
    assert confusion["n_customers"].sum() == overall["n_test"]
    per_segment = ev[ev["metric"] == "support"]
    assert per_segment["value"].sum() == overall["n_test"]


def test_rare_segment_is_excluded_and_reported(customers):
    matrix, truth = customers
    labels = _labels(truth, 0.3)
    rare = labels["known_segment"].iloc[0]
    keep_rare = labels[labels["known_segment"] == rare].head(4)
    labels = pd.concat([labels[labels["known_segment"] != rare], keep_rare])
    run = train_known_segments(labels, matrix, FAST)
    members = membership_table(run)
    assert set(members.loc[members["split"] == "excluded", "customer_id"]) == set(keep_rare["customer_id"])
    assert rare not in set(members["predicted_segment"])
    note = TABLES["evaluation"](run).query("segment == @rare")
    assert len(note) == 1 and note["value"].iloc[0] == 4 and "excluded" in note["note"].iloc[0]


def test_source_with_one_learnable_segment_is_skipped_with_reason(customers):
    matrix, truth = customers
    one = truth[truth == truth.iloc[0]].head(30)
    labels = pd.DataFrame({"source_system": "tiers", "customer_id": one.index, "known_segment": one.to_numpy()})
    run = train_known_segments(labels, matrix, FAST)
    assert membership_table(run).empty
    ev = TABLES["evaluation"](run)
    assert ev["note"].str.startswith("skipped").any()


def test_no_labels_gives_typed_empty_tables_without_the_matrix(tmp_path):
    run = train_known_segments(pd.DataFrame(columns=["source_system", "customer_id", "known_segment"]), None)
    for table in (membership_table(run), TABLES["evaluation"](run), TABLES["confusion"](run)):
        assert table.empty and "run_id" in table.columns
    save_run(run, tmp_path)

    class EmptyRelation:
        def project(self, _):
            return self

        def limit(self, _):
            return self

        def fetchall(self):
            return []

    assert run_table(tmp_path, EmptyRelation(), "evaluation").empty


def test_read_back_refuses_another_run(trained, tmp_path):
    _, run = trained
    save_run(run, tmp_path)
    assert (tmp_path / "survey" / "model.joblib").exists()

    class Relation:
        def __init__(self, run_id):
            self.run_id = run_id

        def project(self, _):
            return self

        def limit(self, _):
            return self

        def fetchall(self):
            return [(self.run_id,)]

    assert len(run_table(tmp_path, Relation(run.run_id), "confusion")) > 0
    with pytest.raises(RuntimeError, match="rebuild"):
        run_table(tmp_path, Relation("supervised-other"), "evaluation")


def test_unknown_setting_is_refused(customers):
    matrix, truth = customers
    with pytest.raises(ValueError, match="unknown supervised segmentation settings"):
        train_known_segments(_labels(truth, 0.2), matrix, {"modle": "random_forest"})


def test_chance_baselines_follow_the_class_distribution():
    train = np.array(["a"] * 60 + ["b"] * 30 + ["c"] * 10)
    test = np.array(["a"] * 12 + ["b"] * 6 + ["c"] * 2)
    base = chance_baselines(train, test, np.array(["a", "b", "c"]))
    assert base["majority_accuracy"] == pytest.approx(0.6)
    # shares equal in train and test: each segment's expected F1 is its share, their mean is 1/3
    assert base["chance_macro_f1"] == pytest.approx(1 / 3)
