"""C++ SwingTrajectory (cerebellum._core): terrain clearance through either terrain kind, bad
inputs. (Its scalings, endpoints, rates and apex: tests/test_gait.py.)"""

from __future__ import annotations

import math

import numpy as np
import pytest

from cerebellum import _core

TOL = 1e-10
RECT = (-0.08, 0.12, -0.05, 0.05)


class Bump:
    """Smooth bump of 6 cm at x = 0.15 (a duck-typed Python terrain, array queries)."""

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


def test_terrain_raises_apex():
    """A bump under the swing raises the apex; the duck-typed and the trampoline terrain give
    the same one."""
    kw = dict(start=[0.0, 0.0, 0.0], end=[0.3, 0.0, 0.0], t_liftoff=0.0, t_touchdown=0.5)
    flat = _core.SwingTrajectory(**kw, height_m=0.05)
    bumped = _core.SwingTrajectory(**kw, height_m=0.05, terrain=CppBump(), sole_rectangle=RECT)
    assert flat.apex_z == pytest.approx(0.05)
    assert bumped.apex_z > 0.1
    duck = _core.SwingTrajectory(**kw, height_m=0.05, terrain=Bump(), sole_rectangle=RECT)
    assert bumped.apex_z == pytest.approx(duck.apex_z, abs=TOL)


def test_tilt_matrix_normalises_the_normal():
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
        _core.SwingTrajectory(**kw)
