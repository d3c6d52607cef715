"""A/B results per campaign x segment: adapts python_models.activation.analyse_experiments.

Segments are the current segmentation's (segment_membership), i.e. who the people are now; the
'all' rows are the campaign as a whole.
"""

from python_models.activation import analyse_experiments


def model(dbt, session):
    dbt.config(materialized="table")
    recipients = dbt.ref("int_experiments__campaign_recipients").df()
    membership = dbt.ref("segment_membership").df()[["customer_id", "segment_name"]]
    usable = recipients[recipients["exclusion_reason"].isna()]
    frame = usable.merge(membership, on="customer_id", how="left")
    frame["segment_name"] = frame["segment_name"].astype("string").fillna("unassigned")
    return analyse_experiments(
        frame,
        experiment_column="campaign_id",
        segment_columns=("segment_name",),
        test_arm=dbt.config.get("test_arm") or "treatment",
        control_arm=dbt.config.get("control_arm") or "control",
        alpha=float(dbt.config.get("alpha") or 0.05),
        relative_mde=float(dbt.config.get("relative_mde") or 0.2),
    )
