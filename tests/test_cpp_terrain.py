"""C++ terrains (cerebellum._core) against sim.terrain's own height and normal queries."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from cerebellum import _core
from cerebellum.sim.scenario import list_scenarios, load_scenario
from cerebellum.sim.terrain import Terrain, _BoxTerrain, make_terrain, terrain_parameters

TOL = 1e-12


def _scenario_terrain(name: str, seed: int | None = None) -> Terrain:
    """The terrain a Simulation of scenario `name` builds (same seed stream as sim.simulation)."""
    sc = load_scenario(name)
    params = dict(sc.terrain_params)
    if "seed" in terrain_parameters(sc.terrain) and "seed" not in params:
        terrain_seq = np.random.SeedSequence(sc.seed if seed is None else seed).spawn(4)[0]
        params["seed"] = int(terrain_seq.generate_state(1)[0])
    return make_terrain(sc.terrain, **params)


def _points(terrain: Terrain, rng: np.random.Generator, n: int = 4000) -> tuple:
    """Random points over (and beyond) the terrain, plus points exactly on its edges or nodes."""
    sx, sy = terrain.start_xy
    x = sx + rng.uniform(-7.0, 9.0, n)
    y = sy + rng.uniform(-7.0, 7.0, n)
    near = n // 2  # half of them where the robot walks
    x[:near] = sx + rng.uniform(-1.0, 4.0, near)
    y[:near] = sy + rng.uniform(-1.0, 1.0, near)
    ex, ey = [], []
    if isinstance(terrain, _BoxTerrain):
        x0, x1, y0, y1, _ = terrain._box_table
        k = rng.integers(0, len(x0), 500)
        ex = np.r_[x0[k], x1[k], rng.uniform(x0[k], x1[k]), rng.uniform(x0[k], x1[k])]
        ey = np.r_[rng.uniform(y0[k], y1[k]), rng.uniform(y0[k], y1[k]), y0[k], y1[k]]
    elif hasattr(terrain, "grid"):
        nrow, ncol = terrain.grid.shape
        c, r = rng.integers(0, ncol, 500), rng.integers(0, nrow, 500)
        ex = np.r_[terrain._x0 + c * terrain._cell, terrain._x0 + (c + 0.5) * terrain._cell]
        ey = np.r_[terrain._y0 + r * terrain._cell, terrain._y0 + (r + 0.5) * terrain._cell]
    elif terrain.name == "slope":
        x0 = terrain._x0
        ex = np.array([x0, x0 + terrain.length_m, x0 - 3.0, x0 + terrain.length_m + 3.0] * 10)
        ey = sy + rng.uniform(-1.0, 1.0, 40)
        ex = np.r_[ex, rng.uniform(x0, x0 + 1.0, 20), rng.uniform(x0, x0 + 1.0, 20)]
        half = terrain.width_m / 2
        ey = np.r_[ey, np.full(20, sy + half), np.full(20, sy - half)]
    return np.r_[x, ex], np.r_[y, ey]


def _compare(terrain: Terrain, rng: np.random.Generator) -> None:
    q = terrain.query()
    assert isinstance(q, _core.TerrainQuery)
    assert q is terrain.query()  # built once
    assert q.stepped() == terrain.stepped
    x, y = _points(terrain, rng)
    h_py = np.asarray(terrain.height(x, y))
    n_py = np.asarray(terrain.normal(x, y))
    np.testing.assert_allclose(q.heights(x, y), h_py, atol=TOL, rtol=0)
    np.testing.assert_allclose(q.normals(x, y), n_py, atol=TOL, rtol=0)
    for i in rng.integers(0, len(x), 200):  # the virtual scalar queries the planners use
        assert q.height(x[i], y[i]) == pytest.approx(terrain.height(x[i], y[i]), abs=TOL)
        np.testing.assert_allclose(q.normal(x[i], y[i]), terrain.normal(x[i], y[i]), atol=TOL)


@pytest.mark.parametrize("scenario", list_scenarios())
def test_scenario_terrains_match_python(scenario):
    rng = np.random.default_rng(zlib.crc32(scenario.encode()))
    _compare(_scenario_terrain(scenario), rng)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("scenario", ["stones", "walk-rough", "walk-rough-hard"])
def test_random_terrains_other_seeds(scenario, seed):
    _compare(_scenario_terrain(scenario, seed), np.random.default_rng(seed))


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("stairs", dict(rise_m=0.17, run_m=0.25, steps=12, direction="down", start_xy=(1.0, -2.0))),
        ("stairs", dict(rise_m=0.05, run_m=0.6, steps=3, width_m=0.8)),
        ("stepping_stones", dict(size_m=0.2, gap_m=0.05, extent_m=12.0, seed=5)),
        ("slope", dict(angle_deg=-25.0, length_m=2.0, start_xy=(0.5, 0.3))),
        ("rough", dict(amplitude_m=0.1, wavelength_m=0.5, extent_m=6.0, cell_size_m=0.02, seed=9)),
    ],
)
def test_parametrised_terrains_match_python(name, params):
    _compare(make_terrain(name, **params), np.random.default_rng(11))


def test_heightmap_matches_python(tmp_path):
    rng = np.random.default_rng(4)
    z = np.cumsum(rng.normal(0.0, 0.01, (60, 90)), axis=1)
    path = tmp_path / "map.npy"
    np.save(path, z)
    _compare(make_terrain("heightmap", file=str(path), cell_size_m=0.07), rng)


def test_box_index_is_coarse_and_stones_have_hundreds_of_boxes():
    t = _scenario_terrain("stones")
    q = t.query()
    assert q.boxes.shape[0] > 300
    np.testing.assert_array_equal(q.boxes, t._box_table.T)
    nx, ny = q.index_shape
    assert nx * ny < 4 * q.boxes.shape[0]


def test_bad_parameters_raise_value_error():
    with pytest.raises(ValueError, match="shape"):
        _core.BoxTerrain(np.zeros((3, 4)), 0.0)
    with pytest.raises(ValueError, match="x0 <= x1"):
        _core.BoxTerrain(np.array([[1.0, 0.0, 0.0, 1.0, 0.1]]), 0.0)
    with pytest.raises(ValueError, match="finite"):
        _core.BoxTerrain(np.array([[0.0, 1.0, 0.0, np.nan, 0.1]]), 0.0)
    with pytest.raises(ValueError, match="angle_deg"):
        _core.SlopeTerrain(0.0, 1.0, 1.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="length_m"):
        _core.SlopeTerrain(10.0, -1.0, 1.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="2 x 2"):
        _core.GridTerrain(np.zeros((1, 5)), 0.0, 0.0, 0.1, 0.0)
    with pytest.raises(ValueError, match="cell_m"):
        _core.GridTerrain(np.zeros((3, 5)), 0.0, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="same shape"):
        _core.FlatTerrain().heights(np.zeros(3), np.zeros(4))
