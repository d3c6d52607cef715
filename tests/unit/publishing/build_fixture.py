"""A hand-made build database and dbt manifest: what the publisher reads, without running dbt."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import duckdb

PUBLISHED = ["segment_membership", "customer_features", "segment_centroids", "customer_id_changes"]


def write_manifest(folder: Path, publish: list[str], gates: list[str]) -> Path:
    nodes = {}
    for name, tag in [*((n, "publish") for n in publish), *((n, "gates") for n in gates)]:
        nodes[f"model.segmart.{name}"] = {
            "resource_type": "model", "name": name, "schema": "main", "alias": name,
            "unique_id": f"model.segmart.{name}", "tags": [tag], "config": {"enabled": True},
            "checksum": {"name": "sha256", "checksum": name},
        }
    path = folder / "manifest.json"
    path.write_text(json.dumps({"metadata": {"invocation_id": "test"}, "nodes": nodes}))
    return path


def write_build(db: Path, members: dict[str, int], features: dict[str, float] | None = None,
                centroids: dict[int, float] | None = None, id_changes: list[tuple] = (),
                gate_passed: bool | None = True, run_id: str | None = None) -> None:
    """members: customer_id -> segment_id; features: customer_id -> one feature value."""
    features = features or {c: 1.0 for c in members}
    centroids = centroids or {s: float(s) for s in set(members.values())}
    run_id = run_id or uuid.uuid4().hex
    con = duckdb.connect(str(db))
    try:
        for table in [*PUBLISHED, "gates"]:
            con.execute(f"drop table if exists {table}")
        # the columns of the agreed interface (the catalog's live_membership view reads them)
        con.execute("create table segment_membership (customer_id varchar, segment_id integer, segment_name varchar, "
                    "distance_to_centroid double, second_segment_id integer, margin double)")
        con.executemany("insert into segment_membership values (?, ?, ?, 0.5, ?, 0.1)",
                        [(c, s, f"segment {s}", s + 1) for c, s in members.items()])
        con.execute("create table customer_features (customer_id varchar, spend double, "
                    "features_cutoff_at_utc timestamp)")
        con.executemany("insert into customer_features values (?, ?, '2026-06-30 00:00:00')", list(features.items()))
        # run_id changes on every build even when the centroids do not (as in the real mart)
        con.execute("create table segment_centroids (run_id varchar, segment_id integer, feature varchar, value double)")
        con.executemany("insert into segment_centroids values (?, ?, 'spend', ?)",
                        [(run_id, s, v) for s, v in centroids.items()])
        con.execute("create table customer_id_changes (change varchar, from_customer_id varchar, "
                    "to_customer_id varchar, n_records integer)")
        if id_changes:
            con.executemany("insert into customer_id_changes values (?, ?, ?, 1)", list(id_changes))
        con.execute("create table gates (area varchar, gate varchar, value double, threshold double, "
                    "passed boolean, detail varchar)")
        con.execute("insert into gates values ('segmentation', 'min_segment_share', 0.2, 0.05, ?, 'smallest segment')",
                    [gate_passed])
    finally:
        con.close()
