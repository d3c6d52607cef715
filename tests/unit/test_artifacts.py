import stat

from python_models.artifacts import artifacts_dir


def test_explicit_env_wins(tmp_path, monkeypatch):
    target = tmp_path / "a" / "b"
    monkeypatch.setenv("SEGMART_ARTIFACTS_DIR", str(target))
    monkeypatch.setenv("SEGMART_DB_PATH", str(tmp_path / "db" / "x.duckdb"))
    got = artifacts_dir()
    assert got == target
    assert got.is_dir()
    assert stat.S_IMODE(got.stat().st_mode) == 0o700


def test_defaults_next_to_db(tmp_path, monkeypatch):
    monkeypatch.delenv("SEGMART_ARTIFACTS_DIR", raising=False)
    monkeypatch.setenv("SEGMART_DB_PATH", str(tmp_path / "wh" / "build.duckdb"))
    got = artifacts_dir()
    assert got == tmp_path / "wh" / "artifacts"
    assert stat.S_IMODE(got.stat().st_mode) == 0o700


def test_existing_dir_is_tightened(tmp_path, monkeypatch):
    target = tmp_path / "open"
    target.mkdir(mode=0o777)
    target.chmod(0o777)
    monkeypatch.setenv("SEGMART_ARTIFACTS_DIR", str(target))
    assert stat.S_IMODE(artifacts_dir().stat().st_mode) == 0o700


def test_default_without_any_env(tmp_path, monkeypatch):
    monkeypatch.delenv("SEGMART_ARTIFACTS_DIR", raising=False)
    monkeypatch.delenv("SEGMART_DB_PATH", raising=False)
    monkeypatch.chdir(tmp_path)
    assert artifacts_dir().resolve() == (tmp_path / "warehouse" / "artifacts").resolve()
