# One row per matrix column, read from the preprocessor int_features__feature_matrix persisted.
from python_models.artifacts import artifacts_dir
from python_models.preprocessing.dbt_adapter import catalog_table


def model(dbt, session):
    dbt.config(materialized="table")
    matrix = dbt.ref("int_features__feature_matrix")
    ids = matrix.project("customer_id").df()["customer_id"]
    return catalog_table(artifacts_dir() / "preprocessor", list(matrix.columns), ids)
