"""Activation: platform-ready hashed identifiers, consent suppression, deterministic holdouts and
A/B statistics (issue #8). Plain functions; the dbt models and the `segmart export` /
`segmart experiment` commands only adapt them."""

from python_models.activation.ab_stats import ABResult, required_sample_per_arm, two_proportion_test
from python_models.activation.experiments import ALL_SEGMENTS, analyse_experiments
from python_models.activation.hashing import (
    google_phone,
    meta_phone,
    normalise_email,
    sha256_hex,
)
from python_models.activation.holdouts import assign_holdout, holdout_bucket

__all__ = [
    "ALL_SEGMENTS", "analyse_experiments", "ABResult", "required_sample_per_arm", "two_proportion_test", "google_phone", "meta_phone",
    "normalise_email", "sha256_hex", "assign_holdout", "holdout_bucket",
]
