"""Reassignment to published segments: new feature rows -> nearest published centroid, no re-clustering.

A published version carries the fitted preprocessor (``artifacts/preprocessor/``) and the scaled
centroids with their feature order (``artifacts/segmentation/centroids.json``). Rows go through
the very same ``FeaturePreprocessor.transform`` the full run used, columns are taken in the
centroids' order and :func:`membership_table` picks the nearest centroid, so for k-means (and
Ward, whose labels are nearest centroids too) a full run's own rows get exactly its membership.
DBSCAN labels are density-based (noise included), so nearest-centroid is only an approximation
there: :attr:`PublishedSegments.exact` says which.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from python_models.preprocessing.pipeline import MODEL_FILE, FeaturePreprocessor, load_preprocessor
from python_models.segmentation.dbt_adapter import CENTROIDS_FILE
from python_models.segmentation.membership import membership_table

PREPROCESSOR_DIR = "preprocessor"
SEGMENTATION_DIR = "segmentation"
ASSIGNMENT_COLUMNS = ["customer_id", "segment_id", "distance_to_centroid", "second_segment_id",
                      "second_distance", "margin", "margin_ratio"]


@dataclass
class PublishedSegments:
    """What assignment needs from a published (or built) segmentation: preprocessor + centroids."""

    preprocessor: FeaturePreprocessor
    centroids: np.ndarray
    features: list[str]
    run_id: str
    algorithm: str
    version_id: str | None = None

    @property
    def exact(self) -> bool:
        return self.algorithm != "dbscan"

    @classmethod
    def from_artifacts(cls, artifacts: str | Path, version_id: str | None = None) -> PublishedSegments:
        artifacts = Path(artifacts)
        cen_path = artifacts / SEGMENTATION_DIR / CENTROIDS_FILE
        pre_dir = artifacts / PREPROCESSOR_DIR
        where = f"version {version_id}" if version_id else str(artifacts)
        if not cen_path.is_file():
            raise FileNotFoundError(f"{where} has no segmentation centroids ({cen_path}): it was built "
                                    "without int_segments__membership, nothing to assign to")
        if not (pre_dir / MODEL_FILE).is_file():
            raise FileNotFoundError(f"{where} has no fitted preprocessor ({pre_dir / MODEL_FILE})")
        meta = json.loads(cen_path.read_text())
        centroids = np.asarray(meta["centroids_scaled"], dtype=np.float64)
        features = list(meta["features"])
        if centroids.ndim != 2 or centroids.shape[0] == 0 or centroids.shape[1] != len(features):
            raise ValueError(f"{cen_path}: expected a k x {len(features)} centroid matrix, got {centroids.shape}")
        pre = load_preprocessor(pre_dir)
        missing = [f for f in features if f not in pre.feature_names_]
        if missing:
            raise ValueError(f"{where}: the preprocessor does not produce the centroid features {missing[:5]}: "
                             "the preprocessor and the segmentation come from different builds")
        return cls(pre, centroids, features, str(meta.get("run_id")), str(meta.get("algorithm")), version_id)

    def transform(self, features: pd.DataFrame) -> pd.DataFrame:
        """customer_features rows -> the scaled matrix in the centroids' column order."""
        if "customer_id" not in features.columns:
            raise ValueError("feature rows need a customer_id column")
        matrix = self.preprocessor.transform(features.drop(columns="customer_id"))
        return matrix[self.features]

    def assign(self, features: pd.DataFrame) -> pd.DataFrame:
        """One row per input row: customer_id, segment_id (nearest centroid), distance_to_centroid,
        second_segment_id, second_distance, margin (= second_distance - distance), margin_ratio."""
        ids = features["customer_id"].astype(str).to_numpy()
        if pd.Series(ids).duplicated().any():
            raise ValueError("feature rows must have one row per customer_id")
        if len(features) == 0:
            return pd.DataFrame({c: pd.Series(dtype="float64") for c in ASSIGNMENT_COLUMNS}).astype(
                {"customer_id": object, "segment_id": "int64", "second_segment_id": "int64"})
        X = self.transform(features.reset_index(drop=True)).to_numpy(dtype=np.float64)
        table = membership_table(X, self.centroids, ids=ids)
        return table.rename(columns={"segment": "segment_id", "distance": "distance_to_centroid",
                                     "second_segment": "second_segment_id"})[ASSIGNMENT_COLUMNS]
