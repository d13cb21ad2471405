"""C++ ContactSchedule and GaitPlanner (cerebellum._core) against controllers.gait, over closed
sequences of calls with changing commands (stand, start, walk, turn, sidestep, stop, restart)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from cerebellum import _core, load_robot
from cerebellum.controllers.gait import (
    ContactSchedule,
    GaitPlanner,
    GaitSettings,
    GaitState,
    VelocityCommand,
)
from cerebellum.sim.terrain import make_terrain

TOL = 1e-10

SETTINGS = {
    "default": GaitSettings(),
    "h1": GaitSettings(
        step_duration_s=0.45,
        double_support_ratio=0.2,
        nominal_width_m=0.4,
        min_step_width_m=0.3,
        max_step_width_m=0.65,
        max_step_length_m=0.45,
        nominal_foot_x_m=0.03,
        base_height_m=0.98,
        com_height_m=0.95,
        sole_rectangle=(-0.08, 0.14, -0.04, 0.04),
        fast_double_support_ratio=0.1,
        fast_speed_mps=0.6,
        swing_xy_ramp=0.3,
        swing_xy_ramp_travel_m=0.1,
        initial_double_support_s=0.3,
    ),
}

# (from t, command): stand, walk, turn, sidestep, stop, restart faster, stop
SCRIPT = [
    (0.0, VelocityCommand()),
    (0.3, VelocityCommand(0.4, 0.0, 0.0)),
    (2.2, VelocityCommand(0.3, 0.0, 0.5)),
    (3.4, VelocityCommand(0.0, 0.15, 0.0)),
    (4.4, VelocityCommand()),
    (5.6, VelocityCommand(0.7, -0.05, -0.2)),
    (7.0, VelocityCommand()),
]


def _command(t: float) -> VelocityCommand:
    return [c for t0, c in SCRIPT if t >= t0][-1]


class Vectorised:
    """A compiled terrain seen through array queries (the Python planner then reads exactly the
    heights and normals the C++ planner reads)."""

    def __init__(self, q):
        self.q = q

    def height(self, x, y):
        return self.q.heights(np.asarray(x, float), np.asarray(y, float))

    def normal(self, x, y):
        return self.q.normals(np.asarray(x, float), np.asarray(y, float))

    def query(self):
        return self.q


def test_contact_schedule_matches_python():
    for st in SETTINGS.values():
        py, cpp = ContactSchedule.standing(st), _core.ContactSchedule.standing(st)
        rng = np.random.default_rng(3)
        t = 0.0
        while t < 8.5:
            cmd = _command(t)
            py.update(t, cmd)
            cpp.update(t, cmd)
            times = t + rng.uniform(-0.05, 2.0, 40)
            np.testing.assert_array_equal(cpp.flags_at(times), py.flags_at(times))
            np.testing.assert_array_equal(cpp.horizon(t, 0.04, 25), py.horizon(t, 0.04, 25))
            np.testing.assert_array_equal(cpp.flags(t), py.flags(t))
            assert cpp.is_walking(t) == py.is_walking(t)
            a, b = py.swings(t, t + 1.5), cpp.swings(t, t + 1.5)
            assert [(s.foot, s.t_liftoff, s.t_touchdown) for s in a] == [
                (s.foot, s.t_liftoff, s.t_touchdown) for s in b
            ]
            a, b = py.next_swings(t, 3), cpp.next_swings(t, 3)
            assert [(s.foot, s.t_liftoff, s.t_touchdown) for s in a] == [
                (s.foot, s.t_liftoff, s.t_touchdown) for s in b
            ]
            for f in (0, 1):
                pa, pb = py.swing_phase(t + 0.01, f), cpp.swing_phase(t + 0.01, f)
                assert (pa is None and pb is None) or pb == pytest.approx(pa, abs=1e-14)
            t += float(rng.uniform(0.005, 0.05))
    # explicit start / stop
    st = SETTINGS["h1"]
    py, cpp = ContactSchedule.walking(st, 0.2, 1), _core.ContactSchedule.walking(st, 0.2, 1)
    for s in (py, cpp):
        s.stop(1.37)
        s.start(2.5, double_support_s=0.15)
        s.stop(2.6)
        s.start(2.61)  # cancels the pending stop
    times = np.linspace(0.0, 5.0, 1001)
    np.testing.assert_array_equal(cpp.flags_at(times), py.flags_at(times))
    with pytest.raises(ValueError, match="first_swing"):
        _core.ContactSchedule(st).start(0.0, 3)


def _state_from(plan, k: int, frac: float, foot_yaw, rng: np.random.Generator) -> GaitState:
    """The state `frac` of the way from knot k to k + 1 of a (Python) plan, with noise on the
    base velocity (the capture-point feedback acts on it)."""

    def lerp(a):
        return (1.0 - frac) * a[k] + frac * a[k + 1]

    v = lerp(plan.base_velocity) + np.r_[rng.normal(0.0, 0.05, 2), 0.0]
    return GaitState(
        lerp(plan.base_position), float(lerp(plan.base_yaw)), v, lerp(plan.foot_positions), foot_yaw
    )


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


TERRAINS = {
    "flat": None,
    "stairs-up": dict(name="stairs", rise_m=0.1, run_m=0.3, steps=5),
    "stairs-down": dict(name="stairs", rise_m=0.15, run_m=0.3, steps=5, direction="down"),
    "stones": dict(name="stepping_stones", size_m=0.3, gap_m=0.1, seed=2),
    "slope-up": dict(name="slope", angle_deg=10.0, length_m=4.0),
    "rough": dict(name="rough", amplitude_m=0.03, extent_m=12.0, seed=4),
}


@pytest.mark.parametrize("period", [0.04, 0.01])
@pytest.mark.parametrize("settings", list(SETTINGS))
@pytest.mark.parametrize("terrain_name", list(TERRAINS))
def test_gait_planner_matches_python(terrain_name, settings, period):
    """Both planners get the same states: those of ideal tracking of the Python plan (between its
    first two knots, `period` after the call), with noise on the base velocity.

    On a terrain the Python planner places its footholds with the C++ FootstepPlanner: its
    search can pick either of two equidistant candidates (a tie that the rounding of numpy's
    BLAS matmul decides, see test_cpp_footsteps.py), after which the two walks would differ. The
    footholds themselves are compared with the Python search in test_cpp_footsteps.py."""
    st = SETTINGS[settings]
    params = TERRAINS[terrain_name]
    if params is None:
        py_terrain = cpp_terrain = None
    else:
        params = dict(params)
        cpp_terrain = make_terrain(params.pop("name"), **params).query()
        py_terrain = Vectorised(cpp_terrain)
    py = GaitPlanner(st, terrain=py_terrain)
    if py_terrain is not None:
        py.footsteps = _core.FootstepPlanner(st)
    cpp = _core.GaitPlanner(st, terrain=cpp_terrain)
    rng = np.random.default_rng(1)
    state = GaitState(
        np.array([0.0, 0.0, st.base_height_m]),
        0.0,
        np.zeros(3),
        np.array([[0.0, st.nominal_width_m / 2, 0.0], [0.0, -st.nominal_width_m / 2, 0.0]]),
    )
    dt, n = 0.04, 25
    t, calls, walked, held = 0.0, 0, False, 0
    foot_yaw = np.zeros(2)
    while t < 8.5:
        cmd = _command(t)
        a = py.plan(t, state, cmd, n, dt)
        b = cpp.plan(t, state, cmd, n, dt)
        _compare_plans(a, b)
        calls += 1
        walked |= not a.contact[0].all()
        held += any(
            fh.t_liftoff <= t and not np.isnan(a.swing_phase[fh.foot]) for fh in a.footholds
        )
        for fh in a.footholds:  # soles keep the yaw of their last touchdown
            if fh.t_touchdown <= t + period:
                foot_yaw[fh.foot] = fh.yaw
        state = _state_from(a, 0, period / dt, foot_yaw.copy(), rng)
        t += period
    assert walked and held > 10 and calls > 200
    # the schedule of the C++ planner is its own ContactSchedule
    np.testing.assert_array_equal(
        cpp.schedule.horizon(t, 0.04, 25), py.schedule.horizon(t, 0.04, 25)
    )


def _is_tie(st, record, fa, fb) -> bool:
    """fa (Python) and fb (C++) are equally good candidates of the search that produced them:
    equal cost, or equal violation key when infeasible, to 1e-12."""
    foot, lo, td, base, yaw, cmd, verr, stance, terrain = record[(fa.foot, fa.t_liftoff)]
    fp = _core.FootstepPlanner(st)
    stance_s = lo + 2.0 * st.step_duration_s - td
    xy, sole_yaw = fp.heuristic(foot, base, yaw, cmd, verr, stance_s)
    xy = fp.clamp(foot, xy, yaw, stance[:2])
    for scale in (1.0, 2.0):
        sa = fp.score(terrain.query(), fa.position[:2], xy, sole_yaw, stance, scale)
        sb = fp.score(terrain.query(), fb.position[:2], xy, sole_yaw, stance, scale)
        if not sa["feasible"] == sb["feasible"] == fb.feasible == fa.feasible:
            continue
        ka, kb = sa["cost"], sb["cost"]
        if not fb.feasible:
            ka, kb = sa["violation"] + 1e-3 * ka, sb["violation"] + 1e-3 * kb
        if abs(ka - kb) <= 1e-12:
            return True
    return False


@pytest.mark.parametrize("settings", list(SETTINGS))
@pytest.mark.parametrize("terrain_name", [k for k in TERRAINS if k != "flat"])
def test_gait_planner_matches_python_search(terrain_name, settings):
    """The all-Python planner on a terrain, against the C++ planner: identical plans until (if
    ever) the two footstep searches break a tie between equidistant candidates differently; that
    first difference must be such a tie."""
    st = SETTINGS[settings]
    params = dict(TERRAINS[terrain_name])
    q = make_terrain(params.pop("name"), **params).query()
    py, cpp = GaitPlanner(st, terrain=Vectorised(q)), _core.GaitPlanner(st, terrain=q)
    record = {}
    place = py.footsteps.place

    def recorded_place(*args):
        record[(args[0], args[1])] = args
        return place(*args)

    py.footsteps.place = recorded_place
    rng = np.random.default_rng(1)
    state = GaitState(
        np.array([0.0, 0.0, st.base_height_m]),
        0.0,
        np.zeros(3),
        np.array([[0.0, st.nominal_width_m / 2, 0.0], [0.0, -st.nominal_width_m / 2, 0.0]]),
    )
    t, period, foot_yaw = 0.0, 0.01, np.zeros(2)
    while t < 8.5:
        cmd = _command(t)
        a, b = py.plan(t, state, cmd, 25, 0.04), cpp.plan(t, state, cmd, 25, 0.04)
        try:
            _compare_plans(a, b)
        except AssertionError:
            diff = [
                (fa, fb)
                for fa, fb in zip(a.footholds, b.footholds, strict=True)
                if not np.allclose(fa.position, fb.position, atol=TOL, rtol=0)
            ]
            assert diff, "plans differ with identical footholds"
            assert _is_tie(st, record, *diff[0]), f"not a tie at t = {t}: {diff[0]}"
            assert t > 1.0  # the walk was compared up to here
            return
        for fh in a.footholds:
            if fh.t_touchdown <= t + period:
                foot_yaw[fh.foot] = fh.yaw
        state = _state_from(a, 0, period / 0.04, foot_yaw.copy(), rng)
        t += period


def test_gait_planner_external_schedule_and_reset():
    st = SETTINGS["default"]
    py = GaitPlanner(st, follow_command=False)
    cpp = _core.GaitPlanner(st, follow_command=False)
    py.schedule.start(0.1, 1)
    cpp.schedule.start(0.1, 1)
    state = GaitState(np.array([0.0, 0.0, 0.95]), 0.1, np.zeros(3), [[0, 0.12, 0], [0, -0.13, 0]])
    cmd = VelocityCommand(0.3)
    for k in range(30):
        t = 0.05 * k
        if k == 15:
            py.reset()
            cpp.reset()
        _compare_plans(py.plan(t, state, cmd, 10, 0.05), cpp.plan(t, state, cmd, 10, 0.05))


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
