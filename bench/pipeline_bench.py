"""Generate → ingest → dbt build at several sizes: wall time, CPU time, rows per second and peak memory per stage.

    python bench/pipeline_bench.py --people 10000 100000 1000000 [--write-results]
    python bench/pipeline_bench.py --people 1000000 --stages generate ingest staging   # issue #2's target

Stages (`--stages`, run in this order): `generate` the demo lake, `ingest` it (`segmart ingest
--no-prefect`), then either `staging` (`segmart build` of the staging models and the quality marts
that reconcile them: what "ingested and staged" means) or `build` (the whole DAG). The summary line
adds ingest and staging (or build). Each stage runs as its own `segmart` process; peak memory is the
highest resident set size of that process and its children, sampled every 50 ms; CPU is the user +
system time of the stage's process tree (the box may be shared: CPU is the steadier figure).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psutil

REPO = Path(__file__).resolve().parents[1]
SEGMART = [sys.executable, "-m", "flows.cli"]
STAGES = ("generate", "ingest", "staging", "build")
# Staging = every staging model plus the quality marts (and their upstream seeds) that reconcile
# landed rows with staged + quarantined + duplicates, with their tests.
STAGING_SELECT = ["--select", "tag:staging", "--select", "+tag:quality"]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_stage(args: list[str], env: dict[str, str]) -> tuple[float, int, float, float]:
    """(wall seconds, peak RSS bytes, CPU seconds, 1-minute load average at the start)."""
    load = os.getloadavg()[0]
    cpu_before = children_cpu()
    started = time.perf_counter()
    # to a file, not a pipe: a stage that prints more than a pipe holds would block until we read it
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(SEGMART + args, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    peak = 0
    ps = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            rss = ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True))
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    log.seek(0)
    output = log.read().decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"stage {' '.join(args)} failed ({proc.returncode}):\n{output[-3000:]}")
    return seconds, peak, children_cpu() - cpu_before, load


def landed_rows(lake: Path) -> int:
    return duckdb.sql(
        f"select coalesce(sum(rows_landed), 0) from read_parquet('{lake}/raw/_manifest/*/*.parquet')"
    ).fetchall()[0][0]


def staged_rows(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.sql(
            "select sum(rows_staged), sum(rows_quarantined), sum(rows_exact_duplicates), bool_and(is_reconciled) "
            "from source_reconciliation"
        ).fetchall()[0]
    finally:
        con.close()
    return {"staged": rows[0], "quarantined": rows[1], "duplicates": rows[2], "reconciled": rows[3]}


def bench(people: int, workdir: Path, seed: int, keep: bool = False, stages=("generate", "ingest", "build")) -> dict:
    lake = workdir / f"lake_{people}"
    db = workdir / f"build_{people}.duckdb"
    shutil.rmtree(lake / "raw", ignore_errors=True)
    db.unlink(missing_ok=True)
    env = {**os.environ, "SEGMART_LAKE_DIR": str(lake), "SEGMART_DB_PATH": str(db)}
    result: dict = {"people": people, "stages": [s for s in STAGES if s in stages or s == "ingest"]}
    keep = keep or "generate" not in stages  # a lake this run did not generate is not this run's to delete
    if keep and (lake / "sources.yml").exists():
        if "generate" in stages:
            result["generate"] = (float("nan"), 0, float("nan"), float("nan"))  # reused from an earlier run
    elif "generate" in stages:
        shutil.rmtree(lake, ignore_errors=True)
        result["generate"] = run_stage(
            ["generate", "--people", str(people), "--seed", str(seed), "--out", str(lake)], env
        )
    elif not (lake / "sources.yml").exists():
        raise SystemExit(f"no lake at {lake}: add 'generate' to --stages (or --keep-lakes after a run that generated it)")
    files = [p for p in (lake / "landing").rglob("*") if p.is_file()]
    result["landing_bytes"] = sum(p.stat().st_size for p in files)
    result["ingest"] = run_stage(["ingest", "--no-prefect", "--lake", str(lake)], env)
    result["rows"] = landed_rows(lake)
    if "staging" in stages:
        result["staging"] = run_stage(["build", "--lake", str(lake), *STAGING_SELECT], env)
    if "build" in stages:
        result["build"] = run_stage(["build", "--lake", str(lake)], env)
    if "staging" in stages or "build" in stages:
        result.update(staged_rows(db))
    if not keep:
        shutil.rmtree(lake, ignore_errors=True)
    db.unlink(missing_ok=True)
    return result


def table(results: list[dict]) -> str:
    lines = [
        "| people | landed rows | landing MB | stage | wall s | CPU s | rows/s | peak RSS MB | load avg |",
        "|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        measured = [s for s in r["stages"] if s in r]
        for stage in measured:
            secs, peak, cpu, load = r[stage]
            lines.append(
                f"| {r['people']:,} | {r['rows']:,} | {r['landing_bytes'] / 1e6:,.0f} | {stage} | {secs:,.1f} | "
                f"{cpu:,.1f} | {r['rows'] / secs:,.0f} | {peak / 2**20:,.0f} | {load:.1f} |"
            )
        second = "staging" if "staging" in r else "build" if "build" in r else None
        if second:
            wall = r["ingest"][0] + r[second][0]
            label = "ingest + staging" if second == "staging" else "ingest + build"
            lines.append(
                f"| {r['people']:,} | | | **{label}** | **{wall:,.1f}** | {r['ingest'][2] + r[second][2]:,.1f} | "
                f"{r['rows'] / wall:,.0f} | {max(r['ingest'][1], r[second][1]) / 2**20:,.0f} | |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, nargs="+", default=[10_000])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--write-results", action="store_true", help="Append the table to bench/RESULTS.md")
    parser.add_argument("--keep-lakes", action="store_true",
                        help="Keep generated lakes in --workdir and reuse them (generate is then not timed)")
    parser.add_argument("--stages", nargs="+", choices=STAGES, default=["generate", "ingest", "build"],
                        help="Stages to run (ingest always runs); 'staging' builds only the staging models and "
                             "quality marts, 'build' the whole DAG (default: generate ingest build)")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="segmart-bench-"))
    results = []
    for people in args.people:
        r = bench(people, workdir, args.seed, keep=args.keep_lakes, stages=args.stages)
        results.append(r)
        counts = (
            f"staged {r['staged']:,}, quarantined {r['quarantined']:,}, duplicates {r['duplicates']:,}, "
            f"reconciled={r['reconciled']}; " if "staged" in r else ""
        )
        print(
            f"{people:>9,} people: {r['rows']:,} rows landed; {counts}"
            + ", ".join(
                f"{s} {r[s][0]:.1f} s wall / {r[s][2]:.1f} s CPU / {r[s][1] / 2**20:,.0f} MB"
                for s in r["stages"] if s in r
            ),
            flush=True,
        )
    text = table(results)
    print(text)
    if args.write_results:
        machine = f"{platform.machine()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB"
        header = (
            f"\n### Pipeline: generate → ingest → dbt build ({datetime.now(UTC):%Y-%m-%d}, {machine})\n\n"
            f"Command: `python bench/pipeline_bench.py --people {' '.join(map(str, args.people))} "
            f"--stages {' '.join(args.stages)} --write-results`\n\n"
        )
        with (REPO / "bench" / "RESULTS.md").open("a", encoding="utf-8") as fh:
            fh.write(header + text + "\n")


if __name__ == "__main__":
    main()
