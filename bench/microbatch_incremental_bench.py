"""Cost of a micro-batch's `dbt run` alone, and proof that its incremental result equals a full rebuild.

    python bench/microbatch_incremental_bench.py --workdir <built work dir> [--records 50000]

The work dir holds a build (build.duckdb, lake/, as bench/features_bench.py leaves one; use a copy:
it is changed). Lands one stream minute of --records records (web events, orders, social), ingests
it, times the micro-batch selection's `dbt run` (wall and CPU seconds of this process, which runs
dbt and DuckDB in-process; the seconds of every node), then rebuilds the event base tables, their
exact duplicates, the attributed fact tables and customer_features in full and asserts the
incremental tables equal them (compared inside DuckDB: EXCEPT ALL both ways, so a 1M-people build
is never read into memory) and the touched customers' features equal the rebuilt ones
(--no-check: time the batch only).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

ATTRIBUTED = [f"int_features__{t}_attributed" for t in ("order_lines", "web_events", "social_interactions", "campaign_events")]
EVENT_BASES = ["base_web__events", "base_shop__order_lines", "base_social__interactions", "base_marketing__campaign_events"]
DUPLICATES = [f"{b}_exact_duplicates" for b in EVENT_BASES]
SNAPSHOT = "microbatch_bench_incremental"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--records", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--no-check", action="store_true", help="time the batch only (no full rebuild to compare with)")
    args = ap.parse_args()
    work = args.workdir.resolve()
    for name, value in {"SEGMART_DB_PATH": work / "build.duckdb", "SEGMART_WAREHOUSE_DIR": work / "warehouse",
                        "SEGMART_LAKE_DIR": work / "lake", "SEGMART_ARTIFACTS_DIR": work / "artifacts",
                        "DBT_TARGET_PATH": work / "target", "DBT_LOG_PATH": work / "logs"}.items():
        os.environ[name] = str(value)

    import duckdb
    import pandas as pd

    from flows.dbt_runner import run_dbt
    from flows.microbatch_flow import EVENT_ENTITIES, IDENTITY_EXCLUDE, LOAD_IDS_ENV, dbt_selection
    from flows.settings import Paths
    from python_models.generate.stream import simulate_stream
    from python_models.lake import ingest

    paths = Paths.from_env()

    def sql(query: str, read_only: bool = True) -> list[tuple]:
        # the comparisons spill instead of holding a 1M-people table in memory
        con = duckdb.connect(str(paths.build_db), read_only=read_only,
                             config={"memory_limit": os.environ.get("SEGMART_DUCKDB_MEMORY", "3GB")})
        try:
            return con.sql(query).fetchall()
        finally:
            con.close()

    # A build made before the duplicates tables carried their watermark would recompute every
    # duplicate in its first micro-batch (once); build them now so the batch measures the steady state.
    listed = ", ".join(f"'{t}'" for t in DUPLICATES)
    noted = sql(f"select count(*) from duckdb_tables() where table_name in ({listed}) and comment like 'accounts for%'")
    if noted[0][0] < len(DUPLICATES):
        run_dbt(["run", "--select", *DUPLICATES], paths)
        print("exact-duplicates tables rebuilt once (no watermark yet; not timed)")

    simulate_stream(work / "lake", args.records, 1, seed=args.seed, new_people_per_minute=2.0)
    report = ingest(work / "lake")
    grown = sorted({f.entity for f in report.files if f.status == "loaded" and f.rows_written} & set(EVENT_ENTITIES))
    os.environ[LOAD_IDS_ENV] = report.load_id
    load = os.getloadavg()
    started, cpu = time.perf_counter(), os.times()
    run = run_dbt(["run", "--select", *dbt_selection(grown), "--exclude", *IDENTITY_EXCLUDE], paths)
    after = os.times()
    print(f"load {report.load_id} ({', '.join(grown)}): micro-batch dbt run {time.perf_counter() - started:.1f} s wall, "
          f"{after.user - cpu.user + after.system - cpu.system:.1f} CPU s; load average before {load}, after {os.getloadavg()}")
    for node in sorted(run.nodes, key=lambda n: -n.seconds):
        print(f"  {node.unique_id.split('.')[-1]:<55} {node.seconds:6.2f} s")
    del os.environ[LOAD_IDS_ENV]
    if args.no_check:
        return

    compared = [*EVENT_BASES, *DUPLICATES, *ATTRIBUTED]
    sql(f"create or replace schema {SNAPSHOT}", read_only=False)
    for table in compared:
        sql(f"create table {SNAPSHOT}.{table} as select * from main.{table}", read_only=False)
    con = duckdb.connect(str(paths.build_db), read_only=True)
    try:
        micro = con.sql("select * from int_microbatch__customer_features").df().set_index("customer_id").sort_index()
    finally:
        con.close()
    run_dbt(["run", "--select", *compared, "customer_features"], paths)
    try:
        for table in compared:
            rows = sql(f"select count(*) from main.{table}")[0][0]
            extra = sql(f"select count(*) from (from {SNAPSHOT}.{table} except all from main.{table})")[0][0]
            missing = sql(f"select count(*) from (from main.{table} except all from {SNAPSHOT}.{table})")[0][0]
            assert extra == missing == 0, f"{table}: {extra} rows only incremental, {missing} only rebuilt"
            print(f"{table}: {rows:,} rows, incremental == full rebuild")
    finally:
        sql(f"drop schema {SNAPSHOT} cascade", read_only=False)
    con = duckdb.connect(str(paths.build_db), read_only=True)
    try:
        rebuilt = con.sql("select * from customer_features").df().set_index("customer_id")
    finally:
        con.close()
    pd.testing.assert_frame_equal(micro, rebuilt.loc[micro.index], check_exact=False, rtol=1e-12)
    print(f"{len(micro):,} touched customers' features == full rebuild")


if __name__ == "__main__":
    main()
