"""What the controller reads each tick: MuJoCo's state and sensors as a :class:`RobotState`, with the
scenario's sensor noise, IMU biases, IMU rate / latency / dropout and the sensor faults.

The readings of one tick are the vector y = [joint_pos (nu), joint_vel (nu), imu_quat xyzw (4),
gyro (3), acc (3), force l, r (6), torque l, r (6), (ground truth: base pos (3), quat xyzw (4),
base-frame linear velocity (3), angular velocity (3))], gathered by ``y_index`` from
concatenate(qpos, qvel, sensordata). Each :meth:`SensorModel.read` returns fresh arrays (views of
that tick's y): a controller may keep the states it is given.
"""

from __future__ import annotations

import math
from typing import Any

import mujoco
import numpy as np

from cerebellum.interfaces import BaseState, RobotState

__all__ = ["SensorModel"]

# Noise is drawn for this many reads at a time (``cerebellum export`` replays the same blocks).
NOISE_BLOCK_ROWS = 1024


class SensorModel:
    """Readings of ``data`` for a controller. ``qadr``/``vadr`` (nu,): qpos/qvel address of each
    actuated joint; ``truth``: y carries the ground-truth base (``RobotState.base``); ``faults``:
    the run's :class:`~cerebellum.sim.faults.FaultInjector`; ``dt_s``: the control period."""

    def __init__(
        self,
        model: mujoco.MjModel,
        data: mujoco.MjData,
        noise: Any,
        qadr: np.ndarray,
        vadr: np.ndarray,
        truth: bool,
        faults: Any,
        dt_s: float,
    ):
        m, n = model, noise
        nq, nv, nu = m.nq, m.nv, m.nu
        self._qpos, self._qvel, self._sensordata = data.qpos, data.qvel, data.sensordata
        self.nu, self.truth, self.faults, self.dt_s = nu, truth, faults, dt_s
        adr = {
            m.sensor(i).name: nq + nv + m.sensor_adr[i] + np.arange(m.sensor_dim[i])
            for i in range(m.nsensor)
        }
        parts = [
            qadr,
            nq + vadr,
            adr["imu_quat"][[1, 2, 3, 0]],
            adr["imu_gyro"],
            adr["imu_acc"],
            adr["left_foot_force"],
            adr["right_foot_force"],
            adr["left_foot_torque"],
            adr["right_foot_torque"],
        ]
        if truth:
            parts += [
                np.arange(3),
                np.array([4, 5, 6, 3]),
                adr["base_velocimeter"],
                nq + np.arange(3, 6),
            ]
        self.y_index = np.concatenate(parts)  # (y.size,) into concatenate(qpos, qvel, sensordata)
        # (y.size + 3,) noise std of each reading, then 3 of the orientation (half-angles)
        self.noise_std = np.concatenate(
            [
                np.full(nu, n.joint_pos_rad),
                np.full(nu, n.joint_vel_rad_s),
                np.zeros(4),
                np.full(3, n.gyro_rad_s),
                np.full(3, n.acc_m_s2),
                np.full(6, n.foot_force_N),
                np.full(6, n.foot_torque_Nm),
                np.zeros(13 if truth else 0),
                np.full(3, n.orientation_rad / 2),
            ]
        )
        self.noise_any = bool(self.noise_std.any())
        self.orientation_std = n.orientation_rad
        self._bias_walk = np.sqrt(dt_s) * np.repeat(
            [n.gyro_bias_walk_rad_s2, n.acc_bias_walk_m_s3], 3
        )
        self._bias_std = np.repeat([n.gyro_bias_rad_s, n.acc_bias_m_s2], 3)
        self._bias_any = bool(self._bias_walk.any() or self._bias_std.any())
        self._imu_bias = np.zeros(6)
        # IMU sample rate, latency and dropout: a ring of the last readings [quat, gyro, acc]
        self._imu_every = max(1, int(round(1.0 / (n.imu_rate_hz * dt_s)))) if n.imu_rate_hz else 1
        self._imu_lag = int(round(n.imu_latency_s / dt_s))
        k0 = int(round(n.imu_dropout_t_s / dt_s))
        self._imu_dropout = (k0, k0 + int(round(n.imu_dropout_duration_s / dt_s)))  # ticks
        self._imu_timing = bool(
            self._imu_every > 1 or self._imu_lag or n.imu_dropout_duration_s > 0
        )
        self._imu_ring = np.zeros((self._imu_lag + 1, 10))
        self.reset(np.random.SeedSequence(0))

    def reset(self, noise_seq: np.random.SeedSequence) -> None:
        """Before a run: fresh noise streams from ``noise_seq`` (the biases from a child of it, so
        that they leave the noise draws unchanged) and a new constant IMU bias."""
        self.rng_noise = np.random.default_rng(noise_seq)
        self.rng_bias = np.random.default_rng(noise_seq.spawn(1)[0])
        self._imu_bias = self._bias_std * self.rng_bias.standard_normal(6)
        self._block_y = np.zeros((0, self.y_index.size))  # this block's noise of y, per read
        self._block_r: list[list[float]] = []  # and of the orientation (3 half-angles)
        self._row = 0

    def _draw_noise(self) -> None:
        block = self.rng_noise.standard_normal((NOISE_BLOCK_ROWS, self.noise_std.size))
        block *= self.noise_std
        self._block_y = block[:, :-3]
        self._block_r = block[:, -3:].tolist()
        self._row = 0

    def read(self, t: float, k: int) -> RobotState:
        """The state the controller gets at tick k (time t = k * dt_s)."""
        nu = self.nu
        o = 2 * nu
        y = np.concatenate((self._qpos, self._qvel, self._sensordata))[self.y_index]
        if self.noise_any:
            if self._row == len(self._block_y):
                self._draw_noise()
            row = self._row
            self._row = row + 1
            y += self._block_y[row]
            if self.orientation_std > 0:  # q <- q * (1, r/2), normalised; q = (x, y, z, w)
                rx, ry, rz = self._block_r[row]
                x, yy, z, w = y[o : o + 4].tolist()
                q = np.array(
                    [
                        w * rx + x + yy * rz - z * ry,
                        w * ry + yy + z * rx - x * rz,
                        w * rz + z + x * ry - yy * rx,
                        w - x * rx - yy * ry - z * rz,
                    ]
                )
                np.divide(q, math.sqrt(q @ q), out=y[o : o + 4])
        if self._bias_any:  # IMU biases [gyro, acc]: constant per run + random walk
            self._imu_bias += self._bias_walk * self.rng_bias.standard_normal(6)
            y[o + 4 : o + 10] += self._imu_bias
        faults = self.faults
        if faults.any:
            faults.sensors_additive(y, k)
        if self._imu_timing:
            self._imu_timing_apply(y[o : o + 10], k)
        if faults.any:
            faults.sensors_replace(y, k)
        base = None
        if self.truth:
            base = BaseState(
                y[o + 22 : o + 25], y[o + 25 : o + 29], y[o + 29 : o + 32], y[o + 32 :]
            )
        return RobotState(
            t,
            y[:nu],
            y[nu:o],
            y[o : o + 4],
            y[o + 4 : o + 7],
            y[o + 7 : o + 10],
            y[o + 10 : o + 16].reshape(2, 3),
            y[o + 16 : o + 22].reshape(2, 3),
            base,
        )

    def _imu_timing_apply(self, imu: np.ndarray, k: int) -> None:
        """imu (10,) [quat xyzw, gyro, acc] of tick k, in place: the sample ``imu_latency_s`` old,
        taken at ``imu_rate_hz`` (held in between), NaN inside the dropout window."""
        ring, lag = self._imu_ring, self._imu_lag
        if k % self._imu_every == 0 or k == 0:
            ring[k % (lag + 1)] = imu
        else:
            ring[k % (lag + 1)] = ring[(k - 1) % (lag + 1)]
        imu[:] = ring[max(k - lag, 0) % (lag + 1)]
        if self._imu_dropout[0] <= k < self._imu_dropout[1]:
            imu[:] = np.nan
