"""Robot dynamics: Pinocchio model, MuJoCo/Pinocchio conventions, CasADi mirror."""

from __future__ import annotations

from cerebellum.dynamics.conventions import ConventionMap
from cerebellum.dynamics.model import (
    RobotModel,
    random_configuration,
    robot_model,
    standing_configuration,
)

__all__ = [
    "ConventionMap",
    "RobotModel",
    "random_configuration",
    "robot_model",
    "standing_configuration",
]
