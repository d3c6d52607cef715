"""Live tables between versions: per-batch files, replaced on replay, and the catalog's live views."""

import duckdb
import pandas as pd

from python_models.publishing.live import ASSIGNMENTS, CHANGES, LiveStore, add_live_views


def _assign(batch, version, rows, at):
    return pd.DataFrame([{"customer_id": c, "segment_id": s, "segment_name": f"s{s}", "distance_to_centroid": 1.0,
                          "second_segment_id": 0, "margin": 0.5, "version_id": version, "batch_id": batch,
                          "assigned_at_utc": pd.Timestamp(at)} for c, s in rows])


def test_store_writes_one_file_per_batch_and_replaces_it_on_replay(tmp_path):
    store = LiveStore(tmp_path)
    assert store.tables() == [] and store.read(CHANGES).empty
    store.write(ASSIGNMENTS, "b1", _assign("b1", "v1", [("a", 1), ("b", 2)], "2026-01-01 10:00"))
    store.write(ASSIGNMENTS, "b1", _assign("b1", "v1", [("a", 1), ("b", 2)], "2026-01-01 10:00"))
    store.write(ASSIGNMENTS, "b2", _assign("b2", "v1", [("a", 3)], "2026-01-01 10:05"))
    store.write(ASSIGNMENTS, "b3", _assign("b3", "v2", [("b", 0)], "2026-01-01 10:06"))
    store.write(CHANGES, "b1", pd.DataFrame())  # nothing changed: no file
    assert store.tables() == [ASSIGNMENTS]
    assert len(store.read(ASSIGNMENTS)) == 4 and len(store.read(ASSIGNMENTS, "v1")) == 3
    latest = store.latest(ASSIGNMENTS, "v1").set_index("customer_id")["segment_id"].to_dict()
    assert latest == {"a": 3, "b": 2}


def test_live_membership_is_the_version_with_its_latest_assignments_on_top(tmp_path):
    published = tmp_path / "segment_membership.parquet"
    pd.DataFrame({"customer_id": ["a", "b", "c"], "segment_id": [0, 0, 1], "segment_name": ["s0", "s0", "s1"],
                  "distance_to_centroid": 1.0, "second_segment_id": 1, "margin": 0.1}).to_parquet(published)
    store = LiveStore(tmp_path / "wh")
    store.write(ASSIGNMENTS, "b1", _assign("b1", "v1", [("a", 1), ("new", 2)], "2026-01-01 10:00"))
    store.write(ASSIGNMENTS, "b2", _assign("b2", "v1", [("a", 2)], "2026-01-01 10:05"))
    store.write(ASSIGNMENTS, "b0", _assign("b0", "v0", [("c", 0)], "2026-01-01 09:00"))  # an older version's
    con = duckdb.connect()
    created = add_live_views(con, tmp_path / "wh", "v1", {"segment_membership": published})
    assert created == [ASSIGNMENTS, "live_membership"]
    got = dict(con.sql("select customer_id, segment_id from live_membership").fetchall())
    assert got == {"a": 2, "b": 0, "c": 1, "new": 2}
    by = dict(con.sql("select customer_id, assigned_by from live_membership").fetchall())
    assert by["b"] == "published" and by["a"] == "micro-batch"
    # no live rows yet: live_membership is the published membership
    con2 = duckdb.connect()
    add_live_views(con2, tmp_path / "empty", "v1", {"segment_membership": published})
    assert con2.sql("select count(*) from live_membership").fetchall()[0][0] == 3
