"""Propensity benchmark: real-data AUC (bank marketing, online shoppers) and 1M-row training/scoring time.

    .venv/bin/python bench/propensity_bench.py                      # everything (≈ 10 min on 2 busy cores)
    .venv/bin/python bench/propensity_bench.py --only bank shoppers --seeds 42 7 2024   # the default seeds
    .venv/bin/python bench/propensity_bench.py --only synthetic --rows 1000000

Real datasets are read here with pandas (the bring-your-own mapping will replace this loader later);
the same ``PropensityTrainer`` code path is used for all of them. Each real dataset is split 80/20
(stratified, seed) into train and held-out test; the trainer further splits train into fit/validation.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent / "ml"))

from ml_results import machine_line, md_table, write_section  # noqa: E402

from python_models.propensity import PropensityTrainer, score_customers  # noqa: E402
from python_models.propensity.synthetic import make_propensity_data  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets"
TARGETS = {"bank": 0.80, "shoppers": 0.93}


def load_bank() -> tuple[pd.DataFrame, np.ndarray]:
    df = pd.read_csv(DATA / "bank_marketing" / "bank-full.csv", sep=";")
    y = (df.pop("y") == "yes").astype(int).to_numpy()
    return df.drop(columns="duration"), y  # duration is only known after the call: leaks the outcome


def load_shoppers() -> tuple[pd.DataFrame, np.ndarray]:
    df = pd.read_csv(DATA / "online_shoppers" / "online_shoppers_intention.csv")
    y = df.pop("Revenue").astype(str).str.upper().eq("TRUE").astype(int).to_numpy()
    for c in ("OperatingSystems", "Browser", "Region", "TrafficType"):  # integer-coded categories
        df[c] = df[c].astype(str)
    df["Weekend"] = df["Weekend"].astype(str).str.upper().eq("TRUE").astype(int)
    return df, y


def real_dataset(name: str, seeds: list[int]) -> tuple[str, list[dict]]:
    X, y = {"bank": load_bank, "shoppers": load_shoppers}[name]()
    rows, detail = [], ""
    for seed in seeds:
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, stratify=y, random_state=seed)
        t = time.perf_counter()
        model = PropensityTrainer(random_state=0).fit(Xtr, ytr, name=f"{name}_propensity")
        secs = time.perf_counter() - t
        m = model.evaluate(Xte, yte)
        print(f"[{name} seed={seed}] chosen={model.algorithm} test AUC={m['roc_auc']:.4f} "
              f"PR-AUC={m['pr_auc']:.4f} F1={m['f1']:.4f} Brier={m['brier']:.4f} train={secs:.0f}s")
        print("  " + model.choice_reason)
        rows.append({"dataset": name, "split_seed": seed, "rows": len(y), "positive_rate": round(y.mean(), 4),
                     "chosen": model.algorithm, "test_roc_auc": m["roc_auc"], "test_pr_auc": m["pr_auc"],
                     "test_f1": m["f1"], "test_brier": m["brier"], "threshold": m["threshold"],
                     "train_seconds": round(secs, 1), "target": TARGETS[name],
                     "passed": m["roc_auc"] >= TARGETS[name]})
        if not detail:
            c = model.tables["candidates"][["candidate", "complexity", "n_features", "cv_auc", "validation_auc",
                                            "validation_pr_auc", "search_seconds", "chosen"]]
            imp = model.tables["feature_importance"].head(6)[["feature", "importance", "method"]]
            cm = model.tables["test_confusion"]
            detail = (f"\n**{name}, split seed {seed}: candidates** (search on ≤30k training rows, 3-fold CV; "
                      f"validation = 20% of train)\n\n{md_table(c)}\n\nChoice: {model.choice_reason}\n\n"
                      f"Top features:\n\n{md_table(imp)}\n\nTest confusion matrix at threshold "
                      f"{m['threshold']:.3f}:\n\n{md_table(cm)}\n")
    return detail, rows


def synthetic(n: int) -> str:
    t = time.perf_counter()
    X, y = make_propensity_data(n, random_state=1)
    Xte, yte = make_propensity_data(200_000, random_state=2)
    print(f"[synthetic] generated {n:,} x {X.shape[1]} in {time.perf_counter() - t:.1f}s, positive rate {y.mean():.3f}")
    t = time.perf_counter()
    model = PropensityTrainer(random_state=0).fit(X, y, name="synthetic_propensity")
    train_s = time.perf_counter() - t
    auc = model.evaluate(Xte, yte)["roc_auc"]
    print(f"[synthetic] train {train_s:.1f}s {model.metrics['timings_seconds']} chosen={model.algorithm} "
          f"test AUC={auc:.4f}")
    t = time.perf_counter()
    scores = score_customers(model, X)
    score_s = time.perf_counter() - t
    t = time.perf_counter()
    score_customers(model, X, drivers=False)
    score_nodrv_s = time.perf_counter() - t
    t = time.perf_counter()
    occ = score_customers(model, X.head(100_000), driver_method="occlusion")
    occ_s = time.perf_counter() - t
    print(f"[synthetic] score {n:,}: {score_s:.1f}s with drivers ({scores['driver_method'].iloc[0]}), "
          f"{score_nodrv_s:.1f}s without; 100k with occlusion drivers {occ_s:.1f}s ({occ['driver_method'].iloc[0]})")
    c = model.tables["candidates"][["candidate", "n_search_rows", "cv_auc", "validation_auc", "search_seconds",
                                    "chosen"]]
    steps = pd.DataFrame([{"step": k, "seconds": v} for k, v in model.metrics["timings_seconds"].items()])
    return (
        f"\n### Training and scoring at {n:,} rows (synthetic, {X.shape[1]} columns)\n\n"
        f"`.venv/bin/python bench/propensity_bench.py --only synthetic --rows {n}`\n\n"
        f"| measure | value | target |\n|---|---|---|\n"
        f"| training with search (total) | {train_s:.0f} s | < 300 s |\n"
        f"| scoring {n:,} (probability, decile, 3 drivers) | {score_s:.1f} s | < 30 s |\n"
        f"| scoring {n:,} without drivers | {score_nodrv_s:.1f} s | |\n"
        f"| scoring 100,000 with per-row occlusion drivers | {occ_s:.1f} s | |\n"
        f"| held-out AUC (200k fresh rows) | {auc:.4f} | |\n\n"
        f"Chosen: {model.algorithm} — {model.choice_reason}\n\n{md_table(c)}\n\nTraining steps:\n\n"
        f"{md_table(steps)}\n\nSearch runs on a stratified 30k-row subsample (cost independent of n); the final "
        f"fit is on all {int(model.metrics['final_fit_rows']):,} training rows, O(n · features · rounds) for "
        f"gradient boosting (rounds capped at 2x what early stopping kept on the subsample). Scoring is O(n): "
        f"preprocessing + one predict; drivers for >200k rows use partial-dependence curves computed at "
        f"training time (interpolation, O(n · drivers)); per-row occlusion costs one extra predict per "
        f"driver feature, so it is used for smaller batches.\n"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", nargs="*", default=["bank", "shoppers", "synthetic"])
    ap.add_argument("--seeds", nargs="*", type=int, default=[42, 7, 2024])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args()
    parts, rows = [], []
    for name in ("bank", "shoppers"):
        if name in a.only:
            detail, r = real_dataset(name, a.seeds)
            parts.append(detail)
            rows += r
    if rows:
        res = pd.DataFrame(rows)
        summary = res.groupby("dataset").agg(
            splits=("test_roc_auc", "size"), mean_test_auc=("test_roc_auc", "mean"),
            min_test_auc=("test_roc_auc", "min"), max_test_auc=("test_roc_auc", "max"),
            splits_at_target=("passed", "sum"), target=("target", "first")).reset_index()
        cmd = (f"`.venv/bin/python bench/propensity_bench.py --only bank shoppers --seeds "
               f"{' '.join(map(str, a.seeds))}`")
        body = (f"## Propensity: real data, held-out test ROC AUC\n\n{machine_line()}\n\n{cmd}\n\n"
                f"Bank marketing without `duration`; online shoppers with integer-coded columns as categories. "
                f"Datasets read with pandas in the bench for now (to be replaced by the bring-your-own "
                f"mapping). Each split seed gives a different stratified 80/20 train/test split; the targets "
                f"equal the published reference values (bank 0.80, Moro et al. 2014; shoppers 0.93 for a plain "
                f"gradient-boosting baseline), so the split moves a result to either side of them.\n\n"
                f"{md_table(summary)}\n\n{md_table(res)}\n" + "".join(parts))
        print(summary.to_string())
        if not a.no_write:
            print("wrote", write_section("propensity-real", body))
    if "synthetic" in a.only:
        body = f"## Propensity: scale\n\n{machine_line()}\n" + synthetic(a.rows)
        if not a.no_write:
            print("wrote", write_section("propensity-scale", body))


if __name__ == "__main__":
    main()
