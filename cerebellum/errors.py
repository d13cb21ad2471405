"""Exceptions raised by Cerebellum. All derive from :class:`CerebellumError`."""

from __future__ import annotations

__all__ = ["ArgumentError", "CerebellumError", "ConfigError", "OutputError", "UnknownNameError"]


class CerebellumError(Exception):
    """Root of every error raised by Cerebellum."""


class UnknownNameError(CerebellumError, KeyError):
    """A name (robot, scenario, terrain, frame...) that is not registered; lists the valid ones."""

    def __init__(self, kind: str, name: str, valid: list[str] | tuple[str, ...]):
        self.kind, self.name, self.valid = kind, name, sorted(valid)
        super().__init__(f"unknown {kind} '{name}'; known: {', '.join(self.valid)}")

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class ConfigError(CerebellumError, ValueError):
    """A malformed configuration file; names the file and the field."""

    def __init__(self, path: str, field: str, problem: str):
        self.path, self.field, self.problem = str(path), field, problem
        super().__init__(f"{path}: field '{field}': {problem}")


class ArgumentError(CerebellumError, ValueError):
    """A bad command-line or function argument; names it and its valid range."""

    def __init__(self, argument: str, problem: str):
        self.argument, self.problem = argument, problem
        super().__init__(f"{argument}: {problem}")


class OutputError(CerebellumError, OSError):
    """An output file or folder that cannot be written (not a folder, read-only, disk full)."""

    def __init__(self, path: str, problem: str):
        self.path, self.problem = str(path), problem
        super().__init__(f"{path}: cannot write: {problem}")

    def __str__(self) -> str:  # OSError would format its own (errno, strerror)
        return str(self.args[0])
