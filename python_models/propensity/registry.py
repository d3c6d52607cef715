"""Model registry records and persistence (joblib for the model, JSON for the record)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

from python_models.propensity.training import PropensityModel

MODEL_FILE = "model.joblib"
RECORD_FILE = "registry.json"


def _default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def registry_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per model version: model_name, version, algorithm, trained_at, threshold, validation AUC,
    and JSON columns features / params / metrics / choice_reason (a warehouse-ready registry table)."""
    rows = []
    for r in records:
        rows.append({
            "model_name": r["model_name"],
            "version": r["version"],
            "algorithm": r["algorithm"],
            "trained_at": r["trained_at"],
            "threshold": r["threshold"],
            "validation_roc_auc": r["metrics"].get("validation", {}).get("roc_auc"),
            "features": json.dumps(r["features"]),
            "params": json.dumps(r["params"], default=_default),
            "metrics": json.dumps(r["metrics"], default=_default),
            "choice_reason": r["choice_reason"],
        })
    return pd.DataFrame(rows)


def save_model(model: PropensityModel, directory: str | Path) -> Path:
    """Write ``model.joblib`` (the whole PropensityModel) and ``registry.json`` (its record)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, d / MODEL_FILE)
    (d / RECORD_FILE).write_text(json.dumps(model.registry_record(), indent=2, default=_default))
    return d


def load_model(directory: str | Path) -> PropensityModel:
    obj = joblib.load(Path(directory) / MODEL_FILE)
    if not isinstance(obj, PropensityModel):
        raise TypeError(f"{directory} does not hold a PropensityModel")
    return obj


def load_record(directory: str | Path) -> dict[str, Any]:
    return json.loads((Path(directory) / RECORD_FILE).read_text())
