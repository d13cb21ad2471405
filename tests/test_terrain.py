"""Terrains: height/normal agree with the MuJoCo geometry (ray casts); parameters checked."""

from __future__ import annotations

import mujoco
import numpy as np
import pytest

from cerebellum.errors import UnknownNameError
from cerebellum.sim.terrain import Stairs, TerrainError, list_terrains, make_terrain


def compiled(terrain):
    spec = mujoco.MjSpec()
    terrain.add_to(spec)
    model = spec.compile()
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    return model, data


def ray_down(model, data, x, y, top=20.0):
    """(z of the first surface hit below (x, y, top), its unit normal)."""
    normal = np.zeros(3)
    geom = np.zeros(1, np.int32)
    dist = mujoco.mj_ray(
        model, data, np.array([x, y, top]), np.array([0.0, 0.0, -1.0]), None, 1, -1, geom, normal
    )
    assert dist >= 0, f"no terrain under ({x}, {y})"
    return top - dist, normal


@pytest.fixture(scope="module")
def heightmap_npy(tmp_path_factory):
    path = tmp_path_factory.mktemp("hm") / "map.npy"
    np.save(path, np.random.default_rng(1).normal(size=(40, 60)) * 0.02)
    return path


CASES = {
    "flat": ("flat", {}),
    "slope_up": ("slope", {"angle_deg": 12.0}),
    "slope_down": ("slope", {"angle_deg": -8.0, "length_m": 3.0}),
    "stairs_up": ("stairs", {"rise_m": 0.12, "run_m": 0.28, "steps": 6}),
    "stairs_down": ("stairs", {"rise_m": 0.15, "run_m": 0.3, "steps": 4, "direction": "down"}),
    "rough": ("rough", {"amplitude_m": 0.05, "wavelength_m": 0.8, "seed": 3, "extent_m": 6.0}),
    "stepping_stones": (
        "stepping_stones",
        {"size_m": 0.3, "gap_m": 0.15, "height_jitter_m": 0.05, "seed": 2},
    ),
    "heightmap": ("heightmap", {"cell_size_m": 0.1}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_height_and_normal_match_ray_casts(case, heightmap_npy):
    name, params = CASES[case]
    if name == "heightmap":
        params = {**params, "file": str(heightmap_npy)}
    terrain = make_terrain(name, **params)
    model, data = compiled(terrain)
    rng = np.random.default_rng(0)
    pts = rng.uniform(-3.5, 3.5, size=(200, 2))
    h = terrain.height(pts[:, 0], pts[:, 1])  # vectorised query
    n = terrain.normal(pts[:, 0], pts[:, 1])
    for (x, y), hi, ni in zip(pts, h, n, strict=True):
        z, normal = ray_down(model, data, x, y)
        assert z == pytest.approx(hi, abs=1e-6), (x, y)
        assert terrain.height(x, y) == pytest.approx(hi, abs=1e-12)  # scalar query
        np.testing.assert_allclose(normal, ni, atol=1e-6)
        np.testing.assert_allclose(np.linalg.norm(ni), 1.0, atol=1e-12)


@pytest.mark.parametrize("case", list(CASES))
def test_start_area_is_flat_at_zero(case, heightmap_npy):
    name, params = CASES[case]
    if name == "heightmap":
        params = {**params, "file": str(heightmap_npy)}
    terrain = make_terrain(name, **params)
    xs, ys = np.meshgrid(np.linspace(-0.25, 0.25, 11), np.linspace(-0.25, 0.25, 11))
    np.testing.assert_allclose(terrain.height(xs, ys), 0.0, atol=1e-6)
    np.testing.assert_allclose(terrain.normal(xs, ys)[..., 2], 1.0, atol=1e-6)


def test_terrain_geoms_collide_with_robot_only():
    model, _ = compiled(make_terrain("rough", seed=1))
    assert model.ngeom >= 2
    assert (model.geom_contype == 0).all() and (model.geom_conaffinity == 1).all()
    assert (model.geom_priority >= 1).all()
    assert model.nhfield == 1


def test_stairs_geometry():
    s = Stairs(rise_m=0.15, run_m=0.3, steps=4, direction="up", start_length_m=0.6)
    edges = s.step_edges_x()
    np.testing.assert_allclose(edges, [0.6, 0.9, 1.2, 1.5])
    for i, x in enumerate(edges):  # just after each edge: step i's top; just before: the previous
        assert s.height(x + 0.01, 0.0) == pytest.approx(0.15 * (i + 1))
        assert s.height(x - 0.01, 0.0) == pytest.approx(0.15 * i)
    assert s.height(edges[-1] + 1.5, 0.0) == pytest.approx(0.6)  # landing
    assert s.height(1.0, 5.0) == 0.0  # beside the staircase: the ground
    down = Stairs(rise_m=0.1, run_m=0.25, steps=3, direction="down")
    assert down.height(0.0, 0.0) == 0.0
    assert down.height(down.step_edges_x()[-1] + 0.1, 0.0) == pytest.approx(-0.3)
    model, data = compiled(s)
    for i, x in enumerate(edges):  # vertical risers: rays a little left/right of the edge
        assert ray_down(model, data, x + 1e-3, 0.2)[0] == pytest.approx(0.15 * (i + 1))
        assert ray_down(model, data, x - 1e-3, 0.2)[0] == pytest.approx(0.15 * i)


def test_rough_is_seeded():
    a = make_terrain("rough", seed=5).grid
    b = make_terrain("rough", seed=5).grid
    c = make_terrain("rough", seed=6).grid
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert np.abs(make_terrain("rough", amplitude_m=0.04, seed=5).grid).max() <= 0.04 + 1e-6


def test_heightmap_png_16bit(tmp_path):
    import imageio.v3 as iio

    raw = (np.random.default_rng(0).uniform(size=(30, 50)) * 65535).astype(np.uint16)
    path = tmp_path / "map.png"
    iio.imwrite(path, raw)
    t = make_terrain(
        "heightmap", file=str(path), cell_size_m=0.1, height_scale_m=0.2, flat_radius_m=0.0
    )
    z = raw.astype(float) / 65535 * 0.2
    z -= z[(30 - 1) // 2, (50 - 1) // 2]
    np.testing.assert_allclose(t.grid, z, atol=1e-6)  # stored as float32 by MuJoCo
    model, data = compiled(t)
    for x, y in np.random.default_rng(1).uniform(-2.0, 1.4, size=(50, 2)):
        assert ray_down(model, data, x, y)[0] == pytest.approx(t.height(x, y), abs=1e-6)


def test_unknown_terrain_lists_known_names():
    with pytest.raises(UnknownNameError) as e:
        make_terrain("lava")
    msg = str(e.value)
    assert "unknown terrain 'lava'" in msg
    for name in list_terrains():
        assert name in msg


@pytest.mark.parametrize(
    "name, params, param",
    [
        ("slope", {"angle_deg": 80.0}, "angle_deg"),
        ("stairs", {"direction": "sideways"}, "direction"),
        ("stairs", {"steps": 2.5}, "steps"),
        ("rough", {"amplitude_m": "high"}, "amplitude_m"),
        ("rough", {"bumpiness": 1.0}, "bumpiness"),
        ("stepping_stones", {"gap_m": -0.1}, "gap_m"),
        ("heightmap", {}, "file"),
        ("heightmap", {"file": "/nonexistent/map.npy"}, "file"),
        ("flat", {"friction": 0.0}, "friction"),
    ],
)
def test_bad_parameters_are_named(name, params, param):
    with pytest.raises(TerrainError) as e:
        make_terrain(name, **params)
    assert e.value.param == param
    assert f"'{param}'" in str(e.value) and f"'{name}'" in str(e.value)


@pytest.mark.parametrize(
    "name, params",
    [("stepping_stones", {"seed": 3}), ("stairs", {"direction": "down"}), ("stairs", {})],
)
def test_box_terrain_height_matches_the_highest_block_under_each_point(name, params):
    """Heights against a block-by-block scan, over the whole terrain and over a small patch (the
    query keeps only the blocks near the points), arrays and scalars."""
    t = make_terrain(name, **params)
    rng = np.random.default_rng(1)
    for span in (9.0, 0.4):
        x = rng.uniform(-3.0, -3.0 + span, 3000)
        y = rng.uniform(-3.0, -3.0 + 0.7 * span, 3000)
        ref = np.full(x.shape, t._base())
        for b in t._boxes():
            inside = (x >= b.x0) & (x <= b.x1) & (y >= b.y0) & (y <= b.y1)
            ref = np.where(inside, np.maximum(ref, b.top), ref)
        np.testing.assert_array_equal(t.height(x, y), ref)
        assert t.height(float(x[0]), float(y[0])) == ref[0]
