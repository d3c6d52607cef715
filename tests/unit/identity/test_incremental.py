"""New contact records get an id from an unambiguous identifier, else the id a one-record person gets."""

import pandas as pd

from python_models.identity.incremental import match_new_contacts
from python_models.identity.stable_ids import make_customer_id


def test_known_record_email_or_new_id():
    graph = pd.DataFrame({
        "identifier_type": ["contact_ref", "email", "email"],
        "identifier_value": ["eshop:1", "ann@x.org", "bob@x.org"],
        "customer_id": ["C1", "C1", "C2"],
    })
    records = pd.DataFrame({
        "source_system": ["eshop", "eshop", "crm", "crm"],
        "source_record_id": ["1", "2", "7", "8"],
        "email": ["whatever@x.org", " BOB@x.org ", None, "new@x.org"],
    })
    out = match_new_contacts(records, graph).set_index("source_record_id")
    assert out.loc["1", ["customer_id", "matched_by"]].tolist() == ["C1", "contact_ref"]
    assert out.loc["2", ["customer_id", "matched_by"]].tolist() == ["C2", "email"]
    assert out.loc["7", "customer_id"] == make_customer_id("crm:7") and out.loc["7", "matched_by"] == "new"
    assert out.loc["8", "customer_id"] == make_customer_id("crm:8")


def test_a_colliding_new_id_is_resalted_and_repeats_collapse():
    taken = make_customer_id("crm:9")
    graph = pd.DataFrame({"identifier_type": ["email"], "identifier_value": ["z@x.org"], "customer_id": [taken]})
    records = pd.DataFrame({"source_system": ["crm", "crm"], "source_record_id": ["9", "9"], "email": [None, None]})
    out = match_new_contacts(records, graph)
    assert len(out) == 1 and out["customer_id"].iloc[0] == make_customer_id("crm:9", 1)
    assert match_new_contacts(records.iloc[0:0], graph).empty
