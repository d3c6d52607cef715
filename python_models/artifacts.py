"""Where a run's fitted artefacts (preprocessors, models, centroids) are written.

One location shared by every algorithm so the publisher can copy a single
folder into a published version.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB_PATH = "warehouse/segmart_build.duckdb"


def artifacts_dir() -> Path:
    """Return the run's artefact directory, creating it owner-only (0o700).

    ``$SEGMART_ARTIFACTS_DIR`` wins; otherwise ``artifacts/`` next to the
    warehouse file named by ``$SEGMART_DB_PATH`` (so each build keeps its
    artefacts beside the database they were fitted on).
    """
    explicit = os.environ.get("SEGMART_ARTIFACTS_DIR")
    if explicit:
        path = Path(explicit)
    else:
        db_path = Path(os.environ.get("SEGMART_DB_PATH") or DEFAULT_DB_PATH)
        path = db_path.parent / "artifacts"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    # mkdir's mode is masked by the umask and ignored for an existing dir;
    # fitted models may embed customer data, so enforce owner-only here.
    path.chmod(0o700)
    return path


def load_run_of(path: str | Path, relation, what: str, producer: str):
    """The run persisted at ``path`` by the dbt model ``producer``, refused unless its ``run_id`` is the one
    in ``relation`` (that model's table in this build): a partial build must not mix two runs. An empty
    table carries no run_id, so any persisted run is accepted then."""
    import joblib

    first = relation.project("run_id").limit(1).fetchall()
    expected = first[0][0] if first else None
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no persisted {what} run at {path}: build {producer}")
    run = joblib.load(path)
    if expected is not None and run.run_id != expected:
        raise RuntimeError(f"persisted {what} run {run.run_id} is not the run {expected} of {producer}: rebuild it")
    return run
