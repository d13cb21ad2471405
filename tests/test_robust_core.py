"""Bad input at the compiled core's boundary: clean ValueErrors, never a crash, a NaN result or an
unbounded solver call (MPC shift overflow, NaN settings, QP iteration budget, Robot overflow)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from cerebellum import _core, load_robot
from cerebellum.controllers.wbc import BOTH_FEET, make_wbc
from cerebellum.dynamics import robot_model
from cerebellum.dynamics.model import standing_configuration

ROBOT = "h1"


@pytest.fixture(scope="module")
def rm():
    return robot_model(ROBOT)


@pytest.fixture(scope="module")
def mpc(rm):
    from cerebellum.controllers.mpc import KinodynamicMPC, MPCSettings

    return KinodynamicMPC(rm, MPCSettings())


# --------------------------------------------------------------------------- MPC


_SHIFT_SCRIPT = textwrap.dedent(
    """
    import math, sys
    import numpy as np
    from cerebellum.controllers.mpc import KinodynamicMPC, MPCReferences, MPCSettings
    from cerebellum.dynamics import robot_model

    mpc = KinodynamicMPC(robot_model(sys.argv[1]), MPCSettings())
    x0 = mpc.ocp.standing_state()
    K = mpc.settings.knots + 1
    contact = np.ones((K, 2))
    import pinocchio as pin
    rm = mpc.ocp.rm
    data = rm.model.createData()
    pin.framesForwardKinematics(rm.model, data, mpc.ocp.q_of_x(x0))
    feet = np.array([data.oMf[rm.frame_id(f)].translation for f in rm.foot_frames])
    refs = MPCReferences(foot=np.tile(feet, (K, 1, 1)), base_pos=np.tile(x0[6:9], (K, 1)),
                         yaw=np.zeros(K), velocity=np.zeros((K, 3)))
    mpc.solve(x0, contact, refs)
    for elapsed in (1e30, float("inf"), 1e9 * mpc.settings.dt_s, 2.0**31 * mpc.settings.dt_s):
        mpc.solve(x0, contact, refs, elapsed_s=elapsed)
    solver = mpc._solver
    for knots in (1e300, float("inf"), 2.0**31, 2.0**63):
        X = solver.X
        solver.shift(knots)
        assert np.array_equal(solver.X, np.tile(X[:, -1:], (1, K))), knots
    print("ok")
    """
)


def test_mpc_shift_and_solve_past_the_horizon_hold_the_last_knot(tmp_path):
    """Used to segfault (int overflow of the knot index in KinodynamicMPC::shift)."""
    script = tmp_path / "shift.py"
    script.write_text(_SHIFT_SCRIPT)
    out = subprocess.run(
        [sys.executable, str(script), ROBOT], capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, f"exit {out.returncode}: {out.stderr[-2000:]}"
    assert out.stdout.strip().endswith("ok")


def test_mpc_shift_rejects_nan_and_negative(mpc):
    for knots in (float("nan"), -1.0):
        with pytest.raises(ValueError, match="knots"):
            mpc._solver.shift(knots)


_BAD_MPC_SETTINGS = [
    ("qp_tol", float("nan")),
    ("qp_tol", 0.0),
    ("qp_tol", float("inf")),
    ("qp_accept_residual", float("nan")),
    ("qp_accept_residual", -1.0),
    ("qp_eq_band", float("nan")),
    ("qp_eq_band", float("inf")),
    ("deadline_us", float("nan")),
    ("deadline_us", -5.0),
    ("sqp_iterations", 0),
    ("qp_max_iter", -1),
    ("qp_mode", 4),
    ("qp_mode", -1),
    ("qp_warm_start", 3),
    ("qp_pred_corr", 2),
    ("qp_ric_alg", -2),
    ("qp_split_step", 5),
    ("qp_cond_horizon", -1),
]


@pytest.mark.parametrize(("field", "value"), _BAD_MPC_SETTINGS)
def test_mpc_constructor_rejects_bad_settings(mpc, field, value):
    cs = mpc.core_settings
    old = getattr(cs, field)
    setattr(cs, field, value)
    try:
        with pytest.raises(ValueError, match=field):
            _core.KinodynamicMPC(cs)
    finally:
        setattr(cs, field, old)


@pytest.mark.parametrize("field", ["x_lower", "x_upper", "w_stage", "w_terminal"])
def test_mpc_constructor_rejects_nan_vectors(mpc, field):
    cs = mpc.core_settings
    old = np.array(getattr(cs, field))
    bad = old.copy()
    bad[0] = np.nan
    setattr(cs, field, bad)
    try:
        with pytest.raises(ValueError, match=field):
            _core.KinodynamicMPC(cs)
    finally:
        setattr(cs, field, old)


@pytest.mark.parametrize(
    ("setter", "value"),
    [
        ("set_qp_tol", float("nan")),
        ("set_deadline_us", float("nan")),
        ("set_qp_max_iter", -3),
        ("set_sqp_iterations", 0),
    ],
)
def test_mpc_setters_reject_bad_values(mpc, setter, value):
    with pytest.raises(ValueError, match=setter):
        getattr(mpc._solver, setter)(value)


def test_mpc_solve_rejects_nan_elapsed(mpc):
    x0 = mpc.ocp.standing_state()
    K = mpc.settings.knots + 1
    from cerebellum.controllers.mpc import MPCReferences

    refs = MPCReferences(
        foot=np.zeros((K, 2, 3)),
        base_pos=np.tile(x0[6:9], (K, 1)),
        yaw=np.zeros(K),
        velocity=np.zeros((K, 3)),
    )
    mpc.reset()
    mpc.solve(x0, np.ones((K, 2)), refs)
    with pytest.raises(ValueError, match="elapsed_s"):
        mpc.solve(x0, np.ones((K, 2)), refs, elapsed_s=float("nan"))


# --------------------------------------------------------------------------- WholeBodyQP


@pytest.mark.parametrize(
    "field",
    ["kp_posture", "kd_com", "kp_base", "w_posture", "kp_swing", "fallback_damping", "eps_rel"],
)
@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.0])
def test_wbc_rejects_non_finite_or_negative_gains(rm, field, value):
    with pytest.raises(ValueError, match=field):
        make_wbc(rm, **{field: value})


@pytest.mark.parametrize("field", ["w_momentum", "w_swing"])
def test_wbc_rejects_nan_weight_vectors(rm, field):
    w = np.ones(6)
    w[2] = np.nan
    with pytest.raises(ValueError, match=field):
        make_wbc(rm, **{field: w})


def _budget(qp) -> int:
    s = qp.settings if hasattr(qp, "settings") else None
    return s.max_iter * (s.max_iter_in + 1)


def test_wbc_tick_iterations_bounded_on_absurd_input(rm):
    """Absurd posture references, huge joint errors and velocities: each tick stays within the
    documented budget max_iter * (max_iter_in + 1) (was up to 3e5 iterations, 0.8 s) and a failed
    tick returns the finite, limited fallback and is counted."""
    settings = _core.WholeBodyQPSettings()
    budget = settings.max_iter * (settings.max_iter_in + 1)
    assert budget <= 2000
    q0 = standing_configuration(rm)
    rng = np.random.default_rng(0)
    limit = np.asarray(rm.effort_limit)
    worst = 0
    for trial in range(12):
        qp = make_wbc(rm, q0=q0)
        q, v = q0.copy(), np.zeros(rm.model.nv)
        if trial % 3 == 0:
            qp.set_posture_reference(rng.uniform(-50, 50, q0.size - 7))
        elif trial % 3 == 1:
            q[7:] += rng.normal(0, 10, q0.size - 7)
            v += rng.normal(0, 100, v.size)
        else:
            v += rng.normal(0, 1e4, v.size)
        before = qp.failures
        for _ in range(3):
            tau = qp.tick(q, v, BOTH_FEET)
            worst = max(worst, qp.iterations)
            assert qp.iterations <= budget
            assert qp.outer_iterations <= settings.max_iter
            assert np.all(np.isfinite(tau)) and np.all(np.abs(tau) <= limit + 1e-6)
            if str(qp.status) != "WbcStatus.OK":
                assert qp.failures > before
    assert worst > 0


def test_wbc_overflowing_state_is_refused(rm):
    """Velocities of 1e200 overflow the dynamics: a clean ValueError before any solver call."""
    q0 = standing_configuration(rm)
    qp = make_wbc(rm, q0=q0)
    v = np.full(rm.model.nv, 1e200)
    with pytest.raises(ValueError, match="non-finite result"):
        qp.tick(q0, v, BOTH_FEET)


# --------------------------------------------------------------------------- Robot


@pytest.mark.parametrize("scale", [1e200, 1e300])
def test_robot_compute_refuses_overflowing_states(scale):
    cfg = load_robot(ROBOT)
    robot = _core.Robot(str(cfg.model_path()), [cfg.feet["left"].body, cfg.base_frame])
    q = np.zeros(robot.nq)
    q[6] = 1.0
    v = np.full(robot.nv, scale)
    with pytest.raises(ValueError, match="non-finite result"):
        robot.compute(q, v)
    q2 = q.copy()
    q2[:3] = scale
    with pytest.raises(ValueError, match="non-finite result"):
        robot.compute(q2, np.zeros(robot.nv))
