"""Orders (past and the 90 days after the data ends) and the campaigns' A/B events."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from python_models.generate import kit
from python_models.generate.personas import CATEGORIES, CATEGORY_PRICE, CHANNELS, PLATFORMS
from python_models.generate.population import People, persona_matrix, persona_param
from python_models.generate.quality import FORMATS, rate
from python_models.generate.reference import COUNTRIES, CURRENCY, EUR_TO
from python_models.generate.world import DAY, FUTURE_DAYS, World, sample_ts

CURRENCIES = ("EUR", "GBP", "CHF")
MAX_ORDERS = 120
CONVERSION_WINDOW_DAYS = 7
CAMPAIGN_EVENT_TYPES = ("send", "open", "click", "conversion", "unsubscribe", "bounce")


@dataclass
class Orders:
    person: np.ndarray  # per order, local person index
    ts: np.ndarray
    channel: np.ndarray  # index into CHANNELS
    use_account: np.ndarray
    currency: np.ndarray  # index into CURRENCIES
    campaign: np.ndarray  # campaign index for campaign conversions, -1 otherwise
    clicked: np.ndarray  # conversion after a click on the campaign
    n_lines: np.ndarray
    # per line
    line_order: np.ndarray
    line_no: np.ndarray
    category: np.ndarray
    qty: np.ndarray
    cents: np.ndarray  # in the order currency
    eur_cents: np.ndarray

    @property
    def n(self) -> int:
        return len(self.person)

    def total_eur_cents(self) -> np.ndarray:
        return np.bincount(self.line_order, weights=self.eur_cents, minlength=self.n).astype(np.int64)


def make_orders(
    rng: np.random.Generator, people: People, person: np.ndarray, ts: np.ndarray, eshop_created: np.ndarray,
    campaign: np.ndarray | None = None, clicked: np.ndarray | None = None,
) -> Orders:
    o = len(person)
    persona = people.persona[person]
    channel = kit.categorical(rng, persona_matrix("channel_mix", CHANNELS)[persona])
    created = eshop_created[person]
    use_account = (created >= 0) & (ts >= created) & (channel != CHANNELS.index("marketplace"))
    use_account &= rng.random(o) >= rate("orders.guest_checkout")
    country = people.country[person]
    currency = np.zeros(o, dtype=np.int64)
    for c, cur in CURRENCY.items():
        local = (country == COUNTRIES.index(c)) & (rng.random(o) >= rate("orders.foreign_in_eur"))
        currency[local] = CURRENCIES.index(cur)
    n_lines = 1 + rng.binomial(3, persona_param("extra_line_p")[persona])
    line_order = np.repeat(np.arange(o), n_lines)
    line_no = kit.group_rank(kit.starts_of(n_lines), n_lines) + 1
    lp = person[line_order]
    category = kit.categorical(rng, people.cat_pref[lp])
    qty = 1 + (rng.random(len(lp)) < 0.15) + (rng.random(len(lp)) < 0.04)
    level = np.array([CATEGORY_PRICE[c] for c in CATEGORIES])[category]
    median = persona_param("basket_median")[people.persona[lp]] * level * people.spend_mult[lp]
    price = rng.lognormal(np.log(median), persona_param("basket_sigma")[people.persona[lp]])
    ending = np.array([99, 90, 50, 0])[rng.choice(4, len(lp), p=[0.5, 0.25, 0.1, 0.15])]
    unit = np.maximum(np.floor(price) * 100 + ending, 99).astype(np.int64)
    eur = unit * qty
    rate_to = np.array([EUR_TO[c] for c in CURRENCIES])[currency[line_order]]
    cents = np.round(eur * rate_to).astype(np.int64)
    return Orders(
        person=person, ts=ts, channel=channel, use_account=use_account, currency=currency,
        campaign=np.full(o, -1) if campaign is None else campaign,
        clicked=np.zeros(o, dtype=bool) if clicked is None else clicked,
        n_lines=n_lines, line_order=line_order, line_no=line_no, category=category, qty=qty, cents=cents,
        eur_cents=eur,
    )


def concat_orders(parts: list[Orders]) -> Orders:
    offsets = np.cumsum([0] + [p.n for p in parts])[:-1]
    fields = {}
    for name in ("person", "ts", "channel", "use_account", "currency", "campaign", "clicked", "n_lines"):
        fields[name] = np.concatenate([getattr(p, name) for p in parts])
    for name in ("line_no", "category", "qty", "cents", "eur_cents"):
        fields[name] = np.concatenate([getattr(p, name) for p in parts])
    fields["line_order"] = np.concatenate([p.line_order + off for p, off in zip(parts, offsets, strict=True)])
    return Orders(**fields)


def sort_orders(orders: Orders) -> Orders:
    """Orders in time order, their lines following them."""
    order = np.argsort(orders.ts, kind="stable")
    rank = np.empty(orders.n, dtype=np.int64)
    rank[order] = np.arange(orders.n)
    new_line_order = rank[orders.line_order]
    line_sort = np.lexsort((orders.line_no, new_line_order))
    fields = {name: getattr(orders, name)[order] for name in
              ("person", "ts", "channel", "use_account", "currency", "campaign", "clicked", "n_lines")}
    for name in ("line_no", "category", "qty", "cents", "eur_cents"):
        fields[name] = getattr(orders, name)[line_sort]
    fields["line_order"] = new_line_order[line_sort]
    return Orders(**fields)


def base_order_times(rng: np.random.Generator, world: World, people: People, future: bool) -> tuple[np.ndarray, np.ndarray]:
    """Persona order process: Poisson(rate x person multiplier x active years), seasonal timing."""
    rate_year = persona_param("order_rate")[people.persona] * people.order_mult
    if future:
        lo = np.full(people.n, world.days)
        hi = lo + FUTURE_DAYS
        active = np.where(np.isfinite(people.lapse_day), 0.03, 1.0)
        expected = rate_year * active * FUTURE_DAYS / 365.25
    else:
        lo = np.zeros(people.n, dtype=np.int64)
        hi = np.minimum(world.days, np.ceil(people.lapse_day)).astype(np.int64)
        expected = rate_year * hi / 365.25
    counts = np.minimum(rng.poisson(expected), MAX_ORDERS)
    person = np.repeat(np.arange(people.n), counts)
    ts = sample_ts(rng, world, lo[person], hi[person])
    return person, ts


@dataclass
class CampaignEvents:
    person: np.ndarray
    campaign: np.ndarray
    kind: np.ndarray  # index into CAMPAIGN_EVENT_TYPES
    ts: np.ndarray
    treatment: np.ndarray
    conversion_order: np.ndarray  # index into the conversion orders, -1 otherwise
    email: pa.Array
    contact_id: pa.Array


@dataclass
class Reach:
    """Who a campaign can reach, from the contact systems."""

    email: pa.Array  # per person, the address the marketing tool has (null when none)
    email_since: np.ndarray  # when that address + consent was recorded (inf when never)
    contact_id: pa.Array  # CRM ContactID of the person's first CRM record (null when none)
    sms_since: np.ndarray  # CRM record with phone and opt-in


def simulate_campaigns(
    rng: np.random.Generator, world: World, people: People, reach: Reach, eshop_created: np.ndarray,
) -> tuple[CampaignEvents, Orders, np.ndarray]:
    """Returns the events, the conversion orders, and each person's unsubscribe time (inf if none)."""
    camp = world.campaigns
    n = people.n
    persona = people.persona
    unsub_ts = np.full(n, np.inf)
    social_ok = people.has_platform[:, PLATFORMS.index("instagram")] | people.has_platform[:, PLATFORMS.index("facebook")]
    social_ctr = 0.01 + 0.004 * persona_matrix("social_rate", PLATFORMS)[:, 0]
    open_rate = persona_param("email_open")
    click_rate = persona_param("email_click")
    unsub_rate = persona_param("unsubscribe")
    ev_person, ev_camp, ev_kind, ev_ts, ev_treat, ev_conv = [], [], [], [], [], []
    conv_person, conv_ts, conv_camp, conv_clicked = [], [], [], []
    conv_count = 0
    for c in range(len(camp.ids)):
        ch = camp.channels[c]
        start = world.start_ts + int(camp.start_days[c]) * DAY
        stop = world.start_ts + (int(camp.end_days[c]) + 1) * DAY
        since = reach.sms_since if ch == "sms" else reach.email_since
        eligible = (since <= start) & (unsub_ts > start)
        if ch == "social_ads":
            eligible &= social_ok
        who = np.flatnonzero(eligible & (rng.random(n) < camp.target_share[c]))
        r = len(who)
        if not r:
            continue
        pp = persona[who]
        treat = rng.random(r) < 0.5
        if ch == "social_ads":
            send = start + (rng.random(r) * (stop - start)).astype(np.int64)
        else:
            jitter = 1800 if ch == "email" else 600
            send = start + int(camp.send_second[c]) + rng.integers(0, jitter, r)
        bounce_p = FORMATS["campaign.bounce"][ch]
        bounced = treat & (rng.random(r) < bounce_p)
        delivered = treat & ~bounced
        demand = 0.8 + 0.4 * rng.random()
        if ch == "email":
            unsub = delivered & (rng.random(r) < unsub_rate[pp])
            opened = (delivered & (rng.random(r) < np.minimum(open_rate[pp] * demand, 0.95))) | unsub
            clicked = opened & (rng.random(r) < click_rate[pp])
        elif ch == "sms":
            unsub = delivered & (rng.random(r) < 2 * unsub_rate[pp])
            opened = np.zeros(r, dtype=bool)
            clicked = delivered & (rng.random(r) < 0.4 * click_rate[pp] * open_rate[pp] * 3)
        else:
            unsub = np.zeros(r, dtype=bool)
            opened = np.zeros(r, dtype=bool)
            clicked = delivered & (rng.random(r) < social_ctr[pp])
        open_ts = send + np.minimum(rng.exponential(4 * 3600, r), 5 * DAY).astype(np.int64) + 1
        base_ts = np.where(opened, open_ts, send)
        click_ts = base_ts + np.minimum(rng.exponential(900, r), DAY).astype(np.int64) + 5
        unsub_at = base_ts + np.minimum(rng.exponential(600, r), DAY).astype(np.int64) + 5
        p_conv = camp.base_rate[c, pp] * np.where(delivered, 1 + camp.uplift[c, pp], 1.0)
        converted = rng.random(r) < np.clip(p_conv, 0, 1)
        window = CONVERSION_WINDOW_DAYS * DAY
        conv_at = np.where(
            clicked,
            click_ts + rng.integers(60, 7200, r),
            send + (rng.random(r) * window).astype(np.int64),
        )
        ok = world.end_ts - 1
        conv_at = np.minimum(conv_at, ok)
        for mask, kind, ts in (
            (np.ones(r, dtype=bool), 0, send),
            (bounced, 5, send + rng.integers(1, 300, r)),
            (opened, 1, open_ts),
            (clicked, 2, click_ts),
            (unsub, 4, unsub_at),
            (converted, 3, conv_at),
        ):
            sel = np.flatnonzero(mask & (ts <= ok))
            ev_person.append(who[sel])
            ev_camp.append(np.full(len(sel), c))
            ev_kind.append(np.full(len(sel), kind))
            ev_ts.append(np.minimum(ts[sel], ok))
            ev_treat.append(treat[sel])
            if kind == 3:
                ev_conv.append(conv_count + np.arange(len(sel)))
                conv_person.append(who[sel])
                conv_ts.append(conv_at[sel])
                conv_camp.append(np.full(len(sel), c))
                conv_clicked.append(clicked[sel])
                conv_count += len(sel)
            else:
                ev_conv.append(np.full(len(sel), -1))
        gone = unsub & (unsub_at <= ok)
        unsub_ts[who[gone]] = np.minimum(unsub_ts[who[gone]], unsub_at[gone])

    def cat(parts, dtype=np.int64):
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

    person = cat(ev_person)
    events = CampaignEvents(
        person=person, campaign=cat(ev_camp), kind=cat(ev_kind), ts=cat(ev_ts),
        treatment=cat(ev_treat, bool), conversion_order=cat(ev_conv),
        email=reach.email.take(pa.array(person)), contact_id=reach.contact_id.take(pa.array(person)),
    )
    conv = make_orders(rng, people, cat(conv_person), cat(conv_ts), eshop_created, cat(conv_camp), cat(conv_clicked, bool))
    return events, conv, unsub_ts
