"""Identity resolution: standardise, block, compare, score (Fellegi-Sunter/EM), cluster, stable ids,
golden records and threshold calibration. Plain functions and scikit-learn-style classes; the dbt
models only adapt them (issue #3)."""

from python_models.identity.blocking import (
    DEFAULT_RULES,
    BlockingResult,
    BlockingRule,
    block,
    blocking_recall,
)
from python_models.identity.calibration import (
    precision_recall_by_threshold,
    recommend_threshold,
    review_sample,
)
from python_models.identity.clustering import cluster_pairs
from python_models.identity.comparison import Comparison, ComparisonLevel, compare_pairs, default_comparisons
from python_models.identity.fellegi_sunter import ClassifierScorer, FellegiSunterModel
from python_models.identity.golden_record import FieldRule, SurvivorshipConfig, build_golden_records
from python_models.identity.pipeline import ResolutionConfig, ResolutionResult, resolve
from python_models.identity.stable_ids import assign_stable_ids, make_customer_id
from python_models.identity.standardise import standardise_contacts

__all__ = [
    "DEFAULT_RULES", "BlockingResult", "BlockingRule", "block", "blocking_recall",
    "precision_recall_by_threshold", "recommend_threshold", "review_sample", "cluster_pairs",
    "Comparison", "ComparisonLevel", "compare_pairs", "default_comparisons", "ClassifierScorer",
    "FellegiSunterModel", "FieldRule", "SurvivorshipConfig", "build_golden_records", "ResolutionConfig",
    "ResolutionResult", "resolve", "assign_stable_ids", "make_customer_id", "standardise_contacts",
]
