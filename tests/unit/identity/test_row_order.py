"""The dbt adapter resolves the same contacts to the same pairs and weights whatever their row order."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from python_models.identity import resolve
from python_models.identity.dbt_adapter import contacts_frame

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench" / "identity"))
from synth import make_contacts  # noqa: E402


def _pairs(contacts: pd.DataFrame) -> pd.DataFrame:
    pairs = resolve(contacts_frame(contacts)).pairs
    return pairs[["left_record", "right_record", "match_weight"]].sort_values(["left_record", "right_record"],
                                                                              ignore_index=True)


def test_shuffled_rows_give_identical_pairs_and_weights():
    contacts = make_contacts(300, seed=3).drop(columns="person_id")
    shuffled = contacts.sample(frac=1.0, random_state=1).reset_index(drop=True)
    assert not shuffled["source_record_id"].equals(contacts["source_record_id"])
    pd.testing.assert_frame_equal(_pairs(contacts), _pairs(shuffled), check_exact=True)
