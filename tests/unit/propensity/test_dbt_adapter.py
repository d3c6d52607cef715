"""The adapter the dbt propensity models call: split checks, one model per target, scores, tables."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from python_models.propensity import LeakageError, load_model
from python_models.propensity import dbt_adapter as ad
from python_models.propensity.synthetic import make_propensity_data

T_TRAIN = pd.Timestamp("2026-05-01")
T_SCORE = pd.Timestamp("2026-05-31")
FAST = {"candidates": ["logistic_regression", "hist_gradient_boosting"], "search_iterations": 2,
        "search_sample_size": 1500, "selection_sample_size": 1500, "rfe": False, "targets": ["purchase", "engagement"]}


def frames(n_train=2000, n_score=1500):
    X, y = make_propensity_data(n_train, random_state=0)
    S, y_future = make_propensity_data(n_score, random_state=1)
    train = X.assign(customer_id=[f"c{i}" for i in range(n_train)], features_cutoff_at_utc=T_TRAIN)
    score = S.assign(customer_id=[f"c{i}" for i in range(n_score)], features_cutoff_at_utc=T_SCORE)
    # engagement: a different, easier rule, so the two targets get different models
    eng = (X["f04"] > X["f04"].median()).astype(int).to_numpy()
    labels = pd.concat([
        pd.DataFrame({"customer_id": train["customer_id"], "target": t, "label": lab,
                      "label_window_start_at_utc": T_TRAIN, "label_window_end_at_utc": T_SCORE})
        for t, lab in (("purchase", y), ("engagement", eng))], ignore_index=True)
    return train, labels, score, y_future


@pytest.fixture(scope="module")
def data():
    return frames()


@pytest.fixture(scope="module")
def run(data):
    train, labels, score, _ = data
    return ad.train_and_score(train, labels, score, FAST)


def test_every_customer_is_scored_per_target_and_scores_rank_the_future(data, run):
    _, _, score, y_future = data
    s = run.scores
    assert len(s) == 2 * len(score) and set(s["target"]) == {"purchase", "engagement"}
    p = s[s["target"] == "purchase"].set_index("customer_id").loc[score["customer_id"]]
    assert p["probability"].between(0, 1).all() and set(p["decile"]) == set(range(1, 11))
    assert roc_auc_score(y_future, p["probability"]) > 0.7
    top = p.sort_values("probability", ascending=False)
    assert (top["decile"].iloc[: len(top) // 10] == 1).all()
    drivers = json.loads(p["top_drivers"].iloc[0])
    assert len(drivers) == 3 and {"feature", "effect"} <= set(drivers[0])
    assert (s["scored_at_cutoff_utc"] == T_SCORE).all() and s["run_id"].nunique() == 1


def test_tables_describe_each_model(run):
    ev = ad.output_table(run, "evaluation")
    assert set(ev["target"]) == {"purchase", "engagement"}
    assert (ev[["true_negatives", "false_positives", "false_negatives", "true_positives"]].sum(axis=1) == ev["n"]).all()
    assert ev.set_index("target").loc["engagement", "roc_auc"] > 0.9
    reg = ad.output_table(run, "registry")
    assert (reg["train_cutoff_at_utc"] == T_TRAIN).all() and (reg["horizon_days"] == 30).all()
    assert reg["version"].is_unique and reg["choice_reason"].str.len().gt(0).all()
    cands = ad.output_table(run, "candidates")
    assert cands.groupby("target")["chosen"].sum().eq(1).all()
    roc = ad.output_table(run, "roc_curves")
    assert roc.groupby("target")["tpr"].max().eq(1.0).all()
    imp = ad.output_table(run, "feature_importances")
    assert imp.groupby("target")["rank"].min().eq(1).all()
    g = ad.output_table(run, "gates")
    assert list(g.columns) == ["run_id", "area", "gate", "value", "threshold", "passed", "detail"]
    assert g["passed"].all()


def test_persisted_models_score_like_the_run(tmp_path, data, run):
    _, _, score, _ = data
    ad.save_models(run, tmp_path)
    model = load_model(tmp_path / "purchase")
    p = run.scores[run.scores["target"] == "purchase"]
    rows = score.set_index("customer_id").loc[p["customer_id"]]
    assert np.allclose(model.predict_proba(rows), p["probability"])
    assert len(ad.run_table(tmp_path, run.scores, "registry")) == 2
    with pytest.raises(RuntimeError, match="rebuild"):
        ad.run_table(tmp_path, run.scores.assign(run_id="prop-old"), "registry")


def _shift(labels, **cols):
    return labels.assign(**cols)


@pytest.mark.parametrize("mutate, message", [
    (lambda t, lab, s: (t.assign(features_cutoff_at_utc=T_SCORE), lab, s), "not before the scoring cutoff"),
    (lambda t, lab, s: (t, _shift(lab, label_window_end_at_utc=T_SCORE + pd.Timedelta(days=1)), s),
     "not observable yet"),
    (lambda t, lab, s: (t, _shift(lab, label_window_start_at_utc=T_TRAIN - pd.Timedelta(days=1)), s),
     "must start at the training cutoff"),
])
def test_splits_that_could_leak_are_refused(data, mutate, message):
    train, labels, score, _ = data
    with pytest.raises(LeakageError, match=message):
        ad.train_and_score(*mutate(train, labels, score), FAST)


def test_a_target_without_enough_positives_fails_its_gate_instead_of_the_build(data):
    train, labels, score, _ = data
    labels = labels.copy()
    labels.loc[labels["target"] == "engagement", "label"] = 0
    r = ad.train_and_score(train, labels, score, {**FAST, "candidates": ["logistic_regression"]})
    assert set(r.scores["target"]) == {"purchase"}
    g = r.gates.set_index("gate")
    assert not g.loc["engagement_min_validation_auc", "passed"]
    assert "0 positive" in g.loc["engagement_min_validation_auc", "detail"]


def test_missing_labels_and_unknown_settings_are_errors(data):
    train, labels, score, _ = data
    with pytest.raises(ValueError, match="have no purchase label"):
        ad.train_and_score(train, labels[labels["customer_id"] != "c5"], score, FAST)
    with pytest.raises(ValueError, match="unknown propensity settings"):
        ad.config_from_vars({"horizon": 30})


def test_a_run_without_any_model_still_gives_typed_tables(data):
    train, labels, score, _ = data
    labels = labels.assign(label=0)
    r = ad.train_and_score(train, labels, score, FAST)
    assert r.scores.empty and str(r.scores["probability"].dtype) == "float64"
    for name in ("registry", "evaluation", "candidates", "roc_curves", "calibration", "feature_importances",
                 "feature_selection"):
        out = ad.output_table(r, name)
        assert out.empty and "target" in out.columns and len(out.columns) > 3, name
    assert not ad.output_table(r, "gates")["passed"].any()


def test_top_drivers_are_json_lists_of_the_rounded_effects():
    rng = np.random.default_rng(4)
    n = 2_000
    names = np.array(["monetary_total", 'odd "name"', "channel__web"], dtype=object)
    scored = pd.DataFrame({**{f"driver_{i}": names[rng.integers(0, 3, n)] for i in (1, 2)},
                           **{f"driver_{i}_effect": rng.normal(0, 0.05, n) for i in (1, 2)}})
    scored.loc[0, "driver_1_effect"] = 1e-05
    scored.loc[1, "driver_2_effect"] = -1e-07  # rounds to -0
    scored.loc[2, "driver_1_effect"] = np.nan
    got = [json.loads(s) for s in ad._drivers_json(scored, 3)]
    for r in range(n):
        want = [{"feature": scored.loc[r, f"driver_{i}"],
                 "effect": None if r == 2 and i == 1 else round(float(scored.loc[r, f"driver_{i}_effect"]), 5)}
                for i in (1, 2)]
        assert got[r] == want, r
    assert ad._drivers_json(scored[["driver_1"]], 3) == ["[]"] * n
