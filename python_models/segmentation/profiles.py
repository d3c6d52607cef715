"""Segment profiles in original units: size/share, per-feature mean/median and lift against the
population, top categories, most distinguishing features, and a readable name + one-line description.

Distinctiveness is measured on one scale for both kinds of feature: the standardised difference
``(segment_mean - population_mean) / population_std`` for numeric features and
``(segment_share - population_share) / sqrt(p (1 - p))`` for each category of a categorical feature.

Names are built from the strongest traits: numeric traits become adjectives ("high-value",
"low recency days"), over-represented categories become the noun and qualifiers, e.g.
"High-value Instagram engagers, 25-34, urban". Wording per feature comes from ``vocabulary``:

    {"monetary": {"high": "high-value", "low": "low-spend"},
     "platform": {"template": "{value} engagers", "values": {"none": "non-social"}}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass
class SegmentProfiles:
    summary: pd.DataFrame  # one row per segment
    features: pd.DataFrame  # long: segment x feature (x category)


def humanize(name: str) -> str:
    return str(name).replace("__", " ").replace("_", " ").strip()


def profile_segments(
    raw: pd.DataFrame,
    labels,
    *,
    numeric: list[str] | None = None,
    categorical: list[str] | None = None,
    vocabulary: dict[str, dict[str, str]] | None = None,
    top_n: int = 5,
    min_effect: float = 0.3,
    min_category_share: float = 0.25,
    max_traits: int = 3,
    max_categories: int = 30,
) -> SegmentProfiles:
    labels = np.asarray(labels)
    if len(labels) != len(raw):
        raise ValueError("labels and raw must have the same length")
    vocabulary = vocabulary or {}
    if numeric is None:
        numeric = [c for c in raw.columns if pd.api.types.is_numeric_dtype(raw[c]) and not pd.api.types.is_bool_dtype(raw[c])]
    if categorical is None:
        categorical = [c for c in raw.columns if c not in numeric]
    seg = pd.Series(labels, index=raw.index, name="segment")
    n = len(raw)
    rows: list[dict[str, Any]] = []

    if numeric:
        num = raw[numeric].apply(pd.to_numeric, errors="coerce").astype("float64")
        pop_mean, pop_med, pop_std = num.mean(), num.median(), num.std(ddof=0)
        g = num.groupby(seg)
        means, meds = g.mean(), g.median()
        for s in means.index:
            for f in numeric:
                m, pm, sd = means.at[s, f], pop_mean[f], pop_std[f]
                rows.append({
                    "segment": int(s), "feature": f, "kind": "numeric", "category": None,
                    "segment_mean": m, "segment_median": meds.at[s, f],
                    "population_mean": pm, "population_median": pop_med[f],
                    "lift": m / pm if pm and pm > 0 and np.isfinite(m) else np.nan,
                    "effect": (m - pm) / sd if sd and sd > 0 else 0.0,
                })
    for f in categorical:
        col = raw[f].astype(object).where(raw[f].notna(), "missing").astype(str)
        top = col.value_counts().index[:max_categories]
        col = col.where(col.isin(top), "other")
        pop_share = col.value_counts(normalize=True)
        ct = pd.crosstab(seg, col, normalize="index")
        for s in ct.index:
            for c in ct.columns:
                p, ps = float(pop_share[c]), float(ct.at[s, c])
                denom = np.sqrt(p * (1 - p))
                rows.append({
                    "segment": int(s), "feature": f, "kind": "category", "category": str(c),
                    "segment_mean": ps, "segment_median": np.nan,
                    "population_mean": p, "population_median": np.nan,
                    "lift": ps / p if p > 0 else np.nan,
                    "effect": (ps - p) / denom if denom > 0 else 0.0,
                })
    feats = pd.DataFrame(rows)
    if feats.empty:
        raise ValueError("nothing to profile: no numeric or categorical columns")
    # a feature missing for a whole segment (or everyone) has no measurable effect, not a NaN rank
    feats["effect"] = feats["effect"].fillna(0.0)
    feats["abs_effect"] = feats["effect"].abs().fillna(0.0)  # a feature missing in a whole segment ranks last
    feats["rank"] = feats.groupby("segment")["abs_effect"].rank(method="first", ascending=False).astype(int)
    feats = feats.sort_values(["segment", "rank"]).reset_index(drop=True)

    sizes = seg.value_counts().sort_index()
    traits: dict[int, list[dict[str, Any]]] = {}
    for s, grp in feats.groupby("segment"):
        eligible = grp[(grp["abs_effect"] >= min_effect)
                       & ((grp["kind"] == "numeric")
                          | ((grp["effect"] > 0) & (grp["segment_mean"] >= min_category_share)
                          & (grp["category"] != "missing")))]  # "missing" describes data, not people
        seen_features: set[str] = set()
        t = []
        for r in eligible.itertuples(index=False):
            if r.feature in seen_features:  # one trait per source feature
                continue
            seen_features.add(r.feature)
            t.append(r._asdict())
        traits[int(s)] = t

    names = _unique_names({s: t for s, t in traits.items() if s >= 0}, vocabulary, max_traits)
    summary_rows = []
    for s in sizes.index:
        s = int(s)
        grp = feats[feats["segment"] == s]
        top = grp.head(top_n)
        top_cats = {}
        for f in categorical:
            sub = grp[(grp["feature"] == f)]
            if not sub.empty:
                best = sub.loc[sub["segment_mean"].idxmax()]
                top_cats[f] = {"category": best["category"], "share": round(float(best["segment_mean"]), 4)}
        summary_rows.append({
            "segment": s,
            "size": int(sizes[s]),
            "share": float(sizes[s] / n),
            "name": "Noise / unassigned" if s < 0 else names[s],
            "description": _describe(int(sizes[s]), sizes[s] / n, traits[s][:max_traits]),
            "distinguishing_features": json.dumps([
                {"feature": r.feature, "category": r.category, "effect": round(float(r.effect), 3),
                 "lift": None if pd.isna(r.lift) else round(float(r.lift), 3)}
                for r in top.itertuples(index=False)
            ]),
            "top_categories": json.dumps(top_cats),
        })
    return SegmentProfiles(summary=pd.DataFrame(summary_rows), features=feats.drop(columns="abs_effect"))


def _phrase(t: dict[str, Any], vocabulary: dict[str, dict[str, str]]) -> tuple[str, str]:
    """(kind, phrase): kind "adj" for numeric traits, "noun" for categories whose vocabulary template
    makes a noun phrase (e.g. "{value} engagers"), "cat" for plain category values."""
    v = vocabulary.get(t["feature"], {})
    if t["kind"] == "numeric":
        if t["effect"] > 0:
            return "adj", v.get("high", f"high {humanize(t['feature'])}")
        return "adj", v.get("low", f"low {humanize(t['feature'])}")
    override = v.get("values", {}).get(t["category"]) if isinstance(v.get("values"), dict) else None
    template = v.get("template", "{value}")
    kind = "noun" if template.strip() != "{value}" else "cat"
    if override:
        return kind, override
    return kind, template.format(value=t["category"], feature=humanize(t["feature"]))


def segment_name(traits: list[dict[str, Any]], vocabulary: dict[str, dict[str, str]] | None = None) -> str:
    """Readable name from traits (strongest first): "<adjectives> <noun>, <other categories>"."""
    if not traits:
        return "Typical customers"
    phrases = [_phrase(t, vocabulary or {}) for t in traits]
    adjs = [p for k, p in phrases if k == "adj"]
    nouns = [p for k, p in phrases if k == "noun"]
    cats = nouns + [p for k, p in phrases if k == "cat"]
    if cats:
        core = (", ".join(adjs) + " " + cats[0]) if adjs else cats[0]
        rest = cats[1:]
    else:
        core, rest = ", ".join(adjs) + " customers", []
    name = core + ("".join(", " + r for r in rest))
    return name[:1].upper() + name[1:]


def _unique_names(traits: dict[int, list[dict[str, Any]]], vocabulary, max_traits: int) -> dict[int, str]:
    depth = dict.fromkeys(traits, max_traits)
    names = {s: segment_name(t[:max_traits], vocabulary) for s, t in traits.items()}
    for _ in range(10):
        counts: dict[str, list[int]] = {}
        for s, nm in names.items():
            counts.setdefault(nm, []).append(s)
        clashes = [ss for ss in counts.values() if len(ss) > 1]
        if not clashes:
            break
        progressed = False
        for ss in clashes:
            for s in ss:
                if depth[s] < len(traits[s]):
                    depth[s] += 1
                    names[s] = segment_name(traits[s][: depth[s]], vocabulary)
                    progressed = True
        if not progressed:
            break
    final: dict[str, int] = {}
    for nm in names.values():
        final[nm] = final.get(nm, 0) + 1
    return {s: (f"{nm} (segment {s})" if final[nm] > 1 else nm) for s, nm in names.items()}


def _describe(size: int, share: float, traits: list[dict[str, Any]]) -> str:
    parts = [f"{share:.1%} of customers (n={size:,})"]
    for t in traits:
        if t["kind"] == "numeric":
            lift = f", {t['lift']:.1f}x average" if pd.notna(t["lift"]) else ""
            parts.append(f"{humanize(t['feature'])} {t['segment_mean']:.3g} vs {t['population_mean']:.3g}{lift}")
        else:
            parts.append(f"{humanize(t['feature'])} {t['category']} {t['segment_mean']:.0%} vs "
                         f"{t['population_mean']:.0%} overall")
    return "; ".join(parts)
