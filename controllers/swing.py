"""Swing-foot trajectories: liftoff pose -> touchdown pose, C2-continuous, world axes (z up).

xy follows a quintic time scaling (peak speed 1.875 x the mean), or with ``xy_ramp`` a
trapezoidal one whose speed ramps up and down on half-cosines over that fraction of the swing at
each end (peak speed 1 / (1 - xy_ramp) x the mean: a leg swinging against joint damping needs
less torque at the same step); z rises to an apex with one quintic and falls with another, both
with zero velocity and acceleration at their ends (so at liftoff, apex and touchdown); the sole
orientation follows the geodesic from the liftoff to the touchdown rotation on the same quintic
time scaling (a pure yaw interpolation when both soles are flat).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

__all__ = [
    "TerrainQuery",
    "SwingSample",
    "SwingTrajectory",
    "quintic",
    "ramped",
    "terrain_heights",
    "terrain_normals",
    "yaw_matrix",
    "tilt_matrix",
]


class TerrainQuery(Protocol):
    """What the gait layer needs from a terrain: top z (m) and unit normal (3,) at world (x, y)."""

    def height(self, x, y): ...

    def normal(self, x, y): ...


def terrain_heights(terrain: TerrainQuery, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Heights (m) at arrays x, y of equal shape; falls back to scalar calls if needed."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    try:
        h = np.asarray(terrain.height(x, y), float)
        if h.shape == x.shape:
            return h
    except (TypeError, ValueError):
        pass
    pairs = zip(x.ravel(), y.ravel(), strict=True)
    flat = [float(terrain.height(float(a), float(b))) for a, b in pairs]
    return np.array(flat).reshape(x.shape)


def terrain_normals(terrain: TerrainQuery, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Unit normals (..., 3) at arrays x, y of equal shape (world frame)."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    try:
        n = np.asarray(terrain.normal(x, y), float)
        if n.shape == x.shape + (3,):
            return n / np.linalg.norm(n, axis=-1, keepdims=True)
    except (TypeError, ValueError):
        pass
    pairs = zip(x.ravel(), y.ravel(), strict=True)
    flat = [np.asarray(terrain.normal(float(a), float(b)), float) for a, b in pairs]
    n = np.array(flat).reshape(x.shape + (3,))
    return n / np.linalg.norm(n, axis=-1, keepdims=True)


def quintic(u):
    """Quintic time scaling on u in [0, 1] (clipped): value, d/du, d2/du2; zero slope and curvature
    at both ends. Accepts scalars or arrays."""
    u = np.minimum(np.maximum(u, 0.0), 1.0)
    u2 = u * u
    v = 1.0 - u
    return u2 * u * (10.0 - 15.0 * u + 6.0 * u2), 30.0 * u2 * v * v, 60.0 * u * v * (1.0 - 2.0 * u)


def _quintic_scalar(u: float) -> tuple[float, float, float]:
    u = min(max(u, 0.0), 1.0)
    u2 = u * u
    v = 1.0 - u
    return u2 * u * (10.0 - 15.0 * u + 6.0 * u2), 30.0 * u2 * v * v, 60.0 * u * v * (1.0 - 2.0 * u)


def ramped(u: float, r: float) -> tuple[float, float, float]:
    """Trapezoidal time scaling on u in [0, 1] (clipped): value, d/du, d2/du2. The slope rises on a
    half-cosine over [0, r] to 1 / (1 - r), stays there, and falls the same way over [1 - r, 1];
    zero slope and curvature at both ends. ``r`` in (0, 0.5]."""
    u = min(max(u, 0.0), 1.0)
    vp = 1.0 / (1.0 - r)
    k = math.pi / r
    if u < r:
        return (
            vp * (0.5 * u - math.sin(k * u) / (2.0 * k)),
            0.5 * vp * (1.0 - math.cos(k * u)),
            (0.5 * vp * k * math.sin(k * u)),
        )
    if u > 1.0 - r:
        w = 1.0 - u
        return (
            1.0 - vp * (0.5 * w - math.sin(k * w) / (2.0 * k)),
            0.5 * vp * (1.0 - math.cos(k * w)),
            -0.5 * vp * k * math.sin(k * w),
        )
    return vp * (u - 0.5 * r), vp, 0.0


def yaw_matrix(yaw: float) -> np.ndarray:
    """(3, 3) rotation about world z by yaw (rad)."""
    c, s = math.cos(yaw), math.sin(yaw)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _exp3(w: np.ndarray) -> np.ndarray:
    """Rodrigues: (3, 3) rotation of the rotation vector w (3,)."""
    th = math.sqrt(float(w @ w))
    K = np.array([[0.0, -w[2], w[1]], [w[2], 0.0, -w[0]], [-w[1], w[0], 0.0]])
    if th < 1e-9:
        return np.eye(3) + K
    return np.eye(3) + (math.sin(th) / th) * K + ((1.0 - math.cos(th)) / (th * th)) * (K @ K)


def _log3(R: np.ndarray) -> np.ndarray:
    """Rotation vector (3,) of a rotation matrix (angle in [0, pi])."""
    c = min(max((R[0, 0] + R[1, 1] + R[2, 2] - 1.0) * 0.5, -1.0), 1.0)
    th = math.acos(c)
    v = np.array([R[2, 1] - R[1, 2], R[0, 2] - R[2, 0], R[1, 0] - R[0, 1]])
    if th < 1e-9:
        return 0.5 * v
    if th > math.pi - 1e-6:
        B = 0.5 * (R + np.eye(3))
        i = int(np.argmax(np.diag(B)))
        axis = B[:, i] / math.sqrt(max(B[i, i], 1e-300))
        return th * axis
    return (th / (2.0 * math.sin(th))) * v


def tilt_matrix(normal: np.ndarray) -> np.ndarray:
    """(3, 3) smallest rotation taking world z onto the unit ``normal`` (3,)."""
    n = np.asarray(normal, float)
    n = n / math.sqrt(float(n @ n))
    axis = np.array([-n[1], n[0], 0.0])
    s = math.sqrt(float(axis @ axis))
    if s < 1e-12:
        return np.eye(3)
    return _exp3(axis * (math.atan2(s, n[2]) / s))


@dataclass(frozen=True)
class SwingSample:
    """Sole reference at one time, world axes: what the whole-body QP's swing task tracks."""

    position: np.ndarray  # (3,) m
    rotation: np.ndarray  # (3, 3) world <- sole
    velocity: np.ndarray  # (6,) [m/s; rad/s], LOCAL_WORLD_ALIGNED
    acceleration: np.ndarray  # (6,) [m/s^2; rad/s^2]


class SwingTrajectory:
    """Sole trajectory from ``start`` at ``t_liftoff`` to ``end`` at ``t_touchdown`` (world, m, s).

    The apex, at phase ``apex_phase``, lies ``height_m`` above the higher endpoint, and, when a
    ``terrain`` is given, ``height_m`` above the highest terrain under the sole along the straight
    xy path; it is raised further until every sampled sole footprint over ground higher than the
    nearer endpoint clears it by ``clearance_m`` (at most ``max_apex_m`` above the higher endpoint).
    Rotations: ``start_rotation`` defaults to a yaw of ``start_yaw``; the touchdown rotation is the
    yaw ``end_yaw`` tilted onto ``end_normal`` (default flat). xy and the rotation follow the
    quintic time scaling, or :func:`ramped` with ``xy_ramp`` > 0 (fraction of the swing per ramp),
    blended in from an xy travel of ``xy_ramp_travel_m`` (quintic below) to twice that (all
    ramped) when ``xy_ramp_travel_m`` > 0.
    """

    def __init__(
        self,
        start: np.ndarray,
        end: np.ndarray,
        t_liftoff: float,
        t_touchdown: float,
        height_m: float,
        apex_phase: float = 0.5,
        start_yaw: float = 0.0,
        end_yaw: float = 0.0,
        start_rotation: np.ndarray | None = None,
        end_normal: np.ndarray | None = None,
        terrain: TerrainQuery | None = None,
        clearance_m: float = 0.03,
        sole_rectangle: tuple[float, float, float, float] | None = None,
        samples: int = 32,
        max_apex_m: float = 0.5,
        xy_ramp: float | None = None,
        xy_ramp_travel_m: float = 0.0,
    ):
        if not t_touchdown > t_liftoff:
            raise ValueError(
                f"swing needs t_touchdown > t_liftoff, got {t_liftoff} -> {t_touchdown}"
            )
        if not 0.0 < apex_phase < 1.0:
            raise ValueError(f"apex_phase must be in (0, 1), got {apex_phase}")
        if xy_ramp is not None and not 0.0 <= xy_ramp <= 0.5:
            raise ValueError(f"xy_ramp must be in [0, 0.5], got {xy_ramp}")
        self.xy_ramp = float(xy_ramp) if xy_ramp else None  # None or 0: quintic
        # share of the ramped profile (the rest quintic): 0 up to an xy travel of
        # xy_ramp_travel_m, 1 from twice that on, linear in between
        travel = float(np.linalg.norm(np.asarray(end, float)[:2] - np.asarray(start, float)[:2]))
        self._ramp_share = (
            1.0 if xy_ramp_travel_m <= 0 else min(max(travel / xy_ramp_travel_m - 1.0, 0.0), 1.0)
        )
        if self._ramp_share == 0.0:
            self.xy_ramp = None
        self.start = np.array(start, float)  # (3,)
        self.end = np.array(end, float)  # (3,)
        self.t_liftoff, self.t_touchdown = float(t_liftoff), float(t_touchdown)
        self.duration_s = self.t_touchdown - self.t_liftoff
        self.apex_phase = float(apex_phase)
        z0, z1 = float(self.start[2]), float(self.end[2])
        base = max(z0, z1)
        self.apex_z = base + height_m
        if terrain is not None:
            self.apex_z = self._clear_terrain(
                terrain,
                height_m,
                clearance_m,
                sole_rectangle,
                samples,
                start_yaw,
                end_yaw,
                base + max_apex_m,
            )
        # Orientation: R(s) = R0 exp(u q(s)), built on first use.
        self.start_yaw, self.end_yaw = float(start_yaw), float(end_yaw)  # rad
        self._start_rotation, self._end_normal = start_rotation, end_normal
        self._u: np.ndarray | None = None

    def _orientation(self) -> None:
        R0 = yaw_matrix(self.start_yaw)
        if self._start_rotation is not None:
            R0 = np.array(self._start_rotation, float)
        R1 = yaw_matrix(self.end_yaw)
        if self._end_normal is not None:
            R1 = tilt_matrix(self._end_normal) @ R1
        self.R0, self.R1 = R0, R1
        self._u = _log3(R0.T @ R1)  # (3,) rotation vector in the liftoff sole frame
        self._w = R0 @ self._u  # (3,) the same axis in world axes

    def _xy_scaling(self, s: float) -> tuple[float, float, float]:
        """xy (and rotation) time scaling at phase s: value, d/ds, d2/ds2."""
        if self.xy_ramp is None:
            return _quintic_scalar(s)
        r = ramped(s, self.xy_ramp)
        a = self._ramp_share
        if a == 1.0:
            return r
        q = _quintic_scalar(s)
        return tuple(a * x + (1.0 - a) * y for x, y in zip(r, q, strict=True))

    # -- z profile --------------------------------------------------------------------------------
    def _z(self, s):
        """z, dz/ds, d2z/ds2 at phases s (array in [0, 1])."""
        za, sa = self.apex_z, self.apex_phase
        z0, z1 = self.start[2], self.end[2]
        rising = s < sa
        u = np.where(rising, s / sa, (1.0 - s) / (1.0 - sa))
        q, dq, ddq = quintic(u)
        amp = np.where(rising, za - z0, za - z1)
        du = np.where(rising, 1.0 / sa, -1.0 / (1.0 - sa))
        return np.where(rising, z0, z1) + amp * q, amp * dq * du, amp * ddq * du * du

    def _clear_terrain(
        self, terrain, height_m, clearance_m, rect, samples, yaw0, yaw1, cap
    ) -> float:
        s = np.linspace(0.0, 1.0, samples + 2)[1:-1]  # (k,)
        if self.xy_ramp is None:
            q = quintic(s)[0]
        else:
            q = np.array([self._xy_scaling(float(si))[0] for si in s])
        xy = self.start[:2] + np.outer(q, self.end[:2] - self.start[:2])  # (k, 2)
        if rect is None:
            pts = np.zeros((1, 2))
        else:
            x0, x1, y0, y1 = rect
            pts = np.array(
                [[0.0, 0.0], [x0, y0], [x0, y1], [x1, y0], [x1, y1], [0.0, y0], [0.0, y1]]
            )  # (p, 2) sole frame
        dyaw = math.remainder(yaw1 - yaw0, 2.0 * math.pi)
        yaw = yaw0 + dyaw * q  # (k,)
        c, sn = np.cos(yaw)[:, None], np.sin(yaw)[:, None]
        X = xy[:, :1] + c * pts[:, 0] - sn * pts[:, 1]  # (k, p)
        Y = xy[:, 1:] + sn * pts[:, 0] + c * pts[:, 1]
        h = terrain_heights(terrain, X, Y).max(axis=1)  # (k,) highest ground under the sole
        z0, z1 = float(self.start[2]), float(self.end[2])
        za = max(z0, z1, float(h.max())) + height_m
        # Profile shape g(s) in [0, 1]: z = z_end + (za - z_end) g on each side of the apex.
        sa = self.apex_phase
        rising = s < sa
        # Ground swept until the next sample (rising: z grows) or since the previous one (falling).
        h = np.where(rising, np.maximum(h, np.r_[h[1:], h[-1]]), np.maximum(h, np.r_[h[0], h[:-1]]))
        g = np.where(rising, quintic(s / sa)[0], quintic((1.0 - s) / (1.0 - sa))[0])
        z_end = np.where(rising, z0, z1)
        tol = 0.005
        need = (h > z_end + tol) & (g > 0.05)
        if np.any(need):
            req = z_end[need] + (h[need] + clearance_m - z_end[need]) / g[need]
            za = max(za, float(req.max()))
        return min(za, cap)

    # -- queries ----------------------------------------------------------------------------------
    def phase(self, t: float) -> float:
        """Swing phase s in [0, 1] at time t (s)."""
        return min(max((t - self.t_liftoff) / self.duration_s, 0.0), 1.0)

    def positions(self, t: np.ndarray) -> np.ndarray:
        """(k, 3) sole positions at times t (k,) s (clamped to the swing interval)."""
        # Scalar arithmetic: faster than numpy for the few knots of one swing.
        lo, inv = self.t_liftoff, 1.0 / self.duration_s
        x0, y0, z0 = self.start.tolist()
        x1, y1, z1 = self.end.tolist()
        dx, dy = x1 - x0, y1 - y0
        sa, za = self.apex_phase, self.apex_z
        ir, jf = 1.0 / sa, 1.0 / (1.0 - sa)
        ramp = self.xy_ramp
        rows = []
        for ti in np.asarray(t, float).ravel().tolist():
            s = min(max((ti - lo) * inv, 0.0), 1.0)
            if ramp is None:
                q = s * s * s * (10.0 + s * (-15.0 + 6.0 * s))
            else:
                q = self._xy_scaling(s)[0]
            if s < sa:
                u = s * ir
                z = z0 + (za - z0) * u * u * u * (10.0 + u * (-15.0 + 6.0 * u))
            else:
                u = (1.0 - s) * jf
                z = z1 + (za - z1) * u * u * u * (10.0 + u * (-15.0 + 6.0 * u))
            rows.append((x0 + q * dx, y0 + q * dy, z))
        return np.array(rows, float).reshape(-1, 3)

    def _z_scalar(self, s: float) -> tuple[float, float, float]:
        za, sa = self.apex_z, self.apex_phase
        if s < sa:
            z_end, u, du = float(self.start[2]), s / sa, 1.0 / sa
        else:
            z_end, u, du = float(self.end[2]), (1.0 - s) / (1.0 - sa), -1.0 / (1.0 - sa)
        q, dq, ddq = _quintic_scalar(u)
        amp = za - z_end
        return z_end + amp * q, amp * dq * du, amp * ddq * du * du

    def sample(self, t: float) -> SwingSample:
        """Pose, velocity and acceleration (world axes) at time t (s); held at the ends."""
        if self._u is None:
            self._orientation()
        T = self.duration_s
        inside = self.t_liftoff < t < self.t_touchdown
        s = self.phase(t)
        q, dq, ddq = self._xy_scaling(s)
        d = self.end - self.start
        z, dz, ddz = self._z_scalar(s)
        pos = np.array([self.start[0] + q * d[0], self.start[1] + q * d[1], z])
        vel = np.zeros(6)
        acc = np.zeros(6)
        if inside:
            vel[:2] = d[:2] * (dq / T)
            vel[2] = dz / T
            vel[3:] = self._w * (dq / T)
            acc[:2] = d[:2] * (ddq / (T * T))
            acc[2] = ddz / (T * T)
            acc[3:] = self._w * (ddq / (T * T))
        u = self._u
        if u[0] == 0.0 and u[1] == 0.0 and self._start_rotation is None:
            R = yaw_matrix(self.start_yaw + u[2] * q)  # flat soles: pure yaw interpolation
        else:
            R = self.R0 @ _exp3(u * q)
        return SwingSample(pos, R, vel, acc)
