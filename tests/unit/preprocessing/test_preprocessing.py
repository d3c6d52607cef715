import json

import numpy as np
import pandas as pd
import pytest

from python_models.preprocessing import FeaturePreprocessor, PreprocessingConfig, load_preprocessor
from python_models.preprocessing.pipeline import PARAMS_FILE


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    n = 400
    df = pd.DataFrame({
        "spend": rng.lognormal(3, 1, n),
        "visits": rng.poisson(4, n).astype(float),
        "score": rng.normal(0, 1, n),
        "channel": rng.choice(["email", "web", "store"], n, p=[0.5, 0.4, 0.1]),
        "age_band": rng.choice(["18-24", "25-34", "35-44"], n),
    })
    df.loc[::5, "spend"] = np.nan
    df.loc[::7, "channel"] = None
    return df


CFG = {
    "numeric": {
        "spend": {"scale": "none"},
        "visits": {"log1p": True, "scale": "standard"},
        "score": {"scale": "minmax"},
    },
    "categorical": {
        "channel": {"encode": "onehot"},
        "age_band": {"encode": "ordinal", "order": ["18-24", "25-34", "35-44"]},
    },
}


def test_median_imputation_is_exact(frame):
    p = FeaturePreprocessor(CFG).fit(frame)
    out = p.transform(frame)
    med = float(np.nanmedian(frame["spend"]))
    missing = frame["spend"].isna().to_numpy()
    assert np.allclose(out.loc[missing, "spend"], med)
    assert np.allclose(out.loc[~missing, "spend"], frame.loc[~missing, "spend"])
    assert p.fitted_params()["numeric"]["spend"]["median"] == pytest.approx(med)
    # indicator added automatically for the column with missing values, and only for it
    assert np.array_equal(out["spend__missing"].to_numpy(), missing.astype(float))
    assert "visits__missing" not in out.columns
    d = p.describe().set_index("feature")
    assert d.loc["spend", "share_imputed"] == pytest.approx(missing.mean())
    assert d.loc["visits", "share_imputed"] == 0.0


def test_median_used_for_new_rows_not_refitted(frame):
    p = FeaturePreprocessor(CFG).fit(frame)
    new = frame.head(3).copy()
    new["spend"] = np.nan
    assert np.allclose(p.transform(new)["spend"], np.nanmedian(frame["spend"]))


def test_log1p_then_standard_scaling(frame):
    p = FeaturePreprocessor(CFG).fit(frame)
    out = p.transform(frame)
    lv = np.log1p(frame["visits"].to_numpy())
    assert np.allclose(out["visits"], (lv - lv.mean()) / lv.std())
    s = frame["score"].to_numpy()
    assert np.allclose(out["score"], (s - s.min()) / (s.max() - s.min()))
    params = p.fitted_params()["numeric"]
    assert params["visits"]["mean"] == pytest.approx(lv.mean())
    assert params["score"]["min"] == pytest.approx(s.min())


def test_unseen_and_missing_categories(frame):
    p = FeaturePreprocessor(CFG).fit(frame)
    new = pd.DataFrame({"spend": [1.0, 2.0], "visits": [1.0, 2.0], "score": [0.0, 0.0],
                        "channel": ["carrier_pigeon", None], "age_band": ["65+", None]})
    out = p.transform(new)
    onehot = [c for c in out.columns if c.startswith("channel__")]
    assert set(onehot) == {"channel__email", "channel__web", "channel__store", "channel__missing"}
    assert out.loc[0, onehot].sum() == 0  # unseen -> all zeros
    assert out.loc[1, "channel__missing"] == 1  # missing -> imputed constant category
    assert list(out["age_band"]) == [-1.0, -1.0]  # unknown / missing -> encoded_missing_value
    known = p.transform(frame.head(20))
    order = {"18-24": 0, "25-34": 1, "35-44": 2}
    assert list(known["age_band"]) == [order[v] for v in frame["age_band"].head(20)]


def test_rare_categories_grouped(frame):
    df = frame.copy()
    df.loc[:3, "channel"] = "fax"
    cfg = {"numeric": ["score"], "categorical": {"channel": {"min_frequency": 0.05}}}
    p = FeaturePreprocessor(cfg).fit(df)
    out = p.transform(df)
    assert "channel__other" in out.columns and "channel__fax" not in out.columns
    assert (out.loc[:3, "channel__other"] == 1).all()
    assert p.fitted_params()["categorical"]["channel"]["infrequent_categories"] == ["fax"]


def test_persistence_round_trip_is_identical(frame, tmp_path):
    p = FeaturePreprocessor(CFG).fit(frame)
    p.save(tmp_path)
    q = load_preprocessor(tmp_path)
    new = frame.sample(50, random_state=1)
    assert np.array_equal(p.transform(new).to_numpy(), q.transform(new).to_numpy())
    assert list(q.get_feature_names_out()) == list(p.get_feature_names_out())
    params = json.loads((tmp_path / PARAMS_FILE).read_text())
    assert params["numeric"]["spend"]["median"] == pytest.approx(np.nanmedian(frame["spend"]))
    assert params["categorical"]["age_band"]["categories"] == ["18-24", "25-34", "35-44"]
    table = p.params_table()
    assert {"column_name", "param", "value"} <= set(table.columns)
    assert json.loads(table.query("column_name == 'spend' and param == 'median'")["value"].iloc[0]) == \
        pytest.approx(np.nanmedian(frame["spend"]))


def test_knn_imputation_uses_neighbours():
    rng = np.random.default_rng(1)
    a = rng.normal(0, 1, 500)
    df = pd.DataFrame({"a": a * 100, "b": a + rng.normal(0, 0.01, 500)})
    truth = df["b"].copy()
    df.loc[:49, "b"] = np.nan
    p = FeaturePreprocessor({"numeric": {"a": {"scale": "none"}, "b": {"impute": "knn", "scale": "none"}}}).fit(df)
    out = p.transform(df)
    err_knn = np.abs(out.loc[:49, "b"] - truth[:50]).mean()
    err_median = np.abs(np.nanmedian(df["b"]) - truth[:50]).mean()
    assert err_knn < 0.1 * err_median


def test_inverse_transform_recovers_original_units(frame):
    p = FeaturePreprocessor(CFG).fit(frame)
    back = p.inverse_transform_features(p.transform(frame))
    assert np.allclose(back["visits"], frame["visits"])
    assert np.allclose(back["score"], frame["score"])


def test_config_validation():
    with pytest.raises(ValueError, match="unknown options"):
        PreprocessingConfig.from_dict({"numeric": {"x": {"scaler": "standard"}}})
    with pytest.raises(ValueError, match="impute"):
        PreprocessingConfig.from_dict({"numeric": {"x": {"impute": "mean"}}})
    with pytest.raises(ValueError, match="twice"):
        PreprocessingConfig.from_dict({"numeric": ["x"], "categorical": ["x"]})


def test_inferred_config(frame):
    p = FeaturePreprocessor().fit(frame)
    kinds = p.describe().groupby("source_column")["kind"].first().to_dict()
    assert kinds["spend"] == "numeric" and kinds["channel"] == "onehot"
    assert not p.transform(frame).isna().any().any()


def test_fit_on_a_bounded_sample():
    rng = np.random.default_rng(3)
    n = 20_000
    X = pd.DataFrame({"amount": rng.lognormal(3, 1, n), "channel": rng.choice(["web", "app", "store"], n)})
    X.loc[X.index[-500:], "amount"] = np.nan  # the last rows only: a sample could miss some of them
    full = FeaturePreprocessor().fit(X)
    sampled = FeaturePreprocessor(fit_max_rows=2_000).fit(X)
    assert full.n_rows_fit_ == n and sampled.n_rows_fit_ == 2_000
    # missing shares (they decide the indicators) still come from every row
    assert sampled.missing_share_["amount"] == pytest.approx(500 / n)
    assert "amount__missing" in sampled.transform(X).columns
    out, ref = sampled.transform(X), full.transform(X)
    assert list(out.columns) == list(ref.columns) and len(out) == n
    # the sample's statistics are close to the full data's, not equal (it really is a sample)
    diff = (out["amount"] - ref["amount"]).abs()
    assert diff.max() > 0 and diff.median() < 0.05
    assert np.corrcoef(out["amount"], ref["amount"])[0, 1] > 0.9999


def test_transform_in_chunks_equals_one_pass(frame):
    p = FeaturePreprocessor({**CFG, "numeric": {**CFG["numeric"], "score": {"impute": "knn", "scale": "minmax"}}}
                            ).fit(frame)
    one = p.transform(frame)
    p.transform_chunk_rows = 37  # does not divide 400: the last chunk is short
    chunked = p.transform(frame.iloc[::-1])
    assert list(chunked.index) == list(frame.index[::-1])
    assert np.array_equal(chunked.loc[frame.index].to_numpy(), one.to_numpy(), equal_nan=True)
    assert p.transform(frame.iloc[0:0]).shape == (0, one.shape[1])


def test_missing_share_counts_what_the_transform_imputes():
    X = pd.DataFrame({"amount": ["1.5", "n/a", None, "4"], "channel": ["web", None, "app", "web"]})
    p = FeaturePreprocessor({"numeric": ["amount"], "categorical": ["channel"]}).fit(X)
    # "n/a" in a numeric column becomes missing too, so it is counted (and gets the indicator)
    assert p.missing_share_ == {"amount": 0.5, "channel": 0.25}
    assert p.transform(X)["amount__missing"].tolist() == [0.0, 1.0, 1.0, 0.0]


def _mixed_frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "spend": rng.lognormal(3, 1, n),
        "visits": rng.poisson(4, n).astype(float),
        "score": rng.normal(0, 1, n),
        "debt": rng.normal(-5, 3, n),  # negative values: log1p clips them
        "active": rng.random(n) < 0.3,
        "channel": rng.choice(["email", "web", "store", "fax"], n, p=[0.5, 0.4, 0.095, 0.005]),
        "age_band": rng.choice(["18-24", "25-34", "35-44"], n),
        "region": rng.choice(["north", "south"], n),
    })
    df.loc[::5, "spend"] = np.nan
    df.loc[::9, "score"] = np.nan
    df.loc[::7, "channel"] = None
    df.loc[::11, "region"] = None
    return df


MIXED = {
    "numeric": {"spend": {"impute": "knn", "scale": "none"}, "visits": {"log1p": True, "scale": "standard"},
                "score": {"scale": "minmax", "indicator": True}, "debt": {"log1p": True, "scale": "minmax"},
                "active": {}},
    "categorical": {"channel": {"encode": "onehot", "min_frequency": 0.02},
                    "age_band": {"encode": "ordinal", "order": ["18-24", "25-34"]},
                    "region": {"impute": "most_frequent"}},
}


@pytest.mark.parametrize("config", [MIXED, CFG, None])
def test_whole_column_plan_gives_the_pipelines_numbers(config):
    train, new = _mixed_frame(600, 5), _mixed_frame(300, 6)
    new.loc[::13, "channel"] = "telex"  # unseen: all zeros
    new.loc[::17, "age_band"] = "65+"  # unseen by the declared order: the missing code
    new.loc[::19, "region"] = "east"
    if config is CFG:
        train, new = train[["spend", "visits", "score", "channel", "age_band"]], new[
            ["spend", "visits", "score", "channel", "age_band"]]
    p = FeaturePreprocessor(config).fit(train)
    assert p.fast_plan() is not None
    for frame in (train, new):
        reference = np.asarray(p.pipeline_.transform(p._prepare(frame)), dtype=np.float64)
        assert np.array_equal(p.transform(frame).to_numpy(), reference, equal_nan=True)


def test_without_a_plan_the_pipeline_transforms(monkeypatch, frame):
    import python_models.preprocessing.pipeline as pipeline_module

    fast = FeaturePreprocessor(CFG).fit(frame)
    assert fast.fast_plan() is not None  # compiled on first use, so before the patch
    monkeypatch.setattr(pipeline_module, "compile_plan", lambda pipeline: None)
    slow = FeaturePreprocessor(CFG).fit(frame)
    assert slow.fast_plan() is None
    pd.testing.assert_frame_equal(slow.transform(frame), fast.transform(frame))


def test_a_preprocessor_saved_before_plans_compiles_one(frame, tmp_path):
    p = FeaturePreprocessor(CFG).fit(frame)
    expected = p.transform(frame)
    del p.fast_plan_  # as persisted by an earlier version
    p.save(tmp_path)
    q = load_preprocessor(tmp_path)
    assert "fast_plan_" not in q.__dict__
    pd.testing.assert_frame_equal(q.transform(frame), expected)
    assert q.fast_plan() is not None
