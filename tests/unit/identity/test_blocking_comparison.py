"""Blocking (rules, union, exploding-block guard, recall) and per-field comparison levels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from python_models.identity.blocking import (
    BlockingRule,
    block,
    blocking_recall,
    recall_by_rule,
    true_pair_count,
)
from python_models.identity.comparison import (
    NULL_LEVEL,
    compare_pairs,
    default_comparisons,
    random_pairs,
)
from python_models.identity.standardise import standardise_contacts


def _contacts(rows: list[dict]) -> pd.DataFrame:
    for i, row in enumerate(rows):
        row.setdefault("source_system", "crm")
        row.setdefault("source_record_id", str(i))
    return pd.DataFrame(rows)


def test_union_of_rules_with_rule_masks_and_ordered_pairs():
    contacts = _contacts([
        {"first_name": "Jean", "last_name": "Dupont", "email": "jean.dupont@gmail.com", "birth_date": "1980-05-01"},
        {"first_name": "Jean", "last_name": "Dupond", "email": "JeanDupont@googlemail.com", "birth_date": "1980-05-01"},
        {"first_name": "Marie", "last_name": "Curie", "phone": "+33612345678"},
        {"first_name": "Marie", "last_name": "Curie", "phone_raw": "06 12 34 56 78"},
        {"first_name": "Paul", "last_name": "Martin"},
    ])
    std, _ = standardise_contacts(contacts)
    result = block(std)
    pairs = set(zip(result.pairs["rid_l"], result.pairs["rid_r"], strict=True))
    assert pairs == {(0, 1), (2, 3)}
    assert (result.pairs["rid_l"] < result.pairs["rid_r"]).all()
    masks = dict(zip(zip(result.pairs["rid_l"], result.pairs["rid_r"], strict=True), result.pairs["rules"], strict=True))
    assert {"email", "last_name_phonetic+birth_year+initial", "first_name+birth_date"} <= set(result.rules_of(masks[(0, 1)]))
    assert {"phone", "full_name"} <= set(result.rules_of(masks[(2, 3)]))
    assert result.rules_column().str.contains("email").sum() == 1
    assert result.capped.empty


def test_exploding_blocks_are_skipped_and_reported():
    rows = [{"first_name": f"P{i}", "last_name": "Martin", "birth_date": "1970-01-01" if i < 8 else "1971-02-02",
             "email": f"p{i}@x.fr"} for i in range(12)]
    std, _ = standardise_contacts(_contacts(rows))
    rules = [BlockingRule("last+year", "last_name_metaphone || '|' || CAST(birth_year AS VARCHAR)")]
    result = block(std, rules, max_block_size=5)
    # the 1970 block (8 records) explodes and is skipped; the 1971 block (4 records) gives 6 pairs
    assert len(result.capped) == 1
    assert result.capped.iloc[0]["n_records"] == 8 and result.capped.iloc[0]["rule"] == "last+year"
    assert len(result.pairs) == 6
    assert set(result.pairs["rid_l"]) | set(result.pairs["rid_r"]) == set(range(8, 12))
    stats = result.rule_stats.iloc[0]
    assert stats["n_capped_keys"] == 1 and stats["n_pairs"] == 6
    # a rule's own, tighter cap (broad keys such as a street or a common full name)
    tight = [BlockingRule("last+year", rules[0].key_sql, max_block_size=3)]
    result = block(std, tight, max_block_size=5)
    assert result.pairs.empty and sorted(result.capped["n_records"]) == [4, 8]


def test_blocking_recall_against_truth():
    pairs = pd.DataFrame({"rid_l": [0, 0, 3], "rid_r": [1, 2, 4], "rules": [1, 1, 1]})
    truth = np.array(["a", "a", "a", "b", "c"])
    rec = blocking_recall(pairs, truth)
    assert true_pair_count(truth) == 3
    assert rec["n_true_pairs_found"] == 2 and rec["recall"] == 2 / 3 and rec["n_candidate_pairs"] == 3
    assert recall_by_rule(type("R", (), {"pairs": pairs, "rule_names": ["x"]})(), truth).iloc[0]["n_true_pairs"] == 2


def _levels(rows: list[dict]) -> pd.DataFrame:
    std, _ = standardise_contacts(_contacts(rows))
    pairs = pd.DataFrame({"rid_l": np.arange(0, len(rows), 2), "rid_r": np.arange(1, len(rows), 2)})
    return compare_pairs(std, pairs)


def test_comparison_levels():
    comps = {c.name: c for c in default_comparisons()}
    out = _levels([
        # 0-1: swapped first/last names, gmail variants, same phone in two formats, day/month swapped
        {"first_name": "Dupont", "last_name": "Jean", "email": "j.dupont@gmail.com", "phone": "+33612345678",
         "birth_date": "1980-05-03", "street": "12 rue de la Paix", "postcode": "75002"},
        {"first_name": "Jean", "last_name": "Dupont", "email": "jdupont@googlemail.com", "phone_raw": "0612345678",
         "birth_date": "1980-03-05", "street": "12 R. de la Paix", "postcode": "75002"},
        # 2-3: nickname, typo in last name, e-mail typo, different birth date, other street number
        {"first_name": "Bob", "last_name": "Martin", "email": "bob.martin@orange.fr", "birth_date": "1970-01-01",
         "street": "5 avenue Foch", "postcode": "69003"},
        {"first_name": "Robert", "last_name": "Matrin", "email": "bob.martni@orange.fr", "birth_date": "1955-07-09",
         "street": "7 av Foch", "postcode": "69003"},
        # 4-5: full name only on one side, missing values
        {"full_name": "Marie Curie", "city": "Paris"},
        {"first_name": "Marie", "last_name": "Curie", "city": "PARIS"},
    ])
    label = {name: c.labels for name, c in comps.items()}

    def lv(row, name):
        value = int(out.iloc[row][name])
        return "null" if value == NULL_LEVEL else label[name][value]

    assert bool(out.iloc[0]["swapped"]) is True
    assert lv(0, "first_name") == "exact" and lv(0, "last_name") == "exact"
    assert lv(0, "email") == "exact" and lv(0, "phone") == "same_last_9_digits"
    assert lv(0, "birth_date") == "one_digit_or_transposition"
    assert lv(0, "address") == "exact" and lv(0, "full_name") == "null"
    assert lv(1, "first_name") == "exact"  # Bob -> robert
    assert lv(1, "last_name") == "damerau_levenshtein<=1"
    assert lv(1, "email") == "typo"
    assert lv(1, "birth_date") == "different"
    assert lv(1, "address") == "same_street_other_number"
    assert lv(2, "full_name") == "exact" and lv(2, "first_name") == "null" and lv(2, "email") == "null"
    assert lv(2, "locality") == "null" or lv(2, "locality") == "same_city_or_postcode_area"
    assert out.iloc[0]["tf_last_name"] > 0 and np.isnan(out.iloc[1]["tf_last_name"])


def test_random_pairs_are_distinct_and_ordered():
    small = random_pairs(10, 1000, seed=1)
    assert len(small) == 45 and (small["rid_l"] < small["rid_r"]).all()
    big = random_pairs(100_000, 5000, seed=2)
    assert len(big) == 5000 and not big.duplicated().any() and (big["rid_l"] < big["rid_r"]).all()
