import numpy as np
import pandas as pd
import pytest

from python_models.propensity import (
    LeakageError,
    build_features,
    build_labels,
    make_scoring_set,
    make_training_set,
    plan_split,
)
from python_models.propensity.synthetic import make_event_log


@pytest.fixture(scope="module")
def events():
    return make_event_log(200, random_state=0)


CUTOFF = pd.Timestamp("2024-09-01")


def test_changing_events_after_cutoff_changes_no_feature(events):
    before = build_features(events, CUTOFF)
    tampered = events.copy()
    after = tampered["event_ts"] >= CUTOFF
    tampered.loc[after, "amount"] *= 100
    tampered.loc[after, "event_type"] = "purchase"
    extra = tampered[after].head(50).copy()
    extra["event_ts"] = CUTOFF  # an event exactly at the cutoff is not "before" it
    tampered = pd.concat([tampered.drop(tampered[after].index[::3]), extra])
    pd.testing.assert_frame_equal(build_features(tampered, CUTOFF), before)


def test_changing_events_before_cutoff_does_change_features(events):
    before = build_features(events, CUTOFF)
    tampered = events.copy()
    tampered.loc[tampered["event_ts"] < CUTOFF, "amount"] += 1
    assert not build_features(tampered, CUTOFF)["amount_sum"].equals(before["amount_sum"])


def test_features_are_correct_as_of_cutoff(events):
    f = build_features(events, CUTOFF)
    past = events[events["event_ts"] < CUTOFF]
    c = past["customer_id"].iloc[0]
    mine = past[past["customer_id"] == c]
    assert f.loc[c, "n_events"] == len(mine)
    assert f.loc[c, "amount_sum"] == pytest.approx(mine["amount"].sum())
    assert f.loc[c, "days_since_last"] == pytest.approx((CUTOFF - mine["event_ts"].max()).total_seconds() / 86400)
    assert f.loc[c, "n_purchase"] == (mine["event_type"] == "purchase").sum()


def test_label_window_is_open_closed():
    ev = pd.DataFrame({
        "customer_id": [1, 2, 3, 4],
        "event_ts": [CUTOFF, CUTOFF + pd.Timedelta(seconds=1), CUTOFF + pd.Timedelta(days=30),
                     CUTOFF + pd.Timedelta(days=30, seconds=1)],
        "event_type": ["purchase"] * 4,
        "amount": [1.0] * 4,
    })
    y = build_labels(ev, CUTOFF, 30, [1, 2, 3, 4], target="purchase")
    assert y.tolist() == [0, 1, 1, 0]


def test_training_cutoff_earlier_and_labels_observable(events):
    split = plan_split("2024-12-01", horizon_days=30)
    assert split.train_cutoff == pd.Timestamp("2024-11-01")
    assert split.label_window_end <= split.score_cutoff
    X, y = make_training_set(events, split, target="purchase")
    assert set(y.unique()) <= {0, 1} and len(X) == len(y)
    assert (X.index == y.index).all()
    S = make_scoring_set(events, split)
    assert len(S) >= len(X)  # customers first seen during the label window only appear at scoring
    with pytest.raises(LeakageError):
        plan_split("2024-12-01", horizon_days=30, train_cutoff="2024-11-15")
    with pytest.raises(LeakageError):
        plan_split("2024-12-01", horizon_days=30, train_cutoff="2024-12-01")


def test_custom_feature_function_only_sees_the_past(events):
    seen = {}

    def fn(past, cutoff):
        seen["max_ts"] = past["event_ts"].max()
        return past.groupby("customer_id").size().to_frame("n").astype(float)

    build_features(events, CUTOFF, feature_fn=fn)
    assert seen["max_ts"] < CUTOFF
    assert np.all(events["event_ts"].max() >= CUTOFF)
