"""Where a build's publishing inputs are (manifest, artifacts) and where its versions go."""

from __future__ import annotations

import os
from pathlib import Path

from flows.settings import Paths
from python_models.publishing import PublishResult, Warehouse, publish
from python_models.publishing.publisher import Progress


def warehouse_root(paths: Paths) -> Path:
    """Versions and the serving catalog sit next to the build database unless SEGMART_WAREHOUSE_DIR
    says otherwise, so a build in a temporary folder never publishes into the repo's warehouse/."""
    explicit = os.environ.get("SEGMART_WAREHOUSE_DIR")
    return Path(explicit).resolve() if explicit else paths.build_db.parent


def warehouse(paths: Paths) -> Warehouse:
    return Warehouse(warehouse_root(paths))


def dbt_target_dir(paths: Paths) -> Path:
    explicit = os.environ.get("DBT_TARGET_PATH")
    if not explicit:
        return paths.dbt_project_dir / "target"
    path = Path(explicit)
    return path if path.is_absolute() else paths.dbt_project_dir / path


def publish_build(paths: Paths, progress: Progress | None = None, switch: bool = True) -> PublishResult:
    """Publish what the last `dbt build` left in the build database."""
    from python_models.artifacts import artifacts_dir

    paths.export_env()
    return publish(
        paths.build_db,
        dbt_target_dir(paths) / "manifest.json",
        warehouse_root(paths),
        project_dir=paths.dbt_project_dir,
        artifacts_dir=artifacts_dir(),
        switch=switch,
        progress=progress,
    )
