"""`dbt` works as the README says: from the repo root and from inside dbt_project/."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.dbt
DBT = str(Path(sys.executable).with_name("dbt"))


@pytest.mark.parametrize(
    ("cwd", "args"),
    [(REPO_ROOT, ["--project-dir", "dbt_project"]), (REPO_ROOT / "dbt_project", [])],
    ids=["repo-root", "inside-dbt_project"],
)
def test_dbt_finds_project_and_profile(cwd, args, tmp_path):
    env = {**os.environ, "DBT_TARGET_PATH": str(tmp_path / "target"), "DBT_LOG_PATH": str(tmp_path / "logs")}
    env.pop("SEGMART_DB_PATH", None)
    result = subprocess.run([DBT, "debug", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "All checks passed" in result.stdout
    # both places resolve the same build database: the repo's warehouse/ (linked from dbt_project/)
    assert "segmart_build.duckdb" in result.stdout
