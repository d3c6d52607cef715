"""ML segmentation: k-means (elbow + silhouette), DBSCAN (k-distance knee), Ward on a sample,
diagnostics, membership, profiles, validation and gates, and a supervised path."""

from python_models.segmentation.algorithms import (
    DBSCANSegmenter,
    KDistance,
    KMeansSegmenter,
    KSelection,
    WardSegmenter,
    k_distance_curve,
    make_segmenter,
    select_k,
)
from python_models.segmentation.diagnostics import embedding_sample, pca_diagnostics
from python_models.segmentation.evaluation import cluster_metrics, compare_candidates
from python_models.segmentation.knee import KneeResult, find_knee
from python_models.segmentation.membership import assign_segments, centroids_table, membership_table
from python_models.segmentation.pipeline import (
    DEFAULT_CONFIG,
    SegmentationRun,
    merge_config,
    run_segmentation,
)
from python_models.segmentation.profiles import SegmentProfiles, profile_segments, segment_name
from python_models.segmentation.supervised import SupervisedSegmenter
from python_models.segmentation.validation import (
    DEFAULT_GATES,
    GateFailure,
    StabilityResult,
    best_match_jaccard,
    evaluate_gates,
    feature_tests,
    require_gates,
    stability,
)

__all__ = [
    "DBSCANSegmenter", "DEFAULT_CONFIG", "DEFAULT_GATES", "GateFailure", "KDistance", "KMeansSegmenter",
    "KSelection", "KneeResult", "SegmentProfiles", "SegmentationRun", "StabilityResult", "SupervisedSegmenter",
    "WardSegmenter", "assign_segments", "best_match_jaccard", "centroids_table", "cluster_metrics",
    "compare_candidates", "embedding_sample", "evaluate_gates", "feature_tests", "find_knee",
    "k_distance_curve", "make_segmenter", "membership_table", "merge_config", "pca_diagnostics",
    "profile_segments", "require_gates", "run_segmentation", "segment_name", "select_k", "stability",
]
