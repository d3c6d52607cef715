"""`segmart fetch` as a user runs it: a Prefect flow run; a failure is one line, exit code 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.test_rest_source import TOKEN, FakeApi, _lake

pytestmark = [pytest.mark.prefect, pytest.mark.timeout(300)]

SEGMART = str(Path(sys.executable).with_name("segmart"))


def _segmart(args: list[str], api_url: str, token: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PREFECT_API_URL": api_url, "FAKE_API_TOKEN": token}
    return subprocess.run([SEGMART, *args], env=env, capture_output=True, text=True, timeout=240)


def test_fetch_lands_pages_then_a_bad_token_fails_in_one_line(real_prefect_server, tmp_path):
    api = FakeApi(pages=3, per_page=2)
    try:
        lake = _lake(tmp_path, api.url)
        ok = _segmart(["fetch", "--lake", str(lake)], real_prefect_server.api_url, TOKEN)
        assert ok.returncode == 0, ok.stderr
        assert "social_api: 3 page(s), 6 records fetched" in ok.stdout
        assert len(list((lake / "landing" / "social_api").glob("social_api_c001_page-*.json"))) == 3

        bad = _segmart(["fetch", "--lake", str(lake), "--new-crawl"], real_prefect_server.api_url, "wrong")
    finally:
        api.server.shutdown()
        api.server.server_close()
    assert bad.returncode == 1
    errors = [line for line in bad.stderr.splitlines() if line.strip() and "fetching REST sources" not in line]
    assert len(errors) == 1, bad.stderr
    assert errors[0].startswith("segmart: error: source 'social_api' page 1") and "HTTP 401" in errors[0]
    assert "Traceback" not in bad.stderr + bad.stdout
