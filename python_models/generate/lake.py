"""generate_lake: write the demo company's landing files and the ground truth behind them.

People are simulated in fixed-size chunks (CHUNK_PEOPLE), each with its own RNG spawned from the
run's SeedSequence, and every chunk writes its own part files, so the bytes depend only on
(seed, people, start, months) - not on the number of worker processes - and memory stays bounded.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from python_models.generate import kit
from python_models.generate.commerce import (
    CAMPAIGN_EVENT_TYPES,
    CHANNELS,
    CURRENCIES,
    Reach,
    base_order_times,
    concat_orders,
    make_orders,
    simulate_campaigns,
    sort_orders,
)
from python_models.generate.contacts import build_crm, build_eshop, build_events, primary, record_emails
from python_models.generate.errors import Injected, inject, write_csv
from python_models.generate.personas import CATEGORIES, INCOME, PERSONA_NAMES, PERSONAS, URBANITY
from python_models.generate.population import People, simulate_people
from python_models.generate.quality import FORMATS, errors_markdown, formats_markdown, rates_markdown
from python_models.generate.reference import COUNTRIES, email_domains, names, places
from python_models.generate.social import simulate_social
from python_models.generate.web import simulate_web
from python_models.generate.world import DAY, FUTURE_DAYS, World, build_world

CHUNK_PEOPLE = 25_000
SOCIAL_PAGE_RECORDS = 5_000
SOCIAL_API = "https://api.example.com/v1/interactions"
SOURCES = ("crm", "eshop", "events", "web", "orders", "social", "campaigns", "campaign_events", "partner")
FOLDERS = {
    "crm": "crm", "eshop": "eshop", "events": "events", "web": "web", "orders": "orders", "social": "social",
    "campaigns": "campaigns", "campaign_events": "campaigns", "partner": "partner",
}
PART_NAMES = {
    "crm": "crm_contacts_part-{:05d}.csv",
    "eshop": "eshop_accounts_part-{:05d}.csv",
    "events": "event_signups_part-{:05d}.csv",
    "web": "web_events_part-{:05d}.csv",
    "orders": "orders_part-{:05d}.csv",
    "campaign_events": "campaign_events_part-{:05d}.csv",
}
FILE_PATTERNS = {
    "crm": "crm_contacts_part-*.csv", "eshop": "eshop_accounts_part-*.csv", "events": "event_signups_part-*.csv",
    "web": "web_events_part-*.csv", "orders": "orders_part-*.csv", "social": "social_interactions_page-*.json",
    "campaigns": "campaigns.csv", "campaign_events": "campaign_events_part-*.csv", "partner": "postcode_enrichment.csv",
}
TRUTH_PARTS = ("people", "contact_records", "web_identities", "social_identities", "future_purchases", "future_summary")


@dataclass
class GenerateReport:
    """What generate_lake wrote: files and data rows per landing source, and ground-truth facts."""

    out_dir: Path
    people: int
    seed: int
    start: date
    end: date
    files: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    truth: dict[str, object] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def sources_file(self) -> Path:
        return self.out_dir / "sources.yml"

    def summary(self) -> str:
        lines = [f"{self.people:,} people, {self.start} to {self.end}, seed {self.seed}, in {self.seconds:.1f}s"]
        for s in SOURCES:
            lines.append(f"  {s:<16} {self.files.get(s, 0):>5} files {self.rows.get(s, 0):>12,} rows")
        return "\n".join(lines)


@dataclass
class ChunkResult:
    index: int
    rows: dict[str, int]
    errors: list[Injected]
    social_lines: int
    stats: dict[str, np.ndarray]


def _paths(out_dir: Path) -> tuple[Path, Path, Path]:
    return out_dir / "landing", out_dir / "ground_truth", out_dir / ".generate_tmp"


def _table(columns: dict[str, pa.Array]) -> pa.Table:
    return pa.table({k: v for k, v in columns.items()})


def _reach(people: People, crm, eshop) -> tuple[Reach, np.ndarray, pa.Array]:
    n = people.n
    eshop_created = primary(eshop, n, eshop.created, -1).astype(np.int64)
    account_id = pa.array(primary(eshop, n, eshop.record_id, None), kit.STR)
    crm_email = pa.array(primary(crm, n, crm.email, None), kit.STR)
    crm_flag = primary(crm, n, crm.consent, False).astype(bool)
    crm_created = primary(crm, n, crm.created, -1).astype(np.int64)
    crm_phone = primary(crm, n, crm.has_phone, False).astype(bool)
    shop_email = pa.array(primary(eshop, n, eshop.email, None), kit.STR)
    shop_flag = primary(eshop, n, eshop.consent, False).astype(bool)
    crm_ok = crm_flag & ~np.asarray(pc.is_null(crm_email).to_numpy(zero_copy_only=False))
    shop_ok = shop_flag & ~np.asarray(pc.is_null(shop_email).to_numpy(zero_copy_only=False))
    email = kit.where(crm_ok, crm_email, kit.null_where(~shop_ok, shop_email))
    since = np.where(crm_ok, crm_created, np.where(shop_ok, eshop_created, np.iinfo(np.int64).max)).astype(float)
    since[~(crm_ok | shop_ok)] = np.inf
    sms_since = np.where(crm_flag & crm_phone & (crm_created >= 0), crm_created.astype(float), np.inf)
    contact_id = pa.array(primary(crm, n, crm.record_id, None), kit.STR)
    return Reach(email, since, contact_id, sms_since), eshop_created, account_id


def _sorted(table: pa.Table, ts: np.ndarray) -> pa.Table:
    return table.take(pa.array(np.argsort(ts, kind="stable")))


def run_chunk(task: tuple) -> ChunkResult:
    world, k, seed_seq, out_dir = task
    out_dir = Path(out_dir)
    landing, _, tmp = _paths(out_dir)
    streams = [np.random.default_rng(s) for s in seed_seq.spawn(12)]
    first = k * world.chunk_people
    n = min(world.chunk_people, world.people - first)
    people = simulate_people(streams[0], world, first, n)
    crm = build_crm(streams[1], world, people)
    eshop = build_eshop(streams[2], world, people)
    events = build_events(streams[3], world, people)
    reach, eshop_created, account_id = _reach(people, crm, eshop)

    b_person, b_ts = base_order_times(streams[4], world, people, future=False)
    base = make_orders(streams[4], people, b_person, b_ts, eshop_created)
    cev, conv, unsub_ts = simulate_campaigns(streams[5], world, people, reach, eshop_created)
    all_orders = concat_orders([base, conv])
    rank = np.empty(all_orders.n, dtype=np.int64)
    rank[np.argsort(all_orders.ts, kind="stable")] = np.arange(all_orders.n)
    orders = sort_orders(all_orders)
    if orders.n >= 1 << 21:
        raise RuntimeError("too many orders in one chunk for unique order ids")
    order_ids = kit.dec(kit.scramble((k << 21) | np.arange(orders.n, dtype=np.int64), 33, salt=21).astype(np.int64), 10)
    clicks = cev.kind == CAMPAIGN_EVENT_TYPES.index("click")
    web = simulate_web(
        streams[6], world, people, orders, order_ids, (cev.person[clicks], cev.ts[clicks], cev.campaign[clicks]),
        account_id, eshop_created, k,
    )
    social = simulate_social(streams[7], world, people, k)
    f_person, f_ts = base_order_times(streams[8], world, people, future=True)
    future = make_orders(streams[8], people, f_person, f_ts, eshop_created)
    err_rng = streams[9]
    noise_rng = streams[10]

    errors: list[Injected] = []
    rows: dict[str, int] = {}

    def emit(source: str, table: pa.Table, delimiter: str = ",", quoted: bool = False, crlf: bool = False, bom: bool = False) -> None:
        name = PART_NAMES[source].format(k + 1)
        table, errs, marked = inject(err_rng, source, table, name)
        errors.extend(errs)
        folder = landing / FOLDERS[source]
        rows[source] = write_csv(folder / name, table, delimiter, quoted, crlf, bom, marked)

    # contacts
    emit("crm", _sorted(_table(crm.columns), crm.created), delimiter=";", crlf=True, bom=True)
    cols = dict(eshop.columns)
    unsub = unsub_ts[eshop.person] < world.end_ts
    before = FORMATS["eshop.unsubscribed_before_period"]["accounts without newsletter flagged unsubscribed"]
    earlier = ~eshop.consent & (noise_rng.random(len(eshop.person)) < before)
    cols["unsubscribed"] = kit.where(unsub | earlier, "true", "false")
    emit("eshop", _sorted(_table(cols), eshop.created))
    emit("events", _sorted(_table(events.columns), events.created), quoted=True)

    # orders
    o_person = orders.person
    guest = ~orders.use_account
    guest_email = record_emails(noise_rng, people, o_person, np.ones(orders.n), np.zeros(orders.n, dtype=bool))
    lo = orders.line_order
    lo_arr = pa.array(lo)
    acc = kit.null_where(~orders.use_account, account_id.take(pa.array(o_person)))
    order_table = pa.table({
        "order_id": order_ids.take(lo_arr),
        "line_no": kit.dec(orders.line_no),
        "account_id": acc.take(lo_arr),
        "guest_email": kit.null_where(~guest, guest_email).take(lo_arr),
        "order_date": kit.iso_z(orders.ts[lo]),
        "amount": kit.money(orders.cents),
        "currency": kit.take(list(CURRENCIES), orders.currency[lo]),
        "category": kit.take(list(CATEGORIES), orders.category),
        "qty": kit.dec(orders.qty),
        "channel": kit.take(list(CHANNELS), orders.channel[lo]),
    })
    emit("orders", order_table)

    # campaign events (time order)
    order_total = orders.total_eur_cents()
    conv_sorted = np.where(cev.conversion_order >= 0, rank[np.maximum(cev.conversion_order, 0) + base.n], -1)
    revenue = np.where(conv_sorted >= 0, order_total[np.maximum(conv_sorted, 0)], -1)
    corder = np.argsort(cev.ts, kind="stable")
    m = len(corder)
    ce_table = pa.table({
        "event_id": kit.hexid(kit.scramble((k << 32) | np.arange(m, dtype=np.int64), 56, salt=31), 14),
        "campaign_id": kit.take(world.campaigns.ids, cev.campaign[corder]),
        "recipient_email": cev.email.take(pa.array(corder)),
        "contact_id": cev.contact_id.take(pa.array(corder)),
        "event_type": kit.take(list(CAMPAIGN_EVENT_TYPES), cev.kind[corder]),
        "event_time": kit.space_utc(cev.ts[corder]),
        "variant": kit.where(cev.treatment[corder], "treatment", "control"),
        "revenue": kit.null_where(revenue[corder] < 0, kit.money(np.maximum(revenue[corder], 0))),
    })
    emit("campaign_events", ce_table)
    emit("web", web.table)

    # social records go to the parent, which cuts them into API pages
    social_file = tmp / f"social-{k + 1:05d}.jsonl"
    write_lines(social_file, social.lines, ",\n")

    # ground truth parts
    pl = places()
    nm = names()
    vocab, _ = email_domains()
    truth = {
        "people": pa.table({
            "person_id": people.pid,
            "persona": kit.take(list(PERSONA_NAMES), people.persona),
            "first_name": kit.take(nm.first, people.first),
            "last_name": kit.take(nm.last, people.last),
            "birth_date": kit.date_text(people.birth_days),
            "gender": kit.where(people.female, "f", "m"),
            "country": kit.take(list(COUNTRIES), people.country),
            "postcode": kit.take(pl.postcode, people.place),
            "city": kit.take(pl.city, people.place),
            "email": kit.join(people.email_local, "@", kit.take(vocab, people.email_domain)),
            "phone": people.e164(),
            "instagram": people.handles["instagram"],
            "consent": kit.where(people.consent, "true", "false"),
            "urbanity": kit.take(list(URBANITY), pl.urbanity[people.place]),
            "income_band": kit.take(list(INCOME), pl.income[people.place]),
        }),
        "contact_records": pa.table({
            "source_system": pa.concat_arrays([kit.const(r.system, len(r.person)) for r in (crm, eshop, events)]),
            "source_record_id": pa.concat_arrays([r.record_id for r in (crm, eshop, events)]),
            "person_id": pa.concat_arrays([people.pid.take(pa.array(r.person)) for r in (crm, eshop, events)]),
        }),
        "web_identities": web.identities,
        "social_identities": social.identities,
    }
    f_total = future.total_eur_cents()
    f_order = np.argsort(future.ts, kind="stable")
    truth["future_purchases"] = pa.table({
        "person_id": people.pid.take(pa.array(future.person[f_order])),
        "order_date": kit.iso_z(future.ts[f_order]),
        "amount": kit.money(f_total[f_order]),
    })
    d30 = world.end_ts + 30 * DAY
    in30 = np.bincount(future.person[future.ts < d30], minlength=n) > 0
    in90 = np.bincount(future.person, minlength=n) > 0
    amount90 = np.bincount(future.person, weights=f_total, minlength=n).astype(np.int64)
    truth["future_summary"] = pa.table({
        "person_id": people.pid,
        "purchased_30d": kit.where(in30, "1", "0"),
        "purchased_90d": kit.where(in90, "1", "0"),
        "amount_90d": kit.money(amount90),
    })
    for name, table in truth.items():
        write_csv(tmp / name / f"part-{k + 1:05d}.csv", table)

    stats = {
        "persona_people": np.bincount(people.persona, minlength=len(PERSONAS)),
        "persona_orders": np.bincount(people.persona[orders.person], minlength=len(PERSONAS)),
        "persona_revenue_cents": np.bincount(people.persona[orders.person], weights=order_total, minlength=len(PERSONAS)),
        "future_buyers_90d": np.array([int(in90.sum())]),
        "contact_records": np.array([len(crm.person), len(eshop.person), len(events.person)]),
        "people_in_system": np.array([(people.records[s] > 0).sum() for s in ("crm", "eshop", "events")]),
        "duplicate_records": np.array([int((r.rank > 0).sum()) for r in (crm, eshop, events)]),
        "conversions": np.array([int((cev.kind == CAMPAIGN_EVENT_TYPES.index("conversion")).sum())]),
    }
    return ChunkResult(k, rows, errors, len(social.lines), stats)


def write_lines(path: Path, lines: pa.Array, end: str = "\n") -> None:
    """One text line per array value (each followed by `end`), written straight from the arrow buffers."""
    lines = kit.join(lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines, end)
    if not len(lines):
        path.write_bytes(b"")
        return
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32, count=len(lines) + 1, offset=lines.offset * 4)
    data = lines.buffers()[2]
    path.write_bytes(memoryview(data)[int(offsets[0]) : int(offsets[-1])])


class _Pager:
    """Cuts the interaction records into API pages of SOCIAL_PAGE_RECORDS, numbered from 1.

    Chunk files hold one record per line, each ending with ',\n', so a page body is a plain byte
    slice of a chunk file (minus the last separator): no record is parsed or copied one by one.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.left = b""  # records waiting for a page (fewer than a page, or a full page of unknown fate)
        self.left_n = 0
        self.page = 0
        self.records = 0

    def _write(self, body, count: int, last: bool) -> None:
        self.page += 1
        nxt = "null" if last else f'"{SOCIAL_API}?page={self.page + 1}"'
        tail = ("\n" if count else "") + f'], "paging": {{"page": {self.page}, "next": {nxt}}}}}\n'
        with (self.folder / f"social_interactions_page-{self.page:05d}.json").open("wb") as fh:
            fh.write(b'{"data": [' + (b"\n" if count else b""))
            if count:
                fh.write(memoryview(body)[: len(body) - 2])
            fh.write(tail.encode())
        self.records += count

    def add(self, path: Path) -> None:
        data = path.read_bytes()
        if not data:
            return
        ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10) + 1
        count, pos = len(ends), 0
        if self.left_n:
            take = min(SOCIAL_PAGE_RECORDS - self.left_n, count)
            if take:
                self.left += data[: ends[take - 1]]
                self.left_n += take
                pos = take
            if self.left_n < SOCIAL_PAGE_RECORDS or pos == count:
                return
            self._write(self.left, self.left_n, last=False)
            self.left, self.left_n = b"", 0
        view = memoryview(data)
        while count - pos > SOCIAL_PAGE_RECORDS:
            a = int(ends[pos - 1]) if pos else 0
            self._write(view[a : int(ends[pos + SOCIAL_PAGE_RECORDS - 1])], SOCIAL_PAGE_RECORDS, last=False)
            pos += SOCIAL_PAGE_RECORDS
        a = int(ends[pos - 1]) if pos else 0
        self.left, self.left_n = data[a:], count - pos

    def close(self) -> None:
        self._write(self.left, self.left_n, last=True)
        self.left, self.left_n = b"", 0


def _concat_truth(tmp: Path, truth_dir: Path, name: str, n_chunks: int) -> None:
    with (truth_dir / f"{name}.csv").open("wb") as out:
        for k in range(n_chunks):
            part = tmp / name / f"part-{k + 1:05d}.csv"
            with part.open("rb") as fh:
                header = fh.readline()
                if k == 0:
                    out.write(header)
                shutil.copyfileobj(fh, out, 1 << 22)
            part.unlink()


def _write_small_files(world: World, landing: Path, truth_dir: Path) -> dict[str, int]:
    camp = world.campaigns
    start = np.datetime64(world.start.isoformat(), "D")
    campaigns = pa.table({
        "campaign_id": kit.vocab(camp.ids),
        "name": kit.vocab(camp.names),
        "channel": kit.vocab(camp.channels),
        "start_date": pa.array((start + camp.start_days).astype(str), kit.STR),
        "end_date": pa.array((start + camp.end_days).astype(str), kit.STR),
    })
    rows = {"campaigns": write_csv(landing / "campaigns" / "campaigns.csv", campaigns, quoted=True)}
    pl = places()
    partner = pa.table({
        "postcode": kit.vocab(pl.postcode),
        "country": kit.take(list(COUNTRIES), pl.country),
        "income_band": kit.take(list(INCOME), pl.income),
        "urbanity": kit.take(list(URBANITY), pl.urbanity),
        "population": kit.dec(pl.population.astype(np.int64)),
    })
    rows["partner"] = write_csv(landing / "partner" / "postcode_enrichment.csv", partner)
    ids, personas, base, uplift = [], [], [], []
    for c, cid in enumerate(camp.ids):
        for p, pname in enumerate(PERSONA_NAMES):
            ids.append(cid)
            personas.append(pname)
            base.append(f"{camp.base_rate[c, p]:.5f}")
            uplift.append(f"{camp.uplift[c, p]:.4f}")
    write_csv(truth_dir / "campaign_uplift.csv", pa.table({
        "campaign_id": kit.vocab(ids), "persona": kit.vocab(personas),
        "base_rate": kit.vocab(base), "true_uplift": kit.vocab(uplift),
    }))
    return rows


def _write_errors(truth_dir: Path, errors: list[Injected]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["source", "file", "record_key", "kind", "record_number", "detail"])
    for e in errors:
        w.writerow([e.source, e.file, e.record_key, e.kind, e.record_number, e.detail])
    (truth_dir / "injected_errors.csv").write_text(buf.getvalue(), encoding="utf-8")


def _readme(world: World, report: GenerateReport) -> str:
    persona_rows = "\n".join(
        f"| `{p.name}` | {p.share:g} | {p.description} |" for p in PERSONAS.values()
    )
    return f"""# Ground truth of the demo lake

Generated by `python_models.generate.generate_lake` (seed {world.seed}, {world.people:,} people,
{world.start} to {world.end}; future window {FUTURE_DAYS} days after {world.end}). The pipeline never
reads this folder: only evaluation code does. Landing files are described by `../sources.yml`.

## Files

| file | one row per | columns |
|---|---|---|
| `people.csv` | simulated person | person_id, persona, true first/last name, birth_date, gender (f/m), country (ISO2), postcode, city, email (true address), phone (E.164), instagram (canonical handle, lower case without '@'), consent (true marketing consent), urbanity, income_band |
| `contact_records.csv` | landing contact record | source_system (crm, eshop, events), source_record_id (ContactID / account_id / Registration ID), person_id |
| `web_identities.csv` | cookie of a person | anonymous_id, person_id (bot cookies are not listed: they are no person) |
| `social_identities.csv` | social account of a person | platform, handle (canonical: lower case, no '@'), person_id; interactions from handles not listed here come from no person |
| `future_purchases.csv` | order in the {FUTURE_DAYS} days after the data ends | person_id, order_date (UTC), amount (EUR) - same persona process as the landing orders, without campaigns |
| `future_summary.csv` | person | person_id, purchased_30d, purchased_90d (0/1), amount_90d (EUR) |
| `campaign_uplift.csv` | campaign x persona | campaign_id, persona, base_rate (control conversion probability within the campaign window), true_uplift (relative: treatment converts at base_rate x (1 + true_uplift)) |
| `injected_errors.csv` | invalid input written on purpose | source, file, record_key (the row's key: ContactID, account_id, Registration ID, event_id, order_id:line_no), kind, record_number (1-based data record in the file, header excluded), detail |

## Personas

| persona | share | behaviour |
|---|---|---|
{persona_rows}

Full parameters: `python_models/generate/personas.py`. Personas differ in what the pipeline observes
(age band, area, order frequency and basket, channel and category mix, device, traffic source,
social platform, e-mail response, recency), each in several at once, so that segmentation can
recover them (adjusted Rand index 0.86-0.87 on 10,000 people); they are active enough that over 18 months almost every person of a
buying persona has an order and most have an attributable web visit; `occasional_browser` people
mostly browse (about one in twenty orders) and `lapsed` people stop buying and visiting part-way through.

## Campaigns and the A/B design

Each recipient of a campaign is assigned `treatment` or `control` at random (50/50, per recipient and
campaign). Both get a `send` row; for control recipients it means *held out*: no message was
delivered, so control rows have no open/click/bounce/unsubscribe. A `conversion` is an order placed
within {7} days of the send (or after a click), recorded with its revenue in EUR; the order is also in
the orders files. Control converts at `base_rate`, treatment at `base_rate x (1 + true_uplift)` (a
bounced treatment message counts as not delivered). E-mail campaigns reach people whose CRM record
(or else e-shop account) has an e-mail and an opt-in, SMS campaigns people whose CRM record has a
phone and an opt-in, social ads people with an Instagram or Facebook account who are reachable by
e-mail. People who unsubscribe get no later campaign; the e-shop `unsubscribed` flag reflects it, the
CRM `OptIn` does not (the CRM is not synced with the e-mail tool).

## Noise, missing values and duplicates

Mechanisms: `MAR` missing at random, `MNAR` missing not at random (depends on age or persona),
`variant` a present value written differently, `presence` how records come to exist.
Every person has at least one contact record; presence in each system is per persona
(`Persona.systems`).

{rates_markdown()}

How present values are written (shares within each entry):

{formats_markdown()}

## Injected errors (quarantine checks)

Rates per data row, at least one of each kind per file of 200+ rows. Every one is listed in
`injected_errors.csv`.

{errors_markdown()}

## Volumes of this run

| source | files | rows |
|---|---|---|
""" + "\n".join(f"| {s} | {report.files.get(s, 0)} | {report.rows.get(s, 0)} |" for s in SOURCES) + "\n"


def _clean(out_dir: Path) -> None:
    landing, truth_dir, tmp = _paths(out_dir)
    for source, pattern in FILE_PATTERNS.items():
        folder = landing / FOLDERS[source]
        if folder.is_dir():
            for p in folder.glob(pattern):
                p.unlink()
    if truth_dir.is_dir():
        for p in truth_dir.glob("*.csv"):
            p.unlink()
    if tmp.exists():
        shutil.rmtree(tmp)


def generate_lake(
    out_dir: Path,
    people: int = 10_000,
    seed: int = 42,
    start: date = date(2025, 1, 1),
    months: int = 18,
    progress: Callable[[str, int, int], None] | None = None,
    *,
    workers: int | None = None,
) -> GenerateReport:
    """Simulate the company and write `out_dir/landing`, `out_dir/ground_truth`, `out_dir/sources.yml`.

    The same (seed, people, start, months) always gives the same bytes, whatever `workers` is
    (default: up to 2 processes when there is more than one chunk of people). Worker processes are
    spawned, so a script that calls this with more than CHUNK_PEOPLE people needs the usual
    `if __name__ == "__main__":` guard.
    `progress(stage, done, total)` is called as chunks complete ("chunks") and while the ground
    truth is assembled ("ground_truth").
    """
    return _generate(Path(out_dir), people, seed, start, months, progress, workers, CHUNK_PEOPLE)


def _generate(
    out_dir: Path, people: int, seed: int, start: date, months: int,
    progress: Callable[[str, int, int], None] | None, workers: int | None, chunk_people: int,
) -> GenerateReport:
    if people < 1:
        raise ValueError("people must be at least 1")
    if months < 1:
        raise ValueError("months must be at least 1")
    if people > 4_000_000:
        raise ValueError("at most 4,000,000 people (unique phone numbers run out beyond)")
    t0 = time.perf_counter()
    landing, truth_dir, tmp = _paths(out_dir)
    _clean(out_dir)
    for folder in set(FOLDERS.values()):
        (landing / folder).mkdir(parents=True, exist_ok=True)
    truth_dir.mkdir(parents=True, exist_ok=True)
    for name in TRUTH_PARTS:
        (tmp / name).mkdir(parents=True, exist_ok=True)

    children = np.random.SeedSequence(seed).spawn(1 + -(-people // chunk_people))
    world = build_world(children[0], seed, people, start, months, chunk_people)
    n_chunks = world.n_chunks
    tasks = [(world, k, children[k + 1], str(out_dir)) for k in range(n_chunks)]
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    workers = max(1, min(workers, n_chunks))

    report = GenerateReport(out_dir=out_dir, people=people, seed=seed, start=start, end=world.end)
    pager = _Pager(landing / "social")
    errors: list[Injected] = []
    totals: dict[str, np.ndarray] = {}
    rows: dict[str, int] = {}

    def consume(results: Iterator[ChunkResult]) -> None:
        for done, res in enumerate(results, start=1):
            for s, r in res.rows.items():
                rows[s] = rows.get(s, 0) + r
            errors.extend(res.errors)
            for key, v in res.stats.items():
                totals[key] = totals.get(key, 0) + v
            pager.add(tmp / f"social-{res.index + 1:05d}.jsonl")
            (tmp / f"social-{res.index + 1:05d}.jsonl").unlink()
            if progress:
                progress("chunks", done, n_chunks)

    if workers == 1:
        consume(map(run_chunk, tasks))
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            consume(pool.map(run_chunk, tasks))
    pager.close()

    rows.update(_write_small_files(world, landing, truth_dir))
    rows["social"] = pager.records
    for i, name in enumerate(TRUTH_PARTS, start=1):
        _concat_truth(tmp, truth_dir, name, n_chunks)
        if progress:
            progress("ground_truth", i, len(TRUTH_PARTS))
    _write_errors(truth_dir, errors)
    template = resources.files(__package__).joinpath("demo_sources.yml").read_text(encoding="utf-8")
    (out_dir / "sources.yml").write_text(template, encoding="utf-8")
    shutil.rmtree(tmp, ignore_errors=True)

    report.rows = {s: rows.get(s, 0) for s in SOURCES}
    report.files = {s: len(list((landing / FOLDERS[s]).glob(FILE_PATTERNS[s]))) for s in SOURCES}
    persona_people = totals["persona_people"]
    persona_orders = totals["persona_orders"]
    by_kind: dict[str, int] = {}
    for e in errors:
        by_kind[e.kind] = by_kind.get(e.kind, 0) + 1
    report.truth = {
        "persona_people": dict(zip(PERSONA_NAMES, persona_people.tolist(), strict=True)),
        "mean_orders_per_person": {
            p: round(float(o) / max(int(c), 1), 3) for p, c, o in zip(PERSONA_NAMES, persona_people, persona_orders, strict=True)
        },
        "contact_records": dict(zip(("crm", "eshop", "events"), totals["contact_records"].tolist(), strict=True)),
        "people_in_system": dict(zip(("crm", "eshop", "events"), totals["people_in_system"].tolist(), strict=True)),
        "duplicate_records": dict(zip(("crm", "eshop", "events"), totals["duplicate_records"].tolist(), strict=True)),
        "campaigns": len(world.campaigns.ids),
        "conversions": int(totals["conversions"][0]),
        "future_buyers_90d": int(totals["future_buyers_90d"][0]),
        "injected_errors": dict(sorted(by_kind.items())),
    }
    report.seconds = time.perf_counter() - t0
    (truth_dir / "README.md").write_text(_readme(world, report), encoding="utf-8")
    return report
