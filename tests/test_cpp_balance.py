"""The C++ command shaping, CoP plan, balance law and capture step of walking (cerebellum._core
CommandRamp, VelocityAverage, DriftCorrection, SoleGeometry, SupportArea, CopPlan, dcm_law,
lipm_com_reference, mpc_com_reference, capture_state) against the Python reference: the methods of
a real controllers.walking.WalkingController (H1), on random inputs and on the arguments recorded
from a closed-loop walk."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from tick_taps import walk_context

from cerebellum import _core
from cerebellum.controllers import com_planner
from cerebellum.controllers import walking as walking_mod
from cerebellum.controllers.footsteps import Foothold
from cerebellum.controllers.gait import LEFT, RIGHT, VelocityCommand


def _py_scenario(name, overrides=()):
    """A built-in scenario with the Python walking controller (the one these tests inspect)."""
    from cerebellum.sim.scenario import load_scenario

    return load_scenario(name, ['controller.options.implementation="python"', *overrides])


ATOL = 1e-12


def _ctx(options=None, robot: str = "h1"):
    return walk_context(robot, options)


@pytest.fixture(scope="module")
def ctrl():
    return walking_mod.WalkingController(_ctx())


def _shaping_settings(o) -> _core.CommandShapingSettings:
    s = _core.CommandShapingSettings()
    for f in (
        "max_accel_mps2",
        "max_yaw_accel_rad_s2",
        "forward_drift_gain",
        "max_forward_drift_m",
        "max_forward_correction_mps",
        "lateral_drift_gain",
        "max_lateral_drift_m",
        "max_lateral_correction_mps",
    ):
        setattr(s, f, float(getattr(o, f)))
    return s


def _geometry(c) -> _core.SoleGeometry:
    """The C++ sole geometry from what WalkingController was built with."""
    return _core.SoleGeometry.from_sole_rectangle(
        c.gait.sole_rectangle, c.config.balance.cop_margin, c._lateral_scale
    )


def _support(c, swings, stance) -> _core.SupportArea:
    """SupportArea of the controller's ``_swings`` ((foot, lo, td, traj)) and ``_stance_pose``."""
    s = _core.SupportArea(_geometry(c), 16)
    fh = [
        SimpleNamespace(foot=f, position=np.zeros(3), yaw=0.0, t_liftoff=lo, t_touchdown=td)
        for f, lo, td, *_ in swings
    ]
    s.set(fh, np.array([p for p, _ in stance]), np.array([y for _, y in stance]))
    return s


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


def _random_swings_stance(rng, t):
    fhs = _random_footholds(rng, t, int(rng.integers(0, 6)))
    feet, yaws = _random_feet(rng)
    swings = [(fh.foot, fh.t_liftoff, fh.t_touchdown, None) for fh in fhs]
    stance = [(feet[f].copy(), float(yaws[f])) for f in (LEFT, RIGHT)]
    return fhs, swings, stance, feet, yaws


# -- command shaping --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_ramp_matches_python(ctrl, seed):
    rng = np.random.default_rng(seed)
    ctrl._cmd, ctrl._t_cmd = np.zeros(3), -math.inf
    ramp = _core.CommandRamp(_shaping_settings(ctrl.config.command))
    t = rng.uniform(-1, 1)
    for _ in range(400):
        t += float(rng.choice([0.0, 0.02, rng.uniform(-0.05, 0.3)]))  # repeats, steps back
        target = VelocityCommand(*rng.uniform(-1.5, 1.5, 3))
        py = ctrl._ramp(t, target)
        cc = ramp.step(t, target)
        np.testing.assert_allclose(cc, (py.vx, py.vy, py.yaw_rate), rtol=0, atol=ATOL)
        np.testing.assert_allclose(ramp.command, ctrl._cmd, rtol=0, atol=ATOL)
    ramp.reset()
    assert ramp.command == (0.0, 0.0, 0.0) and ramp.t_prev == -math.inf


@pytest.mark.parametrize("seed", range(5))
def test_drift_correction_matches_python(ctrl, seed):
    rng = np.random.default_rng(10 + seed)
    cfg = ctrl.config.replace(
        {
            "command.forward_drift_gain": float(rng.uniform(0, 3)),
            "command.lateral_drift_gain": float(rng.uniform(0, 3)),
            "command.max_forward_drift_m": float(rng.uniform(0.05, 0.5)),
            "command.max_lateral_drift_m": float(rng.uniform(0.05, 0.5)),
            "command.max_forward_correction_mps": float(rng.uniform(0.02, 0.3)),
            "command.max_lateral_correction_mps": float(rng.uniform(0.02, 0.3)),
        }
    )
    o = cfg.command
    saved = ctrl.config, ctrl.planner
    walking = [True]
    ctrl.config = cfg
    ctrl.planner = SimpleNamespace(schedule=SimpleNamespace(is_walking=lambda t: walking[0]))
    ctrl._drift = np.zeros(2)
    dc = _core.DriftCorrection(_shaping_settings(o))
    clipped = 0
    try:
        for k in range(600):
            walking[0] = rng.random() > 0.05
            cmd = VelocityCommand(*rng.uniform(-1, 1, 3))
            if rng.random() < 0.05:
                cmd = VelocityCommand(*rng.uniform(-1e-3, 1e-3, 3))  # within the deadband
            ctrl._vcom_avg = rng.uniform(-1.5, 1.5, 2)
            yaw, dt = float(rng.uniform(-4, 4)), float(rng.uniform(0, 0.1))
            py = ctrl._correct_drift(float(k), dt, yaw, cmd)
            cc = dc.correct(cmd, ctrl._vcom_avg, yaw, dt, walking[0], ctrl.gait.command_deadband)
            np.testing.assert_allclose(cc, (py.vx, py.vy, py.yaw_rate), rtol=0, atol=ATOL)
            np.testing.assert_allclose(dc.drift, ctrl._drift, rtol=0, atol=ATOL)
            clipped += bool(
                np.any(np.abs(ctrl._drift) == [o.max_forward_drift_m, o.max_lateral_drift_m])
            )
    finally:
        ctrl.config, ctrl.planner = saved
    assert clipped > 10  # the drift bounds were reached


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
    c = walking_mod.WalkingController(_ctx(robot=robot))
    g = _geometry(c)
    np.testing.assert_allclose(g.centre, c._sole_centre, rtol=0, atol=0)
    np.testing.assert_allclose(g.cop_box, c._sole_box, rtol=0, atol=0)
    rng = np.random.default_rng(3)
    for _ in range(50):
        p, y = rng.uniform(-2, 2, 3), float(rng.uniform(-4, 4))
        np.testing.assert_allclose(g.centre_at(p, y), c._centre(p, y), rtol=0, atol=ATOL)
    with pytest.raises(ValueError, match="cop_margin"):
        _core.SoleGeometry.from_sole_rectangle(c.gait.sole_rectangle, 0.0, 1.0)
    with pytest.raises(ValueError, match="sole_rectangle"):
        _core.SoleGeometry.from_sole_rectangle((0.1, -0.1, -0.05, 0.05), 0.8, 1.0)


@pytest.mark.parametrize("seed", range(5))
def test_support_box_clip_and_dcm_outside_match_python(ctrl, seed):
    rng = np.random.default_rng(20 + seed)
    g = _geometry(ctrl)
    single = 0
    for _ in range(200):
        t = float(rng.uniform(-1, 3))
        fhs, swings, stance, feet, yaws = _random_swings_stance(rng, t)
        lo, hi = ctrl._support_box(stance)
        clo, chi = g.support_box(feet, yaws)
        np.testing.assert_allclose(clo, lo, rtol=0, atol=ATOL)
        np.testing.assert_allclose(chi, hi, rtol=0, atol=ATOL)
        ctrl._swings, ctrl._stance_pose = swings, stance
        sa = _core.SupportArea(g, 16)
        sa.set(fhs, feet, yaws)
        assert sa.size() == len(fhs)
        for _ in range(10):
            cop = feet[int(rng.integers(2)), :2] + rng.uniform(-0.4, 0.4, 2)
            tc = t + float(rng.uniform(-0.5, 2.0))
            np.testing.assert_allclose(sa.clip(cop, tc), ctrl._clip_cop(cop, tc), rtol=0, atol=ATOL)
            single += sum(lo_ <= tc < td for _, lo_, td, _ in swings) == 1
        margin = float(rng.choice([0.0, 0.02, math.inf]))
        ctrl.config = ctrl.config.replace({"footholds.push_step_margin_m": margin})
        for _ in range(10):
            dcm = 0.5 * (feet[0, :2] + feet[1, :2]) + rng.uniform(-0.4, 0.4, 2)
            assert g.dcm_outside(dcm, feet, yaws, margin) == ctrl._dcm_outside(dcm, feet, yaws)
    ctrl.config = ctrl.config.replace({"footholds.push_step_margin_m": 0.0})
    assert single > 100  # single supports (the sole-frame clip) were exercised


@pytest.mark.parametrize("fast", [None, 0.05])
@pytest.mark.parametrize("seed", range(6))
def test_cop_waypoints_and_anchor_match_python(ctrl, seed, fast):
    rng = np.random.default_rng(40 + seed)
    gait = ctrl.gait
    ctrl.gait = dataclasses.replace(gait, fast_double_support_ratio=fast)
    try:
        cp = _core.CopPlan(ctrl.gait, _geometry(ctrl), 16)
        anchored = 0
        for _ in range(150):
            t = float(rng.uniform(-1, 3))
            fhs, swings, stance, feet, yaws = _random_swings_stance(rng, t)
            last = None
            if rng.random() < 0.8:
                last = (int(rng.integers(2)), t - float(rng.uniform(0.0, 0.5)))
                if fhs and rng.random() < 0.5:  # a touchdown just before the first liftoff
                    last = (1 - fhs[0].foot, fhs[0].t_liftoff - float(rng.uniform(0, 0.3)))
            ctrl._last_touchdown = last
            times, cops = ctrl._cop_waypoints(t, SimpleNamespace(footholds=fhs), feet, yaws)
            ct, cc = cp.waypoints(t, fhs, feet, yaws, last)
            np.testing.assert_allclose(ct, times, rtol=0, atol=ATOL)
            np.testing.assert_allclose(cc, cops, rtol=0, atol=ATOL)
            # the anchor on those waypoints, clipped by the plan's support
            ctrl._swings, ctrl._stance_pose = swings, stance
            sa = _core.SupportArea(_geometry(ctrl), 16)
            sa.set(fhs, feet, yaws)
            if len(times) < 2 or np.any(np.diff(times) <= 0):
                continue
            for ta in (t, float(rng.uniform(times[0] - 0.1, times[-1] + 0.1))):
                dcm = cops[0] + rng.uniform(-0.2, 0.2, 2)
                a_t, a_c = ctrl._anchor_cop(ta, times, cops, dcm)
                res = cp.anchor(ta, times, cops, dcm, ctrl.omega, sa)
                if a_t is times:
                    assert res is None
                else:
                    anchored += 1
                    np.testing.assert_allclose(res[0], a_t, rtol=0, atol=ATOL)
                    np.testing.assert_allclose(res[1], a_c, rtol=0, atol=ATOL)
        assert anchored > 50
    finally:
        ctrl.gait = gait


def test_cop_plan_bad_inputs(ctrl):
    cp = _core.CopPlan(ctrl.gait, _geometry(ctrl), 2)
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
        _core.SupportArea(_geometry(ctrl), 1).set(_random_footholds(rng, 0.0, 2), feet, yaws)
    with pytest.raises(ValueError, match="step_duration_s"):
        _core.CopPlan(dataclasses.replace(ctrl.gait, step_duration_s=-1.0), _geometry(ctrl))
    # no footholds ahead: at rest between the sole centres
    t, c = cp.waypoints(1.0, [], feet, yaws)
    g = _geometry(ctrl)
    np.testing.assert_allclose(t, [1.0])
    np.testing.assert_allclose(
        c[0], 0.5 * (g.centre_at(feet[0], yaws[0]) + g.centre_at(feet[1], yaws[1]))
    )


# -- balance law, capture step ----------------------------------------------------------------


def _random_com_plan(rng, t):
    k = int(rng.integers(1, 12))
    times = np.cumsum(rng.uniform(0.02, 0.5, k)) + t - rng.uniform(0, 0.5)
    cops = rng.uniform(-0.3, 0.3, (k, 2))
    com0 = cops[0] + rng.uniform(-0.1, 0.1, 2)
    return times, cops, com0, rng.uniform(-0.5, 0.5, 2)


def _cpp_plan(times, cops, com0, vcom0, omega):
    p = _core.ComPlan(64)
    p.plan(times, cops, com0, vcom0, omega)
    return p


@pytest.mark.parametrize("seed", range(5))
def test_dcm_law_and_com_references_match_python(ctrl, seed):
    rng = np.random.default_rng(60 + seed)
    saved_qp, saved_opts = ctrl.qp, ctrl.config
    refs = []

    class Spy:  # records the WBC references the controller sets
        def set_com_reference(self, com, vcom, acom):
            refs.append((np.array(com), np.array(vcom), np.array(acom)))

        def set_wrench_feedforward(self, wr):
            pass

        def set_base_reference(self, *a):
            pass

    ctrl.qp = Spy()
    ctrl._yaw_ref, ctrl._yaw_rate = 0.0, 0.0
    try:
        for _ in range(100):
            t = float(rng.uniform(-1, 3))
            times, cops, com0, vcom0 = _random_com_plan(rng, t)
            ctrl._plan_com = com_planner.plan_com(times, cops, com0, vcom0, ctrl.gait.com_height_m)
            fhs, swings, stance, feet, yaws = _random_swings_stance(rng, t)
            ctrl._swings, ctrl._stance_pose = swings, stance
            sa = _core.SupportArea(_geometry(ctrl), 16)
            sa.set(fhs, feet, yaws)
            plan = _cpp_plan(times, cops, com0, vcom0, ctrl.omega)
            com = np.array([*(com0 + rng.uniform(-0.1, 0.1, 2)), 0.9])
            vcom = rng.uniform(-0.6, 0.6, 3)
            k = float(rng.uniform(0, 4))
            ctrl.config = saved_opts.replace({"balance.k_dcm": k})
            acc = _core.dcm_law(t, com[:2], vcom[:2], plan, ctrl.omega, k, sa)
            np.testing.assert_allclose(acc, ctrl._dcm_law(t, com, vcom), rtol=0, atol=ATOL)
            # LIPM: CoM reference of compute()
            ground = tuple(rng.uniform(-0.5, 0.5, 3))
            c3, v3, a3 = _core.lipm_com_reference(com, vcom, acc, ground, ctrl.gait.com_height_m)
            np.testing.assert_allclose(
                c3, [com[0], com[1], ground[0] + ctrl.gait.com_height_m], rtol=0, atol=0
            )
            np.testing.assert_allclose(v3, [vcom[0], vcom[1], ground[1]], rtol=0, atol=0)
            np.testing.assert_allclose(a3, [acc[0], acc[1], ground[2]], rtol=0, atol=0)
            # MPC: _track_mpc with and without the DCM law
            wr = rng.uniform(-200, 600, (2, 6))
            mref = {"wrenches": wr, "com": rng.uniform(-1, 1, 3), "vcom": rng.uniform(-1, 1, 3)}
            ctrl.mpc_plan = SimpleNamespace(at=lambda _dt, r=mref: r)
            ctrl._t_solve = t - 0.01
            acc_mpc = _core.dcm_law_about(
                t, com[:2], vcom[:2], mref["com"][:2], mref["vcom"][:2],
                wr[:, :2].sum(axis=0) / ctrl.mass, ctrl.omega, k, sa,
            )  # fmt: skip
            for balance, law in (("lipm", acc), ("mpc", acc_mpc), ("none", acc)):
                ctrl.config = saved_opts.replace({"balance.k_dcm": k, "mpc.balance": balance})
                refs.clear()
                ctrl._track_mpc(t, com, vcom)
                got = _core.mpc_com_reference(
                    com, vcom, wr, ctrl.mass, mref["com"], mref["vcom"], balance != "none", law
                )
                for a, b in zip(got, refs[0], strict=True):
                    np.testing.assert_allclose(a, b, rtol=0, atol=ATOL)
    finally:
        ctrl.qp, ctrl.config, ctrl.mpc_plan = saved_qp, saved_opts, None


def _capture_args(rng, ctrl):
    t = float(rng.uniform(-1, 3))
    feet, yaws = _random_feet(rng)
    q = np.zeros(ctrl.rm.model.nq)
    q[:3] = rng.uniform(-2, 2, 3)
    com, vcom = rng.uniform(-2, 2, 3), rng.uniform(-1, 1, 3)
    yaw = float(rng.uniform(-4, 4))
    cmd = VelocityCommand(*rng.uniform(-1, 1, 3))
    lo = t + float(rng.uniform(-0.3, 0.1))
    tss = float(rng.uniform(0.1, ctrl.gait.step_duration_s))  # double support 0 .. T
    sw = SimpleNamespace(foot=int(rng.integers(2)), t_liftoff=lo, t_touchdown=lo + tss)
    return t, q, com, vcom, feet, yaws, yaw, cmd, sw


def _cpp_capture(ctrl, t, q, com, vcom, feet, yaws, yaw, cmd, sw, geometry):
    return _core.capture_state(
        t,
        q[:3],
        com[:2],
        vcom[:2],
        feet,
        yaws,
        yaw,
        cmd,
        sw.foot,
        sw.t_liftoff,
        sw.t_touchdown,
        ctrl.gait,
        geometry,
        ctrl.omega,
    )


@pytest.mark.parametrize("seed", range(5))
def test_capture_state_matches_python(ctrl, seed):
    rng = np.random.default_rng(80 + seed)
    g = _geometry(ctrl)
    for _ in range(200):
        args = _capture_args(rng, ctrl)
        gs = ctrl._capture_state(*args)
        base, vb = _cpp_capture(ctrl, *args, g)
        np.testing.assert_allclose(base, gs.base_position, rtol=0, atol=ATOL)
        np.testing.assert_allclose(vb, gs.base_velocity, rtol=0, atol=ATOL)
    with pytest.raises(ValueError, match="swing_foot"):
        _core.capture_state(
            0.0,
            np.zeros(3),
            np.zeros(2),
            np.zeros(2),
            np.zeros((2, 3)),
            np.zeros(2),
            0.0,
            (0.0, 0.0, 0.0),
            3,
            0.0,
            0.3,
            ctrl.gait,
            g,
            3.0,
        )


# -- states recorded from a closed-loop walk --------------------------------------------------


def _support_of(c):
    return [tuple(s[:3]) for s in c._swings], [(p.copy(), float(y)) for p, y in c._stance_pose]


@pytest.fixture(scope="module")
def walk():
    """H1 on flat ground (Python WalkingController): stand, walk and turn, stop; the arguments,
    the controller attributes they read, and the results of every call of the ported methods."""
    from cerebellum.sim.scenario import Command
    from cerebellum.sim.simulation import Simulation

    sc = _py_scenario("walk-flat", ["controller.options.command.forward_drift_gain=0.5"])
    cmds = (Command(0.0), Command(0.6, vx=0.8, yaw_rate=0.2), Command(2.4, vx=0.0))
    sc = dataclasses.replace(sc, commands=cmds)
    rec: dict[str, list] = {}

    def add(name, *item):
        rec.setdefault(name, []).append(item)

    with pytest.MonkeyPatch.context() as mp:
        orig_plan_com = walking_mod.plan_com

        def plan_com(times, cops, com0, vcom0, h):
            p = orig_plan_com(times, cops, com0, vcom0, h)
            p._args = (np.array(times), np.array(cops), np.array(com0), np.array(vcom0))
            return p

        mp.setattr(walking_mod, "plan_com", plan_com)
        sim = Simulation(sc, robot="h1", controller="walk", duration_s=3.5)
        c = sim.controller
        flags = {"plan": False, "compute": False, "ground": None}

        def wrap(name, body):
            orig = getattr(c, name)
            setattr(c, name, lambda *a: body(orig, *a))

        def plan(orig, state, command):
            flags["plan"] = True
            try:
                return orig(state, command)
            finally:
                flags["plan"] = False

        def kinematics(orig, q, v):
            out = orig(q, v)
            if flags["plan"]:
                add("vcom", out[1][:2].copy())
                flags["plan"] = False
            return out

        def ramp(orig, t, command):
            r = orig(t, command)
            add("ramp", t, (command.vx, command.vy, command.yaw_rate), (r.vx, r.vy, r.yaw_rate))
            return r

        def correct_drift(orig, t, dt, yaw, cmd):
            pre = (c._vcom_avg.copy(), c._drift.copy(), c.planner.schedule.is_walking(t))
            r = orig(t, dt, yaw, cmd)
            add("drift", t, dt, yaw, cmd, *pre, (r.vx, r.vy, r.yaw_rate), c._drift.copy())
            return r

        def cop_waypoints(orig, t, gp, feet, yaws):
            last = c._last_touchdown
            r = orig(t, gp, feet, yaws)
            add("waypoints", t, list(gp.footholds), feet.copy(), yaws.copy(), last, r)
            return r

        def anchor(orig, t, times, cops, dcm):
            r = orig(t, times, cops, dcm)
            out = None if r[0] is times else (r[0].copy(), r[1].copy())
            add("anchor", t, times.copy(), cops.copy(), dcm.copy(), _support_of(c), out)
            return r

        def clip_cop(orig, cop, t):
            r = orig(cop, t)
            add("clip", cop.copy(), t, _support_of(c), r.copy())
            return r

        def dcm_law(orig, t, com, vcom):
            r = orig(t, com, vcom)
            add("dcm_law", t, com.copy(), vcom.copy(), c._plan_com._args, _support_of(c), r.copy())
            return r

        def dcm_outside(orig, dcm, feet, yaws):
            r = orig(dcm, feet, yaws)
            add("outside", dcm.copy(), feet.copy(), yaws.copy(), r)
            return r

        def support_box(orig, poses):
            poses = [(np.array(p), float(y)) for p, y in poses]
            r = orig(poses)
            add("box", poses, (r[0].copy(), r[1].copy()))
            return r

        def capture_state(orig, *args):
            r = orig(*args)
            add("capture", *args, (r.base_position.copy(), r.base_velocity.copy()))
            return r

        def compute(orig, state, command):
            flags["compute"] = True
            try:
                return orig(state, command)
            finally:
                flags["compute"] = False

        def reset(orig, state):
            orig(state)
            ground = c._ground
            step = ground.step

            def ground_step(target, dt):
                flags["ground"] = step(target, dt)
                return flags["ground"]

            ground.step = ground_step

        qp = c.qp

        class Spy:
            def __getattr__(self, name):
                return getattr(qp, name)

            def set_com_reference(self, com, vcom, acom):
                if flags["compute"]:
                    add("com_ref", rec["dcm_law"][-1], flags["ground"], (com, vcom, acom))
                qp.set_com_reference(com, vcom, acom)

        c.qp = Spy()
        for name, body in (
            ("plan", plan),
            ("_kinematics", kinematics),
            ("_ramp", ramp),
            ("_correct_drift", correct_drift),
            ("_cop_waypoints", cop_waypoints),
            ("_anchor_cop", anchor),
            ("_clip_cop", clip_cop),
            ("_dcm_law", dcm_law),
            ("_dcm_outside", dcm_outside),
            ("_support_box", support_box),
            ("_capture_state", capture_state),
            ("compute", compute),
            ("reset", reset),
        ):
            wrap(name, body)
        result = sim.run()
    assert not result.fell
    return c, rec


def test_recorded_walk_command_shaping(walk):
    c, rec = walk
    s = _shaping_settings(c.config.command)
    ramp, avg, drift = _core.CommandRamp(s), _core.VelocityAverage(c.gait.step_duration_s), None
    drift = _core.DriftCorrection(s)
    for t, target, out in rec["ramp"]:
        np.testing.assert_allclose(ramp.step(t, target), out, rtol=0, atol=ATOL)
    assert len(rec["vcom"]) == len(rec["drift"]) == len(rec["ramp"]) > 100
    corrected = 0
    for vcom, (t, dt, yaw, cmd, vavg, _d0, walking, out, d1) in zip(
        rec["vcom"], rec["drift"], strict=True
    ):
        assert avg.update(t, vcom) == pytest.approx(dt, abs=ATOL)
        np.testing.assert_allclose(avg.value, vavg, rtol=0, atol=ATOL)
        got = drift.correct(cmd, avg.value, yaw, dt, walking, c.gait.command_deadband)
        np.testing.assert_allclose(got, out, rtol=0, atol=ATOL)
        np.testing.assert_allclose(drift.drift, d1, rtol=0, atol=ATOL)
        corrected += got[:2] != (cmd.vx, cmd.vy)
    assert corrected > 20  # the drift correction acted during the walk


def test_recorded_walk_cop_plan(walk):
    c, rec = walk
    g = _geometry(c)
    cp = _core.CopPlan(c.gait, g, 16)
    for t, fhs, feet, yaws, last, (times, cops) in rec["waypoints"]:
        ct, cc = cp.waypoints(t, fhs, feet, yaws, last)
        np.testing.assert_allclose(ct, times, rtol=0, atol=ATOL)
        np.testing.assert_allclose(cc, cops, rtol=0, atol=ATOL)
    assert sum(len(r[1]) > 0 for r in rec["waypoints"]) > 20
    anchored = 0
    for t, times, cops, dcm, (swings, stance), out in rec["anchor"]:
        got = cp.anchor(t, times, cops, dcm, c.omega, _support(c, swings, stance))
        assert (got is None) == (out is None)
        if out is not None:
            anchored += 1
            np.testing.assert_allclose(got[0], out[0], rtol=0, atol=ATOL)
            np.testing.assert_allclose(got[1], out[1], rtol=0, atol=ATOL)
    assert anchored > 20
    for cop, t, (swings, stance), out in rec["clip"]:
        np.testing.assert_allclose(_support(c, swings, stance).clip(cop, t), out, rtol=0, atol=ATOL)
    assert len(rec["clip"]) > 1000
    for dcm, feet, yaws, out in rec["outside"]:
        assert g.dcm_outside(dcm, feet, yaws, c.config.footholds.push_step_margin_m) == out
    for poses, (lo, hi) in rec["box"]:
        feet, yaws = np.array([p for p, _ in poses]), np.array([y for _, y in poses])
        clo, chi = g.support_box(feet, yaws)
        np.testing.assert_allclose(clo, lo, rtol=0, atol=ATOL)
        np.testing.assert_allclose(chi, hi, rtol=0, atol=ATOL)
    assert len(rec["outside"]) > 10


def test_recorded_walk_balance_law_and_capture(walk):
    c, rec = walk
    g = _geometry(c)
    err = 0.0
    for t, com, vcom, (times, cops, com0, vcom0), (swings, stance), out in rec["dcm_law"]:
        plan = _cpp_plan(times, cops, com0, vcom0, c.omega)
        got = _core.dcm_law(
            t, com[:2], vcom[:2], plan, c.omega, c.config.balance.k_dcm, _support(c, swings, stance)
        )
        err = max(err, float(np.max(np.abs(got - out))))
    assert err < ATOL, err
    assert len(rec["com_ref"]) == len(rec["dcm_law"]) > 1000
    for (_, com, vcom, *_, acc), ground, ref in rec["com_ref"]:
        got = _core.lipm_com_reference(com, vcom, acc, ground, c.gait.com_height_m)
        for a, b in zip(got, ref, strict=True):
            np.testing.assert_allclose(a, b, rtol=0, atol=0)
    assert len(rec["capture"]) > 5
    for *args, (base, vb) in rec["capture"]:
        gb, gv = _cpp_capture(c, *args, g)
        np.testing.assert_allclose(gb, base, rtol=0, atol=ATOL)
        np.testing.assert_allclose(gv, vb, rtol=0, atol=ATOL)


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
