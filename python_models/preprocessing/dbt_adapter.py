"""What the dbt Python models of ``models/intermediate/features/`` call.

``int_features__feature_matrix`` fits a :class:`FeaturePreprocessor` on ``customer_features`` per the
config in the model's YAML, persists it under ``artifacts_dir()/preprocessor/`` and returns
``customer_id`` + the matrix. The catalog and parameter models read the persisted preprocessor back
and check it is the one the matrix in the warehouse came from (same feature names, same rows), so a
partial build can never describe another fit.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd

from python_models.preprocessing.pipeline import FeaturePreprocessor, load_preprocessor

ALWAYS_EXCLUDED = ("customer_id", "features_cutoff_at_utc")
FIT_FILE = "fit.json"


def split_config(config: dict[str, Any] | None) -> tuple[dict[str, Any], list[str]]:
    """(FeaturePreprocessor config, excluded columns) from the YAML dict."""
    config = dict(config or {})
    exclude = list(config.pop("exclude", None) or [])
    return config, exclude


def check_coverage(columns: list[str], config: dict[str, Any], exclude: list[str]) -> None:
    """Every feature column is either configured or explicitly excluded: a new feature never enters
    (or silently stays out of) the matrix without a decision."""
    configured = set(_names(config.get("numeric"))) | set(_names(config.get("categorical")))
    decided = configured | set(exclude) | set(ALWAYS_EXCLUDED)
    undecided = [c for c in columns if c not in decided]
    if undecided:
        raise ValueError(
            "customer_features columns with no preprocessing decision (add them under numeric, "
            f"categorical or exclude in the feature matrix config): {undecided}"
        )
    unknown = sorted((configured | set(exclude)) - set(columns))
    if unknown:
        raise ValueError(f"preprocessing config names columns customer_features does not have: {unknown}")


def columns_to_read(all_columns: list[str], config: dict[str, Any] | None) -> list[str]:
    """The customer_features columns the matrix needs (after checking every column is decided), so
    the Python model reads only those from the warehouse."""
    pre_config, exclude = split_config(config)
    check_coverage(list(all_columns), pre_config, exclude)
    configured = set(_names(pre_config.get("numeric"))) | set(_names(pre_config.get("categorical")))
    return [c for c in all_columns if c in configured or c in ALWAYS_EXCLUDED]


def build_feature_matrix(
    features: pd.DataFrame, config: dict[str, Any] | None, out_dir: Path, all_columns: list[str] | None = None
) -> pd.DataFrame:
    """Fit, persist under ``out_dir`` and return ``customer_id`` + one float column per feature.

    ``all_columns``: every column of customer_features when ``features`` holds only
    :func:`columns_to_read` (the coverage check is about the whole table)."""
    if features["customer_id"].isna().any() or features["customer_id"].duplicated().any():
        raise ValueError("customer_features must have one non-null customer_id per row")
    pre_config, exclude = split_config(config)
    check_coverage(list(all_columns or features.columns), pre_config, exclude)
    pre = FeaturePreprocessor(config=pre_config).fit(features)
    matrix = pre.transform(features)
    pre.save(out_dir)
    fit = {
        "n_rows": len(features),
        "customers_sha256": _fingerprint(features["customer_id"]),
        "features": list(matrix.columns),
        "excluded_columns": exclude,
        "features_cutoff_at_utc": _cutoff(features),
    }
    (Path(out_dir) / FIT_FILE).write_text(json.dumps(fit, indent=2))
    matrix.insert(0, "customer_id", features["customer_id"].astype(str).to_numpy())
    return matrix.reset_index(drop=True)


def load_checked(out_dir: Path, matrix_columns: list[str], customer_ids: pd.Series) -> FeaturePreprocessor:
    """The persisted preprocessor, after checking it produced the warehouse's matrix (its columns and
    customer ids)."""
    fit = json.loads((Path(out_dir) / FIT_FILE).read_text())
    features = [c for c in matrix_columns if c != "customer_id"]
    if features != fit["features"] or _fingerprint(customer_ids) != fit["customers_sha256"]:
        raise RuntimeError(
            f"the preprocessor in {out_dir} was not fitted for the int_features__feature_matrix in the "
            "warehouse (another build wrote it): rebuild int_features__feature_matrix+"
        )
    return load_preprocessor(out_dir)


def catalog_table(out_dir: Path, matrix_columns: list[str], customer_ids: pd.Series) -> pd.DataFrame:
    """One row per matrix column: position, feature, source_column, kind, category, transform, share_imputed."""
    pre = load_checked(out_dir, matrix_columns, customer_ids)
    table = pre.describe()
    table.insert(0, "feature_position", range(1, len(table) + 1))
    table["category"] = table["category"].astype(object).where(table["category"].notna(), None)
    return table


def params_table(out_dir: Path, matrix_columns: list[str], customer_ids: pd.Series) -> pd.DataFrame:
    """Long table of fitted parameters: column_name, column_kind, param, value (JSON text)."""
    return load_checked(out_dir, matrix_columns, customer_ids).params_table()


def _names(section: Any) -> list[str]:
    if not section:
        return []
    return [str(k) for k in (section.keys() if isinstance(section, dict) else section)]


def _fingerprint(ids: pd.Series) -> str:
    joined = "\n".join(sorted(ids.astype(str)))
    return hashlib.sha256(joined.encode()).hexdigest()


def _cutoff(features: pd.DataFrame) -> str | None:
    if "features_cutoff_at_utc" not in features.columns or features.empty:
        return None
    return str(features["features_cutoff_at_utc"].iloc[0])
