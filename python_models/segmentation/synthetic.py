"""Synthetic customers drawn from known personas, for tests and benchmarks (ground truth available).

Each persona shifts a latent Gaussian on some features; the latent values are mapped to realistic,
mixed scales (log-normal amounts, Poisson counts, rates in [0, 1], ages in years), a few pure-noise
columns are added, and a small share of values is blanked to exercise imputation. Categorical columns
(region, age band, preferred platform) depend on the persona, for profile naming.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# feature -> (kind, location, scale)
FEATURES: dict[str, tuple[str, float, float]] = {
    "monetary": ("lognormal", 6.0, 0.6),
    "frequency": ("count", 1.8, 0.5),
    "recency_days": ("lognormal", 3.5, 0.6),
    "tenure_days": ("lognormal", 6.0, 0.5),
    "avg_basket": ("lognormal", 3.5, 0.4),
    "category_breadth": ("count", 1.2, 0.4),
    "web_sessions": ("count", 2.0, 0.5),
    "avg_session_minutes": ("lognormal", 1.8, 0.4),
    "bounce_rate": ("rate", -1.0, 0.5),
    "pages_per_session": ("lognormal", 1.4, 0.3),
    "days_since_last_visit": ("lognormal", 2.5, 0.6),
    "email_open_rate": ("rate", -0.8, 0.6),
    "email_click_rate": ("rate", -2.2, 0.5),
    "campaign_conversion_rate": ("rate", -3.0, 0.5),
    "instagram_interactions": ("count", 0.8, 0.6),
    "facebook_interactions": ("count", 0.8, 0.6),
    "tiktok_interactions": ("count", 0.5, 0.6),
    "social_shares": ("count", 0.3, 0.5),
    "discount_share": ("rate", -1.5, 0.6),
    "returns_rate": ("rate", -2.5, 0.5),
    "app_sessions": ("count", 1.0, 0.6),
    "support_tickets": ("count", -0.5, 0.5),
    "age": ("normal", 42.0, 8.0),
    "loyalty_points": ("lognormal", 5.0, 0.8),
    "mobile_share": ("rate", 0.3, 0.6),
    "weekend_share": ("rate", -0.6, 0.5),
}
NOISE_FEATURES = ("noise_1", "noise_2", "noise_3", "noise_4")

# persona -> (size weight, latent shifts in SD units, categorical tendencies)
PERSONAS: dict[str, tuple[float, dict[str, float], dict[str, str]]] = {
    "high_value_loyalists": (0.22, {"monetary": 2.0, "frequency": 1.8, "tenure_days": 1.5, "loyalty_points": 2.0,
                                    "recency_days": -1.5, "avg_basket": 1.2, "age": 1.0},
                             {"region": "urban", "age_band": "45-54", "platform": "Facebook"}),
    "bargain_hunters": (0.20, {"discount_share": 2.2, "avg_basket": -1.5, "email_open_rate": 1.5,
                               "email_click_rate": 1.8, "campaign_conversion_rate": 1.8, "monetary": -0.8},
                        {"region": "suburban", "age_band": "35-44", "platform": "Facebook"}),
    "instagram_engagers": (0.18, {"instagram_interactions": 2.5, "tiktok_interactions": 1.8, "social_shares": 2.0,
                                  "mobile_share": 1.8, "age": -1.8, "app_sessions": 1.2},
                           {"region": "urban", "age_band": "25-34", "platform": "Instagram"}),
    "lapsed": (0.15, {"recency_days": 2.0, "days_since_last_visit": 2.0, "frequency": -1.5, "web_sessions": -1.5,
                      "email_open_rate": -1.5, "app_sessions": -1.2},
               {"region": "rural", "age_band": "55+", "platform": "none"}),
    "web_browsers": (0.14, {"web_sessions": 2.2, "avg_session_minutes": 1.8, "pages_per_session": 1.8,
                            "bounce_rate": -1.5, "category_breadth": 1.5, "tenure_days": -1.5},
                     {"region": "urban", "age_band": "35-44", "platform": "none"}),
    "support_heavy": (0.11, {"support_tickets": 2.5, "returns_rate": 2.2, "weekend_share": 1.5,
                             "facebook_interactions": 1.5, "monetary": 0.5},
                      {"region": "suburban", "age_band": "45-54", "platform": "Facebook"}),
}
CATEGORY_LEVELS = {
    "region": ["urban", "suburban", "rural"],
    "age_band": ["18-24", "25-34", "35-44", "45-54", "55+"],
    "platform": ["Instagram", "Facebook", "TikTok", "none"],
}


def make_personas(
    n: int,
    *,
    random_state: int = 0,
    missing_share: float = 0.03,
    category_purity: float = 0.7,
    shift_scale: float = 1.0,
    dtype=np.float64,
) -> tuple[pd.DataFrame, np.ndarray]:
    """(customers DataFrame with customer_id + 30 numeric + 3 categorical columns, persona index array)."""
    rng = np.random.default_rng(random_state)
    names = list(PERSONAS)
    w = np.array([PERSONAS[p][0] for p in names])
    truth = rng.choice(len(names), size=n, p=w / w.sum())
    feats = list(FEATURES)
    shift = np.zeros((len(names), len(feats)))
    for i, p in enumerate(names):
        for f, s in PERSONAS[p][1].items():
            shift[i, feats.index(f)] = s * shift_scale
    Z = rng.standard_normal((n, len(feats))) + shift[truth]
    cols: dict[str, np.ndarray] = {"customer_id": np.arange(1, n + 1)}
    for j, f in enumerate(feats):
        kind, loc, scale = FEATURES[f]
        z = Z[:, j]
        if kind == "lognormal":
            v = np.exp(loc + scale * z)
        elif kind == "count":
            v = rng.poisson(np.exp(loc + scale * z)).astype(float)
        elif kind == "rate":
            v = 1.0 / (1.0 + np.exp(-(loc + scale * 1.6 * z)))
        else:
            v = loc + scale * z
        cols[f] = v.astype(dtype)
    for f in NOISE_FEATURES:
        cols[f] = (rng.standard_normal(n) * rng.uniform(1, 100)).astype(dtype)
    df = pd.DataFrame(cols)
    for cat, levels in CATEGORY_LEVELS.items():
        favoured = np.array([levels.index(PERSONAS[p][2][cat]) for p in names])[truth]
        random_level = rng.integers(0, len(levels), n)
        pick = np.where(rng.random(n) < category_purity, favoured, random_level)
        df[cat] = np.asarray(levels, dtype=object)[pick]
    if missing_share > 0:
        for f in ("monetary", "email_open_rate", "age", "days_since_last_visit"):
            df.loc[rng.random(n) < missing_share, f] = np.nan
        df.loc[rng.random(n) < missing_share, "region"] = None
    return df, truth


def persona_preprocessing_config() -> dict:
    """Preprocessing config for :func:`make_personas`: log1p on amounts and counts, standard scaling."""
    numeric = {}
    for f, (kind, _, _) in FEATURES.items():
        numeric[f] = {"log1p": kind in ("lognormal", "count"), "indicator": False}
    for f in NOISE_FEATURES:
        numeric[f] = {"indicator": False}
    return {"numeric": numeric}


PERSONA_VOCABULARY = {
    "monetary": {"high": "high-value", "low": "low-spend"},
    "frequency": {"high": "frequent", "low": "infrequent"},
    "recency_days": {"high": "lapsed", "low": "recently active"},
    "days_since_last_visit": {"high": "long-absent", "low": "recently visiting"},
    "discount_share": {"high": "discount-driven", "low": "full-price"},
    "instagram_interactions": {"high": "social-heavy", "low": "social-quiet"},
    "support_tickets": {"high": "support-heavy", "low": "low-support"},
    "web_sessions": {"high": "web-heavy", "low": "web-light"},
    "platform": {"template": "{value} engagers", "values": {"none": "non-social"}},
    "region": {"template": "{value}"},
    "age_band": {"template": "{value}"},
}
