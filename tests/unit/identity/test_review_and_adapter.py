"""The review label store and the dbt adapter's settings, without dbt."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from python_models.identity.calibration import review_sample
from python_models.identity.dbt_adapter import build_config, review_labels_table
from python_models.identity.golden_record import DEFAULT_FIELD_RULES
from python_models.identity.review import (
    LabelFileError,
    export_review_sample,
    import_labels,
    read_labels_file,
)


def _write(path, rows, columns=("pair_id", "left_record", "right_record", "match_probability", "sample_weight",
                                "label")):
    pd.DataFrame(rows, columns=list(columns)).to_csv(path, index=False)
    return path


def test_import_keeps_labelled_rows_orders_records_and_later_labels_win(tmp_path):
    store = tmp_path / "lake" / "review" / "identity_labels.csv"
    first = _write(tmp_path / "a.csv", [
        ("x", "crm:2", "crm:1", 0.9, 3.0, "1"),  # records given in reverse order
        ("y", "crm:3", "crm:4", 0.5, 2.0, ""),  # not labelled: skipped
        ("z", "crm:5", "crm:6", 0.2, 1.0, "no"),
    ])
    report = import_labels(first, store)
    assert (report.n_labelled, report.n_unlabelled, report.n_stored) == (2, 1, 2)
    second = _write(tmp_path / "b.csv", [("x", "crm:1", "crm:2", 0.9, 3.0, "0")])
    assert import_labels(second, store).n_stored == 2
    stored, _ = read_labels_file(store)
    assert dict(zip(stored["pair_id"], stored["label"].tolist(), strict=True)) == {"crm:1~crm:2": 0, "crm:5~crm:6": 0}


def test_import_refuses_unknown_labels_and_missing_columns_without_touching_the_store(tmp_path):
    store = tmp_path / "identity_labels.csv"
    import_labels(_write(tmp_path / "ok.csv", [("x", "crm:1", "crm:2", 0.9, 1.0, "1")]), store)
    before = store.read_text()
    with pytest.raises(LabelFileError, match=r"line 3: 'perhaps'"):
        import_labels(_write(tmp_path / "bad.csv", [("x", "crm:1", "crm:2", 0.9, 1.0, "1"),
                                                    ("y", "crm:3", "crm:4", 0.9, 1.0, "perhaps")]), store)
    with pytest.raises(LabelFileError, match="missing column"):
        import_labels(_write(tmp_path / "cols.csv", [("crm:1", "1")], columns=("left_record", "label")), store)
    assert store.read_text() == before


def test_labels_table_is_typed_and_empty_without_a_store(tmp_path):
    empty = review_labels_table(tmp_path / "none.csv")
    assert empty.num_rows == 0 and str(empty.schema.field("label").type) == "int64"
    store = tmp_path / "s.csv"
    import_labels(_write(tmp_path / "ok.csv", [("x", "crm:1", "crm:2", 0.9, 1.0, "yes")]), store)
    table = review_labels_table(store)
    assert table.column("label").to_pylist() == [1]


def test_build_config_reads_dbt_vars_and_seeds():
    nicknames = pd.DataFrame({"name": ["Robert"], "nickname": ["Bobby"]})
    priority = pd.DataFrame({"source_system": ["eshop", "crm"], "priority": [2, 1]})
    cfg = build_config("0.9", "{'max_cluster_size': 30}", nicknames, priority)
    assert cfg.threshold == 0.9 and cfg.max_cluster_size == 30
    assert cfg.nicknames == {"bobby": "robert"} and tuple(cfg.source_priority) == ("crm", "eshop")
    assert {r.name for r in cfg.survivorship_rules} == {r.name for r in DEFAULT_FIELD_RULES} | {"age_band",
                                                                                                 "income_band"}
    with pytest.raises(ValueError, match="identity_match_threshold"):
        build_config(1.5, {}, None, None)
    with pytest.raises(ValueError, match="unknown identity-resolution settings"):
        build_config(0.85, {"max_clustr_size": 3}, None, None)


def test_export_samples_scored_pairs_with_record_summaries():
    con = duckdb.connect()
    con.execute("create table int_identity__contacts as select * from (values "
                "('crm', '1', 'Ann', 'Lee'), ('crm', '2', 'Anne', 'Lee'), ('eshop', '9', 'Bob', 'Ray')) "
                "t(source_system, source_record_id, first_name, last_name)")
    con.execute("create table int_identity__scored_pairs as select * from (values "
                "('crm:1', 'crm:2', 0.95), ('crm:1', 'eshop:9', 0.01)) t(left_record, right_record, match_probability)")
    con.execute("create table int_identity__run_stats as select 'config_threshold' as stat, 0.85 as value")
    sample = export_review_sample(con, n=10)
    assert set(zip(sample["left_record"], sample["right_record"], strict=True)) == {("crm:1", "crm:2"),
                                                                                     ("crm:1", "eshop:9")}
    top = sample.iloc[0]
    assert top["match_probability"] == 0.95 and "first_name=Anne" in top["right_summary"]
    assert sample["label"].isna().all()


def test_review_sample_fills_its_size_when_bands_near_the_threshold_are_sparse():
    rng = np.random.default_rng(0)
    # most pairs are clear non-matches or clear matches; only 5 lie between 0.6 and 0.95
    p = np.concatenate([rng.uniform(0, 0.1, 900), rng.uniform(0.99, 1.0, 300), [0.65, 0.75, 0.82, 0.87, 0.93]])
    pairs = pd.DataFrame({"rid_l": np.arange(len(p)), "rid_r": np.arange(len(p)) + len(p), "match_probability": p})
    records = pd.DataFrame({"source_system": "crm", "source_record_id": [str(i) for i in range(2 * len(p))]})
    sample = review_sample(pairs, records, n=100, threshold=0.85, seed=0)
    assert len(sample) == 100 and sample["pair_id"].is_unique
    assert sample["match_probability"].between(0.6, 0.95).sum() == 5  # every scarce pair near the threshold
    # weights still reweight each band to its size
    band_sizes = sample.groupby("band")["sample_weight"].sum().round().sum()
    assert band_sizes == len(p)


def test_the_nickname_seed_and_the_library_table_say_the_same():
    # dbt builds read the seed, the library and the bench its own copy: they must not drift apart
    from pathlib import Path

    from python_models.identity.standardise import NICKNAMES_PATH, load_nicknames, nickname_table

    seed = pd.read_csv(Path(__file__).resolve().parents[3] / "dbt_project" / "seeds" / "identity_nicknames.csv",
                       dtype=str)
    assert nickname_table(zip(seed["name"], seed["nickname"], strict=True)) == load_nicknames(NICKNAMES_PATH)
