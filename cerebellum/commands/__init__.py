"""The ``cerebellum`` subcommands (one module each) and the arguments they share."""

from __future__ import annotations

import argparse


def add_overrides_argument(p: argparse.ArgumentParser, every: bool = False) -> None:
    """``--set SECTION.KEY=VALUE`` (repeatable) into ``args.overrides``: a scenario field, or with
    ``every`` a field of every scenario the command runs."""
    what = "a field of every scenario" if every else "a scenario field"
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        dest="overrides",
        help=f"override {what}; VALUE is a TOML literal (repeatable)",
    )
