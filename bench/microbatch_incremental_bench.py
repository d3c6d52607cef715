"""Cost of a micro-batch's `dbt run` alone, and proof that its incremental result equals a full rebuild.

    python bench/microbatch_incremental_bench.py --workdir <built work dir> [--records 50000]

The work dir holds a build (build.duckdb, lake/, as bench/features_bench.py leaves one; use a copy:
it is changed). Lands one stream minute of --records records (web events, orders, social), ingests
it, times the micro-batch selection's `dbt run` (wall and CPU seconds of this process, which runs
dbt and DuckDB in-process), then rebuilds the attributed fact tables and customer_features in full
and asserts the incremental tables and the touched customers' features equal them.
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--records", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=5)
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
    simulate_stream(work / "lake", args.records, 1, seed=args.seed, new_people_per_minute=2.0)
    report = ingest(work / "lake")
    grown = sorted({f.entity for f in report.files if f.status == "loaded" and f.rows_written} & set(EVENT_ENTITIES))
    os.environ[LOAD_IDS_ENV] = report.load_id
    started, cpu = time.perf_counter(), os.times()
    run_dbt(["run", "--select", *dbt_selection(grown), "--exclude", *IDENTITY_EXCLUDE], paths)
    after = os.times()
    print(f"load {report.load_id} ({', '.join(grown)}): micro-batch dbt run {time.perf_counter() - started:.1f} s wall, "
          f"{after.user - cpu.user + after.system - cpu.system:.1f} CPU s; load average {os.getloadavg()}")
    del os.environ[LOAD_IDS_ENV]

    def read(tables: list[str]) -> dict[str, pd.DataFrame]:
        con = duckdb.connect(str(paths.build_db), read_only=True)
        try:
            return {t: con.sql(f"select * from {t} order by all").df() for t in tables}
        finally:
            con.close()

    incremental = read([*ATTRIBUTED, "int_microbatch__customer_features"])
    run_dbt(["run", "--select", *ATTRIBUTED, "customer_features"], paths)
    full = read([*ATTRIBUTED, "customer_features"])
    for table in ATTRIBUTED:
        pd.testing.assert_frame_equal(incremental[table], full[table], obj=table)
        print(f"{table}: {len(full[table]):,} rows, incremental == full rebuild")
    micro = incremental["int_microbatch__customer_features"].set_index("customer_id").sort_index()
    rebuilt = full["customer_features"].set_index("customer_id")
    pd.testing.assert_frame_equal(micro, rebuilt.loc[micro.index], check_exact=False, rtol=1e-12)
    print(f"{len(micro):,} touched customers' features == full rebuild")


if __name__ == "__main__":
    main()
