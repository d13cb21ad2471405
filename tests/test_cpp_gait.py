"""C++ GaitPlanner (cerebellum._core): reset() against a new planner, bad arguments, no
allocation per plan. (Its plans' properties: tests/test_gait.py.)"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from cerebellum import _core, load_robot
from cerebellum.controllers.gait import GaitSettings, GaitState, VelocityCommand

TOL = 1e-10


def _compare_plans(a, b, tol=TOL) -> None:
    np.testing.assert_allclose(b.times, a.times, atol=1e-14, rtol=0)
    np.testing.assert_array_equal(b.contact, a.contact)
    assert len(b.footholds) == len(a.footholds)
    for fa, fb in zip(a.footholds, b.footholds, strict=True):
        assert (fb.foot, fb.t_liftoff, fb.t_touchdown, fb.feasible) == (
            fa.foot,
            fa.t_liftoff,
            fa.t_touchdown,
            fa.feasible,
        )
        np.testing.assert_allclose(fb.position, fa.position, atol=tol, rtol=0)
        np.testing.assert_allclose(fb.normal, fa.normal, atol=tol, rtol=0)
        assert fb.yaw == pytest.approx(fa.yaw, abs=tol)
    np.testing.assert_allclose(b.foot_positions, a.foot_positions, atol=tol, rtol=0)
    np.testing.assert_allclose(b.foot_normals, a.foot_normals, atol=tol, rtol=0)
    np.testing.assert_allclose(b.base_position, a.base_position, atol=tol, rtol=0)
    np.testing.assert_allclose(b.base_yaw, a.base_yaw, atol=tol, rtol=0)
    np.testing.assert_allclose(b.base_velocity, a.base_velocity, atol=1e-8, rtol=0)  # d/dt
    np.testing.assert_allclose(b.base_yaw_rate, a.base_yaw_rate, atol=tol, rtol=0)
    np.testing.assert_array_equal(np.isnan(b.swing_phase), np.isnan(a.swing_phase))
    np.testing.assert_allclose(b.swing_phase, a.swing_phase, atol=tol, rtol=0)
    for sa, sb in zip(a.swing, b.swing, strict=True):
        np.testing.assert_allclose(sb.position, sa.position, atol=tol, rtol=0)
        np.testing.assert_allclose(sb.rotation, sa.rotation, atol=tol, rtol=0)
        np.testing.assert_allclose(sb.velocity, sa.velocity, atol=1e-8, rtol=0)
        np.testing.assert_allclose(sb.acceleration, sa.acceleration, atol=1e-7, rtol=0)


def test_gait_planner_external_schedule_and_reset():
    """With an external schedule, reset() forgets the latched liftoff poses and touchdown
    targets: the plans after it are those of a new planner on the same schedule."""
    st = GaitSettings()
    a = _core.GaitPlanner(st, follow_command=False)
    a.schedule.start(0.1, 1)
    state = GaitState(np.array([0.0, 0.0, 0.95]), 0.1, np.zeros(3), [[0, 0.12, 0], [0, -0.13, 0]])
    cmd = VelocityCommand(0.3)
    b = None
    for k in range(30):
        t = 0.05 * k
        if k == 15:
            a.reset()
            b = _core.GaitPlanner(st, follow_command=False)
            b.schedule.start(0.1, 1)
        pa = a.plan(t, state, cmd, 10, 0.05)
        if b is not None:
            _compare_plans(pa, b.plan(t, state, cmd, 10, 0.05))
    assert b is not None


def test_gait_planner_bad_arguments():
    cpp = _core.GaitPlanner(GaitSettings(), capacity=16)
    state = GaitState(np.zeros(3), 0.0, np.zeros(3), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="knots"):
        cpp.plan(0.0, state, VelocityCommand(), 17, 0.04)
    with pytest.raises(ValueError, match="dt"):
        cpp.plan(0.0, state, VelocityCommand(), 10, 0.0)
    with pytest.raises(ValueError, match="terrain"):
        _core.GaitPlanner(GaitSettings(), terrain=object())
    with pytest.raises(ValueError, match="step_duration_s"):
        _core.GaitPlanner(type("S", (), {**GaitSettings().__dict__, "step_duration_s": -1.0})())


def test_rt_check_gait_plan_no_allocation():
    exe = Path(_core.__file__).parent / "bin" / "cerebellum_rt_check"
    if not exe.exists():
        pytest.skip(f"cerebellum_rt_check is not installed next to _core ({exe})")
    out = subprocess.run(
        [str(exe), str(load_robot("h1").model_path()), "--calls", "1000"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    report = json.loads(out.stdout)
    # walking on stepping stones and on flat ground, commands changing every 100 calls
    assert report["gait_plan"] == {"calls": 1000, "allocations": 0}
    assert report["gait_plan_flat"] == {"calls": 1000, "allocations": 0}
