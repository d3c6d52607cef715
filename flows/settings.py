"""Where things live. Every path can be moved with an environment variable; defaults sit in the repo."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(os.environ.get("SEGMART_PROJECT_DIR", Path(__file__).resolve().parents[1]))


@dataclass(frozen=True)
class Paths:
    lake_dir: Path
    warehouse_dir: Path
    build_db: Path
    dbt_project_dir: Path
    profiles_dir: Path

    @classmethod
    def from_env(cls, lake_dir: str | Path | None = None) -> Paths:
        lake = Path(lake_dir or os.environ.get("SEGMART_LAKE_DIR") or REPO_ROOT / "lake")
        warehouse = Path(os.environ.get("SEGMART_WAREHOUSE_DIR") or REPO_ROOT / "warehouse")
        build_db = Path(os.environ.get("SEGMART_DB_PATH") or warehouse / "segmart_build.duckdb")
        return cls(
            lake_dir=lake.resolve(),
            warehouse_dir=warehouse.resolve(),
            build_db=build_db.resolve(),
            dbt_project_dir=REPO_ROOT / "dbt_project",
            profiles_dir=REPO_ROOT,
        )

    def export_env(self) -> None:
        """dbt reads these through env_var(); absolute paths make it indifferent to the cwd."""
        os.environ["SEGMART_LAKE_DIR"] = str(self.lake_dir)
        os.environ["SEGMART_DB_PATH"] = str(self.build_db)
        self.build_db.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
