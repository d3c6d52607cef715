"""Segments of the Complete Journey sample through the user's path, and whether they pass their gates.

    nice -n 19 .venv/bin/python bench/ml/complete_journey_segments.py                 # with the example's vars
    nice -n 19 .venv/bin/python bench/ml/complete_journey_segments.py --vars-file none  # project defaults

`ingest` with examples/byo/complete_journey/sources.yml into a temporary lake, then the whole
`dbt build` with examples/byo/complete_journey/vars.yml (or none). Prints the run (k, silhouette,
bootstrap ARI and Jaccard), every gate, the segments' names and sizes, then the same gates for other
seeds (var segmentation_random_state), refitted by the segmentation adapter on the built feature
matrix (what int_segments__membership calls), to show how far each figure is from its threshold.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from flows.dbt_runner import run_dbt  # noqa: E402
from flows.settings import Paths  # noqa: E402
from python_models.lake import ingest  # noqa: E402

EXAMPLE = ROOT / "examples" / "byo" / "complete_journey"


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def seed_sweep(db: Path, artifacts: Path, vars_: dict, seeds: list[int]) -> None:
    from python_models.segmentation.dbt_adapter import config_from_vars, find_preprocessor, segment_customers

    con = duckdb.connect(str(db), read_only=True)
    matrix = con.sql("select * from int_features__feature_matrix").df()
    features = con.sql("select * from customer_features").df()
    con.close()
    names = [c for c in matrix.columns if c != "customer_id"]
    preprocessor = find_preprocessor(artifacts / "preprocessor", names)
    settings = {k.removeprefix("segmentation_"): v for k, v in vars_.items() if k.startswith("segmentation_")}
    print("\nseed  k  silhouette  mean_ari  mean_jaccard  min_segment_jaccard  significant_share  all gates")
    for seed in seeds:
        run = segment_customers(matrix, features, config_from_vars({**settings, "random_state": seed}),
                                preprocessor=preprocessor)
        g = run.tables["gates"].set_index("gate")
        v = g["value"]
        print(f"{seed:>4} {len(run.tables['profiles']):>2}  {v['min_silhouette']:.3f}       "
              f"{v['min_mean_ari']:.3f}     {v['min_mean_jaccard']:.3f}         {v['min_segment_jaccard']:.3f}"
              f"                {v['min_significant_feature_share']:.3f}              {bool(g['passed'].all())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vars-file", default=str(EXAMPLE / "vars.yml"), help="dbt vars YAML, or 'none'")
    parser.add_argument("--datasets", default=os.environ.get("SEGMART_DATASETS", str(ROOT.parent / "shared" / "datasets")))
    parser.add_argument("--seeds", type=int, nargs="*", default=[42, 1, 2, 3, 7])
    args = parser.parse_args()
    os.environ["SEGMART_DATASETS"] = args.datasets
    vars_ = {} if args.vars_file == "none" else yaml.safe_load(Path(args.vars_file).read_text()) or {}

    with tempfile.TemporaryDirectory(prefix="cj_segments_") as tmp:
        work = Path(tmp)
        lake = work / "lake"
        start, cpu0 = time.time(), cpu_seconds()
        ingest(lake, EXAMPLE / "sources.yml")
        paths = Paths(lake.resolve(), work, work / "build.duckdb", ROOT / "dbt_project", ROOT)
        dbt_args = ["build", "--target-path", str(work / "target")]
        if vars_:
            dbt_args += ["--vars", Path(args.vars_file).read_text()]
        run = run_dbt(dbt_args, paths, raise_on_failure=False)
        print(f"vars file: {args.vars_file}")
        print(f"ingest + dbt build: {time.time() - start:.0f} s wall, {cpu_seconds() - cpu0:.0f} CPU s, "
              f"load average {os.getloadavg()[0]:.2f}; {run.summary().splitlines()[0]}")
        con = duckdb.connect(str(paths.build_db), read_only=True)
        con.sql("select algorithm, n_customers, n_features, n_segments, round(silhouette, 3) as silhouette, "
                "round(mean_bootstrap_ari, 3) as mean_ari, round(mean_bootstrap_jaccard, 3) as mean_jaccard, "
                "round(min_segment_share, 3) as min_segment_share, gates_passed from segmentation_runs").show()
        con.sql("select gate, round(value, 4) as value, threshold, passed from segmentation_gates").show()
        con.sql("select p.segment_id, p.size, round(p.share, 3) as share, s.mean_jaccard::decimal(4, 3) as jaccard, "
                "p.segment_name from segment_profiles p left join segment_stability s using (segment_id) "
                "order by 1").show(max_width=200)
        con.close()
        seed_sweep(paths.build_db, work / "artifacts", vars_, args.seeds)


if __name__ == "__main__":
    main()
