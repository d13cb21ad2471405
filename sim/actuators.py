"""Motors as robots have them: the robot file's ``[actuators]`` models applied to the torques the
controller commands (see :class:`cerebellum.robots.ActuatorModel`).

Per control tick, for each joint: ``tau <- tau + a (tau_cmd - tau)`` with ``a = 1 - exp(-2 pi
f dt)`` (the exact discretisation of a first-order lag of cut-off f for a command held over the
tick), then ``tau`` is clamped to the torque-speed line ``tau_max (1 - |w| / w0)`` when it drives
the joint (tau w > 0; ``w`` the joint velocity at the tick) and to ``tau_max`` (the MJCF effort
limit) otherwise. The clamped torque is the state (the motor cannot hold more than it delivers).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["MotorModel"]


class MotorModel:
    """Motor models of the actuators (nu,). ``models``: one ActuatorModel per actuator;
    ``effort_limit`` (nu,) N·m; ``dt_s``: the control period."""

    def __init__(self, models: list, effort_limit: np.ndarray, dt_s: float):
        nu = len(models)
        self.effort_limit = np.asarray(effort_limit, dtype=float).copy()
        self.no_load = np.array(
            [m.no_load_speed_rad_s or math.inf for m in models], dtype=float
        )  # (nu,) rad/s
        self.alpha = np.array(
            [
                1.0
                if m.bandwidth_hz is None
                else 1.0 - math.exp(-2 * math.pi * m.bandwidth_hz * dt_s)
                for m in models
            ]
        )  # (nu,)
        self.any = bool(np.isfinite(self.no_load).any() or (self.alpha < 1.0).any())
        self.tau = np.zeros(nu)

    def reset(self) -> None:
        self.tau[:] = 0.0

    def torque_limit(self, joint_vel: np.ndarray, tau: np.ndarray) -> np.ndarray:
        """(nu,) largest |torque| at joint velocities ``joint_vel`` for torques of tau's sign."""
        line = self.effort_limit * np.clip(1.0 - np.abs(joint_vel) / self.no_load, 0.0, 1.0)
        return np.where(tau * joint_vel > 0.0, line, self.effort_limit)

    def apply(self, tau_cmd: np.ndarray, joint_vel: np.ndarray) -> np.ndarray:
        """The torques (nu,) the motors deliver over this tick for the command ``tau_cmd``."""
        tau = self.tau
        tau += self.alpha * (tau_cmd - tau)
        lim = self.torque_limit(joint_vel, tau)
        np.clip(tau, -lim, lim, out=tau)
        return tau.copy()
