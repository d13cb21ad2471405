"""The types the controllers and the simulator share: what a controller sees each tick
(:class:`RobotState`, its :class:`BaseState`), what it asks of a terrain (:class:`TerrainQuery`)
and what a loop drives (:class:`Controller`). ``cerebellum.controllers`` and ``cerebellum.sim``
both import them; neither imports the other for them.

Conventions (Pinocchio's): quaternions are x, y, z, w; joint arrays are in the model's joint order
(the MJCF order, the same in Pinocchio and MuJoCo; MuJoCo actuator k drives joint k).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = ["BaseState", "Controller", "RobotState", "TerrainQuery"]


@dataclass
class BaseState:
    """Floating-base state: the simulator's ground truth or the base estimator's estimate.

    position (3) m, world frame; quat_xyzw (4) world_R_base; linear_velocity (3) m/s and
    angular_velocity (3) rad/s, both expressed in the BASE frame (Pinocchio's free-flyer ``v[:6]``).
    """

    position: np.ndarray
    quat_xyzw: np.ndarray
    linear_velocity: np.ndarray
    angular_velocity: np.ndarray


@dataclass
class RobotState:
    """Sensor readings at time ``t_s``.

    joint_pos (nj,) rad and joint_vel (nj,) rad/s: encoders.
    imu_quat_xyzw (4): IMU orientation world_R_imu (the IMU sits on the base, axes aligned).
    imu_gyro (3) rad/s and imu_acc (3) m/s² (specific force: +g upward at rest), IMU frame.
    foot_force (2, 3) N and foot_torque (2, 3) N·m: [left, right] force/torque sensors at the sole
        sites, sole frame, as MuJoCo's force/torque sensors report them (the load the foot
        body transmits to the leg).
    base: :class:`BaseState`, ground truth if the scenario sets ``ground_truth_base``, else the
        estimate of ``_core.BaseEstimator`` (None only for a harness without an estimator).
    """

    t_s: float
    joint_pos: np.ndarray
    joint_vel: np.ndarray
    imu_quat_xyzw: np.ndarray
    imu_gyro: np.ndarray
    imu_acc: np.ndarray
    foot_force: np.ndarray
    foot_torque: np.ndarray
    base: BaseState | None = None

    def q(self) -> np.ndarray:
        """(nq,) Pinocchio configuration [p, quat xyzw, joints]; needs ``base``."""
        if self.base is None:
            raise RuntimeError(
                "RobotState.q() needs the ground-truth base (controller.ground_truth_base = true)"
            )
        return np.concatenate([self.base.position, self.base.quat_xyzw, self.joint_pos])

    def v(self) -> np.ndarray:
        """(nv,) Pinocchio velocity [v_lin base frame, omega base frame, joints]; needs ``base``."""
        if self.base is None:
            raise RuntimeError(
                "RobotState.v() needs the ground-truth base (controller.ground_truth_base = true)"
            )
        return np.concatenate(
            [self.base.linear_velocity, self.base.angular_velocity, self.joint_vel]
        )


class TerrainQuery(Protocol):
    """What the gait layer needs from a terrain: top z (m) and unit normal (3,) at world (x, y)."""

    def height(self, x, y): ...

    def normal(self, x, y): ...


@runtime_checkable
class Controller(Protocol):
    """What the loop drives. ``compute`` returns joint torques (nu,) N·m in actuator order.

    Optional: ``stats() -> dict`` (``tick_us`` as {p50, p99, max} from the controller's own timer,
    ``failures`` count, ``mpc`` = {``solve_ms``: every solve time in ms or {p50, p99, max},
    ``failures``, ``deadline_misses``}, ...), ``plan(state, command)`` called at ``mpc_hz``
    before ``compute``, and ``paced`` (bool): true when the controller works in wall time (a
    planning thread), so the loop must run no faster than real time.
    """

    def reset(self, state: RobotState) -> None: ...

    def compute(self, state: RobotState, command: Any) -> np.ndarray: ...
