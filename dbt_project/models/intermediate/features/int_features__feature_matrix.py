# Fits the configured preprocessing (YAML: config.preprocessing of this model) on customer_features,
# persists it under artifacts_dir()/preprocessor/ and returns customer_id + the clustering matrix.
from python_models.artifacts import artifacts_dir
from python_models.preprocessing.dbt_adapter import build_feature_matrix, columns_to_read


def model(dbt, session):
    dbt.config(materialized="table")
    config = dbt.config.get("preprocessing")
    features = dbt.ref("customer_features")
    wanted = columns_to_read(list(features.columns), config)
    return build_feature_matrix(
        features.project(", ".join(f'"{c}"' for c in wanted)).df(),
        config,
        artifacts_dir() / "preprocessor",
        all_columns=list(features.columns),
    )
