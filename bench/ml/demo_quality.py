"""Quality of the dbt-built segments and propensity scores on a demo lake, against its ground truth.

    .venv/bin/python bench/ml/demo_quality.py --db warehouse/segmart_build.duckdb --lake lake

Prints a markdown table: ARI of segments vs true personas, bootstrap stability, gates, and ROC AUC of
the propensity scores vs the generator's true purchases in the 30 days after the cutoff. Also the
ceiling of the persona figure: a supervised gradient-boosting classifier predicting the persona
from the same feature matrix (3-fold CV), which no unsupervised segmentation is expected to beat.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import adjusted_rand_score, roc_auc_score
from sklearn.model_selection import cross_val_predict


def truth(lake: str | Path, name: str) -> str:
    return f"read_csv('{Path(lake) / 'ground_truth' / name}', all_varchar=true)"


def customer_people(con: duckdb.DuckDBPyConnection, lake: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(customer_id -> the true person most of its contact records belong to, person_id -> persona)."""
    person = con.sql(f"""
        with votes as (
            select c.customer_id, r.person_id, count(*) as n
            from int_identity__contact_customers c
            join {truth(lake, 'contact_records.csv')} r using (source_system, source_record_id)
            group by 1, 2)
        select customer_id, arg_max(person_id, n) as person_id from votes group by 1""").df()
    persona = con.sql(f"select person_id, persona from {truth(lake, 'people.csv')}").df()
    return person, persona


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--lake", required=True)
    a = ap.parse_args()
    con = duckdb.connect(a.db, read_only=True)
    person, persona = customer_people(con, a.lake)
    future = con.sql(f"select person_id, purchased_30d::int as y from {truth(a.lake, 'future_summary.csv')}").df()

    seg = (con.sql("select customer_id, segment_id from segment_membership").df()
           .merge(person, on="customer_id").merge(persona, on="person_id").drop_duplicates("person_id"))
    run = con.sql("select * from segmentation_runs").df().iloc[0]
    rows = [("customers segmented", len(seg)), ("algorithm, k", f"{run['algorithm']}, {run['n_segments']}"),
            ("ARI segments vs true personas", round(adjusted_rand_score(seg["persona"], seg["segment_id"]), 3)),
            ("silhouette", round(run["silhouette"], 3)),
            ("mean bootstrap ARI", round(run["mean_bootstrap_ari"], 3)),
            ("mean bootstrap Jaccard", round(run["mean_bootstrap_jaccard"], 3)),
            ("min segment Jaccard", round(run["min_segment_jaccard"], 3)),
            ("segmentation gates passed", bool(run["gates_passed"]))]

    m = con.sql("select * from int_features__feature_matrix").df().merge(person, on="customer_id")
    m = m.merge(persona, on="person_id").drop_duplicates("person_id")
    X = m.drop(columns=["customer_id", "person_id", "persona"]).to_numpy()
    pred = cross_val_predict(HistGradientBoostingClassifier(max_iter=50, random_state=0), X, m["persona"], cv=3)
    rows.append(("ceiling: supervised persona classifier ARI (3-fold CV)",
                 round(adjusted_rand_score(m["persona"], pred), 3)))

    scores = con.sql("select customer_id, target, probability from propensity_scores").df()
    scores = scores.merge(person, on="customer_id").merge(future, on="person_id")
    for target, g in scores.groupby("target"):
        g = g.sort_values("probability", ascending=False).drop_duplicates("person_id")
        rows.append((f"{target} score ROC AUC vs true purchases in next 30 days",
                     round(roc_auc_score(g["y"], g["probability"]), 3)))
    ev = con.sql("select target, algorithm, roc_auc, pr_auc, f1, brier from propensity_evaluation").df()
    for r in ev.itertuples(index=False):
        rows.append((f"{r.target} validation ({r.algorithm}): ROC AUC / PR AUC / F1 / Brier",
                     f"{r.roc_auc:.3f} / {r.pr_auc:.3f} / {r.f1:.3f} / {r.brier:.3f}"))
    feats = con.sql("select * from customer_features").df().merge(person, on="customer_id").merge(future, on="person_id")
    feats = feats.drop_duplicates("person_id")
    rows.append(("baseline: order_count ROC AUC vs true purchases",
                 round(roc_auc_score(feats["y"], feats["order_count"].fillna(0)), 3)))
    gates = con.sql("select gate, passed from propensity_gates").fetchall()
    rows.append(("propensity gates passed", all(p for _, p in gates)))
    print("| figure | value |\n|---|---|")
    for k, v in rows:
        print(f"| {k} | {v} |")
    print()
    ct = pd.crosstab(seg["persona"], seg["segment_id"])
    print("| persona | " + " | ".join(f"segment {c}" for c in ct.columns) + " |")
    print("|---" * (len(ct.columns) + 1) + "|")
    for p, r in ct.iterrows():
        print(f"| {p} | " + " | ".join(str(v) for v in r) + " |")


if __name__ == "__main__":
    main()
