"""Generate → ingest → dbt build at several sizes: wall time, rows per second and peak memory per stage.

    python bench/pipeline_bench.py --people 10000 100000 1000000 [--write-results]

Each stage runs as its own `segmart` process; peak memory is the highest resident set size of that
process and its children, sampled every 50 ms.
"""

from __future__ import annotations

import argparse
import os
import platform
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


def run_stage(args: list[str], env: dict[str, str]) -> tuple[float, int]:
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
    return seconds, peak


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


def bench(people: int, workdir: Path, seed: int, keep: bool = False) -> dict:
    lake = workdir / f"lake_{people}"
    db = workdir / f"build_{people}.duckdb"
    shutil.rmtree(lake / "raw", ignore_errors=True)
    db.unlink(missing_ok=True)
    env = {**os.environ, "SEGMART_LAKE_DIR": str(lake), "SEGMART_DB_PATH": str(db)}
    result: dict = {"people": people}
    if keep and (lake / "sources.yml").exists():
        result["generate"] = (float("nan"), 0)  # reused from an earlier run of the same size and seed
    else:
        shutil.rmtree(lake, ignore_errors=True)
        result["generate"] = run_stage(
            ["generate", "--people", str(people), "--seed", str(seed), "--out", str(lake)], env
        )
    files = [p for p in (lake / "landing").rglob("*") if p.is_file()]
    result["landing_bytes"] = sum(p.stat().st_size for p in files)
    result["ingest"] = run_stage(["ingest", "--no-prefect", "--lake", str(lake)], env)
    result["rows"] = landed_rows(lake)
    result["build"] = run_stage(["build", "--lake", str(lake)], env)
    result.update(staged_rows(db))
    if not keep:
        shutil.rmtree(lake, ignore_errors=True)
    db.unlink(missing_ok=True)
    return result


def table(results: list[dict]) -> str:
    lines = [
        "| people | landed rows | landing MB | stage | wall s | rows/s | peak RSS MB |",
        "|---:|---:|---:|---|---:|---:|---:|",
    ]
    for r in results:
        for stage in ("generate", "ingest", "build"):
            secs, peak = r[stage]
            lines.append(
                f"| {r['people']:,} | {r['rows']:,} | {r['landing_bytes'] / 1e6:,.0f} | {stage} | {secs:,.1f} | "
                f"{r['rows'] / secs:,.0f} | {peak / 2**20:,.0f} |"
            )
        ingest_build = r["ingest"][0] + r["build"][0]
        lines.append(
            f"| {r['people']:,} | | | **ingest + staging** | **{ingest_build:,.1f}** | "
            f"{r['rows'] / ingest_build:,.0f} | {max(r['ingest'][1], r['build'][1]) / 2**20:,.0f} |"
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
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="segmart-bench-"))
    results = []
    for people in args.people:
        r = bench(people, workdir, args.seed, keep=args.keep_lakes)
        results.append(r)
        print(
            f"{people:>9,} people: {r['rows']:,} rows landed; staged {r['staged']:,}, quarantined "
            f"{r['quarantined']:,}, duplicates {r['duplicates']:,}, reconciled={r['reconciled']}; "
            + ", ".join(f"{s} {r[s][0]:.1f} s / {r[s][1] / 2**20:,.0f} MB" for s in ("generate", "ingest", "build")),
            flush=True,
        )
    text = table(results)
    print(text)
    if args.write_results:
        machine = f"{platform.machine()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB"
        header = (
            f"\n### Pipeline: generate → ingest → dbt build ({datetime.now(UTC):%Y-%m-%d}, {machine})\n\n"
            f"Command: `python bench/pipeline_bench.py --people {' '.join(map(str, args.people))} --write-results`\n\n"
        )
        with (REPO / "bench" / "RESULTS.md").open("a", encoding="utf-8") as fh:
            fh.write(header + text + "\n")


if __name__ == "__main__":
    main()
