# The 'confusion' table of the supervised run persisted by int_segments__supervised_membership.
from python_models.artifacts import artifacts_dir
from python_models.segmentation.known_segments import run_table


def model(dbt, session):
    dbt.config(materialized="table")
    membership = dbt.ref("int_segments__supervised_membership")
    return run_table(artifacts_dir() / "supervised_segmentation", membership, "confusion")
