"""How well the A/B marts recover the demo's true campaign uplift.

    python bench/activation/ab_recovery.py --db warehouse/segmart_build.duckdb --lake lake

Prints, per campaign, the true relative lift implied by each arm's persona mix (from
ground_truth/campaign_uplift.csv) against experiment_results' estimate and 95 % interval, then
the share of intervals holding the truth.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
import pandas as pd

from python_models.generate.truth import campaign_uplift, expected_relative_lift, person_of_customer


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--lake", required=True)
    a = ap.parse_args()
    truth = Path(a.lake) / "ground_truth"
    con = duckdb.connect(a.db, read_only=True)
    people = pd.read_csv(truth / "people.csv", dtype=str)[["person_id", "persona"]]
    person = person_of_customer(con, truth)
    channels = dict(con.sql("select campaign_id, channel from stg_marketing__campaigns").fetchall())
    uplift = campaign_uplift(truth, channels)
    rec = con.sql("select campaign_id, customer_id, variant, is_converted from int_experiments__campaign_recipients "
                  "where exclusion_reason is null").df()
    rec["persona"] = rec["customer_id"].map(person).map(people.set_index("person_id")["persona"])
    rec = rec.dropna(subset=["persona"])
    res = con.sql("select * from experiment_results where segment_name = 'all'").df().set_index("campaign_id")
    rows = []
    for campaign, part in rec.groupby("campaign_id"):
        t = expected_relative_lift(part, uplift)
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
