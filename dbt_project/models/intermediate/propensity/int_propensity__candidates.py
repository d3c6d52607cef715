# The 'candidates' table of the propensity run persisted by int_propensity__scores in this build.
from python_models.artifacts import artifacts_dir
from python_models.propensity.dbt_adapter import run_table


def model(dbt, session):
    dbt.config(materialized="table")
    scores = dbt.ref("int_propensity__scores")
    return run_table(artifacts_dir() / "propensity", scores, "candidates")
