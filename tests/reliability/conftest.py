"""One lake for the reliability tests: a small generated demo lake plus the bad-input corpus, put
through the real `segmart ingest` and `segmart build` commands once, with everything they print
and log kept for the PII checks (one dbt build instead of one per test module)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml

from python_models.generate import generate_lake
from tests.reliability.corpus import write_corpus

SEGMART = str(Path(sys.executable).parent / "segmart")
# staging, the quality marts and the seeds they need; tests only when all their parents are built
BUILD_SELECT = ["--select", "+tag:quality", "--select", "tag:staging"]


@dataclass
class ReliabilityRun:
    lake: Path
    work: Path
    build_db: Path
    outputs: dict[str, str]  # what each command printed, and each log file, by name

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.build_db), read_only=True)


def _segmart(args: list[str], env: dict[str, str]) -> str:
    proc = subprocess.run([SEGMART, *args], env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


@pytest.fixture(scope="session")
def reliability_run(tmp_path_factory) -> ReliabilityRun:
    work = tmp_path_factory.mktemp("reliability")
    lake = work / "lake"
    generate_lake(lake, people=150, seed=11)
    demo_sources = yaml.safe_load((lake / "sources.yml").read_text())
    # A contacts export that lost its header line: its first record (a person) stands where the
    # header should be, and nothing may quote it.
    crm = sorted((lake / "landing" / "crm").glob("crm_contacts_*.csv"))[0]
    (crm.parent / "crm_contacts_noheader.csv").write_bytes(crm.read_bytes().split(b"\n", 1)[1])
    write_corpus(lake)
    corpus_sources = yaml.safe_load((lake / "sources.yml").read_text())
    demo_sources["sources"] += corpus_sources["sources"]
    (lake / "sources.yml").write_text(yaml.safe_dump(demo_sources, allow_unicode=True, sort_keys=False))
    env = {
        **os.environ,
        "SEGMART_LAKE_DIR": str(lake),
        "SEGMART_WAREHOUSE_DIR": str(work / "warehouse"),
        "SEGMART_DB_PATH": str(work / "warehouse" / "build.duckdb"),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "DBT_INDIRECT_SELECTION": "cautious",
        "SEGMART_DBT_VERBOSE": "1",  # every dbt line printed too: more to search for PII
        "SEGMART_INGEST_WORKERS": "1",  # small files: spawning readers costs more than it saves
    }
    outputs = {
        "segmart ingest": _segmart(["ingest", "--no-prefect"], env),
        "segmart build": _segmart(["build", *BUILD_SELECT], env),
    }
    for log in sorted(work.rglob("*.log")):
        outputs[str(log.relative_to(work))] = log.read_text(errors="replace")
    return ReliabilityRun(lake, work, Path(env["SEGMART_DB_PATH"]), outputs)
