"""Propensity models: leakage-free time split, candidate search, selection, evaluation, scoring, registry."""

from python_models.propensity.candidates import BalancedClassifier, Candidate, default_candidates
from python_models.propensity.evaluation import (
    binary_metrics,
    calibration_table,
    choose_model,
    choose_threshold,
    confusion_table,
    feature_importances,
    roc_points,
)
from python_models.propensity.registry import load_model, load_record, registry_frame, save_model
from python_models.propensity.scoring import deciles, score_customers
from python_models.propensity.selection import CorrelationFilter, FeatureSelection, select_features
from python_models.propensity.timesplit import (
    EventSchema,
    LeakageError,
    TimeSplit,
    build_features,
    build_labels,
    default_features,
    events_before,
    make_scoring_set,
    make_training_set,
    plan_split,
)
from python_models.propensity.training import PropensityModel, PropensityTrainer

__all__ = [
    "BalancedClassifier", "Candidate", "CorrelationFilter", "EventSchema", "FeatureSelection", "LeakageError",
    "PropensityModel", "PropensityTrainer", "TimeSplit", "binary_metrics", "build_features", "build_labels",
    "calibration_table", "choose_model", "choose_threshold", "confusion_table", "deciles", "default_candidates",
    "default_features", "events_before", "feature_importances", "load_model", "load_record",
    "make_scoring_set", "make_training_set", "plan_split", "registry_frame", "roc_points", "save_model",
    "score_customers", "select_features",
]
