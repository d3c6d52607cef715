"""Peak memory and time of one ML node at scale, outside dbt, on a finished build's inputs made N times larger.

    .venv/bin/python bench/ml/ml_node_memory.py --db <10k build.duckdb> --artifacts <its artifacts dir> \
        --replicate 100 --node propensity|segmentation [--workdir DIR]

Copies the node's input tables (feature matrix, customer_features, training features, labels) into
<workdir>/replicated.duckdb, each row ``--replicate`` times with its own customer_id and every DOUBLE
feature multiplied by a random factor in [0.9, 1.1] (so the copies are not identical rows), then
runs the function the dbt model calls, reading its inputs the way the model does (in customer_id
order), with the dbt defaults. A thread samples the resident memory of this process and its joblib
workers every 0.25 s and, at each new peak (by 100 MB), notes where the main thread is; the script
prints the wall time, the peak and the last peaks with their place in the code. The replicated
database is reused when it exists.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import traceback
from pathlib import Path

import duckdb
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ml_node_cost import PROPENSITY_VARS, SEGMENTATION_VARS  # noqa: E402 - the dbt defaults, one copy

TABLES = ["int_features__feature_matrix", "customer_features", "int_features__customer_features_training",
          "int_propensity__labels"]


def replicate(src: Path, dst: Path, times: int) -> None:
    con = duckdb.connect(str(dst))
    con.execute(f"attach '{src}' as s (read_only)")
    for t in TABLES:
        cols = con.sql(f"select column_name, data_type from information_schema.columns where table_catalog = 's' "
                       f"and table_name = '{t}' order by ordinal_position").fetchall()
        select = []
        for name, kind in cols:
            if name == "customer_id":
                select.append("customer_id || '-' || r.range::varchar as customer_id")
            elif kind == "DOUBLE":
                select.append(f"{name} * (0.9 + 0.2 * random()) as {name}")
            else:
                select.append(name)
        con.execute(f"create table {t} as select {', '.join(select)} from s.{t}, range({times}) r")
    con.close()


class PeakSampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.me, self.main = psutil.Process(), threading.get_ident()
        self.peaks: list[tuple[float, float, float, list[str]]] = []
        self.stop, self.start_time = False, time.time()

    def run(self) -> None:
        best = 0.0
        while not self.stop:
            own = self.me.memory_info().rss
            workers = 0
            for child in self.me.children(recursive=True):
                try:
                    workers += child.memory_info().rss
                except psutil.Error:
                    pass
            if own + workers > best + 100e6:
                best = own + workers
                frame = sys._current_frames().get(self.main)
                where = [f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in traceback.extract_stack(frame)
                         if "site-packages" not in f.filename and "python_models" in f.filename]
                self.peaks.append((time.time() - self.start_time, own / 1e9, workers / 1e9, where[-3:]))
            time.sleep(0.25)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True, help="a finished build database (read only)")
    ap.add_argument("--artifacts", help="its artifacts dir (segmentation: the fitted preprocessor)")
    ap.add_argument("--replicate", type=int, default=100)
    ap.add_argument("--node", choices=["propensity", "segmentation"], required=True)
    ap.add_argument("--workdir", default="/tmp/ml_node_memory")
    a = ap.parse_args()
    work = Path(a.workdir)
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"replicated_x{a.replicate}.duckdb"
    if not db.exists():
        replicate(Path(a.db), db, a.replicate)
    sampler = PeakSampler()
    sampler.start()
    con = duckdb.connect(str(db), read_only=True)
    t = time.perf_counter()
    if a.node == "propensity":
        from python_models.propensity.dbt_adapter import train_and_score

        train = con.sql("select * from int_features__customer_features_training order by customer_id").df()
        labels = con.sql("select * from int_propensity__labels").df()
        score = con.sql("select * from customer_features order by customer_id").df()
        run = train_and_score(train, labels, score, PROPENSITY_VARS)
        detail = {target: (m.algorithm, m.metrics["timings_seconds"]) for target, m in run.models.items()}
    else:
        from python_models.segmentation.dbt_adapter import (
            config_from_vars,
            find_preprocessor,
            segment_customers,
        )

        matrix = con.sql("select * from int_features__feature_matrix order by customer_id").df()
        features = con.sql("select * from customer_features").df()
        names = [c for c in matrix.columns if c != "customer_id"]
        prep = find_preprocessor(Path(a.artifacts) / "preprocessor", names) if a.artifacts else None
        run = segment_customers(matrix, features, config_from_vars(SEGMENTATION_VARS), preprocessor=prep)
        detail = run.timings
    seconds = time.perf_counter() - t
    sampler.stop = True
    rows = con.sql("select count(*) from customer_features").fetchall()[0][0]
    peak = max(sampler.peaks, key=lambda p: p[1] + p[2])
    print(f"{a.node} on {rows:,} customers: wall {seconds:.1f} s, peak RSS {peak[1] + peak[2]:.2f} GB "
          f"(process {peak[1]:.2f} + workers {peak[2]:.2f}), load average {os.getloadavg()[0]:.1f}")
    print("  steps:", detail)
    for when, own, workers, where in sampler.peaks[-6:]:
        print(f"  {when:7.1f} s  {own + workers:5.2f} GB  {' > '.join(where)}")


if __name__ == "__main__":
    main()
