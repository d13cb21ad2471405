"""Linear inverted pendulum (LIPM) CoM planning through the divergent component of motion (DCM).

Horizontal dynamics of a CoM at constant height z0 above the CoP: ``acom = w^2 (com - cop)``,
``w = sqrt(g / z0)``. The DCM ``xi = com + vcom / w`` obeys ``xi' = w (xi - cop)``. Given a
piecewise-linear CoP reference (waypoints), the DCM reference comes from the exact backward
recursion from the last waypoint (where the robot comes to rest, ``xi = cop``), and the CoM
reference from the exact forward solution from the measured CoM. All positions are world x, y (m).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cerebellum.errors import CerebellumError

__all__ = [
    "ComPlanError",
    "ComSample",
    "ComPlan",
    "DescentFilter",
    "plan_com",
    "support_ground",
    "GRAVITY",
]

GRAVITY = 9.81  # m/s^2


class ComPlanError(CerebellumError, ValueError):
    """Invalid input to the CoM planner; says which."""


@dataclass(frozen=True)
class ComSample:
    """CoM plan at one time, world x, y: com m, vcom m/s, acom m/s^2, dcm m, dcm_dot m/s, cop m
    (each (2,))."""

    com: np.ndarray
    vcom: np.ndarray
    acom: np.ndarray
    dcm: np.ndarray
    dcm_dot: np.ndarray
    cop: np.ndarray


class ComPlan:
    """A CoM/DCM trajectory over piecewise-linear CoP segments; constant CoP after the last one.

    ``times`` (K,) s increasing, ``cops`` (K, 2) m: the CoP moves linearly between waypoints.
    ``com0`` (2,) at ``times[0]``: the planned CoM starts there and converges to the DCM
    (``com' = w (dcm - com)``); ``vcom0`` is kept for diagnostics. ``omega`` = sqrt(g / z0), 1/s.
    """

    def __init__(self, times: np.ndarray, cops: np.ndarray, com0, vcom0, omega: float):
        self.times = np.asarray(times, float)
        self.cops = np.asarray(cops, float).reshape(-1, 2)
        self.omega = float(omega)
        w = self.omega
        k = len(self.times)
        # DCM at the waypoints, backwards from rest at the last one.
        xi = np.empty((k, 2))
        xi[-1] = self.cops[-1]
        self._slope = np.zeros((k, 2))  # CoP velocity on segment [i, i+1), m/s
        for i in range(k - 2, -1, -1):
            dt = self.times[i + 1] - self.times[i]
            s = (self.cops[i + 1] - self.cops[i]) / dt
            self._slope[i] = s
            xi[i] = (
                self.cops[i] + s / w + math.exp(-w * dt) * (xi[i + 1] - self.cops[i + 1] - s / w)
            )
        self.dcm_waypoints = xi  # (K, 2)
        # CoM forward from com0, converging to the DCM (com' = w (xi - com), which keeps
        # acom = w^2 (com - cop)): on segment i, com = cop(t) + B_i e^{w tau} + C_i e^{-w tau}.
        self._B = 0.5 * (xi - self.cops - self._slope / w)  # (K, 2)
        self._C = np.empty((k, 2))
        c = np.asarray(com0, float).reshape(2)
        for i in range(k):
            self._C[i] = c - self.cops[i] - self._B[i]
            if i + 1 < k:
                dt = self.times[i + 1] - self.times[i]
                s = self._slope[i]
                c = (
                    self.cops[i]
                    + s * dt
                    + self._B[i] * math.exp(w * dt)
                    + self._C[i] * math.exp(-w * dt)
                )
        self.vcom0 = np.asarray(vcom0, float).reshape(2)  # measured, for reference only

    def _segment(self, t: float) -> int:
        i = int(np.searchsorted(self.times, t, side="right")) - 1
        return min(max(i, 0), len(self.times) - 1)

    def com_at(self, t: np.ndarray) -> np.ndarray:
        """(K, 2) planned CoM at the times ``t`` (K,) s: :meth:`sample`'s ``com``, vectorised."""
        t = np.asarray(t, float)
        i = np.clip(np.searchsorted(self.times, t, side="right") - 1, 0, len(self.times) - 1)
        tau = (t - self.times[i])[:, None]
        e, ei = np.exp(self.omega * tau), np.exp(-self.omega * tau)
        return self.cops[i] + self._slope[i] * tau + self._B[i] * e + self._C[i] * ei

    def sample(self, t: float) -> ComSample:
        """The plan at time t (s); before ``times[0]`` the first segment is extrapolated."""
        i = self._segment(t)
        w = self.omega
        tau = t - self.times[i]
        s = self._slope[i]
        cop = self.cops[i] + s * tau
        # DCM: xi = cop + s/w + e^{w (t - t_{i+1})} (xi_{i+1} - cop_{i+1} - s/w)
        if i + 1 < len(self.times):
            a = self.dcm_waypoints[i + 1] - self.cops[i + 1] - s / w
            xi = cop + s / w + math.exp(w * (t - self.times[i + 1])) * a
        else:
            xi = cop.copy()
        e, ei = math.exp(w * tau), math.exp(-w * tau)
        B, C = self._B[i], self._C[i]
        com = cop + B * e + C * ei
        vcom = s + w * (B * e - C * ei)
        acom = w * w * (B * e + C * ei)
        return ComSample(com, vcom, acom, xi, w * (xi - cop), cop)


def plan_com(times, cops, com0, vcom0, com_height_m: float, gravity: float = GRAVITY) -> ComPlan:
    """A :class:`ComPlan` for CoP waypoints ``times`` (K,) s, ``cops`` (K, 2) m, the current CoM
    ``com0`` and velocity ``vcom0`` (2,) at ``times[0]``, and a CoM height above the CoP (m)."""
    times = np.asarray(times, float)
    cops = np.asarray(cops, float)
    if times.ndim != 1 or len(times) == 0:
        raise ComPlanError(f"times: expected a non-empty 1-D array, got shape {times.shape}")
    if cops.shape != (len(times), 2):
        raise ComPlanError(f"cops: expected shape ({len(times)}, 2), got {cops.shape}")
    if not (np.all(np.isfinite(times)) and np.all(np.isfinite(cops))):
        raise ComPlanError("times and cops must be finite")
    if np.any(np.diff(times) <= 0):
        raise ComPlanError("times must be strictly increasing")
    if not (math.isfinite(com_height_m) and com_height_m > 0):
        raise ComPlanError(f"com_height_m: expected > 0, got {com_height_m}")
    return ComPlan(times, cops, com0, vcom0, math.sqrt(gravity / com_height_m))


def support_ground(
    stance_z: list[float],
    swing_z: float | None = None,
    landed_z: float | None = None,
    min_drop_m: float = 0.02,
) -> float:
    """The ground height (m) the CoM height reference rides on: the mean height of the stance soles
    ``stance_z``, except when stepping down, where the lower level comes first: in single support,
    the foothold ``swing_z`` of the swing in progress when it is more than ``min_drop_m`` below the
    stance sole (the stance leg bends, so the landing leg is not stretched straight); in double
    support, the sole that landed last (``landed_z``) when it is that much lower than the other."""
    ground = float(np.mean(stance_z))
    if swing_z is not None and len(stance_z) == 1 and swing_z < ground - min_drop_m:
        return float(swing_z)
    if landed_z is not None and len(stance_z) == 2 and landed_z < max(stance_z) - min_drop_m:
        return float(landed_z)
    return ground


class DescentFilter:
    """A height reference (m) that follows its target up at once and down with a bounded
    acceleration ``max_accel_mps2`` and speed ``max_speed_mps`` (time-optimal for a rest-to-rest
    move): a step down of the ground becomes a smooth lowering of the CoM. From rest, a drop of
    less than ``min_drop_m`` is followed at once too: it is no level change but the sole height
    moving on continuous ground, which the bounded descent would turn into bang-bang vertical
    acceleration references."""

    def __init__(
        self,
        z: float,
        max_speed_mps: float = 0.3,
        max_accel_mps2: float = 3.0,
        min_drop_m: float = 0.0,
    ):
        if not (max_speed_mps > 0 and max_accel_mps2 > 0):
            raise ComPlanError("DescentFilter: speed and acceleration bounds must be > 0")
        if not (min_drop_m >= 0 and math.isfinite(min_drop_m)):
            raise ComPlanError(
                f"DescentFilter: min_drop_m must be finite and >= 0, got {min_drop_m}"
            )
        self.z, self.dz, self.ddz = float(z), 0.0, 0.0
        self.max_speed_mps, self.max_accel_mps2 = float(max_speed_mps), float(max_accel_mps2)
        self.min_drop_m = float(min_drop_m)

    def step(self, target: float, dt: float) -> tuple[float, float, float]:
        """Advances dt (s) toward ``target`` (m): height (m), rate (m/s), acceleration (m/s^2)."""
        e = float(target) - self.z
        if e >= -self.min_drop_m and self.dz >= 0.0:  # up, there, or a small drop: at once
            self.z, self.dz, self.ddz = float(target), 0.0, 0.0
            return self.z, self.dz, self.ddz
        a = self.max_accel_mps2
        # fastest speed from which the target can still be reached at rest braking at a from the
        # next step on (e < 0: downward)
        h = 0.5 * a * dt
        v_des = -min(self.max_speed_mps, math.sqrt(h * h + 2.0 * a * max(-e, 0.0)) - h)
        ddz = min(max((v_des - self.dz) / dt, -a), a)
        dz = self.dz + ddz * dt
        z = self.z + 0.5 * (self.dz + dz) * dt
        if z <= target and dz <= 0.0:  # arrived
            z, dz = float(target), 0.0
        self.z, self.dz, self.ddz = z, dz, ddz
        return self.z, self.dz, self.ddz
