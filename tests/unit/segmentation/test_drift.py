"""PSI and far-customer share: quiet on a resample of the same population, loud on a shifted one."""

import numpy as np
import pandas as pd
import pytest

from python_models.segmentation.drift import detect_drift, drift_config, psi, psi_table


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
