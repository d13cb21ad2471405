"""Run reports: ``metrics.json``, the compressed log, PNG plots and an offscreen-rendered video."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from cerebellum.errors import CerebellumError

__all__ = [
    "RendererUnavailableError",
    "finite_json",
    "metrics",
    "save_log",
    "save_metrics",
    "save_plots",
    "torque_heatmap",
    "torque_ratio_bins",
    "render_frame",
    "open_renderer",
    "prepare_output_dir",
    "render_video",
    "summary_table",
    "write_json",
]


class RendererUnavailableError(CerebellumError, RuntimeError):
    """No OpenGL context could be created for offscreen rendering."""


def _percentiles(x: np.ndarray) -> dict[str, float]:
    from cerebellum.sim.metrics import percentiles

    return percentiles(x)


def metrics(result, terrain: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``metrics.json`` content of a :class:`~cerebellum.sim.simulation.SimResult`.

    ``wbc.tick_us`` comes from the controller's own timer (``stats()["tick_us"]``) when it has one,
    else from the loop's wall-clock timing of ``compute()`` (``wbc.tick_source`` says which).
    ``max_push_Ns``: the largest impulse norm actually delivered by a push before the run ended.
    Walking: ``distance_m``, ``mean_speed_mps``, ``velocity_tracking_rmse`` (see
    :mod:`cerebellum.sim.metrics`), ``mpc`` {solve_ms {p50, p99, max}, solves, rate_hz, failures, deadline_misses, fallbacks}
    from the controller's ``stats()["mpc"]`` (None without an MPC); ``estimator``
    (:func:`cerebellum.sim.metrics.estimator_metrics`, None with the ground-truth base);
    ``faults``: what the scenario's ``[[fault]]`` entries injected and when
    (:meth:`cerebellum.sim.faults.FaultInjector.record`).
    """
    from cerebellum.sim import metrics as walking

    log = result.log
    stats = dict(result.controller_stats)
    tick = stats.pop("tick_us", None)
    if isinstance(tick, dict) and {"p50", "p99", "max"} <= set(tick):
        tick_us, source = {k: float(tick[k]) for k in ("p50", "p99", "max")}, "controller"
    elif tick is not None and np.size(tick):
        tick_us, source = _percentiles(np.asarray(tick, dtype=float)), "controller"
    else:
        tick_us, source = _percentiles(result.tick_us), "loop"
    failures = int(stats.pop("failures", 0))
    mpc = walking.mpc_metrics(stats)
    stats.pop("mpc", None)
    pushes = result.pushes
    max_push = max((float(np.linalg.norm(p["impulse_Ns"])) for p in pushes), default=0.0)
    tau, lim = log["tau"], log["effort_limit"]
    n = len(log["t"])
    out = {
        "robot": result.robot,
        "scenario": result.scenario,
        "seed": result.seed,
        "controller": result.controller,
        "success": bool(result.success),
        "failed_criteria": list(result.failed_criteria),
        "fell": bool(result.fell),
        "fall_time_s": result.fall_time_s,
        "sim_time_s": float(result.sim_time_s),
        "wall_time_s": float(result.wall_time_s),
        "real_time_factor": float(result.real_time_factor),
        "max_base_tilt_rad": float(log["tilt"].max()) if n else 0.0,
        "min_base_height_m": float(log["base_height"].min()) if n else None,
        "final_base_position_m": log["base_pos"][-1].tolist() if n else None,
        "max_torque_ratio": float(np.max(np.abs(tau) / lim)) if n else 0.0,
        "non_finite_torque_ticks": int((~np.isfinite(tau)).any(axis=1).sum()) if n else 0,
        "max_push_Ns": max_push,
        "distance_m": walking.distance_m(log),
        "mean_speed_mps": walking.mean_speed_mps(log),
        "velocity_tracking_rmse": walking.velocity_tracking_rmse(log),
        "mpc": mpc,
        "estimator": walking.estimator_metrics(log),
        "pushes": [
            {k: p[k] for k in ("t_s", "duration_s", "body", "force_N", "impulse_Ns")}
            for p in pushes
        ],
        "faults": _jsonable(list(getattr(result, "faults", []))),
        "wbc": {"tick_us": tick_us, "tick_source": source, "failures": failures},
        "controller_stats": _jsonable(stats),
    }
    if terrain is not None:
        out["terrain"] = _jsonable(terrain)
    return out


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    return str(x)


def finite_json(obj: Any) -> tuple[Any, dict[str, str]]:
    """A copy of ``obj`` that ``json.dumps(allow_nan=False)`` accepts: every NaN/inf float (and
    numpy scalar) becomes null; returns it and {dotted path: "nan" | "inf" | "-inf"} of those."""
    bad: dict[str, str] = {}

    def walk(x: Any, where: str) -> Any:
        if isinstance(x, dict):
            return {k: walk(v, f"{where}.{k}" if where else str(k)) for k, v in x.items()}
        if isinstance(x, (list, tuple, np.ndarray)):
            return [walk(v, f"{where}[{i}]") for i, v in enumerate(x)]
        if isinstance(x, np.generic):
            x = x.item()
        if isinstance(x, float) and not np.isfinite(x):
            bad[where] = repr(x)
            return None
        return x

    return walk(obj, ""), bad


def write_json(doc: Any, path: str | os.PathLike, indent: int | None = 2) -> Path:
    """Writes ``doc`` as strict JSON (non-finite numbers as null, listed under ``non_finite`` when
    ``doc`` is a dict), atomically; an unwritable path raises OutputError."""
    from cerebellum.errors import OutputError

    path = Path(path)
    clean, bad = finite_json(doc)
    if bad and isinstance(clean, dict):
        clean["non_finite"] = bad
    text = json.dumps(clean, indent=indent, allow_nan=False) + "\n"
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text)
        tmp.replace(path)
    except OSError as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OutputError(path, e.strerror or str(e)) from None
    return path


def prepare_output_dir(path: str | os.PathLike) -> Path:
    """Creates the folder ``path`` and checks that a file can be written in it; raises
    OutputError (not a folder, read-only, disk full) naming it."""
    import tempfile

    from cerebellum.errors import OutputError

    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(path, "exists and is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".write-test-")
        try:
            os.write(fd, b"0" * 4096)
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as e:
        raise OutputError(path, e.strerror or str(e)) from None
    return path


def save_metrics(m: dict[str, Any], path: str | os.PathLike) -> Path:
    """metrics.json: always valid JSON (see :func:`write_json`)."""
    return write_json(m, path)


def save_log(log: dict[str, np.ndarray], path: str | os.PathLike) -> Path:
    """Writes the log arrays with ``np.savez_compressed`` (see ``Simulation`` for the keys)."""
    path = Path(path)
    np.savez_compressed(path, **log)
    return path


def save_plots(
    log: dict[str, np.ndarray], out_dir: str | os.PathLike, title: str = ""
) -> list[Path]:
    """Writes ``com_orientation.png``, ``contact_forces.png``, ``torques.png`` (and
    ``estimator.png``, estimate vs truth, when the estimator was in the loop); returns paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    t = log["t"]
    paths = []

    fig, ax = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for i, c in enumerate("xyz"):
        ax[0].plot(t, log["com"][:, i], label=f"CoM {c}")
    ax[0].set_ylabel("CoM position, m")
    ax[0].legend(loc="best", fontsize=8)
    for i, c in enumerate(("roll", "pitch", "yaw")):
        ax[1].plot(t, log["base_rpy"][:, i], label=c)
    ax[1].set_ylabel("base orientation, rad")
    ax[1].set_xlabel("time, s")
    ax[1].legend(loc="best", fontsize=8)
    _shade_pushes(ax, t, log)
    fig.suptitle(f"{title} CoM and base orientation")
    fig.tight_layout()
    paths.append(out / "com_orientation.png")
    fig.savefig(paths[-1], dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(9, 4))
    for i, side in enumerate(("left", "right")):
        ax.plot(t, log["contact_force"][:, i, 2], label=f"{side} sole")
    ax.plot(t, log["contact_force"][:, :, 2].sum(axis=1), "k--", lw=0.8, label="total")
    ax.set_xlabel("time, s")
    ax.set_ylabel("contact normal force (world z), N")
    ax.legend(loc="best", fontsize=8)
    _shade_pushes([ax], t, log)
    fig.suptitle(f"{title} contact forces")
    fig.tight_layout()
    paths.append(out / "contact_forces.png")
    fig.savefig(paths[-1], dpi=100)
    plt.close(fig)

    fig = torque_heatmap(log, title=f"{title} joint torques vs limits")
    paths.append(out / "torques.png")
    fig.savefig(paths[-1], dpi=100)
    plt.close(fig)

    if "est_base_pos" in log:  # the estimator was in the loop: estimate vs truth
        fig, ax = plt.subplots(3, 1, figsize=(9, 8), sharex=True)
        for i, c in enumerate("xy"):
            ax[0].plot(t, log["qvel"][:, i], lw=0.8, label=f"true v{c}")
            ax[0].plot(t, log["est_base_vel_world"][:, i], "--", lw=0.8, label=f"estimated v{c}")
        ax[0].set_ylabel("base velocity (world), m/s")
        ax[0].legend(loc="best", fontsize=8)
        err = log["est_base_pos"][:, :2] - log["base_pos"][:, :2]
        ax[1].plot(t, np.linalg.norm(err, axis=1), label="horizontal position error")
        ax[1].set_ylabel("m")
        ax[1].legend(loc="best", fontsize=8)
        fz = log["contact_force"][:, :, 2]
        for i, side in enumerate(("left", "right")):
            ax[2].plot(t, 2 * i + (fz[:, i] > 1.0), lw=0.8, label=f"{side} MuJoCo")
            ax[2].plot(
                t, 2 * i + 0.9 * log["est_contact"][:, i], "--", lw=0.8, label=f"{side} detected"
            )
        ax[2].set_yticks([0, 1, 2, 3], ["L off", "L on", "R off", "R on"])
        ax[2].set_xlabel("time, s")
        ax[2].legend(loc="best", fontsize=7)
        _shade_pushes(ax, t, log)
        fig.suptitle(f"{title} base estimator vs ground truth")
        fig.tight_layout()
        paths.append(out / "estimator.png")
        fig.savefig(paths[-1], dpi=100)
        plt.close(fig)
    return paths


def torque_ratio_bins(log: dict[str, np.ndarray], max_bins: int = 1000):
    """(nu, b) max of |tau| / effort limit over each of b <= max_bins equal time bins, and the
    (b + 1,) bin edges in s: the peaks survive the downsampling."""
    t = np.asarray(log["t"], dtype=float)
    ratio = np.abs(log["tau"]) / log["effort_limit"]  # (n, nu)
    n = len(t)
    b = max(1, min(max_bins, n))
    idx = np.linspace(0, n, b + 1).astype(int)
    bins = np.maximum.reduceat(ratio, idx[:-1], axis=0).T if n else np.zeros((ratio.shape[1], 0))
    dt = float(t[1] - t[0]) if n > 1 else 0.0
    edges = np.append(t[np.minimum(idx[:-1], n - 1)], t[-1] + dt) if n else np.zeros(1)
    return bins, edges


def torque_heatmap(log: dict[str, np.ndarray], title: str = ""):
    """A joint x time heatmap of |tau| / effort limit (0..1, saturated at 1), one labelled row
    per actuated joint, pushes marked on the time axis; returns the matplotlib Figure."""
    import matplotlib.pyplot as plt

    bins, edges = torque_ratio_bins(log)
    names = [str(s) for s in log["joint_names"]]
    nu = len(names)
    fig, ax = plt.subplots(figsize=(10, max(3.5, 0.2 * nu + 1.6)))
    mesh = ax.pcolormesh(
        edges, np.arange(nu + 1), bins, cmap="magma", vmin=0.0, vmax=1.0, shading="flat"
    )
    ax.set_yticks(np.arange(nu) + 0.5, names, fontsize=7 if nu > 20 else 8)
    ax.set_ylim(nu, 0)  # first actuator on top
    ax.set_xlabel("time, s")
    on = np.linalg.norm(log["push_force"], axis=1) > 0 if "push_force" in log else None
    if on is not None and on.any():
        t = log["t"]
        ax.plot(t[on], np.full(on.sum(), -0.3), "|", color="tab:orange", ms=6, clip_on=False)
    bar = fig.colorbar(mesh, ax=ax, pad=0.01)
    bar.set_label("|tau| / effort limit (max per time bin)")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def _shade_pushes(axes, t: np.ndarray, log: dict[str, np.ndarray]) -> None:
    on = np.linalg.norm(log["push_force"], axis=1) > 0
    if not on.any():
        return
    edges = np.flatnonzero(np.diff(np.concatenate([[0], on.astype(int), [0]])))
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        for ax in axes:
            ax.axvspan(t[a], t[min(b, len(t) - 1)], color="orange", alpha=0.3, lw=0)


def open_renderer(model, width: int = 640, height: int = 480):
    """A ``mujoco.Renderer``; raises :class:`RendererUnavailableError` naming MUJOCO_GL options."""
    import mujoco

    try:
        return mujoco.Renderer(model, height=height, width=width)
    except Exception as e:  # noqa: BLE001 - every GL back-end fails differently
        backend = os.environ.get("MUJOCO_GL", "<unset: glfw, needs a display>")
        raise RendererUnavailableError(
            f"cannot render offscreen with MUJOCO_GL={backend} ({type(e).__name__}: {e}); run with "
            "MUJOCO_GL=egl (GPU with EGL) or MUJOCO_GL=osmesa (software rendering, Debian package "
            "libosmesa6)"
        ) from None


def render_video(
    model,
    log: dict[str, np.ndarray],
    path: str | os.PathLike,
    fps: int = 30,
    width: int = 640,
    height: int = 480,
    speed: float = 1.0,
) -> Path:
    """Replays ``log["qpos"]`` into an MP4 at ``fps`` with a camera tracking the robot's base;
    ``speed`` > 1 plays faster than real time (a frame every ``speed / fps`` s of the log).

    Needs an offscreen OpenGL context: ``MUJOCO_GL=egl`` (GPU/EGL) or ``MUJOCO_GL=osmesa``
    (software; Debian package ``libosmesa6``), set before the program starts.
    """
    import imageio.v2 as imageio
    import mujoco

    renderer = open_renderer(model, width, height)
    try:
        data = mujoco.MjData(model)
        cam = _tracking_camera(model)
        t = log["t"]
        frames = np.arange(0.0, t[-1] + 1e-9, speed / fps) if len(t) else np.zeros(0)
        idx = np.minimum(np.searchsorted(t, frames), len(t) - 1)
        path = Path(path)
        with imageio.get_writer(
            path, fps=fps, codec="libx264", quality=7, macro_block_size=16
        ) as w:
            for k in idx:
                data.qpos[:] = log["qpos"][k]
                mujoco.mj_forward(model, data)
                renderer.update_scene(data, camera=cam)
                renderer.scene.flags[mujoco.mjtRndFlag.mjRND_SHADOW] = False  # software GL speed
                renderer.scene.flags[mujoco.mjtRndFlag.mjRND_REFLECTION] = False
                w.append_data(renderer.render())
    finally:
        renderer.close()
    return path


def _tracking_camera(model, azimuth: float = 150.0, elevation: float = -15.0):
    import mujoco

    cam = mujoco.MjvCamera()
    cam.type = mujoco.mjtCamera.mjCAMERA_TRACKING
    cam.trackbodyid = int(model.jnt_bodyid[0])
    cam.distance, cam.azimuth, cam.elevation = 3.5, azimuth, elevation
    return cam


def render_frame(
    model,
    log: dict[str, np.ndarray],
    t_s: float,
    path: str | os.PathLike,
    width: int = 960,
    height: int = 720,
    azimuth: float = 150.0,
    elevation: float = -15.0,
) -> Path:
    """Writes a PNG of the logged state nearest to ``t_s`` (camera tracking the base, shadows
    on). Needs an offscreen OpenGL context, as :func:`render_video`."""
    import imageio.v2 as imageio
    import mujoco

    t = log["t"]
    if not len(t):
        raise ValueError("empty log: nothing to render")
    k = int(np.clip(np.searchsorted(t, t_s), 0, len(t) - 1))
    g = model.vis.global_
    g.offwidth, g.offheight = max(g.offwidth, width), max(g.offheight, height)
    renderer = open_renderer(model, width, height)
    try:
        data = mujoco.MjData(model)
        data.qpos[:] = log["qpos"][k]
        mujoco.mj_forward(model, data)
        renderer.update_scene(data, camera=_tracking_camera(model, azimuth, elevation))
        path = Path(path)
        imageio.imwrite(path, renderer.render())
    finally:
        renderer.close()
    return path


def summary_table(m: dict[str, Any]) -> str:
    """A short human-readable table of the main metrics."""
    tick = m["wbc"]["tick_us"]
    rows = [
        ("robot", m["robot"]),
        ("scenario", m["scenario"]),
        ("seed", m["seed"]),
        ("controller", m["controller"]),
        ("success", "yes" if m["success"] else f"NO ({', '.join(m['failed_criteria'])})"),
        ("fell", f"yes at {m['fall_time_s']:.2f} s" if m["fell"] else "no"),
        ("sim time", f"{m['sim_time_s']:.2f} s"),
        ("wall time", f"{m['wall_time_s']:.2f} s"),
        ("real-time factor", f"{m['real_time_factor']:.2f}"),
        ("max base tilt", f"{m['max_base_tilt_rad']:.3f} rad"),
        ("max push", f"{m['max_push_Ns']:.1f} N·s"),
        ("max |tau|/limit", f"{m['max_torque_ratio']:.2f}"),
        (
            "tick p50/p99/max",
            f"{tick['p50']:.1f} / {tick['p99']:.1f} / {tick['max']:.1f} µs "
            f"({m['wbc']['tick_source']})",
        ),
        ("controller failures", m["wbc"]["failures"]),
        ("distance", f"{m['distance_m']:.2f} m ({m['mean_speed_mps']:.2f} m/s)"),
    ]
    rmse = m.get("velocity_tracking_rmse")
    if rmse is not None:
        rows.append(
            (
                "velocity RMSE",
                f"{rmse['linear_mps']:.3f} m/s, yaw rate {rmse['yaw_rate_rad_s']:.3f} rad/s "
                f"(gait-cycle means; raw {rmse.get('raw_linear_mps', float('nan')):.3f} m/s, "
                f"{rmse.get('raw_yaw_rate_rad_s', float('nan')):.3f} rad/s)",
            )
        )
    solve = (m.get("mpc") or {}).get("solve_ms")
    if solve is not None:
        rows.append(
            (
                "mpc solve p50/p99/max",
                f"{solve['p50']:.2f} / {solve['p99']:.2f} / {solve['max']:.2f} ms, "
                f"{m['mpc']['failures']} failures, {m['mpc']['deadline_misses']} deadline misses",
            )
        )
        rate, fb = m["mpc"].get("rate_hz"), m["mpc"].get("fallbacks")
        if rate is not None:
            rows.append(("mpc rate", f"{rate:.0f} solves/s (simulated), {fb or 0} fallback ticks"))
    w = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k:<{w}}  {v}" for k, v in rows)
