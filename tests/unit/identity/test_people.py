"""From pairs to people: clustering guards, stable ids across runs, golden records, calibration."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from python_models.identity.calibration import (
    precision_recall_by_threshold,
    recommend_threshold,
    review_sample,
)
from python_models.identity.clustering import birth_dates_conflict, cluster_pairs
from python_models.identity.golden_record import FieldRule, SurvivorshipConfig, build_golden_records
from python_models.identity.stable_ids import assign_stable_ids, make_customer_id


def _pairs(rows):
    return pd.DataFrame(rows, columns=["rid_l", "rid_r", "match_probability"])


# --- clustering -----------------------------------------------------------------------------------
def test_connected_components_above_threshold():
    pairs = _pairs([(0, 1, 0.99), (1, 2, 0.9), (3, 4, 0.5), (5, 6, 0.97)])
    res = cluster_pairs(8, pairs, threshold=0.85, min_average_link=None)
    lab = res.labels
    assert lab[0] == lab[1] == lab[2] and lab[3] != lab[4] and lab[5] == lab[6]
    assert res.n_clusters == 5 and res.n_links == 3


def test_hard_conflicts_break_links_and_chains():
    # 0-1 is a direct link between different birth dates: dropped by the pair flag
    pairs = _pairs([(0, 1, 0.99), (2, 3, 0.98), (3, 4, 0.97)])
    pairs["hard_conflict"] = [True, False, False]
    dob = np.array(["19800101", "19900505", "19700101", None, "19650303"], dtype=object)
    res = cluster_pairs(5, pairs, hard_values=dob, min_average_link=None)
    assert res.labels[0] != res.labels[1] and res.n_conflict_links_dropped == 1
    # 2=3 and 3=4 chain two different birth dates (2, 4): the weaker link 3-4 is dropped
    assert res.labels[2] == res.labels[3] != res.labels[4]
    assert res.rebuilt_components.iloc[0]["reasons"] == "hard_conflict"
    assert not birth_dates_conflict("19800105", "19800501")  # day/month swapped
    assert not birth_dates_conflict("19800105", "19800106")  # one typo
    assert birth_dates_conflict("19800105", "19811231")


def test_cluster_size_cap_drops_weakest_links():
    # a chain of 10 records with decreasing strength; cap 4 keeps the strongest links
    pairs = _pairs([(i, i + 1, 0.999 - i * 0.01) for i in range(9)])
    res = cluster_pairs(10, pairs, max_cluster_size=4, min_average_link=None)
    sizes = np.bincount(res.labels)
    assert sizes.max() <= 4
    assert res.labels[0] == res.labels[1] == res.labels[2] == res.labels[3]
    assert res.rebuilt_components.iloc[0]["reasons"] == "size"


def test_average_link_stops_chaining_through_dissimilar_records():
    # A=B strong, B=C strong, but A-C scored and clearly different: C stays apart with average link
    pairs = _pairs([(0, 1, 0.99), (1, 2, 0.95), (0, 2, 0.01)])
    chained = cluster_pairs(3, pairs, min_average_link=None).labels
    guarded = cluster_pairs(3, pairs, min_average_link=0.5).labels
    assert len(set(chained)) == 1
    assert guarded[0] == guarded[1] != guarded[2]


# --- stable ids -----------------------------------------------------------------------------------
def _records(clusters: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame({
        "source_system": [k.split(":")[0] for k in clusters],
        "source_record_id": [k.split(":")[1] for k in clusters],
        "cluster": list(clusters.values()),
        "updated_at": pd.date_range("2025-01-01", periods=len(clusters), freq="D"),
    })


def test_stable_ids_across_runs_with_merges_and_splits():
    run1 = assign_stable_ids(_records({"crm:1": 0, "crm:2": 0, "shop:1": 1, "shop:2": 1, "ev:1": 2, "ev:2": 2,
                                       "ev:3": 2, "crm:9": 3}))
    ids1 = dict(zip(run1.assignments["source_system"] + ":" + run1.assignments["source_record_id"],
                    run1.assignments["customer_id"], strict=True))
    assert all(re.fullmatch(r"C[0-9a-f]{12}", v) for v in ids1.values())
    assert ids1["crm:1"] == make_customer_id("crm:1")  # hash of the earliest record
    assert run1.changes.empty and run1.summary["n_new_customer_ids"] == 4
    # run 2: new records; crm and shop people turn out to be one person (merge); ev:3 splits off;
    # crm:9 disappears; a brand-new person appears
    run2 = assign_stable_ids(
        _records({"crm:1": 0, "crm:2": 0, "shop:1": 0, "shop:2": 0, "crm:3": 0, "ev:1": 1, "ev:2": 1, "ev:3": 2,
                  "new:1": 3}),
        previous=run1.assignments.assign(customer_id=run1.assignments["customer_id"]),
    )
    ids2 = dict(zip(run2.assignments["source_system"] + ":" + run2.assignments["source_record_id"],
                    run2.assignments["customer_id"], strict=True))
    # ties (2 records of each old id) go to the id ranked first; the id follows its majority
    merged_id = ids2["crm:1"]
    assert merged_id in {ids1["crm:1"], ids1["shop:1"]} and ids2["shop:1"] == merged_id
    assert ids2["ev:1"] == ids2["ev:2"] == ids1["ev:1"]  # kept: 2 of its 3 records
    assert ids2["ev:3"] not in ids1.values() and ids2["new:1"] not in ids1.values()
    changes = {(r.change, r.from_customer_id, None if pd.isna(r.to_customer_id) else r.to_customer_id, r.n_records)
               for r in run2.changes.itertuples()}
    loser = ids1["shop:1"] if merged_id == ids1["crm:1"] else ids1["crm:1"]
    assert ("merge", loser, merged_id, 2) in changes
    assert ("split", ids1["ev:1"], ids2["ev:3"], 1) in changes
    assert ("removed", ids1["crm:9"], None, 1) in changes
    assert run2.summary["n_kept_customer_ids"] == 2 and run2.summary["n_retired_customer_ids"] == 2
    assert set(run2.record_changes["source_system"] + ":" + run2.record_changes["source_record_id"]) == (
        {"shop:1", "shop:2", "ev:3"} if merged_id == ids1["crm:1"] else {"crm:1", "crm:2", "ev:3"})
    # a re-run on the same data changes nothing
    run3 = assign_stable_ids(_records({"crm:1": 5, "crm:2": 5, "shop:1": 5, "shop:2": 5, "crm:3": 5, "ev:1": 7,
                                       "ev:2": 7, "ev:3": 8, "new:1": 9}), previous=run2.assignments)
    assert run3.changes.empty and run3.summary["n_new_customer_ids"] == 0


# --- golden records -------------------------------------------------------------------------------
def test_golden_record_survivorship_lineage_and_consent():
    records = pd.DataFrame([
        {"customer_id": "C1", "source_system": "events", "source_record_id": "e1", "first_name": "Bob",
         "last_name": "Smith", "email": "old@x.fr", "phone": None, "street": "1 rue A", "postcode": "75001",
         "city": "Paris", "birth_date": "1980-01-02", "marketing_consent": True, "unsubscribed": False,
         "updated_at": "2025-01-01"},
        {"customer_id": "C1", "source_system": "crm", "source_record_id": "c1", "first_name": "Robert",
         "last_name": "Smith", "email": "new@x.fr", "phone": "+33612345678", "street": None, "postcode": None,
         "city": None, "birth_date": "1980-01-02", "marketing_consent": True, "unsubscribed": None,
         "updated_at": "2025-03-01"},
        {"customer_id": "C1", "source_system": "eshop", "source_record_id": "s1", "first_name": "Rob",
         "last_name": "Smith", "email": None, "phone": None, "street": "9 av B", "postcode": "69001", "city": "Lyon",
         "birth_date": "1980-02-01", "marketing_consent": False, "unsubscribed": True, "updated_at": "2025-02-01"},
        {"customer_id": "C2", "source_system": "eshop", "source_record_id": "s2", "first_name": "Ann",
         "last_name": "Lee", "email": "ann@x.fr", "marketing_consent": True, "unsubscribed": "false",
         "updated_at": "2025-01-05"},
        {"customer_id": "C3", "source_system": "events", "source_record_id": "e3", "first_name": "Zoe",
         "marketing_consent": None, "unsubscribed": None, "updated_at": None},
    ])
    config = SurvivorshipConfig(source_priority=["crm", "eshop", "events"])
    golden, lineage = build_golden_records(records, config)
    g = golden.set_index("customer_id")
    assert g.loc["C1", "n_records"] == 3 and g.loc["C1", "source_systems"] == "crm|eshop|events"
    assert g.loc["C1", "first_name"] == "Robert"  # source priority: crm first
    assert g.loc["C1", "email"] == "new@x.fr"  # most recent non-null
    assert g.loc["C1", "phone"] == "+33612345678"
    assert (g.loc["C1", "street"], g.loc["C1", "city"]) == ("9 av B", "Lyon")  # address as a block, most recent
    assert g.loc["C1", "birth_date"] == "1980-01-02"  # most frequent
    assert g.loc["C1", "unsubscribed"] is True and g.loc["C1", "marketing_consent"] is False
    assert g.loc["C2", "unsubscribed"] is False and g.loc["C2", "marketing_consent"] is True
    assert g.loc["C3", "unsubscribed"] is None and g.loc["C3", "marketing_consent"] is None
    lin = lineage.set_index(["customer_id", "field"])
    assert lin.loc[("C1", "first_name"), "source_record_id"] == "c1"
    assert lin.loc[("C1", "first_name"), "rule"] == "source_priority"
    assert lin.loc[("C1", "street"), "source_record_id"] == "s1"
    assert lin.loc[("C1", "unsubscribed"), "source_record_id"] == "s1"
    assert lin.loc[("C1", "marketing_consent"), "rule"].startswith("most_restrictive")
    # another rule set: most frequent first name
    golden2, _ = build_golden_records(records, SurvivorshipConfig(rules=[FieldRule("fn", ("last_name",), "most_frequent")]))
    assert golden2.set_index("customer_id").loc["C1", "last_name"] == "Smith"
    with pytest.raises(ValueError):
        FieldRule("x", ("a",), "best_guess")


# --- calibration ----------------------------------------------------------------------------------
def _scored(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    p = rng.beta(0.6, 0.6, size=n)
    pairs = pd.DataFrame({"rid_l": np.arange(n), "rid_r": np.arange(n) + n, "match_probability": p})
    records = pd.DataFrame({"source_system": "crm", "source_record_id": [str(i) for i in range(2 * n)],
                            "first_name": "X", "email": [f"x{i}@y.fr" for i in range(2 * n)]})
    return pairs, records


def test_review_sample_is_stratified_around_the_threshold():
    pairs, records = _scored(20_000)
    sample = review_sample(pairs, records, n=200, threshold=0.85, seed=1)
    assert list(sample.columns) == ["pair_id", "left_record", "right_record", "left_summary", "right_summary",
                                    "match_probability", "band", "sample_weight", "label"]
    assert 180 <= len(sample) <= 200 and sample["label"].isna().all()
    near = sample["match_probability"].between(0.7, 0.95).mean()
    assert near >= 0.5  # denser near the threshold than the data (about 15% there)
    assert sample["pair_id"].str.contains("~").all() and sample["left_summary"].str.contains("email=").all()
    assert (sample["sample_weight"] >= 1).all()


def test_precision_recall_and_recommended_threshold_from_labels():
    pairs, records = _scored(50_000, seed=2)
    sample = review_sample(pairs, records, n=2000, threshold=0.85, seed=3)
    # synthetic truth: a pair is a match iff its probability is above 0.7 -> precision is 1 from 0.7 on
    sample["label"] = (sample["match_probability"] > 0.7).astype(int)
    curve = precision_recall_by_threshold(sample)
    assert curve.loc[curve["threshold"] == 0.8, "precision"].item() == 1.0
    assert curve.loc[curve["threshold"] == 0.5, "precision"].item() < 1.0
    assert curve.loc[curve["threshold"] == 0.05, "recall"].item() == 1.0
    assert recommend_threshold(sample, target_precision=0.99) == pytest.approx(0.70)
    # a calibrated world: label ~ Bernoulli(p); the threshold for precision 0.9 lies well above 0.5
    rng = np.random.default_rng(4)
    sample["label"] = (rng.random(len(sample)) < sample["match_probability"]).astype(int)
    t = recommend_threshold(sample, target_precision=0.9)
    assert t is not None and 0.6 < t < 0.95
    assert recommend_threshold(sample.assign(label=0), target_precision=0.9) is None
