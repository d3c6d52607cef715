"""The REST source against a real HTTP server on 127.0.0.1: pagination, auth, retries, resume."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from python_models.lake import ingest
from python_models.lake.rest_source import RestSourceError, fetch_rest_source, state_path
from python_models.lake.source_config import SourceConfigError, load_sources

TOKEN = "s3cret-token"


def _record(page: int, i: int) -> dict:
    return {"id": f"ig_{page}_{i}", "platform": "instagram", "user": {"handle": f"@u{page}{i}"},
            "type": "like", "created_time": "2025-01-01T00:16:47+0000"}


class FakeApi:
    """Pages of records; `failures[page]` lists statuses answered before the page is served."""

    def __init__(self, pages: int = 4, per_page: int = 3, style: str = "link"):
        self.pages = [[_record(p, i) for i in range(per_page)] for p in range(1, pages + 1)]
        self.style = style
        self.failures: dict[int, list[int]] = {}
        self.requests: list[tuple[int, int]] = []  # (page, status)
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                page = int(query.get("page") or query.get("cursor", "c1")[1:] or 1)
                status = api._status(page, self.headers.get("Authorization"))
                api.requests.append((page, status))
                if status != 200:
                    self.send_response(status)
                    if status in (429, 503):
                        self.send_header("Retry-After", "0")
                    self.end_headers()
                    self.wfile.write(b'{"error": "nope"}')
                    return
                body = json.dumps(api._page(page)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1/interactions"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def _status(self, page: int, auth: str | None) -> int:
        if auth != f"Bearer {TOKEN}":
            return 401
        pending = self.failures.get(page)
        return pending.pop(0) if pending else 200

    def _page(self, page: int) -> dict:
        records = self.pages[page - 1] if page <= len(self.pages) else []
        last = page >= len(self.pages)
        if self.style == "link":
            paging = {"page": page, "next": None if last else f"{self.url}?page={page + 1}"}
        elif self.style == "cursor":
            paging = {} if last else {"cursor": f"c{page + 1}"}
        else:
            paging = {}
        return {"data": records, "paging": paging}

    def fetched_pages(self) -> list[int]:
        return [page for page, status in self.requests if status == 200]


@pytest.fixture
def api():
    server = FakeApi()
    yield server
    server.server.shutdown()
    server.server.server_close()


def _lake(tmp_path, url: str, **rest) -> object:
    lake = tmp_path / "lake"
    lake.mkdir(exist_ok=True)
    rest = {"url": url, "token_env": "FAKE_API_TOKEN", "next_path": "paging.next",
            "backoff_seconds": 0.01, **rest}
    rest = {k: v for k, v in rest.items() if v is not None}
    source = {
        "name": "social_api", "entity": "social_interactions", "format": "json", "records_path": "data",
        "rest": rest,
        "columns": {"interaction_id": "id", "platform": "platform", "handle": "user.handle",
                    "interaction_type": "type", "interacted_at": "created_time"},
    }
    (lake / "sources.yml").write_text(json.dumps({"sources": [source]}))  # JSON is YAML
    return lake


def _spec(lake):
    return load_sources(lake / "sources.yml").by_name("social_api")


def test_all_pages_land_with_the_token_and_ingestion_reconciles(tmp_path, api, monkeypatch):
    monkeypatch.setenv("FAKE_API_TOKEN", TOKEN)
    lake = _lake(tmp_path, api.url)
    report = fetch_rest_source(_spec(lake))
    assert (report.pages_fetched, report.records_fetched, report.complete) == (4, 12, True)
    assert api.fetched_pages() == [1, 2, 3, 4] and all(s == 200 for _, s in api.requests)
    landed = ingest(lake)
    assert landed.count("loaded") == 4
    assert sum(f.rows_written for f in landed.files) == 12 == report.records_total
    assert TOKEN not in state_path(_spec(lake)).read_text()


def test_a_transient_503_and_429_are_retried_with_backoff(tmp_path, api, monkeypatch):
    monkeypatch.setenv("FAKE_API_TOKEN", TOKEN)
    api.failures = {2: [503, 429]}
    slept: list[float] = []
    report = fetch_rest_source(_spec(_lake(tmp_path, api.url)), sleep=slept.append)
    assert report.complete and report.retries == 2
    assert [s for p, s in api.requests if p == 2] == [503, 429, 200]
    assert slept == [0.0, 0.0]  # the server's Retry-After: 0 wins over the computed backoff


def test_backoff_grows_exponentially_and_gives_up_with_a_resumable_message(tmp_path, api, monkeypatch):
    monkeypatch.setenv("FAKE_API_TOKEN", TOKEN)
    api.failures = {3: [500] * 10}
    slept: list[float] = []
    spec = _spec(_lake(tmp_path, api.url, max_retries=3, backoff_seconds=0.5))
    with pytest.raises(RestSourceError, match="gave up after 4 attempts.*resumes at page 3"):
        fetch_rest_source(spec, sleep=slept.append)
    assert slept == [0.5, 1.0, 2.0]
    assert sorted(p.name for p in spec.folder.glob("social_api_*.json")) == [
        "social_api_c001_page-00001.json", "social_api_c001_page-00002.json"]
    api.failures = {}
    report = fetch_rest_source(spec, sleep=slept.append)
    assert report.complete and report.pages_fetched == 2 and report.pages_total == 4
    assert api.fetched_pages() == [1, 2, 3, 4]


def test_an_interrupted_crawl_resumes_without_fetching_landed_pages_again(tmp_path, api, monkeypatch):
    monkeypatch.setenv("FAKE_API_TOKEN", TOKEN)
    spec = _spec(_lake(tmp_path, api.url))

    def crash_after_two(page, _records):
        if page == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetch_rest_source(spec, on_page=crash_after_two)
    assert api.fetched_pages() == [1, 2]
    report = fetch_rest_source(spec)
    assert (report.pages_fetched, report.pages_total, report.records_total) == (2, 4, 12)
    assert api.fetched_pages() == [1, 2, 3, 4]
    again = fetch_rest_source(spec)  # a finished crawl fetches nothing until a new crawl is asked for
    assert again.pages_fetched == 0 and len(api.requests) == 4
    fresh = fetch_rest_source(spec, new_crawl=True)
    assert fresh.pages_fetched == 4 and fresh.files[0] == "social_api_c002_page-00001.json"
    landed = ingest(tmp_path / "lake")
    # the second crawl's pages repeat the first byte for byte: skipped as duplicates, not loaded twice
    assert (landed.count("loaded"), landed.count("skipped_duplicate")) == (4, 4)


def test_a_bad_token_is_one_clear_error_without_retries(tmp_path, api, monkeypatch):
    monkeypatch.setenv("FAKE_API_TOKEN", "wrong")
    spec = _spec(_lake(tmp_path, api.url))
    with pytest.raises(RestSourceError, match=r"page 1 .*HTTP 401.*credentials from \$FAKE_API_TOKEN"):
        fetch_rest_source(spec, sleep=lambda s: pytest.fail("a 401 must not be retried"))
    assert api.requests == [(1, 401)]
    assert not list(spec.folder.glob("social_api_*.json"))


def test_a_missing_token_variable_fails_before_any_request(tmp_path, api, monkeypatch):
    monkeypatch.delenv("FAKE_API_TOKEN", raising=False)
    with pytest.raises(RestSourceError, match="FAKE_API_TOKEN is not set"):
        fetch_rest_source(_spec(_lake(tmp_path, api.url)))
    assert api.requests == []


def test_a_client_error_is_not_retried(tmp_path, api, monkeypatch):
    monkeypatch.setenv("FAKE_API_TOKEN", TOKEN)
    api.failures = {1: [404]}
    with pytest.raises(RestSourceError, match="HTTP 404"):
        fetch_rest_source(_spec(_lake(tmp_path, api.url)), sleep=lambda s: pytest.fail("no retry on 404"))


@pytest.mark.parametrize("style,rest", [("cursor", {"next_path": "paging.cursor"}),
                                        ("numbers", {"next_path": None, "page_param": "page"})])
def test_cursor_and_page_number_pagination(tmp_path, monkeypatch, style, rest):
    monkeypatch.setenv("FAKE_API_TOKEN", TOKEN)
    server = FakeApi(pages=3, per_page=2, style=style)
    try:
        report = fetch_rest_source(_spec(_lake(tmp_path, server.url, **rest)))
    finally:
        server.server.shutdown()
        server.server.server_close()
    assert (report.pages_total, report.records_total, report.complete) == (3, 6, True)


def test_a_token_written_in_the_sources_file_is_refused(tmp_path):
    lake = _lake(tmp_path, "https://api.example.com/x", token="abc")
    with pytest.raises(SourceConfigError, match="never put a token in the sources file"):
        load_sources(lake / "sources.yml")


def test_cli_fetch_without_prefect_shows_pages_and_the_summary(tmp_path, api, monkeypatch):
    from click.testing import CliRunner

    from flows.cli import main

    monkeypatch.setenv("FAKE_API_TOKEN", TOKEN)
    lake = _lake(tmp_path, api.url)
    result = CliRunner().invoke(main, ["fetch", "--no-prefect", "--lake", str(lake)])
    assert result.exit_code == 0, result.output
    assert "social_api: page 4 landed (3 records)" in result.output
    assert "social_api: 4 page(s), 12 records fetched" in result.output
    again = CliRunner().invoke(main, ["fetch", "--no-prefect", "--lake", str(lake), "--source", "nope"])
    assert again.exit_code == 1 and "not REST sources" in again.output


def test_a_second_fetch_of_the_same_source_at_once_is_refused(tmp_path, api, monkeypatch):
    import fcntl

    from python_models.lake.rest_source import RestSourceBusy

    monkeypatch.setenv("FAKE_API_TOKEN", TOKEN)
    spec = _spec(_lake(tmp_path, api.url))
    spec.folder.mkdir(parents=True)
    with open(spec.folder / ".social_api.rest_fetch.lock", "a") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with pytest.raises(RestSourceBusy, match="being fetched by another process"):
            fetch_rest_source(spec)
    assert api.requests == []
    assert fetch_rest_source(spec).complete
