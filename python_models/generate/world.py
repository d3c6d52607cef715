"""What all people share: the calendar (seasonality), the campaigns and their true effects,
the brand's social posts and the trade shows/workshops people sign up to.

Built once per run from the first child of the run's SeedSequence; every chunk gets a copy.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

from python_models.generate.personas import PERSONAS, PLATFORMS

FUTURE_DAYS = 90
DAY = 86_400
# Relative activity by local hour of day (online retail).
HOUR_WEIGHTS = np.array(
    [0.35, 0.2, 0.1, 0.07, 0.06, 0.1, 0.25, 0.5, 0.8, 0.95, 1.0, 1.05,
     1.25, 1.3, 1.1, 1.0, 1.0, 1.1, 1.3, 1.6, 1.9, 2.0, 1.6, 0.9]
)
HOUR_P = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()
UTC_SHIFT = -3600  # local (Paris, winter) to UTC; a one-hour approximation is enough for behaviour

# Campaign themes: (month, first day, length in days, name, channels, focus category, demand multiplier)
THEMES = (
    (1, 8, 10, "Soldes d'hiver", ("email", "sms"), None, 1.4),
    (2, 7, 7, "Saint-Valentin", ("email", "social_ads"), "beauty", 1.1),
    (3, 18, 7, "Printemps beauté", ("email",), "beauty", 1.0),
    (4, 2, 6, "French Days", ("email",), "electronics", 1.3),
    (5, 12, 14, "Fête des mères", ("email",), "beauty", 1.2),
    (6, 5, 10, "Fête des pères", ("email",), "sport", 1.0),
    (6, 25, 14, "Soldes d'été", ("email", "sms"), None, 1.4),
    (8, 18, 21, "Rentrée", ("email", "social_ads"), "kids", 1.1),
    (9, 22, 10, "Maison d'automne", ("email",), "home", 0.9),
    (10, 1, 4, "Anniversaire de la marque", ("email",), None, 1.1),
    (10, 10, 14, "Collection hiver", ("social_ads",), "fashion", 1.0),
    (11, 24, 5, "Black Friday", ("email", "sms", "social_ads"), None, 1.8),
    (12, 1, 3, "Cyber Monday", ("email",), "electronics", 1.3),
    (12, 8, 12, "Noël", ("email", "social_ads"), None, 1.5),
    (12, 19, 4, "Dernière minute Noël", ("sms",), None, 1.2),
)
TARGET_SHARE = {"email": 0.95, "sms": 0.6, "social_ads": 0.7}
# How each persona reacts to each channel (multiplies the campaign's effect; < 0 backfires).
CHANNEL_RESPONSE = {
    "email": {p: 1.0 for p in PERSONAS},
    "sms": {**{p: 0.8 for p in PERSONAS}, "bargain_hunter": 1.4, "lapsed": -0.6, "social_enthusiast": 0.3},
    "social_ads": {**{p: 0.5 for p in PERSONAS}, "social_enthusiast": 1.9, "family_home": 0.8},
}
SHOWS = (
    (2, 14, "Salon du Mariage, Paris"), (3, 22, "Atelier maquillage, Lyon"), (4, 12, "Salon de la Maison, Lille"),
    (5, 24, "Pop-up mode, Bordeaux"), (6, 14, "Course solidaire, Nantes"), (9, 20, "Salon Kids & Family, Paris"),
    (10, 11, "Atelier déco, Marseille"), (11, 15, "Ventes privées VIP, Paris"), (12, 6, "Marché de Noël, Strasbourg"),
)
POSTS_PER_WEEK = {"instagram": 5.0, "facebook": 4.0, "tiktok": 4.0, "x": 7.0, "linkedin": 1.0, "youtube": 0.5}
POST_PREFIX = {"instagram": "ig_", "facebook": "fb_104729_", "tiktok": "tt_", "x": "x_", "linkedin": "li_", "youtube": "yt_"}


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    y += d.year
    m += 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def epoch_seconds(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())


def day_weights(start: date, n_days: int) -> np.ndarray:
    """Demand by calendar day: sales, Black Friday, Christmas, summer slump, Sundays."""
    days = np.datetime64(start.isoformat(), "D") + np.arange(n_days)
    ymd = days.astype("datetime64[M]")
    month = (ymd.astype(int) % 12) + 1
    dom = (days - ymd.astype("datetime64[D]")).astype(int) + 1
    dow = (days.astype(int) + 3) % 7  # 0 = Monday
    w = np.ones(n_days)
    w[(month == 1) & (dom >= 8)] *= 1.4
    w[(month == 2) & (dom <= 10)] *= 1.25
    w[((month == 6) & (dom >= 24)) | ((month == 7) & (dom <= 20))] *= 1.35
    w[(month == 5) & (dom >= 15)] *= 1.15
    w[month == 8] *= 0.8
    bf = (month == 11) & (dow == 4) & (dom >= 22) & (dom <= 28)
    for i in np.flatnonzero(bf):
        w[max(0, i - 3) : i + 4] *= 2.2
    w[(month == 12) & (dom <= 20)] *= 1.5
    w[(month == 12) & (dom > 24)] *= 0.8
    w[dow == 6] *= 1.1
    return w


@dataclass(frozen=True)
class Campaigns:
    ids: list[str]
    names: list[str]
    channels: list[str]
    start_days: np.ndarray  # day index from the period start
    end_days: np.ndarray  # inclusive
    send_second: np.ndarray  # seconds after midnight UTC of the start day when e-mails/SMS go out
    focus: list[str | None]
    demand: np.ndarray
    target_share: np.ndarray
    base_rate: np.ndarray  # (campaigns, personas) control conversion probability
    uplift: np.ndarray  # (campaigns, personas) relative uplift of treatment


@dataclass(frozen=True)
class World:
    seed: int
    people: int
    start: date
    end: date
    months: int
    chunk_people: int
    start_ts: int
    end_ts: int
    days: int
    cum_weights: np.ndarray  # cumulative day weights over days + FUTURE_DAYS
    campaigns: Campaigns
    post_times: dict[str, np.ndarray]
    post_ids: dict[str, list[str]]
    show_days: np.ndarray
    show_names: list[str]
    handle_bits: int

    @property
    def n_chunks(self) -> int:
        return max(1, -(-self.people // self.chunk_people))


def _campaigns(rng: np.random.Generator, start: date, end: date) -> Campaigns:
    rows = []
    year = start.year
    while date(year, 1, 1) <= end:
        for month, day, length, name, channels, focus, demand in THEMES:
            d0 = date(year, month, day)
            d1 = d0 + timedelta(days=length - 1)
            if d0 < start or d1 >= end:
                continue
            for ch in channels:
                rows.append((d0, d1, name, ch, focus, demand))
        year += 1
    rows.sort(key=lambda r: (r[0], r[3]))
    persona_list = list(PERSONAS.values())
    ids, names, channels, s_days, e_days, focus, demand = [], [], [], [], [], [], []
    base = np.zeros((len(rows), len(persona_list)))
    uplift = np.zeros_like(base)
    per_month: dict[str, int] = {}
    for i, (d0, d1, name, ch, foc, dem) in enumerate(rows):
        key = f"{d0.year}{d0.month:02d}"
        per_month[key] = per_month.get(key, 0) + 1
        ids.append(f"CMP-{key}-{per_month[key]:02d}")
        label = {"email": "Newsletter", "sms": "SMS", "social_ads": "Social ads"}[ch]
        names.append(f"{name} {d0.year} - {label}")
        channels.append(ch)
        s_days.append((d0 - start).days)
        e_days.append((d1 - start).days)
        focus.append(foc)
        demand.append(dem)
        effect = rng.normal(0.35, 0.12)
        for j, p in enumerate(persona_list):
            fit = 1.0 if foc is None else 0.5 + 2.5 * p.category_mix[foc]
            base[i, j] = min(0.5, p.base_conversion * dem * (0.8 + 0.4 * rng.random()))
            u = effect * p.uplift_scale * CHANNEL_RESPONSE[ch][p.name] * fit + rng.normal(0, 0.05)
            uplift[i, j] = float(np.clip(u, -0.6, 2.5))
    send_second = rng.integers(7 * 3600, 10 * 3600, len(rows)) // 300 * 300
    return Campaigns(
        ids=ids, names=names, channels=channels, start_days=np.array(s_days, dtype=np.int64),
        end_days=np.array(e_days, dtype=np.int64), send_second=send_second, focus=focus,
        demand=np.array(demand), target_share=np.array([TARGET_SHARE[c] for c in channels]),
        base_rate=np.round(base, 5), uplift=np.round(uplift, 4),
    )


def build_world(seed_seq: np.random.SeedSequence, seed: int, people: int, start: date, months: int, chunk_people: int) -> World:
    rng = np.random.default_rng(seed_seq)
    end = add_months(start, months)
    days = (end - start).days
    campaigns = _campaigns(rng, start, end)
    post_times, post_ids = {}, {}
    start_ts = epoch_seconds(start)
    for pi, platform in enumerate(PLATFORMS):
        lo = start_ts - 60 * DAY
        n = int(round(POSTS_PER_WEEK[platform] * (days + 60) / 7))
        t = np.sort(rng.integers(lo, start_ts + days * DAY, max(n, 1)))
        post_times[platform] = t
        ids = rng.choice(10**12, size=len(t), replace=False) + pi * 10**12 + 10**14
        post_ids[platform] = [f"{POST_PREFIX[platform]}{v}" for v in ids]
    shows = []
    year = start.year
    while date(year, 1, 1) <= end:
        for month, day, name in SHOWS:
            d = date(year, month, day)
            if start + timedelta(days=20) <= d < end:
                shows.append(((d - start).days, f"{name} {year}"))
        year += 1
    cum = np.cumsum(day_weights(start, days + FUTURE_DAYS))
    return World(
        seed=seed, people=people, start=start, end=end, months=months, chunk_people=chunk_people,
        start_ts=start_ts, end_ts=epoch_seconds(end), days=days, cum_weights=cum, campaigns=campaigns,
        post_times=post_times, post_ids=post_ids,
        show_days=np.array([s[0] for s in shows], dtype=np.int64), show_names=[s[1] for s in shows],
        handle_bits=max(20, int(people).bit_length() + 1),
    )


def sample_days(rng: np.random.Generator, cum: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A day index in [lo, hi) per row, drawn with the calendar's demand weights."""
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.maximum(np.asarray(hi, dtype=np.int64), lo + 1)
    base = np.where(lo > 0, cum[np.maximum(lo - 1, 0)], 0.0)
    top = cum[np.minimum(hi, len(cum)) - 1]
    u = base + rng.random(len(lo)) * (top - base)
    return np.clip(np.searchsorted(cum, u, side="right"), lo, hi - 1)


def sample_ts(rng: np.random.Generator, world: World, lo_day: np.ndarray, hi_day: np.ndarray) -> np.ndarray:
    """Timestamps (UTC seconds) in the day window, clipped to it."""
    day = sample_days(rng, world.cum_weights, lo_day, hi_day)
    hours = rng.choice(24, size=len(day), p=HOUR_P)
    local = world.start_ts + day * DAY + hours * 3600 + rng.integers(0, 3600, len(day))
    ts = local + UTC_SHIFT
    lo = world.start_ts + np.asarray(lo_day, dtype=np.int64) * DAY
    hi = world.start_ts + np.asarray(hi_day, dtype=np.int64) * DAY - 1
    # the local-to-UTC shift must not push a time out of its window
    return np.where((ts < lo) | (ts > hi), np.clip(local, lo, hi), ts)
