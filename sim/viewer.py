"""MuJoCo's passive viewer for a live run (``cerebellum run --viewer``) or a saved log
(``cerebellum replay RUN_DIR``), and the model of a saved run.

The viewer needs a display (X11 ``DISPLAY`` or ``WAYLAND_DISPLAY``) and GLFW; on macOS the
program must run under ``mjpython``. Where there is none, :class:`ViewerUnavailableError` says so
and names the headless alternatives (``--video`` with ``MUJOCO_GL=egl`` or ``osmesa``).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from cerebellum.errors import CerebellumError

__all__ = [
    "ViewerUnavailableError",
    "RunLogError",
    "has_display",
    "close_viewer",
    "open_viewer",
    "load_run",
    "run_model",
    "play_log",
]

HEADLESS_HINT = (
    "on a machine without a display, write a video instead: `cerebellum run ... --video` or "
    "`cerebellum replay RUN_DIR --video` with MUJOCO_GL=egl (GPU) or MUJOCO_GL=osmesa (software)"
)


class ViewerUnavailableError(CerebellumError, RuntimeError):
    """No display (or no GLFW window) for MuJoCo's passive viewer."""


class RunLogError(CerebellumError, ValueError):
    """A run folder without a readable metrics.json and log.npz."""


def has_display() -> bool:
    """True when an X11 or Wayland display is named in the environment (macOS: always)."""
    if sys.platform == "darwin":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def open_viewer(model, data):
    """``mujoco.viewer.launch_passive(model, data)``, or :class:`ViewerUnavailableError`."""
    if not has_display():
        raise ViewerUnavailableError(
            f"--viewer needs a display (DISPLAY and WAYLAND_DISPLAY are unset); {HEADLESS_HINT}"
        )
    gl = os.environ.get("MUJOCO_GL")
    if gl in ("egl", "osmesa"):
        raise ViewerUnavailableError(
            f"--viewer opens a window, which MUJOCO_GL={gl} (offscreen only) cannot; unset "
            "MUJOCO_GL or set MUJOCO_GL=glfw"
        )
    try:
        import mujoco.viewer

        return mujoco.viewer.launch_passive(model, data, show_left_ui=False, show_right_ui=False)
    except Exception as e:  # noqa: BLE001 - GLFW and platform errors differ
        raise ViewerUnavailableError(
            f"cannot open MuJoCo's viewer ({type(e).__name__}: {e}); {HEADLESS_HINT}"
        ) from None


def close_viewer(viewer, timeout_s: float = 5.0) -> None:
    """Closes a passive viewer and waits for its render thread to finish: a process that exits
    while that thread still draws crashes in GLFW's atexit terminate (seen under Xvfb with short
    replays)."""
    import threading

    viewer.close()
    for t in threading.enumerate():
        if t is not threading.current_thread() and "_launch_internal" in t.name:
            t.join(timeout_s)


def load_run(run_dir: str | os.PathLike) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(metrics, log arrays) of a ``cerebellum run`` output folder."""
    run = Path(run_dir)
    mfile, lfile = run / "metrics.json", run / "log.npz"
    missing = [f.name for f in (mfile, lfile) if not f.is_file()]
    if missing:
        raise RunLogError(
            f"{run}: no {' or '.join(missing)} (expected the output folder of `cerebellum run`; "
            "`cerebellum evaluate` keeps logs only with --keep-logs)"
        )
    try:
        metrics = json.loads(mfile.read_text())
        with np.load(lfile) as z:
            log = {k: z[k] for k in z.files}
    except (OSError, ValueError) as e:
        raise RunLogError(f"{run}: cannot read the run ({type(e).__name__}: {e})") from None
    for key in ("t", "qpos"):
        if key not in log:
            raise RunLogError(f"{lfile}: no '{key}' array")
    return metrics, log


def run_model(metrics: dict[str, Any], timestep_s: float = 0.001):
    """The MuJoCo model of a saved run: its robot on its terrain (metrics ``robot``, ``terrain``)."""
    from cerebellum.robots import load_robot
    from cerebellum.sim.simulation import build_model
    from cerebellum.sim.terrain import make_terrain

    terrain = dict(metrics.get("terrain") or {"name": "flat"})
    name = terrain.pop("name")
    return build_model(load_robot(metrics["robot"]), make_terrain(name, **terrain), timestep_s)


def play_log(model, log: dict[str, np.ndarray], speed: float = 1.0, loop: bool = False) -> None:
    """Plays ``log["qpos"]`` in the passive viewer at ``speed`` x real time until it ends (or,
    with ``loop``, until the window is closed)."""
    import mujoco

    data = mujoco.MjData(model)
    t = log["t"]
    viewer = open_viewer(model, data)
    try:
        while viewer.is_running():
            t0 = time.perf_counter()
            k = 0
            while viewer.is_running() and k < len(t):
                now = (time.perf_counter() - t0) * speed
                k = int(np.searchsorted(t, now))
                data.qpos[:] = log["qpos"][min(k, len(t) - 1)]
                mujoco.mj_forward(model, data)
                viewer.sync()
                time.sleep(1.0 / 60.0)
            if not loop:
                break
    finally:
        close_viewer(viewer)
