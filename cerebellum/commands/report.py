"""``cerebellum report OUT_DIR...``: results tables from ``cerebellum evaluate`` output folders.

Prints (or writes with ``--markdown FILE``) the evaluations' commands, success and medians per
robot x scenario cell and every failed run with its seed and reason, stamped with the commit,
date and command line. ``--summary-into FILE`` also replaces the summary table between the
markers of :mod:`cerebellum.sim.results` in FILE (README.md). Exit 2 for a folder that is not an
evaluation's.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

__all__ = ["add_parser", "main"]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "report",
        help="results tables (Markdown) from `cerebellum evaluate` output folders",
        description=(
            "Tables of success per robot x scenario cell, medians and failures (seed and reason) "
            "from the results.json of one or more `cerebellum evaluate --out` folders, stamped "
            "with the commit, date and command line."
        ),
    )
    p.add_argument(
        "out_dirs", nargs="+", type=Path, metavar="OUT_DIR", help="evaluate --out folder"
    )
    p.add_argument("--markdown", type=Path, metavar="FILE", help="write the report to FILE")
    p.add_argument(
        "--estimator",
        action="store_true",
        help="add the base estimator table (mean / worst per cell of metrics.json `estimator`)",
    )
    p.add_argument(
        "--safety",
        action="store_true",
        help="add the safety layer table (safe stops, fallbacks, limits per cell; C++ controllers)",
    )
    p.add_argument(
        "--side-by-side",
        nargs="*",
        metavar="LABEL",
        help="add a table comparing the evaluations cell by cell, with one label per OUT_DIR "
        "(default: eval 1, eval 2, ...); OUT_DIRs with the same label share a column",
    )
    p.add_argument(
        "--summary-into",
        type=Path,
        metavar="FILE",
        help="replace the summary table between the report markers in FILE (e.g. README.md)",
    )
    p.set_defaults(func=main)
    return p


def main(args: argparse.Namespace) -> int:
    from cerebellum.errors import ArgumentError
    from cerebellum.sim.results import (
        insert_summary,
        load_results,
        report_markdown,
        source_commit,
        summary_markdown,
    )

    if args.side_by_side and len(args.side_by_side) != len(args.out_dirs):
        raise ArgumentError(
            "--side-by-side",
            f"expected one label per OUT_DIR ({len(args.out_dirs)}), got {len(args.side_by_side)}",
        )
    evaluations = [load_results(d) for d in args.out_dirs]
    command = "cerebellum " + shlex.join(sys.argv[1:]) if sys.argv[1:] else "cerebellum report"
    md = report_markdown(
        evaluations,
        command=command,
        commit=source_commit(),
        estimator=args.estimator,
        safety=args.safety,
        side_by_side=args.side_by_side,
    )
    if args.markdown is not None:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(md)
        print(f"cerebellum report: wrote {args.markdown}", file=sys.stderr)
    else:
        print(md, end="")
    if args.summary_into is not None:
        insert_summary(args.summary_into, summary_markdown(evaluations))
        print(f"cerebellum report: summary table written into {args.summary_into}", file=sys.stderr)
    return 0
