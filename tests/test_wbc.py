"""cerebellum._core.WholeBodyQP against Pinocchio's Python bindings and an independent QP solver."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import casadi
import mujoco
import numpy as np
import pinocchio as pin
import pytest

from cerebellum import _core, load_robot

LWA = pin.ReferenceFrame.LOCAL_WORLD_ALIGNED
INF = 1e20


def _skew(r: np.ndarray) -> np.ndarray:
    return np.array([[0, -r[2], r[1]], [r[2], 0, -r[0]], [-r[1], r[0], 0]])


def _torque_limits(mjcf: Path, model: pin.Model) -> np.ndarray:
    """(nv-6,) |tau| limits from the MJCF actuators, in Pinocchio's joint order, N·m."""
    mj = mujoco.MjModel.from_xml_path(str(mjcf))
    lim = np.full(model.nv - 6, np.inf)
    for a in range(mj.nu):
        jname = mujoco.mj_id2name(mj, mujoco.mjtObj.mjOBJ_JOINT, mj.actuator_trnid[a, 0])
        if mj.actuator_forcelimited[a]:
            val = np.max(np.abs(mj.actuator_forcerange[a]))
        elif mj.actuator_ctrllimited[a]:
            val = np.max(np.abs(mj.actuator_ctrlrange[a])) * abs(mj.actuator_gear[a, 0])
        else:
            continue
        lim[model.joints[model.getJointId(jname)].idx_v - 6] = val
    return lim


class Setup:
    """A WholeBodyQP on a robot of the registry plus its independent Pinocchio model."""

    def __init__(self, name: str, torque_scale: float = 1.0, **settings):
        cfg = load_robot(name)
        self.cfg = cfg
        self.model = pin.buildModelFromMJCF(str(cfg.source))
        self.data = self.model.createData()
        feet = [cfg.feet["left"], cfg.feet["right"]]
        self.robot = _core.Robot(str(cfg.source), [f.body for f in feet] + [cfg.base_frame])
        s = _core.WholeBodyQPSettings()
        s.contacts = [
            _core.ContactDescription(
                f.body,
                offset=np.array(f.pos),
                rotation=pin.rpy.rpyToMatrix(*f.rpy),
                rectangle=np.array(cfg.sole_rectangle),
                mu=cfg.friction,
            )
            for f in feet
        ]
        s.base_frame = cfg.base_frame
        s.torque_limit = torque_scale * _torque_limits(cfg.source, self.model)
        for k, val in settings.items():
            setattr(s, k, val)
        self.settings = s
        q = pin.neutral(self.model)
        for j, val in cfg.standing_joints.items():
            q[self.model.joints[self.model.getJointId(j)].idx_q] = val
        q[2] = 1.0
        self.q0 = q
        self.wbc = _core.WholeBodyQP(self.robot, s, q)
        self.feet = feet

    def soles(self, q: np.ndarray, v: np.ndarray):
        """Per foot: (R world <- sole, Jacobian (6, nv) LWA at the sole, classical drift (6,))."""
        m, d = self.model, self.data
        pin.forwardKinematics(m, d, q, v, np.zeros(m.nv))
        pin.computeJointJacobians(m, d, q)
        pin.updateFramePlacements(m, d)
        out = []
        for f in self.feet:
            fid = m.getFrameId(f.body)
            R = d.oMf[fid].rotation
            r = R @ np.array(f.pos)
            J = pin.getFrameJacobian(m, d, fid, LWA).copy()
            J[:3] -= _skew(r) @ J[3:]
            a = pin.getFrameClassicalAcceleration(m, d, fid, LWA)
            w = pin.getFrameVelocity(m, d, fid, LWA).angular
            drift = np.concatenate([a.linear + np.cross(w, np.cross(w, r)), a.angular])
            drift[:3] += np.cross(a.angular, r)
            out.append((R @ pin.rpy.rpyToMatrix(*f.rpy), J, drift))
        return out


def _consistent_velocity(setup: Setup, rng) -> np.ndarray:
    """Random v with both soles at rest: only joints that do not support a foot move."""
    m = setup.model
    v = 0.5 * rng.standard_normal(m.nv)
    for f in setup.feet:
        for j in m.supports[m.frames[m.getFrameId(f.body)].parentJoint]:
            if j > 0:
                v[m.joints[j].idx_v : m.joints[j].idx_v + m.joints[j].nv] = 0.0
    return v


@pytest.fixture(scope="module", params=["h1", "apollo"])
def setup(request):
    return Setup(request.param)


def test_dynamics_contacts_and_cones(setup):
    m, d = setup.model, setup.data
    rng = np.random.default_rng(0)
    for v in (np.zeros(m.nv), _consistent_velocity(setup, rng)):
        q = setup.q0
        mask = np.array([True, True])
        tau = setup.wbc.tick(q, v, mask)
        assert setup.wbc.status == _core.WbcStatus.OK
        vdot, W = setup.wbc.vdot, setup.wbc.wrenches
        assert tau.shape == (m.nv - 6,) and W.shape == (2, 6)
        M = pin.crba(m, d, q)
        M = np.triu(M) + np.triu(M, 1).T
        nle = pin.rnea(m, d, q, v, np.zeros(m.nv))
        soles = setup.soles(q, v)
        # M vdot + nle = S' tau + sum Jc' w
        rhs = np.concatenate([np.zeros(6), tau]) + sum(
            J.T @ w for (_, J, _), w in zip(soles, W, strict=True)
        )
        assert np.max(np.abs(M @ vdot + nle - rhs)) < 1e-8
        for (R, J, drift), w, c in zip(soles, W, setup.settings.contacts, strict=True):
            np.testing.assert_allclose(J @ vdot + drift, 0.0, atol=1e-7)  # feet at rest
            f, t = R.T @ w[:3], R.T @ w[3:]
            tol = 1e-6
            assert f[2] >= c.fz_min - tol
            mu = c.mu / np.sqrt(2)
            assert abs(f[0]) <= mu * f[2] + tol and abs(f[1]) <= mu * f[2] + tol
            cop = np.array([-t[1], t[0]]) / f[2]
            assert -c.x_back - tol <= cop[0] <= c.x_front + tol
            assert -c.y_right - tol <= cop[1] <= c.y_left + tol
        assert np.all(np.abs(tau) <= setup.settings.torque_limit + 1e-6)
        # the feet carry the weight
        assert W[:, 2].sum() == pytest.approx(setup.robot.mass * 9.81, rel=0.05)


def test_single_support_swing_foot_wrench_zero(setup):
    tau = setup.wbc.tick(setup.q0, np.zeros(setup.model.nv), np.array([True, False]))
    assert np.all(np.isfinite(tau))
    if setup.wbc.status == _core.WbcStatus.OK:
        np.testing.assert_allclose(setup.wbc.wrenches[1], 0.0, atol=1e-7)


def _cost(P, x):
    return 0.5 * x @ P["H"] @ x + P["g"] @ x


def _reference_solution(P) -> np.ndarray:
    """Solution of the QP P (``qp_matrices()``) by qpOASES."""
    n = P["H"].shape[0]
    Aall = np.vstack([P["A"], P["C"]])
    lba = np.concatenate([P["b"], np.where(P["l"] <= -INF, -np.inf, P["l"])])
    uba = np.concatenate([P["b"], np.where(P["u"] >= INF, np.inf, P["u"])])
    solver = casadi.conic(
        "wbc",
        "qpoases",
        {"h": casadi.Sparsity.dense(n, n), "a": casadi.Sparsity.dense(*Aall.shape)},
        {"printLevel": "none", "error_on_fail": True},
    )
    sol = solver(h=P["H"], g=P["g"], a=Aall, lba=lba, uba=uba)
    return np.array(sol["x"]).ravel()


def test_matches_independent_qp_solver(setup):
    setup.wbc.tick(setup.q0, np.zeros(setup.model.nv), np.array([True, True]))
    assert setup.wbc.status == _core.WbcStatus.OK
    P = setup.wbc.qp_matrices()
    Aall = np.vstack([P["A"], P["C"]])
    x_ref = _reference_solution(P)
    assert np.max(np.abs(Aall[: len(P["b"])] @ x_ref - P["b"])) < 1e-8
    c_ref, c = _cost(P, x_ref), _cost(P, P["x"])
    assert c == pytest.approx(c_ref, rel=1e-6, abs=1e-6)
    # Wrench regularisation is small (internal forces are weakly determined): x agrees loosely.
    np.testing.assert_allclose(P["x"], x_ref, atol=1e-2)


def test_cost_hessian_is_the_sum_of_the_task_terms(setup):
    """H of the QP against the task Jacobians from Pinocchio: centroidal momentum, base
    orientation, the swing sole (right foot lifted), posture and regularisation."""
    m, d, s = setup.model, setup.data, setup.settings
    q, v = setup.q0, np.zeros(m.nv)
    setup.wbc.tick(q, v, np.array([True, False]))
    H = setup.wbc.qp_matrices()["H"]
    Ag = pin.computeCentroidalMap(m, d, q)
    pin.computeJointJacobians(m, d, q)
    pin.updateFramePlacements(m, d)
    Jb = pin.getFrameJacobian(m, d, m.getFrameId(setup.cfg.base_frame), LWA)[3:]
    Js = setup.soles(q, v)[1][1]
    nj = m.nv - 6
    H_ref = (
        Ag.T @ np.diag(s.w_momentum) @ Ag
        + s.w_base_orientation * Jb.T @ Jb
        + Js.T @ np.diag(s.w_swing) @ Js
        + np.diag(np.r_[np.zeros(6), np.full(nj, s.w_posture)] + s.w_reg_vdot)
    )
    np.testing.assert_allclose(H[: m.nv, : m.nv], H_ref, rtol=0, atol=1e-9 * np.abs(H_ref).max())
    np.testing.assert_array_equal(H, H.T)
    np.testing.assert_array_equal(H[: m.nv, m.nv :], 0.0)
    np.testing.assert_array_equal(
        H[m.nv :, m.nv :], (s.w_reg_wrench + s.w_wrench_ff) * np.eye(H.shape[0] - m.nv)
    )


@pytest.mark.parametrize("name", ["h1", "apollo"])
def test_warm_started_tick_is_optimal(name):
    """Balance settings (soft contacts, eps 1e-6): after ticks through other states and contact
    sets, the warm-started solution has the cost of qpOASES's solution of the same QP, as a
    fresh QP's cold solution does."""
    balance = dict(contact_weight=1e5, kd_contact=20.0, k_dcm=3.0, eps_abs=1e-6)
    warm, cold = Setup(name, **balance), Setup(name, **balance)
    rng = np.random.default_rng(1)
    both = np.array([True, True])
    for k in range(60):
        mask = both if k % 20 < 10 else np.array([True, False])
        warm.wbc.tick(warm.q0, 0.1 * rng.standard_normal(warm.model.nv), mask)
    v = 0.1 * rng.standard_normal(warm.model.nv)
    P = {}
    for key, st in (("warm", warm), ("cold", cold)):
        st.wbc.tick(st.q0, v, both)
        assert st.wbc.status == _core.WbcStatus.OK
        P[key] = st.wbc.qp_matrices()
        x_ref = _reference_solution(P[key])
        assert _cost(P[key], P[key]["x"]) == pytest.approx(_cost(P[key], x_ref), rel=1e-6, abs=1e-6)
    for k in ("H", "g", "A", "b", "C", "l", "u"):
        np.testing.assert_array_equal(P["warm"][k], P["cold"][k])


def test_infeasible_returns_fallback():
    s = Setup("h1", torque_scale=1e-4)  # cannot hold the robot up
    v = np.zeros(s.model.nv)
    v[6:] = 0.1
    before = s.wbc.failures
    tau = s.wbc.tick(s.q0, v, np.array([True, True]))
    assert s.wbc.status != _core.WbcStatus.OK
    assert s.wbc.failures == before + 1
    lim = s.settings.torque_limit
    expected = np.clip(-s.settings.fallback_damping * v[6:], -lim, lim)
    np.testing.assert_allclose(tau, expected)
    np.testing.assert_allclose(s.wbc.wrenches, 0.0)
    s.wbc.tick(s.q0, v, np.array([True, True]))
    assert s.wbc.failures == before + 2


def test_invalid_inputs_raise_value_error(setup):
    nv = setup.model.nv
    q = setup.q0.copy()
    q[8] = np.nan
    failures = setup.wbc.failures
    with pytest.raises(ValueError):
        setup.wbc.tick(q, np.zeros(nv), np.array([True, True]))
    with pytest.raises(ValueError):
        setup.wbc.tick(setup.q0, np.full(nv, np.inf), np.array([True, True]))
    with pytest.raises(ValueError):
        setup.wbc.tick(setup.q0[:-1], np.zeros(nv), np.array([True, True]))
    with pytest.raises(ValueError):
        setup.wbc.tick(setup.q0, np.zeros(nv), np.array([True]))
    with pytest.raises(ValueError):
        setup.wbc.set_com_reference(np.zeros(2))
    assert setup.wbc.failures == failures


def test_unknown_frame_lists_tracked_frames(setup):
    s = _core.WholeBodyQPSettings()
    s.contacts = [_core.ContactDescription("no_such_frame")]
    s.torque_limit = setup.settings.torque_limit
    with pytest.raises(ValueError, match="tracked:"):
        _core.WholeBodyQP(setup.robot, s, setup.q0)


def test_tracks_com_reference_direction(setup):
    """A CoM reference 2 cm lower makes the QP accelerate the CoM downward."""
    w = setup.wbc
    com = w.com_reference
    w.set_com_reference(com - np.array([0, 0, 0.02]))
    try:
        w.tick(setup.q0, np.zeros(setup.model.nv), np.array([True, True]))
        Jcom = pin.jacobianCenterOfMass(setup.model, setup.data, setup.q0)
        assert (Jcom @ w.vdot)[2] < -0.1
    finally:
        w.set_com_reference(com)


def test_time_tick(setup):
    t = setup.wbc.time_tick(setup.q0, np.zeros(setup.model.nv), np.array([True, True]), 200)
    assert t.shape == (200,) and np.all(t > 0)


def _rt_check_binary() -> Path:
    return Path(_core.__file__).parent / "bin" / "cerebellum_rt_check"


@pytest.mark.parametrize("name", ["h1", "apollo", "talos"])
def test_rt_check_wbc_tick_no_allocation(name):
    exe = _rt_check_binary()
    if not exe.exists():
        pytest.skip(f"cerebellum_rt_check is not installed next to _core ({exe})")
    cfg = load_robot(name)
    frames = [cfg.feet["left"].body, cfg.feet["right"].body, cfg.base_frame]
    out = subprocess.run(
        [str(exe), str(cfg.model_path()), *frames, "--calls", "1000"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    report = json.loads(out.stdout)
    # Contact switches every 50 calls and random postures exercise proxsuite's active-set
    # changes (LDLT row insertions, which allocated before the specialisation in wbc.cpp).
    assert report["wbc_tick"] == {"calls": 1000, "allocations": 0}
    assert report["wbc_tick_balance"] == {"calls": 1000, "allocations": 0}


@pytest.mark.parametrize(
    ("field", "value"),
    [("eps_rel", -1.0), ("k_dcm", -1.0), ("cmp_margin", 0.0), ("cmp_margin", 1.5)],
)
def test_invalid_settings_raise_value_error(setup, field, value):
    s = setup.settings
    old = getattr(s, field)
    setattr(s, field, value)
    try:
        with pytest.raises(ValueError, match=field):
            _core.WholeBodyQP(setup.robot, s, setup.q0)
    finally:
        setattr(s, field, old)


def test_capture_point_feedback_bounds_the_momentum_rate():
    """A fast lateral CoM motion: with k_dcm the horizontal momentum rate asked for corresponds to a
    CMP inside the soles, far smaller than the saturating CoM PD asks for."""
    s = Setup("h1", k_dcm=3.0)
    pd = Setup("h1")
    v = np.zeros(s.model.nv)
    v[1] = 1.0  # base lateral velocity, m/s
    rates = []
    for st in (s, pd):
        st.wbc.tick(st.q0, v, np.array([True, True]))
        P = st.wbc.qp_matrices()
        W = st.wbc.wrenches  # (2, 6) world-aligned, N
        rates.append(abs(W[:, 1].sum()))
        assert np.all(np.isfinite(P["x"]))
    mass = s.robot.mass
    com = pin.centerOfMass(s.model, s.data, s.q0)
    omega2 = 9.81 / com[2]
    # |fy| <= m w^2 |c - cmp| with the CMP inside the soles' box (|c - cmp| < 0.5 m here)
    assert rates[0] < mass * omega2 * 0.5
    assert rates[0] < rates[1]


def test_torques_make_up_for_the_model_files_joint_damping_and_friction():
    """Apollo's MJCF has large joint damping (hips ~150 N·m·s/rad) and dry friction. With
    ``passive_compensation`` the QP's torques differ from the uncompensated ones by exactly the
    passive joint forces MuJoCo applies (qfrc_passive for damping, dof_frictionloss through
    f tanh(v / friction_velocity)), mapped by ConventionMap, not by Pinocchio's parser, each capped
    at half the joint's torque limit."""
    from cerebellum.controllers.wbc import make_wbc
    from cerebellum.dynamics.conventions import ConventionMap, pinocchio_to_mujoco_q
    from cerebellum.dynamics.model import robot_model, standing_configuration

    rm = robot_model("apollo")
    mj = mujoco.MjModel.from_xml_path(str(rm.path))
    d = mujoco.MjData(mj)
    conv = ConventionMap(mj, rm.model)
    q = standing_configuration(rm)
    v = np.zeros(rm.model.nv)
    legs = set()
    for f in rm.foot_frames:
        legs |= set(rm.chain_velocity_indices(f))
    free = [i for i in range(6, rm.model.nv) if i not in legs]  # torso, neck, arms
    v[free] = 0.6 * np.random.default_rng(0).standard_normal(len(free))
    on, off = make_wbc(rm, q0=q), make_wbc(rm, q0=q, passive_compensation=False)
    both = np.array([True, True])
    tau_on, tau_off = on.tick(q, v, both), off.tick(q, v, both)
    assert on.status == off.status == _core.WbcStatus.OK

    T = conv.velocity_map(q)
    d.qpos[:] = pinocchio_to_mujoco_q(q)
    d.qvel[:] = T @ v
    mujoco.mj_forward(mj, d)
    damping = -(T.T @ d.qfrc_passive)[6:]  # what the drive must add, Pinocchio order
    fv = _core.WholeBodyQPSettings().friction_velocity
    friction = (T.T @ mj.dof_frictionloss)[6:] * np.tanh(v[6:] / fv)
    half = 0.5 * _torque_limits(rm.path, rm.model)  # each joint's share is capped
    expected = np.clip(damping + friction, -half, half)
    assert np.abs(damping).max() > 10.0  # the test moves damped joints
    assert (np.abs(damping + friction) < half).sum() >= 10  # mostly below the cap
    np.testing.assert_allclose(tau_on - tau_off, expected, atol=1e-6 * np.abs(tau_on).max())


def test_replay_of_recorded_walking_ticks_reproduces_the_closed_loop_torques():
    """The WBC ticks of a closed-loop walk (states, references, contact masks recorded in order)
    ticked again through a QP of the same settings give the QP torques of the loop: the
    recording holds every input of the tick (the bench's wbc.tick workload)."""
    from cerebellum.sim.recording import record_wbc_ticks

    rec = record_wbc_ticks("h1", 400)
    assert len(rec) == 400 and rec.q.shape == (400, 26) and rec.masks.shape == (400, 2)
    assert (~rec.masks).any(axis=0).all()  # both feet swing in the window: it is walking
    times, tau, status = rec.replay()
    assert times.shape == (400,) and (times > 0).all()
    assert (status == 0).all()
    err = np.abs(tau - rec.tau).max(axis=1)
    scale = np.abs(rec.tau).max()
    # the first ticks start cold (a new QP) instead of warm from the tick before
    assert np.median(err) < 1e-8 * scale
    assert np.quantile(err, 0.95) < 1e-4 * scale
    with pytest.raises(ValueError, match="replay"):
        rec.qp.replay(rec.q[:3], rec.v[:2], rec.masks[:3], rec.references[:3])


def _walking_qp_parts(wbc_options=None, name="h1"):
    """(robot, settings, q_stand) of the robot's walking QP with the ``wbc`` options given."""
    from tick_taps import walk_context

    from cerebellum.controllers.walk_setup import WalkSetup

    setup = WalkSetup(walk_context(name, {"wbc": wbc_options} if wbc_options else None))
    robot = _core.Robot(str(setup.rm.path), [*setup.rm.foot_frames, setup.rm.config.imu_site])
    return robot, setup.wbc, setup.q_stand


def test_smaller_start_penalties_take_fewer_iterations_to_the_same_optimum():
    """proxsuite's start penalties (mu_eq, mu_in): on recorded walking ticks, warm-started tick
    by tick, smaller ones take fewer iterations and reach the optimum the defaults reach, both
    checked against qpOASES on each tick's QP."""
    from cerebellum.sim.recording import record_wbc_ticks

    rec = record_wbc_ticks("h1", 300)
    runs = {}
    for name, over in (("default", {}), ("small", {"mu_eq": 1e-4, "mu_in": 1e-3})):
        robot, settings, q_stand = _walking_qp_parts(over)
        assert settings.mu_in == over.get("mu_in", 1e-1)
        settings.working_set = False  # proxsuite on every tick
        qp = _core.WholeBodyQP(robot, settings, q_stand)
        iters, gaps = [], []
        for i in range(len(rec)):
            _, _, status = qp.replay(
                rec.q[i : i + 1], rec.v[i : i + 1], rec.masks[i : i + 1], [rec.references[i]]
            )
            assert status[0] == 0
            iters.append(qp.iterations)
            if i % 10 == 0:
                P = qp.qp_matrices()
                ref = _cost(P, _reference_solution(P))
                gaps.append((_cost(P, P["x"]) - ref) / max(1.0, abs(ref)))
        runs[name] = (np.mean(iters), np.array(gaps))
    (it_default, gap_default), (it_small, gap_small) = runs["default"], runs["small"]
    assert it_small < 0.8 * it_default  # measured: 7.6 -> 5.0 mean iterations on these ticks
    for gaps in (gap_default, gap_small):
        assert np.abs(gaps).max() < 1e-6


@pytest.mark.parametrize("name", ["h1", "apollo", "talos"])
def test_working_set_ticks_reach_the_optimum(name):
    """The previous tick's active set first (WorkingSetQP): on 400 ticks recorded from the
    robot's own walk, replayed in order, most ticks are solved that way; every 10th tick's
    solution has the cost of qpOASES's solution of the same QP and is feasible, and the torques
    are those of proxsuite alone on every tick up to the weakly determined internal forces."""
    from cerebellum.sim.recording import record_wbc_ticks

    rec = record_wbc_ticks(name, 400)
    qps = {}
    for ws in (True, False):
        robot, settings, q_stand = _walking_qp_parts(name=name)
        settings.working_set = ws
        qps[ws] = _core.WholeBodyQP(robot, settings, q_stand)
    gaps, dtau = [], []
    for i in range(len(rec)):
        args = (rec.q[i : i + 1], rec.v[i : i + 1], rec.masks[i : i + 1], [rec.references[i]])
        taus = {}
        for ws, qp in qps.items():
            _, tau, status = qp.replay(*args)
            assert status[0] == 0
            taus[ws] = tau[0]
        dtau.append(np.abs(taus[True] - taus[False]).max())
        if i % 10 == 0:
            P = qps[True].qp_matrices()
            x = P["x"]
            assert np.abs(P["A"] @ x - P["b"]).max() < 1e-6
            Cx = P["C"] @ x
            assert (Cx <= P["u"] + 1e-6).all() and (Cx >= P["l"] - 1e-6).all()
            ref = _cost(P, _reference_solution(P))
            gaps.append((_cost(P, x) - ref) / max(1.0, abs(ref)))
    hits = qps[True].working_set_ticks
    assert hits >= 0.9 * len(rec), hits  # measured: 96-99 % of walking ticks
    assert qps[False].working_set_ticks == 0
    assert np.abs(gaps).max() < 1e-6
    # Internal forces between the feet are set by the tiny wrench regularisation only: proxsuite's
    # eps_abs 1e-6 leaves them loose, a few N·m of joint torque at most.
    assert np.max(dtau) < 10.0 and np.median(dtau) < 1.0, (np.max(dtau), np.median(dtau))


@pytest.mark.parametrize("field", ["mu_eq", "mu_in"])
def test_start_penalties_must_be_positive(field):
    robot, settings, q_stand = _walking_qp_parts()
    setattr(settings, field, 0.0)
    with pytest.raises(ValueError, match="mu_eq and mu_in > 0"):
        _core.WholeBodyQP(robot, settings, q_stand)
