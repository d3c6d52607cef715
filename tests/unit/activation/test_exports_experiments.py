"""Audience files and per-segment A/B analysis, on hand-made inputs."""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pytest

from python_models.activation import (
    analyse_experiments,
    google_phone,
    meta_phone,
    normalise_email,
    sha256_hex,
)
from python_models.activation.exports import RawPIIError, write_audience_exports


def _audience(n_a: int, n_b: int) -> pd.DataFrame:
    rows = []
    for seg_id, name, n in ((1, "Loyal buyers", n_a), (2, "Window shoppers", n_b)):
        for i in range(n):
            email = f"person{seg_id}_{i}@example.com"
            phone = f"+3361234{seg_id}{i:03d}"
            suppressed = "no marketing consent" if i % 10 == 0 else None
            rows.append({
                "customer_id": f"C{seg_id}{i:04d}", "segment_id": seg_id, "segment_name": name,
                "email_sha256": sha256_hex(normalise_email(email)),
                "phone_meta_sha256": sha256_hex(meta_phone(phone)),
                "phone_google_sha256": sha256_hex(google_phone(phone)),
                "country": "FR", "postcode": "75001",
                "suppression_reason": suppressed, "is_exportable": suppressed is None,
            })
    return pd.DataFrame(rows)


def test_exports_per_platform_hold_back_small_segments_and_skip_suppressed(tmp_path):
    audience = _audience(200, 50)
    result = write_audience_exports(audience, tmp_path, "v1", min_segment_size=100)
    by_name = {r.segment_name: r for r in result}
    loyal, window = by_name["Loyal buyers"], by_name["Window shoppers"]
    assert loyal.status == "exported" and loyal.exportable == 180
    assert window.status == "held_back" and "45 exportable members < minimum 100" in window.reason
    with (tmp_path / "v1" / loyal.files["meta"]).open() as fh:
        meta = list(csv.DictReader(fh))
    with (tmp_path / "v1" / loyal.files["google"]).open() as fh:
        google = list(csv.DictReader(fh))
    assert len(meta) == len(google) == 180
    assert list(meta[0]) == ["email", "phone", "country", "zip"]
    assert list(google[0]) == ["Email", "Phone", "Country", "Zip"]
    suppressed = set(audience.loc[~audience["is_exportable"], "email_sha256"])
    assert not suppressed & {r["email"] for r in meta}
    # the platforms' phone normalisations differ, so their digests must too
    assert {r["phone"] for r in meta}.isdisjoint({r["Phone"] for r in google})
    manifest = json.loads((tmp_path / "v1" / "manifest.json").read_text())
    assert {s["segment_name"]: s["status"] for s in manifest["segments"]} == {
        "Loyal buyers": "exported", "Window shoppers": "held_back"}
    assert not (tmp_path / "v1" / "meta" / "segment_2_window_shoppers.csv").exists()


def test_a_raw_identifier_stops_the_export(tmp_path):
    audience = _audience(120, 0)
    audience.loc[3, "email_sha256"] = "person1_3@example.com"  # a raw e-mail slipped in
    with pytest.raises(RawPIIError, match="email"):
        write_audience_exports(audience, tmp_path, "v1", min_segment_size=10)
    assert not list(tmp_path.rglob("*.csv"))


def test_experiment_analysis_per_segment_and_overall():
    rng = np.random.default_rng(0)
    frames = []
    for seg, base, uplift in (("A", 0.05, 1.0), ("B", 0.05, 0.0)):
        for arm, rate in (("treatment", base * (1 + uplift)), ("control", base)):
            frames.append(pd.DataFrame({"campaign_id": "CMP1", "segment": seg, "variant": arm,
                                        "is_converted": rng.random(20_000) < rate}))
    out = analyse_experiments(pd.concat(frames)).set_index("segment")
    assert list(out.index) == ["all", "A", "B"]
    assert out.loc["all", "exposures_test"] == 40_000
    a, b = out.loc["A"], out.loc["B"]
    assert a.relative_lift_ci_low <= 1.0 <= a.relative_lift_ci_high and a.is_significant
    assert b.relative_lift_ci_low <= 0.0 <= b.relative_lift_ci_high
    assert out.loc["all", "conversions_test"] == a.conversions_test + b.conversions_test


def test_experiment_analysis_rejects_unknown_arms():
    frame = pd.DataFrame({"campaign_id": ["c"], "segment": ["s"], "variant": ["B"], "is_converted": [True]})
    with pytest.raises(ValueError, match="variants other than"):
        analyse_experiments(frame)


def test_no_analysable_recipient_gives_an_empty_typed_table():
    empty = pd.DataFrame({"campaign_id": pd.Series(dtype="string"), "segment": pd.Series(dtype="string"),
                          "variant": pd.Series(dtype="string"), "is_converted": pd.Series(dtype="bool")})
    out = analyse_experiments(empty)
    assert out.empty and {"campaign_id", "segment", "relative_lift", "p_value", "is_significant"} <= set(out.columns)


def _campaign_results(rng, segment_of, uplift_of, n_campaigns=20, n=6000, base=0.06):
    """experiment_results-shaped rows for people whose true uplift depends on their group."""
    groups = np.arange(n) % 4
    rows = []
    for c in range(n_campaigns):
        treated = rng.random(n) < 0.5
        rate = base * (1 + treated * uplift_of[groups])
        converted = rng.random(n) < rate
        frame = pd.DataFrame({"campaign_id": f"C{c}", "segment": segment_of(groups, rng).astype(str),
                              "variant": np.where(treated, "treatment", "control"), "is_converted": converted})
        rows.append(analyse_experiments(frame).rename(columns={"segment": "segment_name"}))
    return pd.concat(rows, ignore_index=True)


def test_a_segmentation_aligned_with_response_beats_a_random_one():
    from python_models.activation.compare import compare_segmentations

    rng = np.random.default_rng(5)
    uplift = np.array([0.0, 0.2, 0.8, 1.5])
    aligned = _campaign_results(rng, lambda g, r: g, uplift)
    shuffled = _campaign_results(rng, lambda g, r: r.integers(0, 4, len(g)), uplift)
    table = compare_segmentations(aligned, shuffled, "aligned", "random").set_index("segmentation")
    assert table.loc["aligned", "share_heterogeneous"] > 0.5
    assert table.loc["random", "share_heterogeneous"] < 0.25
    assert table.loc["aligned", "mean_i_squared"] > table.loc["random", "mean_i_squared"]
