"""``cerebellum evaluate``: the robot x scenario x seed matrix in parallel worker processes.

Writes ``DIR/runs.jsonl`` (each run as it finishes), ``DIR/results.json`` and ``DIR/results.md``;
re-running with the same ``--out`` resumes (runs with the same settings are not simulated again;
``--retry-failed`` simulates the failed ones again). ``--timeout S`` kills a run past S seconds of
wall time and records it as failed (reason "timeout"); the evaluation goes on. ``--backend ray``
runs each simulation as a Ray task (a local Ray, or the cluster at ``--address``) with the same
results files (see :mod:`cerebellum.sim.ray_backend`).
Exit codes: 0 when every run succeeded, 1 otherwise, 2 for bad input (unknown robot, scenario or
controller names are listed), 130 when interrupted (the finished runs are kept and reported).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from cerebellum.commands import add_overrides_argument

__all__ = ["add_parser", "main"]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "evaluate",
        help="run robot x scenario x seed in parallel; success rates and median metrics",
        description=(
            "Run every robot x scenario x seed in parallel worker processes (one simulation "
            "per task, single-threaded workers) and write DIR/results.json and DIR/results.md. "
            "Finished runs are appended to DIR/runs.jsonl at once: an interrupted evaluation "
            "keeps them, and re-running the same command resumes."
        ),
    )
    _arguments(p)
    p.set_defaults(func=main)
    return p


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--robots",
        nargs="+",
        metavar="ROBOT",
        help="robot names or .toml configs (default: each scenario's own robot)",
    )
    p.add_argument(
        "--scenarios",
        nargs="+",
        metavar="SCENARIO",
        help="built-in scenario names or .toml files (default: every built-in scenario)",
    )
    p.add_argument("--seeds", type=int, default=10, metavar="N", help="seeds per cell (10)")
    p.add_argument("--seed-start", type=int, default=0, metavar="S", help="first seed (0)")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="K",
        help="worker processes (default: the number of CPUs)",
    )
    p.add_argument(
        "--out", type=Path, default=Path("evaluation"), metavar="DIR", help="output folder"
    )
    p.add_argument(
        "--controller", help="controller for every run (default: each scenario's [controller])"
    )
    p.add_argument("--duration", type=float, metavar="S", help="simulated time of every run, s")
    add_overrides_argument(p, every=True)
    p.add_argument(
        "--keep-logs",
        action="store_true",
        help="also write log.npz and plots of every run under DIR/runs/",
    )
    p.add_argument(
        "--timeout",
        type=float,
        metavar="S",
        help="wall-time limit per run, s: a run past it is killed and recorded as failed "
        "(reason 'timeout'); the evaluation goes on (default: none)",
    )
    p.add_argument(
        "--retry-failed",
        action="store_true",
        help="simulate again the runs that runs.jsonl records as failed (timeouts included)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    add_backend_arguments(p)


def add_backend_arguments(p: argparse.ArgumentParser) -> None:
    """--backend and --address (shared with ``cerebellum tune``)."""
    p.add_argument(
        "--backend",
        choices=("process", "ray"),
        default="process",
        help="where the runs go: 'process', a local pool of worker processes (default), or "
        "'ray', Ray tasks (needs pip install 'cerebellum[ray]')",
    )
    p.add_argument(
        "--address",
        metavar="ADDR",
        help="--backend ray: the Ray cluster to use ('auto', HOST:PORT or ray://HOST:10001; "
        "default: $RAY_ADDRESS, else a local Ray started for the command with --workers CPUs)",
    )


def main(args: argparse.Namespace) -> int:
    from cerebellum.sim.evaluate import plan_tasks, run_evaluation, write_results

    tasks = plan_tasks(
        robots=args.robots,
        scenarios=args.scenarios,
        seeds=args.seeds,
        seed_start=args.seed_start,
        controller=args.controller,
        overrides=args.overrides,
        duration_s=args.duration,
        keep_logs=args.keep_logs,
    )
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    ev = run_evaluation(
        tasks,
        args.out,
        workers=workers,
        progress=None if args.quiet else sys.stderr,
        timeout_s=args.timeout,
        retry_failed=args.retry_failed,
        backend=args.backend,
        address=args.address,
    )
    ev.settings = {
        "robots": args.robots,
        "scenarios": args.scenarios,
        "seeds": args.seeds,
        "seed_start": args.seed_start,
        "controller": args.controller,
        "duration_s": args.duration,
        "overrides": list(args.overrides),
        "workers": workers,
        "timeout_s": args.timeout,
        "backend": args.backend,
        "address": args.address,
    }
    command = "cerebellum " + shlex.join(sys.argv[1:]) if sys.argv[1:] else ""
    md = write_results(ev, args.out, command=command)
    done = ev.finished
    ok = sum(bool(r["success"]) for r in done)
    if ev.interrupted:
        print(
            f"cerebellum evaluate: interrupted; {len(done)} of {len(tasks)} runs finished "
            f"({ok} succeeded), written to {md} and {md.with_suffix('.json')}; run the same "
            "command again to resume",
            file=sys.stderr,
        )
        return 130
    if not args.quiet:
        print(md.read_text(), end="")
        print(
            f"{len(done)} runs ({ev.simulated} simulated, {ev.skipped} resumed) in "
            f"{ev.wall_time_s:.1f} s; {ok} succeeded. Results: {md}"
        )
    return 0 if ev.all_succeeded else 1
