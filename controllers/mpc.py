"""Kinodynamic whole-body MPC: CasADi problem definition, code generation, C++ SQP-RTI wrapper.

State ``x`` (nx = 12 + nj):

- ``h`` (6): centroidal momentum [linear kg m/s; angular about the CoM kg m^2/s], world axes.
- ``p_base`` (3): base position in world [m].
- ``rpy`` (3): base orientation as ZYX Euler angles [roll, pitch, yaw] [rad],
  ``world_R_base = Rz(yaw) Ry(pitch) Rx(roll)``. Chosen over a tangent-space deviation because it
  needs no per-iteration re-parametrisation (the warm start is shifted in place and the yaw
  reference is a plain number), and a walking humanoid stays far from the pitch = ±90° singularity.
- ``q_j`` (nj): positions [rad] of the MPC's joints, Pinocchio order. ``MPCSettings.mpc_joints``
  selects them: ``"legs"`` (default; the joints between the base and a foot) or ``"all"``. The
  other joints are held at the standing posture: constants in the kinematics and the momentum map.

Input ``u`` (nu = 12 + nj): contact wrench per foot (left, right) at the sole origin, world axes
[force N; torque N m] (6 each), then joint velocities ``v_j`` (nj) [rad/s].

Dynamics (explicit Euler or RK4 per interval, input held constant):
``hdot = [sum f + m g; sum (p_sole - com) x f + tau]``; base twist from ``Ag_b(q) v_b + Ag_j(q)
v_j = h`` (the 6x6 block is solved in closed form: ``Ag_b = [m R, *; 0, R Ibar]``);
``p_base' = R v_lin``, ``rpy' = E(rpy)^-1 omega`` (base-local twist); ``q_j' = v_j``.

Per knot parameters ``p`` (np = 21 + nj): contact flags (2), foot position references (2 x 3),
base position reference (3), yaw reference (1), velocity command [vx, vy (world), yaw rate] (3),
terrain normal per foot (2 x 3), posture reference (nj).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from collections.abc import Sequence

import casadi as ca
import numpy as np
import pinocchio as pin

from cerebellum.dynamics import _codegen
from cerebellum.dynamics.casadi_mirror import CasadiMirror
from cerebellum.dynamics.model import RobotModel, standing_configuration

__all__ = [
    "KinodynamicOCP",
    "KinodynamicMPC",
    "MPCSettings",
    "MPCPlan",
    "MPCReferences",
    "MPCStats",
    "rpy_to_quat",
    "quat_to_rpy",
    "stepping_problem",
]

#: Bump when the generated expressions change.
MPC_CODE_VERSION = "2"

NUM_FEET = 2
# Rows of the per-stage constraint function, per foot: friction pyramid (4), CoP (4), sole twist (6).
_ROWS_FRICTION, _ROWS_COP, _ROWS_VEL = 4, 4, 6
ROWS_PER_FOOT = _ROWS_FRICTION + _ROWS_COP + _ROWS_VEL

# Parameter layout (per knot).
P_CONTACT = slice(0, 2)
P_FOOT = slice(2, 8)
P_BASE_POS = slice(8, 11)
P_YAW = 11
P_VEL = slice(12, 15)
P_NORMAL = slice(15, 21)
P_POSTURE0 = 21


@dataclasses.dataclass
class MPCSettings:
    """Horizon, weights (cost 0.5 * w * residual^2), contact model and solver options."""

    knots: int = 25  # N shooting intervals
    dt_s: float = 0.04
    integrator: str = "euler"  # "euler" | "rk4"
    # weights
    w_vcom: tuple[float, float, float] = (20.0, 20.0, 20.0)  # (m/s)^-2 on h_lin / m - v_ref
    w_hang: tuple[float, float, float] = (2.0, 2.0, 2.0)  # on (h_ang - h_ang_ref) / m, (m^2/s)^-2
    w_base_pos: tuple[float, float, float] = (5.0, 5.0, 200.0)  # m^-2
    w_base_rpy: tuple[float, float, float] = (100.0, 100.0, 50.0)  # rad^-2
    w_swing: float = 1000.0  # swing sole position to its reference, m^-2
    w_foot_flat: float = 50.0  # sole z axis tilt (x, y components of world z of the sole)
    w_posture: float = 1.0  # rad^-2
    w_force: float = 1e-5  # N^-2, to the even weight split
    w_torque: float = 1e-3  # (N m)^-2
    w_vj: float = 0.05  # (rad/s)^-2
    terminal_scale: float = 5.0  # terminal cost = scale * state cost
    # contact model
    fz_max_n: float = 1e5
    mpc_joints: str = "legs"  # decision joints: "legs" (base-to-foot chains) | "all"
    # solver
    sqp_iterations: int = 1  # SQP iterations per solve() (1 = real-time iteration)
    qp_max_iter: int = 30
    qp_tol: float = 1e-3  # RTI: an approximate QP step suffices (converged SQP: ~1e-8)
    qp_mode: str = "speed_abs"  # HPIPM mode: speed_abs | speed | balance | robust
    qp_accept_residual: float = 0.0  # accept a QP stopped at qp_max_iter with residuals below
    qp_eq_band: float = 1e-6  # equality rows (sole twist, swing wrench) as +-band bounds; 0: exact
    qp_warm_start: int = 0  # HPIPM: 0 cold (fastest, see mpc_speed.md), 1 primal, 2 + dual
    qp_pred_corr: int = -1  # Mehrotra predictor-corrector 0/1 (-1: the mode's default)
    qp_ric_alg: int = -1  # Riccati 0 classical, 1 square-root (-1: the mode's default)
    qp_split_step: int = -1  # separate primal/dual step lengths 0/1 (-1: the mode's default)
    qp_cond_horizon: int = 0  # HPIPM partial condensing to this many stages (0: none)
    deadline_us: float = math.inf  # per solve(); exceeding it keeps the shifted previous plan
    opt_level: str = "-O1"  # C compiler flag for the generated functions

    def weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Square-root weight vectors (nw,) of the stage and terminal costs."""
        w = np.concatenate(
            [
                self.w_vcom,
                self.w_hang,
                self.w_base_pos,
                self.w_base_rpy,
                [self.w_swing, self.w_foot_flat, self.w_posture],
                [self.w_force, self.w_torque, self.w_vj],
            ]
        ).astype(float)
        sw = np.sqrt(w)
        swt = sw.copy()
        swt[:15] *= math.sqrt(self.terminal_scale)
        return sw, swt


NUM_WEIGHTS = 18

_JOINT_SETS = ("legs", "all")


def _joint_set(rm: RobotModel, which: str) -> np.ndarray:
    """Indices into q[7:] of the joints of a set: "all", or "legs" = the joints on the kinematic
    chains from the base to the foot frames (1-DoF joints assumed, as everywhere in the MPC)."""
    if which == "all":
        return np.arange(rm.nq - 7)
    chain = {i for f in rm.foot_frames for i in rm.chain_velocity_indices(f)}
    return np.array(sorted(chain), dtype=int) - 6  # 1-DoF joints: q[7 + k] <-> v[6 + k]


def rpy_to_quat(rpy: Sequence[float]) -> np.ndarray:
    """ZYX Euler [roll, pitch, yaw] -> quaternion [x, y, z, w]."""
    r, p, y = (0.5 * float(a) for a in rpy)
    cr, sr, cp, sp, cy, sy = (
        math.cos(r),
        math.sin(r),
        math.cos(p),
        math.sin(p),
        math.cos(y),
        math.sin(y),
    )
    return np.array(
        [
            sr * cp * cy - cr * sp * sy,
            cr * sp * cy + sr * cp * sy,
            cr * cp * sy - sr * sp * cy,
            cr * cp * cy + sr * sp * sy,
        ]
    )


def quat_to_rpy(quat: Sequence[float]) -> np.ndarray:
    """Quaternion [x, y, z, w] -> ZYX Euler [roll, pitch, yaw] (pitch in [-pi/2, pi/2])."""
    R = pin.Quaternion(np.asarray(quat, dtype=float)).normalized().toRotationMatrix()
    pitch = math.asin(max(-1.0, min(1.0, -R[2, 0])))
    return np.array([math.atan2(R[2, 1], R[2, 2]), pitch, math.atan2(R[1, 0], R[0, 0])])


def _sx_rpy_to_quat(rpy: ca.SX) -> ca.SX:
    r, p, y = rpy[0] / 2, rpy[1] / 2, rpy[2] / 2
    cr, sr, cp, sp, cy, sy = ca.cos(r), ca.sin(r), ca.cos(p), ca.sin(p), ca.cos(y), ca.sin(y)
    return ca.vertcat(
        sr * cp * cy - cr * sp * sy,
        cr * sp * cy + sr * cp * sy,
        cr * cp * sy - sr * sp * cy,
        cr * cp * cy + sr * sp * sy,
    )


def _sx_rpy_rate(rpy: ca.SX, w: ca.SX) -> ca.SX:
    """d/dt [roll, pitch, yaw] from the base-local angular velocity w (3,)."""
    r, p = rpy[0], rpy[1]
    cr, sr, cp, tp = ca.cos(r), ca.sin(r), ca.cos(p), ca.tan(p)
    return ca.vertcat(
        w[0] + sr * tp * w[1] + cr * tp * w[2],
        cr * w[1] - sr * w[2],
        (sr * w[1] + cr * w[2]) / cp,
    )


def _solve3(A: ca.SX, b: ca.SX) -> ca.SX:
    """A^-1 b for a 3x3 A by the adjugate."""
    c0 = ca.cross(A[:, 1], A[:, 2])
    c1 = ca.cross(A[:, 2], A[:, 0])
    c2 = ca.cross(A[:, 0], A[:, 1])
    det = ca.dot(A[:, 0], c0)
    return ca.vertcat(ca.dot(c0, b), ca.dot(c1, b), ca.dot(c2, b)) / det


def _vee_skew(M: ca.SX) -> ca.SX:
    return 0.5 * ca.vertcat(M[2, 1] - M[1, 2], M[0, 2] - M[2, 0], M[1, 0] - M[0, 1])


class KinodynamicOCP:
    """The optimal control problem of the MPC, built on the CasADi mirror of a RobotModel.

    ``functions`` holds the functions that the C++ solver evaluates (dense, column-major outputs):

    - ``mpc_stage``: x, u, p, w -> x_next (nx,), A (nx, nx), B (nx, nu) (discrete dynamics);
      g (ng,), C (ng, nx), D (ng, nu) (path constraints, bounds from :meth:`constraint_bounds`);
      l, Q (nx, nx), R (nu, nu), q (nx,), r (nu,) (Gauss-Newton cost, no cross term).
    - ``mpc_terminal``: x, p, w -> l, Q (nx, nx), q (nx,).

    plus ``mpc_out``: x, u -> q (nq,), v (nv,), com (3,), vcom (3,), feet (6,) for the plans.
    """

    def __init__(self, rm: RobotModel, settings: MPCSettings | None = None) -> None:
        self.rm = rm
        self.settings = s = settings or MPCSettings()
        if s.knots < 1 or s.dt_s <= 0:
            raise ValueError(f"need knots >= 1 and dt_s > 0, got {s.knots}, {s.dt_s}")
        if s.integrator not in ("euler", "rk4"):
            raise ValueError(f"unknown integrator {s.integrator!r}; known: euler, rk4")
        if s.mpc_joints not in _JOINT_SETS:
            raise ValueError(
                f"unknown mpc_joints {s.mpc_joints!r}; known: {', '.join(_JOINT_SETS)}"
            )
        model = rm.model
        self.mirror = CasadiMirror(model, rm.foot_frames)
        self.nj_full = rm.nq - 7
        #: (nj,) indices of the MPC's joints in the robot's joint vector (q[7:], v[6:]).
        self.joint_index = _joint_set(rm, s.mpc_joints)
        self.nj = nj = len(self.joint_index)
        self.nx = 12 + nj
        self.nu = 12 + nj
        self.np = P_POSTURE0 + nj
        self.ng = NUM_FEET * ROWS_PER_FOOT
        self.mass = rm.mass
        self.gravity = np.asarray(model.gravity.linear, dtype=float)
        cfg = rm.config
        self.sole_rectangle = tuple(float(a) for a in cfg.sole_rectangle)
        self.mu = float(cfg.friction)
        self.q_stand = standing_configuration(rm)
        self._data = data = model.createData()  # x_of_qv's workspace
        pin.ccrba(model, data, self.q_stand, np.zeros(rm.nv))
        self.izz = float(data.Ig.inertia[2, 2])  # kg m^2, standing composite yaw inertia
        self.x_lower = np.full(self.nx, -np.inf)
        self.x_upper = np.full(self.nx, np.inf)
        self.x_lower[12:] = rm.q_lower[self.joint_index]
        self.x_upper[12:] = rm.q_upper[self.joint_index]
        self._build()

    # ------------------------------------------------------------------ conversions

    def q_of_x(self, x: np.ndarray) -> np.ndarray:
        """(nq,) Pinocchio configuration of a state."""
        x = np.asarray(x, dtype=float)
        qj = self.q_stand[7:].copy()
        qj[self.joint_index] = x[12:]
        return np.concatenate([x[6:9], rpy_to_quat(x[9:12]), qj])

    def x_of_qv(self, q: np.ndarray, v: np.ndarray) -> np.ndarray:
        """(nx,) state of a Pinocchio (q, v) (v with the base twist in the base frame)."""
        h = pin.computeCentroidalMomentum(self.rm.model, self._data, q, v)
        qj = q[7:][self.joint_index]
        return np.concatenate([h.linear, h.angular, q[0:3], quat_to_rpy(q[3:7]), qj])

    def standing_state(self) -> np.ndarray:
        return self.x_of_qv(self.q_stand, np.zeros(self.rm.nv))

    # ------------------------------------------------------------------ expressions

    def _build(self) -> None:
        s = self.settings
        nx, nu, nj, npar = self.nx, self.nu, self.nj, self.np
        sym = self.mirror.symbolic
        m = self.mass
        x = ca.SX.sym("x", nx)
        u = ca.SX.sym("u", nu)
        p = ca.SX.sym("p", npar)
        w = ca.SX.sym("w", NUM_WEIGHTS)

        def embed(sel: ca.SX, fill: np.ndarray) -> ca.SX:
            """(nj_full,) joint vector: the MPC's joints from sel (nj,), the others from fill."""
            out = [ca.SX(float(a)) for a in fill]
            for i, j in enumerate(self.joint_index):
                out[j] = sel[i]
            return ca.vertcat(*out)

        q_fixed = self.q_stand[7:]
        v_fixed = np.zeros(self.nj_full)

        def q_sx(xx: ca.SX) -> ca.SX:
            return ca.vertcat(xx[6:9], _sx_rpy_to_quat(xx[9:12]), embed(xx[12:], q_fixed))

        def kin(xx: ca.SX) -> dict:
            q = q_sx(xx)
            feet = [sym[self.mirror.frame_function_names[f]](q) for f in self.rm.foot_frames]
            return {"q": q, "Rb": _sx_rot(xx[9:12]), "feet": feet, "com": sym["com"](q)}

        w_sym = ca.SX.sym("omega", 3)
        vj_sym = ca.SX.sym("vj", nj)
        q_sym = ca.SX.sym("q", self.rm.nq)
        # Momentum of base rotation and joint motion, base linear velocity zero: (6,).
        h_rot = sym["centroidal_momentum"](
            q_sym, ca.vertcat(ca.SX.zeros(3), w_sym, embed(vj_sym, v_fixed))
        )
        A_w = ca.jacobian(h_rot, w_sym)  # (6, 3) = Ag[:, 3:6]
        h_j = ca.substitute(h_rot, w_sym, ca.SX.zeros(3))  # (6,) = Ag[:, 6:] v_j
        hj_fn = ca.Function("h_joints", [q_sym, vj_sym], [A_w, h_j])

        def base_twist(k: dict, h: ca.SX, vj: ca.SX) -> tuple[ca.SX, ca.SX]:
            """Local base twist (v_lin, omega) from Ag_b v_b = h - Ag_j v_j, Ag_b = [m R, A_w]."""
            A_w, h_j = hj_fn(k["q"], vj)
            rhs = h - h_j
            omega = _solve3(A_w[3:6, :], rhs[3:6])
            v_lin = ca.mtimes(k["Rb"].T, rhs[0:3] - ca.mtimes(A_w[0:3, :], omega)) / m
            return v_lin, omega

        def xdot(xx: ca.SX, uu: ca.SX) -> ca.SX:
            k = kin(xx)
            h = xx[0:6]
            vj = uu[12:]
            v_lin, omega = base_twist(k, h, vj)
            f_sum = ca.DM(m * self.gravity)
            tau_sum = ca.SX.zeros(3)
            for i in range(NUM_FEET):
                f, tau = uu[6 * i : 6 * i + 3], uu[6 * i + 3 : 6 * i + 6]
                f_sum = f_sum + f
                tau_sum = tau_sum + ca.cross(k["feet"][i][1] - k["com"], f) + tau
            return ca.vertcat(
                f_sum, tau_sum, ca.mtimes(k["Rb"], v_lin), _sx_rpy_rate(xx[9:12], omega), vj
            )

        dt = s.dt_s
        if s.integrator == "euler":
            x_next = x + dt * xdot(x, u)
        else:
            k1 = xdot(x, u)
            k2 = xdot(x + dt / 2 * k1, u)
            k3 = xdot(x + dt / 2 * k2, u)
            k4 = xdot(x + dt * k3, u)
            x_next = x + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        self.f_cont = ca.Function("xdot", [x, u], [xdot(x, u)], ["x", "u"], ["xdot"])
        self.F = ca.Function("F", [x, u], [x_next], ["x", "u"], ["x_next"])

        # ---- constraints
        k = kin(x)
        xd = xdot(x, u)
        xmin, xmax, ymin, ymax = self.sole_rectangle
        mu_in = self.mu / math.sqrt(2.0)  # inner pyramid
        rows = []
        for i in range(NUM_FEET):
            f, tau = u[6 * i : 6 * i + 3], u[6 * i + 3 : 6 * i + 6]
            Rs, ps = k["feet"][i]
            n = p[P_NORMAL][3 * i : 3 * i + 3]
            n = n / ca.norm_2(n)
            t1 = ca.vertcat(1, 0, 0) - n[0] * n
            t1 = t1 / ca.norm_2(t1)
            t2 = ca.cross(n, t1)
            fn, ft1, ft2 = ca.dot(n, f), ca.dot(t1, f), ca.dot(t2, f)
            rows += [ft1 - mu_in * fn, -ft1 - mu_in * fn, ft2 - mu_in * fn, -ft2 - mu_in * fn]
            fl, tl = ca.mtimes(Rs.T, f), ca.mtimes(Rs.T, tau)
            rows += [
                -tl[1] - xmax * fl[2],
                tl[1] + xmin * fl[2],
                tl[0] - ymax * fl[2],
                -tl[0] + ymin * fl[2],
            ]
            v_sole = ca.jtimes(ps, x, xd)
            Rdot = ca.reshape(ca.jtimes(ca.reshape(Rs, 9, 1), x, xd), 3, 3)
            w_sole = _vee_skew(ca.mtimes(Rdot, Rs.T))
            rows += [v_sole, w_sole]
        g = ca.vertcat(*rows)
        self.g = ca.Function("g", [x, u, p], [g], ["x", "u", "p"], ["g"])

        # ---- least-squares residuals
        sw = w
        h_lin, h_ang = x[0:3], x[3:6]
        c = p[P_CONTACT]
        vref = p[P_VEL]
        r_x = [
            sw[0:3] * (h_lin / m - ca.vertcat(vref[0], vref[1], 0)),
            sw[3:6] * (h_ang - ca.vertcat(0, 0, self.izz * vref[2])) / m,
            sw[6:9] * (x[6:9] - p[P_BASE_POS]),
            sw[9:12] * (x[9:12] - ca.vertcat(0, 0, p[P_YAW])),
        ]
        for i in range(NUM_FEET):
            r_x.append(sw[12] * (1 - c[i]) * (k["feet"][i][1] - p[P_FOOT][3 * i : 3 * i + 3]))
        for i in range(NUM_FEET):
            r_x.append(sw[13] * k["feet"][i][0][0:2, 2])
        r_x.append(sw[14] * (x[12:] - p[P_POSTURE0:]))
        r_x = ca.vertcat(*r_x)
        n_stance = ca.fmax(c[0] + c[1], 1)
        r_u = []
        for i in range(NUM_FEET):
            f_ref = -c[i] / n_stance * m * ca.DM(self.gravity)
            r_u += [sw[15] * (u[6 * i : 6 * i + 3] - f_ref), sw[16] * u[6 * i + 3 : 6 * i + 6]]
        r_u.append(sw[17] * u[12:])
        r_u = ca.vertcat(*r_u)
        self.r_x = ca.Function("r_x", [x, p, w], [r_x])
        self.r_u = ca.Function("r_u", [u, p, w], [r_u])

        Jx = ca.jacobian(r_x, x)
        Ju = ca.jacobian(r_u, u)
        l_stage = 0.5 * (ca.dot(r_x, r_x) + ca.dot(r_u, r_u))
        # Dynamics and constraints differentiated together in forward mode: the directional
        # derivatives of the base twist are shared by both (about 2x fewer operations).
        z = ca.vertcat(x, u)
        xg = ca.cse(ca.vertcat(x_next, g))
        xg_fn = ca.Function("xg", [z, p], [xg], {"ad_weight": 0.0, "ad_weight_sp": 0.0})
        J = xg_fn.jacobian()(z, p, xg)[0]
        D = ca.densify
        self.functions = {
            "mpc_stage": ca.Function(
                "mpc_stage",
                [x, u, p, w],
                [
                    D(x_next),
                    D(J[:nx, :nx]),
                    D(J[:nx, nx:]),
                    D(g),
                    D(J[nx:, :nx]),
                    D(J[nx:, nx:]),
                    l_stage,
                    D(ca.mtimes(Jx.T, Jx)),
                    D(ca.mtimes(Ju.T, Ju)),
                    D(ca.mtimes(Jx.T, r_x)),
                    D(ca.mtimes(Ju.T, r_u)),
                ],
                ["x", "u", "p", "w"],
                ["x_next", "A", "B", "g", "C", "D", "l", "Q", "R", "q", "r"],
                {"cse": True},
            ),
            "mpc_terminal": ca.Function(
                "mpc_terminal",
                [x, p, w],
                [0.5 * ca.dot(r_x, r_x), D(ca.mtimes(Jx.T, Jx)), D(ca.mtimes(Jx.T, r_x))],
                ["x", "p", "w"],
                ["l", "Q", "q"],
            ),
        }
        v_lin, omega = base_twist(k, x[0:6], u[12:])
        v = ca.vertcat(v_lin, omega, embed(u[12:], v_fixed))
        self.functions["mpc_out"] = ca.Function(
            "mpc_out",
            [x, u],
            [
                k["q"],
                v,
                k["com"],
                x[0:3] / m,
                ca.vertcat(k["feet"][0][1], k["feet"][1][1]),
            ],
            ["x", "u"],
            ["q", "v", "com", "vcom", "feet"],
        )
        self.symbolic = dict(self.functions)

    # ------------------------------------------------------------------ problem data

    def fingerprint(self) -> bytes:
        s = self.settings
        return b"\0".join(
            [
                self.mirror.fingerprint(),
                f"mpc={MPC_CODE_VERSION};dt={s.dt_s!r};int={s.integrator}".encode(),
                np.asarray(self.joint_index, dtype=np.int64).tobytes(),
                np.asarray(self.q_stand, dtype=float).tobytes(),
                np.array([*self.sole_rectangle, self.mu, self.mass, self.izz]).tobytes(),
            ]
        )

    def compile(self, cache_dir: str | None = None) -> _codegen.CompileInfo:
        """Generate and compile the stage functions (cached by model hash); load them."""
        key = _codegen.cache_key(self.fingerprint(), opt_level=self.settings.opt_level)
        info = _codegen.build(
            list(self.symbolic.values()),
            key,
            cache_dir=cache_dir,
            opt_level=self.settings.opt_level,
        )
        self.functions = {n: ca.external(n, str(info.library)) for n in self.symbolic}
        self.library = info.library
        return info

    def parameters(
        self,
        contact: np.ndarray,
        foot_ref: np.ndarray,
        base_pos_ref: np.ndarray,
        yaw_ref: np.ndarray,
        vel_ref: np.ndarray,
        posture_ref: np.ndarray | None = None,
        normals: np.ndarray | None = None,
    ) -> np.ndarray:
        """Per-knot parameters (N+1, np) from arrays over the N+1 knots.

        contact (N+1, 2) flags {0, 1}; foot_ref (N+1, 2, 3) m, world; base_pos_ref (N+1, 3) m;
        yaw_ref (N+1,) rad; vel_ref (N+1, 3) [vx, vy world m/s, yaw rate rad/s];
        posture_ref (N+1, nj) or (N+1, nj_full) rad (default: standing); normals (N+1, 2, 3)
        (default: world z).
        Arrays with N rows are extended by repeating the last row.
        """
        K = self.settings.knots + 1

        def rows(a: np.ndarray | None, shape: tuple, default: np.ndarray) -> np.ndarray:
            if a is None:
                return np.tile(np.ravel(default), (K, 1))
            a = np.asarray(a, dtype=float)
            if a.ndim == 2 and shape == (self.nj,) and a.shape[1] == self.nj_full:
                a = a[:, self.joint_index]  # full posture: keep the MPC's joints
            if a.shape[0] == K - 1:
                a = np.concatenate([a, a[-1:]], axis=0)
            if a.shape != (K, *shape):
                raise ValueError(f"expected shape {(K, *shape)} (or N rows), got {a.shape}")
            return a.reshape(K, -1)

        P = np.empty((K, self.np))
        P[:, P_CONTACT] = rows(contact, (2,), np.ones(2))
        P[:, P_FOOT] = rows(foot_ref, (2, 3), np.zeros(6))
        P[:, P_BASE_POS] = rows(base_pos_ref, (3,), np.zeros(3))
        P[:, P_YAW] = rows(yaw_ref, (), np.zeros(1))[:, 0]
        P[:, P_VEL] = rows(vel_ref, (3,), np.zeros(3))
        P[:, P_NORMAL] = rows(normals, (2, 3), np.array([0, 0, 1.0, 0, 0, 1.0]))
        P[:, P_POSTURE0:] = rows(posture_ref, (self.nj,), self.q_stand[7:][self.joint_index])
        return P

    def constraint_bounds(
        self, contact: Sequence[float], knot: int = 1
    ) -> tuple[np.ndarray, np.ndarray]:
        """(lg, ug) (ng,) of ``mpc_con`` for the flags of one knot (inf: no bound). The sole twist
        rows are equalities from knot 1 on (knot 0 holds the measured state)."""
        lg = np.full(self.ng, -np.inf)
        ug = np.full(self.ng, np.inf)
        for i in range(NUM_FEET):
            if contact[i] > 0.5:
                o = i * ROWS_PER_FOOT
                ug[o : o + _ROWS_FRICTION + _ROWS_COP] = 0.0
                if knot > 0:
                    lg[o + 8 : o + 14] = 0.0
                    ug[o + 8 : o + 14] = 0.0
        return lg, ug

    def input_bounds(self, contact: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """(lb, ub) (nu,): swing-foot wrenches are zero, the rest free."""
        lb = np.full(self.nu, -np.inf)
        ub = np.full(self.nu, np.inf)
        for i in range(NUM_FEET):
            if contact[i] <= 0.5:
                lb[6 * i : 6 * i + 6] = 0.0
                ub[6 * i : 6 * i + 6] = 0.0
        return lb, ub

    def initial_guess(self, x0: np.ndarray, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """X (N+1, nx) = x0 repeated; U (N, nu): weight split over the stance feet, v_j = 0."""
        N = self.settings.knots
        X = np.tile(np.asarray(x0, dtype=float), (N + 1, 1))
        U = np.zeros((N, self.nu))
        for k in range(N):
            c = P[k, P_CONTACT]
            n = max(c.sum(), 1.0)
            for i in range(NUM_FEET):
                U[k, 6 * i + 2] = c[i] / n * self.mass * -self.gravity[2]
        return X, U

    def cost(self, X: np.ndarray, U: np.ndarray, P: np.ndarray) -> float:
        """Objective sum_k 0.5 |r(x_k, u_k)|^2 + 0.5 |r_N(x_N)|^2."""
        sw, swt = self.settings.weights()
        N = self.settings.knots
        total = 0.0
        for k in range(N):
            rx = np.asarray(self.r_x(X[k], P[k], sw)).ravel()
            ru = np.asarray(self.r_u(U[k], P[k], sw)).ravel()
            total += 0.5 * (rx @ rx + ru @ ru)
        rx = np.asarray(self.r_x(X[N], P[N], swt)).ravel()
        return total + 0.5 * float(rx @ rx)

    # ------------------------------------------------------------------ IPOPT baseline

    def solve_ipopt(
        self,
        x0: np.ndarray,
        P: np.ndarray,
        guess: tuple[np.ndarray, np.ndarray] | None = None,
        *,
        tol: float = 1e-8,
        max_iter: int = 500,
        print_level: int = 0,
    ) -> dict:
        """Solve the same OCP with IPOPT (exact Hessian). Returns X, U, cost, seconds, stats."""
        N, nx, nu = self.settings.knots, self.nx, self.nu
        sw, swt = self.settings.weights()
        Xs = ca.SX.sym("X", nx, N + 1)
        Us = ca.SX.sym("U", nu, N)
        Pm = ca.DM(P.T)
        Fm = self.F.map(N)
        gm = self.g.map(N)
        rxm = self.r_x.map(N)
        rum = self.r_u.map(N)
        RX = rxm(Xs[:, :N], Pm[:, :N], ca.repmat(ca.DM(sw), 1, N))
        RU = rum(Us, Pm[:, :N], ca.repmat(ca.DM(sw), 1, N))
        rN = self.r_x(Xs[:, N], Pm[:, N], ca.DM(swt))
        J = 0.5 * (ca.sumsqr(RX) + ca.sumsqr(RU) + ca.sumsqr(rN))
        defect = Fm(Xs[:, :N], Us) - Xs[:, 1:]
        G = gm(Xs[:, :N], Us, Pm[:, :N])
        cons = ca.vertcat(Xs[:, 0] - ca.DM(x0), ca.vec(defect), ca.vec(G))
        lbg = [np.zeros(nx), np.zeros(nx * N)]
        ubg = [np.zeros(nx), np.zeros(nx * N)]
        lbgc, ubgc = zip(
            *(self.constraint_bounds(P[k, P_CONTACT], k) for k in range(N)), strict=True
        )
        lbg.append(np.concatenate(lbgc))
        ubg.append(np.concatenate(ubgc))
        lbx = np.concatenate(
            [np.tile(self.x_lower, N + 1)]
            + [self.input_bounds(P[k, P_CONTACT])[0] for k in range(N)]
        )
        ubx = np.concatenate(
            [np.tile(self.x_upper, N + 1)]
            + [self.input_bounds(P[k, P_CONTACT])[1] for k in range(N)]
        )
        z = ca.vertcat(ca.vec(Xs), ca.vec(Us))
        opts = {
            "ipopt.tol": tol,
            "ipopt.max_iter": max_iter,
            "ipopt.print_level": print_level,
            "print_time": False,
            "ipopt.sb": "yes",
        }
        solver = ca.nlpsol("ocp_ipopt", "ipopt", {"x": z, "f": J, "g": cons}, opts)
        X0, U0 = guess if guess is not None else self.initial_guess(x0, P)
        z0 = np.concatenate([X0.ravel(), U0.ravel()])  # column-major vec of (nx, N+1) == X.ravel()
        t0 = time.perf_counter()
        sol = solver(
            x0=z0,
            lbx=lbx,
            ubx=ubx,
            lbg=np.concatenate(lbg),
            ubg=np.concatenate(ubg),
        )
        seconds = time.perf_counter() - t0
        zs = np.asarray(sol["x"]).ravel()
        X = zs[: nx * (N + 1)].reshape(N + 1, nx)
        U = zs[nx * (N + 1) :].reshape(N, nu)
        st = solver.stats()
        return {
            "X": X,
            "U": U,
            "cost": float(sol["f"]),
            "seconds": seconds,
            "success": bool(st["success"]),
            "iterations": int(st["iter_count"]),
            "status": st["return_status"],
        }


# --------------------------------------------------------------------------- solver wrapper

_QP_MODES = {"speed_abs": 0, "speed": 1, "balance": 2, "robust": 3}


@dataclasses.dataclass
class MPCReferences:
    """References over the knots (N or N+1 rows; N rows: the last is repeated), world frame.

    foot (K, 2, 3) m: sole positions (swing targets, footholds); base_pos (K, 3) m; yaw (K,) rad;
    velocity (K, 3) [vx, vy m/s, yaw rate rad/s]; posture (K, nj or nj_full) rad (default standing);
    normals (K, 2, 3) terrain normal under each foot (default world z).
    """

    foot: np.ndarray
    base_pos: np.ndarray
    yaw: np.ndarray
    velocity: np.ndarray
    posture: np.ndarray | None = None
    normals: np.ndarray | None = None


@dataclasses.dataclass
class MPCStats:
    """Counters and timings of the last solve (timings from C++ steady_clock)."""

    solves: int
    failures: int
    deadline_misses: int
    status: str
    qp_status: int
    qp_iterations: int
    iterations: int  # SQP iterations completed in the last solve
    solve_ms: float
    eval_ms: float  # model evaluation + QP setup, last iteration
    qp_ms: float  # HPIPM, last iteration
    cost: float  # at the last linearisation point


@dataclasses.dataclass
class MPCPlan:
    """Knot trajectories of one solve; knot k at time t_s[k] after the solve's state.

    X (N+1, nx), U (N, nu); q (N+1, nq) and v (N+1, nv) in Pinocchio conventions (v with the base
    twist in the base frame; knot N reuses u_{N-1}); com, vcom (N+1, 3) m, m/s; momentum (N+1, 6)
    [kg m/s; kg m^2/s] about the CoM, world axes; wrenches (N+1, 2, 6) [N; N m] at the soles,
    world axes (knot N repeats N-1); feet (N+1, 2, 3) m; contact (N+1, 2).
    """

    t_s: np.ndarray
    X: np.ndarray
    U: np.ndarray
    q: np.ndarray
    v: np.ndarray
    com: np.ndarray
    vcom: np.ndarray
    momentum: np.ndarray
    wrenches: np.ndarray
    feet: np.ndarray
    contact: np.ndarray
    status: str

    @functools.cached_property
    def _packed(self) -> tuple[np.ndarray, dict[str, slice]]:
        """(N+1, D) every interpolated quantity side by side, and the column slice of each."""
        n = len(self.t_s)
        parts = {
            "com": self.com,
            "vcom": self.vcom,
            "momentum": self.momentum,
            "q": self.q,
            "v": self.v,
            "wrenches": self.wrenches.reshape(n, -1),
            "feet": self.feet.reshape(n, -1),
        }
        cols, o = {}, 0
        for name, a in parts.items():
            cols[name] = slice(o, o + a.shape[1])
            o += a.shape[1]
        return np.ascontiguousarray(np.hstack(list(parts.values()))), cols

    def at(self, t_s: float) -> dict[str, np.ndarray]:
        """References interpolated linearly at time t_s (clamped to the horizon); the base
        quaternion is renormalised. Keys: com, vcom, momentum, q, v, base_pos, base_quat,
        joint_pos, joint_vel, wrenches (2, 6), feet (2, 3) (views into one fresh array)."""
        t = min(max(float(t_s), self.t_s[0]), self.t_s[-1])
        k = int(min(np.searchsorted(self.t_s, t, side="right") - 1, len(self.t_s) - 2))
        a = (t - self.t_s[k]) / (self.t_s[k + 1] - self.t_s[k])
        packed, cols = self._packed
        row = packed[k] + a * (packed[k + 1] - packed[k])
        q = row[cols["q"]]
        if np.dot(self.q[k, 3:7], self.q[k + 1, 3:7]) < 0:
            # opposite hemispheres: interpolate with a flipped end
            q[3:7] = (1 - a) * self.q[k, 3:7] - a * self.q[k + 1, 3:7]
        q[3:7] /= np.linalg.norm(q[3:7])
        v = row[cols["v"]]
        return {
            "com": row[cols["com"]],
            "vcom": row[cols["vcom"]],
            "momentum": row[cols["momentum"]],
            "q": q,
            "v": v,
            "base_pos": q[0:3],
            "base_quat": q[3:7],
            "joint_pos": q[7:],
            "joint_vel": v[6:],
            "wrenches": row[cols["wrenches"]].reshape(-1, 6),
            "feet": row[cols["feet"]].reshape(-1, 3),
        }


def _wrap(a: np.ndarray | float) -> np.ndarray | float:
    return (np.asarray(a) + np.pi) % (2 * np.pi) - np.pi


class KinodynamicMPC:
    """The MPC of a robot: builds and compiles the OCP (cached), runs SQP-RTI in C++.

    Example::

        mpc = KinodynamicMPC(robot_model("h1"))
        x0 = mpc.state(q, v)
        plan = mpc.solve(x0, contact, refs)  # contact (N+1, 2), refs: MPCReferences
        ref = plan.at(0.01)
    """

    def __init__(
        self, rm: RobotModel, settings: MPCSettings | None = None, cache_dir: str | None = None
    ) -> None:
        from cerebellum import _core

        self.ocp = ocp = KinodynamicOCP(rm, settings)
        self.settings = s = ocp.settings
        if s.qp_mode not in _QP_MODES:
            raise ValueError(f"unknown qp_mode {s.qp_mode!r}; known: {', '.join(_QP_MODES)}")
        self.compile_info = ocp.compile(cache_dir)
        cs = _core.KinodynamicMPCSettings()
        cs.library = str(self.compile_info.library)
        cs.N, cs.nx, cs.nu, cs.np, cs.ng, cs.nw = (
            s.knots,
            ocp.nx,
            ocp.nu,
            ocp.np,
            ocp.ng,
            NUM_WEIGHTS,
        )
        cs.num_feet, cs.contact_index = NUM_FEET, P_CONTACT.start
        cs.rows_per_foot, cs.num_inequality = ROWS_PER_FOOT, _ROWS_FRICTION + _ROWS_COP
        cs.x_lower, cs.x_upper = ocp.x_lower, ocp.x_upper
        cs.w_stage, cs.w_terminal = s.weights()
        cs.sqp_iterations = s.sqp_iterations
        cs.qp_max_iter, cs.qp_tol = s.qp_max_iter, s.qp_tol
        cs.qp_mode, cs.qp_warm_start = _QP_MODES[s.qp_mode], int(s.qp_warm_start)
        cs.qp_pred_corr, cs.qp_ric_alg = s.qp_pred_corr, s.qp_ric_alg
        cs.qp_split_step, cs.qp_cond_horizon = s.qp_split_step, s.qp_cond_horizon
        cs.qp_accept_residual = s.qp_accept_residual
        cs.qp_eq_band = s.qp_eq_band
        cs.deadline_us = s.deadline_us
        self.core_settings = cs  # what the C++ solver was built from (a copy is kept there)
        self._solver = _core.KinodynamicMPC(cs)
        self._out = ocp.functions["mpc_out"].map(s.knots + 1)
        self._has_guess = False
        self.t_knots = np.arange(s.knots + 1) * s.dt_s

    # ------------------------------------------------------------------ API

    def state(self, q: np.ndarray, v: np.ndarray) -> np.ndarray:
        """(nx,) MPC state of a Pinocchio (q (nq,), v (nv,))."""
        return self.ocp.x_of_qv(q, v)

    def reset(self) -> None:
        """Forget the warm start; the next solve starts from x0 repeated."""
        self._has_guess = False

    def solve(
        self,
        x0: np.ndarray,
        contact: np.ndarray,
        refs: MPCReferences,
        *,
        elapsed_s: float | None = None,
        iterations: int | None = None,
    ) -> MPCPlan:
        """One solve from state x0 (nx,): shift the previous plan by ``elapsed_s`` (default one
        knot), then ``iterations`` (default ``settings.sqp_iterations``) SQP iterations.
        contact (N or N+1, 2) flags. On failure the plan is the shifted previous one and
        ``stats.failures`` grows; never raises for solver failures."""
        ocp = self.ocp
        x0 = np.array(x0, dtype=float)
        if x0.shape != (ocp.nx,):
            raise ValueError(f"x0 must have shape ({ocp.nx},), got {x0.shape}")
        contact = np.asarray(contact, dtype=float)
        if elapsed_s is not None and math.isnan(elapsed_s):
            raise ValueError("elapsed_s must be a number of seconds (>= 0, inf allowed), got nan")
        if self._has_guess:
            self._solver.shift(
                1.0 if elapsed_s is None else max(0.0, elapsed_s) / self.settings.dt_s
            )
            yaw_guess = float(self._solver.X[11, 0])
            x0[11] = yaw_guess + float(_wrap(x0[11] - yaw_guess))
        yaw = np.asarray(refs.yaw, dtype=float)
        yaw = x0[11] + np.unwrap(_wrap(yaw - x0[11]))
        P = ocp.parameters(
            contact, refs.foot, refs.base_pos, yaw, refs.velocity, refs.posture, refs.normals
        )
        self._solver.set_parameters(P.T)
        if not self._has_guess:
            X, U = ocp.initial_guess(x0, P)
            self._solver.set_guess(X.T, U.T)
            self._has_guess = True
        if iterations is not None:
            self._solver.set_sqp_iterations(int(iterations))
        try:
            status = self._solver.solve(x0)
        finally:
            if iterations is not None:
                self._solver.set_sqp_iterations(self.settings.sqp_iterations)
        return self._plan(P, status.name)

    def time_iteration(self, n: int) -> np.ndarray:
        """(n,) µs of single SQP iterations timed in C++ (after at least one solve)."""
        return np.asarray(self._solver.time_iteration(int(n)))

    def set_deadline_us(self, us: float) -> None:
        self._solver.set_deadline_us(float(us))

    def set_qp_max_iter(self, n: int) -> None:
        self._solver.set_qp_max_iter(int(n))

    @property
    def stats(self) -> MPCStats:
        sv = self._solver
        return MPCStats(
            solves=int(sv.solves),
            failures=int(sv.failures),
            deadline_misses=int(sv.deadline_misses),
            status=sv.status.name,
            qp_status=int(sv.qp_status),
            qp_iterations=int(sv.qp_iterations),
            iterations=int(sv.sqp_iterations_done),
            solve_ms=sv.last_solve_us / 1e3,
            eval_ms=sv.last_eval_us / 1e3,
            qp_ms=sv.last_qp_us / 1e3,
            cost=float(sv.cost),
        )

    @property
    def X(self) -> np.ndarray:
        """(N+1, nx) current plan states."""
        return np.asarray(self._solver.X).T

    @property
    def U(self) -> np.ndarray:
        """(N, nu) current plan inputs."""
        return np.asarray(self._solver.U).T

    # ------------------------------------------------------------------ internals

    def _plan(self, P: np.ndarray, status: str) -> MPCPlan:
        X = self.X
        U = self.U
        Uext = np.vstack([U, U[-1:]])
        q, v, com, vcom, feet = (np.asarray(a).T for a in self._out(X.T, Uext.T))
        N = self.settings.knots
        return MPCPlan(
            t_s=self.t_knots.copy(),
            X=X,
            U=U,
            q=q,
            v=v,
            com=com,
            vcom=vcom,
            momentum=X[:, 0:6].copy(),
            wrenches=Uext[:, : 6 * NUM_FEET].reshape(N + 1, NUM_FEET, 6),
            feet=feet.reshape(N + 1, NUM_FEET, 3),
            contact=P[:, P_CONTACT].copy(),
            status=status,
        )


def _sx_rot(rpy: ca.SX) -> ca.SX:
    """Rz(yaw) Ry(pitch) Rx(roll) (3, 3)."""
    r, p, y = rpy[0], rpy[1], rpy[2]
    cr, sr, cp, sp, cy, sy = ca.cos(r), ca.sin(r), ca.cos(p), ca.sin(p), ca.cos(y), ca.sin(y)
    return ca.vertcat(
        ca.horzcat(cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr),
        ca.horzcat(sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr),
        ca.horzcat(-sp, cp * sr, cp * cr),
    )


def stepping_problem(
    mpc: KinodynamicMPC, rm: RobotModel, q: np.ndarray, step_m: float = 0.1
) -> tuple[np.ndarray, np.ndarray, MPCReferences]:
    """A reference problem for benchmarks: from standing at q (nq,), double support, a left step
    of ``step_m`` forward with 5 cm clearance during t in [0.2, 0.6) s, double support; base at
    0.1 m/s. Returns x0 (nx,), contact flags (N+1, 2), references."""
    N, dt = mpc.settings.knots, mpc.settings.dt_s
    t = np.arange(N + 1) * dt
    data = rm.model.createData()
    pin.framesForwardKinematics(rm.model, data, q)
    feet = np.array([data.oMf[rm.frame_id(f)].translation for f in rm.foot_frames])
    x0 = mpc.state(q, np.zeros(rm.nv))
    contact = np.ones((N + 1, 2))
    swing = (t >= 0.2) & (t < 0.6)
    contact[swing, 0] = 0.0
    foot = np.tile(feet, (N + 1, 1, 1))
    s = np.clip((t - 0.2) / 0.4, 0, 1)
    foot[:, 0, 0] += step_m * s
    foot[:, 0, 2] += 0.05 * np.sin(np.pi * s) * swing
    vel = np.zeros((N + 1, 3))
    vel[:, 0] = 0.1
    base = np.tile(x0[6:9], (N + 1, 1))
    base[:, 0] += 0.1 * t
    refs = MPCReferences(foot=foot, base_pos=base, yaw=np.zeros(N + 1), velocity=vel)
    return x0, contact, refs
