"""A publish killed (SIGKILL) at any moment leaves the served version intact, and the next one works."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

from python_models.publishing import Warehouse, connect_serving, publish, version_rows
from tests.unit.publishing.build_fixture import PUBLISHED, write_build, write_manifest

PUBLISH = textwrap.dedent("""
    import sys
    from python_models.publishing import publish
    print("start", flush=True)
    publish(sys.argv[1], sys.argv[2], sys.argv[3])
""")


def _served_is_complete(wh: Warehouse) -> str:
    con = connect_serving(wh)
    try:
        version, counts = con.sql("select version_id, row_counts from segment_versions where is_current").fetchall()[0]
        for table, rows in json.loads(counts).items():
            assert con.sql(f"select count(*) from {table}").fetchall() == [(rows,)], (version, table)
    finally:
        con.close()
    return version


def test_sigkill_at_random_points_of_a_publish(tmp_path):
    db, root = tmp_path / "build.duckdb", tmp_path / "warehouse"
    manifest = write_manifest(tmp_path, PUBLISHED, ["gates"])
    write_build(db, {f"C{i}": i % 5 for i in range(20_000)})
    first = publish(db, manifest, root)
    wh = Warehouse(root)
    rng = random.Random(7)
    killed_after = []
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", PUBLISH, str(db), str(manifest), str(root)],
                                stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
        proc.stdout.readline()  # imports done: the kill lands inside publish()
        delay = rng.uniform(0.0, 0.4)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed_after.append(delay)
        served = _served_is_complete(wh)
        assert served in wh.version_ids()
        for version_id in wh.version_ids():  # every version folder is whole
            meta = wh.read_version(version_id)
            assert all((wh.version_dir(version_id) / t["file"]).is_file() for t in meta["tables"].values())
    last = publish(db, manifest, root)
    assert last.published and _served_is_complete(wh) == last.version_id
    assert not list(wh.versions_dir.glob(".tmp-*")) and not list(root.glob(".serving.duckdb.*.tmp"))
    statuses = {r["version_id"]: r["status"] for r in version_rows(wh)}
    assert statuses[last.version_id] == "published" and statuses[first.version_id] == "superseded"
