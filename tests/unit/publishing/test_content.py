"""Version content for idempotency checks: row hashes without run metadata, and what differs."""

from __future__ import annotations

import stat

from python_models.publishing import Warehouse, publish
from python_models.publishing.content import RUN_METADATA_COLUMNS, compare_versions, version_content
from tests.unit.publishing.build_fixture import PUBLISHED, write_build, write_manifest

MEMBERS = {f"C{i}": i % 3 for i in range(50)}


def _publish(tmp_path, members, run_id):
    db = tmp_path / "build.duckdb"
    write_build(db, members, run_id=run_id)
    return publish(db, write_manifest(tmp_path, PUBLISHED, ["gates"]), tmp_path / "wh").version_id


def test_rebuilds_of_the_same_rows_have_the_same_content_apart_from_run_ids(tmp_path):
    wh = Warehouse(tmp_path / "wh")
    first, second = _publish(tmp_path, MEMBERS, "run-a"), _publish(tmp_path, MEMBERS, "run-b")
    a, b = version_content(wh, first), version_content(wh, second)
    assert compare_versions(a, b) == {}
    assert a["segment_centroids"].excluded == ("run_id",) and "run_id" in RUN_METADATA_COLUMNS
    # with run_id kept, the centroids differ in every row
    assert compare_versions(version_content(wh, first, frozenset()), version_content(wh, second, frozenset())) == {
        "segment_centroids": 2 * a["segment_centroids"].rows}


def test_one_changed_row_is_counted_on_both_sides(tmp_path):
    wh = Warehouse(tmp_path / "wh")
    first = _publish(tmp_path, MEMBERS, "run-a")
    second = _publish(tmp_path, {**MEMBERS, "C1": 0}, "run-a")
    diff = compare_versions(version_content(wh, first), version_content(wh, second))
    assert diff == {"segment_membership": 2}  # the old row is missing, the new one is extra


def test_published_versions_and_the_serving_catalog_are_owner_only(tmp_path):
    wh = Warehouse(tmp_path / "wh")
    _publish(tmp_path, MEMBERS, "run-a")
    loose = [p for p in (tmp_path / "wh").rglob("*")
             if not p.is_symlink() and stat.S_IMODE(p.stat().st_mode) & 0o077]
    assert loose == []
    assert wh.serving_db.resolve().is_file()
