"""Micro-batch: new events -> the touched customers' features -> the published segments, no re-clustering.

One batch, under the same refresh lock as the full refresh (they never write at once):

1. ingest what landed (one load);
2. ``dbt run`` only the models on the path from the raw tables that grew (web events, orders,
   social interactions, campaign events) to ``int_microbatch__customer_features``, with
   ``SEGMART_MICROBATCH_LOAD_IDS`` = this load: the event base tables read only the new loads' files
   and their exact-duplicates tables look only at the new rows (both incremental in this mode);
   the identity graph's SQL layer is rebuilt; the attributed facts are incremental (delete+insert of the
   batch's rows and of the older rows of the cookies and handles it saw, the only ones whose
   person a batch can change); the features of the touched customers only are computed by the
   same macro as ``customer_features``, restricted to them before aggregating. Identity
   resolution (contacts), segmentation, propensity and the quality marts are not rebuilt: new
   contact records wait for the daily refresh (docs/microbatch.md);
3. reassign the touched customers to the served version's segments with its persisted
   preprocessor and centroids (:mod:`python_models.segmentation.assignment`);
4. write their assignments, the membership changes (customer_id, old/new segment, changed_at,
   reason) and drift against the served version (:mod:`python_models.segmentation.drift`) as live
   tables under ``<warehouse>/live/`` (:mod:`python_models.publishing.live`), and rewrite the
   serving catalog for the same version so they are queryable at once (``membership_changes``,
   ``live_membership``, ``segment_drift``, ``drift_summary``).

New contact records get ids at once (:mod:`python_models.identity.incremental`, live table
``new_customer_ids``); their activity counts from the next daily refresh.

Re-running a batch (same load ids) recomputes the same assignments and changes (compared with
the state before that batch, stamped with the batch's first run time) and rewrites the same
files: the live tables end up identical, nothing is appended twice. Whether a full re-segmentation is due is recorded in
``drift_summary``; the daily full refresh re-segments anyway.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from flows import prefect_env

prefect_env.configure()

from prefect import flow, get_run_logger  # noqa: E402

from flows.dbt_runner import run_dbt  # noqa: E402
from flows.publishing import warehouse_root  # noqa: E402
from flows.refresh_lock import RefreshAlreadyRunning, refresh_lock  # noqa: E402
from flows.settings import Paths  # noqa: E402
from python_models.identity.incremental import match_new_contacts  # noqa: E402
from python_models.lake import ingest  # noqa: E402
from python_models.publishing import Warehouse  # noqa: E402
from python_models.publishing.catalog import switch_to, write_catalog  # noqa: E402
from python_models.publishing.live import ASSIGNMENTS, CHANGES, LiveStore  # noqa: E402
from python_models.segmentation.assignment import PublishedSegments  # noqa: E402
from python_models.segmentation.drift import (  # noqa: E402
    ReferenceBins,
    drift_config,
    drift_features,
    drift_report,
    far_distance_of,
    psi_table_from_counts,
    replaced_counts,
)

EVENT_ENTITIES = ("web_events", "orders", "social_interactions", "campaign_events")
FEATURES_MODEL = "int_microbatch__customer_features"
TOUCHED_MODEL = "int_microbatch__touched_customers"
DRIFT = "segment_drift"
DRIFT_SUMMARY = "drift_summary"
NEW_IDS = "new_customer_ids"
INGEST_WORKERS_ENV = "SEGMART_INGEST_WORKERS"
LOAD_IDS_ENV = "SEGMART_MICROBATCH_LOAD_IDS"  # read by int_microbatch__touched_customers


@dataclass
class MicroBatchResult:
    batch_id: str
    load_ids: list[str]
    entities: list[str]
    version_id: str | None = None
    touched: int = 0
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    new_customers: int = 0
    unattributed_entities: list[str] = field(default_factory=list)
    new_ids: pd.DataFrame = field(default_factory=pd.DataFrame)
    drift: Any = None
    seconds: dict[str, float] = field(default_factory=dict)
    outcome: str = ""

    @property
    def full_resegmentation_due(self) -> bool:
        return bool(self.drift is not None and self.drift.full_resegmentation_due)

    def _ids_line(self) -> str:
        if self.new_ids.empty:
            return ""
        counts = self.new_ids["matched_by"].value_counts().to_dict()
        return (f"\n  {len(self.new_ids)} new contact record(s) got ids ({', '.join(f'{n} by {k}' for k, n in sorted(counts.items()))}); "
                "their activity is attributed from the daily refresh on")

    def summary(self) -> str:
        if not self.touched:
            return f"micro-batch {self.batch_id}: {self.outcome}" + self._ids_line()
        moved = len(self.changes)
        lines = [f"micro-batch {self.batch_id}: {self.touched:,} customers touched by new {', '.join(self.entities)}; "
                 f"{moved:,} changed segment ({self.new_customers:,} first assigned) against {self.version_id}"]
        if self.drift is not None:
            due = "FULL RE-SEGMENTATION DUE: " + "; ".join(self.drift.reasons) if self.full_resegmentation_due \
                else "no re-segmentation due"
            lines.append(f"  drift: {self.drift.n_drifted} feature(s) drifted, far share {self.drift.far_share:.1%}; {due}")
        if self._ids_line():
            lines.append(self._ids_line().strip())
        lines.append("  " + ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items()))
        return "\n".join(lines)


MANIFEST_MODEL = "stg_lake__manifest_files"


def dbt_selection(entities: list[str]) -> list[str]:
    """The models between the grown raw tables and the touched customers' features (dbt intersection),
    and the manifest's staging table: base models only read rows of files it marks loaded. Not the
    base tables of entities that did not grow: a load only adds manifest rows for its own files, so
    they would come out the same (at 100k people, rebuilding them was a third of a batch)."""
    return [*(f"source:raw.{e}+,+{FEATURES_MODEL}" for e in entities), f"source:raw.manifest+,+{MANIFEST_MODEL}"]


# Identity resolution of contact records (and the golden records built on it) is the daily
# refresh's job: a micro-batch keeps the resolved people as they are and only re-attributes facts.
IDENTITY_EXCLUDE = ["source:raw.contacts+,+dim_customers", "source:raw.contacts+,+int_identity__contact_customers"]

ATTRIBUTED_MODELS = tuple(f"int_features__{t}_attributed"
                          for t in ("order_lines", "web_events", "social_interactions", "campaign_events"))


def _attribution_updatable(build_db: Path) -> bool:
    """Attributed fact tables are updated in place by their staged rows' lineage (load_id...); tables
    built before they carried it (an older release) are rebuilt in full once (dbt --full-refresh)."""
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        listed = ", ".join(f"'{m}'" for m in ATTRIBUTED_MODELS)
        have = con.sql("select count(distinct table_name) from information_schema.columns "
                       f"where column_name = 'load_id' and table_name in ({listed})").fetchall()[0][0]
    finally:
        con.close()
    return have == len(ATTRIBUTED_MODELS)


def _read_model(build_db: Path, model: str) -> pd.DataFrame:
    """Rows in customer order: a table's scan order is not stable, and a replayed batch must write
    the very same live rows."""
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        return con.sql(f"select * from {model} order by customer_id").df()
    finally:
        con.close()


def _published(warehouse: Warehouse) -> tuple[str, Path]:
    version_id = warehouse.current_version()
    if version_id is None:
        raise RuntimeError(f"nothing is published in {warehouse.root}: a micro-batch reassigns to the served "
                           "segments, run `segmart refresh` first")
    return version_id, warehouse.version_dir(version_id)


def _read_parquet(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    con = duckdb.connect()
    try:
        select = ", ".join(f'"{c}"' for c in columns) if columns else "*"
        return con.sql(f"select {select} from read_parquet('{path}')").df()
    finally:
        con.close()


def reassign(features: pd.DataFrame, touched: pd.DataFrame, warehouse: Warehouse, store: LiveStore,
             batch_id: str, at: datetime) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """(version, assignments of the touched customers, membership changes) against the served version."""
    version_id, vdir = _published(warehouse)
    segments = PublishedSegments.from_artifacts(vdir / "artifacts", version_id)
    assigned = segments.assign(features)
    names = _read_parquet(vdir / "tables" / "segment_membership.parquet")
    seg_names = names.drop_duplicates("segment_id").set_index("segment_id")["segment_name"]
    assigned["segment_name"] = assigned["segment_id"].map(seg_names).astype(object)
    assigned["version_id"], assigned["batch_id"] = version_id, batch_id
    assigned["assigned_at_utc"] = pd.Timestamp(at).tz_localize(None)
    assigned = assigned.merge(touched[["customer_id", "sources"]], on="customer_id", how="left")

    # the customer's segment before this batch: its latest live assignment, else the published one
    before = names.set_index("customer_id")["segment_id"]
    live = store.latest(ASSIGNMENTS, version_id)
    if not live.empty:
        live = live[live["batch_id"] != batch_id]  # a re-run compares with what preceded the batch
        before = pd.concat([before[~before.index.isin(live["customer_id"])],
                            live.set_index("customer_id")["segment_id"]])
    old = assigned["customer_id"].map(before)
    moved = assigned[old.isna() | (old != assigned["segment_id"])].copy()
    moved_old = old[moved.index]
    changes = pd.DataFrame({
        "changed_at_utc": moved["assigned_at_utc"],
        "customer_id": moved["customer_id"],
        "old_segment_id": moved_old.astype("Int64"),
        "old_segment_name": moved_old.map(seg_names).astype(object),
        "new_segment_id": moved["segment_id"].astype("int64"),
        "new_segment_name": moved["segment_name"],
        "distance_to_centroid": moved["distance_to_centroid"],
        "margin": moved["margin"],
        "reason": ["first assignment: new customer since " + version_id if pd.isna(o)
                   else "new " + str(s) for o, s in zip(moved_old, moved["sources"], strict=True)],
        "version_id": version_id,
        "batch_id": batch_id,
    }).reset_index(drop=True)
    return version_id, assigned, changes


@dataclass
class _DriftReference:
    """A served version's population binned once per process: a version's files never change, and
    re-reading and re-binning a million customers was most of a batch's drift time."""

    bins: ReferenceBins
    customers: pd.Index  # customer_features' rows, in the order of codes
    codes: np.ndarray
    distances: pd.Series  # published distance to the centroid, by customer
    far_distance: float


_DRIFT_REFERENCES: dict[tuple[str, int], _DriftReference] = {}


def _drift_reference(version_dir: Path, cfg: dict) -> _DriftReference:
    key = (str(version_dir), int(cfg["bins"]))
    if key not in _DRIFT_REFERENCES:
        features = _read_parquet(version_dir / "tables" / "customer_features.parquet")
        members = _read_parquet(version_dir / "tables" / "segment_membership.parquet",
                                ["customer_id", "distance_to_centroid"])
        bins = ReferenceBins.fit(features, drift_features(features), cfg["bins"])
        distances = members.set_index("customer_id")["distance_to_centroid"].astype(float)
        _DRIFT_REFERENCES.clear()  # one served version at a time: keep memory flat over a long loop
        _DRIFT_REFERENCES[key] = _DriftReference(bins, pd.Index(features["customer_id"]), bins.codes(features),
                                                 distances, far_distance_of(distances.to_numpy(), cfg))
    return _DRIFT_REFERENCES[key]


def measure_drift(version_dir: Path, store: LiveStore, version_id: str, settings: dict | None):
    """The served population with every live reassignment on top, against the served version. The
    live customers' reference rows are taken out of the published counts and their live rows put
    in, which equals binning the whole current population (tests/unit/segmentation/test_drift.py)."""
    cfg = drift_config(settings)
    ref = _drift_reference(version_dir, cfg)
    live_features = store.latest("live_customer_features", version_id, order="assigned_at_utc")
    live_assign = store.latest(ASSIGNMENTS, version_id)
    counts, n_current = ref.bins.counts, ref.bins.n
    if not live_features.empty:
        replaced = ref.customers.get_indexer(live_features["customer_id"])
        replaced = replaced[replaced >= 0]
        counts = replaced_counts(ref.bins, ref.codes[replaced], live_features)
        n_current = ref.bins.n - len(replaced) + len(live_features)
    d = ref.distances.to_numpy()
    n_far, n_finite, n_customers = (int((d > ref.far_distance).sum()), int(np.isfinite(d).sum()), len(d))
    if not live_assign.empty:
        old = ref.distances.reindex(ref.distances.index.intersection(live_assign["customer_id"])).to_numpy()
        new = live_assign["distance_to_centroid"].to_numpy(dtype=float)
        n_far += int((new > ref.far_distance).sum()) - int((old > ref.far_distance).sum())
        n_finite += int(np.isfinite(new).sum()) - int(np.isfinite(old).sum())
        n_customers += len(new) - len(old)
    far_share = n_far / n_finite if n_finite else 0.0
    table = psi_table_from_counts(ref.bins, counts, n_current, cfg)
    return drift_report(table, far_share, ref.far_distance, n_customers, cfg)


def _serve(warehouse: Warehouse, version_id: str) -> None:
    """Rewrite the serving catalog of the same version so the live tables show."""
    with warehouse.publish_lock():
        if warehouse.current_version() == version_id:  # a publish in between already serves the new state
            switch_to(warehouse, write_catalog(warehouse, version_id))


def new_contact_ids(paths: Paths, load_ids: list[str]) -> pd.DataFrame:
    """Ids for the contact records of these loads that the last identity run has not seen."""
    files = [p for lid in load_ids for p in (paths.lake_dir / "raw" / "contacts" / f"load_id={lid}").glob("*.parquet")]
    if not files:
        return pd.DataFrame(columns=["source_system", "source_record_id", "customer_id", "matched_by"])
    con = duckdb.connect(str(paths.build_db), read_only=True)
    try:
        listed = ", ".join(f"'{f}'" for f in files)
        records = con.sql(f"select _source_system as source_system, source_record_id, email "
                          f"from read_parquet([{listed}]) where source_record_id is not null "
                          "order by _source_file, _record_number").df()
        graph = con.sql("select identifier_type, identifier_value, customer_id "
                        "from int_identity__identifier_customers").df()
    finally:
        con.close()
    return match_new_contacts(records, graph)


def _batch_time(store: LiveStore, batch_id: str) -> datetime:
    """When the batch was first reassigned: a replay rewrites the very same rows."""
    done = store.read(ASSIGNMENTS)
    if not done.empty and (done["batch_id"] == batch_id).any():
        return pd.Timestamp(done.loc[done["batch_id"] == batch_id, "assigned_at_utc"].iloc[0]).to_pydatetime()
    return datetime.now(UTC)


def _ingest_small(lake_dir: Path, sources):
    """A micro-batch lands a few small files: reading them in this process beats spawning readers."""
    previous = os.environ.get(INGEST_WORKERS_ENV)
    os.environ[INGEST_WORKERS_ENV] = os.environ.get("SEGMART_MICROBATCH_INGEST_WORKERS", "1")
    try:
        return ingest(lake_dir, sources)
    finally:
        if previous is None:
            os.environ.pop(INGEST_WORKERS_ENV, None)
        else:
            os.environ[INGEST_WORKERS_ENV] = previous


def run_micro_batch(lake_dir: str | Path | None = None, sources: str | Path | None = None, *,
                    load_ids: list[str] | None = None, drift_settings: dict | None = None,
                    lock_wait: float = 0.0, dbt_command: str = "run") -> MicroBatchResult:
    """One micro-batch (see the module doc). ``load_ids`` replays earlier loads instead of ingesting."""
    paths = Paths.from_env(lake_dir)
    paths.export_env()
    warehouse = Warehouse(warehouse_root(paths))
    store = LiveStore(warehouse.root)
    seconds: dict[str, float] = {}
    with refresh_lock(paths.build_db, "segmart micro-batch", wait_seconds=lock_wait):
        t = time.perf_counter()
        if load_ids is None:
            report = _ingest_small(paths.lake_dir, sources)
            grown = sorted({f.entity for f in report.files if f.status == "loaded" and f.rows_written})
            load_ids = [report.load_id] if grown else []
        else:
            grown = list(EVENT_ENTITIES)
        seconds["ingest"] = time.perf_counter() - t
        batch_id = "_".join(load_ids) or "empty"
        result = MicroBatchResult(batch_id, load_ids, [e for e in grown if e in EVENT_ENTITIES], seconds=seconds)
        result.unattributed_entities = [e for e in grown if e == "contacts"]
        if result.unattributed_entities and paths.build_db.exists():
            result.new_ids = new_contact_ids(paths, load_ids)
            version_id, _ = _published(warehouse)
            store.write(NEW_IDS, batch_id, result.new_ids.assign(version_id=version_id, batch_id=batch_id))
            if not result.entities:
                _serve(warehouse, version_id)
        if not result.entities:
            result.outcome = "no new events landed; nothing to reassign"
            return result
        if not paths.build_db.exists():
            raise RuntimeError(f"no build database at {paths.build_db}: run `segmart refresh` before micro-batches")

        t = time.perf_counter()
        full = [] if _attribution_updatable(paths.build_db) else ["--full-refresh"]
        os.environ[LOAD_IDS_ENV] = ",".join(load_ids)
        try:
            run_dbt([dbt_command, "--select", *dbt_selection(result.entities), "--exclude", *IDENTITY_EXCLUDE, *full],
                    paths)
        finally:
            os.environ.pop(LOAD_IDS_ENV, None)
        features = _read_model(paths.build_db, FEATURES_MODEL)
        touched = _read_model(paths.build_db, TOUCHED_MODEL)
        seconds["dbt"] = time.perf_counter() - t
        result.touched = len(features)
        if features.empty:
            result.outcome = "the new events belong to no known customer; nothing to reassign"
            return result

        t = time.perf_counter()
        at = _batch_time(store, batch_id)
        version_id, assigned, changes = reassign(features, touched, warehouse, store, batch_id, at)
        result.version_id, result.changes = version_id, changes
        result.new_customers = int(changes["old_segment_id"].isna().sum()) if not changes.empty else 0
        live_features = features.assign(version_id=version_id, batch_id=batch_id,
                                        assigned_at_utc=pd.Timestamp(at).tz_localize(None))
        store.write("live_customer_features", batch_id, live_features)
        store.write(ASSIGNMENTS, batch_id, assigned)
        store.write(CHANGES, batch_id, changes)
        seconds["reassign"] = time.perf_counter() - t

        t = time.perf_counter()
        drift = measure_drift(warehouse.version_dir(version_id), store, version_id, drift_settings)
        result.drift = drift
        stamp = dict(version_id=version_id, batch_id=batch_id, measured_at_utc=pd.Timestamp(at).tz_localize(None))
        store.write(DRIFT, batch_id, drift.features.assign(**stamp))
        store.write(DRIFT_SUMMARY, batch_id, drift.summary_rows().assign(
            full_resegmentation_due=drift.full_resegmentation_due, **stamp))
        seconds["drift"] = time.perf_counter() - t

        t = time.perf_counter()
        _serve(warehouse, version_id)
        seconds["catalog"] = time.perf_counter() - t
        result.outcome = "reassigned"
    return result


@flow(name="segmart-live-micro-batch")
def microbatch_flow(lake_dir: str, sources: str | None = None, lock_wait: float = 0.0) -> str:
    """Prefect wrapper of :func:`run_micro_batch`: skips (and says so) while a refresh holds the lock."""
    logger = get_run_logger()
    try:
        result = run_micro_batch(lake_dir, sources, lock_wait=lock_wait)
    except RefreshAlreadyRunning as exc:
        logger.warning("micro-batch skipped: %s", exc)
        return f"skipped: {exc}"
    (logger.warning if result.full_resegmentation_due else logger.info)(result.summary())
    return result.summary()
