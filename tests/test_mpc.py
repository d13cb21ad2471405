"""Kinodynamic MPC: model functions vs Pinocchio and finite differences, SQP vs IPOPT, fallback,
allocation-free iterations (H1)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pinocchio as pin
import pytest

from cerebellum.controllers.mpc import (
    KinodynamicMPC,
    KinodynamicOCP,
    MPCReferences,
    MPCSettings,
    rpy_to_quat,
)
from cerebellum.dynamics import robot_model

ROBOT = "h1"


@pytest.fixture(scope="module")
def ocp() -> KinodynamicOCP:
    """All joints as decision variables: the model functions are compared on random full q, v."""
    o = KinodynamicOCP(robot_model(ROBOT), MPCSettings(mpc_joints="all"))
    o.compile()
    return o


def random_qv(ocp: KinodynamicOCP, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    rm = ocp.rm
    q = ocp.q_stand.copy()
    q[0:3] += rng.uniform(-0.3, 0.3, 3)
    q[3:7] = rpy_to_quat(rng.uniform(-0.4, 0.4, 3))
    lo, hi = rm.q_lower, rm.q_upper
    q[7:] = np.clip(q[7:] + rng.uniform(-0.3, 0.3, rm.nq - 7), lo + 1e-3, hi - 1e-3)
    v = rng.normal(size=rm.nv)
    return q, v


def walking_problem(ocp: KinodynamicOCP, x0: np.ndarray):
    """Double support, left swing of 0.1 m forward with 5 cm clearance, double support."""
    N, dt = ocp.settings.knots, ocp.settings.dt_s
    K = N + 1
    rm = ocp.rm
    data = rm.model.createData()
    q0 = ocp.q_of_x(x0)
    pin.framesForwardKinematics(rm.model, data, q0)
    feet0 = np.array([data.oMf[rm.frame_id(f)].translation for f in rm.foot_frames])
    t = np.arange(K) * dt
    contact = np.ones((K, 2))
    swing = (t >= 0.2) & (t < 0.6)
    contact[swing, 0] = 0.0
    foot = np.tile(feet0, (K, 1, 1))
    s = np.clip((t - 0.2) / 0.4, 0, 1)
    foot[:, 0, 0] += 0.1 * s
    foot[:, 0, 2] += 0.05 * np.sin(np.pi * s) * swing
    vel = np.zeros((K, 3))
    vel[:, 0] = 0.1
    base = np.tile(x0[6:9], (K, 1))
    base[:, 0] += 0.1 * t
    refs = MPCReferences(foot=foot, base_pos=base, yaw=np.zeros(K), velocity=vel)
    return contact, refs


# --------------------------------------------------------------------------- (1) model functions


def test_state_map_and_kinematics_vs_pinocchio(ocp: KinodynamicOCP) -> None:
    rm = ocp.rm
    model, data = rm.model, rm.model.createData()
    rng = np.random.default_rng(0)
    out = ocp.functions["mpc_out"]
    for _ in range(5):
        q, v = random_qv(ocp, rng)
        x = ocp.x_of_qv(q, v)
        u = np.concatenate([np.zeros(12), v[6:]])
        q_o, v_o, com, vcom, feet = (np.asarray(a).ravel() for a in out(x, u))
        # base twist recovered from the momentum (solve of Ag_b) equals Pinocchio's v
        np.testing.assert_allclose(v_o, v, atol=1e-9)
        sign = np.sign(q_o[3:7] @ q[3:7])
        np.testing.assert_allclose(q_o[3:7] * sign, q[3:7], atol=1e-12)
        h = pin.computeCentroidalMomentum(model, data, q, v)
        np.testing.assert_allclose(x[0:3], h.linear, atol=1e-12)
        np.testing.assert_allclose(com, pin.centerOfMass(model, data, q), atol=1e-10)
        np.testing.assert_allclose(vcom, h.linear / rm.mass, atol=1e-10)
        pin.framesForwardKinematics(model, data, q)
        for i, f in enumerate(rm.foot_frames):
            np.testing.assert_allclose(
                feet[3 * i : 3 * i + 3], data.oMf[rm.frame_id(f)].translation, atol=1e-10
            )


def test_leg_joint_set_holds_the_other_joints_at_the_posture(ocp: KinodynamicOCP) -> None:
    legs = KinodynamicOCP(ocp.rm, MPCSettings(mpc_joints="legs"))
    rm = ocp.rm
    assert legs.nj < ocp.nj and legs.nx == 12 + legs.nj
    model, data = rm.model, rm.model.createData()
    leg_joints = set()
    for f in rm.foot_frames:
        j = model.frames[rm.frame_id(f)].parentJoint
        while j > 1:
            leg_joints.add(model.joints[j].idx_q - 7)
            j = model.parents[j]
    assert set(legs.joint_index.tolist()) == leg_joints
    rng = np.random.default_rng(3)
    q, v = random_qv(ocp, rng)
    fixed = np.setdiff1d(np.arange(ocp.nj), legs.joint_index)
    q[7:][fixed] = legs.q_stand[7:][fixed]
    v[6:][fixed] = 0.0
    x = legs.x_of_qv(q, v)
    np.testing.assert_allclose(legs.q_of_x(x), q, atol=1e-12)
    u = np.concatenate([np.zeros(12), v[6:][legs.joint_index]])
    q_o, v_o, com, _, _ = (np.asarray(a).ravel() for a in legs.functions["mpc_out"](x, u))
    np.testing.assert_allclose(v_o, v, atol=1e-9)  # momentum map with the held joints
    np.testing.assert_allclose(q_o[7:], q[7:], atol=1e-12)
    np.testing.assert_allclose(com, pin.centerOfMass(model, data, q), atol=1e-10)
    with pytest.raises(ValueError, match="known: legs, all"):
        KinodynamicOCP(rm, MPCSettings(mpc_joints="arms"))


def test_dynamics_and_contact_rows_vs_pinocchio(ocp: KinodynamicOCP) -> None:
    rm = ocp.rm
    model, data = rm.model, rm.model.createData()
    rng = np.random.default_rng(1)
    sw, _ = ocp.settings.weights()
    dt = ocp.settings.dt_s
    P = ocp.parameters(
        np.ones((ocp.settings.knots + 1, 2)),
        np.zeros((26, 2, 3)),
        np.zeros((26, 3)),
        np.zeros(26),
        np.zeros((26, 3)),
    )
    for _ in range(3):
        q, v = random_qv(ocp, rng)
        x = ocp.x_of_qv(q, v)
        wr = rng.normal(scale=100.0, size=12)
        u = np.concatenate([wr, v[6:]])
        xn = np.asarray(ocp.F(x, u)).ravel()
        g = np.asarray(ocp.g(x, u, P[0])).ravel()
        pin.forwardKinematics(model, data, q, v)
        pin.updateFramePlacements(model, data)
        com = pin.centerOfMass(model, data, q)
        hdot = np.zeros(6)
        hdot[0:3] = rm.mass * model.gravity.linear
        for i, f in enumerate(rm.foot_frames):
            fid = rm.frame_id(f)
            p = data.oMf[fid].translation
            hdot[0:3] += wr[6 * i : 6 * i + 3]
            hdot[3:6] += np.cross(p - com, wr[6 * i : 6 * i + 3]) + wr[6 * i + 3 : 6 * i + 6]
            # sole twist rows == Pinocchio frame velocity (LOCAL_WORLD_ALIGNED)
            vf = pin.getFrameVelocity(model, data, fid, pin.LOCAL_WORLD_ALIGNED)
            o = 14 * i + 8
            np.testing.assert_allclose(g[o : o + 3], vf.linear, atol=1e-9)
            np.testing.assert_allclose(g[o + 3 : o + 6], vf.angular, atol=1e-9)
            # CoP rows: the local wrench about the sole origin
            R = data.oMf[fid].rotation
            fl, tl = R.T @ wr[6 * i : 6 * i + 3], R.T @ wr[6 * i + 3 : 6 * i + 6]
            xmin, xmax, ymin, ymax = ocp.sole_rectangle
            np.testing.assert_allclose(
                g[14 * i + 4 : 14 * i + 8],
                [
                    -tl[1] - xmax * fl[2],
                    tl[1] + xmin * fl[2],
                    tl[0] - ymax * fl[2],
                    -tl[0] + ymin * fl[2],
                ],
                atol=1e-9,
            )
        np.testing.assert_allclose((xn[0:6] - x[0:6]) / dt, hdot, rtol=1e-10, atol=1e-8)
        np.testing.assert_allclose(xn[12:], x[12:] + dt * v[6:], atol=1e-12)
        # base position moves with the world-frame base velocity
        np.testing.assert_allclose(
            (xn[6:9] - x[6:9]) / dt, data.oMi[1].rotation @ v[0:3], atol=1e-9
        )


def _fd_jac(f, z: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    cols = []
    for i in range(z.size):
        e = np.zeros_like(z)
        e[i] = eps
        cols.append((f(z + e) - f(z - e)) / (2 * eps))
    return np.array(cols).T


def test_generated_jacobians_vs_finite_differences(ocp: KinodynamicOCP) -> None:
    rng = np.random.default_rng(2)
    q, v = random_qv(ocp, rng)
    x = ocp.x_of_qv(q, v)
    u = np.concatenate([rng.normal(scale=100.0, size=12), v[6:]])
    nx = ocp.nx
    K = ocp.settings.knots + 1
    contact = np.tile([1.0, 0.0], (K, 1))
    P = ocp.parameters(
        contact,
        rng.normal(size=(K, 2, 3)),
        rng.normal(size=(K, 3)),
        np.full(K, 0.3),
        rng.normal(size=(K, 3)),
    )
    sw, swt = ocp.settings.weights()
    stage = ocp.functions["mpc_stage"]  # compiled
    xn, A, B, g, C, D, lval, Q, R, qv, rv = (np.asarray(a) for a in stage(x, u, P[0], sw))
    z = np.concatenate([x, u])
    J_F = _fd_jac(lambda z: np.asarray(ocp.F(z[:nx], z[nx:])).ravel(), z)
    J_g = _fd_jac(lambda z: np.asarray(ocp.g(z[:nx], z[nx:], P[0])).ravel(), z)
    scale_F = np.abs(J_F).max()
    scale_g = np.abs(J_g).max()
    np.testing.assert_allclose(np.hstack([A, B]), J_F, atol=1e-6 * scale_F)
    np.testing.assert_allclose(np.hstack([C, D]), J_g, atol=1e-6 * scale_g)

    # Gauss-Newton gradient = gradient of the cost
    def cost(z: np.ndarray) -> float:
        rx = np.asarray(ocp.r_x(z[:nx], P[0], sw)).ravel()
        ru = np.asarray(ocp.r_u(z[nx:], P[0], sw)).ravel()
        return 0.5 * (rx @ rx + ru @ ru)

    grad = _fd_jac(lambda z: np.array([cost(z)]), z).ravel()
    np.testing.assert_allclose(
        np.concatenate([qv.ravel(), rv.ravel()]), grad, atol=1e-6 * np.abs(grad).max()
    )
    assert float(np.ravel(lval)[0]) == pytest.approx(cost(z), rel=1e-12)


# --------------------------------------------------------------------------- (2) SQP vs IPOPT


def test_sqp_converges_to_ipopt_solution(ocp: KinodynamicOCP) -> None:
    """Standing on both feet, base reference shifted by (3, 2, -2) cm: iterate SQP to
    convergence and compare with IPOPT on the same OCP."""
    # qp_eq_band 0: the exact equality rows of the IPOPT problem (the default band relaxes them).
    settings = MPCSettings(qp_mode="robust", qp_tol=1e-10, qp_max_iter=200, qp_eq_band=0.0)
    mpc = KinodynamicMPC(ocp.rm, settings)
    x0 = mpc.ocp.standing_state()
    K = settings.knots + 1
    contact, refs = walking_problem(mpc.ocp, x0)
    contact = np.ones((K, 2))
    refs.velocity[:] = 0.0
    refs.base_pos[:] = x0[6:9] + np.array([0.03, 0.02, -0.02])
    refs.foot[:] = refs.foot[0]
    steps = []
    for _ in range(100):  # Gauss-Newton SQP: linear convergence
        plan = mpc.solve(x0, contact, refs, elapsed_s=0.0)
        assert plan.status == "ok", mpc.stats
        steps.append(mpc._solver.step_norm)
        if steps[-1] < 1e-7:
            break
    assert steps[-1] < 1e-5, steps[-5:]
    P = mpc.ocp.parameters(contact, refs.foot, refs.base_pos, refs.yaw, refs.velocity)
    cost_sqp = mpc.ocp.cost(mpc.X, mpc.U, P)
    ref = mpc.ocp.solve_ipopt(x0, P, tol=1e-10)
    assert ref["success"], ref["status"]
    assert cost_sqp == pytest.approx(ref["cost"], rel=1e-4)
    np.testing.assert_allclose(mpc.X[:, 0:6], ref["X"][:, 0:6], atol=1e-2)  # kg m/s, kg m^2/s
    # m, rad; the joint motion over knot 0 (no sole-twist row there) is set by w_vj alone: flat
    np.testing.assert_allclose(mpc.X[:, 6:], ref["X"][:, 6:], atol=3e-3)
    np.testing.assert_allclose(mpc.U[:, :12], ref["U"][:, :12], atol=1e-3 * ocp.mass * 9.81)


def test_plan_interpolation_between_knots(ocp: KinodynamicOCP) -> None:
    """MPCPlan.at: each quantity linear between its two knots (checked per array), clamped to
    the horizon, unit base quaternion; a fresh result each call."""
    mpc = KinodynamicMPC(ocp.rm, MPCSettings())
    x0 = mpc.ocp.standing_state()
    contact, refs = walking_problem(mpc.ocp, x0)
    plan = mpc.solve(x0, contact, refs)
    dt = mpc.settings.dt_s
    for t in (0.0, 0.3 * dt, 3.7 * dt, plan.t_s[-1] - 1e-9, plan.t_s[-1] + 1.0, -0.5):
        tc = min(max(t, 0.0), plan.t_s[-1])
        k = min(int(tc // dt), len(plan.t_s) - 2)
        a = (tc - plan.t_s[k]) / dt
        ref = plan.at(t)
        for key, arr in (("com", plan.com), ("vcom", plan.vcom), ("wrenches", plan.wrenches)):
            np.testing.assert_allclose(ref[key], (1 - a) * arr[k] + a * arr[k + 1], atol=1e-12)
        np.testing.assert_allclose(ref["feet"], (1 - a) * plan.feet[k] + a * plan.feet[k + 1])
        np.testing.assert_allclose(
            ref["joint_vel"], (1 - a) * plan.v[k, 6:] + a * plan.v[k + 1, 6:]
        )
        quat = (1 - a) * plan.q[k, 3:7] + a * plan.q[k + 1, 3:7]
        np.testing.assert_allclose(ref["base_quat"], quat / np.linalg.norm(quat), atol=1e-12)
        assert ref["wrenches"].shape == (2, 6) and ref["feet"].shape == (2, 3)
    first = plan.at(0.01)
    first["com"][:] = 0.0
    assert np.any(plan.at(0.01)["com"] != 0.0)


# --------------------------------------------------------------------------- (3) fallback


def test_forced_failures_keep_the_shifted_plan(ocp: KinodynamicOCP) -> None:
    mpc = KinodynamicMPC(ocp.rm, MPCSettings())
    x0 = mpc.ocp.standing_state()
    contact, refs = walking_problem(mpc.ocp, x0)
    plan = mpc.solve(x0, contact, refs)
    assert plan.status == "ok"
    X_prev = mpc.X.copy()

    mpc.set_qp_max_iter(0)
    plan = mpc.solve(x0, contact, refs, elapsed_s=0.0)
    assert plan.status == "qp_failed"
    assert mpc.stats.failures == 1
    np.testing.assert_array_equal(mpc.X, X_prev)
    mpc.set_qp_max_iter(30)

    bad = MPCReferences(**{**refs.__dict__, "base_pos": np.full_like(refs.base_pos, np.nan)})
    plan = mpc.solve(x0, contact, bad, elapsed_s=0.0)
    assert plan.status == "non_finite"
    assert mpc.stats.failures == 2
    np.testing.assert_array_equal(mpc.X, X_prev)

    mpc.set_deadline_us(0.0)
    plan = mpc.solve(x0, contact, refs)  # shifted by one knot, then the deadline fails it
    assert plan.status == "deadline"
    s = mpc.stats
    assert (s.failures, s.deadline_misses) == (3, 1)
    np.testing.assert_allclose(mpc.X[:-1], X_prev[1:])
    mpc.set_deadline_us(float("inf"))
    assert mpc.solve(x0, contact, refs).status == "ok"
    assert np.isfinite(mpc.time_iteration(3)).all()


# --------------------------------------------------------------------------- (4) allocations

_COUNTER_C = r"""
#include <stddef.h>
#include <errno.h>
extern void* __libc_malloc(size_t);
extern void* __libc_calloc(size_t, size_t);
extern void* __libc_realloc(void*, size_t);
extern void* __libc_memalign(size_t, size_t);
static long g_count = 0;
long cb_alloc_count(void) { return g_count; }
void* malloc(size_t n) { ++g_count; return __libc_malloc(n); }
void* calloc(size_t n, size_t s) { ++g_count; return __libc_calloc(n, s); }
void* realloc(void* p, size_t n) { ++g_count; return __libc_realloc(p, n); }
void* memalign(size_t a, size_t n) { ++g_count; return __libc_memalign(a, n); }
void* aligned_alloc(size_t a, size_t n) { ++g_count; return __libc_memalign(a, n); }
int posix_memalign(void** out, size_t a, size_t n) {
  ++g_count; void* p = __libc_memalign(a, n); if (!p && n) return ENOMEM; *out = p; return 0; }
"""

_ALLOC_SCRIPT = textwrap.dedent(
    """
    import ctypes, sys
    sys.path[:0] = {path!r}
    from tests_alloc_helper import build
    mpc = build()
    count = ctypes.CDLL({lib!r}).cb_alloc_count
    count.restype = ctypes.c_long
    mpc.time_iteration(2)
    a = count(); mpc.time_iteration(1); b = count(); mpc.time_iteration(21); c = count()
    print((c - b) - (b - a))
    """
)

_HELPER = textwrap.dedent(
    f"""
    from cerebellum.controllers.mpc import KinodynamicMPC, MPCSettings
    from cerebellum.dynamics import robot_model
    import test_mpc as t

    def build():
        mpc = KinodynamicMPC(robot_model({ROBOT!r}), MPCSettings())
        x0 = mpc.ocp.standing_state()
        contact, refs = t.walking_problem(mpc.ocp, x0)
        mpc.solve(x0, contact, refs)
        return mpc
    """
)


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_iterations_do_not_allocate(ocp: KinodynamicOCP, tmp_path) -> None:
    src = tmp_path / "count.c"
    src.write_text(_COUNTER_C)
    lib = tmp_path / "libcount.so"
    subprocess.run(["gcc", "-O1", "-shared", "-fPIC", "-o", str(lib), str(src)], check=True)
    (tmp_path / "tests_alloc_helper.py").write_text(_HELPER)
    here = os.path.dirname(os.path.abspath(__file__))
    script = _ALLOC_SCRIPT.format(path=[str(tmp_path), here], lib=str(lib))
    env = {**os.environ, "LD_PRELOAD": str(lib)}
    proc = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    # allocations of 20 extra iterations (the binding's own allocations cancel out)
    assert int(proc.stdout.strip().splitlines()[-1]) == 0
