"""``cerebellum soak``: an hour (``--duration-s``) of walking and standing under pushes, to find
leaks and slow drifts. Repeats the built-in ``soak-segment`` scenario on one Simulation (one
controller, reset between segments); only one segment's log is held at a time, and each window
keeps only its tick times. Writes ``OUT/soak.json``: per window (``--window-s``, default 600 s)
the process RSS (/proc/self/status VmRSS, sampled after every segment) and the controller tick
p50/p99 (µs), and the last-over-first window ratios.

Exit codes: 0 when no segment fell, 1 when one did, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from cerebellum.errors import ArgumentError, OutputError

__all__ = ["add_parser", "main", "rss_kib", "soak"]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "soak",
        help="long run (walk/stand/push) reporting RSS and tick p50/p99 per window",
        description="Repeat the soak-segment scenario for --duration-s of simulated time.",
    )
    p.add_argument("--robot", default="h1", help="robot name or .toml config (default h1)")
    p.add_argument("--duration-s", type=float, default=3600.0, help="simulated time, s")
    p.add_argument("--window-s", type=float, default=600.0, help="report window, s")
    p.add_argument("--segment-s", type=float, default=60.0, help="one run() of the segment, s")
    p.add_argument(
        "--seed", type=int, default=0, help="seed of the segment (every segment repeats it exactly)"
    )
    p.add_argument(
        "--out", type=Path, metavar="DIR", help="output folder (default runs/soak-ROBOT)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines or summary")
    p.set_defaults(func=main)
    return p


def rss_kib() -> int:
    """Resident set size of this process, KiB (VmRSS of /proc/self/status; ru_maxrss if absent)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _check(args: argparse.Namespace) -> None:
    for name in ("duration_s", "window_s", "segment_s"):
        v = getattr(args, name)
        if not (v > 0 and np.isfinite(v)):
            raise ArgumentError(
                f"--{name.replace('_', '-')}", f"must be a positive number, got {v}"
            )
    if args.segment_s > 60.0:
        raise ArgumentError(
            "--segment-s", f"at most 60 (the segment's length), got {args.segment_s}"
        )
    if args.window_s < args.segment_s:
        raise ArgumentError(
            "--window-s", f"at least --segment-s ({args.segment_s}), got {args.window_s}"
        )


def soak(args: argparse.Namespace) -> dict[str, Any]:
    """Runs the soak; returns what soak.json holds."""
    from cerebellum.sim.scenario import load_scenario
    from cerebellum.sim.simulation import Simulation

    _check(args)
    sc = load_scenario("soak-segment")
    n_seg = int(round(args.duration_s / args.segment_s))
    seg_per_win = max(1, int(round(args.window_s / args.segment_s)))
    windows: list[dict[str, Any]] = []
    ticks: list[np.ndarray] = []
    rss: list[int] = []
    falls = 0
    wall0 = time.perf_counter()
    sim = Simulation(sc, robot=args.robot, seed=args.seed, duration_s=args.segment_s)
    rss_start = rss_kib()
    for i in range(n_seg):
        res = sim.run()
        falls += int(res.fell)
        ticks.append(np.asarray(res.tick_us, dtype=np.float32))
        del res
        rss.append(rss_kib())
        if (i + 1) % seg_per_win == 0 or i + 1 == n_seg:
            t = np.concatenate(ticks)
            w = {
                "from_s": round(len(windows) * seg_per_win * args.segment_s, 6),
                "to_s": round((i + 1) * args.segment_s, 6),
                "ticks": int(t.size),
                "tick_p50_us": float(np.percentile(t, 50)),
                "tick_p99_us": float(np.percentile(t, 99)),
                "rss_kib_last": rss[-1],
                "rss_kib_max": max(rss),
                "rss_samples": len(rss),
            }
            windows.append(w)
            ticks, rss = [], []
            if not args.quiet:
                print(
                    f"soak {w['to_s']:.0f}/{n_seg * args.segment_s:.0f} s  "
                    f"rss {w['rss_kib_last'] / 1024:.1f} MiB  tick p50 {w['tick_p50_us']:.0f} "
                    f"p99 {w['tick_p99_us']:.0f} µs  falls {falls}  "
                    f"wall {time.perf_counter() - wall0:.0f} s",
                    flush=True,
                )
    first, last = windows[0], windows[-1]
    ratios = {
        k: last[k] / first[k] if first[k] else None
        for k in ("rss_kib_last", "tick_p50_us", "tick_p99_us")
    }
    return {
        "robot": args.robot,
        "scenario": "soak-segment",
        "duration_s": n_seg * args.segment_s,
        "segment_s": args.segment_s,
        "window_s": seg_per_win * args.segment_s,
        "segments": n_seg,
        "falls": falls,
        "rss_kib_start": rss_start,
        "windows": windows,
        "last_over_first": ratios,
        "within_10_percent": {k: v is not None and abs(v - 1) <= 0.1 for k, v in ratios.items()},
        "wall_time_s": time.perf_counter() - wall0,
    }


def main(args: argparse.Namespace) -> int:
    out = args.out or Path("runs") / f"soak-{Path(args.robot).stem}"
    _check(args)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(str(out), e.strerror or str(e)) from e
    rep = soak(args)
    try:
        (out / "soak.json").write_text(json.dumps(rep, indent=2) + "\n")
    except OSError as e:
        raise OutputError(str(out / "soak.json"), e.strerror or str(e)) from e
    if not args.quiet:
        r = rep["last_over_first"]
        print(
            f"soak {rep['duration_s']:.0f} s on {rep['robot']}: falls {rep['falls']}; last/first "
            f"window: rss {r['rss_kib_last']:.3f}, tick p50 {r['tick_p50_us']:.3f}, "
            f"p99 {r['tick_p99_us']:.3f} -> {out / 'soak.json'}",
            file=sys.stderr,
        )
    return 1 if rep["falls"] else 0
