"""Reference data for the simulation: names, nicknames, places, streets, e-mail domains, countries.

The tables ship as CSV files beside this module (first_names.csv, last_names.csv, nicknames.csv,
places.csv). Everything here is loaded once per process and turned into numpy/arrow vocabularies
that the vectorised simulation indexes into.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from python_models.generate.personas import INCOME, PERSONAS, URBANITY

COUNTRIES = ("FR", "BE", "CH", "DE", "ES", "IT", "GB", "LU")
COUNTRY_SHARES = (0.85, 0.04, 0.025, 0.025, 0.02, 0.02, 0.015, 0.005)
COUNTRY_NAMES = {
    "FR": "France", "BE": "Belgium", "CH": "Switzerland", "DE": "Germany",
    "ES": "Spain", "IT": "Italy", "GB": "United Kingdom", "LU": "Luxembourg",
}
COUNTRY_ALPHA3 = {"FR": "FRA", "BE": "BEL", "CH": "CHE", "DE": "DEU", "ES": "ESP", "IT": "ITA", "GB": "GBR", "LU": "LUX"}
CURRENCY = {"GB": "GBP", "CH": "CHF"}
EUR_TO = {"EUR": 1.0, "GBP": 0.85, "CHF": 0.94}
# Language of names by country of residence.
LANGS = ("fr", "nl", "de", "es", "it", "en")
COUNTRY_LANG = {
    "FR": {"fr": 1.0}, "BE": {"fr": 0.6, "nl": 0.4}, "CH": {"fr": 0.55, "de": 0.45}, "LU": {"fr": 0.55, "de": 0.45},
    "DE": {"de": 1.0}, "ES": {"es": 1.0}, "IT": {"it": 1.0}, "GB": {"en": 1.0},
}
# Calling code, and mobile numbering: (prefixes of the national significant number, digits after prefix);
# every prefix/length here gives numbers that `phonenumbers` accepts as valid mobiles.
PHONE_PLAN = {
    "FR": ("33", ["60", "61", "62", "64", "65", "66", "67", "68", "73", "74", "75", "76", "77", "78", "79"], 7),
    "BE": ("32", ["470", "471", "472", "475", "476", "477", "478", "479", "484", "485", "486", "487", "488", "489", "490", "491", "492", "493", "494", "495", "496", "497", "498", "499"], 6),
    "CH": ("41", ["75", "76", "77", "78", "79"], 7),
    "DE": ("49", ["160", "162", "163", "170", "171", "172", "173", "174", "175", "176", "177", "178", "179"], 7),
    "ES": ("34", ["6"], 8),
    "IT": ("39", ["320", "324", "327", "328", "329", "330", "333", "334", "335", "338", "339", "340", "342", "345", "346", "347", "348", "349", "360", "366", "368", "388", "389", "392", "393"], 7),
    "GB": ("44", ["74", "75", "77", "78"], 8),
    "LU": ("352", ["621", "628", "661", "671", "691"], 6),
}
# E-mail domains: (domain, weight for young people, weight for old people).
EMAIL_DOMAINS = {
    "FR": [("gmail.com", 40, 15), ("hotmail.fr", 12, 10), ("yahoo.fr", 5, 8), ("orange.fr", 4, 20), ("free.fr", 5, 10),
           ("outlook.fr", 10, 4), ("laposte.net", 2, 8), ("sfr.fr", 3, 7), ("wanadoo.fr", 0.5, 10), ("icloud.com", 14, 3),
           ("live.fr", 4, 3), ("protonmail.com", 1, 0.2)],
    "BE": [("gmail.com", 40, 20), ("hotmail.com", 15, 15), ("skynet.be", 2, 20), ("telenet.be", 5, 20), ("outlook.be", 10, 5), ("yahoo.fr", 5, 8)],
    "CH": [("gmail.com", 40, 20), ("bluewin.ch", 10, 35), ("hotmail.com", 10, 10), ("gmx.ch", 10, 15), ("icloud.com", 15, 5)],
    "DE": [("gmail.com", 35, 12), ("gmx.de", 20, 30), ("web.de", 20, 30), ("t-online.de", 3, 20), ("outlook.de", 10, 5)],
    "ES": [("gmail.com", 55, 30), ("hotmail.es", 20, 30), ("yahoo.es", 5, 20), ("outlook.es", 15, 10)],
    "IT": [("gmail.com", 50, 25), ("libero.it", 10, 30), ("hotmail.it", 15, 15), ("yahoo.it", 5, 15), ("virgilio.it", 2, 15)],
    "GB": [("gmail.com", 45, 20), ("hotmail.co.uk", 15, 20), ("yahoo.co.uk", 5, 15), ("outlook.com", 15, 10), ("btinternet.com", 2, 25), ("icloud.com", 15, 5)],
    "LU": [("gmail.com", 45, 25), ("pt.lu", 5, 30), ("hotmail.com", 15, 15), ("outlook.com", 15, 10)],
}
DOMAIN_ALIASES = {"gmail.com": "googlemail.com", "hotmail.fr": "hotmail.com"}

STREET_TYPES_FR = ("rue", "avenue", "boulevard", "place", "chemin", "allée", "impasse", "route", "quai")
STREET_TYPE_WEIGHTS_FR = (0.55, 0.14, 0.08, 0.05, 0.06, 0.05, 0.04, 0.02, 0.01)
STREET_ABBREV = {
    "rue": "r.", "avenue": "av.", "boulevard": "bd", "place": "pl.", "chemin": "ch.", "allée": "all.",
    "impasse": "imp.", "route": "rte", "quai": "qu.",
}
STREET_NAMES_FR = (
    "de la République", "Victor Hugo", "Jean Jaurès", "du Général de Gaulle", "Pasteur", "de la Gare", "des Écoles",
    "de l'Église", "du Moulin", "des Lilas", "Gambetta", "Voltaire", "de la Paix", "du Château", "Émile Zola",
    "Jules Ferry", "des Tilleuls", "du Stade", "de Verdun", "Carnot", "Foch", "Saint-Michel", "de la Liberté",
    "des Acacias", "du Marché", "de Bretagne", "du Port", "des Vignes", "des Peupliers", "Anatole France",
    "Pierre Curie", "Marie Curie", "de Strasbourg", "de Lyon", "de Paris", "Aristide Briand", "du 8 Mai 1945",
    "du 11 Novembre", "des Roses", "de la Fontaine", "Saint-Exupéry", "Molière", "Paul Bert", "des Prés",
    "de la Mairie", "du Lavoir", "des Jardins", "Jean Moulin", "Lamartine", "de Provence",
)
STREETS_OTHER = {
    "BE": ["Rue de la Loi", "Rue Neuve", "Avenue Louise", "Chaussée de Waterloo", "Rue Haute", "Kerkstraat",
           "Stationsstraat", "Molenstraat", "Schoolstraat", "Dorpsstraat", "Nieuwstraat", "Veldstraat"],
    "CH": ["Rue du Rhône", "Avenue de la Gare", "Rue du Lac", "Chemin des Vignes", "Bahnhofstrasse", "Seestrasse",
           "Hauptstrasse", "Dorfstrasse", "Kirchgasse", "Route de Lausanne"],
    "DE": ["Hauptstraße", "Schulstraße", "Gartenstraße", "Bahnhofstraße", "Dorfstraße", "Bergstraße", "Birkenweg",
           "Lindenstraße", "Kirchstraße", "Waldstraße", "Ringstraße", "Goethestraße", "Schillerstraße"],
    "ES": ["Calle Mayor", "Calle Real", "Avenida de la Constitución", "Calle del Sol", "Plaza de España",
           "Calle de Alcalá", "Gran Vía", "Calle San Juan", "Paseo de Gracia", "Calle de Velázquez"],
    "IT": ["Via Roma", "Via Garibaldi", "Via Mazzini", "Corso Vittorio Emanuele", "Via Dante",
           "Piazza della Repubblica", "Via Cavour", "Via Verdi", "Viale Europa", "Via Nazionale"],
    "GB": ["High Street", "Station Road", "Church Street", "Park Road", "Victoria Road", "Green Lane", "Manor Road",
           "Church Lane", "Mill Lane", "Queens Road", "King Street", "London Road"],
}
NUMBER_FIRST = {"FR", "LU", "GB"}


def strip_accents(text: str) -> str:
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def ascii_token(text: str) -> str:
    """A name as it appears in e-mails and handles: lower case ASCII letters only."""
    return "".join(c for c in strip_accents(text).lower() if c.isalnum())


def saint_abbrev(text: str) -> str:
    return text.replace("Saint-", "St-").replace("Sainte-", "Ste-")


def abbreviate_street(text: str) -> str:
    head, _, rest = text.partition(" ")
    return f"{STREET_ABBREV[head]} {rest}" if head in STREET_ABBREV and rest else text


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@dataclass(frozen=True)
class Names:
    first: list[str]  # first-name vocabulary: table names then nicknames not already in the table
    first_gender: np.ndarray  # 0 female, 1 male, -1 nickname-only entries
    first_lang: np.ndarray  # index into LANGS
    nickname_of: np.ndarray  # vocabulary index of the nickname, or -1
    last: list[str]
    last_lang: np.ndarray
    # index lists per (lang, gender) and per lang, with Zipf-like weights
    first_pools: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]
    last_pools: dict[int, tuple[np.ndarray, np.ndarray]]


def _zipf(n: int, s: float = 0.7) -> np.ndarray:
    w = 1.0 / np.power(np.arange(1, n + 1) + 5.0, s)
    return w / w.sum()


@cache
def names() -> Names:
    first_rows = _rows("first_names.csv")
    first = [r["name"] for r in first_rows]
    gender = [0 if r["gender"] == "f" else 1 for r in first_rows]
    lang = [LANGS.index(r["lang"]) for r in first_rows]
    nick_rows = _rows("nicknames.csv")
    index = {}
    for i, n in enumerate(first):
        index.setdefault(n, i)
    nickname_of = [-1] * len(first)
    for r in nick_rows:
        nick = r["nickname"]
        if nick not in index:
            index[nick] = len(first)
            first.append(nick)
            gender.append(-1)
            lang.append(-1)
            nickname_of.append(-1)
        for i, n in enumerate(first_rows):
            if n["name"] == r["name"] and nickname_of[i] == -1:
                nickname_of[i] = index[nick]
    last_rows = _rows("last_names.csv")
    last = [r["name"] for r in last_rows]
    last_lang = np.array([LANGS.index(r["lang"]) for r in last_rows])
    g = np.array(gender)
    la = np.array(lang)
    first_pools = {}
    for li in range(len(LANGS)):
        for gi in (0, 1):
            idx = np.flatnonzero((la == li) & (g == gi))
            first_pools[(li, gi)] = (idx, _zipf(len(idx)))
    last_pools = {}
    for li in range(len(LANGS)):
        idx = np.flatnonzero(last_lang == li)
        last_pools[li] = (idx, _zipf(len(idx), 0.6))
    return Names(first, g, la, np.array(nickname_of), last, last_lang, first_pools, last_pools)


@dataclass(frozen=True)
class Places:
    country: np.ndarray  # index into COUNTRIES
    postcode: list[str]
    city: list[str]
    urbanity: np.ndarray  # index into URBANITY
    income: np.ndarray  # index into INCOME
    population: np.ndarray
    # per (country, persona): candidate place indices and probabilities
    choice: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]


@cache
def places() -> Places:
    rows = _rows("places.csv")
    country = np.array([COUNTRIES.index(r["country"]) for r in rows])
    urb = np.array([URBANITY.index(r["urbanity"]) for r in rows])
    inc = np.array([INCOME.index(r["income_band"]) for r in rows])
    pop = np.array([float(r["population"]) for r in rows])
    choice = {}
    for ci in range(len(COUNTRIES)):
        idx = np.flatnonzero(country == ci)
        for pi, persona in enumerate(PERSONAS.values()):
            # urbanity first (the persona's mix over the classes the country has), then a postcode of
            # that class by population and the persona's income preference
            iw = np.array([persona.income[b] for b in INCOME])[inc[idx]]
            within = np.sqrt(pop[idx]) * iw + 1e-9
            w = np.zeros(len(idx))
            for ui, u in enumerate(URBANITY):
                cls = urb[idx] == ui
                if cls.any():
                    w[cls] = persona.urbanity[u] * within[cls] / within[cls].sum()
            choice[(ci, pi)] = (idx, w / w.sum())
    return Places(country, [r["postcode"] for r in rows], [r["city"] for r in rows], urb, inc, pop, choice)


@dataclass(frozen=True)
class Streets:
    names: list[str]  # without number
    offset: dict[int, tuple[int, int]]  # country index -> (start, stop) in names
    weights: dict[int, np.ndarray]


@cache
def streets() -> Streets:
    out: list[str] = []
    offset, weights = {}, {}
    for ci, c in enumerate(COUNTRIES):
        start = len(out)
        if c in ("FR", "LU"):
            w = []
            for t, tw in zip(STREET_TYPES_FR, STREET_TYPE_WEIGHTS_FR, strict=True):
                for n in STREET_NAMES_FR:
                    out.append(f"{t} {n}")
                    w.append(tw)
            warr = np.array(w)
        else:
            out.extend(STREETS_OTHER[c])
            warr = np.ones(len(STREETS_OTHER[c]))
        offset[ci] = (start, len(out))
        weights[ci] = warr / warr.sum()
    return Streets(out, offset, weights)


def email_domains() -> tuple[list[str], dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """Domain vocabulary and, per country, (domain indices, young weights, old weights)."""
    vocab_list: list[str] = []
    per_country = {}
    for ci, c in enumerate(COUNTRIES):
        idx, young, old = [], [], []
        for d, wy, wo in EMAIL_DOMAINS[c]:
            if d not in vocab_list:
                vocab_list.append(d)
            idx.append(vocab_list.index(d))
            young.append(wy)
            old.append(wo)
        y, o = np.array(young, float), np.array(old, float)
        per_country[ci] = (np.array(idx), y / y.sum(), o / o.sum())
    for alias in DOMAIN_ALIASES.values():
        if alias not in vocab_list:
            vocab_list.append(alias)
    return vocab_list, per_country
