"""CasADi symbolic mirror of a Pinocchio model.

pip's ``pin`` has no ``pinocchio.casadi``; this module rebuilds the kinematics, centre of mass,
centroidal momentum and RNEA of a :class:`pinocchio.Model` as CasADi ``SX`` expressions from the
model's parameters (joint placements, joint types and axes, inertias, armature, frames, gravity).

Conventions follow Pinocchio:

- ``q`` (nq,): free-flyer ``[x, y, z, qx, qy, qz, qw]`` (base position in world [m], unit
  quaternion world_R_base), then one angle [rad] per revolute joint.
- ``v`` (nv,): free-flyer ``[v_lin, omega]`` in the base (local) frame [m/s, rad/s], then joint
  rates [rad/s]. ``a`` (nv,) likewise [m/s^2, rad/s^2].
- Spatial vectors are ``[linear; angular]``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import casadi as ca
import numpy as np
import pinocchio as pin

from . import _codegen

__all__ = ["CasadiMirror", "CompileInfo", "SUPPORTED_JOINTS"]

CompileInfo = _codegen.CompileInfo

#: Pinocchio joint short names the mirror can express.
SUPPORTED_JOINTS = (
    "JointModelFreeFlyer",
    "JointModelRX",
    "JointModelRY",
    "JointModelRZ",
    "JointModelRevoluteUnaligned",
)

_AXES = {"JointModelRX": 0, "JointModelRY": 1, "JointModelRZ": 2}
# Below these squared angles [rad^2] the Lie-group maps switch to Taylor expansions.
_TAYLOR_TH2 = 1e-6


# --------------------------------------------------------------------------- SX helpers


def _skew(w: ca.SX) -> ca.SX:
    """(3,) -> (3, 3) cross-product matrix."""
    return ca.vertcat(
        ca.horzcat(0, -w[2], w[1]),
        ca.horzcat(w[2], 0, -w[0]),
        ca.horzcat(-w[1], w[0], 0),
    )


def _quat_to_rot(qv: ca.SX) -> ca.SX:
    """Quaternion ``[x, y, z, w]`` (4,) -> rotation (3, 3), Eigen's formula (unit norm assumed)."""
    x, y, z, w = qv[0], qv[1], qv[2], qv[3]
    tx, ty, tz = 2 * x, 2 * y, 2 * z
    twx, twy, twz = tx * w, ty * w, tz * w
    txx, txy, txz = tx * x, ty * x, tz * x
    tyy, tyz, tzz = ty * y, tz * y, tz * z
    return ca.vertcat(
        ca.horzcat(1 - (tyy + tzz), txy - twz, txz + twy),
        ca.horzcat(txy + twz, 1 - (txx + tzz), tyz - twx),
        ca.horzcat(txz - twy, tyz + twx, 1 - (txx + tyy)),
    )


def _quat_mul(a: ca.SX, b: ca.SX) -> ca.SX:
    """Hamilton product of ``[x, y, z, w]`` quaternions, (4,) x (4,) -> (4,)."""
    av, aw, bv, bw = a[0:3], a[3], b[0:3], b[3]
    return ca.vertcat(aw * bv + bw * av + ca.cross(av, bv), aw * bw - ca.dot(av, bv))


def _rot_axis(axis: int, angle: ca.SX) -> ca.SX:
    """Rotation (3, 3) about a coordinate axis (0=x, 1=y, 2=z) by ``angle`` [rad]."""
    c, s = ca.cos(angle), ca.sin(angle)
    if axis == 0:
        return ca.vertcat(ca.horzcat(1, 0, 0), ca.horzcat(0, c, -s), ca.horzcat(0, s, c))
    if axis == 1:
        return ca.vertcat(ca.horzcat(c, 0, s), ca.horzcat(0, 1, 0), ca.horzcat(-s, 0, c))
    return ca.vertcat(ca.horzcat(c, -s, 0), ca.horzcat(s, c, 0), ca.horzcat(0, 0, 1))


def _rot_unaligned(u: np.ndarray, angle: ca.SX) -> ca.SX:
    """Rotation (3, 3) about the unit axis ``u`` (3,) by ``angle`` [rad] (Rodrigues)."""
    c, s = ca.cos(angle), ca.sin(angle)
    c1 = 1 - c
    x, y, z = (float(u[0]), float(u[1]), float(u[2]))
    return ca.vertcat(
        ca.horzcat(c + x * x * c1, x * y * c1 - z * s, x * z * c1 + y * s),
        ca.horzcat(x * y * c1 + z * s, c + y * y * c1, y * z * c1 - x * s),
        ca.horzcat(x * z * c1 - y * s, y * z * c1 + x * s, c + z * z * c1),
    )


def _exp6(v_lin: ca.SX, w: ca.SX) -> tuple[ca.SX, ca.SX]:
    """SE3 exponential of a local twist -> (translation (3,), quaternion ``[x, y, z, w]`` (4,))."""
    th2 = ca.dot(w, w)
    small = th2 < _TAYLOR_TH2
    th2_safe = ca.if_else(small, 1.0, th2)  # keeps the unused branch's derivatives finite
    th = ca.sqrt(th2_safe)
    # quaternion: [sin(th/2)/th * w, cos(th/2)]
    k_q = ca.if_else(small, 0.5 - th2 / 48 + th2 * th2 / 3840, ca.sin(th / 2) / th)
    c_q = ca.if_else(small, 1 - th2 / 8 + th2 * th2 / 384, ca.cos(th / 2))
    quat = ca.vertcat(k_q * w, c_q)
    # left Jacobian V = I + b [w] + c [w]^2
    b = ca.if_else(small, 0.5 - th2 / 24 + th2 * th2 / 720, (1 - ca.cos(th)) / th2_safe)
    c = ca.if_else(
        small, 1.0 / 6 - th2 / 120 + th2 * th2 / 5040, (th - ca.sin(th)) / (th2_safe * th)
    )
    wxv = ca.cross(w, v_lin)
    trans = v_lin + b * wxv + c * ca.cross(w, wxv)
    return trans, quat


def _log6(trans: ca.SX, quat: ca.SX) -> ca.SX:
    """SE3 logarithm of (translation (3,), quaternion ``[x, y, z, w]``) -> twist (6,) [lin; ang]."""
    sgn = ca.if_else(quat[3] < 0, -1, 1)
    qv, qw = sgn * quat[0:3], sgn * quat[3]
    s2 = ca.dot(qv, qv)
    small = s2 < _TAYLOR_TH2 / 4
    s = ca.sqrt(ca.if_else(small, 1.0, s2))
    # omega = 2 atan2(s, qw) / s * qv
    r2 = s2 / (qw * qw)
    k = ca.if_else(small, (1 - r2 / 3 + r2 * r2 / 5) / qw, ca.atan2(s, qw) / s)
    w = 2 * k * qv
    th2 = ca.dot(w, w)
    small_t = th2 < _TAYLOR_TH2
    th2_safe = ca.if_else(small_t, 1.0, th2)
    th = ca.sqrt(th2_safe)
    # V^-1 = I - 1/2 [w] + beta [w]^2, beta = 1/th^2 - sin(th) / (2 th (1 - cos(th)))
    beta = ca.if_else(
        small_t,
        1.0 / 12 + th2 / 720 + th2 * th2 / 30240,
        1 / th2_safe - ca.sin(th) / (2 * th * (1 - ca.cos(th))),
    )
    wxp = ca.cross(w, trans)
    v_lin = trans - 0.5 * wxp + beta * ca.cross(w, wxp)
    return ca.vertcat(v_lin, w)


def _sanitize(name: str) -> str:
    return re.sub(r"\W", "_", name)


# --------------------------------------------------------------------------- mirror


class CasadiMirror:
    """CasADi ``SX`` mirror of a Pinocchio model (free flyer + revolute joints).

    Args:
        model: Pinocchio model, e.g. from ``pin.buildModelFromMJCF`` or
            ``pin.buildModelFromUrdf(path, pin.JointModelFreeFlyer())``.
        frames: names of the Pinocchio frames whose placements are exposed.

    ``functions`` maps names to ``casadi.Function`` (compiled ones after :meth:`compile`):

    - ``frame_placement_<frame>``: q (nq,) -> R (3, 3) world_R_frame, p (3,) [m] in world.
    - ``com``: q -> (3,) centre of mass in world [m].
    - ``centroidal_momentum``: q, v -> (6,) [linear (kg m/s); angular about the CoM (kg m^2/s)],
      world axes (Pinocchio ``data.hg``).
    - ``centroidal_map``: q -> Ag (6, nv), ``h = Ag v``.
    - ``rnea``: q, v, a -> tau (nv,) [N, N m]; includes ``armature * a`` as ``pin.rnea`` does.
    - ``integrate``: q (nq,), v (nv,) -> q (nq,), ``q ⊕ v`` (free flyer on SE3).
    - ``difference``: q0, q1 -> v (nv,), ``q1 ⊖ q0``.

    ``symbolic`` always holds the uncompiled ``SX`` functions (to embed in other CasADi graphs).
    """

    def __init__(self, model: pin.Model, frames: Sequence[str] = ()) -> None:
        self.model = model
        self.nq, self.nv = int(model.nq), int(model.nv)
        self.frame_names = list(frames)
        self._check_model()
        self.frame_function_names = {f: self._frame_fn_name(f) for f in self.frame_names}
        self.symbolic: dict[str, ca.Function] = self._build()
        self.functions: dict[str, ca.Function] = dict(self.symbolic)
        self.compile_info: CompileInfo | None = None

    # ------------------------------------------------------------------ public API

    def frame_placement(self, frame: str) -> ca.Function:
        """Function ``q -> (R (3, 3), p (3,))`` for a tracked frame (world_M_frame)."""
        try:
            return self.functions[self.frame_function_names[frame]]
        except KeyError:
            raise KeyError(
                f"frame {frame!r} is not tracked; tracked frames: {self.frame_names}"
            ) from None

    def compile(
        self,
        cache_dir: str | None = None,
        *,
        opt_level: str = "-O1",
        jacobians: Sequence[str] = (),
        jobs: int | None = None,
    ) -> CompileInfo:
        """Generate C for all functions, build a cached shared library, load it.

        The library lives in ``<root>/<hash>/`` with ``root`` = ``cache_dir``, else
        ``$CEREBELLUM_CACHE``, else ``~/.cache/cerebellum/casadi``. The hash covers the model
        parameters, frames, CasADi version, compiler flags and the code version. For the function
        names in ``jacobians`` the library also carries ``jac_<name>``, so that CasADi can
        differentiate the loaded functions. These are large: all but ``centroidal_map`` for the
        38-DoF Apollo took ~2 min and 0.7 GB on 2 busy cores (without: ~10-25 s); the Jacobian
        of ``centroidal_map`` is ~20x bigger again. ``jobs``: parallel compiler processes.
        Replaces ``functions`` by the loaded externals; returns where and how it was built.
        """
        unknown = sorted(set(jacobians) - set(self.symbolic))
        if unknown:
            raise KeyError(f"unknown functions {unknown}; available: {sorted(self.symbolic)}")
        key = _codegen.cache_key(self.fingerprint(), opt_level=opt_level, jacobians=jacobians)
        info = _codegen.build(
            list(self.symbolic.values()),
            key,
            cache_dir=cache_dir,
            opt_level=opt_level,
            jacobians=jacobians,
            jobs=jobs,
        )
        self.functions = {name: ca.external(name, str(info.library)) for name in self.symbolic}
        self.compile_info = info
        return info

    # ------------------------------------------------------------------ model checks

    def _check_model(self) -> None:
        m = self.model
        for j in list(m.joints)[1:]:
            kind = j.shortname()
            if kind not in SUPPORTED_JOINTS:
                raise NotImplementedError(
                    f"joint {m.names[j.id]!r} has type {kind}, which CasadiMirror does not "
                    f"support; supported types: {', '.join(SUPPORTED_JOINTS)}"
                )
            if kind == "JointModelFreeFlyer" and m.parents[j.id] != 0:
                raise NotImplementedError(
                    f"free-flyer joint {m.names[j.id]!r} must be attached to the universe"
                )
        if int(m.nvExtended) != m.nv or len(m.mimicking_joints) > 0:
            raise NotImplementedError("mimic joints are not supported by CasadiMirror")
        for f in self.frame_names:
            if not m.existFrame(f):
                names = [fr.name for fr in m.frames]
                raise KeyError(f"unknown frame {f!r}; model frames: {names}")

    def _frame_fn_name(self, frame: str) -> str:
        base = "frame_placement_" + _sanitize(frame)
        taken = {"frame_placement_" + _sanitize(g) for g in self.frame_names if g != frame}
        if base in taken:  # distinct names that sanitize alike: disambiguate by frame id
            base += f"_{self.model.getFrameId(frame)}"
        return base

    def fingerprint(self) -> bytes:
        """Bytes that determine every generated expression (model parameters and frames)."""
        m = self.model
        parts: list[bytes] = [f"nq={m.nq};nv={m.nv};njoints={m.njoints}".encode()]
        for i in range(1, m.njoints):
            j = m.joints[i]
            kind = j.shortname()
            parts.append(f"{kind};{m.parents[i]};{j.idx_q};{j.idx_v}".encode())
            if kind == "JointModelRevoluteUnaligned":
                parts.append(np.asarray(j.extract().axis, dtype=float).tobytes())
            parts.append(m.jointPlacements[i].homogeneous.tobytes())
            inertia = m.inertias[i]
            parts.append(np.float64(inertia.mass).tobytes())
            parts.append(np.asarray(inertia.lever).tobytes())
            parts.append(np.asarray(inertia.inertia).tobytes())
        parts.append(np.asarray(m.armature, dtype=float).tobytes())
        parts.append(np.asarray(m.gravity.vector, dtype=float).tobytes())
        for f in self.frame_names:
            fr = m.frames[m.getFrameId(f)]
            parts.append(f"frame={f};{fr.parentJoint}".encode())
            parts.append(fr.placement.homogeneous.tobytes())
        return b"\0".join(parts)

    _fingerprint = fingerprint  # older name, used by callers

    # ------------------------------------------------------------------ expressions

    def _joint_motion(self, i: int, q: ca.SX) -> tuple[ca.SX, ca.SX | None, ca.SX]:
        """Joint i: (R (3, 3), p (3,) or None, S (6, nv_j)) of jdata.M(q) and motion subspace."""
        j = self.model.joints[i]
        kind = j.shortname()
        iq = j.idx_q
        if kind == "JointModelFreeFlyer":
            return _quat_to_rot(q[iq + 3 : iq + 7]), q[iq : iq + 3], ca.SX.eye(6)
        if kind in _AXES:
            ax = _AXES[kind]
            s = np.zeros((6, 1))
            s[3 + ax, 0] = 1.0
            return _rot_axis(ax, q[iq]), None, ca.SX(ca.DM(s))
        # JointModelRevoluteUnaligned
        u = np.asarray(j.extract().axis, dtype=float).reshape(3)
        s = np.zeros((6, 1))
        s[3:, 0] = u
        return _rot_unaligned(u, q[iq]), None, ca.SX(ca.DM(s))

    def _build(self) -> dict[str, ca.Function]:
        m = self.model
        nq, nv = self.nq, self.nv
        q = ca.SX.sym("q", nq)
        v = ca.SX.sym("v", nv)
        a = ca.SX.sym("a", nv)

        nj = m.njoints
        # parent_M_joint (local) and world_M_joint placements
        lR: list = [None] * nj
        lp: list = [None] * nj
        oR: list = [ca.SX.eye(3)] + [None] * (nj - 1)
        op: list = [ca.SX.zeros(3)] + [None] * (nj - 1)
        S: list = [None] * nj
        for i in range(1, nj):
            Rj, pj, S[i] = self._joint_motion(i, q)
            M0 = m.jointPlacements[i]
            R0, p0 = ca.DM(M0.rotation), ca.DM(M0.translation)
            lR[i] = ca.mtimes(R0, Rj)
            lp[i] = p0 if pj is None else p0 + ca.mtimes(R0, pj)
            par = m.parents[i]
            oR[i] = ca.mtimes(oR[par], lR[i])
            op[i] = op[par] + ca.mtimes(oR[par], lp[i])

        def v_slice(x: ca.SX, i: int) -> ca.SX:
            j = m.joints[i]
            return x[j.idx_v : j.idx_v + j.nv]

        def act_inv(i: int, mv: tuple) -> tuple:
            """parent-frame motion -> joint-i frame."""
            lin, ang = mv
            R, p = lR[i], lp[i]
            return (ca.mtimes(R.T, lin - ca.cross(p, ang)), ca.mtimes(R.T, ang))

        def inertia_of(i: int) -> tuple:
            body = m.inertias[i]
            return float(body.mass), ca.DM(np.asarray(body.lever)), ca.DM(np.asarray(body.inertia))

        def inertia_mul(i: int, mv: tuple) -> tuple:
            mass, c, Ic = inertia_of(i)
            lin, ang = mv
            f = mass * (lin - ca.cross(c, ang))
            return (f, ca.mtimes(Ic, ang) + ca.cross(c, f))

        # forward pass: body velocities (local) and RNEA accelerations (local, gravity folded in)
        g = np.asarray(m.gravity.vector, dtype=float)
        vel: list = [(ca.SX.zeros(3), ca.SX.zeros(3))] + [None] * (nj - 1)
        acc: list = [(ca.SX(ca.DM(-g[:3])), ca.SX(ca.DM(-g[3:])))] + [None] * (nj - 1)
        force: list = [None] * nj
        for i in range(1, nj):
            par = m.parents[i]
            Svq = ca.mtimes(S[i], v_slice(v, i))
            Saq = ca.mtimes(S[i], v_slice(a, i))
            vl, va = act_inv(i, vel[par])
            vl, va = vl + Svq[:3], va + Svq[3:]
            vel[i] = (vl, va)
            al, aa = act_inv(i, acc[par])
            # + v_i x (S qd)
            al = al + Saq[:3] + ca.cross(va, Svq[:3]) + ca.cross(vl, Svq[3:])
            aa = aa + Saq[3:] + ca.cross(va, Svq[3:])
            acc[i] = (al, aa)
            hl, ha = inertia_mul(i, vel[i])
            fl, fa = inertia_mul(i, acc[i])
            # + v_i x* (I v_i)
            force[i] = [fl + ca.cross(va, hl), fa + ca.cross(va, ha) + ca.cross(vl, hl)]

        # backward pass
        tau_parts: list = [None] * nj
        for i in range(nj - 1, 0, -1):
            fl, fa = force[i]
            tau_parts[i] = ca.mtimes(S[i].T, ca.vertcat(fl, fa))
            par = m.parents[i]
            if par > 0:
                Rf = ca.mtimes(lR[i], fl)
                force[par][0] = force[par][0] + Rf
                force[par][1] = force[par][1] + ca.mtimes(lR[i], fa) + ca.cross(lp[i], Rf)
        tau = ca.SX.zeros(nv)
        for i in range(1, nj):
            j = m.joints[i]
            tau[j.idx_v : j.idx_v + j.nv] = tau_parts[i]
        tau = tau + ca.DM(np.asarray(m.armature, dtype=float)) * a

        # centre of mass and centroidal momentum (world axes)
        mass_tot = 0.0
        mc = ca.SX.zeros(3)
        h_lin = ca.SX.zeros(3)
        h_ang = ca.SX.zeros(3)  # about the world origin
        for i in range(1, nj):
            mass, c, _ = inertia_of(i)
            if mass == 0.0:
                continue
            mass_tot += mass
            mc = mc + mass * (op[i] + ca.mtimes(oR[i], c))
            hl, ha = inertia_mul(i, vel[i])
            hlw = ca.mtimes(oR[i], hl)
            h_lin = h_lin + hlw
            h_ang = h_ang + ca.mtimes(oR[i], ha) + ca.cross(op[i], hlw)
        com = mc / mass_tot
        hg = ca.vertcat(h_lin, h_ang - ca.cross(com, h_lin))
        Ag = ca.jacobian(hg, v)

        # Lie-group operations
        q0 = ca.SX.sym("q0", nq)
        q1 = ca.SX.sym("q1", nq)
        q_next = ca.SX.zeros(nq)
        dq = ca.SX.zeros(nv)
        for i in range(1, nj):
            j = m.joints[i]
            iq, iv = j.idx_q, j.idx_v
            if j.shortname() == "JointModelFreeFlyer":
                quat = q[iq + 3 : iq + 7]
                trans, qexp = _exp6(v[iv : iv + 3], v[iv + 3 : iv + 6])
                q_next[iq : iq + 3] = q[iq : iq + 3] + ca.mtimes(_quat_to_rot(quat), trans)
                qn = _quat_mul(quat, qexp)
                qn = ca.if_else(ca.dot(qn, quat) < 0, -qn, qn)  # same hemisphere as q
                qn = qn * ((3 - ca.dot(qn, qn)) / 2)  # first-order normalisation
                q_next[iq + 3 : iq + 7] = qn
                quat0, quat1 = q0[iq + 3 : iq + 7], q1[iq + 3 : iq + 7]
                conj0 = ca.vertcat(-quat0[0:3], quat0[3])
                dp = ca.mtimes(_quat_to_rot(quat0).T, q1[iq : iq + 3] - q0[iq : iq + 3])
                dq[iv : iv + 6] = _log6(dp, _quat_mul(conj0, quat1))
            else:
                q_next[iq] = q[iq] + v[iv]
                dq[iv] = q1[iq] - q0[iq]

        fns: dict[str, ca.Function] = {}
        for f in self.frame_names:
            fr = m.frames[m.getFrameId(f)]
            pj = fr.parentJoint
            R0, p0 = ca.DM(fr.placement.rotation), ca.DM(fr.placement.translation)
            Rf = ca.mtimes(oR[pj], R0)
            pf = op[pj] + ca.mtimes(oR[pj], p0)
            name = self.frame_function_names[f]
            fns[name] = ca.Function(name, [q], [Rf, pf], ["q"], ["R", "p"])
        fns["com"] = ca.Function("com", [q], [com], ["q"], ["com"])
        fns["centroidal_momentum"] = ca.Function(
            "centroidal_momentum", [q, v], [hg], ["q", "v"], ["h"]
        )
        fns["centroidal_map"] = ca.Function("centroidal_map", [q], [Ag], ["q"], ["Ag"])
        fns["rnea"] = ca.Function("rnea", [q, v, a], [tau], ["q", "v", "a"], ["tau"])
        fns["integrate"] = ca.Function("integrate", [q, v], [q_next], ["q", "v"], ["q_next"])
        fns["difference"] = ca.Function("difference", [q0, q1], [dq], ["q0", "q1"], ["v"])
        return fns
