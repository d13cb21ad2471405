"""``cerebellum run SCENARIO``: simulate a scenario in MuJoCo and write metrics, log, plots, video.

Exit codes: 0 when the scenario's success criteria hold, 1 when they do not (e.g. the robot fell),
2 for bad input (scenario file, robot, terrain, controller, override).

Headless video: set ``MUJOCO_GL=egl`` (GPU with EGL) or ``MUJOCO_GL=osmesa`` (software, Debian
package ``libosmesa6``). Without ``MUJOCO_GL`` and without a display, ``--video`` picks EGL when
``libEGL`` is found, else OSMesa, provided MuJoCo has not been imported yet.
"""

from __future__ import annotations

import argparse
import ctypes.util
import math
import os
import sys
import time
from pathlib import Path

from cerebellum.commands import add_overrides_argument
from cerebellum.errors import ArgumentError, OutputError

__all__ = ["add_parser", "main", "run_scenario"]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "run",
        help="simulate a scenario (built-in name or .toml path) and report",
        description="Simulate a scenario in MuJoCo; writes metrics.json, log.npz and PNG plots.",
    )
    _arguments(p)
    p.set_defaults(func=main)
    return p


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "scenario", help="built-in scenario name (e.g. stand, push-stand) or a .toml file"
    )
    p.add_argument("--robot", help="robot name or .toml config (default: the scenario's)")
    p.add_argument(
        "--seed", type=int, help="seed of every random element (default: the scenario's)"
    )
    p.add_argument("--duration", type=float, metavar="S", help="simulated time, s")
    p.add_argument(
        "--out", type=Path, metavar="DIR", help="output folder (default runs/SCENARIO-ROBOT-SEED)"
    )
    p.add_argument(
        "--video", action="store_true", help="also write DIR/video.mp4 (640x480, 30 fps)"
    )
    add_overrides_argument(p)
    p.add_argument("--controller", help="controller name (default: wbc when available, else pd)")
    p.add_argument(
        "--viewer",
        action="store_true",
        help="watch the run in MuJoCo's passive viewer, paced to real time (needs a display)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")


def _pick_gl_backend() -> None:
    if os.environ.get("MUJOCO_GL") or "mujoco" in sys.modules:  # an empty value is unset
        return
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return
    platform = os.environ.get("PYOPENGL_PLATFORM")  # PyOpenGL refuses any other back-end then
    if platform in ("egl", "osmesa"):
        os.environ["MUJOCO_GL"] = platform
    elif ctypes.util.find_library("EGL"):
        os.environ["MUJOCO_GL"] = "egl"
    elif ctypes.util.find_library("OSMesa"):
        os.environ["MUJOCO_GL"] = "osmesa"


class _Progress:
    """Simulated time, percentage and real-time factor (:class:`cerebellum.progress.Progress`)."""

    def __init__(self, total_s: float, stream=None):
        from cerebellum.progress import Progress

        self.bar = Progress(total_s, unit="s", desc="sim", stream=stream)

    def __call__(self, sim_s: float, wall_s: float) -> None:
        rtf = sim_s / wall_s if wall_s > 0 else 0.0
        self.bar.update(sim_s, postfix=f"RTF {rtf:.2f}")

    def close(self) -> None:
        self.bar.close()


def _paced(window, bar):
    """A progress callback that shows the simulation state in ``window`` at real time."""

    def step(sim_s: float, wall_s: float) -> None:
        if bar is not None:
            bar(sim_s, wall_s)
        if sim_s > wall_s:
            time.sleep(sim_s - wall_s)
        window.sync()

    step.interval_s = 1.0 / 60.0  # display rate
    return step


def run_scenario(
    scenario: str,
    robot: str | None = None,
    seed: int | None = None,
    duration_s: float | None = None,
    out: str | os.PathLike | None = None,
    video: bool = False,
    overrides: list[str] | tuple[str, ...] = (),
    controller: str | None = None,
    progress: bool = False,
    keep_logs: bool = True,
    viewer: bool = False,
) -> tuple[dict, Path]:
    """Runs a scenario and writes the report; returns (metrics, output folder).

    ``keep_logs=False`` writes metrics.json (and the video if asked) but no log.npz or plots.
    ``viewer``: shows the simulation in MuJoCo's passive viewer, paced to real time (the
    real-time factor then reads ~1); ViewerUnavailableError without a display."""
    if video:
        _pick_gl_backend()
    from cerebellum.sim import report
    from cerebellum.sim.scenario import load_scenario
    from cerebellum.sim.simulation import Simulation

    if duration_s is not None and not (math.isfinite(duration_s) and duration_s > 0):
        raise ArgumentError(
            "--duration", f"expected a finite number of seconds > 0, got {duration_s}"
        )
    sc = load_scenario(scenario, overrides)
    sim = Simulation(sc, robot=robot, seed=seed, controller=controller, duration_s=duration_s)
    out_dir = (
        Path(out) if out is not None else Path("runs") / f"{sc.name}-{sim.cfg.name}-{sim.seed}"
    )
    report.prepare_output_dir(out_dir)  # before simulating: a bad --out fails at once
    if video:  # fail before simulating when no renderer exists
        report.open_renderer(sim.model, 64, 48).close()
    bar = _Progress(sim.duration_s) if progress else None
    window = None
    if viewer:
        from cerebellum.sim.viewer import close_viewer, open_viewer

        window = open_viewer(sim.model, sim.data)
    try:
        result = sim.run(progress=bar if window is None else _paced(window, bar))
    finally:
        if window is not None:
            close_viewer(window)
    if bar is not None:
        bar.close()
    terrain = {"name": sc.terrain, **sim.terrain.params()}
    m = report.metrics(result, terrain=terrain)
    try:
        if keep_logs:
            report.save_log(result.log, out_dir / "log.npz")
            title = f"{sc.name} / {sim.cfg.name} / seed {sim.seed}:"
            report.save_plots(result.log, out_dir, title=title)
        if video:
            t0 = time.perf_counter()
            report.render_video(sim.model, result.log, out_dir / "video.mp4")
            m["video_render_s"] = time.perf_counter() - t0
    except OSError as e:  # disk full, folder removed or made read-only during the run
        raise OutputError(e.filename or out_dir, e.strerror or str(e)) from None
    report.save_metrics(m, out_dir / "metrics.json")
    return m, out_dir


def main(args: argparse.Namespace) -> int:
    from cerebellum.sim import report

    m, out_dir = run_scenario(
        args.scenario,
        robot=args.robot,
        seed=args.seed,
        duration_s=args.duration,
        out=args.out,
        video=args.video,
        overrides=args.overrides,
        controller=args.controller,
        progress=not args.quiet,
        viewer=args.viewer,
    )
    if not args.quiet:
        print(report.summary_table(m))
        print(f"  {'output':<19s}  {out_dir}")
    return 0 if m["success"] else 1
