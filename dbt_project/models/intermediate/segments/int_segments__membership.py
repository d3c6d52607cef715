# Runs the segmentation (algorithm and parameters from dbt vars, see _segments__models.yml),
# persists the fitted run under artifacts_dir()/segmentation/ and returns one row per customer.
# Logic: python_models/segmentation/dbt_adapter.py (unit-tested there).
from python_models.artifacts import artifacts_dir
from python_models.segmentation.dbt_adapter import (
    config_from_vars,
    find_preprocessor,
    membership_output,
    save_run,
    segment_customers,
)


def model(dbt, session):
    dbt.config(materialized="table")
    # in customer_id order, which the adapter sorts by anyway: a sorted matrix is not copied again
    matrix = dbt.ref("int_features__feature_matrix").order("customer_id").df()
    features = dbt.ref("customer_features").df()
    config = config_from_vars(dbt.config.get("segmentation_settings"))
    names = [c for c in matrix.columns if c != "customer_id"]
    preprocessor = find_preprocessor(artifacts_dir() / "preprocessor", names)
    run = segment_customers(matrix, features, config, preprocessor=preprocessor)
    save_run(run, artifacts_dir() / "segmentation")
    return membership_output(run)
