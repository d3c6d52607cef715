"""Land the pages of a paginated JSON REST endpoint as files, so the normal ingestion reads them.

A REST source is an ordinary `format: json` source of the sources file with a `rest:` block:

    - name: social_api
      entity: social_interactions
      format: json
      records_path: data
      rest:
        url: https://api.example.com/v1/interactions
        token_env: SOCIAL_API_TOKEN     # the token is read from this environment variable only
        next_path: paging.next          # a next-page URL, or a cursor sent back as `cursor_param`
      columns: {...}

Each page body is written unchanged to `<folder>/<name>_c<crawl>_page-<n>.json`, then a hidden
state file records where the next request starts. A crawl that stops (crash, Ctrl-C, an API that
keeps failing) resumes there: pages already landed are never fetched again. The manifest,
quarantine and reconciliation of `ingest` then apply to the pages like to any landed file.

Transient failures (429, 5xx, connection errors, timeouts) are retried with exponential backoff,
honouring Retry-After; other 4xx answers are bugs in the request or the token and stop at once.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.client import HTTPException
from pathlib import Path

_REST_KEYS = {
    "url", "token_env", "auth_header", "auth_scheme", "params", "next_path", "cursor_param",
    "page_param", "max_pages", "timeout_seconds", "max_retries", "backoff_seconds", "max_backoff_seconds",
}
_SECRET_KEYS = {
    "token", "access_token", "api_key", "apikey", "api_token", "password", "secret", "client_secret", "authorization",
}
_SECRET_PARAM = re.compile(r"token|api[_-]?key|secret|passw|auth|signature|credential", re.IGNORECASE)
RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}


class RestSourceError(RuntimeError):
    """The endpoint cannot be fetched; the message names the source, the page and the reason."""

    expected = True  # the CLI prints the message alone, without a traceback hint


class RestSourceBusy(RestSourceError):
    """Another process is fetching the same source right now."""


@dataclass(frozen=True)
class RestSettings:
    url: str
    token_env: str | None = None
    auth_header: str = "Authorization"
    auth_scheme: str = "Bearer"
    params: dict[str, str] = field(default_factory=dict)
    next_path: str | None = None
    cursor_param: str = "cursor"
    page_param: str | None = None
    max_pages: int | None = None
    timeout_seconds: float = 30.0
    max_retries: int = 5
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 60.0


def parse_rest_settings(raw: object, where: str, records_path: str | None) -> RestSettings:
    """Validate a `rest:` block; raises ValueError with the key at fault."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: 'rest' must be a mapping with at least 'url'")
    secrets = sorted(k for k in raw if str(k).lower() in _SECRET_KEYS)
    if secrets:
        raise ValueError(
            f"{where}: rest.{secrets[0]} is not allowed: never put a token in the sources file; "
            "name the environment variable that holds it with rest.token_env"
        )
    # the same secrets smuggled in as request parameters or in the URL's query string
    params = raw.get("params") if isinstance(raw.get("params"), dict) else {}
    query = urllib.parse.parse_qs(urllib.parse.urlparse(str(raw.get("url") or "")).query)
    for where_found, names in (("rest.params", params), ("the query string of rest.url", query)):
        leaked = sorted(str(k) for k in names if str(k).lower() in _SECRET_KEYS)
        if leaked:
            raise ValueError(
                f"{where}: {where_found} holds {leaked[0]!r}: never put a token in the sources file; "
                "name the environment variable that holds it with rest.token_env"
            )
    url_query = urllib.parse.parse_qsl(urllib.parse.urlsplit(str(raw.get("url") or "")).query)
    params = raw.get("params") or {}
    secret_params = sorted({str(k) for k, _ in url_query if _SECRET_PARAM.search(str(k))}
                           | {str(k) for k in (params if isinstance(params, dict) else {}) if _SECRET_PARAM.search(str(k))})
    if secret_params:
        raise ValueError(
            f"{where}: the query parameter '{secret_params[0]}' looks like a credential: never put a token in "
            "the sources file (url or params); name the environment variable that holds it with rest.token_env"
        )
    unknown = set(raw) - _REST_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys in rest: {sorted(unknown)} (allowed: {sorted(_REST_KEYS)})")
    url = str(raw.get("url") or "")
    if urllib.parse.urlparse(url).scheme not in ("http", "https"):
        raise ValueError(f"{where}: rest.url must be an http(s) URL, got {url!r}")
    if raw.get("next_path") and raw.get("page_param"):
        raise ValueError(f"{where}: use either rest.next_path (link or cursor) or rest.page_param, not both")
    if not records_path and not raw.get("next_path"):
        # page numbers stop at the first empty page, which needs to know where the records are
        raise ValueError(f"{where}: a REST source needs 'records_path' (where the records sit in a page)")
    try:
        settings = RestSettings(
            url=url,
            token_env=str(raw["token_env"]) if raw.get("token_env") else None,
            auth_header=str(raw.get("auth_header", "Authorization")),
            auth_scheme=str(raw.get("auth_scheme", "Bearer") or ""),
            params={str(k): str(v) for k, v in (raw.get("params") or {}).items()},
            next_path=str(raw["next_path"]) if raw.get("next_path") else None,
            cursor_param=str(raw.get("cursor_param", "cursor")),
            page_param=str(raw["page_param"]) if raw.get("page_param") else None,
            max_pages=int(raw["max_pages"]) if raw.get("max_pages") is not None else None,
            timeout_seconds=float(raw.get("timeout_seconds", 30)),
            max_retries=int(raw.get("max_retries", 5)),
            backoff_seconds=float(raw.get("backoff_seconds", 1)),
            max_backoff_seconds=float(raw.get("max_backoff_seconds", 60)),
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"{where}: invalid rest settings: {exc}") from exc
    if settings.max_retries < 0 or settings.backoff_seconds < 0 or settings.timeout_seconds <= 0:
        raise ValueError(f"{where}: rest.max_retries and rest.backoff_seconds must be >= 0, timeout_seconds > 0")
    return settings


@dataclass
class FetchReport:
    source: str
    pages_fetched: int = 0
    records_fetched: int = 0
    pages_total: int = 0
    records_total: int = 0
    complete: bool = False
    retries: int = 0
    files: list[str] = field(default_factory=list)

    def summary(self) -> str:
        state = "complete" if self.complete else "incomplete (the next fetch resumes)"
        return (
            f"{self.source}: {self.pages_fetched} page(s), {self.records_fetched:,} records fetched "
            f"({self.retries} retried request(s)); crawl {state} at {self.pages_total} page(s), "
            f"{self.records_total:,} records"
        )


def state_path(spec) -> Path:
    return spec.folder / f".{spec.name}.rest_state.json"


def _dig(doc, path: str | None, what: str):
    if not path:
        return doc
    for part in path.split("."):
        if not isinstance(doc, dict) or part not in doc:
            raise KeyError(f"{what} '{path}' not found in the page (at '{part}')")
        doc = doc[part]
    return doc


def _with_params(url: str, params: dict[str, str]) -> str:
    if not params:
        return url
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    query.update(params)
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def _write_atomically(path: Path, data: bytes) -> None:
    # dot-prefixed while incomplete: ingestion ignores hidden files, so it never reads half a page
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _new_state(settings: RestSettings, crawl: int) -> dict:
    params = dict(settings.params)
    if settings.page_param:
        params[settings.page_param] = "1"
    return {"url": settings.url, "crawl": crawl, "next_url": _with_params(settings.url, params),
            "pages": 0, "records": 0, "complete": False}


class _Client:
    def __init__(self, spec, settings: RestSettings, token: str | None, sleep: Callable[[float], None]):
        self.spec, self.settings, self.sleep = spec, settings, sleep
        self.headers = {"Accept": "application/json", "User-Agent": "segmart-rest-source"}
        if token is not None:
            self.headers[settings.auth_header] = f"{settings.auth_scheme} {token}".strip()
        self.retries = 0

    def get(self, url: str, page: int) -> bytes:
        s = self.settings
        where = f"source '{self.spec.name}' page {page} ({url})"
        last = ""
        for attempt in range(s.max_retries + 1):
            delay = min(s.max_backoff_seconds, s.backoff_seconds * 2 ** attempt)
            try:
                req = urllib.request.Request(url, headers=self.headers)
                with urllib.request.urlopen(req, timeout=s.timeout_seconds) as resp:
                    return resp.read()
            except urllib.error.HTTPError as exc:
                detail = exc.read(300).decode("utf-8", "replace").strip().replace("\n", " ")
                if exc.code in (401, 403):
                    env = f"${s.token_env}" if s.token_env else "no token (rest.token_env is not set)"
                    raise RestSourceError(
                        f"{where}: HTTP {exc.code} {exc.reason}: the API refused the credentials from {env}"
                    ) from None
                if exc.code not in RETRYABLE_STATUS:
                    raise RestSourceError(f"{where}: HTTP {exc.code} {exc.reason}: {detail[:200]}") from None
                last = f"HTTP {exc.code} {exc.reason}"
                retry_after = exc.headers.get("Retry-After") if exc.headers else None
                if retry_after and retry_after.strip().isdigit():
                    delay = min(s.max_backoff_seconds, float(retry_after))
            except (urllib.error.URLError, TimeoutError, ConnectionError, HTTPException, OSError) as exc:
                last = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
            if attempt < s.max_retries:
                self.retries += 1
                self.sleep(delay)
        raise RestSourceError(
            f"{where}: gave up after {s.max_retries + 1} attempts, last error {last}; "
            f"pages already landed are kept and the next fetch resumes at page {page}"
        )


def fetch_rest_source(
    spec,
    new_crawl: bool = False,
    on_page: Callable[[int, int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchReport:
    """Fetch the pages not landed yet (all of them, on a first or `new_crawl` run)."""
    settings: RestSettings | None = getattr(spec, "rest", None)
    if settings is None:
        raise RestSourceError(f"source '{spec.name}' has no 'rest:' block")
    token = None
    if settings.token_env:
        token = os.environ.get(settings.token_env, "")
        if not token:
            raise RestSourceError(
                f"source '{spec.name}': environment variable {settings.token_env} is not set or empty "
                "(it must hold the API token)"
            )
    spec.folder.mkdir(parents=True, exist_ok=True)
    # one fetch per source at a time: two would request the same pages and race on the state file
    with open(spec.folder / f".{spec.name}.rest_fetch.lock", "a") as lock:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RestSourceBusy(f"source '{spec.name}' is being fetched by another process; not fetching it twice") from None
        return _fetch_locked(spec, settings, token, new_crawl, on_page, sleep)


def _fetch_locked(spec, settings: RestSettings, token: str | None, new_crawl: bool,
                  on_page: Callable[[int, int], None] | None, sleep: Callable[[float], None]) -> FetchReport:
    sp = state_path(spec)
    state = json.loads(sp.read_text(encoding="utf-8")) if sp.exists() else None
    if state is not None and state.get("url") != settings.url:
        raise RestSourceError(
            f"source '{spec.name}': rest.url changed from {state.get('url')} to {settings.url}; "
            f"delete {sp} to start a new crawl of the new endpoint"
        )
    if state is None or (state["complete"] and new_crawl):
        state = _new_state(settings, (state or {}).get("crawl", 0) + 1)
    report = FetchReport(spec.name, pages_total=state["pages"], records_total=state["records"])
    client = _Client(spec, settings, token, sleep)
    try:
        while not state["complete"]:
            if settings.max_pages is not None and state["pages"] >= settings.max_pages:
                break
            page = state["pages"] + 1
            url = state["next_url"]
            body = client.get(url, page)
            try:
                doc = json.loads(body.decode("utf-8-sig"))
                records = _dig(doc, spec.records_path, "records_path")
                if not isinstance(records, list):
                    raise ValueError(f"records_path '{spec.records_path}' is not a list")
                nxt = _next_value(doc, settings.next_path)
            except (ValueError, KeyError) as exc:
                raise RestSourceError(f"source '{spec.name}' page {page} ({url}): unusable page: {exc}") from None
            if settings.page_param:
                if not records:
                    state.update(complete=True, next_url=None)
                    break
                next_url = _with_params(url, {settings.page_param: str(int(_page_number(url, settings)) + 1)})
            elif nxt in (None, "", False):
                next_url = None
            elif isinstance(nxt, str) and nxt.startswith(("http://", "https://", "/")):
                next_url = urllib.parse.urljoin(url, nxt)
            else:
                next_url = _with_params(settings.url, {**settings.params, settings.cursor_param: str(nxt)})
            target = spec.folder / f"{spec.name}_c{state['crawl']:03d}_page-{page:05d}.json"
            _write_atomically(target, body)
            state.update(pages=page, records=state["records"] + len(records), next_url=next_url,
                         complete=next_url is None)
            _write_atomically(sp, json.dumps(state, indent=1).encode())
            report.pages_fetched += 1
            report.records_fetched += len(records)
            report.files.append(target.name)
            if on_page:
                on_page(page, len(records))
    finally:
        _write_atomically(sp, json.dumps(state, indent=1).encode())
        report.retries = client.retries
        report.pages_total, report.records_total, report.complete = state["pages"], state["records"], state["complete"]
    return report


def _page_number(url: str, settings: RestSettings) -> str:
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    return query.get(settings.page_param or "", "1")


def _next_value(doc, next_path: str | None):
    """The next link or cursor; an absent key ends the crawl like a null one (many APIs omit it)."""
    if not next_path:
        return None
    try:
        return _dig(doc, next_path, "next_path")
    except KeyError:
        return None
