"""Fellegi-Sunter EM recovers m/u/lambda without labels; the classifier path uses labels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from python_models.identity.fellegi_sunter import ClassifierScorer, FellegiSunterModel

TRUE_M = [np.array([0.85, 0.10, 0.05]), np.array([0.90, 0.10]), np.array([0.80, 0.15, 0.05]), np.array([0.7, 0.3])]
TRUE_U = [np.array([0.02, 0.08, 0.90]), np.array([0.05, 0.95]), np.array([0.01, 0.09, 0.90]), np.array([0.5, 0.5])]
NAMES = ["name", "email", "dob", "gender"]


def simulate(n: int, lam: float, seed: int = 0, null_rate: float = 0.1) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    is_match = rng.random(n) < lam
    cols = {}
    for name, m, u in zip(NAMES, TRUE_M, TRUE_U, strict=True):
        levels = np.where(is_match, rng.choice(len(m), size=n, p=m), rng.choice(len(u), size=n, p=u))
        levels[rng.random(n) < null_rate] = -1
        cols[name] = levels.astype(np.int8)
    return pd.DataFrame(cols), is_match


def test_em_recovers_m_u_and_lambda_on_synthetic_vectors():
    levels, is_match = simulate(60_000, lam=0.2, seed=1)
    random_levels, _ = simulate(40_000, lam=0.0, seed=2)
    model = FellegiSunterModel(comparisons=NAMES, n_levels={n: len(m) for n, m in zip(NAMES, TRUE_M, strict=True)})
    model.fit(levels, u_levels=random_levels)
    assert model.trace_.converged
    assert abs(model.lambda_ - 0.2) < 0.01
    for k in range(len(NAMES)):
        np.testing.assert_allclose(model.m_[k], TRUE_M[k], atol=0.02)
        np.testing.assert_allclose(model.u_[k], TRUE_U[k], atol=0.02)
    # log-likelihood never decreases
    ll = np.array(model.trace_.log_likelihood)
    assert (np.diff(ll) > -1e-6 * np.abs(ll[:-1])).all()
    proba = model.predict_proba(levels)[:, 1]
    predicted = proba >= 0.85
    assert (predicted & is_match).sum() / predicted.sum() > 0.95
    assert (predicted & is_match).sum() / is_match.sum() > 0.85
    params = model.parameters_frame({"name": ["exact", "close", "else"]})
    assert set(params.columns) >= {"comparison", "level", "label", "m", "u", "match_weight"}
    assert params.loc[(params.comparison == "name") & (params.level == 0), "label"].item() == "exact"


def test_em_with_fixed_u_and_training_sessions():
    levels, is_match = simulate(30_000, lam=0.3, seed=3, null_rate=0.0)
    random_levels, _ = simulate(30_000, lam=0.0, seed=4)
    n_levels = {n: len(m) for n, m in zip(NAMES, TRUE_M, strict=True)}
    # sessions: pairs blocked on exact e-mail (email excluded), then on exact dob (dob excluded)
    sessions = [(levels["email"].to_numpy() == 0, ["email"]), (levels["dob"].to_numpy() == 0, ["dob"])]
    n_total = 10 * len(levels)
    model = FellegiSunterModel(comparisons=NAMES, n_levels=n_levels)
    model.fit(levels, u_levels=random_levels, sessions=sessions, n_total_pairs=n_total)
    np.testing.assert_allclose(model.m_[0], TRUE_M[0], atol=0.03)  # name: estimated in both sessions
    np.testing.assert_allclose(model.u_[0], TRUE_U[0], atol=0.01)  # u from random pairs, fixed
    assert len(model.sessions_) == 2 and model.sessions_[0]["excluded"] == ["email"]
    # lambda is a prior over all n_total pairs: about the matches found / n_total
    assert abs(model.lambda_ * n_total - is_match.sum()) / is_match.sum() < 0.1


def test_term_frequency_adjustment_rewards_rare_values():
    levels, _ = simulate(5_000, lam=0.3, seed=5)
    model = FellegiSunterModel(comparisons=NAMES, tf_columns={"name": "tf_name"}).fit(levels)
    pair = pd.DataFrame({"name": [0, 0], "email": [-1, -1], "dob": [-1, -1], "gender": [-1, -1],
                         "tf_name": [0.0001, 0.05]})
    rare, common = model.match_weight(pair)
    assert rare > common
    assert np.isclose(rare - common, np.log2(0.05 / 0.0001))


def test_classifier_scorer_with_labels():
    levels, is_match = simulate(4_000, lam=0.3, seed=6)
    clf = ClassifierScorer(comparisons=NAMES).fit(levels, is_match)
    proba = clf.predict_proba(levels)[:, 1]
    assert proba[is_match].mean() > 0.8 and proba[~is_match].mean() < 0.2
    assert ((clf.predict(levels, threshold=0.5) == 1) == is_match).mean() > 0.95
    assert np.all(np.isfinite(clf.match_weight(levels)))
