"""The supervised path end to end: a marketer's known segments land through a sources file, resolve to
customers through identity resolution, train a classifier on the feature matrix and score everyone.

The labels are what a marketer would know: the true persona of 30% of the demo lake's people (ground
truth), each named by a CRM contact id or an e-mail, plus the mistakes real files carry. They are
ingested into a copy of the session's demo build and only the label models are rebuilt.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
from collections import Counter

import duckdb
import pytest

from flows.dbt_runner import run_dbt
from flows.settings import Paths
from python_models.lake import ingest
from tests.conftest import REPO_ROOT
from tests.integration.conftest import DEMO_VARS

pytestmark = pytest.mark.dbt

SOURCE = "marketer_segments"
SOURCE_ENTRY = f"""  - name: {SOURCE}
    entity: known_segments
    path: landing/{SOURCE}
    pattern: "*.csv"
    columns: {{customer_ref: contact_id, email: email, known_segment: segment}}
    constants: {{customer_system: crm}}
"""
SOURCES_YML = "version: 1\nsources:\n" + SOURCE_ENTRY
MARTS = ("supervised_segment_membership", "supervised_segment_evaluation", "supervised_segment_confusion",
         "known_segment_labels")


def write_labels(demo_build, path, fraction=0.3, seed=11):
    """(rows written, {person_id: persona} of the clean rows): a CRM contact id where the person has one,
    else the e-mail, for a seeded 30% of the people; then one unknown contact id, one row without a
    segment, one repeated line and one person given a second, different segment."""
    people = demo_build.truth_rows("people.csv")
    crm = {}
    for r in demo_build.truth_rows("contact_records.csv"):
        if r["source_system"] == "crm":
            crm.setdefault(r["person_id"], r["source_record_id"])
    rng = random.Random(seed)
    picked = rng.sample(people, int(len(people) * fraction))
    rows = []
    for i, p in enumerate(picked):
        by_ref = p["person_id"] in crm and i % 2 == 0
        rows.append({"contact_id": crm[p["person_id"]] if by_ref else "", "email": "" if by_ref else p["email"],
                     "segment": p["persona"]})
    truth = {p["person_id"]: p["persona"] for p in picked}
    other = next(s for s in sorted(set(truth.values())) if s != rows[1]["segment"])
    rows += [
        {"contact_id": "C-NOT-IN-CRM", "email": "", "segment": rows[0]["segment"]},
        {"contact_id": rows[2]["contact_id"], "email": rows[2]["email"], "segment": ""},
        dict(rows[3]),
        {"contact_id": rows[1]["contact_id"], "email": rows[1]["email"], "segment": other},
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["contact_id", "email", "segment"])
        writer.writeheader()
        writer.writerows(rows)
    return rows, truth


@pytest.fixture(scope="module")
def known_build(demo_build, tmp_path_factory):
    work = tmp_path_factory.mktemp("known_segments")
    lake = work / "lake"
    shutil.copytree(demo_build.lake / "raw", lake / "raw")
    shutil.copy(demo_build.paths.build_db, work / "build.duckdb")
    shutil.copytree(demo_build.target, work / "target")  # dbt's partial parse: no full re-parse
    rows, truth = write_labels(demo_build, lake / "landing" / SOURCE / "known_segments.csv")
    (lake / "sources.yml").write_text(SOURCES_YML)
    report = ingest(lake)
    paths = Paths(lake.resolve(), work, work / "build.duckdb", REPO_ROOT / "dbt_project", REPO_ROOT)
    run = run_dbt(["build", "--select", "stg_lake__manifest_files", "base_segments__known_segments+",
                   "--exclude", "resource_type:unit_test", "--target-path", str(work / "target"),
                   "--vars", json.dumps(DEMO_VARS)], paths, raise_on_failure=False)
    assert run.success, run.summary()
    con = duckdb.connect(str(paths.build_db), read_only=True)
    yield con, report, rows, truth
    con.close()


def test_without_labels_the_marts_are_empty(demo_build):
    con = demo_build.connect()
    try:
        for mart in MARTS:
            assert con.sql(f"select count(*) from {mart}").fetchall()[0][0] == 0, mart
    finally:
        con.close()


def test_every_landed_label_is_used_or_counted(known_build):
    con, report, rows, _ = known_build
    assert [f.status for f in report.files] == ["loaded"], report.summary()
    landed, staged, quarantined, dupes, ok = con.sql(
        "select rows_landed, rows_staged, rows_quarantined, rows_exact_duplicates, is_reconciled "
        f"from source_reconciliation where source_system = '{SOURCE}'").fetchall()[0]
    assert ok and landed == len(rows) == staged + quarantined + dupes
    assert (quarantined, dupes) == (1, 1)
    reason = con.sql(f"select reason from quarantined_rows where source_system = '{SOURCE}'").fetchall()
    assert reason == [("missing required column value: known_segment",)]
    status = dict(con.sql("select label_status, count(*) from known_segment_labels group by 1").fetchall())
    assert sum(status.values()) == staged
    # the unknown contact id names nobody; the person given two segments is kept out of training
    assert status["unresolved"] >= 1 and status["conflicting"] == 2
    unknown = con.sql("select label_status, status_reason from known_segment_labels "
                      "where customer_id is null").fetchall()
    assert all(s == "unresolved" and "not in identity graph" in r for s, r in unknown)
    used = con.sql("select count(*), count(distinct customer_id) from known_segment_labels "
                   "where label_status = 'used'").fetchall()[0]
    assert used[0] == used[1] > 0.9 * len(rows)
    n_labelled = con.sql("select value from supervised_segment_evaluation "
                         "where segment is null and metric = 'n_labelled'").fetchall()[0][0]
    assert n_labelled == used[0]


def test_classifier_beats_the_class_distribution(known_build):
    con, _, rows, _ = known_build
    metrics = dict(con.sql("select metric, value from supervised_segment_evaluation where segment is null")
                   .fetchall())
    shares = Counter(r["segment"] for r in rows if r["segment"])
    k = len(shares)
    assert metrics["n_segments"] == k
    majority = max(shares.values()) / sum(shares.values())
    # chance from the labels' own distribution: 1/k macro F1 guessing by share, `majority` accuracy
    assert metrics["chance_macro_f1"] == pytest.approx(1 / k, abs=0.03)
    assert metrics["macro_f1"] > 0.6 and metrics["macro_f1"] > 2.5 / k
    assert metrics["accuracy"] > majority + 0.3
    per_segment = con.sql("select segment, metric, value from supervised_segment_evaluation "
                          "where segment is not null and metric in ('precision', 'recall', 'support')").fetchall()
    assert {s for s, _, _ in per_segment} == set(shares)
    assert sum(v for _, m, v in per_segment if m == "support") == metrics["n_test"]
    assert con.sql("select sum(n_customers) from supervised_segment_confusion").fetchall()[0][0] == metrics["n_test"]


def test_every_customer_gets_a_prediction_that_matches_unseen_personas(known_build, demo_build):
    con, _, _, truth = known_build
    n_matrix = con.sql("select count(*) from int_features__feature_matrix").fetchall()[0][0]
    members = con.sql("select customer_id, split, predicted_segment from supervised_segment_membership").fetchall()
    assert len(members) == n_matrix
    # customers the classifier never saw: their predicted segment against the persona of their person
    person_of = {(r["source_system"], r["source_record_id"]): r["person_id"]
                 for r in demo_build.truth_rows("contact_records.csv")}
    persona = {r["person_id"]: r["persona"] for r in demo_build.truth_rows("people.csv")}
    votes: dict[str, Counter] = {}
    for system, record, customer in con.sql(
            "select source_system, source_record_id, customer_id from int_identity__contact_customers").fetchall():
        if (system, record) in person_of:
            votes.setdefault(customer, Counter())[person_of[(system, record)]] += 1
    unseen = [(c, p) for c, split, p in members if split == "unlabelled" and c in votes]
    unseen = [(c, p) for c, p in unseen if votes[c].most_common(1)[0][0] not in truth]
    assert len(unseen) > 1000
    agree = sum(persona[votes[c].most_common(1)[0][0]] == p for c, p in unseen) / len(unseen)
    assert agree > 0.6
