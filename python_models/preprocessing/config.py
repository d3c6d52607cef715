"""Per-column preprocessing configuration, from a plain dict (YAML/JSON/dbt var) or inferred from dtypes.

Config shape (every key optional except the column lists)::

    {
      "defaults": {
        "numeric": {"impute": "median", "indicator": "auto", "scale": "standard", "log1p": false},
        "categorical": {"impute": "constant", "fill_value": "missing", "encode": "onehot",
                        "min_frequency": 0.01}
      },
      "numeric": {"recency_days": {"log1p": true}, "monetary": {"impute": "knn"}},
      "categorical": {
        "channel": {},
        "age_band": {"encode": "ordinal", "order": ["18-24", "25-34", "35-44"]}
      }
    }

``numeric``/``categorical`` may also be plain lists of column names (defaults apply).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

import pandas as pd

NUMERIC_IMPUTE = ("median", "knn")
SCALERS = ("standard", "minmax", "none")
CATEGORICAL_IMPUTE = ("most_frequent", "constant")
ENCODERS = ("onehot", "ordinal")


@dataclass(frozen=True)
class NumericSpec:
    """How one numeric column becomes one (or two, with an indicator) model features.

    Order of operations: impute (in original units) -> optional log1p -> scale.
    ``indicator``: True, False, or "auto" (added only if the column has missing values at fit time).
    ``log1p`` clips negative values to 0 first (log1p is meant for counts and amounts).
    """

    name: str
    impute: str = "median"
    indicator: bool | str = "auto"
    scale: str = "standard"
    log1p: bool = False
    knn_neighbors: int = 5

    def __post_init__(self) -> None:
        if self.impute not in NUMERIC_IMPUTE:
            raise ValueError(f"{self.name}: impute must be one of {NUMERIC_IMPUTE}, got {self.impute!r}")
        if self.scale not in SCALERS:
            raise ValueError(f"{self.name}: scale must be one of {SCALERS}, got {self.scale!r}")
        if self.indicator not in (True, False, "auto"):
            raise ValueError(f"{self.name}: indicator must be true, false or 'auto'")
        if self.knn_neighbors < 1:
            raise ValueError(f"{self.name}: knn_neighbors must be >= 1")


@dataclass(frozen=True)
class CategoricalSpec:
    """How one categorical column is imputed and encoded.

    onehot: ``handle_unknown='ignore'`` (unseen category -> all zeros), categories rarer than
    ``min_frequency`` (count if int, share if float) are grouped into one ``<col>__other`` feature.
    ordinal: codes follow ``order`` (declared order; learned sorted order if omitted); unknown and
    missing values both encode to ``encoded_missing_value``.
    """

    name: str
    impute: str = "constant"
    fill_value: str = "missing"
    encode: str = "onehot"
    min_frequency: float | int | None = None
    order: tuple[str, ...] | None = None
    encoded_missing_value: int | float = -1

    def __post_init__(self) -> None:
        if self.impute not in CATEGORICAL_IMPUTE:
            raise ValueError(f"{self.name}: impute must be one of {CATEGORICAL_IMPUTE}, got {self.impute!r}")
        if self.encode not in ENCODERS:
            raise ValueError(f"{self.name}: encode must be one of {ENCODERS}, got {self.encode!r}")
        if self.order is not None:
            object.__setattr__(self, "order", tuple(str(v) for v in self.order))
            if len(set(self.order)) != len(self.order):
                raise ValueError(f"{self.name}: order has duplicates")


@dataclass(frozen=True)
class PreprocessingConfig:
    numeric: tuple[NumericSpec, ...] = field(default_factory=tuple)
    categorical: tuple[CategoricalSpec, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        names = [s.name for s in self.numeric] + [s.name for s in self.categorical]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"columns configured twice: {dupes}")
        if not names:
            raise ValueError("preprocessing config has no columns")

    @property
    def columns(self) -> list[str]:
        return [s.name for s in self.numeric] + [s.name for s in self.categorical]

    @classmethod
    def from_dict(cls, cfg: dict[str, Any]) -> PreprocessingConfig:
        defaults = cfg.get("defaults", {}) or {}
        unknown = set(cfg) - {"defaults", "numeric", "categorical"}
        if unknown:
            raise ValueError(f"unknown preprocessing config keys: {sorted(unknown)}")
        num = [
            _make(NumericSpec, name, {**defaults.get("numeric", {}), **opts})
            for name, opts in _items(cfg.get("numeric", {}))
        ]
        cat = [
            _make(CategoricalSpec, name, {**defaults.get("categorical", {}), **opts})
            for name, opts in _items(cfg.get("categorical", {}))
        ]
        return cls(numeric=tuple(num), categorical=tuple(cat))

    def to_dict(self) -> dict[str, Any]:
        def strip(spec: Any) -> dict[str, Any]:
            d = asdict(spec)
            d.pop("name")
            if d.get("order") is not None:
                d["order"] = list(d["order"])
            return d

        return {
            "numeric": {s.name: strip(s) for s in self.numeric},
            "categorical": {s.name: strip(s) for s in self.categorical},
        }


def _items(section: Any) -> list[tuple[str, dict[str, Any]]]:
    if isinstance(section, dict):
        return [(str(k), dict(v or {})) for k, v in section.items()]
    return [(str(k), {}) for k in section]


def _make(kind: type, name: str, opts: dict[str, Any]) -> Any:
    allowed = {f.name for f in fields(kind)} - {"name"}
    bad = set(opts) - allowed
    if bad:
        raise ValueError(f"{name}: unknown options {sorted(bad)} (allowed: {sorted(allowed)})")
    return kind(name=name, **opts)


def infer_config(
    df: pd.DataFrame,
    *,
    exclude: tuple[str, ...] | list[str] = (),
    numeric_defaults: dict[str, Any] | None = None,
    categorical_defaults: dict[str, Any] | None = None,
    max_onehot_levels: int = 50,
) -> PreprocessingConfig:
    """Numeric/bool dtypes -> numeric spec; everything else -> categorical (one-hot, rare levels grouped)."""
    numeric_defaults = numeric_defaults or {}
    categorical_defaults = {"min_frequency": 0.005, **(categorical_defaults or {})}
    num, cat = [], []
    for col in df.columns:
        if col in exclude:
            continue
        s = df[col]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            num.append(NumericSpec(name=str(col), **numeric_defaults))
        else:
            opts = dict(categorical_defaults)
            if s.nunique(dropna=True) > max_onehot_levels and "min_frequency" not in (categorical_defaults or {}):
                opts["min_frequency"] = max(opts.get("min_frequency") or 0, 1.0 / max_onehot_levels)
            cat.append(CategoricalSpec(name=str(col), **opts))
    return PreprocessingConfig(numeric=tuple(num), categorical=tuple(cat))
