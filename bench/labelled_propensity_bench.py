"""Real labelled tables through the user's path: held-out ROC AUC of bank marketing and online shoppers.

    .venv/bin/python bench/labelled_propensity_bench.py                          # seeds 42 7 2024 1 3
    .venv/bin/python bench/labelled_propensity_bench.py --seeds 42 7 --settings '{"search_iterations": 4}'

Exactly what a user runs: `ingest` with examples/byo/{bank_marketing,online_shoppers}/sources.yml
into a lake of its own, then `dbt build` of the labelled staging and propensity marts (first seed:
with everything upstream and the reconciliation; later seeds: only the labelled propensity models,
with var labelled_propensity_settings.split_seed changed). Each split seed is a different random
stratified 64/16/20 train/validation/test split; the figures are the `labelled_propensity_evaluation`
test rows. Writes the section "propensity-real-dbt" of bench/ml/RESULTS-ml.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "ml"))

from ml_results import machine_line, md_table, write_section  # noqa: E402

from flows.dbt_runner import run_dbt  # noqa: E402
from flows.settings import Paths  # noqa: E402
from python_models.lake import ingest  # noqa: E402

DATASETS = {"bank_marketing": 0.80, "online_shoppers": 0.93}
LABELLED = ["path:models/intermediate/labelled", "path:models/marts/labelled"]


def cpu_seconds() -> float:
    """This process, its finished children and its live ones (the search's worker processes)."""
    import psutil

    t = os.times()
    live = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            c = child.cpu_times()
            live += c.user + c.system
        except psutil.Error:
            pass
    return t.user + t.system + t.children_user + t.children_system + live


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", nargs="*", type=int, default=[42, 7, 2024, 1, 3])
    ap.add_argument("--settings", default="{}", help="JSON merged into var labelled_propensity_settings")
    ap.add_argument("--work", default=None, help="working folder (default: a new temp dir)")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--report-only", action="store_true",
                    help="write the section from <work>/rows.jsonl and <work>/build.duckdb of an earlier run")
    a = ap.parse_args()
    os.environ.setdefault("SEGMART_DATASETS", str(ROOT.parent / "shared" / "datasets"))
    work = Path(a.work or tempfile.mkdtemp(prefix="labelled-bench-"))
    lake = work / "lake"
    settings = json.loads(a.settings)
    paths = Paths(lake.resolve(), work, work / "build.duckdb", ROOT / "dbt_project", ROOT)
    log = work / "rows.jsonl"
    if a.report_only:
        rows = [json.loads(line) for line in log.read_text().splitlines()]
        a.seeds = list(dict.fromkeys(r["split_seed"] for r in rows))
        return report(rows, details_of(paths, a.seeds[0]), a, settings)
    for name in DATASETS:
        print(ingest(lake, ROOT / "examples" / "byo" / name / "sources.yml").summary())
    rows = []
    for i, seed in enumerate(a.seeds):
        select = ["+path:models/marts/labelled", "+source_reconciliation"] if i == 0 else LABELLED
        t, cpu = time.perf_counter(), cpu_seconds()
        run_dbt(["build", "--select", *select, "--exclude", "resource_type:unit_test", "--target-path",
                 str(work / "target"), "--vars",
                 json.dumps({"labelled_propensity_settings": {**settings, "split_seed": seed}})], paths)
        wall, cpu = time.perf_counter() - t, cpu_seconds() - cpu
        if i == 0:
            details = details_of(paths, seed)
        con = duckdb.connect(str(paths.build_db), read_only=True)
        ev = con.sql("select * from labelled_propensity_evaluation").df()
        con.close()
        for _, r in ev[ev["split"] == "test"].iterrows():
            valid = ev[(ev["split"] == "validation") & (ev["source_system"] == r["source_system"])].iloc[0]
            rows.append({"dataset": r["source_system"], "split_seed": seed, "chosen": r["algorithm"],
                         "validation_roc_auc": float(valid["roc_auc"]), "test_roc_auc": float(r["roc_auc"]),
                         "test_pr_auc": float(r["pr_auc"]), "test_f1": float(r["f1"]), "test_brier": float(r["brier"]),
                         "test_n": int(r["n"]), "target": DATASETS[r["source_system"]],
                         "passed": bool(r["roc_auc"] >= DATASETS[r["source_system"]]),
                         "build_wall_s": round(wall, 1), "build_cpu_s": round(cpu, 1)})
            print(rows[-1], flush=True)
            with log.open("a") as fh:
                fh.write(json.dumps(rows[-1]) + "\n")
    report(rows, details, a, settings)


def details_of(paths: Paths, seed: int) -> str:
    """Reconciliation of the landed files and the candidates of the build of the first seed."""
    con = duckdb.connect(str(paths.build_db), read_only=True)
    rec = con.sql("select source_system, rows_landed, rows_staged, rows_quarantined, rows_exact_duplicates, "
                  "is_reconciled from source_reconciliation order by 1").df()
    cands = con.sql("select source_system, candidate, n_features, cv_auc, validation_auc, search_seconds, "
                    "chosen from labelled_propensity_candidates order by 1, complexity").df()
    con.close()
    return (f"\nReconciliation of the landed files:\n\n{md_table(rec)}\n\nCandidates of the last build "
            f"(first seed {seed} unless --report-only):\n\n{md_table(cands)}\n")


def report(rows: list[dict], details: str, a, settings: dict) -> None:
    res = pd.DataFrame(rows)
    summary = res.groupby("dataset").agg(
        splits=("test_roc_auc", "size"), mean_test_auc=("test_roc_auc", "mean"), min_test_auc=("test_roc_auc", "min"),
        max_test_auc=("test_roc_auc", "max"), splits_at_target=("passed", "sum"),
        target=("target", "first")).reset_index()
    print(summary.to_string())
    seeds = " ".join(map(str, a.seeds))
    extra = f" --settings '{a.settings}'" if settings else ""
    body = (f"## Propensity on real labelled tables, through the bring-your-own path and dbt\n\n{machine_line()}\n\n"
            f"`.venv/bin/python bench/labelled_propensity_bench.py --seeds {seeds}{extra}`\n\n"
            "`segmart`'s ingest with `examples/byo/bank_marketing/sources.yml` (`duration` excluded there) and "
            "`examples/byo/online_shoppers/sources.yml`, then `dbt build` of `labelled_propensity_*`: the demo's "
            "PropensityTrainer (4 candidates, search, selection, threshold on validation) on a random stratified "
            "64/16/20 train/validation/test split per seed; figures are the mart's held-out test rows. "
            "build_wall_s: the dbt build of that seed (both datasets; the first one includes staging and "
            "reconciliation); build_cpu_s (when present): CPU of that build, its process and the search's "
            f"worker processes (psutil).\n\n{md_table(summary)}\n\n{md_table(res)}\n{details}")
    if not a.no_write:
        print("wrote", write_section("propensity-real-dbt", body))


if __name__ == "__main__":
    main()
