"""Contact records of the three people-systems (CRM, e-shop accounts, event sign-ups), with the
variants, typos, missing values and duplicates that real systems accumulate (rates in quality.py)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from python_models.generate import kit
from python_models.generate.population import PERSONA_LIST, People
from python_models.generate.quality import rate, shares
from python_models.generate.reference import (
    COUNTRIES,
    COUNTRY_ALPHA3,
    COUNTRY_NAMES,
    DOMAIN_ALIASES,
    NUMBER_FIRST,
    PHONE_PLAN,
    abbreviate_street,
    email_domains,
    names,
    places,
    saint_abbrev,
    streets,
    strip_accents,
)
from python_models.generate.world import DAY, World

PHONE_GROUPS = {
    "FR": [1, 2, 2, 2, 2], "BE": [3, 2, 2, 2], "CH": [2, 3, 2, 2], "DE": [3, 7],
    "ES": [3, 2, 2, 2], "IT": [3, 3, 4], "GB": [4, 6], "LU": [3, 3, 3],
}
NATIONAL_PREFIX = {"FR": "0", "BE": "0", "CH": "0", "DE": "0", "ES": "", "IT": "", "GB": "0", "LU": ""}
CRM_COLUMNS = (
    "ContactID", "FirstName", "LastName", "Email", "Phone", "Street", "ZipCode", "City", "Country",
    "BirthDate", "Gender", "OptIn", "CreatedDate", "ModifiedDate",
)
ESHOP_COLUMNS = (
    "account_id", "email", "first_name", "last_name", "phone", "address_line", "postal_code", "city",
    "country_code", "date_of_birth", "newsletter", "unsubscribed", "created_at", "updated_at", "instagram",
)
EVENTS_COLUMNS = ("Registration ID", "Full Name", "E-mail", "Mobile", "Post Code", "Signed Up", "Marketing OK")


@dataclass
class SystemRecords:
    system: str
    person: np.ndarray  # local person index per record
    rank: np.ndarray  # 0 for a person's first record in the system, 1.. for duplicates
    record_id: pa.Array
    created: np.ndarray  # UTC seconds
    email: pa.Array  # the record's e-mail (variant as written, null when missing)
    consent: np.ndarray  # the record's consent flag
    has_phone: np.ndarray
    columns: dict[str, pa.Array]  # native columns (eshop 'unsubscribed' is set after the campaigns)


@cache
def _first_variants() -> pa.Array:
    nm = names()
    return kit.vocab(nm.first + [strip_accents(x) for x in nm.first])


@cache
def _last_variants() -> pa.Array:
    nm = names()
    return kit.vocab(nm.last + [strip_accents(x) for x in nm.last])


@cache
def _street_variants() -> pa.Array:
    base = streets().names
    abbr = [abbreviate_street(s) for s in base]
    return kit.vocab(base + abbr + [strip_accents(s) for s in base] + [strip_accents(s) for s in abbr])


@cache
def _city_variants() -> pa.Array:
    base = places().city
    st = [saint_abbrev(c) for c in base]
    return kit.vocab(base + st + [strip_accents(c) for c in base] + [strip_accents(c) for c in st])


@cache
def _domain_alias_index() -> np.ndarray:
    vocab, _ = email_domains()
    alias = np.arange(len(vocab))
    for a, b in DOMAIN_ALIASES.items():
        alias[vocab.index(a)] = vocab.index(b)
        alias[vocab.index(b)] = vocab.index(a)
    return alias


def _typo(text: str, u: np.ndarray, protect_from: int | None = None) -> str:
    """One or two character edits at random positions before `protect_from`."""
    limit = len(text) if protect_from is None else protect_from
    out = text
    for step in range(2 if u[4] < 0.25 else 1):
        if limit < 2:
            break
        pos = int(u[step] * limit) % limit
        op = int(u[2] * 4) if step == 0 else int(u[3] * 4)
        ch = out[pos]
        letter = chr(ord("a") + int(u[3 - step] * 26) % 26)
        if ch.isupper():
            letter = letter.upper()
        if op == 0 and letter != ch:
            out = out[:pos] + letter + out[pos + 1 :]
        elif op == 1:
            out = out[:pos] + out[pos + 1 :]
            limit -= 1
        elif op == 2:
            out = out[:pos] + ch + out[pos:]
            limit += 1
        elif pos + 1 < limit:
            out = out[:pos] + out[pos + 1] + out[pos] + out[pos + 2 :]
        else:
            out = out[:pos] + out[pos] + out[pos] + out[pos + 1 :]
    return out


def apply_typos(rng: np.random.Generator, arr: pa.Array, mask: np.ndarray, before: str | None = None) -> pa.Array:
    """Typos on the rows in `mask` (a small share: a Python loop is fine)."""
    valid = ~np.asarray(pc.is_null(arr).to_numpy(zero_copy_only=False))
    rows = np.flatnonzero(mask & valid)
    if not len(rows):
        return arr
    u = rng.random((len(rows), 5))
    values = arr.take(pa.array(rows)).to_pylist()
    new = []
    for v, uu in zip(values, u, strict=True):
        cut = v.index(before) if before and before in v else None
        t = _typo(v, uu, cut)
        new.append(t if t else v)
    full = np.zeros(len(arr), dtype=bool)
    full[rows] = True
    return pc.replace_with_mask(arr, pa.array(full), pa.array(new, kit.STR))


def _u(rng: np.random.Generator, m: int) -> np.ndarray:
    return rng.random(m)


def record_names(rng: np.random.Generator, people: People, person: np.ndarray, mult: np.ndarray, system: str):
    nm = names()
    m = len(person)
    base = people.first[person]
    nick = nm.nickname_of[base]
    use_nick = (nick >= 0) & (_u(rng, m) < rate(f"name.nickname.{system}") * mult)
    fidx = np.where(use_nick, nick, base)
    drop = _u(rng, m) < rate(f"name.accents_dropped.{system}") * mult
    first = kit.take(_first_variants(), fidx + drop * len(nm.first))
    last = kit.take(_last_variants(), people.last[person] + drop * len(nm.last))
    typo_rate = rate(f"name.typo.{system}")
    first = apply_typos(rng, first, _u(rng, m) < typo_rate * mult)
    last = apply_typos(rng, last, _u(rng, m) < typo_rate * mult)
    swapped = _u(rng, m) < rate(f"name.swapped.{system}") * mult
    return kit.where(swapped, last, first), kit.where(swapped, first, last)


def record_emails(rng: np.random.Generator, people: People, person: np.ndarray, mult: np.ndarray, missing: np.ndarray) -> pa.Array:
    vocab, _ = email_domains()
    m = len(person)
    local = people.email_local.take(pa.array(person))
    dom = people.email_domain[person]
    aliasable = np.isin(dom, [vocab.index(a) for a in DOMAIN_ALIASES])
    alias = aliasable & (_u(rng, m) < rate("email.domain_alias") * mult)
    dom = np.where(alias, _domain_alias_index()[dom], dom)
    gmail = np.isin(dom, [vocab.index("gmail.com"), vocab.index("googlemail.com")])
    dots = gmail & (_u(rng, m) < rate("email.gmail_dots") * mult)
    has_dot = np.asarray(pc.match_substring(local, ".").to_numpy(zero_copy_only=False))
    local = kit.where(dots & has_dot, pc.replace_substring(local, ".", ""), local)
    local = kit.where(dots & ~has_dot, pc.utf8_replace_slice(local, 2, 2, "."), local)
    email = kit.join(local, "@", kit.take(vocab, dom))
    case = _u(rng, m)
    c = rate("email.case") * mult
    title = shares("email.case_variant")[1][0]
    email = kit.where(case < c * title, pc.utf8_title(email), email)
    email = kit.where((case >= c * title) & (case < c), pc.utf8_upper(email), email)
    email = apply_typos(rng, email, _u(rng, m) < rate("email.typo") * mult, before="@")
    return kit.null_where(missing, email)


def format_phones(country: np.ndarray, nsn: pa.Array, style: np.ndarray) -> pa.Array:
    """Phones of one or many countries, written in style 0-5 (FR) or 0-3 (others)."""
    out = np.empty(len(country), dtype=object)
    s = pc.utf8_slice_codeunits
    for ci, c in enumerate(COUNTRIES):
        sel = np.flatnonzero(country == ci)
        if not len(sel):
            continue
        num = nsn.take(pa.array(sel))
        cc = PHONE_PLAN[c][0]
        parts, pos = [], 0
        for g in PHONE_GROUPS[c]:
            parts.append(s(num, pos, pos + g))
            pos += g

        def spaced(sep: str, parts=parts) -> pa.Array:
            items: list = []
            for i, p in enumerate(parts):
                if i:
                    items.append(sep)
                items.append(p)
            return kit.join(*items)

        nat = NATIONAL_PREFIX[c]
        if c == "FR":
            options = [
                kit.join(f"+{cc} ", spaced(" ")), kit.join(nat, spaced(" ")), kit.join(f"00{cc}", num),
                kit.join(nat, spaced(".")), kit.join(nat, num), kit.join(f"+{cc}", num),
            ]
        else:
            options = [
                kit.join(f"+{cc} ", spaced(" ")), kit.join(f"+{cc}", num), kit.join(f"00{cc} ", spaced(" ")),
                kit.join(nat, spaced(" ")),
            ]
        st = np.minimum(style[sel], len(options) - 1)
        out[sel] = pc.choose(pa.array(st), *options).to_numpy(zero_copy_only=False)
    return pa.array(out, kit.STR)


def record_phones(rng: np.random.Generator, people: People, person: np.ndarray, missing: np.ndarray) -> pa.Array:
    m = len(person)
    country = people.country[person]
    _, fr_p = shares("phone.fr")
    fr_style = rng.choice(len(fr_p), m, p=fr_p)
    nat = rate("phone.national_format_foreign")
    _, intl = shares("phone.foreign_international")
    other_style = rng.choice(4, m, p=[(1 - nat) * x for x in intl] + [nat])
    style = np.where(country == COUNTRIES.index("FR"), fr_style, other_style)
    phones = format_phones(country, people.phone_nsn.take(pa.array(person)), style)
    return kit.null_where(missing, phones)


def record_address(rng: np.random.Generator, people: People, person: np.ndarray, mult: np.ndarray, system: str):
    m = len(person)
    st = streets()
    pl = places()
    country = people.country[person]
    abbrev = _u(rng, m) < rate("street.abbreviated") * mult
    plain = _u(rng, m) < rate("address.accents_dropped") * mult
    variant = abbrev.astype(np.int64) + 2 * plain
    name = kit.take(_street_variants(), variant * len(st.names) + people.street[person])
    number = people.street_no.take(pa.array(person))
    number_first = np.isin(country, [COUNTRIES.index(c) for c in NUMBER_FIRST])
    street = kit.where(number_first, kit.join(number, " ", name), kit.join(name, " ", number))
    saint = _u(rng, m) < rate("city.saint_abbreviated") * mult
    city = kit.take(_city_variants(), (saint.astype(np.int64) + 2 * plain) * len(pl.city) + people.place[person])
    if system == "crm":
        upper = _u(rng, m) < rate("address.upper.crm") * mult
        street = kit.where(upper, pc.utf8_upper(street), street)
        city = kit.where(upper, pc.utf8_upper(city), city)
    postcode = kit.take(pl.postcode, people.place[person])
    lu = (country == COUNTRIES.index("LU")) & (_u(rng, m) < rate("postcode.lu_prefix"))
    postcode = kit.where(lu, kit.join("L-", postcode), postcode)
    gb = (country == COUNTRIES.index("GB")) & (_u(rng, m) < rate("postcode.gb_no_space"))
    postcode = kit.where(gb, pc.replace_substring(postcode, " ", ""), postcode)
    if system == "crm":
        zero = np.asarray(pc.starts_with(postcode, "0").to_numpy(zero_copy_only=False)) & (country == 0)
        lost = zero & (_u(rng, m) < rate("postcode.leading_zero_lost.crm"))
        postcode = kit.where(lost, pc.utf8_slice_codeunits(postcode, 1, 10), postcode)
    return street, postcode, city


def _record_layout(people: People, system: str) -> tuple[np.ndarray, np.ndarray]:
    counts = people.records[system]
    person = np.repeat(np.arange(people.n), counts)
    rank = kit.group_rank(kit.starts_of(counts), counts)
    return person, rank


def _dup_mult(rank: np.ndarray) -> np.ndarray:
    return np.where(rank > 0, rate("duplicate.noise_multiplier"), 1.0)


def _birth_missing(people: People, person: np.ndarray, key: str) -> np.ndarray:
    mult = np.array([p.birth_date_missing_mult for p in PERSONA_LIST])[people.persona[person]]
    return np.minimum(rate(key) * mult, 0.95)


def _email_missing(people: People, person: np.ndarray, key: str) -> np.ndarray:
    return rate(key) + rate("email.missing.age_slope") * np.maximum(0, people.age[person] - 45)


def _created(rng: np.random.Generator, world: World, person: np.ndarray, rank: np.ndarray, before_share: float, years_back: float) -> np.ndarray:
    """Creation time: the first record before or during the period, duplicates after the first."""
    m = len(person)
    span = int(years_back * 365 * DAY)
    before = world.start_ts - (rng.random(m) * span).astype(np.int64)
    during = world.start_ts + (rng.random(m) * (world.end_ts - world.start_ts - DAY)).astype(np.int64)
    first = np.where(rng.random(m) < before_share, before, during)
    # records are created in office hours (07:00-20:00 local, about 06-19 UTC)
    first = first // DAY * DAY + rng.integers(6 * 3600, 19 * 3600, m)
    first = np.minimum(first, world.end_ts - DAY) // 60 * 60
    first_of_person = np.full(person.max(initial=0) + 1, 0, dtype=np.int64)
    first_of_person[person[rank == 0]] = first[rank == 0]
    base = first_of_person[person]
    later = base + (rng.random(m) * np.maximum(world.end_ts - DAY - base, DAY)).astype(np.int64)
    return np.where(rank == 0, first, later // 60 * 60)


def _updated(rng: np.random.Generator, world: World, created: np.ndarray) -> np.ndarray:
    m = len(created)
    changed = rng.random(m) < 0.7
    upd = created + (rng.random(m) * np.maximum(world.end_ts - DAY - created, 0)).astype(np.int64)
    return np.where(changed, upd // 60 * 60, created)


def _country_text(rng: np.random.Generator, country: np.ndarray) -> pa.Array:
    a2 = kit.take(list(COUNTRIES), country)
    options = [
        a2,
        kit.take([COUNTRY_NAMES[c] for c in COUNTRIES], country),
        kit.take([COUNTRY_ALPHA3[c] for c in COUNTRIES], country),
        pc.utf8_lower(a2),
    ]
    style = rng.choice(4, len(country), p=shares("country.crm")[1])
    return pc.choose(pa.array(style), *options)


def _flag(rng: np.random.Generator, people: People, person: np.ndarray) -> np.ndarray:
    return people.consent[person] ^ (rng.random(len(person)) < rate("consent.disagree"))


def build_crm(rng: np.random.Generator, world: World, people: People) -> SystemRecords:
    person, rank = _record_layout(people, "crm")
    m = len(person)
    mult = _dup_mult(rank)
    gidx = people.idx[person]
    record_id = kit.dec(kit.scramble(gidx * 4 + rank, 26, salt=11).astype(np.int64), 8, "C")
    first, last = record_names(rng, people, person, mult, "crm")
    last = kit.where(rng.random(m) < rate("name.upper_last.crm") * mult, pc.utf8_upper(last), last)
    email = record_emails(rng, people, person, mult, rng.random(m) < _email_missing(people, person, "email.missing.crm"))
    phone_missing = rng.random(m) < rate("phone.missing.crm")
    phone = record_phones(rng, people, person, phone_missing)
    street, postcode, city = record_address(rng, people, person, mult, "crm")
    street = kit.null_where(rng.random(m) < rate("street.missing.crm"), street)
    postcode = kit.null_where(rng.random(m) < rate("postcode.missing.crm"), postcode)
    country_idx = people.country[person]
    country = _country_text(rng, country_idx)
    country = kit.null_where((country_idx == 0) & (rng.random(m) < rate("country.missing.crm")), country)
    iso = kit.date_text(people.birth_days[person])
    fmt = rng.random(m)
    p_iso, p_dot = rate("birth_date.format.crm.iso"), rate("birth_date.format.crm.dotted")
    birth = kit.where(fmt < p_iso, iso, kit.where(fmt < p_iso + p_dot, kit.reorder_date(iso, "."), kit.reorder_date(iso, "/")))
    day_small = np.asarray(pc.less_equal(pc.utf8_slice_codeunits(iso, 8, 10), "12").to_numpy(zero_copy_only=False))
    swap = day_small & (rng.random(m) < rate("birth_date.day_month_swapped.crm"))
    birth = kit.where(swap, kit.reorder_date(iso, "/", day_first=False), birth)
    birth = kit.null_where(rng.random(m) < _birth_missing(people, person, "birth_date.missing.crm"), birth)
    gender = kit.where(people.female[person], "F", "M")
    gender = kit.null_where(rng.random(m) < rate("gender.missing.crm"), gender)
    consent = _flag(rng, people, person)
    optin = kit.null_where(rng.random(m) < rate("consent.missing.crm"), kit.where(consent, "Y", "N"))
    created = _created(rng, world, person, rank, 0.65, 6)
    updated = _updated(rng, world, created)
    cols = {
        "ContactID": record_id, "FirstName": first, "LastName": last, "Email": email, "Phone": phone,
        "Street": street, "ZipCode": postcode, "City": city, "Country": country, "BirthDate": birth,
        "Gender": gender, "OptIn": optin,
        "CreatedDate": kit.dmy_hm(kit.local_text(created)), "ModifiedDate": kit.dmy_hm(kit.local_text(updated)),
    }
    return SystemRecords("crm", person, rank, record_id, created, email, consent, ~phone_missing, cols)


def handle_display(rng: np.random.Generator, handle: pa.Array, at_share: float, title_share: float) -> pa.Array:
    n = len(handle)
    u = rng.random(n)
    shown = kit.where(u < at_share, kit.join("@", handle), handle)
    return kit.where(rng.random(n) < title_share, pc.utf8_capitalize(shown), shown)


def build_eshop(rng: np.random.Generator, world: World, people: People) -> SystemRecords:
    person, rank = _record_layout(people, "eshop")
    m = len(person)
    mult = _dup_mult(rank)
    gidx = people.idx[person]
    record_id = kit.dec(10**9 + kit.scramble(gidx * 4 + rank, 29, salt=12).astype(np.int64))
    first, last = record_names(rng, people, person, mult, "eshop")
    lower = rng.random(m) < rate("name.lower.eshop") * mult
    first = kit.where(lower, pc.utf8_lower(first), first)
    last = kit.where(lower, pc.utf8_lower(last), last)
    email = record_emails(rng, people, person, mult, np.zeros(m, dtype=bool))
    vocab, per_country = email_domains()
    other = (rank > 0) & (rng.random(m) < rate("email.other_address"))
    if other.any():
        alt_dom = np.array([per_country[c][0][-1] for c in range(len(COUNTRIES))])[people.country[person]]
        alt = kit.join(people.first_tok.take(pa.array(person)), ".", people.last_tok.take(pa.array(person)),
                       kit.dec(people.idx[person] + 1), ".2@", kit.take(vocab, alt_dom))
        email = kit.where(other, alt, email)
    phone_missing = rng.random(m) < rate("phone.missing.eshop")
    phone = record_phones(rng, people, person, phone_missing)
    street, postcode, city = record_address(rng, people, person, mult, "eshop")
    street = kit.null_where(rng.random(m) < rate("street.missing.eshop"), street)
    postcode = kit.null_where(rng.random(m) < rate("postcode.missing.eshop"), postcode)
    cc = kit.take(list(COUNTRIES), people.country[person])
    cc = kit.where(rng.random(m) < rate("country.lower.eshop"), pc.utf8_lower(cc), cc)
    birth = kit.date_text(people.birth_days[person])
    birth = kit.null_where(rng.random(m) < _birth_missing(people, person, "birth_date.missing.eshop"), birth)
    consent = _flag(rng, people, person)
    created = _created(rng, world, person, rank, 0.72, 4)
    created = created + rng.integers(0, 60, m)
    updated = _updated(rng, world, created) + rng.integers(0, 60, m)
    ig = people.handles["instagram"].take(pa.array(person))
    has_ig = people.has_platform[person, 0] & (rng.random(m) < rate("instagram.in_eshop"))
    at_share = shares("instagram.eshop_at")[1][0]
    cap_share = shares("instagram.eshop_capitalised")[1][0]
    instagram = kit.null_where(~has_ig, handle_display(rng, ig, at_share, cap_share))
    cols = {
        "account_id": record_id, "email": email, "first_name": first, "last_name": last, "phone": phone,
        "address_line": street, "postal_code": postcode, "city": city, "country_code": cc,
        "date_of_birth": birth, "newsletter": kit.where(consent, "true", "false"), "unsubscribed": None,
        "created_at": kit.iso_z(created), "updated_at": kit.iso_z(updated), "instagram": instagram,
    }
    return SystemRecords("eshop", person, rank, record_id, created, email, consent, ~phone_missing, cols)


def build_events(rng: np.random.Generator, world: World, people: People) -> SystemRecords:
    person, rank = _record_layout(people, "events")
    m = len(person)
    mult = _dup_mult(rank)
    gidx = people.idx[person]
    if len(world.show_days):
        show = rng.integers(0, len(world.show_days), m)
        day = world.show_days[show] - rng.integers(1, 46, m)
    else:
        day = rng.integers(0, world.days, m)
    day = np.clip(day, 0, world.days - 1)
    created = world.start_ts + day * DAY + rng.integers(7 * 3600, 23 * 3600, m)
    year = pc.utf8_slice_codeunits(kit.date_text(created // DAY), 0, 4)
    record_id = kit.join("REG-", year, "-", kit.dec(kit.scramble(gidx * 4 + rank, 26, salt=13).astype(np.int64), 8))
    first, last = record_names(rng, people, person, mult, "events")
    fmt = rng.random(m)
    a = rate("name.format.events.last_first_upper")
    b = a + rate("name.format.events.last_comma_first")
    full = kit.where(
        fmt < a, kit.join(pc.utf8_upper(last), " ", first),
        kit.where(fmt < b, kit.join(last, ", ", first), kit.join(first, " ", last)),
    )
    email = record_emails(rng, people, person, mult, rng.random(m) < _email_missing(people, person, "email.missing.events"))
    phone_missing = rng.random(m) < rate("phone.missing.events")
    phone = record_phones(rng, people, person, phone_missing)
    _, postcode, _ = record_address(rng, people, person, mult, "events")
    postcode = kit.null_where(rng.random(m) < rate("postcode.missing.events"), postcode)
    consent = _flag(rng, people, person)
    cols = {
        "Registration ID": record_id, "Full Name": full, "E-mail": email, "Mobile": phone, "Post Code": postcode,
        "Signed Up": kit.local_text(created), "Marketing OK": kit.where(consent, "yes", "no"),
    }
    return SystemRecords("events", person, rank, record_id, created, email, consent, ~phone_missing, cols)


def primary(records: SystemRecords, n: int, values: np.ndarray | pa.Array, fill) -> np.ndarray:
    """Per person: the value of their first record in the system (fill when they have none)."""
    out = np.full(n, fill, dtype=object if isinstance(values, pa.Array) else np.asarray(values).dtype)
    first = np.flatnonzero(records.rank == 0)
    vals = values.take(pa.array(first)).to_numpy(zero_copy_only=False) if isinstance(values, pa.Array) else np.asarray(values)[first]
    out[records.person[first]] = vals
    return out
