"""Reading a built demo against the generator's ground truth (evaluation code only: the pipeline
never reads ground_truth/)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pandas as pd

from python_models.generate.quality import FORMATS


def person_of_customer(con, truth_dir: str | Path) -> dict[str, str]:
    """customer_id -> the true person most of its contact records belong to, from a build's
    int_identity__contact_customers (records the ground truth does not know are left out)."""
    with (Path(truth_dir) / "contact_records.csv").open(newline="") as fh:
        truth = {(r["source_system"], r["source_record_id"]): r["person_id"] for r in csv.DictReader(fh)}
    votes: dict[str, Counter] = {}
    for system, record, customer in con.sql(
            "select source_system, source_record_id, customer_id from int_identity__contact_customers").fetchall():
        if (system, record) in truth:
            votes.setdefault(customer, Counter())[truth[(system, record)]] += 1
    return {c: v.most_common(1)[0][0] for c, v in votes.items()}


def campaign_uplift(truth_dir: str | Path, channel_of: dict[str, str]) -> pd.DataFrame:
    """campaign_uplift.csv with each campaign's bounce rate (a bounced treatment gets no uplift)."""
    uplift = pd.read_csv(Path(truth_dir) / "campaign_uplift.csv", dtype={"campaign_id": str, "persona": str})
    uplift["bounce"] = uplift["campaign_id"].map(channel_of).map(FORMATS["campaign.bounce"])
    return uplift


def expected_relative_lift(recipients: pd.DataFrame, uplift: pd.DataFrame) -> float:
    """E[rate_treatment] / E[rate_control] - 1 for recipients (campaign_id, persona, variant), given
    each arm's persona mix and the true rates of :func:`campaign_uplift`."""
    r = recipients.merge(uplift, on=["campaign_id", "persona"])
    r["p"] = r["base_rate"] * (1 + (r["variant"] == "treatment") * r["true_uplift"] * (1 - r["bounce"]))
    rates = r.groupby("variant")["p"].mean()
    return rates["treatment"] / rates["control"] - 1
