"""Stable ``customer_id`` across runs, and the merges and splits between two runs.

A cluster of the new run inherits the previous id held by most of its records, and an id follows
the majority of its records: candidate (cluster, previous id) pairs are taken by decreasing number
of shared records and each cluster and each previous id is used at most once. A cluster left
without a previous id gets a new one, 'C' + 12 hex characters of the SHA-1 of its earliest record
(earliest ``created_at``/``updated_at``, then smallest record key), re-salted on collision, so a
fresh run on the same data gives the same ids.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

KEY_COLUMNS = ["source_system", "source_record_id"]


def make_customer_id(record_key: str, salt: int = 0) -> str:
    """'C' + the first 12 hex characters of SHA-1(record_key[#salt])."""
    text = record_key if salt == 0 else f"{record_key}#{salt}"
    return "C" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def record_key(source_system: str, source_record_id: str) -> str:
    return f"{source_system}:{source_record_id}"


@dataclass
class StableIdResult:
    assignments: pd.DataFrame  # source_system, source_record_id, cluster, customer_id
    changes: pd.DataFrame  # change (merge|split|removed), from_customer_id, to_customer_id, n_records
    record_changes: pd.DataFrame  # source_system, source_record_id, previous_customer_id, customer_id
    summary: dict


def _earliest_keys(frame: pd.DataFrame) -> pd.Series:
    """Per cluster: the key of its earliest record."""
    order_cols, ascending = [], []
    for col in ("created_at", "updated_at"):
        if col in frame.columns:
            frame = frame.assign(**{f"_{col}": pd.to_datetime(frame[col], errors="coerce", utc=True)})
            order_cols.append(f"_{col}")
            ascending.append(True)
            break
    ordered = frame.sort_values([*order_cols, "_key"], ascending=[*ascending, True], na_position="last",
                                kind="stable")
    return ordered.drop_duplicates("cluster").set_index("cluster")["_key"]


def assign_stable_ids(records: pd.DataFrame, previous: pd.DataFrame | None = None) -> StableIdResult:
    """Give every cluster a customer_id, keeping previous ids where the records say so.

    ``records``: source_system, source_record_id, cluster (any hashable label) and optionally
    created_at/updated_at. ``previous``: source_system, source_record_id, customer_id of the last run.
    """
    frame = records.copy()
    frame["source_system"] = frame["source_system"].astype(str)
    frame["source_record_id"] = frame["source_record_id"].astype(str)
    frame["_key"] = frame["source_system"] + ":" + frame["source_record_id"]
    if previous is not None and len(previous):
        prev = previous[[*KEY_COLUMNS, "customer_id"]].copy()
        prev["source_system"] = prev["source_system"].astype(str)
        prev["source_record_id"] = prev["source_record_id"].astype(str)
        prev = prev.drop_duplicates(KEY_COLUMNS).rename(columns={"customer_id": "previous_customer_id"})
        frame = frame.merge(prev, on=KEY_COLUMNS, how="left")
    else:
        prev = pd.DataFrame(columns=[*KEY_COLUMNS, "previous_customer_id"])
        frame["previous_customer_id"] = None

    earliest = _earliest_keys(frame)
    cluster_size = frame.groupby("cluster").size()
    # candidate (cluster, previous id) with shared record counts, strongest first
    known = frame[frame["previous_customer_id"].notna()]
    cand = known.groupby(["cluster", "previous_customer_id"]).size().rename("n").reset_index()
    cand["cluster_size"] = cand["cluster"].map(cluster_size)
    cand["earliest"] = cand["cluster"].map(earliest)
    cand = cand.sort_values(["n", "cluster_size", "previous_customer_id", "earliest"],
                            ascending=[False, False, True, True], kind="stable")
    cluster_id: dict = {}
    used: set[str] = set()
    for cluster, pid in zip(cand["cluster"].tolist(), cand["previous_customer_id"].tolist(), strict=True):
        if cluster in cluster_id or pid in used:
            continue
        cluster_id[cluster] = pid
        used.add(pid)
    taken = set(prev["previous_customer_id"].dropna().tolist()) | used
    n_new = 0
    earliest_map = earliest.to_dict()
    for cluster in sorted(set(cluster_size.index) - set(cluster_id), key=earliest_map.__getitem__):
        salt = 0
        cid = make_customer_id(earliest_map[cluster])
        while cid in taken:
            salt += 1
            cid = make_customer_id(earliest_map[cluster], salt)
        cluster_id[cluster] = cid
        taken.add(cid)
        n_new += 1
    frame["customer_id"] = frame["cluster"].map(cluster_id)

    moved = frame[frame["previous_customer_id"].notna() & (frame["previous_customer_id"] != frame["customer_id"])]
    alive = set(cluster_id.values())
    change_rows = []
    for (pid, cid), n in moved.groupby(["previous_customer_id", "customer_id"]).size().items():
        change_rows.append({"change": "split" if pid in alive else "merge", "from_customer_id": pid,
                            "to_customer_id": cid, "n_records": int(n)})
    if previous is not None and len(prev):
        current_keys = frame[KEY_COLUMNS]
        gone = prev.merge(current_keys, on=KEY_COLUMNS, how="left", indicator=True)
        gone = gone[gone["_merge"] == "left_only"]
        for pid, n in gone.groupby("previous_customer_id").size().items():
            change_rows.append({"change": "removed", "from_customer_id": pid, "to_customer_id": None,
                                "n_records": int(n)})
    changes = pd.DataFrame(change_rows, columns=["change", "from_customer_id", "to_customer_id", "n_records"])
    changes = changes.sort_values(["change", "from_customer_id", "to_customer_id"], kind="stable",
                                  ignore_index=True)
    record_changes = moved[[*KEY_COLUMNS, "previous_customer_id", "customer_id"]].reset_index(drop=True)
    prev_ids = set(prev["previous_customer_id"].dropna().tolist())
    summary = {
        "n_records": int(len(frame)),
        "n_customers": int(len(alive)),
        "n_new_customer_ids": n_new,
        "n_kept_customer_ids": int(len(alive & prev_ids)),
        "n_retired_customer_ids": int(len(prev_ids - alive)),
        "n_records_changed_id": int(len(moved)),
        "n_merges": int((changes["change"] == "merge").sum()),
        "n_splits": int((changes["change"] == "split").sum()),
    }
    assignments = frame[[*KEY_COLUMNS, "cluster", "customer_id"]].copy()
    assignments.index = records.index
    return StableIdResult(assignments=assignments, changes=changes, record_changes=record_changes,
                          summary=summary)


def customer_ids_for_labels(labels: np.ndarray, records: pd.DataFrame,
                            previous: pd.DataFrame | None = None) -> StableIdResult:
    """Convenience: cluster labels aligned with ``records`` rows -> :func:`assign_stable_ids`."""
    frame = records.copy()
    frame["cluster"] = np.asarray(labels)
    return assign_stable_ids(frame, previous)
