"""The ``cerebellum`` command line."""

from __future__ import annotations

import argparse
import importlib
import sys

from cerebellum.errors import CerebellumError

__all__ = ["main"]

# Subcommand modules; each exposes add_parser(subparsers) and sets ``func`` on its parser.
COMMANDS = (
    "robots",
    "check",
    "bench",
    "run",
    "evaluate",
    "tune",
    "report",
    "replay",
    "scenarios",
    "options",
    "export",
    "soak",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cerebellum",
        description="Whole-body motion control for full-size humanoids, validated in MuJoCo.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"cerebellum.commands.{name}")
        except ModuleNotFoundError as e:  # a command whose optional parts are missing
            if e.name != f"cerebellum.commands.{name}":
                raise
            continue
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    if any(w in ("--video", "--png") or w.startswith("--png=") for w in words):
        # offscreen rendering: choose the GL back-end before a command module imports mujoco
        from cerebellum.commands.run import _pick_gl_backend

        _pick_gl_backend()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CerebellumError as e:
        print(f"cerebellum {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"cerebellum {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
