"""Walking metrics over a simulation log: distance, speed, velocity tracking, MPC timings."""

from __future__ import annotations

from typing import Any

import numpy as np

from cerebellum.stats import percentiles

__all__ = [
    "SETTLE_S",
    "distance_m",
    "mean_speed_mps",
    "mpc_metrics",
    "percentiles",
    "velocity_tracking_rmse",
]

SETTLE_S = 1.0  # samples this soon after a command change are left out of the tracking error
WINDOW_S = 0.8  # velocities are averaged over this window (about one gait cycle), s


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
    log: dict[str, np.ndarray], settle_s: float = SETTLE_S, window_s: float = WINDOW_S
) -> dict[str, float] | None:
    """Root-mean-square error of the base velocity against the command, or None when no sample
    is left after the settling windows.

    At each control tick k: ``v_h = Rz(yaw_k)^T v_xy`` is the base origin's world horizontal
    velocity (MuJoCo ``qvel[0:2]``) in the heading frame (yaw of the base, x forward, z up);
    ``w_z`` is the base angular velocity about world z. The command is a walking velocity, so
    ``v_h`` and ``w_z`` are averaged over a centred window of ``window_s`` (about one gait cycle:
    the pelvis sways within each step) before the errors ``e = (v_h,x - vx, v_h,y - vy,
    w_z - yaw_rate)`` against the command in force. Ticks less than ``settle_s`` after the start
    or after any command change, and ticks whose window reaches past a command change or the end
    of the log, are left out. Returns ``vx_mps``, ``vy_mps``, ``yaw_rate_rad_s`` (per component,
    sqrt(mean(e_i^2))), ``linear_mps`` = sqrt(mean(e_x^2 + e_y^2)), and the same two figures of
    the unaveraged velocities as ``raw_linear_mps`` and ``raw_yaw_rate_rad_s``.
    """
    t, cmd = log["t"], log["command"]
    n = len(t)
    if n == 0:
        return None
    idx = np.arange(n)
    changed = np.ones(n, dtype=bool)
    changed[1:] = np.any(cmd[1:] != cmd[:-1], axis=1)
    start = np.maximum.accumulate(np.where(changed, idx, 0))  # first tick of each tick's command
    nxt = np.append(np.where(changed)[0][1:], n)  # first tick of the following command
    end = nxt[np.searchsorted(np.where(changed)[0], idx, side="right") - 1]  # (n,) exclusive
    dt = float(t[1] - t[0]) if n > 1 else 1.0
    half = int(round(0.5 * window_s / dt))
    keep = (t - t[start] >= settle_s - 1e-9) & (idx - half >= start) & (idx + half < end)
    if not keep.any():
        return None
    yaw = log["base_rpy"][:, 2]
    v = log["qvel"][:, 0:2]
    c, s = np.cos(yaw), np.sin(yaw)
    vh = np.stack([c * v[:, 0] + s * v[:, 1], -s * v[:, 0] + c * v[:, 1]], axis=1)
    x, y, z, w = log["base_quat_xyzw"].T
    r2 = np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], axis=1)
    wz = np.einsum("ij,ij->i", r2, log["qvel"][:, 3:6])  # body-frame angular velocity -> world z
    raw = np.column_stack([vh, wz])
    csum = np.vstack([np.zeros(3), np.cumsum(raw, axis=0)])
    k = idx[keep]
    avg = (csum[k + half + 1] - csum[k - half]) / (2 * half + 1)
    e = avg - cmd[keep]
    e_raw = raw[keep] - cmd[keep]
    rms = np.sqrt(np.mean(e**2, axis=0))
    return {
        "vx_mps": float(rms[0]),
        "vy_mps": float(rms[1]),
        "yaw_rate_rad_s": float(rms[2]),
        "linear_mps": float(np.sqrt(np.mean(e[:, 0] ** 2 + e[:, 1] ** 2))),
        "raw_linear_mps": float(np.sqrt(np.mean(e_raw[:, 0] ** 2 + e_raw[:, 1] ** 2))),
        "raw_yaw_rate_rad_s": float(np.sqrt(np.mean(e_raw[:, 2] ** 2))),
        "window_s": float(window_s),
    }


def mpc_metrics(stats: dict[str, Any]) -> dict[str, Any]:
    """``mpc`` block of metrics.json from a controller's ``stats()["mpc"]``: ``solve_ms`` as every
    solve time (ms) or {p50, p99, max}, ``solves``, ``rate_hz`` (solves per second of simulated
    time), ``failures`` (the shifted previous plan kept), ``deadline_misses``, ``fallbacks``
    (ticks on the LIPM plan). Absent entries: None."""
    mpc = stats.get("mpc")
    if not isinstance(mpc, dict):
        return {
            "solve_ms": None,
            "solves": None,
            "rate_hz": None,
            "failures": None,
            "deadline_misses": None,
            "fallbacks": None,
        }
    solve = mpc.get("solve_ms")
    if isinstance(solve, dict) and {"p50", "p99", "max"} <= set(solve):
        solve_ms = {k: float(solve[k]) for k in ("p50", "p99", "max")}
    elif solve is not None and np.size(solve):
        solve_ms = percentiles(solve)
    else:
        solve_ms = None
    out: dict[str, Any] = {"solve_ms": solve_ms}
    for key in ("solves", "failures", "deadline_misses", "fallbacks"):
        out[key] = int(mpc[key]) if mpc.get(key) is not None else None
    out["rate_hz"] = float(mpc["rate_hz"]) if mpc.get("rate_hz") is not None else None
    return out


#: Normal force above which MuJoCo's sole counts as in contact for ``contact_errors``, N.
TRUE_CONTACT_N = 1.0


def estimator_metrics(log: dict[str, np.ndarray]) -> dict[str, Any] | None:
    """``estimator`` block of metrics.json (None when the run had no estimator in the loop).

    ``velocity_rmse_mps``: RMS of the horizontal base velocity error (world); ``tilt_rmse_rad``:
    RMS angle between the estimated and true base z axes; ``drift_m``: horizontal base position
    error at the end; ``drift_fraction``: ``drift_m`` / ``distance_m`` (None below 0.5 m walked);
    ``contact_errors``: ticks x feet whose detected contact differs from MuJoCo's (normal force
    > ``TRUE_CONTACT_N`` over the physics step before the tick, the one the sensors saw);
    ``max_velocity_error_mps``, ``max_tilt_error_rad``.
    """
    if "est_base_pos" not in log:
        return None
    n = len(log["t"])
    if n == 0:
        return None
    v_err = log["est_base_vel_world"][:, :2] - log["qvel"][:, :2]  # MuJoCo: world-frame velocity
    v_norm = np.linalg.norm(v_err, axis=1)

    def z_axis(q: np.ndarray) -> np.ndarray:  # (n, 4) xyzw -> (n, 3) third column of R
        x, y, z, w = q.T
        return np.stack([2 * (x * z + y * w), 2 * (y * z - x * w), 1 - 2 * (x * x + y * y)], 1)

    cos = np.sum(z_axis(log["est_base_quat_xyzw"]) * z_axis(log["base_quat_xyzw"]), axis=1)
    tilt = np.arccos(np.clip(cos, -1.0, 1.0))
    drift = float(np.linalg.norm(log["est_base_pos"][-1, :2] - log["base_pos"][-1, :2]))
    dist = distance_m(log)
    fz = log["contact_force"][:, :, 2]
    truth = np.concatenate([fz[:1], fz[:-1]]) > TRUE_CONTACT_N  # tick k saw step k - 1
    return {
        "velocity_rmse_mps": float(np.sqrt(np.mean(v_norm**2))),
        "max_velocity_error_mps": float(v_norm.max()),
        "tilt_rmse_rad": float(np.sqrt(np.mean(tilt**2))),
        "max_tilt_error_rad": float(tilt.max()),
        "drift_m": drift,
        "drift_fraction": drift / dist if dist >= 0.5 else None,
        "contact_errors": int(np.sum(log["est_contact"] != truth)),
        "ticks": n,
    }
