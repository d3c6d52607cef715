"""New contact records between two identity runs: an id now, without re-matching everyone.

A micro-batch cannot afford the full Fellegi-Sunter run, but a new record can often be placed with
certainty by an identifier the identity graph already links to exactly one person: its own
record key (a re-delivered or updated record) or its normalised e-mail. Otherwise it gets the id a
person made of this one record gets in a full run (``make_customer_id`` of its record key), so the
id stays the same when the daily identity run confirms it as a new person. The daily run remains
the judge: fuzzy matches (typos, nicknames, moved addresses) are only found there.
"""

from __future__ import annotations

import pandas as pd

from python_models.identity.stable_ids import make_customer_id, record_key

COLUMNS = ["source_system", "source_record_id", "customer_id", "matched_by"]


def match_new_contacts(records: pd.DataFrame, graph: pd.DataFrame) -> pd.DataFrame:
    """records: source_system, source_record_id, email. graph: identifier_type, identifier_value,
    customer_id (int_identity__identifier_customers). One row per distinct record key:
    source_system, source_record_id, customer_id, matched_by ('contact_ref', 'email' or 'new')."""
    if records.empty:
        return pd.DataFrame(columns=COLUMNS)
    recs = records.drop_duplicates(["source_system", "source_record_id"], keep="last").reset_index(drop=True)
    keys = [record_key(s, r) for s, r in zip(recs["source_system"], recs["source_record_id"], strict=True)]
    by_type = {t: dict(zip(g["identifier_value"], g["customer_id"], strict=True))
               for t, g in graph.groupby("identifier_type")}
    refs, emails = by_type.get("contact_ref", {}), by_type.get("email", {})
    taken = set(graph["customer_id"])
    out = []
    for key, (_, row) in zip(keys, recs.iterrows(), strict=True):
        email = str(row.get("email") or "").strip().lower()
        if key in refs:
            cid, how = refs[key], "contact_ref"
        elif email and email in emails:
            cid, how = emails[email], "email"
        else:
            salt, cid = 0, make_customer_id(key)
            while cid in taken:  # the full run re-salts on collision the same way
                salt += 1
                cid = make_customer_id(key, salt)
            how = "new"
            taken.add(cid)
        out.append({"source_system": row["source_system"], "source_record_id": str(row["source_record_id"]),
                     "customer_id": cid, "matched_by": how})
    return pd.DataFrame(out, columns=COLUMNS)
