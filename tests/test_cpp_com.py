"""The C++ CoM planner (cerebellum._core.ComPlan, DescentFilter): the plan's ends, bad inputs
and bounds. (The plan's dynamics, support_ground and the filter's descent: tests/test_walking.py.)
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from cerebellum import _core


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
