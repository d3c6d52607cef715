"""A self-contained synthetic contact set with known identities, for the identity bench and tests.

It imitates the demo lake's contact noise (three source systems, duplicates within a system,
nicknames, accents dropped, typos, swapped first/last names, 'DUPONT Marie' / 'Dupont, Marie'
full names, e-mail case / googlemail / gmail-dot variants and second addresses, phone formats,
street-type abbreviations, lost leading zeros, birth-date day/month swaps and typos, missing
values, households sharing an address and a landline, junk identifiers and a shared company
phone). Used when ``python_models.generate.generate_lake`` is not available.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import numpy as np
import pandas as pd

FIRST_NAMES = [
    ("Marie", "f"), ("Nathalie", "f"), ("Isabelle", "f"), ("Sylvie", "f"), ("Catherine", "f"), ("Françoise", "f"),
    ("Valérie", "f"), ("Christine", "f"), ("Sandrine", "f"), ("Stéphanie", "f"), ("Véronique", "f"), ("Céline", "f"),
    ("Hélène", "f"), ("Aurélie", "f"), ("Émilie", "f"), ("Julie", "f"), ("Camille", "f"), ("Léa", "f"),
    ("Manon", "f"), ("Chloé", "f"), ("Inès", "f"), ("Sarah", "f"), ("Laura", "f"), ("Anaïs", "f"),
    ("Élodie", "f"), ("Caroline", "f"), ("Virginie", "f"), ("Patricia", "f"), ("Martine", "f"), ("Nicole", "f"),
    ("Monique", "f"), ("Brigitte", "f"), ("Dominique", "f"), ("Élisabeth", "f"), ("Margaret", "f"), ("Jennifer", "f"),
    ("Katherine", "f"), ("Rebecca", "f"), ("Susan", "f"), ("Victoria", "f"), ("Charlotte", "f"), ("Joséphine", "f"),
    ("Anne-Sophie", "f"), ("Marie-Christine", "f"), ("Zoé", "f"), ("Louise", "f"), ("Alice", "f"), ("Jeanne", "f"),
    ("Jean", "m"), ("Pierre", "m"), ("Michel", "m"), ("Philippe", "m"), ("Alain", "m"), ("Nicolas", "m"),
    ("Christophe", "m"), ("Patrick", "m"), ("Frédéric", "m"), ("Laurent", "m"), ("Stéphane", "m"), ("Sébastien", "m"),
    ("Olivier", "m"), ("Thierry", "m"), ("Éric", "m"), ("Julien", "m"), ("Guillaume", "m"), ("Thomas", "m"),
    ("Alexandre", "m"), ("Maxime", "m"), ("Antoine", "m"), ("Mathieu", "m"), ("François", "m"), ("Benoît", "m"),
    ("Jérôme", "m"), ("Raphaël", "m"), ("Emmanuel", "m"), ("Grégoire", "m"), ("Thibault", "m"), ("Lucas", "m"),
    ("Hugo", "m"), ("Louis", "m"), ("Gabriel", "m"), ("Arthur", "m"), ("Jules", "m"), ("Adam", "m"),
    ("Jean-Pierre", "m"), ("Jean-Baptiste", "m"), ("Jean-François", "m"), ("Jean-Luc", "m"), ("Robert", "m"),
    ("William", "m"), ("Richard", "m"), ("James", "m"), ("Michael", "m"), ("Charles", "m"), ("Anthony", "m"),
    ("Daniel", "m"), ("David", "m"), ("Bernard", "m"), ("Dominique", "m"), ("Pascal", "m"), ("Bruno", "m"),
]
NICKNAMES = {
    "Robert": ["Bob", "Rob"], "William": ["Bill", "Will"], "Richard": ["Rick"], "James": ["Jim", "Jimmy"],
    "Michael": ["Mike"], "Charles": ["Charlie"], "Anthony": ["Tony"], "Daniel": ["Dan", "Danny"], "David": ["Dave"],
    "Margaret": ["Maggie", "Peggy"], "Jennifer": ["Jenny"], "Katherine": ["Kate", "Kathy"], "Rebecca": ["Becky"],
    "Susan": ["Sue"], "Victoria": ["Vicky"], "Nicolas": ["Nico"], "Frédéric": ["Fred"], "Sébastien": ["Seb"],
    "Alexandre": ["Alex"], "Maxime": ["Max"], "Jean-Pierre": ["JP"], "Jean-Baptiste": ["JB"], "Emmanuel": ["Manu"],
    "Stéphanie": ["Steph"], "Valérie": ["Val"], "Véronique": ["Vero"], "Nathalie": ["Nath"], "Caroline": ["Caro"],
    "Isabelle": ["Isa"], "Catherine": ["Cathy"], "Christine": ["Titine"], "Guillaume": ["Guigui"],
    "Philippe": ["Phil"], "Thibault": ["Thib"], "Raphaël": ["Raph"], "Grégoire": ["Greg"], "Élisabeth": ["Babeth"],
}
LAST_NAMES = [
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent", "Simon",
    "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard", "Bonnet", "Dupont",
    "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefebvre", "Faure", "André", "Mercier", "Blanc",
    "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Perrin", "Robin",
    "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson", "Marchand", "Duval",
    "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier", "Brun", "Blanchard", "Giraud",
    "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud", "Martínez", "Gérard", "Roche",
    "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron", "Picard", "Roger", "Fabre", "Aubert",
    "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe", "Bourgeois", "Pierre", "Benoît", "Rey",
    "Leclerc", "Payet", "Rolland", "Leclercq", "Guillaume", "Lecomte", "Lopez", "Jean", "Dupuy", "Guillot",
    "Hubert", "Berger", "Carpentier", "Sánchez", "Dupuis", "Moulin", "Louis", "Deschamps", "Huet", "Vasseur",
    "Perez", "Boucher", "Fleury", "Royer", "Klein", "Jacquet", "Adam", "Paris", "Poirier", "Marty", "Aubry",
    "Guyot", "Carré", "Charles", "Renault", "Charpentier", "Ménard", "Maillard", "Baron", "Bertin", "Bailly",
    "Hervé", "Schneider", "Fernandez", "Le Gall", "Collet", "Léger", "Bouvier", "Julien", "Prévost", "Millet",
    "Perrot", "Daniel", "Le Roux", "Cousin", "Germain", "Breton", "Besson", "Langlois", "Rémy", "Le Goff",
    "Pelletier", "Lévêque", "Perrier", "Leblanc", "Barré", "Lebrun", "Marchal", "Weber", "Mallet", "Hamon",
    "Boulanger", "Jacob", "Monnier", "Michaud", "Rodriguez", "Guichard", "Gillet", "Étienne", "Grondin",
    "Poulain", "Tessier", "Chevallier", "Collin", "Chauvin", "Da Silva", "Bouchet", "Gay", "Lemaître",
    "Bénard", "Maréchal", "Humbert", "Reynaud", "Antoine", "Hoarau", "Perret", "Barthélemy", "Cordier",
    "Pichon", "Lejeune", "Gilbert", "Lamy", "Delaunay", "Pasquier", "Carlier", "Laporte", "Smith", "Johnson",
    "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "O'Brien", "McDonald",
]
SYLLABLES = ["ba", "ber", "lo", "mar", "ti", "gne", "vin", "ro", "cha", "du", "fon", "leb", "que", "sa", "rin",
             "tel", "mon", "ga", "zi", "pel", "cor", "nan", "vau", "det", "bou", "li", "ver", "chon", "ra", "mi"]
STREET_TYPES = [("rue", 0.5), ("avenue", 0.18), ("boulevard", 0.1), ("place", 0.05), ("chemin", 0.06),
                ("allée", 0.05), ("impasse", 0.04), ("route", 0.02)]
STREET_ABBR = {"rue": ["r.", "R"], "avenue": ["av.", "ave", "Av"], "boulevard": ["bd", "Bd.", "blvd"],
               "place": ["pl.", "Pl"], "chemin": ["ch.", "Chem."], "allée": ["all.", "allee"],
               "impasse": ["imp."], "route": ["rte"]}
STREET_NAMES = [
    "de la Paix", "Victor Hugo", "Jean Jaurès", "de la République", "Pasteur", "du Général de Gaulle",
    "des Lilas", "de l'Église", "du Moulin", "des Écoles", "Gambetta", "Voltaire", "de la Gare", "du Château",
    "Émile Zola", "Jules Ferry", "des Acacias", "du Stade", "Nationale", "de Verdun", "Carnot", "Foch",
    "de la Liberté", "Saint-Michel", "des Tilleuls", "du Commerce", "de Paris", "Anatole France",
    "Louis Pasteur", "des Roses", "du Port", "de Lyon", "Sainte-Anne", "des Peupliers", "du Marché",
    "Henri Barbusse", "Maréchal Leclerc", "des Fleurs", "de la Mairie", "Paul Bert", "du Parc", "Racine",
]
PLACES = [
    ("75011", "Paris"), ("75015", "Paris"), ("75018", "Paris"), ("69003", "Lyon"), ("69007", "Lyon"),
    ("13008", "Marseille"), ("13005", "Marseille"), ("31000", "Toulouse"), ("06000", "Nice"), ("44000", "Nantes"),
    ("67000", "Strasbourg"), ("34000", "Montpellier"), ("33000", "Bordeaux"), ("59000", "Lille"),
    ("35000", "Rennes"), ("51100", "Reims"), ("42000", "Saint-Étienne"), ("83000", "Toulon"), ("38000", "Grenoble"),
    ("21000", "Dijon"), ("49000", "Angers"), ("30000", "Nîmes"), ("63000", "Clermont-Ferrand"),
    ("01000", "Bourg-en-Bresse"), ("02100", "Saint-Quentin"), ("03100", "Montluçon"), ("97400", "Saint-Denis"),
    ("94100", "Saint-Maur-des-Fossés"), ("92100", "Boulogne-Billancourt"), ("93200", "Saint-Denis"),
    ("57000", "Metz"), ("45000", "Orléans"), ("76000", "Rouen"), ("14000", "Caen"), ("29200", "Brest"),
    ("37000", "Tours"), ("87000", "Limoges"), ("80000", "Amiens"), ("66000", "Perpignan"), ("25000", "Besançon"),
]
DOMAINS = [("gmail.com", 0.38), ("hotmail.fr", 0.14), ("orange.fr", 0.14), ("yahoo.fr", 0.1), ("free.fr", 0.1),
           ("outlook.com", 0.08), ("laposte.net", 0.06)]
SYSTEMS = ("crm", "eshop", "events")
JUNK_EMAILS = ["test@test.com", "noemail@noemail.com", "none@none.com", "a@a.com"]
JUNK_PHONES = ["0000000000", "-1", "0123456789", "1111111111"]


def _strip(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _ascii_lower(text: str) -> str:
    return "".join(c for c in _strip(text).lower() if c.isalnum())


def _typo(text: str, rng: np.random.Generator) -> str:
    if len(text) < 3:
        return text
    i = int(rng.integers(1, len(text) - 1))
    kind = int(rng.integers(4))
    if kind == 0:  # substitution
        return text[:i] + "eaiourtsnl"[int(rng.integers(10))] + text[i + 1:]
    if kind == 1:  # deletion
        return text[:i] + text[i + 1:]
    if kind == 2:  # doubling
        return text[:i] + text[i] + text[i:]
    return text[:i - 1] + text[i] + text[i - 1] + text[i + 1:]  # transposition


def _phone_format(mobile: str, rng: np.random.Generator) -> str:
    """mobile: 10 national digits ('0612345678')."""
    d = mobile
    k = int(rng.integers(6))
    if k == 0:
        return "+33 " + d[1] + " " + " ".join(d[i:i + 2] for i in range(2, 10, 2))
    if k == 1:
        return " ".join(d[i:i + 2] for i in range(0, 10, 2))
    if k == 2:
        return d
    if k == 3:
        return ".".join(d[i:i + 2] for i in range(0, 10, 2))
    if k == 4:
        return "0033" + d[1:]
    return "+33" + d[1:]


def _places() -> list[tuple[str, str]]:
    """PLACES plus deterministic generated communes (postcode, name)."""
    out = list(PLACES)
    rng = np.random.default_rng(12345)
    seen = {p for p, _ in out}
    while len(out) < 1000:
        dept = int(rng.integers(1, 96))
        code = f"{dept:02d}{int(rng.integers(0, 10))}{int(rng.integers(0, 10))}0"
        if code in seen:
            continue
        seen.add(code)
        k = int(rng.integers(2, 4))
        name = "".join(SYLLABLES[int(j)] for j in rng.integers(0, len(SYLLABLES), size=k)).capitalize()
        if rng.random() < 0.15:
            name = "Saint-" + name
        out.append((code, name))
    return out


def _people(n: int, rng: np.random.Generator) -> pd.DataFrame:
    fn_w = 1.0 / np.arange(1, len(FIRST_NAMES) + 1) ** 0.6
    ln_w = 1.0 / np.arange(1, len(LAST_NAMES) + 1) ** 0.7
    first_idx = rng.choice(len(FIRST_NAMES), size=n, p=fn_w / fn_w.sum())
    # half of the people get a rarer, generated surname (a realistic long tail)
    gen = rng.random(n) < 0.5
    last = np.array([LAST_NAMES[i] for i in rng.choice(len(LAST_NAMES), size=n, p=ln_w / ln_w.sum())], dtype=object)
    for i in np.flatnonzero(gen):
        k = int(rng.integers(2, 4))
        last[i] = "".join(SYLLABLES[int(j)] for j in rng.integers(0, len(SYLLABLES), size=k)).capitalize()
    start = dt.date(1940, 1, 1).toordinal()
    end = dt.date(2006, 12, 31).toordinal()
    birth = [dt.date.fromordinal(int(o)) for o in rng.integers(start, end, size=n)]
    # the named places plus generated communes: ~1,000 postcodes with a Zipf-like population
    places = _places()
    w = 1.0 / np.arange(1, len(places) + 1) ** 0.8
    place = rng.choice(len(places), size=n, p=w / w.sum())
    st_type = rng.choice(len(STREET_TYPES), size=n, p=[w for _, w in STREET_TYPES])
    people = pd.DataFrame({
        "person_id": np.arange(n),
        "first": [FIRST_NAMES[i][0] for i in first_idx],
        "gender": [FIRST_NAMES[i][1] for i in first_idx],
        "last": last,
        "birth": birth,
        "number": rng.integers(1, 250, size=n),
        "street_type": [STREET_TYPES[i][0] for i in st_type],
        "street_name": [STREET_NAMES[i] for i in rng.integers(0, len(STREET_NAMES), size=n)],
        "postcode": [places[i][0] for i in place],
        "city": [places[i][1] for i in place],
        "mobile": ["0" + str(int(rng.integers(6, 8))) + "".join(map(str, rng.integers(0, 10, size=8))) for _ in range(n)],
        "landline": [None] * n,
        "consent": rng.random(n) < 0.6,
        "unsub": rng.random(n) < 0.06,
    })
    # households: 15% of people live with another person (same address, last name, landline)
    hh = np.flatnonzero(rng.random(n) < 0.15)
    for i in hh:
        j = int(rng.integers(n))
        if j == i:
            continue
        for col in ("number", "street_type", "street_name", "postcode", "city"):
            people.at[i, col] = people.at[j, col]
        if rng.random() < 0.7:
            people.at[i, "last"] = people.at[j, "last"]
        line = people.at[j, "landline"] or "0" + str(int(rng.integers(1, 6))) + "".join(
            map(str, rng.integers(0, 10, size=8)))
        people.at[j, "landline"] = line
        people.at[i, "landline"] = line
    # e-mail: first.last / flast / first.lastNN at a domain
    domains = rng.choice(len(DOMAINS), size=n, p=[w for _, w in DOMAINS])
    style = rng.integers(0, 4, size=n)
    emails = []
    for k in range(n):
        f, la = _ascii_lower(people.at[k, "first"]), _ascii_lower(people.at[k, "last"])
        num = str(int(rng.integers(1, 99)))
        local = [f"{f}.{la}", f"{f[0]}{la}", f"{f}.{la}{num}", f"{la}.{f}{num}"][style[k]]
        emails.append(f"{local}@{DOMAINS[domains[k]][0]}")
    people["email"] = emails
    people["email2"] = [f"{_ascii_lower(f)}{_ascii_lower(la)}{int(rng.integers(1, 999))}@{DOMAINS[int(rng.integers(len(DOMAINS)))][0]}"
                        for f, la in zip(people["first"], people["last"], strict=True)]
    return people


def _email_variant(email: str, rng: np.random.Generator, mult: float) -> str:
    local, _, domain = email.partition("@")
    if domain == "gmail.com":
        if rng.random() < 0.25:
            domain = "googlemail.com"
        if rng.random() < 0.25 and "." in local:
            local = local.replace(".", "")
        elif rng.random() < 0.1:
            local = local + "+shop"
    if domain == "hotmail.fr" and rng.random() < 0.25:
        domain = "hotmail.com"
    if rng.random() < 0.004 * mult:
        local = _typo(local, rng)
    out = f"{local}@{domain}"
    if rng.random() < 0.1:
        out = out.capitalize() if rng.random() < 0.5 else out.upper()
    return out


def _record(p: pd.Series, system: str, dup: bool, rng: np.random.Generator, moved: dict) -> dict:
    mult = 2.0 if dup else 1.0
    first, last = p["first"], p["last"]
    if first in NICKNAMES and rng.random() < {"crm": 0.05, "eshop": 0.06, "events": 0.12}[system] * mult:
        first = NICKNAMES[first][int(rng.integers(len(NICKNAMES[first])))]
    if rng.random() < {"crm": 0.25, "eshop": 0.45, "events": 0.35}[system]:
        first, last = _strip(first), _strip(last)
    if rng.random() < {"crm": 0.02, "eshop": 0.01, "events": 0.03}[system] * mult:
        first = _typo(first, rng)
    if rng.random() < {"crm": 0.02, "eshop": 0.01, "events": 0.03}[system] * mult:
        last = _typo(last, rng)
    if rng.random() < {"crm": 0.015, "eshop": 0.005, "events": 0.0}[system] * mult:
        first, last = last, first
    rec = {"source_system": system, "first_name": None, "last_name": None, "full_name": None}
    if system == "events":
        r = rng.random()
        if r < 0.03 * mult:
            rec["full_name"] = f"{last} {first}"
        elif r < 0.28:
            rec["full_name"] = f"{last.upper()} {first}"
        elif r < 0.43:
            rec["full_name"] = f"{last}, {first}"
        else:
            rec["full_name"] = f"{first} {last}"
    else:
        if system == "crm" and rng.random() < 0.3:
            last = last.upper()
        if system == "eshop" and rng.random() < 0.08:
            first, last = first.lower(), last.lower()
        rec["first_name"], rec["last_name"] = first, last
    # e-mail
    miss = {"crm": 0.04 + 0.006 * max(0, 2024 - p["birth"].year - 45), "eshop": 0.0, "events": 0.03}[system]
    if rng.random() < miss:
        rec["email"] = None
    elif system == "eshop" and dup and rng.random() < 0.3:
        rec["email"] = p["email2"]
    else:
        rec["email"] = _email_variant(p["email"], rng, mult)
    # phone
    if rng.random() < {"crm": 0.2, "eshop": 0.45, "events": 0.08}[system]:
        rec["phone_raw"] = None
    else:
        line = p["landline"] if p["landline"] and system == "crm" and rng.random() < 0.5 else p["mobile"]
        rec["phone_raw"] = _phone_format(line, rng)
    rec["phone"] = ("+33" + _digits(rec["phone_raw"])[-9:]) if rec["phone_raw"] else None
    # address
    if system == "events" or rng.random() < {"crm": 0.08, "eshop": 0.12}[system]:
        rec["street"] = None
    else:
        addr = moved.get(p["person_id"]) if dup and p["person_id"] in moved else None
        if addr is None:
            st_type = p["street_type"]
            if rng.random() < 0.25:
                opts = STREET_ABBR[st_type]
                st_type = opts[int(rng.integers(len(opts)))]
            street = f"{p['number']} {st_type} {p['street_name']}"
            if rng.random() < 0.2 and system == "crm":
                street = street.upper()
            if rng.random() < 0.3:
                street = _strip(street)
            rec["street"], rec["postcode"], rec["city"] = street, p["postcode"], p["city"]
        else:
            rec["street"], rec["postcode"], rec["city"] = addr
    if rec.get("street") is None:
        rec["postcode"] = p["postcode"] if system != "events" or rng.random() < 0.88 else None
        rec["city"] = p["city"] if system != "events" else None
    if rec.get("postcode") and rng.random() < {"crm": 0.03, "eshop": 0.02, "events": 0.0}[system]:
        rec["postcode"] = None
    if rec.get("postcode") and system == "crm" and rec["postcode"].startswith("0") and rng.random() < 0.1:
        rec["postcode"] = rec["postcode"][1:]
    if rec.get("city") and "Saint" in rec["city"] and rng.random() < 0.3:
        rec["city"] = rec["city"].replace("Saint-", "St-").replace("Sainte-", "Ste-")
    # birth date
    if rng.random() < {"crm": 0.22, "eshop": 0.4, "events": 0.75}[system]:
        rec["birth_date"] = None
    else:
        b = p["birth"]
        if rng.random() < 0.005 * mult and b.day <= 12:
            b = dt.date(b.year, b.day, b.month)
        elif rng.random() < 0.005 * mult:
            b = b + dt.timedelta(days=int(rng.choice([-1, 1, 10, -10])))
        rec["birth_date"] = b
    rec["gender"] = None if rng.random() < 0.1 else p["gender"]
    rec["marketing_consent"] = (not p["consent"]) if rng.random() < 0.05 else bool(p["consent"])
    rec["unsubscribed"] = bool(p["unsub"]) and rng.random() < 0.7
    rec["country_code"] = "FR"
    rec["updated_at"] = pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(days=float(rng.uniform(0, 540)))
    rec["person_id"] = int(p["person_id"])
    return rec


def _digits(text: str | None) -> str:
    return "".join(c for c in (text or "") if c.isdigit())


def make_contacts(n_people: int = 10_000, seed: int = 42) -> pd.DataFrame:
    """Staged-like contacts with a ``person_id`` ground-truth column (drop it before resolving)."""
    rng = np.random.default_rng(seed)
    people = _people(n_people, rng)
    moved = {}
    places = _places()
    for pid in np.flatnonzero(rng.random(n_people) < 0.05):
        q = places[int(rng.integers(len(places)))]
        moved[int(pid)] = (f"{int(rng.integers(1, 250))} rue {STREET_NAMES[int(rng.integers(len(STREET_NAMES)))]}",
                           q[0], q[1])
    has = {"crm": rng.random(n_people) < 0.7, "eshop": rng.random(n_people) < 0.55,
           "events": rng.random(n_people) < 0.35}
    none = ~(has["crm"] | has["eshop"] | has["events"])
    has["crm"] |= none
    dup_rate = {"crm": 0.07, "eshop": 0.05, "events": 0.18}
    rows = []
    records = people.to_dict("records")
    for i, person in enumerate(records):
        p = pd.Series(person)
        for system in SYSTEMS:
            if not has[system][i]:
                continue
            rows.append(_record(p, system, False, rng, moved))
            n_dup = 0
            while n_dup < 2 and rng.random() < dup_rate[system]:
                rows.append(_record(p, system, True, rng, moved))
                n_dup += 1
    contacts = pd.DataFrame(rows)
    # junk identifiers and a company switchboard shared by many people
    n = len(contacts)
    junk = rng.random(n) < 0.005
    contacts.loc[junk, "email"] = rng.choice(JUNK_EMAILS, size=int(junk.sum()))
    junk_p = rng.random(n) < 0.004
    contacts.loc[junk_p, "phone_raw"] = rng.choice(JUNK_PHONES, size=int(junk_p.sum()))
    contacts.loc[junk_p, "phone"] = None
    events = np.flatnonzero((contacts["source_system"] == "events").to_numpy())
    if len(events):
        company = rng.choice(events, size=min(len(events), max(60, n // 200)), replace=False)
        contacts.loc[company, "phone_raw"] = "01 44 55 66 77"
        contacts.loc[company, "phone"] = "+33144556677"
    contacts = contacts.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    contacts["source_record_id"] = [f"{s[:2].upper()}{i:08d}" for i, s in enumerate(contacts["source_system"])]
    cols = ["source_system", "source_record_id", "first_name", "last_name", "full_name", "email", "phone",
            "phone_raw", "street", "postcode", "city", "country_code", "birth_date", "gender",
            "marketing_consent", "unsubscribed", "updated_at", "person_id"]
    return contacts[cols]
