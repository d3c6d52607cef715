"""Golden records: one row per customer_id, built by survivorship rules, with lineage.

Each rule picks, per customer, one source record for a group of fields (e.g. street, postcode,
city and country come from the same record so an address is never stitched from two). Strategies:

* ``source_priority``: the record from the best-ranked source system (then the most recent);
* ``most_recent``: the most recently updated record with a value;
* ``most_frequent``: the value held by most records (compared after text folding), then recency.

Consent is not survived but combined, the most restrictive wins: unsubscribed if any record is
unsubscribed; marketing consent true only if some record says true and none says false (and the
person is not unsubscribed). The lineage table says which record won each field and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from python_models.identity.standardise import normalise_text

STRATEGIES = ("source_priority", "most_recent", "most_frequent")


@dataclass(frozen=True)
class FieldRule:
    name: str
    columns: tuple[str, ...]
    strategy: str = "most_recent"

    def __post_init__(self):
        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown survivorship strategy {self.strategy!r}; expected one of {STRATEGIES}")


DEFAULT_FIELD_RULES: tuple[FieldRule, ...] = (
    FieldRule("name", ("first_name", "last_name", "full_name"), "source_priority"),
    FieldRule("email", ("email",), "most_recent"),
    FieldRule("phone", ("phone",), "most_recent"),
    FieldRule("address", ("street", "postcode", "city", "country_code"), "most_recent"),
    FieldRule("birth_date", ("birth_date",), "most_frequent"),
    FieldRule("gender", ("gender",), "most_frequent"),
)


@dataclass
class SurvivorshipConfig:
    rules: Sequence[FieldRule] = DEFAULT_FIELD_RULES
    source_priority: Sequence[str] = field(default_factory=list)  # best first; others rank after


def _truthy(series: pd.Series) -> pd.Series:
    """Booleans from bool/0-1/'true'/'yes' values; None when unknown."""
    def conv(v):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return None
        if isinstance(v, bool | np.bool_):
            return bool(v)
        if isinstance(v, int | float | np.integer | np.floating):
            return bool(v)
        text = str(v).strip().lower()
        if text in {"true", "t", "yes", "y", "1", "oui", "o"}:
            return True
        if text in {"false", "f", "no", "n", "0", "non"}:
            return False
        return None
    return series.astype(object).map(conv)


def _fold_values(series: pd.Series) -> pd.Series:
    values = series.astype(object).where(series.notna(), None)
    codes, uniques = pd.factorize(values)
    folded = np.array([normalise_text(u) for u in uniques] + [None], dtype=object)
    return pd.Series(folded[codes], index=series.index, dtype=object)


def _present(series: pd.Series) -> pd.Series:
    present = series.notna()
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        present &= series.astype(str).str.strip() != ""
    return present


def _source_sets(frame: pd.DataFrame) -> pd.Series:
    """Per customer_id: its distinct source systems, sorted and '|'-joined (via bit masks, vectorised)."""
    codes, names = pd.factorize(frame["source_system"].astype(str), sort=True)
    if len(names) > 62:
        return frame.groupby("customer_id")["source_system"].agg(lambda s: "|".join(sorted(set(map(str, s)))))
    distinct = pd.DataFrame({"customer_id": frame["customer_id"].to_numpy(), "bit": np.left_shift(1, codes)})
    masks = distinct.drop_duplicates().groupby("customer_id", sort=True)["bit"].sum()
    labels = {m: "|".join(n for i, n in enumerate(names) if m >> i & 1) for m in masks.unique()}
    return masks.map(labels)


def build_golden_records(
    records: pd.DataFrame, config: SurvivorshipConfig | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(golden, lineage) from staged records carrying a ``customer_id``.

    golden: customer_id, n_records, source_systems, the survived columns, marketing_consent,
    unsubscribed, last_updated_at. lineage: customer_id, field, value, source_system,
    source_record_id, rule.
    """
    config = config or SurvivorshipConfig()
    used = {"customer_id", "source_system", "source_record_id", "updated_at", "marketing_consent", "unsubscribed"}
    used |= {c for rule in config.rules for c in rule.columns}
    frame = records[[c for c in records.columns if c in used]].reset_index(drop=True)
    frame["_row"] = np.arange(len(frame))
    if "updated_at" in frame:
        updated = pd.to_datetime(frame["updated_at"], errors="coerce", utc=True)
    else:
        updated = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    frame["_updated"] = updated
    stamp = updated.dt.tz_convert(None).to_numpy(dtype="datetime64[ns]").view("int64").astype(np.float64)
    stamp[updated.isna().to_numpy()] = np.nan
    frame["_recency"] = np.where(np.isnan(stamp), np.inf, -stamp)  # most recent first, unknown last
    frame["_key"] = frame["source_system"].astype(str) + ":" + frame["source_record_id"].astype(str)
    priority = {s: i for i, s in enumerate(config.source_priority)}
    frame["_priority"] = frame["source_system"].map(priority).fillna(len(priority)).astype(int)

    customers = frame.groupby("customer_id", sort=True)
    golden = pd.DataFrame({
        "n_records": customers.size(),
        "source_systems": _source_sets(frame),
        "last_updated_at": customers["_updated"].max(),
    })
    lineage_parts = []
    for rule in config.rules:
        cols = [c for c in rule.columns if c in frame.columns]
        if not cols:
            continue
        present = pd.concat([_present(frame[c]) for c in cols], axis=1)
        keep_cols = ["customer_id", "source_system", "source_record_id", "_row", "_recency", "_key", "_priority", *cols]
        cand = frame.loc[present.any(axis=1).to_numpy(), keep_cols]
        cand["_completeness"] = -present[present.any(axis=1)].sum(axis=1)
        if rule.strategy == "source_priority":
            order = ["_priority", "_completeness", "_recency", "_key"]
        elif rule.strategy == "most_recent":
            order = ["_recency", "_completeness", "_key"]
        else:
            folded = [_fold_values(cand[c]) for c in cols]
            cand["_value"] = pd.Series(list(zip(*folded, strict=True)), index=cand.index).map(repr)
            freq = cand.groupby(["customer_id", "_value"])["_row"].transform("size")
            cand["_freq"] = -freq
            order = ["_freq", "_recency", "_completeness", "_key"]
        winners = cand.sort_values(["customer_id", *order], kind="stable").drop_duplicates("customer_id")
        winners = winners.set_index("customer_id")
        for c in cols:
            golden[c] = winners[c].reindex(golden.index)
            lineage_parts.append(pd.DataFrame({
                "customer_id": winners.index,
                "field": c,
                "value": winners[c].astype(object).where(winners[c].notna(), None).map(
                    lambda v: None if v is None else str(v)).to_numpy(),
                "source_system": winners["source_system"].to_numpy(),
                "source_record_id": winners["source_record_id"].astype(str).to_numpy(),
                "rule": rule.strategy,
            }))

    # Consent: the most restrictive wins -----------------------------------------------------------
    unsub = _truthy(frame["unsubscribed"]) if "unsubscribed" in frame else pd.Series([None] * len(frame))
    consent = _truthy(frame["marketing_consent"]) if "marketing_consent" in frame else pd.Series([None] * len(frame))
    frame["_unsub"], frame["_consent"] = unsub.to_numpy(), consent.to_numpy()
    as_num = {True: 1.0, False: 0.0}
    frame["_unsub_n"] = frame["_unsub"].map(as_num).astype(float)
    frame["_consent_n"] = frame["_consent"].map(as_num).astype(float)
    by = frame.groupby("customer_id")
    unsub_max = by["_unsub_n"].max().reindex(golden.index)
    consent_min = by["_consent_n"].min().reindex(golden.index)
    consent_max = by["_consent_n"].max().reindex(golden.index)
    any_unsub = unsub_max == 1
    any_false = consent_min == 0
    any_true = consent_max == 1
    golden["unsubscribed"] = pd.Series(
        np.where(any_unsub, True, np.where(unsub_max.notna(), False, None)), index=golden.index, dtype=object)
    golden["marketing_consent"] = pd.Series(
        np.where(any_unsub | any_false, False, np.where(any_true, True, None)), index=golden.index, dtype=object)

    def deciding(mask: pd.Series, rule: str, field_name: str, values: pd.Series) -> pd.DataFrame:
        rows = frame.loc[mask.to_numpy(), ["customer_id", "source_system", "source_record_id", "_recency", "_key"]]
        rows = rows.sort_values(["customer_id", "_recency", "_key"], kind="stable")
        rows = rows.drop_duplicates("customer_id")
        return pd.DataFrame({
            "customer_id": rows["customer_id"].to_numpy(),
            "field": field_name,
            "value": rows["customer_id"].map(values).map(lambda v: None if v is None else str(v).lower()).to_numpy(),
            "source_system": rows["source_system"].to_numpy(),
            "source_record_id": rows["source_record_id"].astype(str).to_numpy(),
            "rule": rule,
        })

    is_unsub = frame["_unsub"].map(lambda v: v is True)
    is_false = frame["_consent"].map(lambda v: v is False)
    is_true = frame["_consent"].map(lambda v: v is True)
    known_unsub = frame["_unsub"].map(lambda v: v is not None)
    unsub_customers = frame["customer_id"].map(any_unsub)
    false_customers = frame["customer_id"].map(any_false)
    lineage_parts.append(deciding(is_unsub, "most_restrictive:any_unsubscribed", "unsubscribed",
                                  golden["unsubscribed"]))
    lineage_parts.append(deciding(known_unsub & ~unsub_customers, "most_restrictive:none_unsubscribed",
                                  "unsubscribed", golden["unsubscribed"]))
    lineage_parts.append(deciding(is_unsub, "most_restrictive:unsubscribed_revokes_consent",
                                  "marketing_consent", golden["marketing_consent"]))
    lineage_parts.append(deciding(is_false & ~unsub_customers, "most_restrictive:any_consent_false",
                                  "marketing_consent", golden["marketing_consent"]))
    lineage_parts.append(deciding(is_true & ~unsub_customers & ~false_customers,
                                  "most_restrictive:consent_true_and_no_false", "marketing_consent",
                                  golden["marketing_consent"]))

    golden = golden.reset_index()
    lineage = pd.concat(lineage_parts, ignore_index=True) if lineage_parts else pd.DataFrame(
        columns=["customer_id", "field", "value", "source_system", "source_record_id", "rule"])
    lineage = lineage.sort_values(["customer_id", "field"], kind="stable", ignore_index=True)
    return golden, lineage
