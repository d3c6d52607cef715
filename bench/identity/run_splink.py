"""Splink side of the identity bench. Runs in its own virtualenv (Splink is a bench-only dependency):

    python bench/identity/run_splink.py INPUT.parquet OUT_DIR [--threshold 0.85] [--u-max-pairs 1e6]

INPUT has the staged contact columns plus ``rid`` (0..n-1). The same light preparation that
Splink's documentation asks for ("input data should be standardized ... lowercased, punctuation
cleaned up") is applied: lower case, trimmed, accents kept, e-mail lowercased, phone as digits,
a ``full_name`` built from first + last name where a source has only those. Only comparisons on
columns that hold values are used. Training follows Splink's documented unsupervised recipe:
``estimate_probability_two_random_records_match`` on deterministic rules (recall 0.7),
``estimate_u_using_random_sampling``, then ``estimate_parameters_using_expectation_maximisation``
on several blocking rules. Writes OUT_DIR/pairs.parquet (rid_l, rid_r, match_probability),
OUT_DIR/clusters.parquet (rid, cluster_id) and OUT_DIR/run.json (timings, peak RSS).
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import time
from pathlib import Path

import pandas as pd


def _clean_text(series: pd.Series) -> pd.Series:
    out = series.astype("string").str.lower().str.replace(r"[^\w@.+ ]+", " ", regex=True)
    out = out.str.replace(r"\s+", " ", regex=True).str.strip()
    return out.where(out.notna() & (out != ""), None)


def prepare(contacts: pd.DataFrame) -> pd.DataFrame:
    df = pd.DataFrame({"unique_id": contacts["rid"].astype("int64")})
    for col in ("first_name", "last_name", "full_name", "street", "city"):
        df[col] = _clean_text(contacts[col]) if col in contacts else None
    composed = (df["first_name"].fillna("") + " " + df["last_name"].fillna("")).str.strip()
    df["full_name"] = df["full_name"].where(df["full_name"].notna(), composed.where(composed != "", None))
    email = contacts["email"].astype("string").str.strip().str.lower() if "email" in contacts else None
    df["email"] = email.where(email.notna() & (email != ""), None) if email is not None else None
    phone = contacts["phone"] if "phone" in contacts else pd.Series([None] * len(contacts))
    raw = contacts["phone_raw"] if "phone_raw" in contacts else pd.Series([None] * len(contacts))
    phone = phone.astype("string").where(phone.notna(), raw.astype("string"))
    phone = phone.str.replace(r"\.0$", "", regex=True).str.replace(r"[^0-9+]", "", regex=True)
    df["phone"] = phone.where(phone.notna() & (phone != ""), None)
    pc = contacts["postcode"].astype("string").str.replace(r"\.0$", "", regex=True) if "postcode" in contacts else None
    df["postcode"] = _clean_text(pc) if pc is not None else None
    if "birth_date" in contacts:
        bd = pd.to_datetime(contacts["birth_date"], errors="coerce")
        df["birth_date"] = bd.dt.strftime("%Y-%m-%d").where(bd.notna(), None)
        df["birth_year"] = bd.dt.year.astype("Int64").astype("string").where(bd.notna(), None)
    else:
        df["birth_date"], df["birth_year"] = None, None
    df["gender"] = _clean_text(contacts["gender"]) if "gender" in contacts else None
    for col in df.columns:
        if col != "unique_id":
            df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df


def run(contacts: pd.DataFrame, threshold: float, u_max_pairs: float) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    timings = {}
    t0 = time.perf_counter()
    df = prepare(contacts)
    has = {c: bool(df[c].notna().any()) for c in df.columns}
    persons = has["first_name"] and has["last_name"]
    comparisons = []
    if persons:
        comparisons += [cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
                        cl.NameComparison("last_name").configure(term_frequency_adjustments=True)]
    else:
        comparisons += [cl.NameComparison("full_name").configure(term_frequency_adjustments=True)]
    if has["email"]:
        comparisons.append(cl.EmailComparison("email"))
    if has["phone"]:
        comparisons.append(cl.LevenshteinAtThresholds("phone", [1, 2]))
    if has["birth_date"]:
        comparisons.append(cl.DateOfBirthComparison("birth_date", input_is_string=True))
    if has["street"]:
        comparisons.append(cl.JaroWinklerAtThresholds("street", [0.95, 0.88]).configure(term_frequency_adjustments=True))
    if has["postcode"]:
        comparisons.append(cl.ExactMatch("postcode").configure(term_frequency_adjustments=True))
    if has["city"]:
        comparisons.append(cl.ExactMatch("city").configure(term_frequency_adjustments=True))
    if has["gender"]:
        comparisons.append(cl.ExactMatch("gender"))

    # Blocking rules equivalent to ours (same keys, on Splink's lightly cleaned columns).
    rules = []
    if has["email"]:
        rules.append(block_on("email"))
    if has["phone"]:
        rules.append(block_on("phone"))
    if persons and has["birth_year"]:
        rules.append(block_on("last_name", "birth_year"))
        rules.append(block_on("first_name", "birth_date"))
    if persons:
        rules.append(block_on("first_name", "last_name"))
    if has["postcode"]:
        rules.append(block_on("substr(full_name, 1, 4)", "postcode"))
    if has["street"]:
        rules.append(block_on("street"))
    rules.append(block_on("full_name"))

    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=rules,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    db_api = DuckDBAPI()
    sdf = db_api.register(df)
    linker = Linker(sdf, settings, log_level=logging.WARNING)
    timings["setup"] = time.perf_counter() - t0

    t = time.perf_counter()
    deterministic = []
    if persons:
        deterministic.append(block_on("first_name", "last_name", "birth_date") if has["birth_date"]
                             else block_on("first_name", "last_name"))
    if has["email"]:
        deterministic.append(block_on("email"))
    if not persons:
        deterministic.append(block_on("full_name", "street") if has["street"] else block_on("full_name"))
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=1)
    em_rules = []
    if persons:
        em_rules.append(block_on("first_name", "last_name"))
        if has["birth_date"]:
            em_rules.append(block_on("birth_date"))
        if has["email"]:
            em_rules.append(block_on("email"))
    else:
        em_rules.append(block_on("full_name"))
        if has["street"]:
            em_rules.append(block_on("street"))
        if has["phone"]:
            em_rules.append(block_on("phone"))
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(rule, estimate_without_term_frequencies=True)
    timings["train"] = time.perf_counter() - t

    t = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    pairs = predictions.as_pandas_dataframe()[["unique_id_l", "unique_id_r", "match_probability"]]
    timings["predict"] = time.perf_counter() - t
    t = time.perf_counter()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
    clusters = clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]
    timings["cluster"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    pairs = pairs.rename(columns={"unique_id_l": "rid_l", "unique_id_r": "rid_r"})
    lo = pairs[["rid_l", "rid_r"]].min(axis=1)
    hi = pairs[["rid_l", "rid_r"]].max(axis=1)
    pairs = pairs.assign(rid_l=lo, rid_r=hi)
    clusters = clusters.rename(columns={"unique_id": "rid"})
    return pairs, clusters, timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input")
    parser.add_argument("out_dir")
    parser.add_argument("--threshold", type=float, default=0.85)
    parser.add_argument("--u-max-pairs", type=float, default=1e6)
    args = parser.parse_args(argv)
    import splink

    contacts = pd.read_parquet(args.input)
    pairs, clusters, timings = run(contacts, args.threshold, args.u_max_pairs)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pairs.to_parquet(out / "pairs.parquet", index=False)
    clusters.to_parquet(out / "clusters.parquet", index=False)
    info = {
        "system": f"splink {splink.__version__}",
        "timings": timings,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    (out / "run.json").write_text(json.dumps(info, indent=2))
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
