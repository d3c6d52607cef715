"""Reassignment to a persisted run reproduces the run's own membership (k-means: exactly)."""

import json

import numpy as np
import pandas as pd
import pytest

from python_models.preprocessing.dbt_adapter import build_feature_matrix
from python_models.segmentation import dbt_adapter as ad
from python_models.segmentation.assignment import PublishedSegments
from python_models.segmentation.synthetic import make_personas, persona_preprocessing_config

FAST = {"k_range": [3, 8], "compare_candidates": ["kmeans"], "compare_sample_size": 800, "stability_runs": 2,
        "embedding_sample": 100, "tsne": False}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A full run as the dbt models do it: fit + persist the preprocessor, segment, persist the run."""
    artifacts = tmp_path_factory.mktemp("artifacts")
    raw, _ = make_personas(1200, random_state=9)
    raw["customer_id"] = [f"c{i:05d}" for i in range(len(raw))]
    config = {**persona_preprocessing_config(), "categorical": ["region", "age_band", "platform"]}
    matrix = build_feature_matrix(raw, config, artifacts / "preprocessor")
    names = [c for c in matrix.columns if c != "customer_id"]
    pre = ad.find_preprocessor(artifacts / "preprocessor", names)
    run = ad.segment_customers(matrix, raw, ad.config_from_vars(FAST), preprocessor=pre)
    ad.save_run(run, artifacts / "segmentation")
    return raw, ad.membership_output(run), artifacts


def test_reassigning_the_training_rows_reproduces_the_membership_exactly(published):
    raw, membership, artifacts = published
    seg = PublishedSegments.from_artifacts(artifacts)
    assert seg.exact and seg.centroids.shape[0] == membership["segment_id"].nunique()
    # shuffled rows: assignment depends on each row only
    got = seg.assign(raw.sample(frac=1.0, random_state=3)).set_index("customer_id").sort_index()
    want = membership.set_index("customer_id").sort_index()
    assert (got["segment_id"] == want["segment_id"]).all()
    assert (got["second_segment_id"] == want["second_segment_id"]).all()
    np.testing.assert_allclose(got["distance_to_centroid"], want["distance_to_centroid"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got["margin"], want["margin"], rtol=1e-9, atol=1e-9)


def test_changed_rows_move_to_the_nearest_centroid(published):
    raw, membership, artifacts = published
    seg = PublishedSegments.from_artifacts(artifacts)
    one = raw.iloc[[0]].copy()
    before = int(seg.assign(one)["segment_id"].iloc[0])
    # give customer 0 the features of a customer of another segment: it must follow that customer
    other_seg = membership.set_index("customer_id")["segment_id"]
    donor = other_seg[other_seg != before].index[0]
    moved = raw.set_index("customer_id").loc[[donor]].reset_index().assign(customer_id=one["customer_id"].iloc[0])
    after = seg.assign(moved)
    assert int(after["segment_id"].iloc[0]) == int(other_seg[donor]) != before
    assert (after["margin"] >= 0).all()


def test_missing_or_mismatched_artifacts_are_refused(published, tmp_path):
    _, _, artifacts = published
    with pytest.raises(FileNotFoundError, match="no segmentation centroids"):
        PublishedSegments.from_artifacts(tmp_path)
    (tmp_path / "segmentation").mkdir()
    meta = json.loads((artifacts / "segmentation" / "centroids.json").read_text())
    meta["features"] = ["not_a_feature"] + meta["features"][1:]
    (tmp_path / "segmentation" / "centroids.json").write_text(json.dumps(meta))
    import shutil

    shutil.copytree(artifacts / "preprocessor", tmp_path / "preprocessor")
    with pytest.raises(ValueError, match="different builds"):
        PublishedSegments.from_artifacts(tmp_path)


def test_empty_input_gives_an_empty_table(published):
    raw, _, artifacts = published
    out = PublishedSegments.from_artifacts(artifacts).assign(raw.iloc[0:0])
    assert out.empty and "segment_id" in out.columns
    assert isinstance(out, pd.DataFrame)
