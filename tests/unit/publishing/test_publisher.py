"""The publisher as a library, on a hand-made build database and manifest (no dbt, no Prefect)."""

from __future__ import annotations

import json

import duckdb
import pytest

from python_models.publishing import PublishError, Warehouse, connect_serving, publish, rollback, version_rows
from tests.unit.publishing.build_fixture import PUBLISHED, write_build, write_manifest

MEMBERS = {f"C{i:03d}": i % 3 for i in range(30)}


@pytest.fixture
def build(tmp_path):
    db = tmp_path / "build" / "build.duckdb"
    db.parent.mkdir()
    manifest = write_manifest(tmp_path / "build", PUBLISHED, ["gates"])
    root = tmp_path / "warehouse"

    def run(members=MEMBERS, **kwargs):
        write_build(db, members, **kwargs)
        return publish(db, manifest, root)

    return run, Warehouse(root), db, manifest


def served(warehouse: Warehouse, sql: str):
    con = connect_serving(warehouse)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


def test_publish_serves_every_tagged_table_with_its_row_counts(build):
    run, wh, _, _ = build
    result = run()
    assert result.published and wh.current_version() == result.version_id
    assert result.tables == {"segment_membership": 30, "customer_features": 30, "segment_centroids": 3,
                             "customer_id_changes": 0}
    for table, rows in result.tables.items():
        assert served(wh, f"select count(*) from {table}") == [(rows,)]
    assert served(wh, "select segment_id, count(*) from current_membership group by 1 order by 1") == [
        (0, 10), (1, 10), (2, 10)]
    (row,) = served(wh, "select version_id, status, is_current, gates_passed, row_counts from segment_versions")
    assert row[:4] == (result.version_id, "published", True, True)
    assert json.loads(row[4]) == result.tables
    assert served(wh, "select gate, passed from version_gates") == [("min_segment_share", True)]
    # the version is a folder of read-only files, complete, with no temporary leftovers
    assert sorted(p.name for p in (result.path / "tables").iterdir()) == sorted(f"{t}.parquet" for t in PUBLISHED)
    assert not list(wh.versions_dir.glob(".tmp-*"))


@pytest.mark.parametrize("gate_passed", [False, None])
def test_a_version_failing_a_gate_is_kept_but_not_served(build, gate_passed):
    run, wh, _, _ = build
    first = run()
    failed = run(members={**MEMBERS, "C999": 0}, gate_passed=gate_passed)
    assert not failed.published and failed.failed_gates
    assert wh.current_version() == first.version_id
    assert served(wh, "select count(*) from current_membership") == [(30,)]
    statuses = dict(served(wh, "select version_id, status from segment_versions"))
    assert statuses == {first.version_id: "published", failed.version_id: "failed_gates"}
    # kept for inspection: its files are there and readable
    assert duckdb.sql(f"select count(*) from read_parquet('{failed.path}/tables/segment_membership.parquet')"
                      ).fetchall() == [(31,)]
    with pytest.raises(PublishError, match="failed its gates"):
        rollback(wh.root, failed.version_id)


def test_rollback_serves_an_earlier_version_and_is_recorded(build):
    run, wh, _, _ = build
    first = run()
    second = run(members={**MEMBERS, "C100": 1})
    assert served(wh, "select count(*) from current_membership") == [(31,)]
    assert rollback(wh.root, "previous") == (first.version_id, second.version_id)
    assert served(wh, "select count(*) from current_membership") == [(30,)]
    rows = {r["version_id"]: r for r in version_rows(wh)}
    assert rows[first.version_id]["status"] == "published"
    assert rows[first.version_id]["last_switch_action"] == "rollback"
    assert rows[second.version_id]["status"] == "rolled_back"
    assert served(wh, "select action from version_events order by at_utc") == [("publish",), ("publish",),
                                                                              ("rollback",)]
    with pytest.raises(PublishError, match="already the published version"):
        rollback(wh.root, first.version_id)
    third = run(members={**MEMBERS, "C101": 1})
    statuses = {r["version_id"]: r["status"] for r in version_rows(wh)}
    assert statuses == {first.version_id: "superseded", second.version_id: "rolled_back",
                        third.version_id: "published"}


def test_membership_history_keeps_every_served_version(build):
    run, wh, _, _ = build
    first = run()
    run(members={**MEMBERS, "C100": 1}, gate_passed=False)
    third = run(members={**MEMBERS, "C100": 1, "C101": 2})
    history = served(wh, "select version_id, count(*) from membership_history group by 1 order by 1")
    assert history == [(first.version_id, 30), (third.version_id, 32)]  # not the version that failed


def test_same_content_gives_the_same_hash_and_different_content_another(build):
    run, _, _, _ = build
    a, b = run(run_id="r1"), run(run_id="r1")
    c = run(members={**MEMBERS, "C000": 2}, run_id="r1")
    assert a.version_id != b.version_id and a.version_id < b.version_id < c.version_id
    assert a.version_id.split("-")[-1] == b.version_id.split("-")[-1] != c.version_id.split("-")[-1]


def test_a_tagged_model_missing_from_the_build_is_an_error_and_leaves_nothing(build, tmp_path):
    run, wh, db, _ = build
    first = run()
    manifest = write_manifest(tmp_path, [*PUBLISHED, "segment_profiles"], [])
    with pytest.raises(PublishError, match="segment_profiles is tagged 'publish' but is not in the build"):
        publish(db, manifest, wh.root)
    assert wh.version_ids() == [first.version_id] and wh.current_version() == first.version_id


def test_a_publish_killed_half_way_leaves_the_served_version_intact(build):
    run, wh, _, _ = build
    first = run()
    # what a SIGKILL between copying and renaming leaves behind
    (wh.versions_dir / ".tmp-1-2" / "tables").mkdir(parents=True)
    (wh.serving_dir / ".tmp" / "catalog-vX--1.duckdb").write_text("half")
    assert served(wh, "select count(*) from current_membership") == [(30,)]
    assert wh.version_ids() == [first.version_id]
    second = run(members={**MEMBERS, "C100": 1})
    assert second.published and not list(wh.versions_dir.glob(".tmp-*"))
    assert not list((wh.serving_dir / ".tmp").iterdir())


def test_gate_models_must_have_the_gate_columns(build, tmp_path):
    run, wh, db, _ = build
    run()
    con = duckdb.connect(str(db))
    con.execute("create or replace table gates as select 'a' as area, true as passed")
    con.close()
    with pytest.raises(PublishError, match="lacks column"):
        publish(db, write_manifest(tmp_path, PUBLISHED, ["gates"]), wh.root)


def test_a_version_whose_column_changed_type_is_listed_not_stacked_in_history(build):
    run, wh, db, manifest = build
    first = run()
    con = duckdb.connect(str(db))
    con.execute("alter table segment_membership alter segment_id type varchar")
    con.execute("update segment_membership set segment_id = 'k' || segment_id")
    con.close()
    second = publish(db, manifest, wh.root)
    history = served(wh, "select version_id, count(*) from membership_history group by 1")
    assert history == [(second.version_id, 30)]
    ((version, reason),) = served(wh, "select version_id, reason from history_exclusions "
                                      "where table_name = 'segment_membership'")
    assert version == first.version_id and "segment_id INTEGER (newest: VARCHAR)" in reason
    assert served(wh, "select count(*) from history.customer_features") == [(60,)]
