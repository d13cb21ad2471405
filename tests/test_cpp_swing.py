"""C++ SwingTrajectory (cerebellum._core) against the Python reference controllers.swing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cerebellum import _core
from cerebellum.controllers import swing

TOL = 1e-10
RECT = (-0.08, 0.12, -0.05, 0.05)


def _random_kwargs(rng: np.random.Generator, case: int) -> dict:
    start = rng.uniform([-0.3, -0.3, -0.1], [0.3, 0.3, 0.1])
    step = rng.uniform([-0.4, -0.2, -0.15], [0.5, 0.2, 0.15])
    if case % 4 == 0:
        step[2] = 0.0  # flat
        start[2] = 0.0
    end = start + step
    t0 = rng.uniform(0.0, 2.0)
    kw = dict(
        start=start,
        end=end,
        t_liftoff=t0,
        t_touchdown=t0 + rng.uniform(0.25, 0.8),
        height_m=rng.uniform(0.03, 0.12),
        apex_phase=rng.uniform(0.3, 0.7),
        start_yaw=rng.uniform(-math.pi, math.pi),
        end_yaw=rng.uniform(-math.pi, math.pi),
    )
    if case % 3 == 1:
        n = np.array([rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3), 1.0])
        kw["end_normal"] = n / np.linalg.norm(n)
    if case % 5 == 2:
        w = rng.uniform(-0.3, 0.3, 3)
        kw["start_rotation"] = swing._exp3(w) @ swing.yaw_matrix(kw["start_yaw"])
    if case % 2 == 1:
        kw["xy_ramp"] = rng.uniform(0.05, 0.5)
        if case % 6 == 1:
            kw["xy_ramp_travel_m"] = rng.uniform(0.05, 0.4)
    return kw


def _times(sw) -> np.ndarray:
    T = sw.t_touchdown - sw.t_liftoff
    inner = np.linspace(sw.t_liftoff, sw.t_touchdown, 41)
    return np.r_[sw.t_liftoff - 0.1 * T, inner, sw.t_touchdown + 0.1 * T, sw.t_liftoff + 0.5 * T]


def _compare(py_sw, cpp_sw) -> None:
    assert cpp_sw.apex_z == pytest.approx(py_sw.apex_z, abs=TOL)
    t = _times(py_sw)
    np.testing.assert_allclose(cpp_sw.positions(t), py_sw.positions(t), atol=TOL, rtol=0)
    for ti in t:
        a, b = py_sw.sample(float(ti)), cpp_sw.sample(float(ti))
        np.testing.assert_allclose(b.position, a.position, atol=TOL, rtol=0)
        np.testing.assert_allclose(b.rotation, a.rotation, atol=TOL, rtol=0)
        np.testing.assert_allclose(b.velocity, a.velocity, atol=TOL, rtol=0)
        np.testing.assert_allclose(b.acceleration, a.acceleration, atol=TOL, rtol=0)
        np.testing.assert_allclose(cpp_sw.position(float(ti)), py_sw.positions([ti])[0], atol=TOL)
        assert cpp_sw.phase(float(ti)) == pytest.approx(py_sw.phase(float(ti)), abs=TOL)


@pytest.mark.parametrize("case", range(60))
def test_random_swings_match_python(case):
    rng = np.random.default_rng(100 + case)
    kw = _random_kwargs(rng, case)
    py_sw = swing.SwingTrajectory(**kw)
    cpp_sw = _core.SwingTrajectory(**kw)
    _compare(py_sw, cpp_sw)
    np.testing.assert_allclose(cpp_sw.start, py_sw.start)
    np.testing.assert_allclose(cpp_sw.end, py_sw.end)
    assert cpp_sw.start_yaw == py_sw.start_yaw and cpp_sw.end_yaw == py_sw.end_yaw
    assert cpp_sw.t_liftoff == py_sw.t_liftoff and cpp_sw.t_touchdown == py_sw.t_touchdown


class Bump:
    """Smooth bump of 6 cm at x = 0.15 (a duck-typed Python terrain)."""

    def height(self, x, y):
        return 0.06 * np.exp(-((np.asarray(x) - 0.15) ** 2) / 0.002) + 0.0 * np.asarray(y)

    def normal(self, x, y):
        return np.array([0.0, 0.0, 1.0])


class CppBump(_core.TerrainQuery):
    """The same bump through the pybind11 trampoline (scalar queries only)."""

    def height(self, x, y):
        return 0.06 * math.exp(-((x - 0.15) ** 2) / 0.002)

    def normal(self, x, y):
        return np.array([0.0, 0.0, 1.0])


def _terrains():
    from cerebellum.sim.terrain import make_terrain

    return [("bump", Bump()), ("trampoline", CppBump()), ("stairs", make_terrain("stairs"))]


@pytest.mark.parametrize("case", range(12))
@pytest.mark.parametrize("which", [0, 1, 2])
def test_terrain_clearance_matches_python(case, which):
    name, terrain = _terrains()[which]
    rng = np.random.default_rng(7 + case)
    kw = _random_kwargs(rng, case)
    if name == "stairs":
        h0 = float(terrain.height(0.0, 0.0))
        x0 = rng.uniform(0.5, 2.5)
        kw["start"] = np.array([x0, rng.uniform(-0.1, 0.1), terrain.height(x0, 0.0)])
        x1 = x0 + rng.uniform(0.1, 0.5)
        kw["end"] = np.array([x1, rng.uniform(-0.1, 0.1), terrain.height(x1, 0.0)])
        del h0
    else:
        kw["start"] = np.array([rng.uniform(-0.2, 0.0), rng.uniform(-0.05, 0.05), 0.0])
        kw["end"] = kw["start"] + np.array([rng.uniform(0.3, 0.5), 0.0, rng.uniform(-0.02, 0.02)])
    kw.update(terrain=terrain, clearance_m=0.03, samples=int(rng.integers(8, 40)))
    if case % 2 == 0:
        kw["sole_rectangle"] = RECT
    py_sw = swing.SwingTrajectory(**kw)
    cpp_sw = _core.SwingTrajectory(**kw)
    _compare(py_sw, cpp_sw)


def test_terrain_raises_apex():
    kw = dict(start=[0.0, 0.0, 0.0], end=[0.3, 0.0, 0.0], t_liftoff=0.0, t_touchdown=0.5)
    flat = _core.SwingTrajectory(**kw, height_m=0.05)
    bumped = _core.SwingTrajectory(**kw, height_m=0.05, terrain=CppBump(), sole_rectangle=RECT)
    assert flat.apex_z == pytest.approx(0.05)
    assert bumped.apex_z > 0.1
    assert bumped.apex_z == pytest.approx(
        swing.SwingTrajectory(**kw, height_m=0.05, terrain=Bump(), sole_rectangle=RECT).apex_z,
        abs=TOL,
    )


def test_free_functions_match_python():
    for u in np.linspace(-0.2, 1.2, 57):
        np.testing.assert_allclose(_core.quintic(u), swing.quintic(u), atol=1e-14)
        for r in (0.1, 0.25, 0.5):
            np.testing.assert_allclose(_core.ramped(u, r), swing.ramped(u, r), atol=1e-12)
    rng = np.random.default_rng(3)
    for _ in range(20):
        yaw = rng.uniform(-4, 4)
        np.testing.assert_allclose(_core.yaw_matrix(yaw), swing.yaw_matrix(yaw), atol=1e-15)
        n = rng.normal(size=3)
        n[2] = abs(n[2]) + 0.1
        np.testing.assert_allclose(_core.tilt_matrix(n), swing.tilt_matrix(n), atol=1e-14)
    np.testing.assert_allclose(_core.tilt_matrix([0, 0, 2.0]), np.eye(3))


@pytest.mark.parametrize(
    "bad",
    [
        dict(t_touchdown=0.0),
        dict(t_touchdown=-1.0),
        dict(apex_phase=0.0),
        dict(apex_phase=1.0),
        dict(xy_ramp=0.6),
        dict(xy_ramp=-0.1),
    ],
)
def test_bad_inputs_raise(bad):
    kw = dict(start=[0, 0, 0], end=[0.2, 0, 0], t_liftoff=0.0, t_touchdown=0.5, height_m=0.05)
    kw.update(bad)
    with pytest.raises(ValueError):
        swing.SwingTrajectory(**kw)
    with pytest.raises(ValueError):
        _core.SwingTrajectory(**kw)


def test_comparison_can_fail():
    kw = dict(start=[0, 0, 0], end=[0.2, 0, 0], t_liftoff=0.0, t_touchdown=0.5, height_m=0.05)
    py_sw = swing.SwingTrajectory(**kw)
    other = _core.SwingTrajectory(**{**kw, "height_m": 0.05 + 1e-8})
    with pytest.raises(AssertionError):
        _compare(py_sw, other)
