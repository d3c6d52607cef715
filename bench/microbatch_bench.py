"""Micro-batch vs full refresh, and file landed -> membership change visible in the serving catalog.

    python bench/microbatch_bench.py --people 10000 --workdir /tmp/mbbench [--rate 10000 --minutes 3]

1. generate a lake of --people, ingest, full refresh = `dbt build` + publish (timed);
2. land 1 % of the lake's events (web events, order lines, social interactions) as one stream
   minute and run one micro-batch (timed, with its stages);
3. latency: a thread lands --rate records per minute for --minutes minutes in real time (one file
   set per minute), while micro-batches run back to back; for every minute, latency = the moment
   the serving catalog shows its batch (catalog switched) - the moment its files landed.

Stages run in this process (dbt in-process, as the flows do). Models of others that fail in the
full build are reported; with --publish-partial the version is published without them (a bench
convenience, never what the refresh does).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _env(work: Path) -> None:
    for name, value in {"SEGMART_DB_PATH": work / "build.duckdb", "SEGMART_WAREHOUSE_DIR": work / "warehouse",
                        "SEGMART_LAKE_DIR": work / "lake", "SEGMART_ARTIFACTS_DIR": work / "artifacts",
                        "DBT_TARGET_PATH": work / "target", "DBT_LOG_PATH": work / "logs"}.items():
        os.environ[name] = str(value)


def _publish(work: Path, partial: bool, ignore_gates: bool = False):
    import duckdb

    from python_models.publishing import publish

    manifest = work / "target" / "manifest.json"
    if partial or ignore_gates:
        doc = json.loads(manifest.read_text())
        con = duckdb.connect(str(work / "build.duckdb"), read_only=True)
        have = {r[0] for r in con.sql("select table_name from information_schema.tables").fetchall()}
        con.close()
        left_out = []
        for node in doc["nodes"].values():
            if ignore_gates and "gates" in node.get("tags", []):
                node["tags"] = node["config"]["tags"] = [t for t in node["tags"] if t != "gates"]
                left_out.append(f"gates:{node['name']}")
            if partial and node.get("resource_type") == "model" and node["name"] not in have:
                tags = [t for t in node.get("tags", []) if t not in ("publish", "gates")]
                if tags != node.get("tags", []):
                    left_out.append(node["name"])
                node["tags"] = node["config"]["tags"] = tags
        manifest = work / "manifest-partial.json"
        manifest.write_text(json.dumps(doc))
        print(f"  bench publish: left out {left_out}")
    return publish(work / "build.duckdb", manifest, work / "warehouse", project_dir=REPO / "dbt_project",
                   artifacts_dir=work / "artifacts")


def full_refresh(work: Path, people: int, seed: int, partial: bool, ignore_gates: bool) -> dict:
    from flows.dbt_runner import run_dbt
    from flows.settings import Paths
    from python_models.generate import generate_lake
    from python_models.lake import ingest

    out: dict = {}
    t = time.perf_counter()
    generate_lake(work / "lake", people=people, seed=seed)
    out["generate_s"] = time.perf_counter() - t
    t = time.perf_counter()
    report = ingest(work / "lake")
    out["ingest_s"] = time.perf_counter() - t
    out["landed_rows"] = report.rows_landed
    t = time.perf_counter()
    run = run_dbt(["build"], Paths.from_env(work / "lake"), raise_on_failure=False)
    out["dbt_build_s"] = time.perf_counter() - t
    out["dbt_failed"] = [n.unique_id for n in run.failed]
    t = time.perf_counter()
    result = _publish(work, partial, ignore_gates) if (run.success or partial) else None
    out["publish_s"] = time.perf_counter() - t
    out["published"] = bool(result and result.published)
    out["full_refresh_s"] = out["ingest_s"] + out["dbt_build_s"] + out["publish_s"]
    if result is None or not result.published:
        failed = result.failed_gates if result else []
        raise SystemExit(f"full refresh did not publish (dbt failures: {out['dbt_failed']}, failed gates: "
                         f"{[(g['area'], g['gate']) for g in failed]}); see --publish-partial / --ignore-gates")
    return out


def event_rows(work: Path) -> int:
    import duckdb

    con = duckdb.connect(str(work / "build.duckdb"), read_only=True)
    try:
        return sum(con.sql(f"select count(*) from {t}").fetchall()[0][0]
                   for t in ("stg_web__events", "stg_shop__order_lines", "stg_social__interactions"))
    finally:
        con.close()


def one_percent_batch(work: Path, seed: int) -> dict:
    from flows.microbatch_flow import run_micro_batch
    from python_models.generate.stream import simulate_stream

    n = max(1, event_rows(work) // 100)
    simulate_stream(work / "lake", n, 1, seed=seed, start_minute=0, new_people_per_minute=0)
    t = time.perf_counter()
    result = run_micro_batch(work / "lake")
    seconds = time.perf_counter() - t
    print("  " + result.summary().replace("\n", "\n  "))
    return {"batch_records": n, "micro_batch_s": seconds, "touched": result.touched,
            "changed": len(result.changes), "stages": {k: round(v, 2) for k, v in result.seconds.items()}}


def latency(work: Path, rate: int, minutes: int, seed: int) -> dict:
    from flows.microbatch_flow import run_micro_batch
    from python_models.generate.stream import load_known_people, simulate_stream

    known = load_known_people(work / "lake")
    landed: dict[int, float] = {}
    done = threading.Event()

    def stream() -> None:
        def mark(minute: int, files) -> None:
            landed[minute] = time.time()
        simulate_stream(work / "lake", rate, minutes, seed=seed + 1, start_minute=100, realtime=True, known=known,
                        on_minute=mark, new_people_per_minute=0)
        done.set()

    thread = threading.Thread(target=stream, daemon=True)
    thread.start()
    visible: dict[int, float] = {}
    batches = []
    while not (done.is_set() and set(landed) <= set(visible)):
        before = dict(landed)
        t = time.perf_counter()
        result = run_micro_batch(work / "lake")
        if result.touched:
            batches.append(time.perf_counter() - t)
            now = time.time()  # the catalog switch is the batch's last step
            for minute in before:
                visible.setdefault(minute, now)
        else:
            time.sleep(0.5)
    lat = [visible[m] - landed[m] for m in sorted(landed)]
    return {"rate_per_minute": rate, "minutes": minutes, "latency_s": [round(x, 1) for x in lat],
            "latency_max_s": round(max(lat), 1), "latency_median_s": round(statistics.median(lat), 1),
            "batch_s": [round(b, 1) for b in batches]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--rate", type=int, default=10_000, help="records per minute for the latency run")
    ap.add_argument("--minutes", type=int, default=3)
    ap.add_argument("--publish-partial", action="store_true")
    ap.add_argument("--stream-seed", type=int, default=101, help="change it to stream new files into a reused lake")
    ap.add_argument("--ignore-gates", action="store_true",
                    help="publish even if gates fail (the bench needs a served version; never done by a refresh)")
    ap.add_argument("--reuse", action="store_true", help="reuse the build already in --workdir (publish it if "
                    "nothing is served); the full refresh is not re-timed")
    args = ap.parse_args()
    work = args.workdir.resolve()
    if not args.reuse:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    _env(work)
    figures: dict = {"people": args.people}
    if not args.reuse:
        print(f"full refresh of {args.people:,} people ...", flush=True)
        figures.update(full_refresh(work, args.people, args.seed, args.publish_partial, args.ignore_gates))
        print(f"  {figures}", flush=True)
    else:
        from python_models.publishing import Warehouse

        if Warehouse(work / "warehouse").current_version() is None:
            print("  " + _publish(work, args.publish_partial, args.ignore_gates).summary(), flush=True)
    print("micro-batch of 1 % of the events ...", flush=True)
    figures.update(one_percent_batch(work, args.stream_seed))
    if "full_refresh_s" in figures:
        figures["micro_batch_share_of_full"] = round(figures["micro_batch_s"] / figures["full_refresh_s"], 3)
    print(f"latency at {args.rate:,} records/minute for {args.minutes} minute(s) ...", flush=True)
    figures.update(latency(work, args.rate, args.minutes, args.stream_seed))
    print(json.dumps(figures, indent=1, default=str))
    figures["load_average_1m_at_end"] = os.getloadavg()[0]
    (work / "microbatch_bench.json").write_text(json.dumps(figures, indent=1, default=str))


if __name__ == "__main__":
    main()
