"""Config-driven preprocessing: a scikit-learn Pipeline of two ColumnTransformers, wrapped so that its
output is a DataFrame with readable feature names, a per-feature description table, and a JSON of the
fitted parameters (medians, scaler statistics, categories) that can be loaded into the warehouse.

Stage 1 ("impute") works in original units: median / KNN imputation, missing indicators, categorical
imputation. Stage 2 ("encode") applies log1p and scaling to numeric columns and one-hot / ordinal
encoding to categorical ones. The same fitted object is persisted (joblib) and reused for scoring and
real-time assignment, so training and serving apply exactly the same transform.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
    StandardScaler,
)
from sklearn.utils.validation import check_is_fitted

from python_models.preprocessing.config import (
    CategoricalSpec,
    NumericSpec,
    PreprocessingConfig,
    infer_config,
)
from python_models.preprocessing.fast_transform import TransformPlan, compile_plan
from python_models.preprocessing.transformers import ScaledKNNImputer, expm1, log1p_clipped

MODEL_FILE = "preprocessor.joblib"
PARAMS_FILE = "preprocessor_params.json"


def slug(value: Any) -> str:
    """Readable, SQL-friendly token for a category value."""
    s = re.sub(r"[^0-9a-zA-Z]+", "_", str(value)).strip("_").lower()
    return s or "blank"


def _numeric_values(s: pd.Series) -> np.ndarray:
    """A numeric column as float64; booleans as 0/1, values that are not numbers as NaN."""
    if pd.api.types.is_bool_dtype(s):
        s = s.astype("float64")
    return pd.to_numeric(s, errors="coerce").astype("float64").to_numpy()


def _indicator_name(col: str) -> str:
    return f"missingindicator_{col}"


def build_pipeline(config: PreprocessingConfig, indicator_columns: list[str]) -> Pipeline:
    """The unfitted two-stage scikit-learn Pipeline for a config (indicators already resolved)."""
    impute: list[tuple[str, Any, list[str]]] = []
    knn_groups: dict[int, list[str]] = {}
    num_ix = {s.name: i for i, s in enumerate(config.numeric)}
    for i, spec in enumerate(config.numeric):
        if spec.impute == "median":
            impute.append((f"impute_n{i}", SimpleImputer(strategy="median", keep_empty_features=True), [spec.name]))
        else:
            knn_groups.setdefault(spec.knn_neighbors, []).append(spec.name)
    all_numeric = [s.name for s in config.numeric]
    for k, cols in knn_groups.items():
        # every numeric column is neighbour context; only the KNN-configured ones are imputed here
        impute.append((f"impute_knn{k}", ScaledKNNImputer(n_neighbors=k, targets=cols), all_numeric))
    for j, spec in enumerate(config.categorical):
        imp = (
            SimpleImputer(strategy="most_frequent", keep_empty_features=True)
            if spec.impute == "most_frequent"
            else SimpleImputer(strategy="constant", fill_value=spec.fill_value, keep_empty_features=True)
        )
        impute.append((f"impute_c{j}", imp, [spec.name]))
    for col in indicator_columns:
        impute.append((f"missing_n{num_ix[col]}", MissingIndicator(features="all"), [col]))
    stage1 = ColumnTransformer(impute, verbose_feature_names_out=False, sparse_threshold=0.0)
    stage1.set_output(transform="pandas")

    encode: list[tuple[str, Any, list[str]]] = []
    for i, spec in enumerate(config.numeric):
        steps: list[tuple[str, Any]] = []
        if spec.log1p:
            steps.append(
                (
                    "log1p",
                    FunctionTransformer(
                        log1p_clipped, inverse_func=expm1, feature_names_out="one-to-one", check_inverse=False
                    ),
                )
            )
        if spec.scale == "standard":
            steps.append(("scale", StandardScaler()))
        elif spec.scale == "minmax":
            steps.append(("scale", MinMaxScaler()))
        encode.append((f"num_n{i}", Pipeline(steps) if steps else "passthrough", [spec.name]))
    for col in indicator_columns:
        encode.append((f"ind_n{num_ix[col]}", "passthrough", [_indicator_name(col)]))
    for j, spec in enumerate(config.categorical):
        if spec.encode == "onehot":
            enc: Any = OneHotEncoder(
                handle_unknown="ignore", min_frequency=spec.min_frequency, sparse_output=False, dtype=np.float64
            )
        else:
            enc = OrdinalEncoder(
                categories=[list(spec.order)] if spec.order else "auto",
                handle_unknown="use_encoded_value",
                unknown_value=_code(spec.encoded_missing_value),
                encoded_missing_value=_code(spec.encoded_missing_value),
            )
        encode.append((f"cat_c{j}", enc, [spec.name]))
    stage2 = ColumnTransformer(encode, verbose_feature_names_out=True, sparse_threshold=0.0)
    return Pipeline([("impute", stage1), ("encode", stage2)])


class FeaturePreprocessor(TransformerMixin, BaseEstimator):
    """Fit/transform customer features per a :class:`PreprocessingConfig` (or dict, or inferred).

    ``transform`` returns a float DataFrame indexed like the input with readable feature names:
    ``<col>`` (numeric / ordinal), ``<col>__missing`` (indicator), ``<col>__<category>`` and
    ``<col>__other`` (one-hot, grouped rare categories).

    ``fit_max_rows``: fit the statistics (medians, scalers, categories) on a seeded sample of at most
    that many rows (None: every row). Past a few hundred thousand rows they no longer move, and the
    encoders' fit on object columns was a minute per model at 1M customers. Missing shares (which
    decide the indicators) are still measured on every row.
    """

    def __init__(self, config: PreprocessingConfig | dict | None = None, exclude: tuple[str, ...] = (),
                 fit_max_rows: int | None = None):
        self.config = config
        self.exclude = exclude
        self.fit_max_rows = fit_max_rows

    # ------------------------------------------------------------------ fit / transform
    def fit(self, X: pd.DataFrame, y=None):
        if not isinstance(X, pd.DataFrame):
            raise TypeError("FeaturePreprocessor expects a pandas DataFrame")
        cfg = self.config
        if cfg is None:
            cfg = infer_config(X, exclude=tuple(self.exclude))
        elif isinstance(cfg, dict):
            cfg = PreprocessingConfig.from_dict(cfg)
        self.config_ = cfg
        missing_cols = [c for c in cfg.columns if c not in X.columns]
        if missing_cols:
            raise KeyError(f"columns in config but not in data: {missing_cols}")
        # what _prepare turns into NaN, measured on every row without preparing them all
        self.missing_share_ = {
            **{s.name: float(np.isnan(_numeric_values(X[s.name])).mean()) if len(X) else 0.0 for s in cfg.numeric},
            **{s.name: float(X[s.name].isna().mean()) if len(X) else 0.0 for s in cfg.categorical},
        }
        # sample before _prepare: its object copies of every categorical column cost gigabytes at 1M rows
        if self.fit_max_rows is not None and len(X) > self.fit_max_rows:
            X = X.sample(n=self.fit_max_rows, random_state=0)
        Xc = self._prepare(X)
        self.n_rows_fit_ = len(Xc)
        self.indicator_columns_ = [
            s.name
            for s in cfg.numeric
            if s.indicator is True or (s.indicator == "auto" and self.missing_share_[s.name] > 0)
        ]
        self.pipeline_ = build_pipeline(cfg, self.indicator_columns_).fit(Xc)
        self.__dict__.pop("fast_plan_", None)  # a refit compiles its own
        self._build_feature_meta()
        self.fitted_at_ = datetime.now(UTC).isoformat(timespec="seconds")
        return self

    transform_chunk_rows = 100_000

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "pipeline_")
        # In chunks, into one preallocated array: the per-column steps copy their input several
        # times over, which at a million rows meant gigabytes held at once for a 1.4 GB result.
        out = np.empty((len(X), len(self.feature_names_)), dtype=np.float64)
        step = max(1, int(self.transform_chunk_rows))
        plan = self.fast_plan()
        for start in range(0, len(X), step):
            Xc = self._prepare(X.iloc[start : start + step])
            out[start : start + step] = plan.transform(Xc) if plan is not None else np.asarray(
                self.pipeline_.transform(Xc), dtype=np.float64)
        return pd.DataFrame(out, columns=self.feature_names_, index=X.index)

    def fast_plan(self) -> TransformPlan | None:
        """The whole-column form of the fitted pipeline (see fast_transform.py), or None when it
        cannot reproduce it; compiled once, also for a preprocessor persisted before it existed."""
        if not hasattr(self, "fast_plan_"):
            plan = compile_plan(self.pipeline_)
            self.fast_plan_ = plan if plan is not None and plan.width == len(self.feature_names_) else None
        return self.fast_plan_

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "pipeline_")
        return np.asarray(self.feature_names_, dtype=object)

    def _prepare(self, X: pd.DataFrame) -> pd.DataFrame:
        cfg = self.config_
        cols: dict[str, Any] = {}
        for spec in cfg.numeric:
            cols[spec.name] = _numeric_values(X[spec.name])
        for spec in cfg.categorical:
            s = X[spec.name]
            if pd.api.types.is_float_dtype(s):
                v = s.dropna()
                if len(v) and np.all(np.mod(v.to_numpy(), 1) == 0):
                    s = s.astype("Int64")  # 3.0 -> "3", as an integer-coded category reads
            arr = s.astype(object).to_numpy()
            mask = pd.isna(arr)
            out = arr.astype(str).astype(object)
            out[mask] = np.nan
            cols[spec.name] = out
        return pd.DataFrame(cols, index=X.index)

    # ------------------------------------------------------------------ metadata
    def _build_feature_meta(self) -> None:
        cfg = self.config_
        stage1: ColumnTransformer = self.pipeline_.named_steps["impute"]
        stage2: ColumnTransformer = self.pipeline_.named_steps["encode"]
        meta: list[dict[str, Any]] = []
        for name, fitted, _cols in stage2.transformers_:
            if name == "remainder":
                continue
            sl = stage2.output_indices_[name]
            width = sl.stop - sl.start
            before = len(meta)
            kind, ix = name.split("_", 1)
            ix = int(ix[1:])
            if kind == "num":
                meta.append(self._num_meta(cfg.numeric[ix], ix, stage1))
            elif kind == "ind":
                col = cfg.numeric[ix].name
                meta.append(
                    {
                        "feature": f"{col}__missing",
                        "source_column": col,
                        "kind": "missing_indicator",
                        "category": None,
                        "transform": "1 if missing else 0",
                    }
                )
            else:
                spec = cfg.categorical[ix]
                col = spec.name
                imp = self._cat_impute_text(spec, ix, stage1)
                if spec.encode == "ordinal":
                    meta.append(
                        {
                            "feature": col,
                            "source_column": col,
                            "kind": "ordinal",
                            "category": None,
                            "transform": f"{imp} -> ordinal code ({'declared' if spec.order else 'sorted'} order; "
                            f"unknown/missing = {spec.encoded_missing_value:g})",
                        }
                    )
                else:
                    cats = list(fitted.categories_[0])
                    infreq = _infrequent(fitted)
                    frequent = [c for c in cats if c not in set(infreq)]
                    for c in frequent:
                        meta.append(
                            {
                                "feature": f"{col}__{slug(c)}",
                                "source_column": col,
                                "kind": "onehot",
                                "category": str(c),
                                "transform": f"{imp} -> one-hot ({c})",
                            }
                        )
                    if infreq:
                        meta.append(
                            {
                                "feature": f"{col}__other",
                                "source_column": col,
                                "kind": "onehot",
                                "category": "__other__",
                                "transform": f"{imp} -> one-hot (rare: {len(infreq)} categories grouped)",
                            }
                        )
            if len(meta) - before != width:
                raise RuntimeError(f"feature naming out of sync for {name}: {len(meta) - before} != {width}")
        seen: dict[str, int] = {}
        for m in meta:
            base = m["feature"]
            if base in seen:
                seen[base] += 1
                m["feature"] = f"{base}_{seen[base]}"
            else:
                seen[base] = 1
            m["share_imputed"] = self.missing_share_[m["source_column"]]
        self.feature_meta_ = meta
        self.feature_names_ = [m["feature"] for m in meta]

    def _num_meta(self, spec: NumericSpec, ix: int, stage1: ColumnTransformer) -> dict[str, Any]:
        if spec.impute == "median":
            med = float(stage1.named_transformers_[f"impute_n{ix}"].statistics_[0])
            parts = [f"median impute ({med:.6g})"]
        else:
            parts = [f"KNN impute (k={spec.knn_neighbors})"]
        if spec.log1p:
            parts.append("log1p")
        if spec.scale != "none":
            parts.append(f"{spec.scale} scale")
        return {
            "feature": spec.name,
            "source_column": spec.name,
            "kind": "numeric",
            "category": None,
            "transform": " -> ".join(parts),
        }

    @staticmethod
    def _cat_impute_text(spec: CategoricalSpec, ix: int, stage1: ColumnTransformer) -> str:
        imp = stage1.named_transformers_[f"impute_c{ix}"]
        if spec.impute == "most_frequent":
            return f"most-frequent impute ({imp.statistics_[0]})"
        return f"constant impute ({spec.fill_value})"

    def describe(self) -> pd.DataFrame:
        """One row per output feature: feature, source_column, kind, category, transform, share_imputed."""
        check_is_fitted(self, "pipeline_")
        cols = ["feature", "source_column", "kind", "category", "transform", "share_imputed"]
        return pd.DataFrame(self.feature_meta_, columns=cols)

    # ------------------------------------------------------------------ fitted parameters
    def fitted_params(self) -> dict[str, Any]:
        """JSON-serialisable fitted parameters (medians, scaler statistics, categories, ...)."""
        check_is_fitted(self, "pipeline_")
        stage1: ColumnTransformer = self.pipeline_.named_steps["impute"]
        stage2: ColumnTransformer = self.pipeline_.named_steps["encode"]
        numeric: dict[str, Any] = {}
        for i, spec in enumerate(self.config_.numeric):
            p: dict[str, Any] = {
                "impute": spec.impute,
                "share_missing_at_fit": self.missing_share_[spec.name],
                "missing_indicator": spec.name in self.indicator_columns_,
                "log1p": spec.log1p,
                "scale": spec.scale,
            }
            if spec.impute == "median":
                p["median"] = float(stage1.named_transformers_[f"impute_n{i}"].statistics_[0])
            else:
                knn = stage1.named_transformers_[f"impute_knn{spec.knn_neighbors}"]
                j = list(knn.feature_names_in_).index(spec.name)
                p.update(
                    knn_neighbors=spec.knn_neighbors,
                    knn_fit_mean=float(knn.mean_[j]),
                    knn_fit_std=float(knn.scale_[j]),
                )
            scaler = self._scaler(stage2, i)
            if isinstance(scaler, StandardScaler):
                p.update(mean=float(scaler.mean_[0]), std=float(scaler.scale_[0]))
            elif isinstance(scaler, MinMaxScaler):
                p.update(min=float(scaler.data_min_[0]), max=float(scaler.data_max_[0]))
            if spec.log1p and scaler is not None:
                p["scaler_statistics_on"] = "log1p(value)"
            numeric[spec.name] = p
        categorical: dict[str, Any] = {}
        for j, spec in enumerate(self.config_.categorical):
            imp = stage1.named_transformers_[f"impute_c{j}"]
            enc = stage2.named_transformers_[f"cat_c{j}"]
            p = {
                "impute": spec.impute,
                "fill_value": str(imp.statistics_[0]) if spec.impute == "most_frequent" else spec.fill_value,
                "share_missing_at_fit": self.missing_share_[spec.name],
                "encode": spec.encode,
                "categories": [str(c) for c in enc.categories_[0]],
            }
            if spec.encode == "onehot":
                p["min_frequency"] = spec.min_frequency
                p["infrequent_categories"] = [str(c) for c in _infrequent(enc)]
            else:
                p["encoded_missing_value"] = spec.encoded_missing_value
                p["order_declared"] = spec.order is not None
            categorical[spec.name] = p
        return {
            "fitted_at": self.fitted_at_,
            "n_rows_fit": self.n_rows_fit_,
            "sklearn_version": sklearn.__version__,
            "config": self.config_.to_dict(),
            "numeric": numeric,
            "categorical": categorical,
            "features": self.describe().replace({np.nan: None}).to_dict(orient="records"),
        }

    def params_table(self) -> pd.DataFrame:
        """Long table (column, param, value_json) of the fitted parameters, ready for a warehouse table."""
        params = self.fitted_params()
        rows = []
        for section in ("numeric", "categorical"):
            for col, p in params[section].items():
                for k, v in p.items():
                    rows.append({"column_name": col, "column_kind": section, "param": k, "value": json.dumps(v)})
        return pd.DataFrame(rows, columns=["column_name", "column_kind", "param", "value"])

    @staticmethod
    def _scaler(stage2: ColumnTransformer, ix: int):
        t = stage2.named_transformers_[f"num_n{ix}"]
        if isinstance(t, Pipeline) and "scale" in t.named_steps:
            return t.named_steps["scale"]
        return None

    def inverse_transform_features(self, F: pd.DataFrame | np.ndarray) -> pd.DataFrame:
        """Map model-space values (e.g. centroids) back to original units for numeric features.

        Numeric features are unscaled and (if log1p) exponentiated; indicators and one-hot columns
        are returned as-is (they read as shares), ordinal codes as codes.
        """
        check_is_fitted(self, "pipeline_")
        F = pd.DataFrame(F, columns=self.feature_names_) if not isinstance(F, pd.DataFrame) else F
        out = F.copy()
        stage2 = self.pipeline_.named_steps["encode"]
        for i, spec in enumerate(self.config_.numeric):
            if spec.name not in out.columns:
                continue
            v = out[spec.name].to_numpy(dtype=float)
            scaler = self._scaler(stage2, i)
            if scaler is not None:
                v = scaler.inverse_transform(v.reshape(-1, 1)).ravel()
            if spec.log1p:
                v = np.expm1(v)
            out[spec.name] = v
        return out

    # ------------------------------------------------------------------ persistence
    def save(self, directory: str | Path) -> Path:
        """Write ``preprocessor.joblib`` and ``preprocessor_params.json`` into ``directory``."""
        check_is_fitted(self, "pipeline_")
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, d / MODEL_FILE)
        (d / PARAMS_FILE).write_text(json.dumps(self.fitted_params(), indent=2, default=_json_default))
        return d


def load_preprocessor(directory: str | Path) -> FeaturePreprocessor:
    obj = joblib.load(Path(directory) / MODEL_FILE)
    if not isinstance(obj, FeaturePreprocessor):
        raise TypeError(f"{directory} does not hold a FeaturePreprocessor")
    return obj


def _code(v: float) -> int | float:
    """OrdinalEncoder wants an int (or NaN) for unknown_value."""
    return int(v) if np.isfinite(v) and float(v).is_integer() else float(v)


def _infrequent(enc: OneHotEncoder) -> list[Any]:
    infreq = getattr(enc, "infrequent_categories_", None)
    if not infreq or infreq[0] is None:
        return []
    return list(infreq[0])


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o)}")
