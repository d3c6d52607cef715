"""What the dbt Python models of ``models/intermediate/identity/`` call (they cannot import siblings).

``run_resolution`` runs :func:`resolve` once per build on ``int_identity__contacts`` and writes its
side outputs (scored pairs, golden records, lineage, id changes, blocking stats, model parameters,
run stats) as Parquet under ``artifacts_dir()/identity/``; cheap reader models expose each one as
a table through ``read_output``. One resolve per build, no long table to unpack.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from python_models.artifacts import artifacts_dir
from python_models.identity.golden_record import DEFAULT_FIELD_RULES, FieldRule
from python_models.identity.pipeline import ResolutionConfig, ResolutionResult, resolve
from python_models.identity.review import read_labels_file
from python_models.identity.standardise import nickname_table

# stg_crm__contacts column -> the name resolve() expects
CONTACT_RENAMES = {"country": "country_code", "updated_at_utc": "updated_at", "created_at_utc": "created_at"}
# Bands are survived too so dim_customers carries them (the library's defaults do not).
BAND_RULES = (FieldRule("age_band", ("age_band",), "most_frequent"),
              FieldRule("income_band", ("income_band",), "most_frequent"))
OUTPUTS = ("pairs", "golden", "lineage", "id_changes", "record_id_changes", "blocking_stats",
           "model_parameters", "junk_report", "run_stats")
LABEL_COLUMNS = ["pair_id", "left_record", "right_record", "match_probability", "sample_weight", "label"]


def output_dir() -> Path:
    path = artifacts_dir() / "identity"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def output_path(name: str) -> Path:
    if name not in OUTPUTS:
        raise ValueError(f"unknown identity output {name!r}; expected one of {OUTPUTS}")
    return output_dir() / f"{name}.parquet"


def contacts_frame(contacts: pd.DataFrame) -> pd.DataFrame:
    """The staged contacts in a fixed order: resolve() numbers records by row, and those numbers
    seed the random pairs that estimate u and orient every pair, while the warehouse returns rows
    in a different order from build to build (identical inputs gave different match weights)."""
    contacts = contacts.rename(columns=CONTACT_RENAMES)
    order = [c for c in ("source_system", "source_record_id") if c in contacts.columns]
    order += [c for c in contacts.columns if c not in order]
    return contacts.sort_values(order, kind="stable", na_position="last").reset_index(drop=True)


def build_config(threshold: Any, settings: Any, nicknames: pd.DataFrame | None,
                 source_priority: pd.DataFrame | None) -> ResolutionConfig:
    """ResolutionConfig from dbt vars: the threshold, a JSON/dict of other settings, the seeds."""
    if isinstance(settings, str):  # dbt renders a dict var as its Python repr
        settings = ast.literal_eval(settings) if settings.strip() else {}
    values: dict[str, Any] = dict(settings or {})
    values["threshold"] = float(threshold)
    if not 0.0 < values["threshold"] < 1.0:
        raise ValueError(f"identity_match_threshold must be in (0, 1), got {threshold!r}")
    values.setdefault("survivorship_rules", (*DEFAULT_FIELD_RULES, *BAND_RULES))
    if nicknames is not None and "nicknames_path" not in values:
        values["nicknames"] = nickname_table(zip(nicknames["name"], nicknames["nickname"], strict=True))
    if source_priority is not None and "source_priority" not in values:
        ranked = source_priority.sort_values(["priority", "source_system"])
        values["source_priority"] = tuple(ranked["source_system"].astype(str))
    return ResolutionConfig.from_dict(values)


def read_labels(path: str | Path | None) -> pd.DataFrame | None:
    """Reviewed pairs stored by ``segmart review import`` (None when there are none)."""
    if not path or not Path(path).is_file():
        return None
    labels, _ = read_labels_file(path)
    return labels if len(labels) else None


def review_labels_table(path: str | Path | None) -> pa.Table:
    """Body of ``int_identity__review_labels``: the stored labels, typed, empty when none."""
    labels = read_labels(path)
    if labels is None:
        labels = pd.DataFrame({c: [] for c in LABEL_COLUMNS})
    return pa.Table.from_pandas(
        labels[LABEL_COLUMNS].astype({"pair_id": "string", "left_record": "string", "right_record": "string",
                                      "match_probability": "float64", "sample_weight": "float64",
                                      "label": "int64"}), preserve_index=False)


def _to_arrow(frame: pd.DataFrame) -> pa.Table:
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(str)
    return pa.Table.from_pandas(out, preserve_index=False)


def _booleans(series: pd.Series) -> pd.Series:
    return series.map(lambda v: None if v is None or v is pd.NA or v != v else bool(v)).astype("boolean")


def _typed(frame: pd.DataFrame, ints: tuple[str, ...] = ()) -> pd.DataFrame:
    """Text columns as strings and counts as integers even when the frame is empty (no NULL-typed
    Parquet columns)."""
    return frame.astype({c: ("int64" if c in ints else "string") for c in frame.columns})


def write_outputs(result: ResolutionResult, cfg: ResolutionConfig) -> None:
    import pyarrow.parquet as pq

    golden = result.golden.copy()
    for col in ("marketing_consent", "unsubscribed"):
        golden[col] = _booleans(golden[col])
    pairs = result.pairs.drop(columns=["rules"], errors="ignore")
    stats = {**{k: v for k, v in result.stats.items() if not isinstance(v, dict)},
             **{f"seconds_{k}": v for k, v in result.timings.items()},
             # the settings the gates check against
             "config_threshold": cfg.threshold, "config_max_cluster_size": cfg.max_cluster_size,
             "config_max_shared_identifier": cfg.max_shared_identifier}
    frames = {
        "pairs": pairs,
        "golden": golden,
        "lineage": result.lineage,
        "id_changes": _typed(result.id_changes, ints=("n_records",)),
        "record_id_changes": _typed(result.record_id_changes),
        "blocking_stats": result.blocking_stats(),
        "model_parameters": result.model_parameters,
        "junk_report": _typed(result.junk_report, ints=("n_records",)),
        "run_stats": pd.DataFrame({"stat": list(stats), "value": [float(v) for v in stats.values()]}),
    }
    for name, frame in frames.items():
        pq.write_table(_to_arrow(frame), output_path(name))


def previous_assignment(session, this) -> pd.DataFrame | None:
    """The previous build's record -> customer_id table, if the model already exists."""
    found = session.execute(
        "select count(*) from information_schema.tables where table_catalog = ? and table_schema = ? "
        "and table_name = ?", [this.database, this.schema, this.identifier]).fetchall()[0][0]
    if not found:
        return None
    return session.sql(f"select source_system, source_record_id, customer_id from {this}").df()


def run_resolution(session, this, contacts, nicknames, source_priority, threshold, settings,
                   labels_path) -> pa.Table:
    """Body of the ``int_identity__resolved_records`` dbt Python model. The relations and
    settings come from the model file: dbt only sees the refs and config keys written there."""
    cfg = build_config(threshold, settings, nicknames.df(), source_priority.df())
    labels = read_labels(labels_path) if cfg.scorer == "classifier" else None
    result = resolve(contacts_frame(contacts.df()), cfg, previous_ids=previous_assignment(session, this),
                     labels=labels)
    write_outputs(result, cfg)
    records = result.records.drop(columns=["rid"])
    records["cluster"] = records["cluster"].astype("int64")
    return _to_arrow(records)


def read_output(session, name: str):
    """A relation over one output persisted by this build's resolution model."""
    path = output_path(name)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: int_identity__resolved_records must run first in this build")
    return session.read_parquet(str(path))
