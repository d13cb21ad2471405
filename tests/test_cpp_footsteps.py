"""C++ FootstepPlanner (cerebellum._core): normals renormalised, bad searches and arguments, no
allocation per call. (Its footholds' properties: tests/test_gait.py.)"""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest

from cerebellum import _core, load_robot
from cerebellum.controllers.gait import FootholdSearch, GaitSettings, VelocityCommand
from cerebellum.sim.terrain import make_terrain


def _command(rng: np.random.Generator) -> VelocityCommand:
    return VelocityCommand(
        float(rng.uniform(-0.4, 1.0)), float(rng.uniform(-0.3, 0.3)), float(rng.uniform(-0.6, 0.6))
    )


def _walk_inputs(terrain, rng: np.random.Generator, st: GaitSettings):
    """A plausible place() call on `terrain`: base somewhere the robot walks, the stance foot on
    the ground beside it."""
    sx, sy = terrain.start_xy
    base = np.array([sx + rng.uniform(-0.5, 4.0), sy + rng.uniform(-0.6, 0.6)])
    yaw = float(rng.normal(0.0, 0.4))
    foot = int(rng.integers(0, 2))
    side = 0.5 if foot == 1 else -0.5  # the stance foot is the other one
    c, s = math.cos(yaw), math.sin(yaw)
    off = np.array([rng.uniform(-0.3, 0.3), side * st.nominal_width_m + rng.normal(0, 0.05)])
    sxy = base + np.array([c * off[0] - s * off[1], s * off[0] + c * off[1]])
    stance = np.r_[sxy, float(terrain.height(sxy[0], sxy[1]))]
    return foot, base, yaw, _command(rng), rng.normal(0.0, 0.15, 2), stance


def test_renormalises_normals():
    """A terrain whose normals are not unit length: the footholds' normals are unit ones, along
    the terrain's normal at the foothold."""

    class Scaled(_core.TerrainQuery):
        def height(self, x, y):
            return 0.05 * x + 0.02 * math.sin(3.0 * y)

        def normal(self, x, y):
            return 3.0 * np.array([-0.05, -0.06 * math.cos(3.0 * y), 1.0])

    st = GaitSettings()
    planner, terrain = _core.FootstepPlanner(st), Scaled()
    rng = np.random.default_rng(2)
    for i in range(40):
        foot, base, yaw, cmd, verr, stance = _walk_inputs(make_terrain("flat"), rng, st)
        fh = planner.place(foot, float(i), i + 0.4, base, yaw, cmd, verr, stance, terrain=terrain)
        assert np.linalg.norm(fh.normal) == pytest.approx(1.0, abs=1e-15)
        n = terrain.normal(*fh.position[:2])
        np.testing.assert_allclose(fh.normal, n / np.linalg.norm(n), atol=1e-12)


@pytest.mark.parametrize(
    ("field", "value"),
    [("grid_step_m", 0.0), ("grid_step_m", 0.001), ("max_slope_rad", 2.0), ("slope_weight", -1.0)],
)
def test_invalid_search_raises_value_error(field, value):
    class Bad:  # FootholdSearch validates itself: a plain object carries the bad value through
        pass

    bad = Bad()
    for f, v in FootholdSearch().__dict__.items():
        setattr(bad, f, v)
    setattr(bad, field, value)
    with pytest.raises(ValueError, match=field):
        _core.FootstepPlanner(GaitSettings(), bad)


def test_bad_arguments_raise_value_error():
    p = _core.FootstepPlanner(GaitSettings())
    args = (0, 0.0, 0.4, np.zeros(2), 0.0, VelocityCommand(), np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="terrain"):
        p.place(*args, terrain=object())
    with pytest.raises(ValueError, match="foot"):
        p.place(2, *args[1:])
    with pytest.raises(ValueError, match="stance"):
        p.on_terrain(make_terrain("flat"), 0, np.zeros(2), 0.0, np.zeros(4))


def test_rt_check_footstep_place_no_allocation():
    exe = Path(_core.__file__).parent / "bin" / "cerebellum_rt_check"
    if not exe.exists():
        pytest.skip(f"cerebellum_rt_check is not installed next to _core ({exe})")
    out = subprocess.run(
        [str(exe), str(load_robot("h1").model_path()), "--calls", "2000"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    report = json.loads(out.stdout)
    # stepping stones: terrain searches, memo hits, misses and evictions; and flat ground
    assert report["footstep_place"] == {"calls": 2000, "allocations": 0}
    assert report["footstep_place_flat"] == {"calls": 2000, "allocations": 0}
