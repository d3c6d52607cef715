"""`dbt docs generate` on the demo build documents every model and column, and declares its consumers."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import duckdb
import pytest

from flows.dbt_runner import run_dbt

pytestmark = pytest.mark.dbt


@pytest.fixture(scope="module")
def docs(demo_build, tmp_path_factory):
    # a copy of the build: docs generation opens the database read-write, other tests hold it read-only
    work = tmp_path_factory.mktemp("docs")
    shutil.copy(demo_build.paths.build_db, work / "build.duckdb")
    paths = replace(demo_build.paths, build_db=work / "build.duckdb")
    run = run_dbt(["docs", "generate", "--target-path", str(work / "target")], paths, raise_on_failure=False)
    assert run.success, run.summary()
    manifest = json.loads((work / "target" / "manifest.json").read_text())
    catalog = json.loads((work / "target" / "catalog.json").read_text())
    demo_build.paths.export_env()  # later tests expect the shared build's environment
    return manifest, catalog, work / "build.duckdb"


def test_every_model_and_built_column_is_described(docs):
    manifest, catalog, db = docs
    models = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    assert not [n["name"] for n in models.values() if not n["description"].strip()]
    undocumented = {}
    for uid, node in catalog["nodes"].items():
        if uid not in models:
            continue
        described = {k.lower() for k, v in models[uid]["columns"].items() if v.get("description", "").strip()}
        missing = [c for c in node["columns"] if c.lower() not in described]
        if missing:
            undocumented[models[uid]["name"]] = missing
    # the micro-batch computes the same columns with the same macro as customer_features, whose
    # properties document them
    by_name = {n["name"]: n for n in models.values()}
    twin = undocumented.pop("int_microbatch__customer_features", [])
    twin_doc = {k.lower() for k, v in by_name["customer_features"]["columns"].items() if v.get("description", "").strip()}
    assert {c.lower() for c in twin} - {"customer_id"} <= twin_doc
    # the matrix's columns come from the preprocessing config; feature_catalog documents each one
    matrix = undocumented.pop("int_features__feature_matrix", [])
    con = duckdb.connect(str(db), read_only=True)
    try:
        catalogued = {f for (f,) in con.sql("select feature from feature_catalog").fetchall()}
    finally:
        con.close()
    assert set(matrix) - {"customer_id"} <= catalogued
    assert not undocumented, undocumented


def test_exposures_declare_the_report_and_the_exports_as_consumers(docs):
    manifest, _, _ = docs
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert {"segment_report", "ad_platform_audiences", "crm_segment_sync"} <= set(exposures)
    needs = {e: {d.split(".")[-1] for d in exposures[e]["depends_on"]["nodes"]} for e in exposures}
    assert "audience_members" in needs["ad_platform_audiences"]
    assert {"segment_membership", "segment_profiles", "quarantined_rows"} <= needs["segment_report"]
