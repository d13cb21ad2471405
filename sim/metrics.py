"""Walking metrics over a simulation log: distance, speed, velocity tracking, MPC timings."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = [
    "SETTLE_S",
    "distance_m",
    "mean_speed_mps",
    "mpc_metrics",
    "percentiles",
    "velocity_tracking_rmse",
]

SETTLE_S = 1.0  # samples this soon after a command change are left out of the tracking error


def percentiles(x: Any) -> dict[str, float]:
    """{p50, p99, max} of a 1-D sample; NaN for an empty one."""
    x = np.asarray(x, dtype=float).ravel()
    if len(x) == 0:
        return {"p50": math.nan, "p99": math.nan, "max": math.nan}
    return {
        "p50": float(np.percentile(x, 50)),
        "p99": float(np.percentile(x, 99)),
        "max": float(np.max(x)),
    }


def distance_m(log: dict[str, np.ndarray]) -> float:
    """Straight-line horizontal distance of the base from its first to its last logged position, m
    (net displacement: sway and turning on the spot do not add to it)."""
    p = log["base_pos"]
    if len(p) < 2:
        return 0.0
    return float(np.linalg.norm(p[-1, :2] - p[0, :2]))


def mean_speed_mps(log: dict[str, np.ndarray]) -> float:
    """``distance_m`` over the logged duration, m/s (0 for an empty log)."""
    t = log["t"]
    if len(t) < 2:
        return 0.0
    duration = float(t[-1] - t[0] + log["dt_s"])
    return distance_m(log) / duration


def velocity_tracking_rmse(
    log: dict[str, np.ndarray], settle_s: float = SETTLE_S
) -> dict[str, float] | None:
    """Root-mean-square error of the base velocity against the command, or None when no sample
    is left after the settling windows.

    At each control tick k: ``v_h = Rz(yaw_k)^T v_xy`` is the base origin's world horizontal
    velocity (MuJoCo ``qvel[0:2]``) in the heading frame (yaw of the base, x forward, z up);
    ``w_z`` is the base angular velocity about world z. Errors ``e = (v_h,x - vx, v_h,y - vy,
    w_z - yaw_rate)`` against the command in force at that tick, unfiltered (gait sway counts).
    Ticks less than ``settle_s`` after the start or after any command change are excluded.
    Returns ``vx_mps``, ``vy_mps``, ``yaw_rate_rad_s`` (per component, sqrt(mean(e_i^2))) and
    ``linear_mps`` = sqrt(mean(e_x^2 + e_y^2)).
    """
    t, cmd = log["t"], log["command"]
    n = len(t)
    if n == 0:
        return None
    changed = np.ones(n, dtype=bool)
    changed[1:] = np.any(cmd[1:] != cmd[:-1], axis=1)
    last_change = t[np.maximum.accumulate(np.where(changed, np.arange(n), 0))]
    keep = t - last_change >= settle_s - 1e-9
    if not keep.any():
        return None
    yaw = log["base_rpy"][keep, 2]
    v = log["qvel"][keep, 0:2]
    c, s = np.cos(yaw), np.sin(yaw)
    vh = np.stack([c * v[:, 0] + s * v[:, 1], -s * v[:, 0] + c * v[:, 1]], axis=1)
    x, y, z, w = log["base_quat_xyzw"][keep].T
    r2 = np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], axis=1)
    wz = np.einsum("ij,ij->i", r2, log["qvel"][keep, 3:6])  # body-frame angular velocity -> world z
    e = np.column_stack([vh - cmd[keep, :2], wz - cmd[keep, 2]])
    rms = np.sqrt(np.mean(e**2, axis=0))
    return {
        "vx_mps": float(rms[0]),
        "vy_mps": float(rms[1]),
        "yaw_rate_rad_s": float(rms[2]),
        "linear_mps": float(np.sqrt(np.mean(e[:, 0] ** 2 + e[:, 1] ** 2))),
    }


def mpc_metrics(stats: dict[str, Any]) -> dict[str, Any]:
    """``mpc`` block of metrics.json from a controller's ``stats()["mpc"]``: ``solve_ms`` as every
    solve time (ms) or {p50, p99, max}, ``failures``, ``deadline_misses``. Absent entries: None."""
    mpc = stats.get("mpc")
    if not isinstance(mpc, dict):
        return {"solve_ms": None, "failures": None, "deadline_misses": None}
    solve = mpc.get("solve_ms")
    if isinstance(solve, dict) and {"p50", "p99", "max"} <= set(solve):
        solve_ms = {k: float(solve[k]) for k in ("p50", "p99", "max")}
    elif solve is not None and np.size(solve):
        solve_ms = percentiles(solve)
    else:
        solve_ms = None
    out: dict[str, Any] = {"solve_ms": solve_ms}
    for key in ("failures", "deadline_misses"):
        out[key] = int(mpc[key]) if mpc.get(key) is not None else None
    return out
