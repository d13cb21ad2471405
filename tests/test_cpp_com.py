"""The C++ CoM planner (cerebellum._core.ComPlan, DescentFilter, support_ground) against the
Python reference controllers.com_planner."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cerebellum import _core
from cerebellum.controllers import com_planner as ref


def _random_plan(rng, k):
    times = np.cumsum(rng.uniform(0.02, 0.6, k)) + rng.uniform(-1.0, 1.0)
    cops = rng.uniform(-0.5, 0.5, (k, 2))
    com0 = cops[0] + rng.uniform(-0.1, 0.1, 2)
    vcom0 = rng.uniform(-0.5, 0.5, 2)
    h = rng.uniform(0.5, 1.1)
    return times, cops, com0, vcom0, h


@pytest.mark.parametrize("seed", range(30))
def test_com_plan_matches_python(seed):
    rng = np.random.default_rng(seed)
    cp = _core.ComPlan(32)
    for k in range(1, 21):
        times, cops, com0, vcom0, h = _random_plan(rng, k)
        py = ref.plan_com(times, cops, com0, vcom0, h)
        w = _core.omega_for(h)
        assert w == pytest.approx(py.omega, abs=1e-15)
        cp.plan(times, cops, com0, vcom0, w)
        assert cp.size() == k
        np.testing.assert_allclose(cp.dcm_waypoints, py.dcm_waypoints, rtol=0, atol=1e-10)
        for i in range(k):
            np.testing.assert_allclose(cp.dcm_waypoint(i), py.dcm_waypoints[i], atol=1e-10)
        # before the first waypoint, at and between waypoints, and after the last one
        ts = np.concatenate(
            [
                [times[0] - 0.3, times[-1] + 0.4],
                times,
                rng.uniform(times[0] - 0.2, times[-1] + 0.5, 25),
            ]
        )
        np.testing.assert_allclose(cp.com_at(ts), py.com_at(ts), rtol=0, atol=1e-10)
        for t in ts:
            a, b = cp.sample(float(t)), py.sample(float(t))
            for f in ("com", "vcom", "acom", "dcm", "dcm_dot", "cop"):
                scale = max(1.0, float(np.max(np.abs(getattr(b, f)))))
                np.testing.assert_allclose(
                    getattr(a, f), getattr(b, f), rtol=0, atol=1e-10 * scale, err_msg=f
                )


def test_com_plan_starts_at_com0_and_ends_at_rest():
    times = np.array([0.0, 0.4, 0.8, 1.2])
    cops = np.array([[0.0, 0.0], [0.1, 0.1], [0.2, -0.1], [0.3, 0.0]])
    cp = _core.ComPlan(8)
    cp.plan(times, cops, np.array([0.01, 0.02]), np.zeros(2), _core.omega_for(0.9))
    np.testing.assert_allclose(cp.sample(0.0).com, [0.01, 0.02], atol=1e-14)
    np.testing.assert_allclose(cp.dcm_waypoint(3), cops[-1], atol=0)
    s = cp.sample(1.2 + 1e3)  # long after: constant CoP, DCM at rest on it
    np.testing.assert_allclose(s.dcm, cops[-1], atol=0)
    np.testing.assert_allclose(s.dcm_dot, 0, atol=0)


@pytest.mark.parametrize(
    "times, cops, msg",
    [
        (np.zeros(0), np.zeros((0, 2)), "non-empty"),
        (np.array([0.0, 0.0]), np.zeros((2, 2)), "increasing"),
        (np.array([0.0, 1.0, 0.5]), np.zeros((3, 2)), "increasing"),
        (np.array([0.0, math.nan]), np.zeros((2, 2)), "finite"),
        (np.array([0.0, 1.0]), np.array([[0.0, 0.0], [math.inf, 0.0]]), "finite"),
        (np.arange(5.0), np.zeros((5, 2)), "capacity"),
        (np.arange(3.0), np.zeros((2, 2)), "cops"),
    ],
)
def test_com_plan_bad_inputs(times, cops, msg):
    cp = _core.ComPlan(4)
    with pytest.raises(ValueError, match=msg):
        cp.plan(times, cops, np.zeros(2), np.zeros(2), 3.0)


def test_com_plan_bad_omega_and_height():
    cp = _core.ComPlan(4)
    with pytest.raises(ValueError, match="omega"):
        cp.plan(np.arange(2.0), np.zeros((2, 2)), np.zeros(2), np.zeros(2), 0.0)
    with pytest.raises(ValueError, match="com_height_m"):
        _core.omega_for(-1.0)
    with pytest.raises(IndexError):
        cp.dcm_waypoint(0)


def _targets(rng, n):
    """Ground heights: steps down and up, and target changes in the middle of a descent."""
    out, z = [], 0.9
    while len(out) < n:
        kind = rng.integers(4)
        if kind == 0:
            z -= rng.uniform(0.01, 0.3)  # step down
        elif kind == 1:
            z += rng.uniform(0.01, 0.3)  # step up
        elif kind == 2:
            z += rng.uniform(-0.05, 0.05)  # small change
        hold = int(rng.integers(1, 400)) if kind != 3 else int(rng.integers(1, 15))
        out += [z] * hold
    return out[:n]


@pytest.mark.parametrize("seed", range(10))
def test_descent_filter_matches_python(seed):
    rng = np.random.default_rng(100 + seed)
    vmax, amax = rng.uniform(0.05, 1.0), rng.uniform(0.5, 10.0)
    drop = 0.0 if seed < 5 else rng.uniform(0.005, 0.04)
    py = ref.DescentFilter(0.9, vmax, amax, drop)
    cf = _core.DescentFilter(0.9, vmax, amax, drop)
    descended = 0
    for target in _targets(rng, 3000):
        dt = float(rng.choice([0.001, 0.002, 0.01]))
        a, b = cf.step(target, dt), py.step(target, dt)
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
        descended += b[1] < 0
    assert descended > 100  # the sequences did exercise the bounded descent
    assert (cf.z, cf.dz, cf.ddz) == pytest.approx((py.z, py.dz, py.ddz), abs=1e-12)


def test_descent_filter_bounds():
    with pytest.raises(ValueError, match="bounds"):
        _core.DescentFilter(0.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="bounds"):
        _core.DescentFilter(0.0, 1.0, -1.0)
    f = _core.DescentFilter(1.0, 0.3, 3.0)
    with pytest.raises(ValueError, match="bounds"):
        f.reset(0.0, 1.0, 0.0)
    with pytest.raises(ValueError, match="min_drop_m"):
        f.reset(0.0, 1.0, 1.0, float("nan"))
    with pytest.raises(ValueError, match="min_drop_m"):
        _core.DescentFilter(0.0, 1.0, 1.0, -0.01)
    f.reset(0.5, 0.2, 2.0, 0.01)
    assert (f.z, f.dz, f.ddz, f.max_speed_mps, f.max_accel_mps2) == (0.5, 0.0, 0.0, 0.2, 2.0)
    assert f.min_drop_m == 0.01


@pytest.mark.parametrize(
    "stance, swing, landed, drop",
    [
        ([0.0], None, None, 0.02),
        ([0.1], 0.0, None, 0.02),  # stepping down in single support
        ([0.1], 0.09, None, 0.02),  # too small a drop
        ([0.1], 0.3, None, 0.02),  # stepping up
        ([0.1, 0.0], None, 0.0, 0.02),  # landed lower
        ([0.1, 0.0], None, 0.1, 0.02),  # landed higher
        ([0.1, 0.0], 0.0, None, 0.02),  # swing ignored in double support
        ([0.1], None, 0.0, 0.02),  # landed ignored in single support
        ([0.1, 0.085], None, 0.085, 0.02),
        ([0.1, 0.085], None, 0.085, 0.01),
        ([0.2, 0.3], 0.0, 0.25, 0.0),
    ],
)
def test_support_ground_matches_python(stance, swing, landed, drop):
    a = _core.support_ground(stance, swing, landed, drop)
    b = ref.support_ground(stance, swing, landed, drop)
    assert a == b


def test_support_ground_random():
    rng = np.random.default_rng(7)
    for _ in range(2000):
        n = int(rng.integers(1, 3))
        stance = list(rng.uniform(-0.2, 0.2, n))
        swing = None if rng.random() < 0.3 else float(rng.uniform(-0.3, 0.3))
        landed = (
            None if rng.random() < 0.3 else float(rng.choice(stance + [rng.uniform(-0.3, 0.3)]))
        )
        drop = float(rng.uniform(0.0, 0.1))
        assert _core.support_ground(stance, swing, landed, drop) == ref.support_ground(
            stance, swing, landed, drop
        )
