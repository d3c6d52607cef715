"""Hashing, holdouts and A/B statistics of the activation package."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import chi2_contingency

from python_models.activation import (
    assign_holdout,
    google_phone,
    holdout_bucket,
    meta_phone,
    normalise_email,
    required_sample_per_arm,
    sha256_hex,
    two_proportion_test,
)


def test_email_digest_matches_the_platforms_published_example():
    assert sha256_hex(normalise_email("  Mary@Example.COM ")) == (
        "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79"
    )


@pytest.mark.parametrize("junk", ["", "   ", "mary", "mary@", "@example.com", "ma ry@example.com", None])
def test_unusable_emails_are_not_hashed(junk):
    assert normalise_email(junk) is None
    assert sha256_hex(normalise_email(junk)) is None


@pytest.mark.parametrize(
    ("phone", "meta", "google"),
    [
        ("+33612345678", "33612345678", "+33612345678"),
        ("0033 6 12 34 56 78", "33612345678", "+33612345678"),
        ("+1 (415) 555-0100", "14155550100", "+14155550100"),
        ("0612345678", None, None),  # no country code: not matchable, never guessed here
        ("not a phone", None, None),
    ],
)
def test_phone_normalisation_per_platform(phone, meta, google):
    assert meta_phone(phone) == meta
    assert google_phone(phone) == google
    if meta:
        assert sha256_hex(meta_phone(phone)) == hashlib.sha256(meta.encode()).hexdigest()


@given(st.text())
def test_normalisers_never_crash_and_output_is_normalised(text):
    email = normalise_email(text)
    assert email is None or (email == email.strip().lower() and "@" in email)
    phone = meta_phone(text)
    assert phone is None or (phone.isdigit() and not phone.startswith("0"))


def test_holdout_is_deterministic_salted_and_close_to_its_share():
    ids = [f"C{i:06d}" for i in range(20_000)]
    arms = assign_holdout(ids, "spring-sale", control_share=0.2)
    assert arms == assign_holdout(list(reversed(ids))[::-1], "spring-sale", control_share=0.2)
    share = arms.count("control") / len(arms)
    assert 0.19 < share < 0.21
    other = assign_holdout(ids, "autumn-sale", control_share=0.2)
    assert sum(a != b for a, b in zip(arms, other, strict=True)) > 0.2 * len(ids)  # independent per experiment
    resalted = assign_holdout(ids, "spring-sale", control_share=0.2, salt="other")
    assert resalted != arms
    assert all(0 <= holdout_bucket(i, "x") < 1 for i in ids[:100])
    with pytest.raises(ValueError, match="control_share"):
        assign_holdout(ids, "x", control_share=1.0)


def test_z_test_agrees_with_scipys_chi_square():
    r = two_proportion_test(130, 2000, 95, 2000)
    chi2, p, _, _ = chi2_contingency([[130, 1870], [95, 1905]], correction=False)
    assert r.z**2 == pytest.approx(chi2, rel=1e-9)
    assert r.p_value == pytest.approx(p, rel=1e-9)
    assert r.absolute_lift == pytest.approx(130 / 2000 - 95 / 2000)
    assert r.relative_lift == pytest.approx((130 / 2000) / (95 / 2000) - 1)
    assert r.absolute_lift_ci_low < r.absolute_lift < r.absolute_lift_ci_high
    assert r.relative_lift_ci_low < r.relative_lift < r.relative_lift_ci_high


def test_relative_lift_interval_covers_the_truth_about_95_percent_of_the_time():
    rng = np.random.default_rng(3)
    base, uplift, n = 0.05, 0.3, 4000
    covered = 0
    trials = 1500
    for _ in range(trials):
        xt = rng.binomial(n, base * (1 + uplift))
        xc = rng.binomial(n, base)
        r = two_proportion_test(xt, n, xc, n)
        covered += r.relative_lift_ci_low <= uplift <= r.relative_lift_ci_high
    assert 0.93 <= covered / trials <= 0.97


def test_power_and_required_sample():
    need = required_sample_per_arm(0.05, 0.2)
    assert 7000 < need < 9000  # textbook figure for 5% -> 6% at 80% power is ~8,150 per arm
    small = two_proportion_test(6, 100, 5, 100)
    assert not small.is_sample_sufficient and small.required_per_arm == required_sample_per_arm(0.05, 0.2)
    big = two_proportion_test(600, 10_000, 500, 10_000)
    assert big.is_sample_sufficient and big.power_at_observed > small.power_at_observed


def test_degenerate_arms_give_reasons_not_crashes():
    assert "no exposures" in two_proportion_test(0, 0, 3, 10).note
    zero = two_proportion_test(0, 100, 0, 100)
    assert zero.relative_lift is None and "undefined" in zero.note
    with pytest.raises(ValueError, match="between 0 and exposures"):
        two_proportion_test(11, 10, 0, 10)
