"""``cerebellum tune``: an Optuna study over the walk controller's options (needs the ``tune`` extra).

Each trial is an evaluation of ``--robot`` on ``--scenarios`` x ``--seeds`` with the sampled
options; see :mod:`cerebellum.sim.tuning` for the objective and the output folder. The study is
kept in ``--storage`` (default: SQLite in ``--out``): re-running the same command resumes it until
it has ``--trials`` finished trials. Exit codes: 0 when a best trial exists, 1 when none completed,
2 for bad input (missing extra, bad space file, unknown sampler, robot or scenario), 130 when
interrupted (what finished is kept; run the same command again to resume).
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
    from cerebellum.commands.evaluate import add_backend_arguments

    p = sub.add_parser(
        "tune",
        help="tune the walk controller's options for a robot with an Optuna study",
        description=(
            "Search the walk controller's options (a built-in space, or --space FILE) with an "
            "Optuna study: each trial evaluates the robot on the scenarios and seeds, runs that "
            "fall early are pruned, and the best options are written as [walking.SECTION] tables "
            "(DIR/best.toml) with a summary (DIR/summary.md) and plots. Needs "
            "pip install 'cerebellum[tune]'."
        ),
    )
    p.add_argument("--robot", required=True, help="robot name or .toml config")
    p.add_argument(
        "--scenarios",
        nargs="+",
        required=True,
        metavar="SCENARIO",
        help="built-in scenario names or .toml files every trial runs",
    )
    p.add_argument("--seeds", type=int, default=2, metavar="N", help="seeds per scenario (2)")
    p.add_argument("--seed-start", type=int, default=0, metavar="S", help="first seed (0)")
    p.add_argument(
        "--trials",
        type=int,
        default=30,
        metavar="T",
        help="finished (complete or pruned) trials the study should have (30); re-running "
        "with a larger T adds trials",
    )
    p.add_argument(
        "--space",
        type=Path,
        metavar="SPACE.toml",
        help="search space: [params] NAME = { low, high[, log, step, type] } or "
        "{ choices = [...] } (default: the built-in space, see docs/tuning.md)",
    )
    p.add_argument(
        "--out", type=Path, default=Path("tuning"), metavar="DIR", help="output folder (tuning)"
    )
    p.add_argument(
        "--storage",
        metavar="URL",
        help="Optuna storage URL (default: sqlite:///DIR/study.db)",
    )
    p.add_argument("--study", metavar="NAME", help="study name (default: ROBOT-walk)")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="K",
        help="simulations at a time within a trial (default: the number of CPUs)",
    )
    p.add_argument(
        "--sampler",
        default="tpe",
        metavar="NAME",
        help="tpe (default), cmaes or nsga2",
    )
    p.add_argument("--sampler-seed", type=int, default=0, metavar="S", help="sampler seed (0)")
    p.add_argument("--no-prune", action="store_true", help="run every trial to its end")
    p.add_argument("--duration", type=float, metavar="S", help="simulated time of every run, s")
    add_overrides_argument(p, every=True)
    p.add_argument(
        "--timeout", type=float, metavar="S", help="wall-time limit per run, s (as for evaluate)"
    )
    p.add_argument("--quiet", action="store_true", help="no per-trial lines or summary")
    add_backend_arguments(p)
    p.set_defaults(func=main)
    return p


def main(args: argparse.Namespace) -> int:
    from cerebellum.sim.tuning import SAMPLERS, TuneInputError, load_space, optuna_module, tune

    optuna_module()  # the extra first: its message before any other check
    if args.sampler not in SAMPLERS:
        raise TuneInputError(f"unknown sampler '{args.sampler}'; known: {', '.join(SAMPLERS)}")
    if args.backend == "ray":
        from cerebellum.sim.ray_backend import ray_module

        ray_module()
    space = load_space(args.space)
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise TuneInputError(f"--workers must be >= 1, got {workers}")
    command = "cerebellum " + shlex.join(sys.argv[1:]) if sys.argv[1:] else ""
    res = tune(
        robot=args.robot,
        scenarios=args.scenarios,
        seeds=args.seeds,
        trials=args.trials,
        space=space,
        out_dir=args.out,
        storage=args.storage,
        study_name=args.study,
        workers=workers,
        sampler=args.sampler,
        sampler_seed=args.sampler_seed,
        prune=not args.no_prune,
        seed_start=args.seed_start,
        duration_s=args.duration,
        overrides=args.overrides,
        timeout_s=args.timeout,
        backend=args.backend,
        address=args.address,
        progress=None if args.quiet else sys.stderr,
        command=command,
    )
    if res.interrupted:
        print(
            f"cerebellum tune: interrupted; {res.trials} trials finished in study "
            f"'{res.study_name}' ({res.storage}); run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    if not args.quiet:
        print(res.summary_md.read_text(), end="")
        print(
            f"{res.new_trials} new trials in {res.wall_time_s:.1f} s ({res.trials} in the study). "
            f"Summary: {res.summary_md}"
            + (f"; best table: {res.best_toml}" if res.best_toml else "")
        )
    return 0 if res.best_params is not None else 1
