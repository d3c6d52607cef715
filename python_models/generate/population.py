"""Simulate the true people of one chunk: who they are and their latent behaviour parameters."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from python_models.generate import kit
from python_models.generate.personas import CATEGORIES, DEVICES, PERSONAS, PLATFORMS
from python_models.generate.quality import SYSTEMS, rate
from python_models.generate.reference import (
    COUNTRIES,
    COUNTRY_LANG,
    COUNTRY_SHARES,
    LANGS,
    PHONE_PLAN,
    ascii_token,
    email_domains,
    names,
    places,
    streets,
)
from python_models.generate.world import DAY, World

PERSONA_LIST = list(PERSONAS.values())


def persona_param(attr: str) -> np.ndarray:
    return np.array([getattr(p, attr) for p in PERSONA_LIST], dtype=float)


def persona_matrix(attr: str, keys: tuple[str, ...]) -> np.ndarray:
    return np.array([[getattr(p, attr)[k] for k in keys] for p in PERSONA_LIST], dtype=float)


@dataclass
class People:
    n: int
    idx: np.ndarray  # global person number (0-based)
    pid: pa.Array  # P0000001
    persona: np.ndarray
    country: np.ndarray
    lang: np.ndarray
    female: np.ndarray
    age: np.ndarray  # years at the period start
    birth_days: np.ndarray  # days since 1970-01-01
    first: np.ndarray  # index into names().first
    last: np.ndarray  # index into names().last
    first_tok: pa.Array  # ascii lower-case tokens used in e-mails and handles
    last_tok: pa.Array
    place: np.ndarray
    street: np.ndarray
    street_no: pa.Array
    email_local: pa.Array
    email_domain: np.ndarray  # index into the domain vocabulary
    phone_nsn: pa.Array  # national significant number (digits)
    handles: dict[str, pa.Array]  # canonical handle per platform, null when no account
    has_platform: np.ndarray  # (n, platforms)
    consent: np.ndarray
    device_w: np.ndarray  # (n, devices)
    cat_pref: np.ndarray  # (n, categories)
    order_mult: np.ndarray
    web_mult: np.ndarray
    social_mult: np.ndarray
    spend_mult: np.ndarray
    lapse_day: np.ndarray  # day index after which a lapsing person stops buying (inf otherwise)
    records: dict[str, np.ndarray]  # contact records per system (0-3)

    def e164(self) -> pa.Array:
        cc = kit.take([PHONE_PLAN[c][0] for c in COUNTRIES], self.country)
        return kit.join("+", cc, self.phone_nsn)


def _gamma_rows(rng: np.random.Generator, alpha: np.ndarray) -> np.ndarray:
    g = rng.gamma(np.maximum(alpha, 1e-3))
    return g / g.sum(axis=1, keepdims=True)


def _phone_nsn(idx: np.ndarray, country: np.ndarray) -> pa.Array:
    out = np.empty(len(idx), dtype=object)
    for ci, c in enumerate(COUNTRIES):
        sel = np.flatnonzero(country == ci)
        if not len(sel):
            continue
        _, prefixes, digits = PHONE_PLAN[c]
        space = len(prefixes) * 10**digits
        bits = space.bit_length() - 1
        if idx.max(initial=0) >= 2**bits:
            raise ValueError(f"too many people for unique {c} phone numbers")
        v = kit.scramble(idx[sel], bits, salt=1000 + ci).astype(np.int64)
        pre = kit.take(prefixes, v // 10**digits)
        out[sel] = kit.join(pre, kit.dec(v % 10**digits, digits)).to_numpy(zero_copy_only=False)
    return pa.array(out, kit.STR)


def _handles(rng: np.random.Generator, world: World, idx: np.ndarray, f: pa.Array, last: pa.Array, has: np.ndarray) -> dict[str, pa.Array]:
    n = len(idx)
    suffix = kit.dec(kit.scramble(idx, world.handle_bits, salt=77).astype(np.int64))
    f0 = pc.utf8_slice_codeunits(f, 0, 1)
    styles = [
        kit.join(f, ".", last, suffix),
        kit.join(f, "_", last, "_", suffix),
        kit.join(f, last, suffix),
        kit.join(f0, ".", last, ".", suffix),
        kit.join(f, ".", suffix),
    ]
    ig = pc.choose(pa.array(rng.choice(len(styles), n, p=[0.35, 0.2, 0.2, 0.15, 0.1])), *styles)
    tiktok_own = kit.join(f, last, "_", suffix)
    out = {
        "instagram": ig,
        "facebook": kit.join(f, ".", last, ".", suffix),
        "tiktok": kit.where(rng.random(n) < 0.5, ig, tiktok_own),
        "x": kit.join(f, last, suffix),
        "linkedin": kit.join(f, "-", last, "-", suffix),
        "youtube": kit.join(f, last, suffix),
    }
    for pi, platform in enumerate(PLATFORMS):
        out[platform] = kit.null_where(~has[:, pi], out[platform])
    return out


def simulate_people(rng: np.random.Generator, world: World, first_idx: int, n: int) -> People:
    nm = names()
    pl = places()
    st = streets()
    idx = np.arange(first_idx, first_idx + n, dtype=np.int64)
    pid = kit.dec(idx + 1, 7, "P")
    shares = persona_param("share")
    persona = rng.choice(len(PERSONA_LIST), size=n, p=shares / shares.sum())
    country = rng.choice(len(COUNTRIES), size=n, p=COUNTRY_SHARES)
    lang = np.empty(n, dtype=np.int64)
    for ci, c in enumerate(COUNTRIES):
        sel = np.flatnonzero(country == ci)
        langs = list(COUNTRY_LANG[c])
        probs = np.array([COUNTRY_LANG[c][k] for k in langs])
        lang[sel] = np.array([LANGS.index(k) for k in langs])[rng.choice(len(langs), len(sel), p=probs)]
    female = rng.random(n) < persona_param("female_share")[persona]
    age = np.clip(rng.normal(persona_param("age_mean")[persona], persona_param("age_sd")[persona]), 18, 88)
    start_day = world.start_ts // DAY
    birth_days = (start_day - age * 365.25).astype(np.int64)
    gender = np.where(female, 0, 1)
    first = kit.choice_by_group(rng, np.stack([lang, gender], axis=1), nm.first_pools)
    last = kit.choice_by_group(rng, lang, nm.last_pools)
    first_tok = kit.take([ascii_token(x) for x in nm.first], first)
    last_tok = kit.take([ascii_token(x) for x in nm.last], last)
    place = kit.choice_by_group(rng, np.stack([country, persona], axis=1), pl.choice)
    street = np.empty(n, dtype=np.int64)
    for ci in range(len(COUNTRIES)):
        sel = np.flatnonzero(country == ci)
        lo, hi = st.offset[ci]
        street[sel] = lo + rng.choice(hi - lo, size=len(sel), p=st.weights[ci])
    number = np.minimum(1 + rng.geometric(1 / 25, n), 250)
    suffix = rng.choice(3, n, p=[0.96, 0.03, 0.01])
    street_no = kit.join(kit.dec(number), kit.take(["", " bis", " ter"], suffix))

    # e-mail: local part + domain; the trailing person number keeps addresses unique
    num = kit.dec(idx + 1)
    f0 = pc.utf8_slice_codeunits(first_tok, 0, 1)
    styles = [
        kit.join(first_tok, ".", last_tok, num),
        kit.join(first_tok, last_tok, num),
        kit.join(first_tok, "_", last_tok, num),
        kit.join(f0, ".", last_tok, num),
        kit.join(last_tok, ".", first_tok, num),
        kit.join(first_tok, num),
        kit.join(first_tok, "-", last_tok, num),
    ]
    style = rng.choice(len(styles), n, p=[0.38, 0.15, 0.1, 0.1, 0.1, 0.05, 0.12])
    email_local = pc.choose(pa.array(style), *styles)
    _, per_country = email_domains()
    email_domain = np.empty(n, dtype=np.int64)
    old = rng.random(n) < np.clip((age - 25) / 40, 0, 1)
    for ci in range(len(COUNTRIES)):
        dom_idx, young_p, old_p = per_country[ci]
        for is_old, p in ((False, young_p), (True, old_p)):
            sel = np.flatnonzero((country == ci) & (old == is_old))
            email_domain[sel] = dom_idx[rng.choice(len(dom_idx), len(sel), p=p)]

    phone_nsn = _phone_nsn(idx, country)
    presence = persona_matrix("social_presence", PLATFORMS)[persona]
    has_platform = rng.random((n, len(PLATFORMS))) < presence
    handles = _handles(rng, world, idx, first_tok, last_tok, has_platform)
    consent = rng.random(n) < persona_param("consent_rate")[persona]
    device_w = _gamma_rows(rng, persona_matrix("device_mix", DEVICES)[persona] * 30)
    conc = persona_param("category_concentration")[persona][:, None]
    cat_pref = _gamma_rows(rng, persona_matrix("category_mix", CATEGORIES)[persona] * conc)
    shape = persona_param("order_shape")[persona]
    order_mult = rng.gamma(shape, 1 / shape)
    # person-to-person spread around the persona's rates: wide enough that people differ, narrow
    # enough that a persona's behaviour still shows in 18 months of data
    web_mult = rng.gamma(12.0, 1 / 12.0, n)
    social_mult = rng.gamma(10.0, 1 / 10.0, n)
    spend_mult = rng.lognormal(0, 0.2, n)
    lapse_day = np.full(n, np.inf)
    for pi, p in enumerate(PERSONA_LIST):
        if p.lapses:
            sel = np.flatnonzero(persona == pi)
            a, b = p.lapse_after
            lapse_day[sel] = rng.uniform(a, b, len(sel)) * world.days

    records: dict[str, np.ndarray] = {}
    for s in SYSTEMS:
        p_sys = np.array([p.systems[s] for p in PERSONA_LIST])[persona]
        records[s] = (rng.random(n) < p_sys).astype(np.int64)
    nobody = (records["crm"] + records["eshop"] + records["events"]) == 0
    to_eshop = rng.random(n) < 0.6
    records["eshop"][nobody & to_eshop] = 1
    records["crm"][nobody & ~to_eshop] = 1
    for s in SYSTEMS:
        r = rate(f"duplicate.{s}")
        extra1 = rng.random(n) < r
        extra2 = extra1 & (rng.random(n) < r)
        records[s] = records[s] * (1 + extra1 + extra2)

    return People(
        n=n, idx=idx, pid=pid, persona=persona, country=country, lang=lang, female=female, age=age,
        birth_days=birth_days, first=first, last=last, first_tok=first_tok, last_tok=last_tok, place=place,
        street=street, street_no=street_no, email_local=email_local, email_domain=email_domain,
        phone_nsn=phone_nsn, handles=handles, has_platform=has_platform, consent=consent, device_w=device_w,
        cat_pref=cat_pref, order_mult=order_mult, web_mult=web_mult, social_mult=social_mult,
        spend_mult=spend_mult, lapse_day=lapse_day, records=records,
    )
