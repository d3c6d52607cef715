# Fits the configured preprocessing (YAML: config.preprocessing of this model) on customer_features,
# persists it under artifacts_dir()/preprocessor/ and returns customer_id + the clustering matrix.
from python_models.artifacts import artifacts_dir
from python_models.preprocessing.dbt_adapter import build_feature_matrix


def model(dbt, session):
    dbt.config(materialized="table")
    features = dbt.ref("customer_features").df()
    return build_feature_matrix(features, dbt.config.get("preprocessing"), artifacts_dir() / "preprocessor")
