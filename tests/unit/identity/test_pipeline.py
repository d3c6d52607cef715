"""resolve(): end to end on a small synthetic contact set with known identities."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from python_models.identity import ResolutionConfig, resolve
from python_models.identity.evaluation import pairwise_scores_clusters

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench" / "identity"))
from synth import make_contacts  # noqa: E402


@pytest.fixture(scope="module")
def contacts() -> pd.DataFrame:
    return make_contacts(600, seed=7)


@pytest.fixture(scope="module")
def first_run(contacts):
    return resolve(contacts.drop(columns="person_id"))


def test_every_record_gets_a_customer_id_and_quality_is_high(contacts, first_run):
    res = first_run
    assert len(res.records) == len(contacts) and res.records["customer_id"].notna().all()
    assert res.records["customer_id"].str.fullmatch(r"C[0-9a-f]{12}").all()
    scores = pairwise_scores_clusters(res.records["cluster"].to_numpy(), contacts["person_id"].to_numpy())
    assert scores["precision"] > 0.95 and scores["recall"] > 0.95
    assert set(res.golden["customer_id"]) == set(res.records["customer_id"])
    assert res.clusters["n_records"].sum() == len(contacts)
    pairs = res.pairs
    assert {"rid_l", "rid_r", "left_record", "right_record", "match_weight", "match_probability",
            "blocking_rules", "hard_conflict"} <= set(pairs.columns)
    assert (pairs["rid_l"] < pairs["rid_r"]).all() and pairs["match_probability"].between(0, 1).all()
    assert res.model.trace_.converged and 0 < res.model.lambda_ < 0.01
    assert set(res.timings) >= {"standardise", "block", "compare", "score", "cluster", "stable_ids", "golden"}
    assert not res.blocking_stats().empty and not res.model_parameters.empty


def test_junk_identifiers_never_link(first_run, contacts):
    std = first_run.standardised
    junk = contacts["email"].isin(["test@test.com", "noemail@noemail.com"]).to_numpy()
    assert junk.any() and std.loc[junk, "email_std"].isna().all()
    switchboard = (contacts["phone"] == "+33144556677").to_numpy()
    assert switchboard.sum() > 50 and std.loc[switchboard, "phone_key"].isna().all()
    # no pair was proposed by e-mail or phone between records sharing only the switchboard
    rules = first_run.pairs["blocking_rules"]
    both = switchboard[first_run.pairs["rid_l"]] & switchboard[first_run.pairs["rid_r"]]
    assert not rules[both].str.contains(r"(?:^|\|)phone(?:\||$)").any()
    assert "phone" in set(first_run.junk_report["field"])


def test_rerun_with_more_records_keeps_customer_ids(contacts, first_run):
    more = make_contacts(700, seed=7)  # the same first 600 people's records are not reproduced exactly,
    # so add brand-new records with new ids to the same contacts instead
    extra = more.tail(150).assign(source_record_id=lambda d: "NEW" + d["source_record_id"])
    extra = extra.assign(person_id=extra["person_id"] + 10_000)
    combined = pd.concat([contacts, extra], ignore_index=True)
    previous = first_run.records[["source_system", "source_record_id", "customer_id"]]
    second = resolve(combined.drop(columns="person_id"), previous_ids=previous)
    merged = previous.merge(second.records, on=["source_system", "source_record_id"], suffixes=("_1", "_2"))
    kept = (merged["customer_id_1"] == merged["customer_id_2"]).mean()
    assert kept > 0.98
    assert second.stats["ids_n_kept_customer_ids"] >= 0.97 * first_run.stats["n_customers"]
    assert set(second.id_changes["change"]) <= {"merge", "split", "removed"}
    new_ids = second.records.loc[second.records["source_record_id"].str.startswith("NEW"), "customer_id"]
    assert new_ids.notna().all()


def test_config_from_dict_and_classifier_path(contacts, first_run):
    with pytest.raises(ValueError):
        ResolutionConfig.from_dict({"threshhold": 0.9})
    cfg = ResolutionConfig.from_dict({"threshold": 0.9, "blocking_rules": [{"name": "email", "key_sql": "email_std"}]})
    assert cfg.blocking_rules[0].name == "email"
    # labels from the first run's pairs (truth known here) train the classifier scorer
    truth = contacts["person_id"].to_numpy()
    pairs = first_run.pairs
    labels = pd.DataFrame({"left_record": pairs["left_record"], "right_record": pairs["right_record"],
                           "label": (truth[pairs["rid_l"]] == truth[pairs["rid_r"]]).astype(int)})
    res = resolve(contacts.drop(columns="person_id"), {"scorer": "classifier"}, labels=labels)
    scores = pairwise_scores_clusters(res.records["cluster"].to_numpy(), truth)
    assert scores["f1"] > 0.95
    assert np.isfinite(res.pairs["match_weight"]).all()


@pytest.mark.parametrize("n", [0, 1])
def test_tiny_inputs(n):
    contacts = pd.DataFrame({"source_system": ["crm"] * n, "source_record_id": [str(i) for i in range(n)],
                             "first_name": ["Jean"] * n, "last_name": ["Dupont"] * n})
    res = resolve(contacts)
    assert len(res.records) == n and len(res.golden) == n and res.pairs.empty
