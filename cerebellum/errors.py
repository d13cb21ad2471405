"""Exceptions raised by Cerebellum. All derive from :class:`CerebellumError`."""

from __future__ import annotations

__all__ = ["CerebellumError", "ConfigError", "UnknownNameError"]


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
