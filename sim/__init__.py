"""MuJoCo harness: terrains, scenarios, the simulation loop, sensors, disturbances and reports."""

from __future__ import annotations

from cerebellum.interfaces import BaseState, RobotState
from cerebellum.sim.scenario import Scenario, list_scenarios, load_scenario
from cerebellum.sim.simulation import (
    Controller,
    ControllerContext,
    SimResult,
    Simulation,
    list_controllers,
    register_controller,
)
from cerebellum.sim.terrain import (
    Flat,
    Heightmap,
    Rough,
    Slope,
    Stairs,
    SteppingStones,
    Terrain,
    TerrainError,
    list_terrains,
    make_terrain,
)

__all__ = [
    "BaseState",
    "Controller",
    "ControllerContext",
    "SimResult",
    "Simulation",
    "list_controllers",
    "register_controller",
    "Flat",
    "Heightmap",
    "RobotState",
    "Rough",
    "Scenario",
    "Slope",
    "Stairs",
    "SteppingStones",
    "Terrain",
    "TerrainError",
    "list_scenarios",
    "list_terrains",
    "load_scenario",
    "make_terrain",
]
