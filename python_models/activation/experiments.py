"""A/B analysis of campaign experiments per experiment x segment (issue #8).

Input is one row per experiment recipient (its arm and whether it converted) with any grouping
columns; output is one row per group with the two-proportion statistics of
:func:`two_proportion_test`. Every experiment also gets an ``all`` row so a segment-level reading
can be compared with the campaign as a whole.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from python_models.activation.ab_stats import ABResult, two_proportion_test

ALL_SEGMENTS = "all"


def analyse_experiments(
    recipients: pd.DataFrame,
    experiment_column: str = "campaign_id",
    segment_columns: Sequence[str] = ("segment",),
    test_arm: str = "treatment",
    control_arm: str = "control",
    alpha: float = 0.05,
    relative_mde: float = 0.2,
    power: float = 0.8,
) -> pd.DataFrame:
    """``recipients``: experiment, variant, is_converted and the segment columns, one row per recipient."""
    missing = {experiment_column, "variant", "is_converted", *segment_columns} - set(recipients.columns)
    if missing:
        raise ValueError(f"recipients lack columns {sorted(missing)}")
    unknown = set(recipients["variant"].dropna().unique()) - {test_arm, control_arm}
    if unknown:
        raise ValueError(f"variants other than {test_arm!r}/{control_arm!r}: {sorted(unknown)}")
    frame = recipients[[experiment_column, "variant", "is_converted", *segment_columns]].copy()
    frame["is_converted"] = frame["is_converted"].fillna(False).astype(bool)
    whole = frame.copy()
    for col in segment_columns:
        whole[col] = ALL_SEGMENTS
        frame[col] = frame[col].astype("string").fillna("unassigned")
    both = pd.concat([whole, frame], ignore_index=True)
    keys = [experiment_column, *segment_columns]
    counts = both.groupby([*keys, "variant"], dropna=False)["is_converted"].agg(["size", "sum"]).unstack("variant", fill_value=0)
    rows = []
    for key, row in counts.iterrows():
        key = key if isinstance(key, tuple) else (key,)
        def get(stat, arm, row=row):
            return int(row.get((stat, arm), 0))

        result = two_proportion_test(
            get("sum", test_arm), get("size", test_arm), get("sum", control_arm), get("size", control_arm),
            alpha=alpha, relative_mde=relative_mde, power=power,
        )
        rows.append({**dict(zip(keys, key, strict=True)), **result.as_dict(),
                     "is_significant": result.p_value is not None and result.p_value < alpha})
    out = pd.DataFrame(rows, columns=[*keys, *ABResult.__dataclass_fields__, "is_significant"])
    if out.empty:  # no analysable recipient (e.g. campaigns sent without arms): typed, empty
        return out.astype({k: "string" for k in keys})
    return out.sort_values(keys, key=lambda s: s.map(lambda v: (v != ALL_SEGMENTS, v))).reset_index(drop=True)
