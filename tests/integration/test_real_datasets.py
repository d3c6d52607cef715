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


CJ_VARS = ["--vars", (EXAMPLES / "complete_journey" / "vars.yml").read_text()]


def _build(work, datasets_dir, name, dbt_args, target):
    import os

    os.environ["SEGMART_DATASETS"] = str(datasets_dir)
    lake = work / "lake"
    report = ingest(lake, EXAMPLES / name / "sources.yml")
    paths = Paths(lake.resolve(), work, work / "build.duckdb", REPO_ROOT / "dbt_project", REPO_ROOT)
    run = run_dbt(["build", *dbt_args, *CJ_VARS, "--target-path", str(target)], paths, raise_on_failure=False)
    assert run.success, run.summary()
    return duckdb.connect(str(paths.build_db), read_only=True), report


@pytest.fixture(scope="module")
def real_warehouse(tmp_path_factory, datasets_dir):
    """Each dataset in its own lake and build, as two unrelated companies would run segmart: Complete
    Journey through the whole DAG with its vars file (segments on the behaviours it has), the Chicago
    sites (contacts only, no behaviour to segment) through staging and the quality marts.
    Yields (Complete Journey's connection, reports, datasets folder, the Chicago build's connection)."""
    # one target path and the same vars for both: the second build reuses dbt's parse of the first
    target = tmp_path_factory.mktemp("target")
    cj, cj_report = _build(tmp_path_factory.mktemp("cj"), datasets_dir, "complete_journey", [], target)
    sites, sites_report = _build(tmp_path_factory.mktemp("sites"), datasets_dir, "chicago_childhood_sites",
                                 ["--select", "+quarantined_rows", "+source_reconciliation", "+stg_crm__contacts",
                                  "--exclude", "resource_type:unit_test"], target)
    yield cj, {"complete_journey": cj_report, "chicago_childhood_sites": sites_report}, datasets_dir, sites
    cj.close()
    sites.close()


def test_every_real_file_is_loaded_and_reconciles(real_warehouse):
    con, reports, datasets, sites = real_warehouse
    for report in reports.values():
        assert report.files and all(f.status == "loaded" for f in report.files), report.summary()
    query = ("select source_system, source_file, rows_landed, rows_staged, rows_quarantined, "
             "rows_exact_duplicates, is_reconciled from source_reconciliation")
    rows = con.sql(query).fetchall() + sites.sql(query).fetchall()
    assert rows, "no reconciliation rows"
    for system, file, landed, staged, quarantined, dupes, ok in rows:
        assert ok and landed == staged + quarantined + dupes, (system, file)
    landed_by_file = {file.split("/")[-1]: landed for _, file, landed, *_ in rows}
    # the raw files' own record counts, read independently of segmart
    for name in ("transactions_sample.csv", "demographics.csv", "campaigns.csv", "coupon_redemptions.csv"):
        assert landed_by_file[name] == csv_records(datasets / "complete_journey" / name), name


def test_complete_journey_is_staged(real_warehouse):
    con, *_ = real_warehouse
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
    _, _, datasets, con = real_warehouse
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
    con, *_ = real_warehouse
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


def test_complete_journey_segments_pass_their_gates(real_warehouse):
    """Segmentation on real grocery data (801 households) with the example's vars file: every gate
    passes and each segment gets a profile that tells it apart by the behaviours the data has."""
    con, *_ = real_warehouse
    gates = con.sql("select gate, value, threshold, passed from segmentation_gates").fetchall()
    assert len(gates) >= 8 and all(passed for *_, passed in gates), gates
    n_customers, n_features, k = con.sql(
        "select n_customers, n_features, n_segments from segmentation_runs").fetchall()[0]
    assert n_customers == con.sql("select count(*) from int_features__feature_matrix").fetchall()[0][0] >= 801
    assert n_features == 6 and k >= 3
    profiles = con.sql("select segment_id, size, segment_name, distinguishing_features from segment_profiles "
                       "order by segment_id").fetchall()
    assert len(profiles) == k and sum(size for _, size, *_ in profiles) == n_customers
    assert len({name for _, _, name, _ in profiles}) == k and all(name for _, _, name, _ in profiles)
    assert all(features for *_, features in profiles)
    # the segments really differ in spend and frequency, not only on paper
    spend = con.sql("select m.segment_id, median(f.monetary_total), median(f.order_count) "
                    "from segment_membership m join customer_features f using (customer_id) group by 1").fetchall()
    assert max(s for _, s, _ in spend) > 3 * min(s for _, s, _ in spend)
    assert max(n for *_, n in spend) > 3 * min(n for *_, n in spend)
