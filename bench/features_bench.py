"""Time the feature layer alone (attribution, customer_features, its training twin, the matrix).

Generates and ingests a demo lake, builds everything the features read (staging, identity) with
`dbt run`, then times `dbt run` of the feature models only, as a separate process whose peak RSS
(process tree, sampled every 50 ms) is recorded. Prints a Markdown table row per size.

    python bench/features_bench.py --people 10000 100000 --workdir /tmp/featbench

Do not run it above 100k people on a shared box.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import psutil

REPO = Path(__file__).resolve().parents[1]
SEGMART = [sys.executable, "-m", "flows.cli"]
DBT = [str(Path(sys.executable).parent / "dbt")]
FEATURES = ["path:models/intermediate/features", "path:models/marts/features"]


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, int, float]:
    """(wall s, peak RSS of the process tree, CPU s user+sys): on a shared box CPU is the comparable figure."""
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    log = tempfile.TemporaryFile()  # a file, not a pipe: a chatty process cannot block on it
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    peak, ps = 0, psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            peak = max(peak, ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True)))
        except psutil.Error:
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = cpu_after.ru_utime - cpu_before.ru_utime + cpu_after.ru_stime - cpu_before.ru_stime
    if proc.returncode != 0:
        log.seek(0)
        raise SystemExit(f"{' '.join(cmd)} failed:\n{log.read().decode(errors='replace')[-3000:]}")
    return seconds, peak, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[10_000])
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "featbench")
    args = parser.parse_args()
    print("| people | customers | fact rows read | load avg | feature models wall s | CPU s | peak RSS MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for people in args.people:
        work = args.workdir / f"p{people}"
        lake, db = work / "lake", work / "build.duckdb"
        env = {**os.environ, "SEGMART_LAKE_DIR": str(lake), "SEGMART_DB_PATH": str(db),
               "SEGMART_ARTIFACTS_DIR": str(work / "artifacts"),
               "DBT_TARGET_PATH": str(work / "target"), "DBT_LOG_PATH": str(work / "logs")}
        if not (lake / "raw").exists():
            run(SEGMART + ["generate", "--people", str(people), "--seed", "42", "--out", str(lake)], env)
            run(SEGMART + ["ingest", "--lake", str(lake), "--no-prefect"], env)
        # seeds and models the features read (data tests skipped: they are not what is timed)
        run(DBT + ["build", "--project-dir", "dbt_project", "--select", *[f"+{f}" for f in FEATURES],
                   "--exclude", *FEATURES, "test_type:data"], env)
        load = os.getloadavg()[0]
        seconds, peak, cpu = run(DBT + ["run", "--project-dir", "dbt_project", "--select", *FEATURES], env)
        con = duckdb.connect(str(db), read_only=True)
        customers = con.sql("select count(*) from customer_features").fetchall()[0][0]
        facts = sum(
            con.sql(f"select count(*) from int_features__{t}_attributed").fetchall()[0][0]
            for t in ("order_lines", "web_events", "social_interactions", "campaign_events")
        )
        con.close()
        print(f"| {people:,} | {customers:,} | {facts:,} | {load:.0f} | {seconds:.1f} | {cpu:.1f} | {peak / 2**20:,.0f} |",
              flush=True)


if __name__ == "__main__":
    main()
