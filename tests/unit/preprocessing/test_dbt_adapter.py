"""The feature-matrix adapter: config coverage, persistence, and the check that catalog/params read the
fit that produced the warehouse's matrix. Plus the dbt project's own preprocessing config."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from python_models.preprocessing import PreprocessingConfig, load_preprocessor
from python_models.preprocessing.dbt_adapter import (
    build_feature_matrix,
    catalog_table,
    check_coverage,
    columns_to_read,
    params_table,
    split_config,
)
from tests.conftest import REPO_ROOT

FEATURES_DIR = REPO_ROOT / "dbt_project" / "models"

CONFIG = {
    "exclude": ["top_category"],
    "numeric": {"order_count": {"log1p": True}, "age_years": {}},
    "categorical": {
        "preferred_device": {},
        "area_urbanity": {"encode": "ordinal", "order": ["rural", "suburban", "urban"]},
    },
}


@pytest.fixture
def features() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "features_cutoff_at_utc": pd.Timestamp("2026-07-01"),
            "order_count": [0, 3, 1, 10],
            "age_years": [30.0, np.nan, 50.0, 40.0],
            "preferred_device": ["mobile", "desktop", None, "mobile"],
            "area_urbanity": ["urban", "rural", "urban", None],
            "top_category": ["fashion", "home", None, "kids"],
        }
    )


def test_matrix_rows_columns_and_imputation(features, tmp_path):
    m = build_feature_matrix(features, CONFIG, tmp_path)
    assert list(m["customer_id"]) == ["a", "b", "c", "d"]
    assert "top_category" not in " ".join(m.columns)
    # the missing age is imputed with the median of the others (40), then standard-scaled
    ages = np.array([30.0, 40.0, 50.0, 40.0])
    np.testing.assert_allclose(m["age_years"], (ages - ages.mean()) / ages.std())
    np.testing.assert_array_equal(m["age_years__missing"], [0, 1, 0, 0])
    assert m["area_urbanity"].tolist() == [2, 0, 2, -1]  # declared order; missing -> -1
    assert {"preferred_device__mobile", "preferred_device__desktop", "preferred_device__missing"} <= set(m.columns)


def test_persisted_preprocessor_scores_new_rows_with_unseen_categories(features, tmp_path):
    m = build_feature_matrix(features, CONFIG, tmp_path)
    pre = load_preprocessor(tmp_path)
    new = features.iloc[[0]].assign(preferred_device="smart_tv", area_urbanity="space_station")
    row = pre.transform(new)
    assert list(row.columns) == [c for c in m.columns if c != "customer_id"]
    device_cols = [c for c in row.columns if c.startswith("preferred_device__")]
    assert (row[device_cols] == 0).all(axis=None)  # unseen one-hot category -> all zeros
    assert row["area_urbanity"].iloc[0] == -1
    np.testing.assert_allclose(row.to_numpy(), m.drop(columns="customer_id").iloc[[0]].assign(
        **{c: 0.0 for c in device_cols}, area_urbanity=-1.0).to_numpy())


def test_only_configured_columns_are_read_and_give_the_same_matrix(features, tmp_path):
    wanted = columns_to_read(list(features.columns), CONFIG)
    assert wanted == ["customer_id", "features_cutoff_at_utc", "order_count", "age_years",
                      "preferred_device", "area_urbanity"]
    full = build_feature_matrix(features, CONFIG, tmp_path / "full")
    narrow = build_feature_matrix(features[wanted], CONFIG, tmp_path / "narrow", all_columns=list(features.columns))
    pd.testing.assert_frame_equal(full, narrow)
    with pytest.raises(ValueError, match="no preprocessing decision.*ghost"):
        build_feature_matrix(features[wanted], CONFIG, tmp_path, all_columns=[*features.columns, "ghost"])


def test_undecided_or_unknown_columns_stop_the_build(features, tmp_path):
    with pytest.raises(ValueError, match="no preprocessing decision.*top_category"):
        build_feature_matrix(features, {k: v for k, v in CONFIG.items() if k != "exclude"}, tmp_path)
    with pytest.raises(ValueError, match="does not have.*ghost"):
        check_coverage(["customer_id", "x"], {"numeric": ["x", "ghost"]}, [])
    with pytest.raises(ValueError, match="one non-null customer_id"):
        build_feature_matrix(pd.concat([features, features.iloc[[0]]]), CONFIG, tmp_path)


def test_catalog_and_params_refuse_a_fit_of_another_matrix(features, tmp_path):
    m = build_feature_matrix(features, CONFIG, tmp_path)
    cols, ids = list(m.columns), m["customer_id"]
    catalog = catalog_table(tmp_path, cols, ids)
    assert catalog["feature"].tolist() == cols[1:]
    assert catalog["feature_position"].tolist() == list(range(1, len(cols)))
    assert catalog.loc[catalog.feature == "age_years", "share_imputed"].item() == pytest.approx(0.25)
    params = params_table(tmp_path, cols, ids)
    median = params.query("column_name == 'age_years' and param == 'median'")["value"].item()
    assert json.loads(median) == 40.0
    with pytest.raises(RuntimeError, match="not fitted for"):
        catalog_table(tmp_path, cols, ids.replace("a", "z"))
    with pytest.raises(RuntimeError, match="not fitted for"):
        params_table(tmp_path, cols[:-1], ids)


def _model(yml: str, name: str) -> dict:
    doc = yaml.safe_load((FEATURES_DIR / yml).read_text())
    return next(m for m in doc["models"] if m["name"] == name)


def test_project_config_is_valid_and_decides_every_contract_column():
    matrix = _model("intermediate/features/_features__models.yml", "int_features__feature_matrix")
    pre_config, exclude = split_config(matrix["config"]["preprocessing"])
    PreprocessingConfig.from_dict(pre_config)  # raises on a bad option
    contract = _model("marts/features/_features__models.yml", "customer_features")
    check_coverage([c["name"] for c in contract["columns"]], pre_config, exclude)
