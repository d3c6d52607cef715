"""Segmentation and propensity on the shared demo build, checked against the generator's ground truth
(personas, future purchases), the persisted artefacts, and a leakage check: changing facts after the
training cutoff, without changing which customers bought, must leave the trained models untouched."""

from __future__ import annotations

import json
import os
import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score, roc_auc_score

from flows.dbt_runner import run_dbt
from flows.settings import Paths
from python_models.generate.truth import person_of_customer
from tests.integration.conftest import DEMO_VARS

pytestmark = pytest.mark.dbt


@pytest.fixture(scope="module")
def con(demo_build):
    con = demo_build.connect()
    yield con
    con.close()


@pytest.fixture(scope="module")
def person_of(demo_build, con):
    """customer_id -> the true person most of its contact records belong to."""
    return person_of_customer(con, demo_build.truth)


def _one_customer_per_person(frame: pd.DataFrame, person_of: dict[str, str]) -> pd.DataFrame:
    frame = frame.assign(person_id=frame["customer_id"].map(person_of)).dropna(subset=["person_id"])
    return frame.drop_duplicates("person_id")


def test_every_customer_has_one_segment_with_a_name(con):
    (n_customers,), = con.sql("select count(*) from dim_customers").fetchall()
    (n, n_distinct, unnamed), = con.sql(
        "select count(*), count(distinct customer_id), count(*) filter (where segment_name is null) "
        "from segment_membership").fetchall()
    assert n == n_distinct == n_customers and unnamed == 0
    sizes = dict(con.sql("select segment_id, count(*) from segment_membership group by 1").fetchall())
    profiles = dict(con.sql("select segment_id, size from segment_profiles").fetchall())
    assert sizes == profiles
    (k,), = con.sql("select n_segments from segmentation_runs").fetchall()
    assert DEMO_VARS["segmentation_k_range"][0] <= k <= DEMO_VARS["segmentation_k_range"][1] == 8


def test_segments_follow_the_true_personas(demo_build, con, person_of):
    members = _one_customer_per_person(con.sql("select customer_id, segment_id from segment_membership").df(),
                                       person_of)
    persona = {r["person_id"]: r["persona"] for r in demo_build.truth_rows("people.csv")}
    ari = adjusted_rand_score(members["person_id"].map(persona), members["segment_id"])
    # Measured 0.54 on this lake (k=5: family_home and lapsed share segments with others). The
    # issue's 0.85 is not reached: a supervised classifier on the same matrix reaches ~0.87 (10k
    # demo), k-means with every matrix column weighted alike does not (bench/RESULTS.md).
    assert ari > 0.4, ari


def test_membership_reasons_and_centroids_agree(demo_build, con, monkeypatch):
    m = con.sql("select customer_id, segment_id, distance_to_centroid, second_segment_id, margin, run_id "
                "from segment_membership").df().set_index("customer_id")
    assert (m["margin"] >= -1e-9).all() and (m["segment_id"] != m["second_segment_id"]).all()
    # real-time assignment: the persisted centroids.json puts every matrix row in its published segment
    from python_models.artifacts import artifacts_dir

    monkeypatch.delenv("SEGMART_ARTIFACTS_DIR", raising=False)  # another test's leftover must not redirect us
    monkeypatch.setenv("SEGMART_DB_PATH", str(demo_build.paths.build_db))
    saved = json.loads((artifacts_dir() / "segmentation" / "centroids.json").read_text())
    assert saved["run_id"] == m["run_id"].iloc[0]
    X = con.sql("select * from int_features__feature_matrix").df().set_index("customer_id")[saved["features"]]
    C = np.asarray(saved["centroids_scaled"])
    d = np.sqrt(((X.to_numpy()[:, None, :] - C[None, :, :]) ** 2).sum(axis=2))
    assert (d.argmin(axis=1) == m.loc[X.index, "segment_id"].to_numpy()).all()
    assert np.allclose(d.min(axis=1), m.loc[X.index, "distance_to_centroid"].to_numpy())
    wide = con.sql("select segment_id, feature, value_scaled from segment_centroids").df()
    assert np.allclose(wide.pivot(index="segment_id", columns="feature", values="value_scaled")[saved["features"]], C)


def test_diagnostics_and_validation_tables_are_filled(con):
    for table in ("segment_candidates", "segment_k_selection", "segment_k_distance", "segment_pca_variance",
                  "segment_pca_loadings", "segment_embedding", "segment_stability_runs", "segment_stability",
                  "segment_feature_tests", "segment_profile_features"):
        (n,), = con.sql(f"select count(*) from {table}").fetchall()
        assert n > 0, table
    assert {r[0] for r in con.sql("select candidate from segment_candidates").fetchall()} == {"kmeans", "dbscan", "ward"}
    (chosen,), = con.sql("select count(*) from segment_k_selection where chosen").fetchall()
    assert chosen == 1
    (runs,), = con.sql("select count(*) from segment_stability_runs").fetchall()
    assert runs == DEMO_VARS["segmentation_stability_runs"]


def test_gate_tables_have_the_shared_shape(con):
    for table, area in (("segmentation_gates", "segmentation"), ("propensity_gates", "propensity")):
        cols = [r[0] for r in con.sql(f"describe {table}").fetchall()]
        assert cols == ["area", "gate", "value", "threshold", "passed", "detail"], table
        rows = con.sql(f"select area, passed, value, threshold from {table}").fetchall()
        assert rows and {r[0] for r in rows} == {area}
    (summary,), = con.sql("select gates_passed from segmentation_runs").fetchall()
    assert summary == all(r[0] for r in con.sql("select passed from segmentation_gates").fetchall())


def test_every_customer_is_scored_for_both_targets(con):
    (n_customers,), = con.sql("select count(*) from customer_features").fetchall()
    rows = dict(con.sql("select target, count(distinct customer_id) from propensity_scores group by 1").fetchall())
    assert rows == {"purchase": n_customers, "engagement": n_customers}
    (cutoff,), = con.sql("select distinct features_cutoff_at_utc from customer_features").fetchall()
    assert con.sql("select distinct scored_at_cutoff_utc from propensity_scores").fetchall() == [(cutoff,)]
    reg = con.sql("select target, train_cutoff_at_utc, score_cutoff_at_utc, horizon_days from "
                  "propensity_model_registry").fetchall()
    assert {r[0] for r in reg} == {"purchase", "engagement"}
    for _, train_cutoff, score_cutoff, horizon in reg:
        assert score_cutoff == cutoff and (score_cutoff - train_cutoff).days == horizon == 30


def test_purchase_scores_rank_the_true_future_buyers(demo_build, con, person_of):
    scores = _one_customer_per_person(
        con.sql("select customer_id, probability from propensity_scores where target = 'purchase' "
                "order by probability desc").df(), person_of)
    bought = {r["person_id"]: int(r["purchased_30d"]) for r in demo_build.truth_rows("future_summary.csv")}
    y = scores["person_id"].map(bought)
    auc = roc_auc_score(y, scores["probability"])
    # measured 0.69 on this lake; the best single feature (order count) reaches 0.70
    assert auc > 0.62, auc


def test_evaluation_tables_are_consistent(con):
    ev = con.sql("select * from propensity_evaluation").df()
    assert set(ev["target"]) == {"purchase", "engagement"} and (ev["roc_auc"] > 0.6).all()
    reg = con.sql("select target, validation_roc_auc from propensity_model_registry").df()
    assert np.allclose(ev.set_index("target").loc[reg["target"], "roc_auc"], reg["validation_roc_auc"])
    (chosen,), = con.sql("select count(*) from propensity_candidates where chosen").fetchall()
    assert chosen == 2


def test_labels_are_the_facts_of_the_window(con):
    """Recompute the purchase labels from the staged orders and the identity graph, independently."""
    got = dict(con.sql("select customer_id, label from int_propensity__labels where target = 'purchase'").fetchall())
    (start, end), = con.sql("select distinct label_window_start_at_utc, label_window_end_at_utc "
                            "from int_propensity__labels").fetchall()
    buyers = {r[0] for r in con.sql(
        "select distinct g.customer_id from stg_shop__order_lines o "
        "join int_identity__identifier_customers g on g.identifier_type = 'contact_ref' "
        "  and g.identifier_value = o.customer_system || ':' || o.customer_ref "
        "where o.ordered_at_utc >= $1 and o.ordered_at_utc < $2", params=[start, end]).fetchall()}
    assert buyers and buyers <= {c for c, lab in got.items() if lab == 1}


def test_training_never_sees_facts_after_its_cutoff(demo_build, con, tmp_path):
    """On a copy of the warehouse, scale every order amount at or after the training cutoff by 100 and
    rebuild from attribution to the trained models: labels (did the customer buy?) and training features
    do not move, so the models must come out identical (training is seeded)."""
    (cutoff,), = con.sql("select distinct train_cutoff_at_utc from propensity_model_registry").fetchall()
    # retrain only the purchase target's logistic regression (deterministic, cheap) and compare it
    query = ("select target, candidate, cv_auc, validation_auc, n_search_rows from propensity_candidates "
             "where target = 'purchase' and candidate = 'logistic_regression'")
    before = con.sql(query).fetchall()
    assert len(before) == 1
    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_build.paths.build_db, db)
    w = duckdb.connect(str(db))
    (changed,), = w.execute("update base_shop__order_lines set amount = amount * 100 where ordered_at_utc >= $1",
                            [cutoff]).fetchall()
    w.close()
    assert changed > 0
    paths = Paths(demo_build.paths.lake_dir, tmp_path, db, demo_build.paths.dbt_project_dir,
                  demo_build.paths.profiles_dir)
    env = {k: os.environ.get(k) for k in ("SEGMART_DB_PATH", "SEGMART_LAKE_DIR")}
    try:
        run = run_dbt(["run", "-s", "int_features__order_lines_attributed", "int_features__customer_features_training",
                       "int_propensity__labels", "int_propensity__scores", "int_propensity__candidates",
                       "--target-path", str(tmp_path / "target"), "--vars", json.dumps(
                           {**DEMO_VARS, "propensity_targets": ["purchase"],
                            "propensity_candidates": ["logistic_regression"]})],
                      paths, raise_on_failure=False)
    finally:
        for k, v in env.items():
            if v is not None:
                os.environ[k] = v
    assert run.success, run.summary()
    r = duckdb.connect(str(db), read_only=True)
    (total_after,), = r.sql("select sum(amount) from base_shop__order_lines").fetchall()
    after = r.sql(query).fetchall()
    r.close()
    (total_before,), = con.sql("select sum(amount) from base_shop__order_lines").fetchall()
    assert total_after > total_before  # the later facts really changed
    assert after == before
