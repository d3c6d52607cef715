import numpy as np
import pandas as pd
import pytest

from python_models.preprocessing import FeaturePreprocessor
from python_models.segmentation import (
    KMeansSegmenter,
    centroids_table,
    membership_table,
    profile_segments,
    segment_name,
)


def test_membership_margins_consistent(blobs):
    X, _ = blobs
    m = KMeansSegmenter(n_clusters=4).fit(X)
    mem = membership_table(X, m.cluster_centers_, ids=np.arange(100, 100 + len(X)))
    D = m.transform(X)
    assert np.array_equal(mem["segment"], m.labels_)
    assert (mem["second_segment"] != mem["segment"]).all()
    assert np.allclose(mem["distance"], D.min(axis=1))
    assert np.allclose(mem["second_distance"], np.sort(D, axis=1)[:, 1])
    assert (mem["margin"] >= 0).all()
    assert np.allclose(mem["margin"], mem["second_distance"] - mem["distance"])
    assert mem["margin_ratio"].between(0, 1).all()
    assert mem["customer_id"].iloc[0] == 100


def test_membership_with_noise_labels(blobs):
    X, _ = blobs
    m = KMeansSegmenter(n_clusters=4).fit(X)
    labels = m.labels_.copy()
    labels[:5] = -1
    mem = membership_table(X, m.cluster_centers_, labels=labels)
    assert mem.loc[:4, "distance"].isna().all() and (mem.loc[:4, "second_segment"] == -1).all()
    assert (mem.loc[5:, "margin"] >= 0).all()


def test_centroids_in_original_units():
    rng = np.random.default_rng(0)
    raw = pd.DataFrame({"spend": np.r_[rng.normal(100, 5, 200), rng.normal(500, 5, 200)],
                        "visits": np.r_[rng.normal(2, 0.1, 200), rng.normal(9, 0.1, 200)]})
    prep = FeaturePreprocessor({"numeric": {"spend": {}, "visits": {"log1p": True}}}).fit(raw)
    F = prep.transform(raw)
    m = KMeansSegmenter(n_clusters=2).fit(F)
    cent = centroids_table(m.cluster_centers_, F.columns, prep)
    spend = cent[cent["feature"] == "spend"].sort_values("value_original")["value_original"].to_numpy()
    assert spend == pytest.approx([100, 500], abs=3)
    visits = cent[cent["feature"] == "visits"].sort_values("value_original")["value_original"].to_numpy()
    assert visits == pytest.approx([2, 9], abs=0.2)


@pytest.fixture
def profiled():
    rng = np.random.default_rng(0)
    n = 900
    seg = np.repeat([0, 1, 2], n // 3)
    raw = pd.DataFrame({
        "monetary": np.where(seg == 0, 500.0, 100.0) + rng.normal(0, 10, n),
        "recency_days": np.where(seg == 1, 200.0, 20.0) + rng.normal(0, 5, n),
        "platform": np.where(seg == 2, "Instagram", rng.choice(["Facebook", "none"], n)),
        "region": rng.choice(["urban", "rural"], n),
    })
    return raw, seg


def test_profiles_names_non_empty_distinct_and_readable(profiled):
    raw, seg = profiled
    vocab = {"monetary": {"high": "high-value"}, "recency_days": {"high": "lapsed"},
             "platform": {"template": "{value} engagers"}}
    prof = profile_segments(raw, seg, vocabulary=vocab)
    s = prof.summary.set_index("segment")
    assert s["name"].str.len().gt(0).all()
    assert s["name"].is_unique
    assert s.loc[0, "name"].startswith("High-value")
    assert "Lapsed" in s.loc[1, "name"]
    assert "Instagram engagers" in s.loc[2, "name"]
    assert s["share"].sum() == pytest.approx(1.0)
    assert all(d.startswith(f"{sh:.1%}") for d, sh in zip(s["description"], s["share"], strict=True))
    f = prof.features
    row = f[(f.segment == 0) & (f.feature == "monetary")].iloc[0]
    assert row["lift"] == pytest.approx(row["segment_mean"] / raw["monetary"].mean())
    assert row["rank"] == 1
    cat = f[(f.segment == 2) & (f.feature == "platform") & (f.category == "Instagram")].iloc[0]
    assert cat["segment_mean"] == 1.0 and cat["lift"] == pytest.approx(3.0)


def test_identical_segments_still_get_distinct_names():
    raw = pd.DataFrame({"x": np.r_[np.zeros(50), np.zeros(50), np.ones(50) * 10]})
    prof = profile_segments(raw, np.repeat([0, 1, 2], 50))
    assert prof.summary["name"].is_unique
    assert prof.summary["name"].str.len().gt(0).all()


def test_segment_name_composition():
    traits = [
        {"feature": "monetary", "kind": "numeric", "effect": 1.5, "category": None},
        {"feature": "age_band", "kind": "category", "effect": 1.2, "category": "25-34"},
        {"feature": "platform", "kind": "category", "effect": 1.1, "category": "Instagram"},
        {"feature": "region", "kind": "category", "effect": 0.9, "category": "urban"},
    ]
    vocab = {"monetary": {"high": "high-value"}, "platform": {"template": "{value} engagers"}}
    assert segment_name(traits, vocab) == "High-value Instagram engagers, 25-34, urban"
    assert segment_name([], vocab) == "Typical customers"
