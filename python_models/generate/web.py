"""Web-analytics events: sessions of browsing, purchase and campaign clicks, plus bot traffic.

A session is a run of page views on one device (one cookie = anonymous_id). Its events are a
session_start, the page_views (with their duration), scrolls and clicks during page views,
add_to_cart and, for purchase sessions, a purchase carrying the order_id. `user_id` (the e-shop
account id) appears on events from the moment the visitor logs in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa

from python_models.generate import kit
from python_models.generate.commerce import Orders
from python_models.generate.personas import CATEGORIES, CHANNELS, DEVICES, PLATFORMS, TRAFFIC
from python_models.generate.population import People, persona_matrix, persona_param
from python_models.generate.quality import rate
from python_models.generate.reference import strip_accents
from python_models.generate.world import DAY, World, sample_ts

EVENT_TYPES = ("session_start", "page_view", "scroll", "click", "add_to_cart", "purchase")
PRODUCTS_PER_CATEGORY = 400
HOME, ACCOUNT, CART, CHECKOUT, CONFIRM = 0, 1, 2, 3, 4
SEARCH0 = 5
CAT0 = SEARCH0 + len(CATEGORIES)
PROD0 = CAT0 + len(CATEGORIES)
PROMO0 = PROD0 + len(CATEGORIES) * PRODUCTS_PER_CATEGORY
PAGE_TYPE_P = (0.12, 0.25, 0.5, 0.08, 0.05)  # home, category, product, search, account
UTM_PAIRS = (
    (None, None), ("google", "organic"), ("bing", "organic"), ("google", "cpc"), ("instagram", "social"),
    ("facebook", "social"), ("tiktok", "social"), ("awin", "affiliate"), ("effinity", "affiliate"),
    ("lemonde.fr", "referral"), ("marmiton.org", "referral"), ("newsletter", "email"), ("sms", "sms"),
    ("instagram", "paid_social"), ("facebook", "paid_social"),
)
# traffic source -> (utm pair indices, probabilities)
TRAFFIC_UTM = {
    "direct": ([0], [1.0]), "organic": ([1, 2], [0.9, 0.1]), "cpc": ([3], [1.0]),
    "social": ([4, 5, 6], [0.5, 0.3, 0.2]), "affiliate": ([7, 8], [0.7, 0.3]), "referral": ([9, 10], [0.5, 0.5]),
}
CAMPAIGN_UTM = {"email": 11, "sms": 12}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", strip_accents(text).lower()).strip("-")


@cache
def _pages(campaign_names: tuple[str, ...]) -> pa.Array:
    pages = ["/", "/account", "/cart", "/checkout", "/checkout/confirmation"]
    pages += [f"/search?q={c}" for c in CATEGORIES]
    pages += [f"/c/{c}" for c in CATEGORIES]
    pages += [f"/p/{c}/{100000 + ci * 1000 + j}" for ci, c in enumerate(CATEGORIES) for j in range(PRODUCTS_PER_CATEGORY)]
    pages += [f"/promo/{slug(n)}" for n in campaign_names]
    return kit.vocab(pages)


@dataclass
class WebResult:
    table: pa.Table
    identities: pa.Table  # anonymous_id, person_id


def _utm_for_traffic(rng: np.random.Generator, traffic: np.ndarray, has_platform: np.ndarray | None) -> np.ndarray:
    out = np.zeros(len(traffic), dtype=np.int64)
    for ti, t in enumerate(TRAFFIC):
        sel = np.flatnonzero(traffic == ti)
        pairs, probs = TRAFFIC_UTM[t]
        out[sel] = np.array(pairs)[rng.choice(len(pairs), len(sel), p=probs)]
    if has_platform is not None:
        # social traffic comes from a platform the person is on when they are on one
        social = np.flatnonzero(traffic == TRAFFIC.index("social"))
        for pi, pair in ((PLATFORMS.index("instagram"), 4), (PLATFORMS.index("facebook"), 5), (PLATFORMS.index("tiktok"), 6)):
            on = social[has_platform[social, pi] & (rng.random(len(social)) < 0.5)]
            out[on] = pair
    return out


def simulate_web(
    rng: np.random.Generator, world: World, people: People, orders: Orders, order_ids: pa.Array,
    clicks: tuple[np.ndarray, np.ndarray, np.ndarray], account_id: pa.Array, eshop_created: np.ndarray, chunk: int,
) -> WebResult:
    n = people.n
    persona = people.persona
    camp = world.campaigns
    # --- sessions --------------------------------------------------------------------------
    # browsing
    expected = persona_param("session_rate")[persona] * people.web_mult * world.days / 365.25
    counts = rng.poisson(expected)
    b_person = np.repeat(np.arange(n), counts)
    b_ts = sample_ts(rng, world, np.zeros(len(b_person), dtype=np.int64), np.full(len(b_person), world.days))
    late = b_ts > world.start_ts + people.lapse_day[b_person] * DAY
    keep = ~(late & (rng.random(len(b_person)) < 0.85))
    b_person, b_ts = b_person[keep], b_ts[keep]
    # purchases on the web site or app
    p_order = np.flatnonzero(orders.channel != CHANNELS.index("marketplace"))
    p_person = orders.person[p_order]
    # campaign clicks
    c_person, c_ts, c_camp = clicks
    c_ts = c_ts + rng.integers(2, 30, len(c_ts))
    nb, npur, nc = len(b_person), len(p_order), len(c_person)
    n_bots = int(rng.poisson((nb + npur + nc) * rate("web.bot_sessions") / (1 - rate("web.bot_sessions"))))
    kind = np.concatenate([np.zeros(nb), np.ones(npur), np.full(nc, 2), np.full(n_bots, 3)]).astype(np.int64)
    s_person = np.concatenate([b_person, p_person, c_person, np.full(n_bots, -1)]).astype(np.int64)
    bot_ts = world.start_ts + (rng.random(n_bots) * (world.end_ts - world.start_ts - 3600)).astype(np.int64)
    anchor = np.concatenate([b_ts, orders.ts[p_order], c_ts, bot_ts]).astype(np.int64)
    s_order = np.concatenate([np.full(nb, -1), p_order, np.full(nc + n_bots, -1)]).astype(np.int64)
    s_camp = np.concatenate([np.full(nb, -1), orders.campaign[p_order], c_camp, np.full(n_bots, -1)]).astype(np.int64)
    s_camp_utm = np.concatenate([np.zeros(nb, bool), orders.clicked[p_order], np.ones(nc, bool), np.zeros(n_bots, bool)])
    s = len(kind)
    human = s_person >= 0
    hp = np.where(human, s_person, 0)
    sp = persona[hp]
    is_purchase = kind == 1

    device = kit.categorical(rng, people.device_w[hp])
    app = is_purchase & (orders.channel[np.maximum(s_order, 0)] == CHANNELS.index("app"))
    device = np.where(app, DEVICES.index("mobile"), device)
    device = np.where(human, device, np.where(rng.random(s) < 0.8, 0, 1))

    # cookies: one per person and device, renewed once at a random time for some
    reset = np.where(rng.random((n, len(DEVICES))) < rate("web.cookie_reset"),
                     world.start_ts + rng.random((n, len(DEVICES))) * (world.end_ts - world.start_ts), np.inf)
    epoch = (anchor >= reset[hp, device]).astype(np.int64)
    key = np.where(
        human, people.idx[hp] * 8 + device * 2 + epoch,
        (1 << 46) + (chunk << 24) + np.cumsum(~human) - 1,
    )
    anon_key = kit.scramble(key, 48, salt=5)

    # pages per session
    bounce = (kind != 1) & human & (rng.random(s) < persona_param("bounce")[sp])
    pages_mean = persona_param("pages_mean")[sp]
    n_pv = 1 + rng.geometric(1 / np.maximum(pages_mean - 1, 1.01))
    n_pv = np.where(bounce, 1, np.minimum(n_pv, 30))
    n_lines = np.where(is_purchase, orders.n_lines[np.maximum(s_order, 0)], 0)
    n_pv = np.where(is_purchase, n_lines + rng.geometric(0.65, s), n_pv)
    n_pv = np.where(human, n_pv, np.minimum(rng.geometric(0.3, s), 20))

    # login
    created = np.where(human, eshop_created[hp], -1)
    has_acc = human & (created >= 0) & (anchor >= created)
    logged = has_acc & (rng.random(s) < persona_param("login_rate")[sp])
    logged = np.where(is_purchase, orders.use_account[np.maximum(s_order, 0)], logged)
    remembered = rng.random(s) < 0.5
    last_login = np.where(is_purchase, np.maximum(n_pv - 1, 1), n_pv)
    login_pv = np.where(remembered, 0, (rng.random(s) * last_login).astype(np.int64))

    # traffic
    traffic = kit.categorical(rng, persona_matrix("traffic_mix", TRAFFIC)[sp])
    utm = _utm_for_traffic(rng, traffic, people.has_platform[hp])
    ch_of = np.array([{"email": 0, "sms": 1, "social_ads": 2}[c] for c in camp.channels] or [0])
    from_camp = s_camp_utm & (s_camp >= 0)
    camp_ch = ch_of[np.maximum(s_camp, 0)]
    camp_pair = np.where(camp_ch == 0, CAMPAIGN_UTM["email"],
                         np.where(camp_ch == 1, CAMPAIGN_UTM["sms"], np.where(rng.random(s) < 0.6, 13, 14)))
    utm = np.where(from_camp, camp_pair, utm)
    utm = np.where(human, utm, np.where(rng.random(s) < 0.7, 0, 9))
    utm_campaign = np.where(from_camp, s_camp, -1)

    # --- page views -------------------------------------------------------------------------
    pv_sess = np.repeat(np.arange(s), n_pv)
    pv_starts = kit.starts_of(n_pv)
    pv_rank = kit.group_rank(pv_starts, n_pv)
    r = len(pv_sess)
    pv_h = human[pv_sess]
    med = persona_param("page_seconds")[sp[pv_sess]]
    dur = np.clip(rng.lognormal(np.log(med), 0.8), 1, 1800).astype(np.int64)
    dur = np.where(pv_h, dur, rng.integers(1, 5, r))
    csum = np.cumsum(dur)
    excl = csum - dur
    offset = excl - np.repeat(excl[pv_starts], n_pv)
    total = np.add.reduceat(dur, pv_starts) if r else np.zeros(0, dtype=np.int64)
    # sessions stay inside the period: purchase sessions end at the order, others start at their anchor
    t0 = np.where(is_purchase, np.maximum(anchor - total - 2, world.start_ts), np.minimum(anchor, world.end_ts - total - 2))
    t0 = np.maximum(t0, world.start_ts)
    pv_t = t0[pv_sess] + offset
    pv_t = np.where(is_purchase[pv_sess], np.minimum(pv_t, anchor[pv_sess] - 1), np.minimum(pv_t, world.end_ts - 1))

    ptype = rng.choice(len(PAGE_TYPE_P), r, p=PAGE_TYPE_P)
    cat = kit.categorical(rng, people.cat_pref[hp[pv_sess]])
    cat = np.where(pv_h, cat, rng.integers(0, len(CATEGORIES), r))
    product = (rng.random(r) ** 2 * PRODUCTS_PER_CATEGORY).astype(np.int64)
    page = np.select(
        [ptype == 0, ptype == 1, ptype == 2, ptype == 3],
        [HOME, CAT0 + cat, PROD0 + cat * PRODUCTS_PER_CATEGORY + product, SEARCH0 + cat],
        ACCOUNT,
    )
    # purchase sessions: one product page per order line, maybe more pages, then the checkout
    pv_purchase = is_purchase[pv_sess]
    pv_lines = n_lines[pv_sess]
    line_pv = pv_purchase & (pv_rank < pv_lines)
    order_of_pv = np.maximum(s_order[pv_sess], 0)
    line_starts = kit.starts_of(orders.n_lines)
    line_idx = np.where(line_pv, line_starts[order_of_pv] + pv_rank, 0)
    line_cat = orders.category[line_idx] if len(orders.category) else np.zeros(r, dtype=np.int64)
    page = np.where(line_pv, PROD0 + line_cat * PRODUCTS_PER_CATEGORY + product, page)
    nth_from_end = n_pv[pv_sess] - 1 - pv_rank
    page = np.where(pv_purchase & (nth_from_end == 0), CHECKOUT, page)
    # campaign click sessions land on the campaign's page
    landing_promo = (kind[pv_sess] == 2) & (pv_rank == 0)
    page = np.where(landing_promo, PROMO0 + np.maximum(s_camp[pv_sess], 0), page)
    # a login that is not remembered happens on the account page
    login_here = logged[pv_sess] & (pv_rank == login_pv[pv_sess]) & (pv_rank > 0) & ~pv_purchase
    page = np.where(login_here, ACCOUNT, page)
    login_t = pv_t[pv_starts + np.minimum(login_pv, n_pv - 1)] if r else np.zeros(0, dtype=np.int64)

    # --- other events -----------------------------------------------------------------------
    scroll = pv_h & (dur >= 8) & (rng.random(r) < 0.3)
    n_click = np.where(pv_h, np.minimum(rng.poisson(0.18, r), 3), 0)
    sc_idx = np.flatnonzero(scroll)
    cl_idx = np.repeat(np.arange(r), n_click)
    # add to cart: every order line in purchase sessions; sometimes in other sessions
    cart_pv = np.flatnonzero(line_pv)
    abandon = human & ~is_purchase & (rng.random(s) < persona_param("cart_abandon")[sp])
    ab_s = np.flatnonzero(abandon)
    ab_pv = pv_starts[ab_s] + (rng.random(len(ab_s)) * n_pv[ab_s]).astype(np.int64)
    cart_idx = np.concatenate([cart_pv, ab_pv]).astype(np.int64)
    buy_s = np.flatnonzero(is_purchase)

    def within(idx: np.ndarray) -> np.ndarray:
        t = pv_t[idx] + (rng.random(len(idx)) * dur[idx]).astype(np.int64)
        return np.minimum(t, np.where(is_purchase[pv_sess[idx]], anchor[pv_sess[idx]] - 1, world.end_ts - 1))

    ev_sess = np.concatenate([np.arange(s), pv_sess, pv_sess[sc_idx], pv_sess[cl_idx], pv_sess[cart_idx], buy_s])
    ev_type = np.concatenate([
        np.zeros(s), np.ones(r), np.full(len(sc_idx), 2), np.full(len(cl_idx), 3),
        np.full(len(cart_idx), 4), np.full(len(buy_s), 5),
    ]).astype(np.int64)
    ev_t = np.concatenate([t0, pv_t, within(sc_idx), within(cl_idx), within(cart_idx), anchor[buy_s]]).astype(np.int64)
    first_page = page[pv_starts] if r else np.zeros(0, dtype=np.int64)
    ev_page = np.concatenate([first_page, page, page[sc_idx], page[cl_idx], page[cart_idx], np.full(len(buy_s), CONFIRM)])
    ev_dur = np.concatenate([np.full(s, -1), dur, np.full(len(sc_idx) + len(cl_idx) + len(cart_idx) + len(buy_s), -1)])
    ev_order = np.concatenate([np.full(len(ev_type) - len(buy_s), -1), s_order[buy_s]])

    order = np.lexsort((ev_type, ev_sess, ev_t))
    ev_sess, ev_type, ev_t, ev_page, ev_dur, ev_order = (
        a[order] for a in (ev_sess, ev_type, ev_t, ev_page, ev_dur, ev_order)
    )
    m = len(ev_sess)
    rows = np.arange(m, dtype=np.int64)
    event_id = kit.hexid(kit.scramble((chunk << 32) | rows, 60, salt=7), 15)
    session_id = kit.hexid(kit.scramble((chunk << 28) | ev_sess, 48, salt=3), 12)
    anonymous_id = kit.hexid(anon_key[ev_sess], 12)
    user = logged[ev_sess] & (ev_t >= login_t[ev_sess])
    user_id = kit.null_where(~user, account_id.take(pa.array(np.where(user, hp[ev_sess], 0))))
    pages = _pages(tuple(camp.names))
    utm_s = utm[ev_sess]
    uc = utm_campaign[ev_sess]
    table = pa.table({
        "event_id": event_id,
        "session_id": session_id,
        "anonymous_id": anonymous_id,
        "user_id": user_id,
        "event_type": kit.take(list(EVENT_TYPES), ev_type),
        "event_ts": kit.iso_z(ev_t),
        "page": kit.take(pages, ev_page),
        "duration_s": kit.null_where(ev_dur < 0, kit.dec(np.maximum(ev_dur, 0))),
        "utm_source": kit.take([p[0] for p in UTM_PAIRS], np.where(utm_s == 0, -1, utm_s)),
        "utm_medium": kit.take([p[1] for p in UTM_PAIRS], np.where(utm_s == 0, -1, utm_s)),
        "utm_campaign": kit.take(camp.ids, uc),
        "device": kit.take(list(DEVICES), device[ev_sess]),
        "order_id": kit.take(order_ids, ev_order),
    })
    used = np.unique(np.stack([anon_key[human], hp[human].astype(np.uint64)], axis=1), axis=0)
    identities = pa.table({
        "anonymous_id": kit.hexid(used[:, 0], 12),
        "person_id": people.pid.take(pa.array(used[:, 1].astype(np.int64))),
    })
    return WebResult(table, identities)

