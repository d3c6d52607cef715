"""Idempotency of a whole refresh: the same inputs published twice in one warehouse and once in
another give the same rows, row hash by row hash, and the same customer ids.

    .venv/bin/python bench/refresh_idempotency_bench.py --people 2000 --work /tmp/idem

Runs three `segmart refresh`es (one process each, as a user would): A1 and A2 on one lake and
warehouse, B1 on a fresh copy of the same landing files with its own raw zone and warehouse.
A1 vs A2 leaves out run metadata only (python_models/publishing/content.py); A2 vs B1 also the
ingest-run ids (load_id, loaded_at), which two separately ingested raw zones differ in by design.
ML settings: the test build's (DEMO_VARS) unless --default-vars.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from python_models.publishing import Warehouse  # noqa: E402
from python_models.publishing.content import (  # noqa: E402
    INGEST_METADATA_COLUMNS,
    RUN_METADATA_COLUMNS,
    compare_versions,
    version_content,
)
from tests.integration.conftest import DEMO_VARS  # noqa: E402

REFRESH = """
import json, sys
from flows.refresh_flow import refresh_flow
from flows.refresh_lock import refresh_lock
from flows.settings import Paths
if __name__ == "__main__":
    paths = Paths.from_env(sys.argv[1])
    with refresh_lock(paths.build_db, "idempotency bench", wait_seconds=0):
        refresh_flow(str(paths.lake_dir), dbt_vars=json.loads(sys.argv[2]) or None)
"""


def refresh(lake: Path, wh: Path, dbt_vars: dict) -> tuple[str, float, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEGMART_")}
    env.update({"PYTHONPATH": str(REPO), "SEGMART_DB_PATH": str(wh / "build.duckdb"),
                "SEGMART_WAREHOUSE_DIR": str(wh), "DBT_TARGET_PATH": str(wh / "target"),
                "DBT_LOG_PATH": str(wh / "logs"), "PREFECT_LOGGING_LEVEL": "ERROR"})
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", REFRESH, str(lake), json.dumps(dbt_vars)], env=env,
                          capture_output=True, text=True)
    # a version kept because a gate failed is as much the refresh's output as a served one
    version = max(Warehouse(wh).version_ids(), default=None)
    if proc.returncode and (version is None or "GatesFailed" not in proc.stderr):
        sys.exit(f"refresh failed:\n{proc.stderr[-4000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return version, time.perf_counter() - started, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--default-vars", action="store_true", help="the project's ML defaults, not DEMO_VARS")
    args = parser.parse_args()
    from python_models.generate import generate_lake

    shutil.rmtree(args.work, ignore_errors=True)
    lake_a, lake_b = args.work / "a" / "lake", args.work / "b" / "lake"
    generate_lake(lake_a, people=args.people, seed=args.seed)
    shutil.copytree(lake_a, lake_b)
    dbt_vars = {} if args.default_vars else DEMO_VARS
    runs = {}
    for name, lake in (("A1", lake_a), ("A2", lake_a), ("B1", lake_b)):
        runs[name] = refresh(lake, lake.parent / "wh", dbt_vars)
        status = Warehouse(lake.parent / "wh").read_version(runs[name][0])["status"]
        print(f"{name}: {runs[name][0]} ({status}) in {runs[name][1]:.0f} s wall, {runs[name][2]:.0f} s CPU",
              flush=True)
    wh_a, wh_b = Warehouse(args.work / "a" / "wh"), Warehouse(args.work / "b" / "wh")
    a1 = version_content(wh_a, runs["A1"][0])
    a2 = version_content(wh_a, runs["A2"][0])
    both = RUN_METADATA_COLUMNS | INGEST_METADATA_COLUMNS
    a2_wide, b1 = version_content(wh_a, runs["A2"][0], both), version_content(wh_b, runs["B1"][0], both)
    same_warehouse, other_warehouse = compare_versions(a1, a2), compare_versions(a2_wide, b1)
    rows = sum(t.rows for t in a2.values())
    ids = [{h for h in c["dim_customers"].row_hashes} for c in (a2_wide, b1)]
    print(f"people {args.people}, ML vars {'defaults' if args.default_vars else 'DEMO_VARS'}, "
          f"{len(a2)} published tables, {rows:,} rows hashed per version")
    print(f"A1 vs A2 (same warehouse): {len(same_warehouse)} tables differ {same_warehouse or ''}")
    print(f"A2 vs B1 (other warehouse, own raw zone): {len(other_warehouse)} tables differ {other_warehouse or ''}")
    print(f"dim_customers rows identical across warehouses: {ids[0] == ids[1]}")
    print(f"left out: {sorted(RUN_METADATA_COLUMNS)}; across warehouses also {sorted(INGEST_METADATA_COLUMNS)}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
