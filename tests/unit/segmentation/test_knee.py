import numpy as np
import pytest

from python_models.segmentation import find_knee


def test_piecewise_linear_elbow():
    x = np.arange(1, 9)
    y = np.array([10, 8, 6, 4, 3.8, 3.6, 3.4, 3.2])
    r = find_knee(x, y, curve="convex", direction="decreasing")
    assert r.x == 4


def test_auto_detects_shape_and_is_scale_invariant():
    x = np.arange(1, 9)
    y = np.array([10, 8, 6, 4, 3.8, 3.6, 3.4, 3.2])
    r = find_knee(x, y)
    assert (r.curve, r.direction, r.x) == ("convex", "decreasing", 4)
    assert find_knee(x * 7 + 3, y * 1000 - 5).index == r.index


def test_k_distance_like_curve_convex_increasing():
    y = np.r_[np.linspace(0.1, 1.0, 80), np.linspace(1.5, 10, 20)]
    r = find_knee(np.arange(100), y, curve="convex", direction="increasing")
    assert r.index in (79, 80)


def test_concave_increasing_saturation():
    x = np.arange(0, 20)
    y = np.minimum(x, 6) + 0.01 * x
    r = find_knee(x, y, curve="concave", direction="increasing")
    assert r.x == 6


def test_inverse_curve():
    x = np.arange(1, 21)
    r = find_knee(x, 1.0 / x)
    assert 2 <= r.x <= 5


@pytest.mark.parametrize("y", [np.arange(10.0) * 2 + 1, np.ones(10)])
def test_no_knee_on_line_or_constant(y):
    assert not find_knee(np.arange(10), y).found


def test_order_of_points_does_not_matter():
    x = np.arange(1, 9)
    y = np.array([10, 8, 6, 4, 3.8, 3.6, 3.4, 3.2])
    perm = np.array([3, 0, 7, 1, 6, 2, 5, 4])
    r = find_knee(x[perm], y[perm])
    assert x[perm][r.index] == 4
