from click.testing import CliRunner

from flows.cli import main
from python_models.contracts import contracts_markdown, load_contracts
from tests.conftest import REPO_ROOT


def test_published_contract_docs_match_the_contracts():
    doc = (REPO_ROOT / "docs" / "source_contracts.md").read_text(encoding="utf-8")
    assert doc == contracts_markdown(), "run `make docs` to regenerate docs/source_contracts.md"


def test_every_entity_has_its_key_among_its_columns_and_a_required_column():
    for entity in load_contracts().values():
        # source_system is not in the file: ingestion stamps it from the sources file
        assert set(entity.key) <= {*entity.column_names, "source_system"}, entity.name
        assert entity.required_columns, entity.name
        assert all(col.description for col in entity.columns), entity.name


def test_cli_errors_are_one_clear_line(tmp_path):
    (tmp_path / "sources.yml").write_text("sources:\n  - {name: crm, entity: people}\n")
    result = CliRunner().invoke(main, ["ingest", "--no-prefect", "--lake", str(tmp_path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("segmart: error:") and "'entity' must be one of" in lines[0]
    assert "Traceback" not in result.output


def test_query_refuses_writes(tmp_path, monkeypatch):
    import duckdb

    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).close()
    monkeypatch.setenv("SEGMART_DB_PATH", str(db))
    result = CliRunner().invoke(main, ["query", "--build", "create table t(a int)"])
    assert result.exit_code != 0 and "read-only" in result.output
    ok = CliRunner().invoke(main, ["query", "--build", "select 41 + 1 as answer"])
    assert ok.exit_code == 0 and "42" in ok.output


def test_build_passes_a_vars_file_to_dbt(tmp_path, monkeypatch):
    import yaml

    from flows import dbt_runner

    seen = {}

    def fake_run_dbt(args, paths=None, raise_on_failure=True):
        seen["args"] = args
        return dbt_runner.DbtRun(command=args, success=True)

    monkeypatch.setattr(dbt_runner, "run_dbt", fake_run_dbt)
    monkeypatch.setenv("SEGMART_DB_PATH", str(tmp_path / "w.duckdb"))
    vars_file = REPO_ROOT / "examples" / "byo" / "complete_journey" / "vars.yml"
    result = CliRunner().invoke(main, ["build", "--lake", str(tmp_path), "--vars-file", str(vars_file)])
    assert result.exit_code == 0, result.output
    args = seen["args"]
    assert args[:2] == ["build", "--vars"]
    assert yaml.safe_load(args[2]) == yaml.safe_load(vars_file.read_text())
    assert yaml.safe_load(args[2])["segmentation_k_range"] == [2, 6]


def test_refresh_passes_a_vars_file_to_the_flow(tmp_path, monkeypatch):
    import types

    import yaml

    from flows import refresh_flow

    seen = {}

    def fake_flow(lake_dir, sources=None, publish=True, dbt_vars=None):
        seen["dbt_vars"] = dbt_vars
        done = types.SimpleNamespace(summary=lambda: "ok")
        return types.SimpleNamespace(ingest=done, dbt=done, publish=None, seconds={})

    monkeypatch.setattr(refresh_flow, "refresh_flow", fake_flow)
    monkeypatch.setenv("SEGMART_DB_PATH", str(tmp_path / "w.duckdb"))
    vars_file = REPO_ROOT / "examples" / "byo" / "complete_journey" / "vars.yml"
    result = CliRunner().invoke(main, ["refresh", "--lake", str(tmp_path), "--vars-file", str(vars_file)])
    assert result.exit_code == 0, result.output
    assert seen["dbt_vars"] == yaml.safe_load(vars_file.read_text())
