# Reads the 'run_stats' output written by int_identity__resolved_records in this build.
from python_models.identity.dbt_adapter import read_output


def model(dbt, session):
    dbt.config(materialized="table")
    dbt.ref("int_identity__resolved_records")  # runs after the resolution
    return read_output(session, "run_stats")
