"""A live stream for an existing demo lake: new web-event, order and social files, minute by minute.

The files use the generator's formats and land where the lake's own ``sources.yml`` looks (so
ingestion reads them like any other delivery). Activity comes from people the lake already knows
(logged-in web accounts with their cookies, shop accounts, social handles), so the identity graph
attributes it, plus a few new people (a new e-shop account and its first session) that only a
full identity run can resolve.

The stream continues the lake's clock: minute ``m`` starts ``m`` minutes after the latest web
event of the generated files, so a stream is deterministic for (lake, seed, minutes) and re-landing
it writes identical files (ingestion skips them as already loaded). ``shift`` in [0, 1] makes that
share of the sessions behave unlike the demo personas (tablet, TikTok traffic, large electronics
baskets), to test drift detection.
"""

from __future__ import annotations

import csv
import io
import json
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np

from python_models.lake.source_config import load_sources

CATEGORIES = ("fashion", "home", "beauty", "electronics", "kids", "sport")
DEVICES = ("mobile", "desktop", "tablet")
DEVICE_P = (0.52, 0.39, 0.09)
TRAFFIC = (("", ""), ("google", "organic"), ("google", "cpc"), ("awin", "affiliate"), ("instagram", "social"),
           ("newsletter", "email"), ("tiktok", "social"), ("facebook", "social"), ("lemonde.fr", "referral"))
TRAFFIC_P = (0.27, 0.23, 0.11, 0.07, 0.05, 0.05, 0.05, 0.04, 0.13)
CHANNELS = ("web", "app", "marketplace")
CHANNEL_P = (0.62, 0.26, 0.12)
SOCIAL_TYPES = ("like", "comment", "share", "follow", "mention", "click")
SOCIAL_TYPE_P = (0.45, 0.15, 0.1, 0.1, 0.1, 0.1)
SOCIAL_PREFIX = {"instagram": "ig", "facebook": "fb", "tiktok": "tt", "x": "x", "linkedin": "li", "youtube": "yt"}
WEB_SHARE, SOCIAL_SHARE = 0.85, 0.12  # the rest of each minute's records are order lines
WEB_HEADER = ["event_id", "session_id", "anonymous_id", "user_id", "event_type", "event_ts", "page", "duration_s",
              "utm_source", "utm_medium", "utm_campaign", "device", "order_id"]
ORDER_HEADER = ["order_id", "line_no", "account_id", "guest_email", "order_date", "amount", "currency", "category",
                "qty", "channel"]
ESHOP_HEADER = ["account_id", "email", "first_name", "last_name", "phone", "address_line", "postal_code", "city",
                "country_code", "date_of_birth", "newsletter", "unsubscribed", "created_at", "updated_at", "instagram"]
STREAM_SOURCES = ("web", "orders", "social", "eshop")


@dataclass
class KnownPeople:
    """Identifiers the generated lake already carries, read from its generator-written files only."""

    logins: list[tuple[str, str]]  # (anonymous_id, user_id) pairs seen logged in
    handles: list[tuple[str, str]]  # (platform, handle)
    names: list[tuple[str, str, str, str, str]]  # (first, last, postal_code, city, country) for new people
    clock: datetime  # the latest web event of the generated lake


@dataclass
class StreamReport:
    lake_dir: Path
    files: list[Path] = field(default_factory=list)
    records: dict[str, int] = field(default_factory=dict)
    new_accounts: list[str] = field(default_factory=list)
    first_at: datetime | None = None
    last_at: datetime | None = None

    def add(self, source: str, n: int) -> None:
        self.records[source] = self.records.get(source, 0) + n

    def summary(self) -> str:
        parts = ", ".join(f"{n:,} {s}" for s, n in sorted(self.records.items()))
        return (f"{len(self.files)} file(s) landed in {self.lake_dir / 'landing'}: {parts or 'no records'}; "
                f"{len(self.new_accounts)} new people; event time {self.first_at} .. {self.last_at}")


def _sources(lake_dir: Path):
    config = load_sources(lake_dir / "sources.yml")
    out = {}
    for name in STREAM_SOURCES:
        try:
            out[name] = config.by_name(name)
        except KeyError as exc:
            raise ValueError(f"{lake_dir / 'sources.yml'} has no '{name}' source: simulate-stream writes the "
                             "demo generator's formats (run `segmart generate` first)") from exc
    return out


def load_known_people(lake_dir: str | Path) -> KnownPeople:
    """Identifiers of the generated files (``*_part-*`` / ``*_page-0*``), never of earlier streams, so
    the same seed always draws the same people."""
    lake_dir = Path(lake_dir)
    specs = _sources(lake_dir)
    web = str(specs["web"].folder / "web_events_part-*.csv")
    eshop = str(specs["eshop"].folder / "eshop_accounts_part-*.csv")
    social = str(specs["social"].folder / "social_interactions_page-0*.json")
    con = duckdb.connect()
    try:
        logins = con.sql(
            f"select distinct anonymous_id::varchar, user_id::varchar from read_csv('{web}', all_varchar=true) "
            "where user_id is not null and anonymous_id is not null order by all").fetchall()
        (clock,) = con.sql(f"select max(try_cast(event_ts as timestamp)) from read_csv('{web}', all_varchar=true) "
                           "where event_ts like '20__-__-__T__:__:__Z'").fetchall()[0]
        handles = con.sql(
            f"select distinct d.platform, d.user.handle from (select unnest(data) as d from read_json('{social}')) "
            "where d.user.handle is not null order by all").fetchall()
        names = con.sql(
            f"select first_name, last_name, postal_code, city, country_code from read_csv('{eshop}', all_varchar=true) "
            "where first_name is not null and last_name is not null and postal_code is not null "
            "and country_code is not null order by all"
        ).fetchall()
    finally:
        con.close()
    if not logins:
        raise ValueError(f"no logged-in web sessions in {web}: cannot stream activity of known people")
    return KnownPeople(logins=logins, handles=handles, names=names, clock=clock)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().replace(" ", "")


def _ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _csv_text(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _write_atomic(path: Path, text: str) -> None:
    # a half-written file must never be picked up by an ingest running at the same time
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


class _Minute:
    """The records of one stream minute, drawn from one RNG seeded by (seed, minute)."""

    def __init__(self, known: KnownPeople, seed: int, minute: int, per_minute: int, shift: float,
                 new_people: float):
        self.rng = np.random.default_rng([seed, minute, 17])
        self.known, self.shift = known, shift
        self.start = known.clock + timedelta(minutes=minute + 1)
        self.web: list[list] = []
        self.orders: list[list] = []
        self.social: list[dict] = []
        self.accounts: list[list] = []
        n_web = int(round(per_minute * WEB_SHARE))
        n_social = int(round(per_minute * SOCIAL_SHARE))
        n_new = self.rng.poisson(new_people)
        for _ in range(n_new):
            self._new_person()
        while len(self.web) < n_web:  # whole sessions: a minute may run a few events over
            i = int(self.rng.integers(len(known.logins)))
            anonymous_id, user_id = known.logins[i]
            self._session(anonymous_id, user_id)
        for _ in range(n_social if known.handles else 0):
            self._social()

    def _hex(self, n: int) -> str:
        return "".join(self.rng.choice(list("0123456789abcdef"), size=n))

    def _at(self) -> datetime:
        return self.start + timedelta(seconds=int(self.rng.integers(60)))

    def _session(self, anonymous_id: str, user_id: str) -> None:
        rng = self.rng
        shifted = rng.random() < self.shift
        device = "tablet" if shifted else str(rng.choice(DEVICES, p=DEVICE_P))
        source, medium = ("tiktok", "social") if shifted else TRAFFIC[int(rng.choice(len(TRAFFIC), p=TRAFFIC_P))]
        category = "electronics" if shifted else str(rng.choice(CATEGORIES))
        session_id, t = self._hex(12), self._at()
        rows = [["session_start", f"/c/{category}", ""]]
        for _ in range(int(rng.integers(1, 6))):
            rows.append(["page_view", f"/p/{category}/{int(rng.integers(100000, 102000))}",
                         str(int(rng.integers(5, 240)))])
            if rng.random() < 0.3:
                rows.append(["scroll", rows[-1][1], ""])
        if rng.random() < (0.6 if shifted else 0.2):
            rows.append(["add_to_cart", rows[-1][1], ""])
        order_id = ""
        if rows[-1][0] == "add_to_cart" and rng.random() < (0.8 if shifted else 0.4):
            order_id = str(int(rng.integers(10**9, 10**10))).zfill(10)
            rows += [["page_view", "/checkout", str(int(rng.integers(5, 60)))],
                     ["purchase", "/checkout/confirmation", ""]]
            channel = "web" if shifted else str(rng.choice(CHANNELS, p=CHANNEL_P))
            for line in range(1, int(rng.integers(1, 4)) + 1):
                base = float(rng.lognormal(3.6, 0.6)) * (6 if shifted else 1)
                self.orders.append([order_id, line, user_id, "", _ts(t), f"{base:.2f}", "EUR", category,
                                    int(rng.integers(1, 3)), channel])
        for k, (event_type, page, duration) in enumerate(rows):
            at = t + timedelta(seconds=7 * k)
            self.web.append([self._hex(15), session_id, anonymous_id, user_id, event_type, _ts(at), page, duration,
                             source, medium, "", device, order_id if event_type == "purchase" else ""])

    def _new_person(self) -> None:
        rng = self.rng
        account_id = str(int(rng.integers(2 * 10**9, 3 * 10**9)))
        # first name, last name and address from three different accounts: someone new, not a twin
        pick = [self.known.names[int(i)] for i in rng.integers(len(self.known.names), size=3)] \
            if self.known.names else [("Camille", "Martin", "75011", "Paris", "FR")] * 3
        first, last, (postcode, city, country) = pick[0][0], pick[1][1], pick[2][2:]
        year = int(rng.integers(1960, 2004))
        created = self._at()
        self.accounts.append([account_id, _ascii(f"{first}.{last}.{account_id[-5:]}@example.net".lower()), first, last,
                              "", "", postcode, city, country, f"{year}-0{int(rng.integers(1, 10))}-1{int(rng.integers(0, 9))}",
                              "true", "false", _ts(created), _ts(created), ""])
        self._session(self._hex(12), account_id)

    def _social(self) -> None:
        rng = self.rng
        platform, handle = self.known.handles[int(rng.integers(len(self.known.handles)))]
        kind = str(rng.choice(SOCIAL_TYPES, p=SOCIAL_TYPE_P))
        prefix = SOCIAL_PREFIX.get(platform, platform[:2])
        self.social.append({
            "id": f"{prefix}_{int(rng.integers(10**15, 10**16))}", "platform": platform,
            "user": {"handle": handle, "email": None}, "type": kind,
            "created_time": self._at().strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "post_id": f"{prefix}_{int(rng.integers(10**14, 10**15))}" if kind != "follow" else None,
        })


def simulate_stream(lake_dir: str | Path, events_per_minute: int, minutes: int, *, seed: int = 0,
                    start_minute: int = 0, shift: float = 0.0, new_people_per_minute: float = 0.5,
                    realtime: bool = False, on_minute: Callable[[int, list[Path]], None] | None = None,
                    known: KnownPeople | None = None) -> StreamReport:
    """Land ``minutes`` minutes of activity (``events_per_minute`` records each: web events, social
    interactions and order lines) into the lake's landing folders. ``realtime`` waits a wall-clock
    minute between minutes (a demo); otherwise everything lands at once. Minute numbers start at
    ``start_minute`` so a second call can continue a stream instead of repeating it."""
    if events_per_minute < 1 or minutes < 1:
        raise ValueError("events_per_minute and minutes must be at least 1")
    if not 0.0 <= shift <= 1.0:
        raise ValueError(f"shift must be in [0, 1], got {shift}")
    lake_dir = Path(lake_dir)
    specs = _sources(lake_dir)
    known = known or load_known_people(lake_dir)
    report = StreamReport(lake_dir)
    for m in range(start_minute, start_minute + minutes):
        began = time.monotonic()
        batch = _Minute(known, seed, m, events_per_minute, shift, new_people_per_minute)
        tag = f"stream-s{seed}-m{m:06d}"
        written = []
        if batch.accounts:  # accounts first: a session never lands before its account
            written.append((specs["eshop"].folder / f"eshop_accounts_{tag}.csv", _csv_text(ESHOP_HEADER, batch.accounts)))
            report.new_accounts += [a[0] for a in batch.accounts]
        if batch.orders:
            written.append((specs["orders"].folder / f"orders_{tag}.csv", _csv_text(ORDER_HEADER, batch.orders)))
        if batch.social:
            page = json.dumps({"data": batch.social, "paging": {"page": tag, "next": None}}, ensure_ascii=False)
            written.append((specs["social"].folder / f"social_interactions_page-{tag}.json", page))
        written.append((specs["web"].folder / f"web_events_{tag}.csv", _csv_text(WEB_HEADER, batch.web)))
        for path, text in written:
            _write_atomic(path, text)
            report.files.append(path)
        report.add("web_events", len(batch.web))
        report.add("order_lines", len(batch.orders))
        report.add("social_interactions", len(batch.social))
        report.add("new_accounts", len(batch.accounts))
        report.first_at = report.first_at or batch.start
        report.last_at = batch.start + timedelta(seconds=59)
        if on_minute:
            on_minute(m, [p for p, _ in written])
        if realtime and m < start_minute + minutes - 1:
            time.sleep(max(0.0, 60.0 - (time.monotonic() - began)))
    return report
