"""Identity resolution inside `dbt build`, checked against the generator's ground truth.

The read-only checks use the session's demo build. The rebuild checks copy that build (lake and
database), land more contact records plus a reviewer's labels, and rebuild only the identity
part of the DAG: ids must stay stable and the calibration mart must agree with the library.
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from flows.cli import main as cli
from flows.dbt_runner import run_dbt
from flows.settings import Paths
from python_models.identity.calibration import precision_recall_by_threshold, recommend_threshold
from python_models.lake import ingest

pytestmark = pytest.mark.dbt

IDENTITY_SELECTION = [
    # only contacts were landed: the manifest and contact staging, then everything identity
    "--select", "stg_lake__manifest_files", "base_crm__contacts", "base_crm__contacts_exact_duplicates", "stg_crm__contacts",
    "path:models/intermediate/identity", "path:models/marts/identity", "path:models/marts/customers",
    # tests of other areas that merely reference dim_customers stay out
    "--indirect-selection", "cautious",
]
N_EXTRA = 60  # extra e-shop accounts landed for the rebuild: copies of existing people's accounts


def _truth(lake: Path) -> dict[tuple[str, str], str]:
    with (lake / "ground_truth" / "contact_records.csv").open(newline="") as fh:
        return {(r["source_system"], r["source_record_id"]): r["person_id"] for r in csv.DictReader(fh)}


def _assignments(con) -> dict[tuple[str, str], str]:
    rows = con.sql("select source_system, source_record_id, customer_id from int_identity__contact_customers")
    return {(s, r): c for s, r, c in rows.fetchall()}


def pairwise_scores(assigned: dict, truth: dict) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of the customer ids against the true persons."""
    keys = [k for k in assigned if k in truth]

    def pairs(label_of):
        groups: dict[str, list] = {}
        for k in keys:
            groups.setdefault(label_of(k), []).append(k)
        return {p for members in groups.values() for p in combinations(sorted(members), 2)}

    predicted, actual = pairs(assigned.__getitem__), pairs(truth.__getitem__)
    tp = len(predicted & actual)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(actual) if actual else 1.0
    return precision, recall, 2 * precision * recall / (precision + recall)


@pytest.fixture(scope="module")
def built(demo_build):
    con = demo_build.connect()
    yield con, demo_build
    con.close()


def test_every_contact_record_gets_one_customer_id(built):
    con, _ = built
    n_contacts, n_keys = con.sql(
        "select count(*), count(distinct (source_system, source_record_id)) from stg_crm__contacts").fetchall()[0]
    rows = con.sql("select count(*), count(customer_id), count(distinct (source_system, source_record_id)) "
                   "from int_identity__contact_customers").fetchall()[0]
    assert rows == (n_keys, n_keys, n_keys) and n_keys > 0
    orphans = con.sql("select count(*) from int_identity__contact_customers cc "
                      "anti join dim_customers d using (customer_id)").fetchall()[0][0]
    assert orphans == 0
    n_customers, records = con.sql("select count(*), sum(n_source_records) from dim_customers").fetchall()[0]
    assert records == n_keys and n_customers < n_contacts


def test_customers_match_true_people_pairwise(built):
    con, demo = built
    precision, recall, f1 = pairwise_scores(_assignments(con), _truth(demo.lake))
    assert precision >= 0.97 and recall >= 0.95 and f1 >= 0.97, (precision, recall, f1)


def test_consent_is_the_most_restrictive_of_the_records(built):
    con, _ = built
    frame = con.sql("""
        select cc.customer_id, c.marketing_consent, c.unsubscribed
        from int_identity__contact_customers cc join int_identity__contacts c using (source_system, source_record_id)
    """).df()
    golden = {c: {"marketing_consent": m, "unsubscribed": u} for c, m, u in con.sql(
        "select customer_id, marketing_consent, unsubscribed from dim_customers").fetchall()}
    checked = Counter()
    for customer_id, records in frame.groupby("customer_id"):
        unsub = [v for v in records["unsubscribed"] if pd.notna(v)]
        consent = [v for v in records["marketing_consent"] if pd.notna(v)]
        row = golden[customer_id]
        if any(unsub):
            assert row["unsubscribed"] is True and row["marketing_consent"] is False, customer_id
            checked["unsubscribed"] += 1
        elif consent and not all(consent):
            assert row["marketing_consent"] is False, customer_id
            checked["refused"] += 1
        elif consent:
            assert row["marketing_consent"] is True, customer_id
            checked["consented"] += 1
    # the demo has people whose records disagree, so the rule is really exercised
    mixed = frame.groupby("customer_id")["marketing_consent"].agg(lambda s: s.dropna().nunique() > 1).sum()
    assert mixed > 0 and min(checked.values()) > 0, checked


def test_identity_graph_stitches_web_and_social_ids_to_the_right_people(built):
    con, demo = built
    truth = _truth(demo.lake)
    person_of_customer = {}
    for key, customer_id in _assignments(con).items():
        if key in truth:
            person_of_customer.setdefault(customer_id, Counter())[truth[key]] += 1
    person_of_customer = {c: votes.most_common(1)[0][0] for c, votes in person_of_customer.items()}
    graph = con.sql("select identifier_type, identifier_value, customer_id from int_identity__identifier_customers").df()
    web_truth = {r["anonymous_id"]: r["person_id"] for r in demo.truth_rows("web_identities.csv")}
    social_truth = {f"{r['platform'].lower()}:{r['handle'].lower()}": r["person_id"]
                    for r in demo.truth_rows("social_identities.csv")}
    for kind, truth_map in (("web_anonymous_id", web_truth), ("social_handle", social_truth)):
        rows = graph[graph["identifier_type"] == kind]
        right = sum(person_of_customer.get(c) == truth_map.get(v)
                    for v, c in zip(rows["identifier_value"], rows["customer_id"], strict=True))
        assert len(rows) > 100 and right / len(rows) >= 0.98, (kind, len(rows), right)
    # coverage: cookies seen while logged in, handles a contact gave or shared with a known e-mail
    logged_in = {a for (a,) in con.sql("select distinct anonymous_id from stg_web__events "
                                       "where user_id is not null and anonymous_id is not null").fetchall()}
    cookies = set(graph.loc[graph["identifier_type"] == "web_anonymous_id", "identifier_value"])
    assert len(cookies & logged_in) / len(logged_in) >= 0.97
    linkable = {f"{p}:{h}" for p, h in con.sql("""
        select distinct lower(s.platform), lower(ltrim(s.handle, '@')) from stg_social__interactions s
        where lower(ltrim(s.handle, '@')) in (select lower(ltrim(trim(social_handle), '@')) from int_identity__contacts)
           or s.email in (select email from int_identity__contacts)""").fetchall()}
    handles = set(graph.loc[graph["identifier_type"] == "social_handle", "identifier_value"])
    assert linkable and len(handles & linkable) / len(linkable) >= 0.95
    # orders and campaign events find their person by the contact record they name
    for table in ("stg_shop__order_lines", "stg_marketing__campaign_events"):
        n_refs, n_found = con.sql(f"""
            select count(*), count(g.customer_id) from {table} o
            left join int_identity__identifier_customers g
              on g.identifier_type = 'contact_ref' and g.identifier_value = o.customer_system || ':' || o.customer_ref
            where o.customer_ref is not null""").fetchall()[0]
        assert n_refs > 0 and n_found / n_refs >= 0.98, (table, n_refs, n_found)
    # every identifier maps to one person, and nothing left out goes unexplained
    assert not graph.duplicated(["identifier_type", "identifier_value"]).any()
    candidates = con.sql("select count(distinct (identifier_type, identifier_value)) "
                         "from int_identity__identifier_candidates").fetchall()[0][0]
    excluded = con.sql("select count(*) from identity_graph_exclusions").fetchall()[0][0]
    assert candidates == len(graph) + excluded


def test_identity_gates_pass_and_diagnostics_are_consistent(built):
    con, _ = built
    gates = con.sql("select gate, value, threshold, passed from identity_gates").fetchall()
    assert {g for g, *_ in gates} == {"max_cluster_size", "share_of_contacts_resolved", "max_customers_per_identifier"}
    assert all(passed for *_, passed in gates), gates
    n_pairs, union = con.sql("select (select count(*) from identity_match_pairs), "
                             "(select n_pairs from identity_blocking_stats where rule = '(union of all rules)')").fetchall()[0]
    assert n_pairs == union > 0
    # a pair above the threshold without a hard conflict can only end apart through the cluster guards
    linked_apart = con.sql("select count(*) from identity_match_pairs where is_above_threshold and "
                           "not hard_conflict and not is_same_customer").fetchall()[0][0]
    assert linked_apart <= 0.02 * n_pairs
    lineage_fields = {f for (f,) in con.sql("select distinct field from customer_field_lineage").fetchall()}
    assert {"first_name", "email", "street", "birth_date", "marketing_consent", "unsubscribed"} <= lineage_fields


# --------------------------------------------------------------------------------------------
# Rebuild with more data and a reviewer's labels
# --------------------------------------------------------------------------------------------


@dataclass
class Rebuild:
    before: dict
    after: dict
    extra: dict[tuple[str, str], tuple[str, str]]  # new record key -> the record it copies
    exported: pd.DataFrame
    con: duckdb.DuckDBPyConnection
    lake: Path


def _land_extra_accounts(lake: Path, n: int) -> dict[tuple[str, str], tuple[str, str]]:
    """Copies of n existing e-shop accounts under new account ids (the same people, another account)."""
    source = lake / "landing" / "eshop" / "eshop_accounts_part-00001.csv"
    with source.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, [r for r in reader if r["email"] and r["account_id"].isdigit()]
    copies, extra = [], {}
    for i, row in enumerate(rows[:: max(len(rows) // n, 1)][:n]):
        # created earlier than the original, so a fresh id would now derive from the copy:
        # only the previous build's assignment keeps the person's id
        new = dict(row, account_id=f"9{i:09d}", created_at="2019-01-01T00:00:00Z")
        copies.append(new)
        extra[("eshop", new["account_id"])] = ("eshop", row["account_id"])
    with (source.parent / "eshop_accounts_part-00002.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(copies)
    return extra


@pytest.fixture(scope="module")
def rebuilt(demo_build, tmp_path_factory) -> Rebuild:
    work = tmp_path_factory.mktemp("identity-rebuild")
    lake = work / "lake"
    shutil.copytree(demo_build.lake, lake)
    shutil.copy2(demo_build.paths.build_db, work / "build.duckdb")
    paths = Paths(lake.resolve(), work, work / "build.duckdb", demo_build.paths.dbt_project_dir,
                  demo_build.paths.profiles_dir)
    paths.export_env()
    with duckdb.connect(str(paths.build_db), read_only=True) as con:
        before = _assignments(con)

    # a reviewer labels the exported sample from the ground truth, through the CLI
    env = {"SEGMART_DB_PATH": str(paths.build_db), "SEGMART_LAKE_DIR": str(lake)}
    runner = CliRunner()
    exported_csv = work / "pairs.csv"
    result = runner.invoke(cli, ["review", "export", "--out", str(exported_csv), "--n", "120"], env=env)
    assert result.exit_code == 0, result.output
    exported = pd.read_csv(exported_csv, dtype={"left_record": str, "right_record": str})
    truth = _truth(lake)

    def person(record: str) -> str:
        system, _, record_id = record.partition(":")
        return truth[(system, record_id)]

    exported["label"] = [int(person(a) == person(b)) for a, b in zip(exported["left_record"], exported["right_record"],
                                                                     strict=True)]
    exported.to_csv(work / "labelled.csv", index=False)
    result = runner.invoke(cli, ["review", "import", str(work / "labelled.csv")], env=env)
    assert result.exit_code == 0, result.output
    assert f"{len(exported)} labelled pair(s) imported" in result.output

    extra = _land_extra_accounts(lake, N_EXTRA)
    report = ingest(lake)
    assert [f.status for f in report.files if f.file.endswith("part-00002.csv")] == ["loaded"]
    run = run_dbt(["build", "--target-path", str(work / "target"), *IDENTITY_SELECTION], paths,
                  raise_on_failure=False)
    assert run.success, run.summary()
    con = duckdb.connect(str(paths.build_db), read_only=True)
    yield Rebuild(before, _assignments(con), extra, exported, con, lake)
    con.close()


def test_ids_stay_stable_when_more_data_arrives(rebuilt):
    kept = sum(rebuilt.after.get(key) == cid for key, cid in rebuilt.before.items())
    assert kept / len(rebuilt.before) >= 0.99, kept / len(rebuilt.before)
    # the new accounts join the people whose accounts they copy, under those people's existing ids
    joined = sum(rebuilt.after[new] == rebuilt.before[old] for new, old in rebuilt.extra.items())
    assert joined >= 0.9 * len(rebuilt.extra), joined
    # every record that changed id is explained by customer_id_changes
    moved = Counter((cid, rebuilt.after[key]) for key, cid in rebuilt.before.items()
                    if key in rebuilt.after and rebuilt.after[key] != cid)
    changes = {(f, t): n for _, f, t, n in rebuilt.con.sql(
        "select change, from_customer_id, to_customer_id, n_records from customer_id_changes "
        "where change <> 'removed'").fetchall()}
    assert changes == dict(moved)


def test_threshold_calibration_mart_agrees_with_the_library(rebuilt):
    labels = rebuilt.con.sql("""
        select l.label, l.sample_weight, coalesce(p.match_probability, l.match_probability) as match_probability
        from int_identity__review_labels l
        left join int_identity__scored_pairs p
          on least(p.left_record, p.right_record) = l.left_record
         and greatest(p.left_record, p.right_record) = l.right_record""").df()
    assert len(labels) == len(rebuilt.exported) and labels["label"].nunique() == 2
    expected = precision_recall_by_threshold(labels).set_index("threshold")
    mart = rebuilt.con.sql("select * from identity_threshold_calibration").df().set_index("threshold")
    assert (mart["n_labels"] == len(labels)).all()
    pd.testing.assert_series_equal(mart["n_labelled_above"], expected["n_labelled_above"], check_names=False,
                                   check_dtype=False, check_index_type=False)
    for ours, theirs in (("estimated_precision", "precision"), ("estimated_recall", "recall"), ("estimated_f1", "f1")):
        pd.testing.assert_series_equal(mart[ours], expected[theirs], check_names=False, check_index_type=False,
                                       atol=1e-9)
    recommended = mart.index[mart["is_recommended"]].tolist()
    assert recommended == [recommend_threshold(labels, target_precision=0.95)]


def test_review_import_rejects_bad_labels_and_keeps_the_store(rebuilt, tmp_path):
    store = rebuilt.lake / "review" / "identity_labels.csv"
    before = store.read_text()
    bad = rebuilt.exported.head(3).assign(label=["1", "maybe", "0"])
    bad.to_csv(tmp_path / "bad.csv", index=False)
    result = CliRunner().invoke(cli, ["review", "import", "--lake", str(rebuilt.lake), str(tmp_path / "bad.csv")])
    assert result.exit_code != 0 and "'maybe'" in result.output and "line 3" in result.output
    assert store.read_text() == before
