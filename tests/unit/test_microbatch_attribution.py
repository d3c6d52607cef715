"""A micro-batch updates the attributed fact tables in place only when they carry their staged rows'
lineage; tables an older release built without it are rebuilt in full once."""

from __future__ import annotations

import duckdb

from flows.microbatch_flow import ATTRIBUTED_MODELS, _attribution_updatable


def _build(path, with_lineage: set[str]) -> None:
    con = duckdb.connect(str(path))
    for model in ATTRIBUTED_MODELS:
        lineage = ", load_id varchar, source_file varchar, record_number bigint" if model in with_lineage else ""
        con.sql(f"create table {model} (source_system varchar, customer_id varchar{lineage})")
    con.close()


def test_tables_with_lineage_are_updated_in_place(tmp_path):
    _build(tmp_path / "b.duckdb", set(ATTRIBUTED_MODELS))
    assert _attribution_updatable(tmp_path / "b.duckdb")


def test_one_table_without_lineage_forces_a_full_rebuild(tmp_path):
    _build(tmp_path / "b.duckdb", set(ATTRIBUTED_MODELS[1:]))
    assert not _attribution_updatable(tmp_path / "b.duckdb")


def test_a_build_without_the_tables_is_rebuilt_in_full(tmp_path):
    duckdb.connect(str(tmp_path / "b.duckdb")).close()
    assert not _attribution_updatable(tmp_path / "b.duckdb")
