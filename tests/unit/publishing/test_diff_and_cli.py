"""segmart diff's reasons, the CLI around versions, and readers during publishes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from flows.cli import main
from python_models.publishing import Warehouse, publish
from python_models.publishing.diff import ABSENT, diff_versions
from tests.unit.publishing.build_fixture import PUBLISHED, write_build, write_manifest

A_MEMBERS = {"C1": 0, "C2": 0, "C3": 0, "C4": 1, "C5": 1, "C6": 2, "C9": 2, "C10": 2}
A_FEATURES = {c: 1.0 for c in A_MEMBERS}
B_MEMBERS = {"C1": 0, "C2": 1, "C3": 1, "C5": 1, "C6": 2, "C7": 0, "C8": 2, "C10": 0}
B_FEATURES = {**{c: 1.0 for c in B_MEMBERS}, "C2": 5.0}


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("diff")
    db, root = folder / "build.duckdb", folder / "warehouse"
    manifest = write_manifest(folder, PUBLISHED, ["gates"])
    write_build(db, A_MEMBERS, A_FEATURES, centroids={0: 0.0, 1: 1.0, 2: 2.0})
    a = publish(db, manifest, root)
    write_build(db, B_MEMBERS, B_FEATURES, centroids={0: 0.0, 1: 1.5, 2: 2.0},
                id_changes=[("merge", "C4", "C5"), ("split", "C6", "C8"), ("removed", "C9", None)])
    b = publish(db, manifest, root)
    return root, a.version_id, b.version_id, db, manifest


def test_diff_explains_why_each_person_moved(two_versions):
    root, a, b, _, _ = two_versions
    result = diff_versions(root, a, b)
    reasons = {row.customer_id: (row.segment_a.split()[0], row.segment_b.split()[0], row.reason)
               for row in result.movers.itertuples()}
    absent = ABSENT.split()[0]
    assert reasons == {
        "C2": ("0", "1", "features changed"),
        "C3": ("0", "1", "centroid moved"),
        "C4": ("1", absent, "identity merge"),
        "C7": (absent, "0", "new person"),
        "C8": (absent, "2", "identity split"),
        "C9": ("2", absent, "records removed"),
        "C10": ("2", "0", "model changed"),
    }
    assert "C1" not in reasons and "C5" not in reasons and "C6" not in reasons  # they did not move
    assert (result.n_a, result.n_b) == (len(A_MEMBERS), len(B_MEMBERS))
    matrix = result.matrix()
    assert int(matrix.to_numpy().sum()) == len(set(A_MEMBERS) | set(B_MEMBERS))
    assert matrix.loc["0 segment 0", "1 segment 1"] == 2  # C2, C3
    entered = result.by_segment().query("segment == '0 segment 0' and direction == 'entered'")
    assert dict(zip(entered.reason, entered.n_customers, strict=True)) == {"new person": 1, "model changed": 1}


def test_cli_versions_diff_rollback_and_query(two_versions, monkeypatch):
    root, a, b, _, _ = two_versions
    monkeypatch.setenv("SEGMART_WAREHOUSE_DIR", str(root))
    runner = CliRunner()
    out = runner.invoke(main, ["versions"])
    assert out.exit_code == 0, out.output
    assert f"* {b}  published" in out.output and f"  {a}  superseded" in out.output
    out = runner.invoke(main, ["diff", a, "current", "--customers", "3"])
    assert out.exit_code == 0, out.output
    assert "7 moved" in out.output and "features changed" in out.output and "identity split" in out.output
    out = runner.invoke(main, ["rollback", a[:18]])
    assert out.exit_code == 0 and f"now serving {a}" in out.output, out.output
    out = runner.invoke(main, ["query", "select count(*) as n from current_membership"])
    assert out.exit_code == 0 and f" {len(A_MEMBERS)} " in out.output, out.output
    out = runner.invoke(main, ["query", "select status from segment_versions where version_id = '" + b + "'"])
    assert "rolled_back" in out.output
    out = runner.invoke(main, ["rollback", b])
    assert out.exit_code == 0, out.output


@pytest.mark.parametrize("sql", [
    "create table x as select 1",
    "drop view current_membership",
    "copy current_membership to '/tmp/segmart-should-not-exist.csv'",
    "attach '/tmp/segmart-should-not-exist.duckdb' as w",
    "select 1; delete from segment_versions",
])
def test_query_refuses_writes_with_one_clear_line(two_versions, monkeypatch, sql):
    root = two_versions[0]
    monkeypatch.setenv("SEGMART_WAREHOUSE_DIR", str(root))
    out = CliRunner().invoke(main, ["query", sql])
    assert out.exit_code != 0
    lines = [ln for ln in out.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "refused: segmart query is read-only" in lines[0], out.output
    assert "Traceback" not in out.output


def test_unknown_version_is_one_clear_line(two_versions, monkeypatch):
    monkeypatch.setenv("SEGMART_WAREHOUSE_DIR", str(two_versions[0]))
    out = CliRunner().invoke(main, ["rollback", "v1999"])
    assert out.exit_code == 1 and "no version 'v1999'" in out.output and "Traceback" not in out.output


READER = textwrap.dedent("""
    import json, os, sys, time
    import duckdb
    path, seconds = sys.argv[1], float(sys.argv[2])
    stop_file = sys.argv[3] if len(sys.argv) > 3 else None  # or until this file appears
    pause = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0  # between queries, to spare the CPU
    stats = {"queries": 0, "errors": [], "incomplete": [], "versions": set()}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (stop_file and os.path.exists(stop_file)):
        try:
            con = duckdb.connect(path, read_only=True)
            try:
                version, expected = con.sql(
                    "select version_id, row_counts from segment_versions where is_current").fetchall()[0]
                expected = json.loads(expected)
                actual = {t: con.sql(f"select count(*) from {t}").fetchall()[0][0] for t in expected}
                history = con.sql("select count(*) from membership_history where version_id = $1",
                                  params=[version]).fetchall()[0][0]
            finally:
                con.close()
            stats["queries"] += 1
            stats["versions"].add(version)
            if actual != expected or history != expected["segment_membership"]:
                stats["incomplete"].append([version, expected, actual, history])
        except Exception as exc:
            stats["errors"].append(repr(exc))
        time.sleep(pause)
    stats["versions"] = sorted(stats["versions"])
    print(json.dumps(stats))
""")


def test_readers_never_fail_and_always_see_a_complete_version_during_publishes(tmp_path):
    db, root = tmp_path / "build.duckdb", tmp_path / "warehouse"
    manifest = write_manifest(tmp_path, PUBLISHED, ["gates"])
    write_build(db, {f"C{i}": i % 4 for i in range(100)})
    publish(db, manifest, root)
    serving = Warehouse(root).serving_db
    reader = subprocess.Popen([sys.executable, "-c", READER, str(serving), "5"], stdout=subprocess.PIPE, text=True)
    published = 1
    try:
        while reader.poll() is None and published < 40:
            n = 100 + 37 * published  # every version has a different size
            write_build(db, {f"C{i}": i % 4 for i in range(n)}, gate_passed=published % 5 != 0)
            publish(db, manifest, root)
            published += 1
    finally:
        stats = json.loads(reader.communicate(timeout=60)[0])
    print(f"reader: {stats['queries']} queries over {len(stats['versions'])} versions, {published} publishes")
    assert stats["errors"] == [] and stats["incomplete"] == []
    assert stats["queries"] >= 20 and len(stats["versions"]) >= 3, stats


def test_cli_publish_of_a_build_failing_a_gate_exits_2_and_keeps_serving(tmp_path, monkeypatch):
    db = tmp_path / "build.duckdb"
    manifest = write_manifest(tmp_path, PUBLISHED, ["gates"])
    write_build(db, {"C1": 0, "C2": 1})
    monkeypatch.setenv("SEGMART_DB_PATH", str(db))
    monkeypatch.setenv("DBT_TARGET_PATH", str(manifest.parent))
    monkeypatch.setenv("SEGMART_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    monkeypatch.delenv("SEGMART_WAREHOUSE_DIR", raising=False)
    runner = CliRunner()
    ok = runner.invoke(main, ["publish"])
    assert ok.exit_code == 0 and "published v" in ok.output, ok.output
    served = Warehouse(tmp_path).current_version()
    write_build(db, {"C1": 0, "C2": 1, "C3": 1}, gate_passed=False)
    refused = runner.invoke(main, ["publish"])
    assert refused.exit_code == 2, refused.output
    assert "NOT published" in refused.output and "FAILED gate segmentation/min_segment_share" in refused.output
    assert Warehouse(tmp_path).current_version() == served
