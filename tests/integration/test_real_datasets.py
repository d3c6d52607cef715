"""Real public datasets through the bring-your-own path: same sources-file route as any user, then dbt build."""

from __future__ import annotations

import csv

import duckdb
import pytest

from flows.dbt_runner import run_dbt
from flows.settings import Paths
from python_models.lake import ingest, load_sources
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.dbt

EXAMPLES = REPO_ROOT / "examples" / "byo"


def csv_records(path) -> int:
    """Records as Python's csv module counts them (quoted newlines stay inside their record)."""
    with path.open(newline="", encoding="utf-8") as fh:
        return sum(1 for _ in csv.DictReader(fh))


@pytest.fixture(scope="module")
def real_warehouse(tmp_path_factory, datasets_dir):
    """Complete Journey and the Chicago sites ingested into one lake, then one dbt build."""
    import os

    os.environ["SEGMART_DATASETS"] = str(datasets_dir)
    work = tmp_path_factory.mktemp("real")
    lake = work / "lake"
    reports = {}
    for name in ("complete_journey", "chicago_childhood_sites"):
        reports[name] = ingest(lake, EXAMPLES / name / "sources.yml")
    paths = Paths(lake.resolve(), work, work / "build.duckdb", REPO_ROOT / "dbt_project", REPO_ROOT)
    run = run_dbt(["build"], paths, raise_on_failure=False)
    assert run.success, run.summary()
    con = duckdb.connect(str(paths.build_db), read_only=True)
    yield con, reports, datasets_dir
    con.close()


def test_every_real_file_is_loaded_and_reconciles(real_warehouse):
    con, reports, datasets = real_warehouse
    for report in reports.values():
        assert report.files and all(f.status == "loaded" for f in report.files), report.summary()
    rows = con.sql(
        "select source_system, source_file, rows_landed, rows_staged, rows_quarantined, "
        "rows_exact_duplicates, is_reconciled from source_reconciliation"
    ).fetchall()
    assert rows, "no reconciliation rows"
    for system, file, landed, staged, quarantined, dupes, ok in rows:
        assert ok and landed == staged + quarantined + dupes, (system, file)
    landed_by_file = {file.split("/")[-1]: landed for _, file, landed, *_ in rows}
    # the raw files' own record counts, read independently of segmart
    for name in ("transactions_sample.csv", "demographics.csv", "campaigns.csv", "coupon_redemptions.csv"):
        assert landed_by_file[name] == csv_records(datasets / "complete_journey" / name), name


def test_complete_journey_is_staged(real_warehouse):
    con, _, _ = real_warehouse
    lines, baskets, households, revenue = con.sql(
        "select count(*), count(distinct order_id), count(distinct customer_ref), sum(amount) "
        "from stg_shop__order_lines where source_system = 'cj_transactions'"
    ).fetchall()[0]
    assert (lines, baskets, households) == (75_000, 47_243, 2_377)
    assert revenue > 0
    bad_ts = con.sql(
        "select count(*) from stg_shop__order_lines where ordered_at_utc is null or year(ordered_at_utc) not in (2017, 2018)"
    ).fetchall()[0][0]
    assert bad_ts == 0
    by_type = dict(con.sql(
        "select event_type, count(*) from stg_marketing__campaign_events group by 1"
    ).fetchall())
    assert by_type == {"send": 6_589, "conversion": 2_102}
    assert con.sql("select count(*) from stg_marketing__campaigns").fetchall()[0][0] == 27
    assert con.sql(
        "select count(*) from stg_crm__contacts where source_system = 'cj_households' and age_band is not null"
    ).fetchall()[0][0] == 801


def test_chicago_sites_are_staged_with_their_messy_phones_kept(real_warehouse):
    con, _, datasets = real_warehouse
    staged, quarantined = con.sql(
        "select (select count(*) from stg_crm__contacts where source_system = 'chicago_sites'), "
        "(select count(*) from quarantined_rows where source_system = 'chicago_sites')"
    ).fetchall()[0]
    landed = csv_records(datasets / "chicago_childhood_sites" / "sites_with_true_ids.csv")
    assert staged + quarantined == landed == 3_337
    # 7-digit local numbers are no valid E.164: nulled and flagged, the raw value kept
    kept_raw, e164 = con.sql(
        "select count(phone_raw), count(phone) from stg_crm__contacts where source_system = 'chicago_sites'"
    ).fetchall()[0]
    assert kept_raw > 3_000 and e164 < kept_raw


def test_sources_files_validate(datasets_dir):
    for name in ("complete_journey", "chicago_childhood_sites"):
        config = load_sources(EXAMPLES / name / "sources.yml")
        assert all(spec.files() for spec in config.sources), name


def test_complete_journey_households_get_features(real_warehouse):
    """The feature layer works on a real dataset mapped through bring-your-own: every household with
    a demographics record gets features; transactions of households without one are counted as
    unattributed, not lost."""
    con, _, _ = real_warehouse
    n, buyers, sent, cutoff = con.sql(
        "select count(*), count(*) filter (where order_count > 0), sum(campaigns_sent), max(features_cutoff_at_utc) "
        "from customer_features f join dim_customers d using (customer_id) "
        "where d.source_systems like '%cj_households%'"
    ).fetchall()[0]
    assert n >= 801 and buyers > 700 and sent > 0
    assert cutoff.year in (2017, 2018)
    staged, attributed, unattributed, ok = con.sql(
        "select rows_staged, rows_attributed, rows_unattributed, is_reconciled from feature_attribution_coverage "
        "where fact = 'orders'"
    ).fetchall()[0]
    assert ok and attributed + unattributed == staged and attributed > 0
    assert con.sql("select count(*) from int_features__feature_matrix").fetchall()[0][0] >= n
