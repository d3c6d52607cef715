# The 'candidates' table of the labelled propensity run persisted by int_labelled__propensity_scores.
from python_models.artifacts import artifacts_dir
from python_models.labelled.propensity import run_table


def model(dbt, session):
    dbt.config(materialized="table")
    scores = dbt.ref("int_labelled__propensity_scores")
    return run_table(artifacts_dir() / "labelled_propensity", scores, "candidates")
