# Trains one propensity model per labelled_records source (random stratified train/validation/test
# split: such tables have no time axis), scores every record and persists the models under
# artifacts_dir()/labelled_propensity/ (settings: var labelled_propensity_settings, see
# _labelled__models.yml). Without a labelled source it returns an empty table at once.
# Logic: python_models/labelled/propensity.py (unit-tested there).
from python_models.artifacts import artifacts_dir
from python_models.labelled.propensity import save_run, scores_table, train_labelled


def model(dbt, session):
    dbt.config(materialized="table")
    run = train_labelled(dbt.ref("stg_labelled__records").df(), dbt.config.get("labelled_propensity_settings"))
    save_run(run, artifacts_dir() / "labelled_propensity")
    return scores_table(run)
