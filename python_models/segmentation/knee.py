"""Kneedle-style knee / elbow detection (Satopaa et al. 2011), implemented with numpy only.

Both axes are normalised to [0, 1]; the *difference curve* is the vertical distance between the curve
and the chord joining its end points (below the chord for convex curves, above it for concave ones).
Local maxima of the difference curve are knee candidates; as in Kneedle, a candidate is confirmed when
the difference curve later drops below ``diff_max - sensitivity * mean(step in x)`` before a higher
maximum appears. The most prominent confirmed candidate is returned (the first one with
``strategy="first"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class KneeResult:
    index: int | None
    x: float | None
    y: float | None
    curve: str
    direction: str
    difference: np.ndarray = field(repr=False)
    candidates: tuple[int, ...] = ()

    @property
    def found(self) -> bool:
        return self.index is not None


def _detect_shape(xn: np.ndarray, yn: np.ndarray) -> tuple[str, str]:
    direction = "increasing" if yn[-1] >= yn[0] else "decreasing"
    chord = yn[0] + (yn[-1] - yn[0]) * xn
    curve = "convex" if np.mean(yn - chord) < 0 else "concave"
    return curve, direction


def find_knee(
    x,
    y,
    *,
    curve: str = "auto",
    direction: str = "auto",
    sensitivity: float = 1.0,
    strategy: str = "prominent",
    min_difference: float = 0.02,
) -> KneeResult:
    """Knee of ``y(x)``.

    curve: "convex" | "concave" | "auto"; direction: "increasing" | "decreasing" | "auto".
    An inertia-vs-k curve is convex decreasing (the elbow); a sorted k-distance curve is convex
    increasing. Returns ``index=None`` when the curve has no knee (e.g. a straight line), i.e. when no
    point lies at least ``min_difference`` (normalised units) off the chord.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("x and y must be 1-D arrays of the same length")
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    n = len(x)
    if n < 3:
        return KneeResult(None, None, None, curve, direction, np.zeros(n))
    xr = x.max() - x.min()
    yr = y.max() - y.min()
    if xr == 0 or yr == 0:
        return KneeResult(None, None, None, curve, direction, np.zeros(n))
    xn = (x - x.min()) / xr
    yn = (y - y.min()) / yr
    auto_curve, auto_dir = _detect_shape(xn, yn)
    curve = auto_curve if curve == "auto" else curve
    direction = auto_dir if direction == "auto" else direction
    if curve not in ("convex", "concave") or direction not in ("increasing", "decreasing"):
        raise ValueError("curve must be convex|concave|auto and direction increasing|decreasing|auto")
    start, end = (0.0, 1.0) if direction == "increasing" else (1.0, 0.0)
    chord = start + (end - start) * xn
    diff = chord - yn if curve == "convex" else yn - chord

    # local maxima of the difference curve (plateaus: first point)
    cand = [
        i
        for i in range(1, n - 1)
        if diff[i] >= diff[i - 1] and diff[i] > diff[i + 1] and diff[i] >= min_difference
    ]
    if not cand:
        return KneeResult(None, None, None, curve, direction, diff[np.argsort(order)])
    step = float(np.mean(np.diff(xn)))
    confirmed = []
    for c_i, i in enumerate(cand):
        threshold = diff[i] - sensitivity * step
        nxt = cand[c_i + 1] if c_i + 1 < len(cand) else n
        later = diff[i + 1 : nxt + 1] if nxt < n else diff[i + 1 :]
        # confirmed if the curve falls below the threshold before the next candidate (or the end)
        if np.any(later < threshold) or nxt == n:
            confirmed.append(i)
    if not confirmed:
        confirmed = cand
    if strategy == "first":
        best = confirmed[0]
    elif strategy == "prominent":
        best = max(confirmed, key=lambda i: diff[i])
    else:
        raise ValueError("strategy must be 'prominent' or 'first'")
    inv = np.argsort(order)
    return KneeResult(
        index=int(order[best]),
        x=float(x[best]),
        y=float(y[best]),
        curve=curve,
        direction=direction,
        difference=diff[inv],
        candidates=tuple(int(order[i]) for i in confirmed),
    )
