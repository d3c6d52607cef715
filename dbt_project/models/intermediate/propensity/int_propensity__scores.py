# Trains one propensity model per target on the features as of the training cutoff and the labels
# of the horizon after it, scores every customer on the features as of the latest cutoff, and
# persists the models under artifacts_dir()/propensity/ (settings from dbt vars, see
# _propensity__models.yml). Logic: python_models/propensity/dbt_adapter.py (unit-tested there).
from python_models.artifacts import artifacts_dir
from python_models.propensity.dbt_adapter import save_models, train_and_score


def model(dbt, session):
    dbt.config(materialized="table")
    # read in customer_id order, which the adapter sorts by anyway: a sorted frame is not copied again
    train = dbt.ref("int_features__customer_features_training").order("customer_id").df()
    labels = dbt.ref("int_propensity__labels").df()
    score = dbt.ref("customer_features").order("customer_id").df()
    run = train_and_score(train, labels, score, dbt.config.get("propensity_settings"))
    save_models(run, artifacts_dir() / "propensity")
    return run.scores
