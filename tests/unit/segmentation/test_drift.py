"""PSI and far-customer share: quiet on a resample of the same population, loud on a shifted one."""

import numpy as np
import pandas as pd
import pytest

from python_models.segmentation.drift import (
    MISSING,
    ReferenceBins,
    detect_drift,
    drift_config,
    drift_features,
    psi,
    psi_table,
    psi_table_from_counts,
    replaced_counts,
)


def _population(n, rng, shift=0.0):
    return pd.DataFrame({
        "customer_id": [f"c{i}" for i in range(n)],
        "monetary_total": rng.lognormal(4 + shift, 0.5, n),
        "web_session_count": rng.poisson(5 + 10 * shift, n).astype("int64"),
        "preferred_device": rng.choice(["mobile", "desktop", "tablet"], n,
                                       p=[0.5 - 0.4 * shift, 0.4, 0.1 + 0.4 * shift]),
        "campaign_open_rate": np.where(rng.random(n) < 0.2, np.nan, rng.random(n)),
        "features_cutoff_at_utc": pd.Timestamp("2026-07-01"),
    })


def test_psi_of_known_shares():
    # hand-computed: (0.5-0.25)ln(0.5/0.25) + (0.5-0.75)ln(0.5/0.75)
    assert psi(np.array([25.0, 75.0]), np.array([50.0, 50.0])) == pytest.approx(0.25 * np.log(2) - 0.25 * np.log(2 / 3))
    assert psi(np.array([10.0, 10.0]), np.array([3.0, 3.0])) == 0.0


def test_same_population_does_not_drift():
    rng = np.random.default_rng(0)
    ref, cur = _population(5000, rng), _population(5000, rng)
    d_ref, d_cur = rng.gamma(2.0, 1.0, 5000), rng.gamma(2.0, 1.0, 5000)
    report = detect_drift(ref, cur, d_ref, d_cur)
    assert set(report.features["feature"]) == {"monetary_total", "web_session_count", "preferred_device",
                                               "campaign_open_rate"}
    assert (report.features["psi"] < 0.05).all()
    assert report.far_share < 0.02 and not report.full_resegmentation_due
    assert report.summary_rows()["passed"].all()


def test_shifted_population_drifts_and_far_customers_are_counted():
    rng = np.random.default_rng(1)
    ref, cur = _population(5000, rng), _population(5000, rng, shift=0.8)
    d_ref, d_cur = rng.gamma(2.0, 1.0, 5000), rng.gamma(2.0, 1.0, 5000) * 2.5
    report = detect_drift(ref, cur, d_ref, d_cur)
    drifted = set(report.features.loc[report.features["drifted"], "feature"])
    assert {"monetary_total", "web_session_count", "preferred_device"} <= drifted
    assert "campaign_open_rate" not in drifted
    assert report.far_share > 0.2 and report.full_resegmentation_due
    assert len(report.reasons) == 2 and not report.summary_rows()["passed"].any()


def test_missing_values_and_unseen_categories_count_as_change():
    ref = pd.DataFrame({"x": np.arange(1000.0), "c": ["a", "b"] * 500})
    cur = pd.DataFrame({"x": np.r_[np.arange(500.0), [np.nan] * 500], "c": ["a"] * 500 + ["new"] * 500})
    t = psi_table(ref, cur).set_index("feature")
    assert t.loc["x", "drifted"] and t.loc["c", "drifted"]


def test_config_is_checked():
    assert drift_config({"psi_threshold": 0.1})["psi_threshold"] == 0.1
    with pytest.raises(ValueError, match="unknown drift settings"):
        drift_config({"psi": 0.1})


def _replacements(rng, ref, n_replaced, n_new):
    """Shifted rows for some of ref's customers, plus new customers."""
    shifted = _population(n_replaced + n_new, rng, shift=0.5)
    shifted["customer_id"] = list(rng.choice(ref["customer_id"], n_replaced, replace=False)) + \
        [f"new{i}" for i in range(n_new)]
    shifted.loc[: n_replaced // 4, "preferred_device"] = None  # missing and
    shifted.loc[n_replaced // 4: n_replaced // 3, "preferred_device"] = "watch"  # unseen categories too
    return shifted


def _psi_by_definition(ref: pd.Series, cur: pd.Series) -> float:
    """The docstring's PSI, row by row: deciles of the reference plus a missing bin for numbers, the
    reference's categories as text plus one bin for anything else."""
    if pd.api.types.is_numeric_dtype(ref) and not pd.api.types.is_bool_dtype(ref):
        r, c = ref.to_numpy(dtype=float), cur.to_numpy(dtype=float)
        edges = np.unique(np.quantile(r[np.isfinite(r)], np.linspace(0, 1, 11)[1:-1]))
        keys_r = [int(np.searchsorted(edges, v, side="right")) if np.isfinite(v) else "missing" for v in r]
        keys_c = [int(np.searchsorted(edges, v, side="right")) if np.isfinite(v) else "missing" for v in c]
    else:
        keys_r = [MISSING if pd.isna(v) else str(v) for v in ref]
        keys_c = [k if k in set(keys_r) else "other" for k in (MISSING if pd.isna(v) else str(v) for v in cur)]
    bins = sorted(set(keys_r) | set(keys_c), key=str)
    p = np.array([keys_r.count(b) for b in bins], float)
    q = np.array([keys_c.count(b) for b in bins], float)
    return psi(p, q)


def test_counts_of_replaced_rows_equal_binning_the_whole_population():
    rng = np.random.default_rng(3)
    ref = _population(4000, rng)
    ref["preferred_device"] = ref["preferred_device"].astype("string[pyarrow]")  # as DuckDB hands them over
    ref["is_active"] = pd.array(rng.random(4000) < 0.3, dtype="boolean")
    # a category the reference itself leaves missing: missing keeps its own bin, apart from unseen values
    ref["platform"] = pd.array(rng.choice(["ig", "fb", None], 4000, p=[0.5, 0.3, 0.2]), dtype="string[pyarrow]")
    shifted = _replacements(rng, ref, 600, 150)
    shifted["is_active"] = pd.array([True] * len(shifted), dtype="boolean")
    shifted["platform"] = pd.array(rng.choice(["ig", "tiktok", None], len(shifted), p=[0.3, 0.4, 0.3]),
                                   dtype="string[pyarrow]")
    current = pd.concat([ref[~ref["customer_id"].isin(shifted["customer_id"])], shifted], ignore_index=True)
    features = drift_features(ref)
    bins = ReferenceBins.fit(ref, features, 10)
    positions = pd.Index(ref["customer_id"]).get_indexer(shifted["customer_id"])
    counts = replaced_counts(bins, bins.codes(ref)[positions[positions >= 0]], shifted)
    incremental = psi_table_from_counts(bins, counts, len(current))
    whole = psi_table(ref, current, features)
    pd.testing.assert_frame_equal(incremental, whole)
    for f in features:
        assert incremental.set_index("feature").loc[f, "psi"] == pytest.approx(_psi_by_definition(ref[f], current[f])), f
    moved = incremental.set_index("feature")["psi"]
    assert (moved.drop("campaign_open_rate") > 0.01).all()  # the replacement did move the shifted features
    # a value the reference never had (and a missing one, which it had none of) is counted as OTHER
    device = bins.codes(shifted)[:, features.index("preferred_device")]
    other = len(bins.categories["preferred_device"])
    assert MISSING not in bins.categories["preferred_device"] and MISSING in bins.categories["platform"]
    assert (device[shifted["preferred_device"].isna().to_numpy() | (shifted["preferred_device"] == "watch").to_numpy()]
            == other).all()
