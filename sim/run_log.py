"""The log of one run (``SimResult.log``, keys in :class:`cerebellum.sim.simulation.Simulation`):
arrays allocated for every tick before the run, rows written in place each tick, trimmed to the
ticks run and completed with the fields derived from them afterwards."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["RunLog", "add_base_fields"]

# Estimates held before they are copied into the log arrays (bounds the objects kept alive).
PENDING_ROWS = 256
# The est_* keys in the order the log lists them
_EST_ORDER = (
    "est_base_pos",
    "est_base_quat_xyzw",
    "est_base_vel_world",
    "est_contact",
    "est_slipping",
    "est_gyro_bias",
    "est_acc_bias",
    "est_status",
)


class RunLog:
    """Rows for n ticks. The loop writes ``qpos`` (n, nq), ``qvel`` (n, nv), ``tau_cmd`` (n, nu),
    ``tau`` (n, nu) (unless ``tau_is_cmd``: the applied torques are the commanded ones, before
    the limits), ``contact`` (n, 6) the sole contact sensors' readings (the sole's force on the
    terrain, [left, right]), ``com`` (n, 3), ``fault_active`` (n, faults) with ``faults``, and
    with ``estimator`` the estimate of each tick through :meth:`log_estimate`."""

    def __init__(
        self, n: int, nq: int, nv: int, nu: int, faults: int, estimator: bool, tau_is_cmd: bool
    ):
        self.qpos = np.zeros((n, nq))
        self.qvel = np.zeros((n, nv))
        self.tau_cmd = np.zeros((n, nu))
        self.tau_is_cmd = tau_is_cmd
        self.tau = self.tau_cmd if tau_is_cmd else np.zeros((n, nu))
        self.contact = np.zeros((n, 6))
        self.com = np.zeros((n, 3))
        self.fault_active = np.zeros((n, faults), dtype=bool) if faults else None
        self.estimator = estimator
        if estimator:
            self.est = {
                "est_base_pos": np.zeros((n, 3)),
                "est_base_quat_xyzw": np.zeros((n, 4)),
                "est_base_vel_world": np.zeros((n, 3)),
                "est_gyro_bias": np.zeros((n, 3)),
                "est_acc_bias": np.zeros((n, 3)),
                "est_contact": np.zeros((n, 2), dtype=bool),
                "est_slipping": np.zeros((n, 2), dtype=bool),
                "est_status": np.zeros(n, dtype=np.int32),
            }
            self._est_vectors = [self.est[key] for key in list(self.est)[:5]]
        self._views: tuple | None = None
        self._pending: list[tuple] = []  # contact, slipping, status of ticks _flushed..
        self._flushed = 0

    def watch_estimator(self, e: Any) -> None:
        """Before the first :meth:`log_estimate`: the ``_core.BaseEstimator`` e whose estimate is
        logged. Its vector properties are read-only views of the estimate it updates in place;
        when they are (the same memory on each read), the views are read once, here."""
        views = (e.position, e.quat_xyzw, e.linear_velocity_world, e.gyro_bias, e.acc_bias)
        again = (e.position, e.quat_xyzw, e.linear_velocity_world, e.gyro_bias, e.acc_bias)
        live = all(np.shares_memory(v, w) for v, w in zip(views, again, strict=True))
        self._views = views if live else None

    def log_estimate(self, k: int, e: Any) -> None:
        """Row k of the ``est_*`` fields from the watched estimator e (ticks in order)."""
        if self._views is None:
            p, q, v, g, a = (
                e.position,
                e.quat_xyzw,
                e.linear_velocity_world,
                e.gyro_bias,
                e.acc_bias,
            )
        else:
            p, q, v, g, a = self._views
        est = self._est_vectors
        est[0][k] = p
        est[1][k] = q
        est[2][k] = v
        est[3][k] = g
        est[4][k] = a
        # contact, slipping (tuples) and status (int): values, copied a block at a time
        self._pending.append((e.contact, e.slipping, e.status))
        if len(self._pending) == PENDING_ROWS:
            self._flush()

    def _flush(self) -> None:
        rows, k0 = self._pending, self._flushed
        if not rows:
            return
        k1 = k0 + len(rows)
        keys = ("est_contact", "est_slipping", "est_status")
        for key, column in zip(keys, zip(*rows, strict=True), strict=True):
            self.est[key][k0:k1] = column
        self._pending, self._flushed = [], k1

    def arrays(self, k: int, lo: np.ndarray, hi: np.ndarray, dt_s: float) -> dict[str, np.ndarray]:
        """The first k ticks by name, with ``t`` (k,) and ``tau`` clamped to [lo, hi] (nu,)."""
        log = {
            "qpos": self.qpos[:k],
            "qvel": self.qvel[:k],
            "tau_cmd": self.tau_cmd[:k],
            "tau": np.clip(self.tau[:k], lo, hi),
            "contact_force": -self.contact[:k].reshape(k, 2, 3),  # the terrain's on the sole
            "com": self.com[:k],
        }
        if self.fault_active is not None:
            log["fault_active"] = self.fault_active[:k]
        if self.estimator:
            self._flush()
            for key in _EST_ORDER:
                log[key] = self.est[key][:k]
        log["t"] = np.arange(k) * dt_s
        return log


def add_base_fields(
    log: dict[str, np.ndarray],
    terrain: Any,
    joint_names: tuple[str, ...],
    effort_limit: np.ndarray,
    dt_s: float,
) -> None:
    """The base pose fields (``base_pos``, ``base_quat_xyzw``, ``base_rpy``, ``tilt``,
    ``base_height`` above ``terrain``) from ``log["qpos"]``, and the run's constants."""
    q = log["qpos"]
    quat = q[:, 3:7]  # wxyz
    w, x, y, z = quat.T
    log["base_pos"] = q[:, 0:3].copy()
    log["base_quat_xyzw"] = quat[:, [1, 2, 3, 0]].copy()
    log["base_rpy"] = (
        np.stack(
            [
                np.arctan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y)),
                np.arcsin(np.clip(2 * (w * y - z * x), -1, 1)),
                np.arctan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z)),
            ],
            axis=1,
        )
        if len(q)
        else np.zeros((0, 3))
    )
    log["tilt"] = np.arccos(np.clip(1 - 2 * (x * x + y * y), -1, 1))
    log["base_height"] = q[:, 2] - np.asarray(terrain.height(q[:, 0], q[:, 1]))
    log["joint_names"] = np.array(joint_names)
    log["effort_limit"] = effort_limit.copy()
    log["dt_s"] = np.array(dt_s)
