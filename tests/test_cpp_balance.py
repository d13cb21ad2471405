"""The C++ command shaping, CoP plan, balance law and capture step of walking (cerebellum._core
CommandRamp, VelocityAverage, DriftCorrection, SoleGeometry, SupportArea, CopPlan): bad settings
and inputs, the sole geometry of the walk controller's setup, no allocation per call."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest
from tick_taps import walk_context

from cerebellum import _core
from cerebellum.controllers.gait import LEFT, RIGHT, Foothold
from cerebellum.controllers.walk_setup import WalkSetup

ATOL = 1e-12


@pytest.fixture(scope="module")
def setup():
    return WalkSetup(walk_context("h1"))


def _geometry(su) -> _core.SoleGeometry:
    """The C++ sole geometry of the walk controller's setup ``su``."""
    return _core.SoleGeometry.from_sole_rectangle(
        su.gait.sole_rectangle, su.config.balance.cop_margin, su.lateral_scale
    )


def _random_feet(rng):
    feet = np.zeros((2, 3))
    yaw0 = rng.uniform(-math.pi, math.pi)
    base = rng.uniform(-2, 2, 2)
    for f, side in ((LEFT, 1.0), (RIGHT, -1.0)):
        y = yaw0 + rng.uniform(-0.3, 0.3)
        feet[f, :2] = base + side * 0.12 * np.array([-math.sin(y), math.cos(y)])
        feet[f, :2] += rng.uniform(-0.2, 0.2, 2)
        feet[f, 2] = rng.uniform(-0.05, 0.2)
    yaws = yaw0 + rng.uniform(-0.3, 0.3, 2)
    return feet, yaws


def _random_footholds(rng, t0: float, n: int):
    """n alternating swings: step period, double support (sometimes none) and timing jitter."""
    T = rng.uniform(0.3, 0.6)
    ds = 0.0 if rng.random() < 0.25 else rng.uniform(0.02, 0.25 * T)
    lo = t0 + rng.uniform(-0.4, 0.6)
    first = int(rng.integers(2))
    out = []
    for k in range(n):
        tss = T - ds if rng.random() < 0.7 else T - ds * rng.uniform(0.0, 1.0)
        pos = np.array([*rng.uniform(-2, 2, 2), rng.uniform(-0.05, 0.2)])
        out.append(
            Foothold(
                (first + k) % 2,
                pos,
                float(rng.uniform(-3, 3)),
                np.array([0.0, 0.0, 1.0]),
                float(lo),
                float(lo + tss),
            )
        )
        lo += T
    return out


# -- command shaping --------------------------------------------------------------------------


def test_command_shaping_bad_settings():
    s = _core.CommandShapingSettings()
    s.max_accel_mps2 = 0.0
    with pytest.raises(ValueError, match="max_accel_mps2"):
        _core.CommandRamp(s)
    s = _core.CommandShapingSettings()
    s.lateral_drift_gain = -1.0
    with pytest.raises(ValueError, match="lateral_drift_gain"):
        _core.DriftCorrection(s)
    with pytest.raises(ValueError, match="window_s"):
        _core.VelocityAverage(0.0)
    with pytest.raises(ValueError, match="vx, vy, yaw_rate"):
        _core.CommandRamp().step(0.0, (1.0, 2.0))


# -- CoP plan ---------------------------------------------------------------------------------


@pytest.mark.parametrize("robot", ["h1", "talos"])
def test_sole_geometry_is_walkings(robot):
    """The sole centre is the setup's; the CoP box is the sole rectangle scaled by cop_margin
    (and the lateral scale sideways)."""
    su = WalkSetup(walk_context(robot))
    g = _geometry(su)
    np.testing.assert_allclose(g.centre, su.sole_centre, rtol=0, atol=0)
    x0, x1, y0, y1 = su.gait.sole_rectangle
    m = su.config.balance.cop_margin
    ml = m * su.lateral_scale
    np.testing.assert_allclose(g.cop_box, (x0 * m, x1 * m, y0 * ml, y1 * ml), rtol=0, atol=0)
    rng = np.random.default_rng(3)
    for _ in range(50):
        p, y = rng.uniform(-2, 2, 3), float(rng.uniform(-4, 4))
        np.testing.assert_allclose(g.centre_at(p, y), su.sole_centre_world(p, y), atol=ATOL)
    with pytest.raises(ValueError, match="cop_margin"):
        _core.SoleGeometry.from_sole_rectangle(su.gait.sole_rectangle, 0.0, 1.0)
    with pytest.raises(ValueError, match="sole_rectangle"):
        _core.SoleGeometry.from_sole_rectangle((0.1, -0.1, -0.05, 0.05), 0.8, 1.0)


def test_cop_plan_bad_inputs(setup):
    cp = _core.CopPlan(setup.gait, _geometry(setup), 2)
    rng = np.random.default_rng(0)
    feet, yaws = _random_feet(rng)
    with pytest.raises(ValueError, match="capacity"):
        cp.waypoints(0.0, _random_footholds(rng, 0.0, 3), feet, yaws)
    bad = [dataclasses.replace(_random_footholds(rng, 0.0, 1)[0], foot=2)]
    with pytest.raises(ValueError, match="foot"):
        cp.waypoints(0.0, bad, feet, yaws)
    with pytest.raises(ValueError, match="feet"):
        cp.waypoints(0.0, [], feet[:1], yaws)
    with pytest.raises(ValueError, match="capacity"):
        _core.SupportArea(_geometry(setup), 1).set(_random_footholds(rng, 0.0, 2), feet, yaws)
    with pytest.raises(ValueError, match="step_duration_s"):
        _core.CopPlan(dataclasses.replace(setup.gait, step_duration_s=-1.0), _geometry(setup))
    # no footholds ahead: at rest between the sole centres
    t, c = cp.waypoints(1.0, [], feet, yaws)
    g = _geometry(setup)
    np.testing.assert_allclose(t, [1.0])
    np.testing.assert_allclose(
        c[0], 0.5 * (g.centre_at(feet[0], yaws[0]) + g.centre_at(feet[1], yaws[1]))
    )


def test_rt_check_walking_pieces_no_allocation():
    """Command shaping, CoP waypoints + anchor, the DCM law + CoM references and the capture
    state allocate nothing per call (random footholds, with and without double support)."""
    from cerebellum.robots import load_robot

    exe = Path(_core.__file__).parent / "bin" / "cerebellum_rt_check"
    if not exe.exists():
        pytest.skip(f"cerebellum_rt_check is not installed next to _core ({exe})")
    cfg = load_robot("h1")
    out = subprocess.run(
        [str(exe), str(cfg.model_path()), "--calls", "1000"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    report = json.loads(out.stdout)
    for name in (
        "walk_command_shaping",
        "walk_cop_waypoints",
        "walk_balance_law",
        "walk_capture_state",
    ):
        assert report[name] == {"calls": 1000, "allocations": 0}, name
