"""A micro-batch's drift counts only the live customers against the served version's binned
population; it must equal binning the whole current population (published rows with every live
row on top), batch after batch."""

import numpy as np
import pandas as pd
import pytest

from flows.microbatch_flow import measure_drift
from python_models.publishing.live import ASSIGNMENTS, LiveStore
from python_models.segmentation.drift import detect_drift, drift_features

VERSION = "v1"


def _features(rng, ids, shift=0.0):
    n = len(ids)
    return pd.DataFrame({
        "customer_id": ids,
        "monetary_total": rng.lognormal(4 + shift, 0.5, n),
        "order_count": rng.poisson(3 + 5 * shift, n).astype("int64"),
        "preferred_channel": rng.choice(["web", "app", "social"] if shift == 0 else ["app", "tiktok"], n),
        "open_rate": np.where(rng.random(n) < 0.2, np.nan, rng.random(n)),
        "features_cutoff_at_utc": pd.Timestamp("2026-07-01"),
    })


def _parquet(frame, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path)


def _live_batch(store, rng, batch, ids, at, shift):
    feats = _features(rng, ids, shift).assign(version_id=VERSION, batch_id=batch, assigned_at_utc=at)
    assigned = pd.DataFrame({"customer_id": ids, "distance_to_centroid": rng.gamma(2.0, 1.0 + shift, len(ids)),
                             "version_id": VERSION, "batch_id": batch, "assigned_at_utc": at})
    store.write("live_customer_features", batch, feats)
    store.write(ASSIGNMENTS, batch, assigned)


def _by_definition(ref, members, store):
    """The population as the served catalog's live view shows it, binned from scratch."""
    live = store.latest("live_customer_features", VERSION, order="assigned_at_utc")
    assign = store.latest(ASSIGNMENTS, VERSION)
    current = pd.concat([ref[~ref["customer_id"].isin(live["customer_id"])], live[ref.columns]], ignore_index=True)
    d = members.set_index("customer_id")["distance_to_centroid"]
    d = pd.concat([d[~d.index.isin(assign["customer_id"])], assign.set_index("customer_id")["distance_to_centroid"]])
    return detect_drift(ref, current, members["distance_to_centroid"], d.to_numpy(), features=drift_features(ref))


def test_drift_of_live_batches_equals_binning_the_whole_population(tmp_path):
    rng = np.random.default_rng(5)
    ids = [f"c{i:05d}" for i in range(3000)]
    ref = _features(rng, ids)
    members = pd.DataFrame({"customer_id": ids, "distance_to_centroid": rng.gamma(2.0, 1.0, len(ids))})
    vdir = tmp_path / "versions" / VERSION
    _parquet(ref, vdir / "tables" / "customer_features.parquet")
    _parquet(members, vdir / "tables" / "segment_membership.parquet")
    store = LiveStore(tmp_path)

    # batch 1: known customers; batch 2 overlaps it (their latest rows count) and brings new people
    batches = [("b1", ids[:400], pd.Timestamp("2026-07-02 10:00"), 0.6),
               ("b2", ids[300:700] + [f"new{i}" for i in range(200)], pd.Timestamp("2026-07-02 10:01"), 1.0)]
    for batch, batch_ids, at, shift in batches:
        _live_batch(store, rng, batch, batch_ids, at, shift)
        got = measure_drift(vdir, store, VERSION, None)  # the second call reuses the binned version
        want = _by_definition(ref, members, store)
        pd.testing.assert_frame_equal(got.features, want.features)
        assert got.far_share == pytest.approx(want.far_share) and got.far_distance == want.far_distance
        assert got.n_customers == want.n_customers and got.reasons == want.reasons
    # not a comparison of two quiet populations: the shifted batches moved the shifted features
    moved = got.features.set_index("feature")["psi"]
    assert (moved[["monetary_total", "order_count", "preferred_channel"]] > 0.02).all() and got.n_drifted >= 1
