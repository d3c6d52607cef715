"""The fitted preprocessing pipeline's ``transform`` as whole-column numpy operations.

The scikit-learn pipeline runs one small transformer per column, about a hundred for the customer
features, and hands pandas frames between its two stages: at 10,000 rows its fixed per-call cost
was most of a transform (0.9 s) and most of the propensity model's preprocessing. A plan reads
every fitted statistic off that same pipeline (medians, the KNN imputer, scaler statistics, the
encoders' categories), so the two give the same numbers (tested equal); a step it does not know
makes :func:`compile_plan` return None and the pipeline itself is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
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

from python_models.preprocessing.transformers import ScaledKNNImputer, log1p_clipped


class UnsupportedStep(Exception):
    """A fitted step the plan cannot reproduce exactly: the pipeline transforms instead."""


@dataclass(frozen=True)
class NumericOp:
    column: str
    fill: float | None  # median imputation's value; None: the KNN group ``knn`` imputes it
    knn: str | None
    knn_position: int
    log1p: bool
    scale: tuple[str, float, float] | None  # ("standard", mean, scale) or ("minmax", scale, min)


@dataclass(frozen=True)
class IndicatorOp:
    column: str


@dataclass(frozen=True)
class CategoryOp:
    column: str
    fill: Any
    categories: tuple[Any, ...]
    # per category code: output offset (one-hot) or code value (ordinal); unknown -> ``unknown``
    targets: tuple[float, ...]
    onehot: bool
    width: int
    unknown: float


@dataclass
class TransformPlan:
    ops: list[tuple[slice, Any]]
    width: int
    knn: dict[str, tuple[ScaledKNNImputer, list[str]]]

    def transform(self, Xc: pd.DataFrame) -> np.ndarray:
        n = len(Xc)
        out = np.zeros((n, self.width), dtype=np.float64)
        # np.asarray: inside the pipeline, set_output makes the imputer return a DataFrame
        knn_out = {name: np.asarray(imp.transform(Xc[cols]), dtype=np.float64)
                   for name, (imp, cols) in self.knn.items()} if n else {}
        for where, op in self.ops:
            if isinstance(op, NumericOp):
                if op.knn is not None:
                    v = knn_out[op.knn][:, op.knn_position] if n else np.zeros(0)
                else:
                    v = Xc[op.column].to_numpy(dtype=np.float64, copy=True)
                    v[np.isnan(v)] = op.fill
                if op.log1p:
                    v = log1p_clipped(v)
                if op.scale is not None:
                    kind, a, b = op.scale
                    v = (v - a) / b if kind == "standard" else v * a + b
                out[:, where.start] = v
            elif isinstance(op, IndicatorOp):
                out[:, where.start] = np.isnan(Xc[op.column].to_numpy(dtype=np.float64))
            else:
                values = Xc[op.column].to_numpy(dtype=object)
                values = np.where(pd.isna(values), op.fill, values)
                codes = pd.Index(op.categories, dtype=object).get_indexer(values)
                lookup = np.append(np.asarray(op.targets, dtype=np.float64), op.unknown)  # code -1: unknown
                mapped = lookup[codes]
                if op.onehot:
                    rows = np.flatnonzero(mapped >= 0)
                    out[rows, where.start + mapped[rows].astype(np.int64)] = 1.0
                else:
                    out[:, where.start] = mapped
        return out


def _is_passthrough(step: Any) -> bool:
    # a fitted ColumnTransformer holds "passthrough" as an identity FunctionTransformer
    return (isinstance(step, str) and step == "passthrough") or step is None or (
        isinstance(step, FunctionTransformer) and step.func is None)


def _imputed_value(imp: Any) -> Any:
    if not isinstance(imp, SimpleImputer) or imp.add_indicator:
        raise UnsupportedStep(f"imputer {type(imp).__name__}")
    value = imp.statistics_[0]
    if imp.strategy != "constant" and (value is None or (isinstance(value, float) and np.isnan(value))):
        raise UnsupportedStep("a column that was empty at fit")  # keep_empty_features' own rules
    return value


def _numeric(name: str, cols: list[str], fitted: Any, stage1: ColumnTransformer, sources: dict) -> NumericOp:
    column = cols[0]
    source, position = sources[column]
    imp = stage1.named_transformers_[source]
    if isinstance(imp, ScaledKNNImputer):
        fill, knn = None, source
    else:
        fill, knn = float(_imputed_value(imp)), None
    if _is_passthrough(fitted):
        steps = []
    elif isinstance(fitted, Pipeline):
        steps = [step for step in fitted.named_steps.values() if not _is_passthrough(step)]
    else:
        raise UnsupportedStep(f"{name}: {type(fitted).__name__}")
    log1p, scale = False, None
    for step in steps:
        if isinstance(step, FunctionTransformer) and step.func is log1p_clipped and not log1p and scale is None:
            log1p = True
        elif isinstance(step, StandardScaler) and scale is None and step.with_mean and step.with_std:
            scale = ("standard", float(step.mean_[0]), float(step.scale_[0]))
        elif isinstance(step, MinMaxScaler) and scale is None and not step.clip:
            scale = ("minmax", float(step.scale_[0]), float(step.min_[0]))
        else:
            raise UnsupportedStep(f"{name}: {type(step).__name__}")
    return NumericOp(column, fill, knn, position, log1p, scale)


def _categorical(name: str, cols: list[str], fitted: Any, stage1: ColumnTransformer, sources: dict,
                 width: int) -> CategoryOp:
    column = cols[0]
    fill = _imputed_value(stage1.named_transformers_[sources[column][0]])
    cats = tuple(fitted.categories_[0])
    if any(not isinstance(c, str) for c in cats) or not isinstance(fill, str):
        raise UnsupportedStep(f"{name}: non-text categories")
    if isinstance(fitted, OneHotEncoder):
        if fitted.handle_unknown != "ignore" or fitted.drop is not None:
            raise UnsupportedStep(f"{name}: one-hot options")
        rare = (getattr(fitted, "infrequent_categories_", None) or [None])[0]
        infrequent = set() if rare is None else set(rare)
        frequent = [c for c in cats if c not in infrequent]
        # scikit-learn's order: the frequent categories as fitted, then one column for the rare ones
        targets = tuple(float(len(frequent)) if c in infrequent else float(frequent.index(c)) for c in cats)
        if len(frequent) + bool(infrequent) != width:
            raise UnsupportedStep(f"{name}: {width} columns, expected {len(frequent) + bool(infrequent)}")
        return CategoryOp(column, fill, cats, targets, True, width, -1.0)
    if isinstance(fitted, OrdinalEncoder):
        if fitted.handle_unknown != "use_encoded_value" or width != 1:
            raise UnsupportedStep(f"{name}: ordinal options")
        return CategoryOp(column, fill, cats, tuple(float(i) for i in range(len(cats))), False, 1,
                          float(fitted.unknown_value))
    raise UnsupportedStep(f"{name}: {type(fitted).__name__}")


def compile_plan(pipeline: Pipeline) -> TransformPlan | None:
    """The plan of a fitted two-stage preprocessing pipeline, or None where it cannot be exact."""
    try:
        stage1: ColumnTransformer = pipeline.named_steps["impute"]
        stage2: ColumnTransformer = pipeline.named_steps["encode"]
        sources: dict[str, tuple[str, int]] = {}  # column -> (stage-1 step that imputes it, its position there)
        knn: dict[str, tuple[ScaledKNNImputer, list[str]]] = {}
        indicators: set[str] = set()
        for name, fitted, cols in stage1.transformers_:
            if name == "remainder":
                if fitted != "drop":
                    raise UnsupportedStep("stage 1 remainder")
                continue
            if isinstance(fitted, ScaledKNNImputer):
                knn[name] = (fitted, list(cols))
                for pos, target in enumerate(fitted.get_feature_names_out()):
                    sources[str(target)] = (name, pos)
            elif isinstance(fitted, MissingIndicator):
                if fitted.features != "all":
                    raise UnsupportedStep("missing indicator options")
                indicators.add(cols[0])
            else:
                sources[cols[0]] = (name, 0)
        ops: list[tuple[slice, Any]] = []
        for name, fitted, cols in stage2.transformers_:
            if name == "remainder":
                if fitted != "drop":
                    raise UnsupportedStep("stage 2 remainder")
                continue
            where = stage2.output_indices_[name]
            width = where.stop - where.start
            kind = name.split("_", 1)[0]
            if kind == "num" and width == 1:
                ops.append((where, _numeric(name, list(cols), fitted, stage1, sources)))
            elif kind == "ind" and width == 1 and _is_passthrough(fitted):
                column = cols[0].removeprefix("missingindicator_")
                if column not in indicators:
                    raise UnsupportedStep(f"{name}: no indicator for {column}")
                ops.append((where, IndicatorOp(column)))
            elif kind == "cat":
                ops.append((where, _categorical(name, list(cols), fitted, stage1, sources, width)))
            else:
                raise UnsupportedStep(f"{name}: {type(fitted).__name__}")
        width = max((w.stop for w, _ in ops), default=0)
        return TransformPlan(ops, width, knn)
    except (UnsupportedStep, KeyError, AttributeError, IndexError, TypeError, ValueError):
        return None
