"""The supervised path on the demo lake: known segments of 30% of the people (their true persona, as a
marketer's survey would give), landed through a sources file, through the whole `dbt build`.

    nice -n 19 .venv/bin/python bench/ml/known_segments_bench.py --people 10000 --seed 42

Generates a lake, adds the labels source of tests/integration/test_known_segments.py (a CRM contact id
or an e-mail per person, plus one unknown id, one row without segment, one repeated line and one
person given two segments), ingests, builds with default vars and prints supervised_segment_evaluation,
the label accounting and how often unlabelled customers' predicted segment is their person's persona.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from flows.dbt_runner import run_dbt  # noqa: E402
from flows.settings import Paths  # noqa: E402
from python_models.generate import generate_lake  # noqa: E402
from python_models.lake import ingest  # noqa: E402
from tests.integration.test_known_segments import SOURCE, SOURCE_ENTRY, write_labels  # noqa: E402


class Truth:
    def __init__(self, lake: Path):
        self.lake = lake

    def truth_rows(self, name: str) -> list[dict[str, str]]:
        with (self.lake / "ground_truth" / name).open(newline="") as fh:
            return list(csv.DictReader(fh))


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="known_segments_") as tmp:
        work = Path(tmp)
        lake = work / "lake"
        generate_lake(lake, people=args.people, seed=args.seed)
        truth = Truth(lake)
        rows, labelled = write_labels(truth, lake / "landing" / SOURCE / "known_segments.csv")
        with (lake / "sources.yml").open("a") as fh:
            fh.write("\n" + SOURCE_ENTRY)
        start, cpu0 = time.time(), cpu_seconds()
        ingest(lake)
        paths = Paths(lake.resolve(), work, work / "build.duckdb", ROOT / "dbt_project", ROOT)
        run = run_dbt(["build", "--target-path", str(work / "target")], paths, raise_on_failure=False)
        print(f"{args.people} people, seed {args.seed}: {len(rows)} label rows landed")
        print(f"ingest + dbt build: {time.time() - start:.0f} s wall, {cpu_seconds() - cpu0:.0f} CPU s, "
              f"load average {os.getloadavg()[0]:.2f}; {run.summary().splitlines()[0]}")
        con = duckdb.connect(str(paths.build_db), read_only=True)
        con.sql("select coalesce(segment, '(overall)') as segment, metric, round(value, 3) as value "
                "from supervised_segment_evaluation where segment is null or metric in ('precision', 'recall', 'f1') "
                "order by segment nulls first, metric").show(max_rows=80)
        con.sql("select label_status, split, count(*) as label_rows from known_segment_labels "
                "group by all order by 1, 2").show()
        person_of = {(r["source_system"], r["source_record_id"]): r["person_id"]
                     for r in truth.truth_rows("contact_records.csv")}
        persona = {r["person_id"]: r["persona"] for r in truth.truth_rows("people.csv")}
        votes: dict[str, Counter] = {}
        for system, record, customer in con.sql("select source_system, source_record_id, customer_id "
                                                "from int_identity__contact_customers").fetchall():
            if (system, record) in person_of:
                votes.setdefault(customer, Counter())[person_of[(system, record)]] += 1
        unseen = [(votes[c].most_common(1)[0][0], p) for c, split, p in con.sql(
            "select customer_id, split, predicted_segment from supervised_segment_membership").fetchall()
            if split == "unlabelled" and c in votes]
        unseen = [(person, p) for person, p in unseen if person not in labelled]
        agree = sum(persona[person] == p for person, p in unseen) / len(unseen)
        print(f"unlabelled customers whose predicted segment is their person's persona: {agree:.3f} "
              f"of {len(unseen)}")
        con.close()


if __name__ == "__main__":
    main()
