"""Social-network interactions with the brand, rendered as records of a REST API export."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from python_models.generate import kit
from python_models.generate.personas import INTERACTIONS, PLATFORMS
from python_models.generate.population import People, persona_matrix
from python_models.generate.quality import rate
from python_models.generate.reference import email_domains
from python_models.generate.world import World, sample_ts

MAX_PER_PLATFORM = 400
AT_PLATFORMS = ("instagram", "tiktok", "x", "youtube")  # handles usually shown with '@'
UNKNOWN_WORDS = (
    "fashion", "lover", "paris", "style", "vibes", "daily", "shop", "beauty", "travel", "foodie", "mode", "chic",
    "deco", "maison", "run", "fit", "mama", "papa", "studio", "urban", "vintage", "green", "happy", "sun",
)
PLATFORM_PREFIX = {"instagram": "ig", "facebook": "fb", "tiktok": "tt", "x": "x", "linkedin": "li", "youtube": "yt"}
NO_POST_TYPES = ("follow", "mention")


@dataclass
class SocialResult:
    lines: pa.Array  # one JSON object per interaction, in time order
    identities: pa.Table  # platform, handle, person_id


def _json_str(arr: pa.Array) -> pa.Array:
    """A JSON string literal, or null. Values are generated ASCII without quotes or backslashes."""
    return pc.fill_null(kit.join('"', arr, '"'), "null")


def simulate_social(rng: np.random.Generator, world: World, people: People, chunk: int) -> SocialResult:
    years = world.days / 365.25
    lam = persona_matrix("social_rate", PLATFORMS)[people.persona] * people.social_mult[:, None] * years
    counts = np.where(people.has_platform, np.minimum(rng.poisson(lam), MAX_PER_PLATFORM), 0)
    flat = counts.ravel()
    pair = np.repeat(np.arange(flat.size), flat)
    person = pair // len(PLATFORMS)
    platform = pair % len(PLATFORMS)
    k = len(person)
    itype = kit.categorical(rng, persona_matrix("interaction_mix", INTERACTIONS)[people.persona[person]])
    # a person follows the brand once per platform: later 'follow' draws become likes
    follow = (itype == INTERACTIONS.index("follow")).astype(np.int64)
    starts = kit.starts_of(flat)
    cum = np.cumsum(follow)
    before_group = np.repeat(cum[starts[flat > 0]] - follow[starts[flat > 0]], flat[flat > 0]) if k else cum
    itype = np.where((follow == 1) & (cum - before_group > 1), INTERACTIONS.index("like"), itype)
    ts = sample_ts(rng, world, np.zeros(k, dtype=np.int64), np.full(k, world.days))

    handle = np.empty(k, dtype=object)
    for pi, p in enumerate(PLATFORMS):
        sel = np.flatnonzero(platform == pi)
        handle[sel] = people.handles[p].take(pa.array(person[sel])).to_numpy(zero_copy_only=False)
    handle = pa.array(handle, kit.STR)
    at = np.isin(platform, [PLATFORMS.index(p) for p in AT_PLATFORMS])
    variant = rng.random(k) < rate("social.handle_variant")
    toggle_at = variant & (rng.random(k) < 0.5)
    cap = variant & ~toggle_at
    h = kit.where(cap, pc.utf8_capitalize(handle), handle)
    shown = kit.where(at ^ toggle_at, kit.join("@", h), h)
    vocab, _ = email_domains()
    email = kit.join(people.email_local.take(pa.array(person)), "@", kit.take(vocab, people.email_domain[person]))
    email = kit.null_where(rng.random(k) >= rate("social.email_shared"), email)

    # interactions from handles that are no person in the data
    u = int(rng.poisson(k * rate("social.unknown_handles") / (1 - rate("social.unknown_handles")))) if k else 0
    w1 = kit.take(list(UNKNOWN_WORDS), rng.integers(0, len(UNKNOWN_WORDS), u))
    w2 = kit.take(list(UNKNOWN_WORDS), rng.integers(0, len(UNKNOWN_WORDS), u))
    sep = kit.take(["", "_", "."], rng.integers(0, 3, u))
    unk_platform = rng.choice(len(PLATFORMS), u, p=np.bincount(platform, minlength=len(PLATFORMS)) / max(k, 1)) if u else np.zeros(0, dtype=np.int64)
    unk_handle = kit.join(w1, sep, w2, kit.dec(rng.integers(1, 10_000, u)))
    unk_at = np.isin(unk_platform, [PLATFORMS.index(p) for p in AT_PLATFORMS])
    unk_shown = kit.where(unk_at, kit.join("@", unk_handle), unk_handle)
    unk_type = rng.choice(len(INTERACTIONS), u, p=[0.6, 0.1, 0.05, 0.1, 0.05, 0.1])
    unk_ts = sample_ts(rng, world, np.zeros(u, dtype=np.int64), np.full(u, world.days))

    platform = np.concatenate([platform, unk_platform]).astype(np.int64)
    itype = np.concatenate([itype, unk_type]).astype(np.int64)
    ts = np.concatenate([ts, unk_ts]).astype(np.int64)
    shown = pa.concat_arrays([shown, unk_shown])
    email = pa.concat_arrays([email, kit.nulls(u)])
    total = k + u

    post = np.full(total, -1, dtype=np.int64)
    post_text = np.empty(total, dtype=object)
    for pi, p in enumerate(PLATFORMS):
        sel = np.flatnonzero(platform == pi)
        times = world.post_times[p]
        idx = np.searchsorted(times, ts[sel], side="right") - rng.geometric(0.35, len(sel))
        post[sel] = idx
        ok = idx >= 0
        post_text[sel[ok]] = np.array(world.post_ids[p], dtype=object)[idx[ok]]
    no_post = np.isin(itype, [INTERACTIONS.index(t) for t in NO_POST_TYPES]) | (post < 0)
    post_ids = kit.null_where(no_post, pa.array(post_text, kit.STR))

    order = np.lexsort((np.arange(total), ts))
    platform, itype, ts = platform[order], itype[order], ts[order]
    idx_arr = pa.array(order)
    shown, email, post_ids = shown.take(idx_arr), email.take(idx_arr), post_ids.take(idx_arr)
    ids = kit.join(
        kit.take([PLATFORM_PREFIX[p] for p in PLATFORMS], platform), "_",
        kit.dec(kit.scramble((chunk << 30) | np.arange(total, dtype=np.int64), 50, salt=9).astype(np.int64), 16),
    )
    lines = kit.join(
        '{"id": "', ids, '", "platform": "', kit.take(list(PLATFORMS), platform),
        '", "user": {"handle": "', shown, '", "email": ', _json_str(email),
        '}, "type": "', kit.take(list(INTERACTIONS), itype), '", "created_time": "', kit.iso_offset(ts),
        '", "post_id": ', _json_str(post_ids), "}",
    )

    plats, pids, hands = [], [], []
    for pi, p in enumerate(PLATFORMS):
        sel = np.flatnonzero(people.has_platform[:, pi])
        plats.append(kit.const(p, len(sel)))
        hands.append(people.handles[p].take(pa.array(sel)))
        pids.append(people.pid.take(pa.array(sel)))
    identities = pa.table({
        "platform": pa.concat_arrays(plats), "handle": pa.concat_arrays(hands), "person_id": pa.concat_arrays(pids),
    })
    return SocialResult(lines, identities)
