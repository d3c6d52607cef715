# Pairs a person labelled (segmart review import), read from the label store; empty when none.
from python_models.identity.dbt_adapter import review_labels_table


def model(dbt, session):
    dbt.config(materialized="table")
    return review_labels_table(dbt.config.get("identity_labels_path"))
