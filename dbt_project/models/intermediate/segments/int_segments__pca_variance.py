# The 'pca_variance' table of the segmentation run persisted by int_segments__membership in this build.
from python_models.artifacts import artifacts_dir
from python_models.segmentation.dbt_adapter import run_table


def model(dbt, session):
    dbt.config(materialized="table")
    membership = dbt.ref("int_segments__membership")
    return run_table(artifacts_dir() / "segmentation", membership, "pca_variance")
