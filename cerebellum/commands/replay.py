"""``cerebellum replay RUN_DIR``: look at a saved run again (its ``log.npz`` and ``metrics.json``).

Default: MuJoCo's passive viewer at ``--speed`` x real time (needs a display). ``--video``: an MP4
(RUN_DIR/replay.mp4 or ``--out``); ``--png T``: a still frame at time T s; ``--rerun``: a Rerun
recording (RUN_DIR/run.rrd; optional package rerun-sdk). Video and frame render offscreen:
``MUJOCO_GL=egl`` or ``MUJOCO_GL=osmesa`` on a machine without a display. Exit 2 for a folder
that is not a run's, a bad speed, or no renderer/display.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from cerebellum.errors import CerebellumError

__all__ = ["ReplayInputError", "add_parser", "main"]


class ReplayInputError(CerebellumError, ValueError):
    """A bad argument of ``cerebellum replay``."""


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "replay",
        help="replay a saved run: viewer, MP4 (--video) or a still frame (--png T)",
        description="Replay the log of a `cerebellum run` output folder.",
    )
    p.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="output folder of cerebellum run")
    p.add_argument("--video", action="store_true", help="write an MP4 (640x480, 30 fps)")
    p.add_argument(
        "--png", type=float, metavar="T", help="write a still frame (960x720) at time T s"
    )
    p.add_argument(
        "--rerun",
        action="store_true",
        help="write a Rerun recording (RUN_DIR/run.rrd or --out; needs cerebellum[viz])",
    )
    p.add_argument(
        "--speed", type=float, default=1.0, metavar="X", help="playback speed, x real time (1)"
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="output file (default RUN_DIR/replay.mp4, RUN_DIR/frame-T.png)",
    )
    p.add_argument(
        "--azimuth", type=float, default=150.0, metavar="DEG", help="--png camera azimuth (150)"
    )
    p.add_argument(
        "--elevation", type=float, default=-15.0, metavar="DEG", help="--png camera elevation (-15)"
    )
    p.add_argument("--loop", action="store_true", help="viewer: play again until closed")
    p.set_defaults(func=main)
    return p


def main(args: argparse.Namespace) -> int:
    from cerebellum.commands.run import _pick_gl_backend

    if not (math.isfinite(args.speed) and 0.01 <= args.speed <= 100.0):
        raise ReplayInputError(f"--speed must be in 0.01..100 (x real time), got {args.speed}")
    if sum((args.video, args.png is not None, args.rerun)) > 1:
        raise ReplayInputError("give one of --video, --png T and --rerun")
    if args.video or args.png is not None:
        _pick_gl_backend()  # before mujoco is imported
    from cerebellum.sim import report, viewer

    metrics, log = viewer.load_run(args.run_dir)
    model = viewer.run_model(metrics)
    if args.rerun:
        from cerebellum.sim.rerun_log import record_run

        out = record_run(model, log, args.out or args.run_dir / "run.rrd")
        print(f"cerebellum replay: wrote {out} (open it with: rerun {out})")
    elif args.video:
        out = args.out or args.run_dir / "replay.mp4"
        report.render_video(model, log, out, speed=args.speed)
        print(f"cerebellum replay: wrote {out}")
    elif args.png is not None:
        t_end = float(log["t"][-1]) if len(log["t"]) else 0.0
        if not 0.0 <= args.png <= t_end + 1e-9:
            raise ReplayInputError(f"--png T must be in 0..{t_end:.3f} s (the run), got {args.png}")
        out = args.out or args.run_dir / f"frame-{args.png:g}.png"
        report.render_frame(
            model, log, args.png, out, azimuth=args.azimuth, elevation=args.elevation
        )
        print(f"cerebellum replay: wrote {out}")
    else:
        viewer.play_log(model, log, speed=args.speed, loop=args.loop)
    return 0
