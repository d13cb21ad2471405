"""Cerebellum: whole-body motion control for full-size humanoid robots."""

from __future__ import annotations

from cerebellum.errors import CerebellumError, ConfigError, UnknownNameError
from cerebellum.robots import RobotConfig, list_robots, load_robot

__all__ = [
    "CerebellumError",
    "ConfigError",
    "UnknownNameError",
    "RobotConfig",
    "list_robots",
    "load_robot",
]
__version__ = "0.1.0"
