"""How well the A/B marts recover the demo's true campaign uplift.

    python bench/activation/ab_recovery.py --db warehouse/segmart_build.duckdb --lake lake

Prints, per campaign, the true relative lift implied by each arm's persona mix (from
ground_truth/campaign_uplift.csv) against experiment_results' estimate and 95 % interval, then
the share of intervals holding the truth.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.integration.test_activation import BOUNCE, _expected_relative_lift  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--lake", required=True)
    a = ap.parse_args()
    truth = Path(a.lake) / "ground_truth"
    con = duckdb.connect(a.db, read_only=True)
    cr = pd.read_csv(truth / "contact_records.csv", dtype=str)
    people = pd.read_csv(truth / "people.csv", dtype=str)[["person_id", "persona"]]
    ids = con.sql("select source_system, source_record_id, customer_id from int_identity__contact_customers").df()
    votes = ids.merge(cr, on=["source_system", "source_record_id"])
    person = votes.groupby("customer_id")["person_id"].agg(lambda s: s.value_counts().index[0])
    uplift = pd.read_csv(truth / "campaign_uplift.csv")
    channels = dict(con.sql("select campaign_id, channel from stg_marketing__campaigns").fetchall())
    uplift["bounce"] = uplift["campaign_id"].map(channels).map(BOUNCE)
    rec = con.sql("select campaign_id, customer_id, variant, is_converted from int_experiments__campaign_recipients "
                  "where exclusion_reason is null").df()
    rec["persona"] = rec["customer_id"].map(person).map(people.set_index("person_id")["persona"])
    rec = rec.dropna(subset=["persona"])
    res = con.sql("select * from experiment_results where segment_name = 'all'").df().set_index("campaign_id")
    rows = []
    for campaign, part in rec.groupby("campaign_id"):
        t = _expected_relative_lift(part, uplift)
        r = res.loc[campaign]
        rows.append((campaign, round(t, 3), round(r.relative_lift, 3), round(r.relative_lift_ci_low, 3),
                     round(r.relative_lift_ci_high, 3), r.relative_lift_ci_low <= t <= r.relative_lift_ci_high,
                     round(r.p_value, 4), bool(r.is_sample_sufficient)))
    out = pd.DataFrame(rows, columns=["campaign", "true_lift", "estimate", "ci_low", "ci_high", "covered", "p_value",
                                      "powered"])
    print(out.to_string(index=False))
    print(f"\n{out.covered.sum()} of {len(out)} intervals hold the true lift ({out.covered.mean():.0%}); "
          f"{(out.p_value < 0.05).sum()} campaigns significant at 5 %; {out.powered.sum()} powered for +20 %")


if __name__ == "__main__":
    main()
