"""CPU cost of the two ML nodes of `dbt build`, run outside dbt on a build's own inputs.

    .venv/bin/python bench/ml/ml_node_cost.py --db <build.duckdb> [--lake <lake>] [--profile]

Reads the inputs int_segments__membership and int_propensity__scores read (feature matrix,
customer_features, training features, labels) from a finished build, runs the same functions the
dbt models call with the dbt defaults, and prints wall and CPU seconds (user + sys of this process
and its joblib workers: on a shared box CPU is the comparable figure), the per-step timings, the
segmentation gates and, with --lake, the purchase score's ROC AUC against the generator's true
purchases in the next 30 days. --profile adds the top of a cProfile of each node.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import time
from pathlib import Path

import duckdb
import psutil

SEGMENTATION_VARS = {"k_range": [2, 10], "compare_candidates": ["kmeans", "dbscan", "ward"],
                     "stability_runs": 10, "embedding_sample": 1000, "random_state": 42}
PROPENSITY_VARS = {"search_iterations": 3, "cv": 2}  # the dbt var defaults; the rest are DEFAULT_CONFIG's


def cpu_seconds() -> float:
    me = psutil.Process()
    t = me.cpu_times()
    total = t.user + t.system + t.children_user + t.children_system
    for child in me.children(recursive=True):
        try:
            c = child.cpu_times()
            total += c.user + c.system
        except psutil.Error:
            pass
    return total


def measured(name: str, fn, profile: bool):
    prof = cProfile.Profile() if profile else None
    wall, cpu = time.perf_counter(), cpu_seconds()
    if prof:
        prof.enable()
    out = fn()
    if prof:
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    print(f"{name}: wall {time.perf_counter() - wall:.1f} s, CPU {cpu_seconds() - cpu:.1f} s, "
          f"load average {os.getloadavg()[0]:.1f}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--lake")
    ap.add_argument("--artifacts", help="the build's artefacts dir (default: artifacts/ beside --db)")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--propensity-vars", type=json.loads, default=PROPENSITY_VARS,
                    help=f"propensity settings as JSON (default {json.dumps(PROPENSITY_VARS)}, the dbt defaults)")
    ap.add_argument("--nodes", nargs="+", choices=["segmentation", "propensity"],
                    default=["segmentation", "propensity"], help="which nodes to run (default both)")
    a = ap.parse_args()
    from python_models.segmentation.dbt_adapter import find_preprocessor

    con = duckdb.connect(a.db, read_only=True)
    matrix = con.sql("select * from int_features__feature_matrix").df()
    features = con.sql("select * from customer_features").df()
    train = con.sql("select * from int_features__customer_features_training").df()
    labels = con.sql("select * from int_propensity__labels").df()
    artifacts = Path(a.artifacts) if a.artifacts else Path(a.db).parent / "artifacts"
    names = [c for c in matrix.columns if c != "customer_id"]
    prep = find_preprocessor(artifacts / "preprocessor", names)

    if "segmentation" in a.nodes:
        run_segmentation(matrix, features, prep, a.profile)
    if "propensity" in a.nodes:
        run_propensity(con, train, labels, features, a.propensity_vars, a.lake, a.profile)


def run_segmentation(matrix, features, prep, profile: bool) -> None:
    from python_models.segmentation.dbt_adapter import config_from_vars, segment_customers

    seg = measured("segmentation", lambda: segment_customers(
        matrix, features, config_from_vars(SEGMENTATION_VARS), preprocessor=prep), profile)
    print("  steps (wall s):", seg.timings)
    print("  gates:", dict(zip(seg.tables["gates"]["gate"], seg.tables["gates"]["passed"], strict=True)))
    print("  k =", seg.metrics["n_segments"], "mean bootstrap Jaccard", round(seg.metrics["mean_jaccard"], 3))


def run_propensity(con, train, labels, features, settings: dict, lake: str | None, profile: bool) -> None:
    from python_models.propensity.dbt_adapter import train_and_score

    run = measured("propensity", lambda: train_and_score(train, labels, features, settings), profile)
    for target, m in run.models.items():
        print(f"  {target}: {m.algorithm}, validation ROC AUC {m.metrics['validation']['roc_auc']:.4f}, "
              f"steps (wall s) {m.metrics['timings_seconds']}")
        print(m.tables["candidates"][["candidate", "cv_auc", "validation_auc", "search_seconds", "chosen"]]
              .to_string(index=False, float_format="%.4f"))
    if lake:
        from sklearn.metrics import roc_auc_score

        gt = Path(lake) / "ground_truth"
        person = con.sql(f"""
            with votes as (
                select c.customer_id, r.person_id, count(*) as n
                from int_identity__contact_customers c
                join read_csv('{gt / 'contact_records.csv'}', all_varchar=true) r
                    using (source_system, source_record_id)
                group by 1, 2)
            select customer_id, arg_max(person_id, n) as person_id from votes group by 1""").df()
        future = con.sql(f"select person_id, purchased_30d::int as y "
                         f"from read_csv('{gt / 'future_summary.csv'}', all_varchar=true)").df()
        scored = run.scores.merge(person, on="customer_id").merge(future, on="person_id")
        for target, g in scored.groupby("target"):
            g = g.drop_duplicates("person_id")
            print(f"  {target} score ROC AUC vs true purchases in the next 30 days: "
                  f"{roc_auc_score(g['y'], g['probability']):.4f}")


if __name__ == "__main__":
    main()
