# The supervised path: per known_segments source, trains a classifier on the labelled customers of the
# feature matrix (held-out stratified split, seeded), predicts a segment for every customer, persists the
# run under artifacts_dir()/supervised_segmentation/ (settings: var supervised_segmentation_settings, see
# _segments__models.yml). Without labels it returns an empty table without reading the matrix.
# Logic: python_models/segmentation/known_segments.py (unit-tested there).
from python_models.artifacts import artifacts_dir
from python_models.segmentation.known_segments import membership_table, save_run, train_known_segments


def model(dbt, session):
    dbt.config(materialized="table")
    labels = dbt.ref("int_segments__known_segment_labels").filter("label_status = 'usable'") \
        .project("source_system, customer_id, known_segment").df()
    matrix = dbt.ref("int_features__feature_matrix").df() if len(labels) else None
    run = train_known_segments(labels, matrix, dbt.config.get("supervised_segmentation_settings"))
    save_run(run, artifacts_dir() / "supervised_segmentation")
    return membership_table(run)
