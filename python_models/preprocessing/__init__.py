"""Config-driven feature preprocessing (imputation, indicators, encoding, scaling) with queryable parameters."""

from python_models.preprocessing.config import (
    CategoricalSpec,
    NumericSpec,
    PreprocessingConfig,
    infer_config,
)
from python_models.preprocessing.pipeline import (
    FeaturePreprocessor,
    build_pipeline,
    load_preprocessor,
)
from python_models.preprocessing.transformers import ColumnSelector, ScaledKNNImputer

__all__ = [
    "CategoricalSpec",
    "ColumnSelector",
    "FeaturePreprocessor",
    "NumericSpec",
    "PreprocessingConfig",
    "ScaledKNNImputer",
    "build_pipeline",
    "infer_config",
    "load_preprocessor",
]
