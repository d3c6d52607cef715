import numpy as np
import pandas as pd
import pytest

from python_models.propensity import (
    BalancedClassifier,
    PropensityTrainer,
    default_candidates,
    load_model,
    load_record,
    registry_frame,
    save_model,
    score_customers,
)
from python_models.propensity.synthetic import make_propensity_data


def fast_candidates(*names):
    """The default candidates with small search budgets (unit-test speed)."""
    c = default_candidates(random_state=0)
    c["hist_gradient_boosting"].n_iter = 3
    c["hist_gradient_boosting"].estimator.set_params(max_iter=150)
    c["logistic_regression"].params = {"C": [0.1, 1.0], "class_weight": [None, "balanced"]}
    return {n: c[n] for n in names}


@pytest.fixture(scope="module")
def data():
    X, y = make_propensity_data(6000, random_state=0)
    Xte, yte = make_propensity_data(3000, random_state=1)
    return X, y, Xte, yte


@pytest.fixture(scope="module")
def trained(data):
    X, y, _, _ = data
    tr = PropensityTrainer(candidates=fast_candidates("logistic_regression", "hist_gradient_boosting"),
                           search_sample_size=3000,
                           selection_sample_size=3000, n_jobs=1, random_state=0)
    return tr.fit(X, y, name="purchase_30d", metadata={"horizon_days": 30})


def test_training_tables_and_choice(trained, data):
    _, _, Xte, yte = data
    m = trained
    cands = m.tables["candidates"]
    assert set(cands["candidate"]) == {"logistic_regression", "hist_gradient_boosting"}
    assert cands["chosen"].sum() == 1 and cands.loc[cands["chosen"], "candidate"].item() == m.algorithm
    assert m.choice_reason
    v = m.metrics["validation"]
    assert v["roc_auc"] > 0.7 and 0 < v["threshold"] < 1
    assert m.tables["validation_confusion"]["count"].sum() == v["n"]
    assert m.tables["feature_importance"]["importance"].notna().all()
    sel = m.tables["feature_selection"]
    # the near-duplicate column cannot survive next to its original
    dup = sel[sel["feature"].isin(["f00", "f00_copy"])]
    assert dup["kept_correlation"].sum() == 1
    t = m.evaluate(Xte, yte)
    assert t["roc_auc"] > 0.7
    assert "test_roc" in m.tables


def test_scoring_deciles_and_drivers(trained, data):
    _, _, Xte, _ = data
    s = score_customers(trained, Xte, ids=np.arange(len(Xte)) + 1000)
    assert len(s) == len(Xte) and s["customer_id"].iloc[0] == 1000
    assert s["probability"].between(0, 1).all()
    assert s.groupby("decile")["probability"].min().is_monotonic_decreasing
    assert set(s["decile"]) == set(range(1, 11))
    assert set(s["driver_1"]) <= set(trained.features)
    assert (s["driver_1_effect"] >= s["driver_2_effect"]).all()
    assert s["model_version"].nunique() == 1


def test_pd_and_occlusion_drivers_agree_on_the_main_driver(data):
    X, y, Xte, _ = data
    m = PropensityTrainer(candidates=fast_candidates("hist_gradient_boosting"), search_sample_size=3000,
                          rfe=False, n_jobs=1).fit(X, y)
    occ = score_customers(m, Xte.head(500), driver_method="occlusion")
    pdp = score_customers(m, Xte.head(500), driver_method="partial_dependence")
    assert occ["driver_method"].iloc[0].startswith("occlusion")
    assert pdp["driver_method"].iloc[0].startswith("partial_dependence")
    assert (occ["driver_1"] == pdp["driver_1"]).mean() > 0.5
    assert np.allclose(occ["probability"], pdp["probability"])


def test_persistence_and_registry(trained, data, tmp_path):
    _, _, Xte, _ = data
    save_model(trained, tmp_path)
    loaded = load_model(tmp_path)
    assert np.array_equal(loaded.predict_proba(Xte), trained.predict_proba(Xte))
    rec = load_record(tmp_path)
    assert rec["version"] == trained.version
    assert rec["features"] == trained.features
    assert {"model_name", "version", "params", "metrics", "trained_at"} <= set(rec)
    reg = registry_frame([rec])
    assert reg.loc[0, "model_name"] == "purchase_30d"
    assert reg.loc[0, "validation_roc_auc"] == pytest.approx(trained.metrics["validation"]["roc_auc"])


def test_balanced_mlp_wrapper(data):
    from sklearn.neural_network import MLPClassifier

    X, y, _, _ = data
    Xn = X.select_dtypes("number").fillna(0).to_numpy()
    Xn = (Xn - Xn.mean(0)) / Xn.std(0)
    clf = BalancedClassifier(MLPClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0)).fit(Xn, y)
    unbalanced = BalancedClassifier(MLPClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0),
                                    balance=False).fit(Xn, y)
    # balanced weights raise the predicted positive rate towards 50%
    assert clf.predict(Xn).mean() > unbalanced.predict(Xn).mean()
    assert list(clf.classes_) == [0, 1]


def test_rejects_non_binary_labels(data):
    X, _, _, _ = data
    with pytest.raises(ValueError, match="0/1"):
        PropensityTrainer(candidates=["logistic_regression"]).fit(X, pd.Series(np.arange(len(X)) % 3))


def test_final_fit_is_bounded_to_a_stratified_sample(data):
    X, y, Xte, yte = data
    n_train = int(len(y) * 0.8)  # the trainer's own validation split takes the other 20 %
    capped = PropensityTrainer(candidates=fast_candidates("logistic_regression"), search_sample_size=2000,
                               rfe=False, n_jobs=1, final_fit_max_rows=1500, refit_with_validation=False
                               ).fit(X, y)
    full = PropensityTrainer(candidates=fast_candidates("logistic_regression"), search_sample_size=2000,
                             rfe=False, n_jobs=1, final_fit_max_rows=None, refit_with_validation=False
                             ).fit(X, y)
    assert capped.metrics["final_fit_rows"] == 1500
    assert full.metrics["final_fit_rows"] == n_train
    # a quarter of the rows still gives a model of the same quality on unseen data
    from sklearn.metrics import roc_auc_score
    auc = {name: roc_auc_score(yte, score_customers(m, Xte, drivers=False)["probability"])
           for name, m in (("capped", capped), ("full", full))}
    assert auc["capped"] > 0.6 and abs(auc["capped"] - auc["full"]) < 0.03, auc


@pytest.mark.parametrize("candidate,method", [("logistic_regression", "auto"),
                                              ("hist_gradient_boosting", "occlusion"),
                                              ("hist_gradient_boosting", "partial_dependence")])
def test_scoring_in_chunks_equals_one_pass(data, candidate, method):
    X, y, Xte, _ = data
    m = PropensityTrainer(candidates=fast_candidates(candidate), search_sample_size=2000, rfe=False,
                          n_jobs=1).fit(X, y)
    one = score_customers(m, Xte, driver_method=method)
    chunked = score_customers(m, Xte, driver_method=method, chunk_rows=333)
    pd.testing.assert_frame_equal(chunked, one)
    assert one["decile"].value_counts().sort_index().tolist() == [len(Xte) // 10] * 10
