"""The adapter the dbt Python models call: frames + dbt vars in, warehouse tables out, persisted run."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from python_models.preprocessing import FeaturePreprocessor
from python_models.segmentation import dbt_adapter as ad
from python_models.segmentation.synthetic import (
    PERSONA_VOCABULARY,
    make_personas,
    persona_preprocessing_config,
)

SMALL = {"k_range": [3, 8], "compare_candidates": ["kmeans", "dbscan"], "compare_sample_size": 1200,
         "stability_runs": 3, "embedding_sample": 200, "tsne": False, "vocabulary": PERSONA_VOCABULARY}


@pytest.fixture(scope="module")
def personas():
    raw, truth = make_personas(1500, random_state=4)
    raw["customer_id"] = [f"c{i:05d}" for i in range(len(raw))]
    prep = FeaturePreprocessor(persona_preprocessing_config()).fit(raw.drop(columns="customer_id"))
    matrix = prep.transform(raw.drop(columns="customer_id"))
    matrix.insert(0, "customer_id", raw["customer_id"].to_numpy())
    return raw, truth, matrix


@pytest.fixture(scope="module")
def run(personas):
    raw, _, matrix = personas
    # rows shuffled and features_cutoff column added, as the features mart delivers them
    feats = raw.sample(frac=1.0, random_state=1).assign(features_cutoff_at_utc=pd.Timestamp("2026-01-01"))
    return ad.segment_customers(matrix, feats, ad.config_from_vars(SMALL))


def test_vars_reach_the_pipeline_config():
    cfg = ad.config_from_vars('{"algorithm": "ward", "k_range": [2, 5], "dbscan_min_samples": 7, '
                              '"ward_sample_size": 900, "gates": {"min_silhouette": 0.2}, "tsne": null}')
    assert cfg["algorithm"] == "ward"
    assert cfg["kmeans"]["k_range"] == [2, 5] and cfg["ward"]["k_range"] == [2, 5]
    assert cfg["dbscan"]["min_samples"] == 7 and cfg["ward"]["sample_size"] == 900
    assert cfg["gates"] == {"min_silhouette": 0.2}
    assert cfg["diagnostics"]["tsne"] is True  # null keeps the default
    with pytest.raises(ValueError, match="unknown segmentation settings"):
        ad.config_from_vars({"k_rnage": [2, 4]})


def test_segments_recover_the_personas(personas, run):
    _, truth, _ = personas
    m = ad.membership_output(run)
    assert m["customer_id"].tolist() == personas[2]["customer_id"].tolist()
    assert adjusted_rand_score(truth, m["segment_id"]) > 0.85


def test_membership_distances_and_margins_agree_with_centroids(personas, run):
    m = ad.membership_output(run)
    cen = ad.output_table(run, "centroids").pivot(index="segment_id", columns="feature", values="value_scaled")
    X = personas[2].drop(columns="customer_id")[cen.columns].to_numpy()
    d = np.sqrt(((X[:, None, :] - cen.to_numpy()[None, :, :]) ** 2).sum(axis=2))
    assert np.allclose(d[np.arange(len(X)), m["segment_id"]], m["distance_to_centroid"])
    assert np.allclose(d[np.arange(len(X)), m["second_segment_id"]], m["second_distance"])
    assert (m["segment_id"] != m["second_segment_id"]).all() and (m["margin"] >= -1e-9).all()


def test_centroids_in_original_units_are_member_means_without_a_preprocessor(personas, run):
    raw = personas[0].set_index("customer_id")
    m = ad.membership_output(run).set_index("customer_id")
    members = raw.loc[m.index[m["segment_id"] == 0], "frequency"]
    cen = ad.output_table(run, "centroids")
    value = cen[(cen["segment_id"] == 0) & (cen["feature"] == "frequency")]["value_original"].item()
    assert value == pytest.approx(members.mean())


def test_profiles_are_named_and_exclude_timestamps(run):
    prof = ad.output_table(run, "profiles")
    assert prof["name"].str.len().gt(0).all() and prof["name"].is_unique
    assert prof["size"].sum() == 1500
    feats = ad.output_table(run, "profile_features")
    assert "features_cutoff_at_utc" not in set(feats["feature"])
    assert {"platform", "monetary"} <= set(feats["feature"])


def test_gates_have_the_shared_shape_and_fail_when_thresholds_are_out_of_reach(personas):
    g_cfg = ad.config_from_vars({**SMALL, "gates": {"min_silhouette": 0.99, "min_segment_share": 0.01}})
    strict = ad.segment_customers(personas[2], None, g_cfg)
    g = ad.gates_output(strict)
    assert list(g.columns) == ["area", "gate", "value", "threshold", "passed", "detail"]
    assert dict(zip(g["gate"], g["passed"], strict=True)) == {"min_silhouette": False, "min_segment_share": True}
    assert (g["area"] == "segmentation").all()


def test_persisted_run_is_read_back_only_for_its_own_membership(tmp_path, run):
    ad.save_run(run, tmp_path)
    membership = ad.membership_output(run)
    cand = ad.run_table(tmp_path, membership, "comparison")
    assert set(cand["candidate"]) == {"kmeans", "dbscan"} and cand["selected"].sum() == 1
    assert len(ad.run_table(tmp_path, membership, "k_distance")) > 0
    summary = ad.run_table(tmp_path, membership, "run")
    assert summary["n_customers"].item() == 1500 and summary["mean_bootstrap_jaccard"].item() > 0.8
    stale = membership.assign(run_id="seg-older-run")
    with pytest.raises(RuntimeError, match="rebuild"):
        ad.run_table(tmp_path, stale, "profiles")
    assert (tmp_path / ad.CENTROIDS_FILE).exists()


@pytest.mark.parametrize("breakage, message", [
    (lambda m: m.drop(columns="customer_id"), "customer_id"),
    (lambda m: pd.concat([m, m.head(1)]), "several rows"),
    (lambda m: m.assign(monetary=np.where(np.arange(len(m)) == 3, np.nan, m["monetary"])), "missing values"),
    (lambda m: m.assign(region="north"), "numeric"),
])
def test_bad_matrices_get_a_clear_error(personas, breakage, message):
    with pytest.raises(ValueError, match=message):
        ad.segment_customers(breakage(personas[2]), None, ad.config_from_vars(SMALL))


def test_a_feature_missing_for_a_whole_segment_still_profiles(personas, run):
    raw, _, matrix = personas
    seg0 = ad.membership_output(run).query("segment_id == 0")["customer_id"]
    feats = raw.assign(frequency=raw["frequency"].where(~raw["customer_id"].isin(seg0)), empty=np.nan)
    again = ad.segment_customers(matrix, feats, ad.config_from_vars({**SMALL, "stability_runs": 1}))
    pf = ad.output_table(again, "profile_features")
    assert pf["rank"].notna().all()
    assert pf.query("feature == 'empty'")["effect"].eq(0).all()


def test_missing_values_are_not_a_segment_trait(personas, run):
    raw, _, matrix = personas
    seg0 = ad.membership_output(run).query("segment_id == 0")["customer_id"]
    feats = raw.assign(channel=np.where(raw["customer_id"].isin(seg0), None, "web"))
    again = ad.segment_customers(matrix, feats, ad.config_from_vars({**SMALL, "stability_runs": 1}))
    pf = ad.output_table(again, "profile_features").query("feature == 'channel' and segment_id == 0")
    assert pf.set_index("category").at["missing", "effect"] > 1  # strongly over-represented ...
    names = ad.output_table(again, "profiles")["name"]
    assert not names.str.contains("missing").any()  # ... but not what the segment is called


def test_too_few_customers_give_typed_empty_tables_and_a_failed_gate(tmp_path, personas):
    tiny = ad.segment_customers(personas[2].head(5), None, ad.config_from_vars(SMALL))
    g = ad.gates_output(tiny)
    assert g[["gate", "value", "passed"]].values.tolist() == [["min_customers", 5.0, False]]
    ad.save_run(tiny, tmp_path)
    m = ad.membership_output(tiny)
    assert m.empty and {"segment_id", "distance_to_centroid", "run_id"} <= set(m.columns)
    for name in ("profiles", "centroids", "comparison", "embedding", "stability_segments", "k_selection", "run"):
        out = ad.run_table(tmp_path, m, name)
        assert "run_id" in out.columns, name
    assert not ad.run_table(tmp_path, m, "run")["gates_passed"].item()


def test_segmentation_features_var_clusters_on_a_subset(personas, tmp_path):
    raw, _, matrix = personas
    subset = [c for c in matrix.columns if c != "customer_id"][:5]
    cfg = ad.config_from_vars({**SMALL, "compare_candidates": ["kmeans"], "features": subset})
    run = ad.segment_customers(matrix, None, cfg)
    assert run.metrics["feature_names"] == subset
    assert set(ad.output_table(run, "centroids")["feature"]) == set(subset)
    ad.save_run(run, tmp_path)
    assert json.loads((tmp_path / ad.CENTROIDS_FILE).read_text())["features"] == subset
    with pytest.raises(ValueError, match="does not have: \\['nope'\\]"):
        ad.segment_customers(matrix, None, ad.config_from_vars({**SMALL, "features": ["nope"]}))
