"""Activation and experiments on the demo build: holdouts, consent, hashing, A/B recovery, exports."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from flows.cli import main as cli
from python_models.activation import analyse_experiments, holdout_bucket
from python_models.generate.truth import campaign_uplift, expected_relative_lift, person_of_customer

pytestmark = pytest.mark.dbt


@pytest.fixture(scope="module")
def con(demo_build):
    c = demo_build.connect()
    yield c
    c.close()


@pytest.fixture(scope="module")
def person_of(con, demo_build) -> dict[str, str]:
    return person_of_customer(con, demo_build.truth)


def test_holdout_arms_in_sql_equal_the_python_assignment(con):
    rows = con.sql("select h.experiment_id, h.customer_id, h.arm, e.salt, e.control_share "
                   "from experiment_holdouts h join experiments e using (experiment_id)").fetchall()
    n_customers = con.sql("select count(*) from dim_customers").fetchall()[0][0]
    assert len(rows) == 2 * n_customers  # the demo seed declares two experiments
    for exp, customer, arm, salt, share in rows:
        assert arm == ("control" if holdout_bucket(customer, exp, salt) < share else "test")


def test_audience_never_holds_raw_identifiers_nor_people_who_may_not_be_contacted(con):
    audience = con.sql("select * from audience_members").df()
    customers = con.sql("select customer_id, marketing_consent, unsubscribed from dim_customers").df()
    assert len(audience) == con.sql("select count(*) from segment_membership").fetchall()[0][0]
    exportable = audience[audience["is_exportable"]].merge(customers, on="customer_id")
    assert len(exportable) > 0
    assert exportable["marketing_consent"].fillna(False).all()
    assert not exportable["unsubscribed"].fillna(False).any()
    for col in ("email_sha256", "phone_meta_sha256", "phone_google_sha256"):
        assert audience[col].dropna().str.fullmatch(r"[0-9a-f]{64}").all(), col
    text = audience.astype(str).to_string()
    assert "@" not in text and not re.search(r"\+\d{8,}", text)
    reasons = set(audience["suppression_reason"].dropna())
    assert {"no marketing consent"} <= reasons


def test_ab_analysis_recovers_the_true_uplift_within_its_interval(con, demo_build, person_of):
    persona = {r["person_id"]: r["persona"] for r in demo_build.truth_rows("people.csv")}
    channels = dict(con.sql("select campaign_id, channel from stg_marketing__campaigns").fetchall())
    uplift = campaign_uplift(demo_build.truth, channels)
    recipients = con.sql("select campaign_id, customer_id, variant, is_converted from int_experiments__campaign_recipients "
                         "where exclusion_reason is null").df()
    recipients["persona"] = recipients["customer_id"].map(person_of).map(persona)
    recipients = recipients.dropna(subset=["persona"])
    results = con.sql("select * from experiment_results where segment_name = 'all'").df().set_index("campaign_id")
    covered = []
    for campaign, part in recipients.groupby("campaign_id"):
        truth = expected_relative_lift(part, uplift)
        row = results.loc[campaign]
        covered.append(row.relative_lift_ci_low <= truth <= row.relative_lift_ci_high)
    assert len(covered) == len(results) >= 20
    assert sum(covered) / len(covered) >= 0.9, f"{sum(covered)} of {len(covered)} campaign intervals hold the truth"
    # pooled over the programme, per true persona: tighter intervals, same promise
    pooled = analyse_experiments(recipients.assign(programme="all"), experiment_column="programme",
                                 segment_columns=("persona",))
    pooled = pooled[pooled["persona"] != "all"]
    hits = 0
    for _, row in pooled.iterrows():
        part = recipients[recipients["persona"] == row["persona"]]
        truth = expected_relative_lift(part, uplift)
        hits += row.relative_lift_ci_low <= truth <= row.relative_lift_ci_high
    assert hits >= len(pooled) - 1, pooled[["persona", "relative_lift", "relative_lift_ci_low", "relative_lift_ci_high"]]


def test_experiment_results_count_every_analysed_recipient(con):
    (n_test, n_control), = con.sql("select sum(exposures_test), sum(exposures_control) from experiment_results "
                                   "where segment_name = 'all'").fetchall()
    by_arm = dict(con.sql("select variant, count(*) from int_experiments__campaign_recipients "
                          "where exclusion_reason is null group by variant").fetchall())
    assert (n_test, n_control) == (by_arm["treatment"], by_arm["control"])
    per_segment = con.sql("select sum(exposures_test + exposures_control) from experiment_results "
                          "where segment_name <> 'all'").fetchall()[0][0]
    assert per_segment == n_test + n_control


def test_export_of_the_published_version_has_no_raw_pii(demo_published, demo_build, tmp_path):
    warehouse, published = demo_published
    result = CliRunner().invoke(cli, ["export", "--warehouse", str(warehouse.root), "--version", published.version_id,
                                      "--out", str(tmp_path), "--min-segment-size", "50"])
    assert result.exit_code == 0, result.output
    files = sorted(tmp_path.rglob("*.csv"))
    assert files, result.output
    content = "\n".join(f.read_text(encoding="utf-8") for f in files)
    people = demo_build.truth_rows("people.csv")
    assert not any(p["email"] and p["email"].lower() in content.lower() for p in people)
    assert not any(p["phone"] and p["phone"] in content for p in people)
    assert (tmp_path / published.version_id / "manifest.json").is_file()
    assert (tmp_path / "crm_segment_sync.parquet").is_file()


def test_experiment_commands_read_the_published_version(demo_published):
    warehouse, published = demo_published
    runner = CliRunner()
    wh = ["--warehouse", str(warehouse.root)]
    results = runner.invoke(cli, ["experiment", "results", *wh])
    assert results.exit_code == 0, results.output
    assert published.version_id in results.output and "CMP-" in results.output
    holdout = runner.invoke(cli, ["experiment", "holdout", "EXP-DEMO-HOLDOUT", *wh])
    assert holdout.exit_code == 0 and "control:" in holdout.output and "test:" in holdout.output
    compare = runner.invoke(cli, ["experiment", "compare", "current", published.version_id, *wh])
    assert compare.exit_code == 0, compare.output
    assert compare.output.count(published.version_id) == 2 and "share_heterogeneous" in compare.output
    unknown = runner.invoke(cli, ["experiment", "holdout", "NOPE", *wh])
    assert unknown.exit_code != 0 and "no experiment 'NOPE'" in unknown.output
