"""Every noise, missing-value and error rate the generator uses, in one table.

The simulation reads its rates from here and `ground_truth/README.md` is rendered from the same
table, so the documentation cannot drift from the data. Mechanisms:

* `MAR`  - missing at random (independent of the person);
* `MNAR` - missing not at random (depends on the person: age or persona);
* `variant` - the value is present but written differently from the truth;
* `presence` - how records come to exist (duplicates, unknown visitors...);
* `error` - deliberately invalid input that the pipeline must quarantine (see ERROR_RATES).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    value: float
    mechanism: str
    applies_to: str
    description: str


SYSTEMS = ("crm", "eshop", "events")

RATES: dict[str, Rate] = {
    # --- records and duplicates -------------------------------------------------------------
    "duplicate.crm": Rate(0.07, "presence", "crm", "a person with a CRM record has one more record (re-keyed, imported twice); a second extra at the same rate"),
    "duplicate.eshop": Rate(0.05, "presence", "eshop", "a second e-shop account (forgotten password, other e-mail); the first account stays the one used"),
    "duplicate.events": Rate(0.18, "presence", "events", "another event sign-up by the same person"),
    "duplicate.noise_multiplier": Rate(2.0, "variant", "all contacts", "duplicate records get every variant rate below multiplied by this"),
    # --- names ------------------------------------------------------------------------------
    "name.nickname.crm": Rate(0.05, "variant", "crm", "first name replaced by a nickname from nicknames.csv (when one exists)"),
    "name.nickname.eshop": Rate(0.06, "variant", "eshop", "nickname"),
    "name.nickname.events": Rate(0.12, "variant", "events", "nickname"),
    "name.accents_dropped.crm": Rate(0.25, "variant", "crm", "accents removed (Hélène -> Helene)"),
    "name.accents_dropped.eshop": Rate(0.45, "variant", "eshop", "accents removed"),
    "name.accents_dropped.events": Rate(0.35, "variant", "events", "accents removed"),
    "name.typo.crm": Rate(0.02, "variant", "crm", "1-2 character edits (substitution, deletion, doubling, transposition) per name field"),
    "name.typo.eshop": Rate(0.01, "variant", "eshop", "typo per name field"),
    "name.typo.events": Rate(0.03, "variant", "events", "typo per name field"),
    "name.swapped.crm": Rate(0.015, "variant", "crm", "first and last name swapped"),
    "name.swapped.eshop": Rate(0.005, "variant", "eshop", "first and last name swapped"),
    "name.swapped.events": Rate(0.03, "variant", "events", "Full Name written as if the last name were the first"),
    "name.upper_last.crm": Rate(0.3, "variant", "crm", "last name in capitals (DUPONT)"),
    "name.lower.eshop": Rate(0.08, "variant", "eshop", "first and last name typed in lower case"),
    "name.format.events.last_first_upper": Rate(0.25, "variant", "events", "Full Name as 'DUPONT Marie'"),
    "name.format.events.last_comma_first": Rate(0.15, "variant", "events", "Full Name as 'Dupont, Marie' (the rest 'Marie Dupont')"),
    # --- e-mail -----------------------------------------------------------------------------
    "email.missing.crm": Rate(0.04, "MNAR", "crm", "e-mail left empty; + 0.006 per year of age above 45 (older people give it less)"),
    "email.missing.events": Rate(0.03, "MNAR", "events", "e-mail left empty; same age effect"),
    "email.missing.age_slope": Rate(0.006, "MNAR", "crm, events", "added to the e-mail missing rate per year of age above 45"),
    "email.case": Rate(0.1, "variant", "all contacts, orders, campaigns", "e-mail with capitals (Marie.Dupont12@Gmail.com)"),
    "email.domain_alias": Rate(0.25, "variant", "all contacts", "gmail.com <-> googlemail.com, hotmail.fr <-> hotmail.com (of addresses on those domains)"),
    "email.gmail_dots": Rate(0.25, "variant", "all contacts", "dots removed from / added to a gmail local part (of gmail addresses)"),
    "email.typo": Rate(0.004, "variant", "all contacts", "one-character typo in the local part (the address no longer matches)"),
    "email.other_address": Rate(0.3, "variant", "eshop duplicates", "a duplicate e-shop account uses another address of the person (firstname.lastname@other-domain)"),
    # --- phone ------------------------------------------------------------------------------
    "phone.missing.crm": Rate(0.2, "MAR", "crm", "phone empty"),
    "phone.missing.eshop": Rate(0.45, "MAR", "eshop", "phone empty"),
    "phone.missing.events": Rate(0.08, "MAR", "events", "mobile empty"),
    "phone.national_format_foreign": Rate(0.15, "variant", "contacts of non-French people", "phone written in its national format (needs the person's country to parse; parsed with region FR it is wrong or invalid)"),
    # --- address ----------------------------------------------------------------------------
    "street.missing.crm": Rate(0.08, "MAR", "crm", "street empty"),
    "street.missing.eshop": Rate(0.12, "MAR", "eshop", "address_line empty"),
    "street.abbreviated": Rate(0.25, "variant", "crm, eshop", "street type abbreviated: rue->r., avenue->av., boulevard->bd, place->pl., chemin->ch., allée->all., impasse->imp., route->rte, quai->qu."),
    "address.upper.crm": Rate(0.2, "variant", "crm", "street and city in capitals"),
    "address.accents_dropped": Rate(0.3, "variant", "crm, eshop", "accents removed from street and city"),
    "city.saint_abbreviated": Rate(0.3, "variant", "crm, eshop", "Saint-/Sainte- written St-/Ste- (of cities that have one)"),
    "postcode.missing.crm": Rate(0.03, "MAR", "crm", "ZipCode empty"),
    "postcode.missing.eshop": Rate(0.02, "MAR", "eshop", "postal_code empty"),
    "postcode.missing.events": Rate(0.12, "MAR", "events", "Post Code empty"),
    "postcode.leading_zero_lost.crm": Rate(0.1, "variant", "crm", "of postcodes starting with 0, the zero was lost (01000 -> 1000, a spreadsheet round trip)"),
    "postcode.lu_prefix": Rate(0.5, "variant", "crm, eshop", "Luxembourg postcodes written L-1450"),
    "postcode.gb_no_space": Rate(0.3, "variant", "crm, eshop, events", "UK postcodes without their space"),
    "country.missing.crm": Rate(0.08, "MNAR", "crm", "Country empty, only for people living in France (the CRM's default)"),
    "country.lower.eshop": Rate(0.05, "variant", "eshop", "country_code in lower case"),
    # --- birth date, gender, consent ----------------------------------------------------------
    "birth_date.missing.crm": Rate(0.22, "MNAR", "crm", "BirthDate empty; x persona.birth_date_missing_mult (social_enthusiast x2.2)"),
    "birth_date.missing.eshop": Rate(0.4, "MNAR", "eshop", "date_of_birth empty; x persona multiplier, capped at 0.95"),
    "birth_date.day_month_swapped.crm": Rate(0.005, "variant", "crm", "day and month swapped (when the day is <= 12): a wrong but valid date"),
    "birth_date.format.crm.iso": Rate(0.12, "variant", "crm", "BirthDate as yyyy-mm-dd (else dd/mm/yyyy or dd.mm.yyyy)"),
    "birth_date.format.crm.dotted": Rate(0.08, "variant", "crm", "BirthDate as dd.mm.yyyy"),
    "gender.missing.crm": Rate(0.1, "MAR", "crm", "Gender empty"),
    "consent.missing.crm": Rate(0.1, "MAR", "crm", "OptIn empty"),
    "consent.disagree": Rate(0.05, "variant", "crm, eshop, events", "the record's consent flag differs from the person's true consent"),
    # --- social -------------------------------------------------------------------------------
    "instagram.in_eshop": Rate(0.35, "presence", "eshop", "people with an Instagram account who typed it in the e-shop profile"),
    "social.handle_variant": Rate(0.3, "variant", "social, eshop", "handle with another case and/or without its '@'"),
    "social.email_shared": Rate(0.03, "presence", "social", "interactions that carry the person's e-mail (lead forms)"),
    "social.unknown_handles": Rate(0.08, "presence", "social", "share of interactions from handles that are no person in the data"),
    # --- web ----------------------------------------------------------------------------------
    "web.bot_sessions": Rate(0.03, "presence", "web", "share of sessions from anonymous visitors who are no person (bots, unknown)"),
    "web.cookie_reset": Rate(0.15, "presence", "web", "a person's device gets a new anonymous_id at a random time"),
    # --- orders -------------------------------------------------------------------------------
    "orders.guest_checkout": Rate(0.1, "presence", "orders", "orders of account holders placed as guest (all orders of people without an account yet are guest orders)"),
    "orders.foreign_in_eur": Rate(0.1, "variant", "orders", "orders of UK/Swiss people paid in EUR instead of GBP/CHF"),
}

# How present values are written: the share of each style (they add up to 1 within an entry).
FORMATS: dict[str, dict[str, float]] = {
    "phone.fr": {
        "+33 6 12 34 56 78": 0.2, "06 12 34 56 78": 0.4, "0033612345678": 0.05, "06.12.34.56.78": 0.1,
        "0612345678": 0.15, "+33612345678": 0.1,
    },
    # non-French phones that are not in national format (see phone.national_format_foreign)
    "phone.foreign_international": {"+32 470 12 34 56": 0.55, "+32470123456": 0.28, "0032 470 12 34 56": 0.17},
    "country.crm": {"alpha-2 (FR)": 0.55, "English name (France)": 0.3, "alpha-3 (FRA)": 0.1, "lower-case alpha-2 (fr)": 0.05},
    "email.case_variant": {"Title.Case@Gmail.Com": 0.7, "UPPER@GMAIL.COM": 0.3},
    "instagram.eshop_at": {"@handle": 0.45, "handle": 0.55},
    "instagram.eshop_capitalised": {"Capitalised": 0.15, "as registered": 0.85},
    "campaign.bounce": {"email": 0.015, "sms": 0.01, "social_ads": 0.0},
    "eshop.unsubscribed_before_period": {"accounts without newsletter flagged unsubscribed": 0.3, "not flagged": 0.7},
}


def shares(key: str) -> tuple[list[str], list[float]]:
    entry = FORMATS[key]
    return list(entry), list(entry.values())


def formats_markdown() -> str:
    lines = ["| entry | style | share |", "|---|---|---|"]
    for key, entry in FORMATS.items():
        for style, value in entry.items():
            lines.append(f"| `{key}` | {style} | {value:g} |")
    return "\n".join(lines)


# Injected invalid input, per source and kind: probability per data row (at least one of each kind
# per file of 200+ rows, so small runs exercise every quarantine rule).
ERROR_RATES: dict[str, dict[str, float]] = {
    "crm": {"email_without_at": 0.0008, "unknown_country": 0.0006, "broken_quoting": 0.0004, "duplicate_row": 0.0004},
    "eshop": {"email_without_at": 0.0008, "unknown_country": 0.0006, "broken_quoting": 0.0004, "duplicate_row": 0.0004},
    "events": {"email_without_at": 0.0008, "broken_quoting": 0.0005, "duplicate_row": 0.0004},
    "web": {"unparseable_timestamp": 0.0006, "broken_quoting": 0.0004, "duplicate_row": 0.0004},
    "orders": {
        "wrong_type_amount": 0.0006,
        "negative_amount": 0.0005,
        "unparseable_timestamp": 0.0005,
        "broken_quoting": 0.0003,
        "duplicate_row": 0.0003,
    },
    "campaign_events": {"broken_quoting": 0.0003, "duplicate_row": 0.0003},
}
ERROR_MIN_ROWS = 200

ERROR_KINDS = {
    "email_without_at": "an e-mail whose '@' was dropped or spelled out ('marie.dupont12gmail.com', 'marie.dupont12 at gmail.com')",
    "unknown_country": "a country that is no country ('ZZ', 'Atlantis', 'XX', 'Narnia')",
    "broken_quoting": "a field opens a quote that is not closed before its delimiter (it closes at the end of the line), so the record has too few fields",
    "duplicate_row": "the same line written twice in the file (record_number is the second copy)",
    "unparseable_timestamp": "a timestamp that is no date ('not a date', '31/02/2025', '2025-13-45T25:61:00Z')",
    "wrong_type_amount": "an amount that is not a number ('12,5O', 'abc', '1.2.3', 'N/A')",
    "negative_amount": "an amount below zero",
}


def rate(key: str) -> float:
    return RATES[key].value


def rates_markdown() -> str:
    lines = ["| key | rate | mechanism | applies to | what |", "|---|---|---|---|---|"]
    for key, r in RATES.items():
        lines.append(f"| `{key}` | {r.value:g} | {r.mechanism} | {r.applies_to} | {r.description} |")
    return "\n".join(lines)


def errors_markdown() -> str:
    lines = ["| source | kind | rate per row |", "|---|---|---|"]
    for source, kinds in ERROR_RATES.items():
        for kind, value in kinds.items():
            lines.append(f"| {source} | `{kind}` | {value:g} |")
    lines += ["", "| kind | what |", "|---|---|"]
    lines += [f"| `{k}` | {v} |" for k, v in ERROR_KINDS.items()]
    return "\n".join(lines)
