"""What a run knows before its first tick: the command in force at each tick, the push acting in each
physics step, and a height no point of the terrain exceeds (the fall check then queries the
terrain only when the base is low enough to matter).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from cerebellum.sim.scenario import Command, Scenario
from cerebellum.sim.terrain import Terrain, TerrainError

__all__ = ["commands_per_tick", "height_bound", "push_schedule"]

# Added to the highest point of the terrain's data: covers the rounding of an interpolated height.
HEIGHT_BOUND_MARGIN_M = 1e-6


def commands_per_tick(scenario: Scenario, n: int, dt_s: float) -> list[Command]:
    """(n,) ``scenario.command_at(k * dt_s)`` for each tick k."""
    t = np.arange(n) * dt_s
    which = np.full(n, -1)
    for i, c in enumerate(scenario.commands):  # the last one listed with t_s <= t wins
        which[c.t_s <= t + 1e-12] = i
    none = Command()
    return [scenario.commands[i] if i >= 0 else none for i in which.tolist()]


def push_schedule(pushes: list[dict[str, Any]], steps: int, timestep_s: float) -> np.ndarray:
    """(steps,) index of the push acting during each physics step, -1 for none (later pushes
    win where two overlap)."""
    at = np.full(steps, -1, dtype=np.int64)
    h = timestep_s
    for i, p in enumerate(pushes):
        a = int(math.ceil(p["t_s"] / h - 1e-9))
        at[a : a + int(round(p["duration_s"] / h))] = i
    return at


def height_bound(terrain: Terrain) -> float:
    """A height (m) that ``terrain.height`` never exceeds, from the terrain's exported data
    (``query_data``, the same numbers ``height`` interpolates); inf when it has none."""
    try:
        kind, data = terrain.query_data()
    except TerrainError:
        return math.inf
    if kind == "flat":
        top = data["level_m"]
    elif kind == "boxes":
        boxes = np.asarray(data["boxes"], float)
        top = max(float(boxes[:, 4].max()) if len(boxes) else -math.inf, data["base_m"])
    elif kind == "slope":
        top = max(0.0, data["length_m"] * math.tan(math.radians(data["angle_deg"])))
    elif kind == "grid":
        top = max(float(np.max(data["grid"])), data["outside_m"])
    else:
        return math.inf
    return float(top) + HEIGHT_BOUND_MARGIN_M
