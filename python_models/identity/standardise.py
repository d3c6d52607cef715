"""Standardisation of contact records before blocking and comparison.

Every normaliser is a plain function of one value (``None`` in, ``None`` out; never raises on any
string) and is idempotent: ``f(f(x)) == f(x)``. :func:`standardise_contacts` applies them to a whole
staged contacts table, calling each normaliser once per distinct value (cached), and adds the
derived keys used by blocking and comparison (phonetic codes, house number, phone tail...).

Phonetic codes come from jellyfish, whose algorithms (metaphone, NYSIIS, soundex) are
English-oriented: they are computed on the accent-stripped ASCII letters of a name only.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jellyfish
import numpy as np
import pandas as pd

NICKNAMES_PATH = Path(__file__).with_name("nicknames.csv")

# Values that mean "no value" whatever the field.
JUNK_TOKENS = frozenset(
    {
        "", "null", "none", "nil", "nan", "na", "n a", "n/a", "-", "--", "-1", "0", "?", "unknown",
        "inconnu", "anonymous", "anonyme", "test", "xxx", "xx", "x", "no", "non", "missing",
    }
)
JUNK_EMAIL_LOCALS = frozenset(
    {
        "test", "noemail", "no-email", "no_email", "nomail", "no-mail", "none", "null", "noreply",
        "no-reply", "donotreply", "do-not-reply", "anonymous", "anonyme", "unknown", "inconnu",
        "email", "mail", "nobody", "na", "n.a", "xxx", "x", "abc", "aaa", "asdf", "fake", "invalid",
    }
)
JUNK_EMAIL_DOMAINS = frozenset(
    {
        "test.com", "test.fr", "example.com", "example.org", "example.net", "noemail.com",
        "nomail.com", "none.com", "null.com", "invalid", "invalid.com", "localhost", "mailinator.com",
        "fake.com", "unknown.com", "no.email", "noemail.fr", "email.invalid",
    }
)
FIVE_DIGIT_POSTCODE_COUNTRIES = frozenset({"FR", "US", "DE", "ES", "IT", "MX", "FI", "MC"})
JUNK_BIRTH_DATES = frozenset({dt.date(1900, 1, 1), dt.date(1899, 12, 31), dt.date(1899, 12, 30)})

# Street-type and directional abbreviations (French and English); the value is the canonical form.
STREET_ABBREVIATIONS: dict[str, str] = {
    # French
    "rue": "r", "r": "r",
    "avenue": "av", "ave": "av", "av": "av", "avn": "av",
    "boulevard": "bd", "bld": "bd", "blvd": "bd", "boul": "bd", "bvd": "bd", "bd": "bd",
    "place": "pl", "pl": "pl",
    "chemin": "ch", "chem": "ch", "ch": "ch",
    "allee": "all", "allees": "all", "all": "all",
    "impasse": "imp", "imp": "imp",
    "route": "rte", "rte": "rte",
    "quai": "qu", "qu": "qu",
    "cours": "crs", "crs": "crs",
    "faubourg": "fg", "fbg": "fg", "fg": "fg",
    "square": "sq", "sq": "sq",
    "residence": "res", "res": "res",
    "lotissement": "lot", "lot": "lot",
    "passage": "pass", "pass": "pass",
    "saint": "st", "sainte": "ste", "ste": "ste",
    "bis": "b", "ter": "t",
    # English
    "street": "st", "str": "st", "st": "st",
    "road": "rd", "rd": "rd",
    "drive": "dr", "dr": "dr",
    "lane": "ln", "ln": "ln",
    "court": "ct", "ct": "ct",
    "parkway": "pkwy", "pkwy": "pkwy",
    "highway": "hwy", "hwy": "hwy",
    "terrace": "terr", "terr": "terr",
    "circle": "cir", "cir": "cir",
    "crescent": "cres", "cres": "cres",
    "expressway": "expy", "expy": "expy",
    "suite": "ste", "apartment": "apt", "apt": "apt", "floor": "fl", "fl": "fl",
    "north": "n", "south": "s", "east": "e", "west": "w", "n": "n", "s": "s", "e": "e", "w": "w",
    "northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
}
assert all(STREET_ABBREVIATIONS.get(v, v) == v for v in STREET_ABBREVIATIONS.values())
_DIRECTIONALS = frozenset({"n", "s", "e", "w", "ne", "nw", "se", "sw"})

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_NON_ALPHA = re.compile(r"[^a-z]+")
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_POSTCODE_FLOAT = re.compile(r"^(\d+)\.0+$")


# --------------------------------------------------------------------------------------------------
# Text folding
# --------------------------------------------------------------------------------------------------
# Latin letters that do not decompose into a base letter + accent.
_LATIN_SPECIALS = str.maketrans({"æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i",
                                 "ŀ": "l", "ħ": "h", "ŧ": "t", "ŋ": "n", "ſ": "s"})


def _fold_once(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold().translate(_LATIN_SPECIALS)
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Case-fold and strip accents (NFKD, combining marks dropped), iterated to a fixed point."""
    if text.isascii():
        return text.lower()
    for _ in range(5):
        folded = _fold_once(text)
        if folded == text:
            break
        text = folded
    return text


def strip_accents(text: str | None) -> str | None:
    """'Hélène Œuvre' -> 'Helene OEuvre' style: accents removed, case kept."""
    if text is None:
        return None
    text = unicodedata.normalize("NFKD", str(text))
    return unicodedata.normalize("NFC", "".join(c for c in text if not unicodedata.combining(c)))


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN
        return True
    return value is pd.NA or value is pd.NaT


def normalise_text(value: object, junk: frozenset[str] = JUNK_TOKENS) -> str | None:
    """Folded text where every run of non-alphanumeric characters is one space; None if empty/junk.

    Alphanumeric means Unicode letters and digits (scripts other than Latin are kept).
    """
    if _is_missing(value):
        return None
    text = fold(str(value))
    if text.isascii():
        text = _NON_ALNUM.sub(" ", text).strip()
    else:
        text = "".join(c if c.isalnum() else " " for c in text)
        text = _SPACES.sub(" ", text).strip()
    if not text or text in junk:
        return None
    return text


def ascii_letters(value: str | None) -> str:
    """Only the ASCII letters a-z of a normalised value (input of the English-oriented phonetics)."""
    if not value:
        return ""
    return _NON_ALPHA.sub("", value)


# --------------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------------
def normalise_name(value: object) -> str | None:
    """Name normaliser: folded, apostrophes joined (O'Brien -> obrien), other punctuation -> space."""
    if _is_missing(value):
        return None
    text = str(value)
    text = re.sub(r"['’`´ʼ‘]", "", text)
    return normalise_text(text)


@lru_cache(maxsize=4)
def _load_nicknames(path: str) -> dict[str, str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return nickname_table((row.get("name"), row.get("nickname")) for row in csv.DictReader(handle))


def nickname_table(rows: Iterable[tuple[object, object]]) -> dict[str, str]:
    """(canonical name, nickname) rows -> {normalised nickname: normalised canonical first name}."""
    table: dict[str, str] = {}
    for raw_name, raw_nick in rows:
        name = normalise_name(raw_name)
        nick = normalise_name(raw_nick)
        if name and nick and nick != name:
            table.setdefault(nick, name)  # first listed canonical name wins
    # Canonical names (and their first words) are never re-mapped: keeps canonicalisation idempotent.
    canonical = set(table.values()) | {v.split(" ")[0] for v in table.values()}
    return {nick: name for nick, name in table.items() if nick not in canonical}


def load_nicknames(path: str | Path | None = None) -> dict[str, str]:
    """The nickname table as {normalised nickname: normalised canonical first name}."""
    return dict(_load_nicknames(str(path or NICKNAMES_PATH)))


def canonical_first_name(value: object, nicknames: dict[str, str] | None = None) -> str | None:
    """Normalised first name with a nickname replaced by its canonical name (Bob -> robert).

    The whole name is looked up first ('jean pierre' / 'jp'), then its first token.
    """
    name = normalise_name(value)
    if name is None:
        return None
    table = load_nicknames() if nicknames is None else nicknames
    if name in table:
        return table[name]
    head, _, rest = name.partition(" ")
    if rest and head in table:
        return f"{table[head]} {rest}"
    return name


def _raw_tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[\s]+", text.strip()) if t]


def _is_upper_word(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _is_capitalised_word(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return bool(letters) and letters[0].isupper() and any(c.islower() for c in letters[1:] or "x")


def split_full_name(value: object) -> tuple[str | None, str | None]:
    """Split a person's full name written 'LAST, First' or 'LAST First' / 'First LAST'.

    Returns (first, last) normalised, or (None, None) when no unambiguous pattern is found (e.g.
    'Jean Dupont' or an organisation name: they stay as a full name and are compared whole).
    """
    if _is_missing(value):
        return None, None
    text = str(value).strip()
    if text.count(",") == 1:
        left, right = (part.strip() for part in text.split(","))
        left_tokens, right_tokens = _raw_tokens(left), _raw_tokens(right)
        if 1 <= len(left_tokens) <= 2 and 1 <= len(right_tokens) <= 3:
            first, last = normalise_name(right), normalise_name(left)
            if first and last:
                return first, last
        return None, None
    tokens = _raw_tokens(text)
    if not 2 <= len(tokens) <= 4:
        return None, None
    upper = [_is_upper_word(t) for t in tokens]
    capitalised = [_is_capitalised_word(t) and not u for t, u in zip(tokens, upper, strict=True)]
    # LAST First: leading upper-case words followed only by capitalised words.
    k = 0
    while k < len(tokens) and upper[k]:
        k += 1
    if 0 < k < len(tokens) and all(capitalised[k:]):
        return normalise_name(" ".join(tokens[k:])), normalise_name(" ".join(tokens[:k]))
    # First LAST: leading capitalised words followed only by upper-case words.
    k = 0
    while k < len(tokens) and capitalised[k]:
        k += 1
    if 0 < k < len(tokens) and all(upper[k:]):
        return normalise_name(" ".join(tokens[:k])), normalise_name(" ".join(tokens[k:]))
    return None, None


def token_signature(value: str | None) -> tuple[int, int, int] | None:
    """(number of distinct tokens, two 63-bit masks with one bit per token hash) of a normalised name.

    ``bit_count(a & b)`` over the masks counts shared tokens (rare hash collisions can add one), so
    the token Jaccard similarity runs as integer arithmetic in SQL.
    """
    if not value:
        return None
    tokens = set(value.split())
    masks = [0, 0]
    for token in tokens:
        h = zlib.crc32(token.encode("utf-8")) % 126
        masks[h // 63] |= 1 << (h % 63)
    return len(tokens), masks[0], masks[1]


def phonetic_keys(value: str | None) -> tuple[str | None, str | None, str | None]:
    """(metaphone, nysiis, soundex) of the ASCII letters of a normalised name; None when empty."""
    letters = ascii_letters(value)
    if not letters:
        return None, None, None
    return jellyfish.metaphone(letters).upper() or None, jellyfish.nysiis(letters) or None, (
        jellyfish.soundex(letters) or None
    )


def metaphone_tokens(value: str | None, sort: bool = True) -> str | None:
    """Metaphone of every token of a normalised name joined by spaces (sorted: order-insensitive)."""
    if not value:
        return None
    codes = [jellyfish.metaphone(a).upper() for a in (ascii_letters(t) for t in value.split()) if a]
    codes = [c for c in codes if c]
    if not codes:
        return None
    return " ".join(sorted(codes) if sort else codes)


# --------------------------------------------------------------------------------------------------
# E-mail, phone, address, dates
# --------------------------------------------------------------------------------------------------
def normalise_email(value: object) -> str | None:
    """Lowercased, trimmed e-mail; Gmail dots and +tags removed, googlemail -> gmail; junk -> None."""
    if _is_missing(value):
        return None
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", str(value)).lower())
    text = text.strip().removeprefix("mailto:").strip("<>\"' ;,")
    if not _EMAIL_RE.match(text):
        return None
    local, _, domain = text.rpartition("@")
    domain = domain.strip(".")
    if domain == "googlemail.com":
        domain = "gmail.com"
    if domain == "gmail.com":
        local = local.split("+", 1)[0].replace(".", "")
    if not local or not domain or "." not in domain:
        return None
    if local in JUNK_EMAIL_LOCALS or domain in JUNK_EMAIL_DOMAINS:
        return None
    if len(set(local)) == 1 and len(local) > 1:  # aaaa@..., xxxx@...
        return None
    return f"{local}@{domain}"


def normalise_phone(value: object) -> str | None:
    """Digits only; a leading '+' (E.164) or '00' international prefix kept as '+'; junk -> None."""
    if _is_missing(value):
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if re.fullmatch(r"\d+\.0+", text):  # a number read as a float
        text = text.split(".", 1)[0]
    digits = "".join(c for c in text if c.isdigit() and c.isascii())
    if text.startswith("+"):
        plus = True
    elif digits.startswith("00") and len(digits) > 10:
        plus, digits = True, digits[2:]
    else:
        plus = text.startswith("+")
    if len(digits) < 6 or len(set(digits)) <= 1:
        return None
    if digits in "01234567890123456789" or digits in "98765432109876543210":
        return None
    return ("+" if plus else "") + digits


def phone_key(phone: str | None) -> str | None:
    """The last 9 digits of a normalised phone (national and international forms then agree)."""
    if not phone:
        return None
    digits = phone.lstrip("+")
    return digits[-9:]


def normalise_street(value: object) -> str | None:
    """Folded street line, punctuation removed, street types and directionals abbreviated."""
    text = normalise_text(value)
    if text is None:
        return None
    text = " ".join(STREET_ABBREVIATIONS.get(t, t) for t in text.split(" "))
    return None if text in JUNK_TOKENS else text


def street_parts(street: str | None) -> tuple[str | None, str | None, str | None]:
    """(house number, street name, street name key) of a normalised street line.

    The key is the first word of the name that is not a directional nor a street type.
    """
    if not street:
        return None, None, None
    tokens = street.split(" ")
    number = None
    rest = tokens
    if tokens and tokens[0][:1].isdigit():
        match = re.match(r"\d+", tokens[0])
        number = match.group(0) if match else None
        rest = tokens[1:]
        if rest and rest[0] in {"b", "t", "a"}:  # 12 bis / 12 ter / 12 a
            rest = rest[1:]
    name = " ".join(rest) or None
    types = set(STREET_ABBREVIATIONS.values()) - {"st"}
    key = next((t for t in rest if t not in _DIRECTIONALS and t not in types and not t.isdigit()), None)
    return number, name, key


def normalise_postcode(value: object) -> str | None:
    """Postcode as folded alphanumerics without spaces ('75 011' -> '75011', 60621.0 -> '60621')."""
    if _is_missing(value):
        return None
    text = str(value).strip()
    match = _POSTCODE_FLOAT.match(text)
    if match:
        text = match.group(1)
    text = normalise_text(text)
    if text is None:
        return None
    text = text.replace(" ", "")
    # joining 'n o' gives 'no', a junk token: idempotence needs the junk check after the join too
    if not text or len(set(text)) == 1 and text[0] == "0" or text in JUNK_TOKENS:
        return None
    return text


def normalise_city(value: object) -> str | None:
    """Folded city; 'saint'/'sainte' abbreviated, punctuation -> space ('St-Étienne' -> 'st etienne')."""
    text = normalise_text(value)
    if text is None:
        return None
    mapping = {"saint": "st", "sainte": "ste", "cedex": ""}
    tokens = [mapping.get(t, t) for t in text.split(" ")]
    text = " ".join(t for t in tokens if t)
    return text or None


def normalise_birth_date(value: object, today: dt.date | None = None) -> dt.date | None:
    """A birth date as datetime.date; placeholders (1900-01-01...), < 1900 and future dates -> None."""
    if _is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.date()
    elif isinstance(value, np.datetime64):
        value = pd.Timestamp(value).date()
    elif isinstance(value, dt.datetime):
        value = value.date()
    elif not isinstance(value, dt.date):
        text = str(value).strip()
        if not text:
            return None
        try:
            value = pd.Timestamp(text).date()
        except (ValueError, TypeError, OverflowError):
            return None
    today = today or dt.date.today()
    if value in JUNK_BIRTH_DATES or value.year < 1900 or value > today:
        return None
    return value


def normalise_gender(value: object) -> str | None:
    """'f', 'm', 'x' or None."""
    text = normalise_text(value, junk=frozenset())
    if text is None:
        return None
    if text in {"f", "female", "femme", "w", "woman", "mme", "madame", "mrs", "ms", "miss", "mlle"}:
        return "f"
    if text in {"m", "male", "homme", "h", "man", "mr", "monsieur", "mister"}:
        return "m"
    if text in {"x", "other", "autre", "non binary", "nonbinary", "nb", "diverse"}:
        return "x"
    return None


# --------------------------------------------------------------------------------------------------
# Table-level standardisation
# --------------------------------------------------------------------------------------------------
CONTACT_COLUMNS = (
    "source_system", "source_record_id", "first_name", "last_name", "full_name", "email", "phone",
    "phone_raw", "street", "postcode", "city", "country_code", "birth_date", "gender",
    "marketing_consent", "unsubscribed", "updated_at",
)


@dataclass
class StandardiseReport:
    """What standardisation nulled as junk: {field: {value: n_records}} (shared identifiers included)."""

    junk_values: dict[str, dict[str, int]] = field(default_factory=dict)
    shared_identifiers: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_frame(self) -> pd.DataFrame:
        rows = [
            {"field": f, "value": v, "n_records": n, "reason": "shared"}
            for f, values in self.shared_identifiers.items()
            for v, n in values.items()
        ]
        rows += [
            {"field": f, "value": v, "n_records": n, "reason": "junk"}
            for f, values in self.junk_values.items()
            for v, n in values.items()
        ]
        return pd.DataFrame(rows, columns=["field", "value", "n_records", "reason"])


def _map_unique(series: pd.Series, func: Callable[[object], object]) -> pd.Series:
    """Apply ``func`` once per distinct value (missing values map to None)."""
    values = series.astype(object).where(series.notna(), None)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)  # element-wise: values may be tuples/lists
    for i, unique in enumerate(uniques):
        mapped[i] = func(unique)
    return pd.Series(mapped[codes], index=series.index, dtype=object)


def _map_unique_multi(series: pd.Series, func: Callable[[object], object], n_out: int) -> list[pd.Series]:
    """Like ``_map_unique`` for a function returning an ``n_out``-tuple (or None): one Series per item."""
    values = series.astype(object).where(series.notna(), None)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    outs = [np.empty(len(uniques) + 1, dtype=object) for _ in range(n_out)]
    for i, unique in enumerate(uniques):
        result = func(unique)
        for k in range(n_out):
            outs[k][i] = result[k] if result is not None else None
    for k in range(n_out):
        outs[k][-1] = None
    return [pd.Series(out[codes], index=series.index, dtype=object) for out in outs]


def _column(df: pd.DataFrame, name: str) -> pd.Series:
    if name in df.columns:
        return df[name]
    return pd.Series([None] * len(df), index=df.index, dtype=object)


def _junk_counts(raw: pd.Series, std: pd.Series) -> dict[str, int]:
    """Raw values that were present but standardised to None (e.g. 'test@test.com'), with counts."""
    text = raw.astype("string").str.strip()
    mask = (text.notna() & (text != "")).to_numpy(dtype=bool) & std.isna().to_numpy()
    if not mask.any():
        return {}
    counts = text[mask].str.lower().value_counts()
    return {str(k): int(v) for k, v in counts.head(50).items()}


def standardise_contacts(
    contacts: pd.DataFrame,
    nicknames: dict[str, str] | None = None,
    max_shared_identifier: int = 50,
    today: dt.date | None = None,
) -> tuple[pd.DataFrame, StandardiseReport]:
    """Standardise a staged contacts table.

    Returns one row per input row, in input order, with ``rid`` (0..n-1) and the standardised and
    derived columns, plus a report of junk values. An e-mail or phone shared by more than
    ``max_shared_identifier`` records is treated as junk (a shared company line, a placeholder) and
    nulled, so it neither blocks nor links.
    """
    table = load_nicknames() if nicknames is None else nicknames
    n = len(contacts)
    report = StandardiseReport()
    out = pd.DataFrame(index=pd.RangeIndex(n))
    out["rid"] = np.arange(n, dtype=np.int64)
    src = contacts.reset_index(drop=True)
    out["source_system"] = _column(src, "source_system").astype(object).astype(str).values
    out["source_record_id"] = _column(src, "source_record_id").astype(object).astype(str).values

    # Names ---------------------------------------------------------------------------------
    first = _map_unique(_column(src, "first_name"), normalise_name)
    last = _map_unique(_column(src, "last_name"), normalise_name)
    full_raw = _column(src, "full_name")
    split_first, split_last = _map_unique_multi(full_raw, split_full_name, 2)
    need_split = first.isna() & last.isna()
    first = first.where(~(need_split & split_first.notna()), split_first)
    last = last.where(~(need_split & split_last.notna()), split_last)
    first_canon = _map_unique(first, lambda v: canonical_first_name(v, table))
    full = _map_unique(full_raw, normalise_name)
    given = first.notna() & last.notna()
    composed = (first_canon.fillna("") + " " + last.fillna("")).str.strip()
    composed = composed.where(composed != "", None)
    full = full.where(~given, composed)  # first + last when both are known (same order for everyone)
    full = full.where(full.notna(), composed)
    out["first_name_std"] = first_canon.values
    out["last_name_std"] = last.values
    out["full_name_std"] = full.values
    out["has_given_names"] = given.values
    out["full_name_sorted"] = _map_unique(
        full, lambda v: " ".join(sorted(v.split())) if isinstance(v, str) else None
    ).values
    n_tokens, bits1, bits2 = _map_unique_multi(full, token_signature, 3)
    out["full_name_n_tokens"] = n_tokens.astype("Int64").values
    out["full_name_bits1"] = bits1.astype("Int64").values
    out["full_name_bits2"] = bits2.astype("Int64").values
    lk = _map_unique_multi(last, phonetic_keys, 3)
    out["last_name_metaphone"], out["last_name_nysiis"], out["last_name_soundex"] = (x.values for x in lk)
    out["first_name_metaphone"] = _map_unique_multi(first_canon, phonetic_keys, 3)[0].values
    out["full_name_phonetic"] = _map_unique(full, metaphone_tokens).values
    name_for_prefix = last.where(last.notna(), full)
    out["name_prefix4"] = _map_unique(
        name_for_prefix, lambda v: (v.replace(" ", "")[:4] or None) if isinstance(v, str) else None
    ).values

    # E-mail, phone ----------------------------------------------------------------------------
    email_raw = _column(src, "email")
    email = _map_unique(email_raw, normalise_email)
    report.junk_values["email"] = _junk_counts(email_raw, email)
    phone_in = _column(src, "phone").astype(object)
    phone_raw = _column(src, "phone_raw").astype(object)
    phone_src = phone_in.where(phone_in.notna(), phone_raw)
    phone = _map_unique(phone_src, normalise_phone)
    report.junk_values["phone"] = _junk_counts(phone_src, phone)
    pkey = _map_unique(phone, phone_key)
    for name, values in (("email", email), ("phone", pkey)):
        counts = values.value_counts()
        shared = counts[counts > max_shared_identifier]
        if len(shared):
            report.shared_identifiers[name] = {str(k): int(v) for k, v in shared.items()}
            mask = values.isin(shared.index)
            if name == "email":
                email = email.where(~mask, None)
            else:
                phone = phone.where(~mask, None)
                pkey = pkey.where(~mask, None)
    out["email_std"] = email.values
    local, domain = _map_unique_multi(email, lambda v: (v.rpartition("@")[0], v.rpartition("@")[2]), 2)
    out["email_local"], out["email_domain"] = local.values, domain.values
    out["phone_std"] = phone.values
    out["phone_key"] = pkey.values

    # Address ---------------------------------------------------------------------------------
    street = _map_unique(_column(src, "street"), normalise_street)
    number, name, key = _map_unique_multi(street, street_parts, 3)
    out["street_std"] = street.values
    out["street_number"], out["street_name"], out["street_key"] = number.values, name.values, key.values
    out["postcode_std"] = _map_unique(_column(src, "postcode"), normalise_postcode).values
    out["city_std"] = _map_unique(_column(src, "city"), normalise_city).values
    out["country_code"] = _map_unique(
        _column(src, "country_code"), lambda v: (normalise_text(v) or "").upper()[:2] or None
    ).values
    # a spreadsheet round trip drops the leading zero of 5-digit postcodes (01000 -> 1000)
    lost_zero = (
        out["country_code"].isin(FIVE_DIGIT_POSTCODE_COUNTRIES).to_numpy()
        & out["postcode_std"].map(lambda v: isinstance(v, str) and len(v) == 4 and v.isdigit()).to_numpy(dtype=bool)
    )
    out.loc[lost_zero, "postcode_std"] = "0" + out.loc[lost_zero, "postcode_std"]

    # Dates, gender -------------------------------------------------------------------------------
    birth, birth_str, birth_year = _map_unique_multi(
        _column(src, "birth_date"), lambda v: _birth_parts(normalise_birth_date(v, today)), 3
    )
    out["birth_date"] = pd.to_datetime(birth, errors="coerce").values.astype("datetime64[s]")
    out["birth_str"] = birth_str.values
    out["birth_year"] = birth_year.astype("Int64").values
    out["gender_std"] = _map_unique(_column(src, "gender"), normalise_gender).values
    return out, report


def _birth_parts(day: dt.date | None) -> tuple[dt.date, str, int] | None:
    return None if day is None else (day, day.strftime("%Y%m%d"), day.year)


def iter_normalisers() -> Iterable[tuple[str, Callable[[object], object]]]:
    """The single-value normalisers that are idempotent on their own output (used by tests)."""
    yield "text", normalise_text
    yield "name", normalise_name
    yield "email", normalise_email
    yield "phone", normalise_phone
    yield "street", normalise_street
    yield "postcode", normalise_postcode
    yield "city", normalise_city
    yield "gender", normalise_gender
    yield "first_name", canonical_first_name
