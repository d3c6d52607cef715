"""Two-proportion A/B statistics: lift, confidence intervals, p-value and power.

The relative-lift interval uses the delta method on log(rate ratio), which stays inside (-1, inf)
and is what the demo's true uplift (treatment = base x (1 + uplift)) is expressed in.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from scipy.stats import norm


@dataclass(frozen=True)
class ABResult:
    exposures_test: int
    conversions_test: int
    exposures_control: int
    conversions_control: int
    rate_test: float | None
    rate_control: float | None
    absolute_lift: float | None
    absolute_lift_ci_low: float | None
    absolute_lift_ci_high: float | None
    relative_lift: float | None
    relative_lift_ci_low: float | None
    relative_lift_ci_high: float | None
    z: float | None
    p_value: float | None
    power_at_observed: float | None
    required_per_arm: int | None
    is_sample_sufficient: bool
    note: str

    def as_dict(self) -> dict:
        return asdict(self)


def required_sample_per_arm(base_rate: float, relative_mde: float, alpha: float = 0.05, power: float = 0.8) -> int | None:
    """People per arm to detect a relative lift of ``relative_mde`` over ``base_rate`` (two-sided)."""
    p1, p2 = base_rate, base_rate * (1 + relative_mde)
    if not (0 < p1 < 1 and 0 < p2 < 1) or p1 == p2:
        return None
    za, zb = norm.ppf(1 - alpha / 2), norm.ppf(power)
    pbar = (p1 + p2) / 2
    n = (za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p2 - p1) ** 2
    return math.ceil(n)


def two_proportion_test(
    conversions_test: int, exposures_test: int, conversions_control: int, exposures_control: int,
    alpha: float = 0.05, relative_mde: float = 0.2, power: float = 0.8,
) -> ABResult:
    """Pooled two-proportion z-test, Wald interval on the difference, log-ratio interval on the lift.

    ``is_sample_sufficient``: both arms hold at least the sample needed to detect ``relative_mde``
    at the control's rate with the given power.
    """
    for name, x, n in (("test", conversions_test, exposures_test), ("control", conversions_control, exposures_control)):
        if n < 0 or x < 0 or x > n:
            raise ValueError(f"{name} arm: conversions {x} must be between 0 and exposures {n}")
    nt, xt, nc, xc = int(exposures_test), int(conversions_test), int(exposures_control), int(conversions_control)
    empty = dict(rate_test=None, rate_control=None, absolute_lift=None, absolute_lift_ci_low=None,
                 absolute_lift_ci_high=None, relative_lift=None, relative_lift_ci_low=None,
                 relative_lift_ci_high=None, z=None, p_value=None, power_at_observed=None, required_per_arm=None)
    if nt == 0 or nc == 0:
        return ABResult(nt, xt, nc, xc, **empty, is_sample_sufficient=False, note="an arm has no exposures")
    pt, pc = xt / nt, xc / nc
    zq = norm.ppf(1 - alpha / 2)
    diff = pt - pc
    se_diff = math.sqrt(pt * (1 - pt) / nt + pc * (1 - pc) / nc)
    pooled = (xt + xc) / (nt + nc)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / nt + 1 / nc))
    z = diff / se_pooled if se_pooled > 0 else None
    p_value = float(2 * norm.sf(abs(z))) if z is not None else None
    if xt > 0 and xc > 0:
        rel = pt / pc - 1
        se_log = math.sqrt(1 / xt - 1 / nt + 1 / xc - 1 / nc)
        rel_low, rel_high = math.exp(math.log(pt / pc) - zq * se_log) - 1, math.exp(math.log(pt / pc) + zq * se_log) - 1
        note = ""
    else:
        rel = rel_low = rel_high = None
        note = "no conversions in an arm: relative lift undefined"
    power_obs = None
    if se_diff > 0 and diff != 0:
        power_obs = float(norm.sf(zq - abs(diff) / se_diff) + norm.cdf(-zq - abs(diff) / se_diff))
    required = required_sample_per_arm(pc, relative_mde, alpha, power) if 0 < pc < 1 else None
    sufficient = required is not None and nt >= required and nc >= required
    if required is None and not note:
        note = "control rate is 0 or 1: required sample unknown"
    return ABResult(
        nt, xt, nc, xc, pt, pc, diff, diff - zq * se_diff, diff + zq * se_diff, rel, rel_low, rel_high,
        z, p_value, power_obs, required, sufficient, note,
    )
