# Runs identity resolution once per build (python_models.identity.resolve on
# int_identity__contacts) and returns one row per contact record with its customer_id.
# The side outputs (pairs, golden records, lineage...) go to the run's artifacts folder and are
# exposed by the small reader models next to this one. Settings: see _identity__models.yml.
from python_models.identity.dbt_adapter import run_resolution


def model(dbt, session):
    dbt.config(materialized="table")
    return run_resolution(
        session,
        dbt.this,
        contacts=dbt.ref("int_identity__contacts"),
        nicknames=dbt.ref("identity_nicknames"),
        source_priority=dbt.ref("identity_source_priority"),
        threshold=dbt.config.get("identity_match_threshold"),
        settings=dbt.config.get("identity_settings"),
        labels_path=dbt.config.get("identity_labels_path"),
    )
