"""Terrains: MuJoCo geometry plus height and normal queries that agree with it.

World frame: z up, the robot starts at ``start_xy`` (default the origin) facing +x. Every terrain
keeps a flat area at z = 0 around the start. Terrain geoms have ``contype=0, conaffinity=1`` (they
collide with the robot, never with each other) and ``priority=1`` so that their ``friction`` sets
the friction of every robot-terrain contact.

``height(x, y)`` returns the top surface z (m) and ``normal(x, y)`` its unit normal (3,) in the
world frame; both accept scalars or arrays of equal shape (normals then have shape (..., 3)).
"""

from __future__ import annotations

import functools
import inspect
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import mujoco
import numpy as np

from cerebellum.errors import CerebellumError, UnknownNameError

__all__ = [
    "Terrain",
    "TerrainError",
    "Flat",
    "Slope",
    "Stairs",
    "Rough",
    "SteppingStones",
    "Heightmap",
    "make_terrain",
    "list_terrains",
    "terrain_parameters",
]

TERRAIN_GROUP = 0


class TerrainError(CerebellumError, ValueError):
    """Bad terrain parameter; names the parameter."""

    def __init__(self, terrain: str, param: str, problem: str):
        self.terrain, self.param, self.problem = terrain, param, problem
        super().__init__(f"terrain '{terrain}': parameter '{param}': {problem}")


def _check(cond: bool, terrain: str, param: str, problem: str) -> None:
    if not cond:
        raise TerrainError(terrain, param, problem)


def _add_material(spec: mujoco.MjSpec) -> str:
    """A checker material for terrain geoms (rendering only); returns its name."""
    name = "terrain_checker"
    if spec.material(name) is None:
        spec.add_texture(
            name=name,
            type=mujoco.mjtTexture.mjTEXTURE_2D,
            builtin=mujoco.mjtBuiltin.mjBUILTIN_CHECKER,
            rgb1=[0.42, 0.45, 0.48],
            rgb2=[0.32, 0.35, 0.38],
            width=256,
            height=256,
        )
        mat = spec.add_material(name=name, texrepeat=[1, 1], texuniform=True, reflectance=0.0)
        mat.textures[mujoco.mjtTextureRole.mjTEXROLE_RGB] = name
    return name


# Largest |x|, |y| of the start, m: MuJoCo's float32 rendering and contact margins lose
# millimetres beyond ~1e4 m from the origin.
MAX_START_M = 1e4


class Terrain(ABC):
    """Base class. Subclasses set ``name`` and implement ``_build``, ``height`` and ``normal``."""

    name: ClassVar[str]
    #: made of steps with vertical edges (stairs, stepping stones): planners that only assume a
    #: continuous ground should consult the terrain here
    stepped: ClassVar[bool] = False
    friction: float
    start_xy: tuple[float, float]

    def __init__(self, friction: float = 1.0, start_xy: tuple[float, float] = (0.0, 0.0)):
        _check(
            0.0 < float(friction) <= 2.0,
            self.name,
            "friction",
            f"expected 0 < mu <= 2, got {friction}",
        )
        self.friction = float(friction)
        try:
            sx, sy = (float(v) for v in start_xy)
        except (TypeError, ValueError):
            sx = sy = math.nan
        _check(
            bool(abs(sx) <= MAX_START_M and abs(sy) <= MAX_START_M),
            self.name,
            "start_xy",
            f"expected [x, y] with finite |x|, |y| <= {MAX_START_M:g} m, got {start_xy!r}",
        )
        self.start_xy = (sx, sy)

    def add_to(self, spec: mujoco.MjSpec, prefix: str = "terrain") -> None:
        """Adds the terrain's geoms (and hfield, if any) to ``spec``'s world body."""
        self._material = _add_material(spec)
        self._prefix = prefix
        self._count = 0
        self._build(spec)

    def _geom(
        self, spec: mujoco.MjSpec, friction: float | None = None, **kw: Any
    ) -> mujoco.MjsGeom:
        self._count += 1
        mu = self.friction if friction is None else friction
        g = spec.worldbody.add_geom(
            name=f"{self._prefix}_{self._count}",
            contype=0,
            conaffinity=1,
            condim=3,
            priority=1,
            friction=[mu, 0.005, 0.0001],
            group=TERRAIN_GROUP,
            material=self._material,
            **kw,
        )
        return g

    @abstractmethod
    def _build(self, spec: mujoco.MjSpec) -> None: ...

    @abstractmethod
    def height(self, x, y):
        """Terrain top z (m) at world (x, y)."""

    def normal(self, x, y):
        """Unit surface normal (..., 3) in the world frame at (x, y)."""
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        n = np.zeros(x.shape + (3,))
        n[..., 2] = 1.0
        return n

    def query(self) -> Any:
        """The compiled equivalent of this terrain's ``height``/``normal`` (a
        ``cerebellum._core.TerrainQuery``: FlatTerrain, BoxTerrain, SlopeTerrain or GridTerrain),
        built from its exported data on first use; for the C++ planners."""
        q = self.__dict__.get("_compiled_query")
        if q is None:
            q = self._query()
            self.__dict__["_compiled_query"] = q
        return q

    def _query(self) -> Any:
        from cerebellum import _core

        kind, data = self.query_data()
        make = {
            "flat": _core.FlatTerrain,
            "boxes": _core.BoxTerrain,
            "slope": _core.SlopeTerrain,
            "grid": _core.GridTerrain,
        }[kind]
        return make(*data.values())

    def query_data(self) -> tuple[str, dict[str, Any]]:
        """(kind, constructor arguments in order) of the compiled query: "flat" (level_m),
        "boxes" (boxes (n, 5) x0 x1 y0 y1 top, base_m), "slope" (angle_deg, length_m, width_m,
        x0_m, y_m) or "grid" (grid (rows along y, cols along x), x0_m, y0_m, cell_m, outside_m);
        what `cerebellum export` writes for the C++ programs."""
        raise TerrainError(self.name, "query", "this terrain has no compiled equivalent")

    def params(self) -> dict[str, Any]:
        """Constructor parameters of this instance (for logs and metrics)."""
        sig = inspect.signature(type(self).__init__)
        return {k: getattr(self, k) for k in sig.parameters if k != "self" and hasattr(self, k)}


def _plane(terrain: Terrain, spec: mujoco.MjSpec, z: float, half: float = 50.0) -> None:
    terrain._geom(spec, type=mujoco.mjtGeom.mjGEOM_PLANE, size=[half, half, 0.1], pos=[0, 0, z])


class Flat(Terrain):
    """Infinite plane at z = 0, optionally with a low-friction patch.

    ``patch_m = [x0, x1, y0, y1]`` (m, from the start; x0 = x1: no patch) is a rectangle of the
    same ground, level with it, of friction ``patch_friction`` (a wet or icy spot): the ground is
    then five boxes with tops at z = 0 (the patch and four around it) instead of a plane, since a
    MuJoCo plane collides everywhere and would hold a foot on the patch.
    """

    name = "flat"

    def __init__(
        self,
        friction: float = 1.0,
        start_xy: tuple[float, float] = (0.0, 0.0),
        patch_m: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0),
        patch_friction: float = 0.1,
    ):
        super().__init__(friction, start_xy)
        try:
            x0, x1, y0, y1 = (float(v) for v in patch_m)
        except (TypeError, ValueError):
            x0 = x1 = y0 = y1 = math.nan
        none = x0 == x1 == y0 == y1 == 0.0
        _check(
            none or bool(-40.0 <= x0 < x1 <= 40.0 and -40.0 <= y0 < y1 <= 40.0),
            self.name,
            "patch_m",
            f"expected [x0, x1, y0, y1] with -40 <= x0 < x1 <= 40 and -40 <= y0 < y1 <= 40 m "
            f"(or all 0: no patch), got {patch_m!r}",
        )
        _check(
            0.0 < float(patch_friction) <= 2.0,
            self.name,
            "patch_friction",
            f"expected 0 < mu <= 2, got {patch_friction}",
        )
        self.patch_m = (x0, x1, y0, y1)
        self.patch_friction = float(patch_friction)
        self.has_patch = not none

    def _build(self, spec):
        if not self.has_patch:
            _plane(self, spec, 0.0)
            return
        sx, sy = self.start_xy
        x0, x1, y0, y1 = self.patch_m
        x0, x1, y0, y1 = x0 + sx, x1 + sx, y0 + sy, y1 + sy
        half, depth = 50.0, 1.0  # the plane's extent; 1 m thick boxes
        lo_x, hi_x, lo_y, hi_y = sx - half, sx + half, sy - half, sy + half
        rects = [
            (lo_x, x0, lo_y, hi_y, None),  # behind
            (x1, hi_x, lo_y, hi_y, None),  # ahead
            (x0, x1, lo_y, y0, None),  # right of the patch
            (x0, x1, y1, hi_y, None),  # left of it
            (x0, x1, y0, y1, self.patch_friction),
        ]
        for a, b, c, e, mu in rects:
            self._geom(
                spec,
                friction=mu,
                type=mujoco.mjtGeom.mjGEOM_BOX,
                size=[(b - a) / 2, (e - c) / 2, depth / 2],
                pos=[(a + b) / 2, (c + e) / 2, -depth / 2],
                rgba=[0.35, 0.55, 0.85, 1.0] if mu is not None else [1.0, 1.0, 1.0, 1.0],
            )

    def height(self, x, y):
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        return np.zeros(x.shape) if x.ndim else 0.0

    def query_data(self):
        return "flat", {"level_m": 0.0}


@dataclass(frozen=True)
class _Box:
    """Axis-aligned block: x0 <= x <= x1, y0 <= y <= y1, top at z (m), bottom at z - depth."""

    x0: float
    x1: float
    y0: float
    y1: float
    top: float
    depth: float


class _BoxTerrain(Terrain):
    """Terrain made of axis-aligned blocks over an optional base plane (``None``: no plane)."""

    stepped = True

    def _boxes(self) -> list[_Box]:
        raise NotImplementedError

    def _base(self) -> float:
        raise NotImplementedError

    def _build(self, spec):
        _plane(self, spec, self._base())
        for b in self._boxes():
            self._geom(
                spec,
                type=mujoco.mjtGeom.mjGEOM_BOX,
                size=[(b.x1 - b.x0) / 2, (b.y1 - b.y0) / 2, b.depth / 2],
                pos=[(b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2, b.top - b.depth / 2],
            )

    @functools.cached_property
    def _box_table(self) -> np.ndarray:
        """(5, boxes) rows x0, x1, y0, y1, top; built on first use (the boxes never change)."""
        boxes = self._boxes()
        return np.array([[b.x0, b.x1, b.y0, b.y1, b.top] for b in boxes], float).T.reshape(5, -1)

    def height(self, x, y):
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        x0, x1, y0, y1, top = self._box_table
        if x.size:  # only the boxes that overlap the points' bounding box (queries are local)
            near = (x1 >= x.min()) & (x0 <= x.max()) & (y1 >= y.min()) & (y0 <= y.max())
            x0, x1, y0, y1, top = x0[near], x1[near], y0[near], y1[near], top[near]
        px, py = x[..., None], y[..., None]  # points x boxes
        inside = (px >= x0) & (px <= x1) & (py >= y0) & (py <= y1)
        h = np.max(np.where(inside, top, -np.inf), axis=-1, initial=-np.inf)
        h = np.maximum(h, self._base())
        return h if h.ndim else float(h)

    def query_data(self):
        return "boxes", {"boxes": np.ascontiguousarray(self._box_table.T), "base_m": self._base()}


class Stairs(_BoxTerrain):
    """``steps`` steps of ``rise_m`` x ``run_m``, ``up`` or ``down`` along +x, ``width_m`` wide.

    The first step edge is at x = start_x + ``start_length_m``; a 2 m landing follows the last step.
    Outside the staircase the ground is a plane at the lowest level.
    """

    name = "stairs"

    def __init__(
        self,
        rise_m: float = 0.1,
        run_m: float = 0.3,
        steps: int = 5,
        direction: str = "up",
        width_m: float = 2.0,
        start_length_m: float = 0.6,
        friction: float = 1.0,
        start_xy: tuple[float, float] = (0.0, 0.0),
    ):
        super().__init__(friction, start_xy)
        _check(
            0.0 < rise_m <= 0.5, self.name, "rise_m", f"expected 0 < rise_m <= 0.5, got {rise_m}"
        )
        _check(
            0.05 <= run_m <= 2.0, self.name, "run_m", f"expected 0.05 <= run_m <= 2, got {run_m}"
        )
        _check(
            isinstance(steps, int) and 1 <= steps <= 100,
            self.name,
            "steps",
            f"expected an integer 1..100, got {steps!r}",
        )
        _check(
            direction in ("up", "down"),
            self.name,
            "direction",
            f"expected 'up' or 'down', got {direction!r}",
        )
        _check(
            0.3 <= width_m <= 50,
            self.name,
            "width_m",
            f"expected 0.3 <= width_m <= 50, got {width_m}",
        )
        _check(
            0.3 <= start_length_m <= 50,
            self.name,
            "start_length_m",
            f"expected >= 0.3, got {start_length_m}",
        )
        self.rise_m, self.run_m, self.steps, self.direction = (
            float(rise_m),
            float(run_m),
            steps,
            direction,
        )
        self.width_m, self.start_length_m = float(width_m), float(start_length_m)

    def _base(self) -> float:
        return 0.0 if self.direction == "up" else -self.steps * self.rise_m

    def _boxes(self) -> list[_Box]:
        sx, sy = self.start_xy
        y0, y1 = sy - self.width_m / 2, sy + self.width_m / 2
        sign = 1.0 if self.direction == "up" else -1.0
        base = self._base()
        edge = sx + self.start_length_m
        boxes = []
        if self.direction == "down":
            boxes.append(_Box(sx - 2.0, edge, y0, y1, 0.0, -base))
        for i in range(self.steps):
            top = sign * (i + 1) * self.rise_m
            if top - base > 1e-9:
                x0 = edge + i * self.run_m
                x1 = x0 + self.run_m + (2.0 if i == self.steps - 1 else 0.0)
                boxes.append(_Box(x0, x1, y0, y1, top, top - base))
        return boxes

    def step_edges_x(self) -> np.ndarray:
        """(steps,) x of each step's leading edge, m."""
        return self.start_xy[0] + self.start_length_m + self.run_m * np.arange(self.steps)


class SteppingStones(_BoxTerrain):
    """Square stones of side ``size_m`` separated by ``gap_m`` over a pit 1 m deep.

    Stone tops have uniform jitter in [-height_jitter_m, height_jitter_m]; a 1.2 m square start
    platform at z = 0 sits under the start. The field covers ``extent_m`` x ``extent_m``.
    """

    name = "stepping_stones"
    PIT_DEPTH_M = 1.0

    def __init__(
        self,
        size_m: float = 0.3,
        gap_m: float = 0.1,
        height_jitter_m: float = 0.03,
        seed: int = 0,
        extent_m: float = 8.0,
        friction: float = 1.0,
        start_xy: tuple[float, float] = (0.0, 0.0),
    ):
        super().__init__(friction, start_xy)
        _check(
            0.05 <= size_m <= 2.0,
            self.name,
            "size_m",
            f"expected 0.05 <= size_m <= 2, got {size_m}",
        )
        _check(0.0 <= gap_m <= 1.0, self.name, "gap_m", f"expected 0 <= gap_m <= 1, got {gap_m}")
        _check(
            0.0 <= height_jitter_m <= 0.2,
            self.name,
            "height_jitter_m",
            f"expected 0..0.2, got {height_jitter_m}",
        )
        _check(2.0 <= extent_m <= 40.0, self.name, "extent_m", f"expected 2..40, got {extent_m}")
        self.size_m, self.gap_m, self.height_jitter_m = (
            float(size_m),
            float(gap_m),
            float(height_jitter_m),
        )
        self.seed, self.extent_m = int(seed), float(extent_m)
        self._stones = self._layout()

    def _layout(self) -> list[_Box]:
        rng = np.random.default_rng(self.seed)
        sx, sy = self.start_xy
        pitch = self.size_m + self.gap_m
        n = int(self.extent_m / pitch)
        half_start = 0.6
        boxes = [
            _Box(
                sx - half_start,
                sx + half_start,
                sy - half_start,
                sy + half_start,
                0.0,
                self.PIT_DEPTH_M,
            )
        ]
        for i in range(n):
            for j in range(n):
                cx = sx - self.extent_m / 2 + (i + 0.5) * pitch
                cy = sy - self.extent_m / 2 + (j + 0.5) * pitch
                dz = float(rng.uniform(-self.height_jitter_m, self.height_jitter_m))
                h = self.size_m / 2
                if (
                    abs(cx - sx) < half_start + h + self.gap_m
                    and abs(cy - sy) < half_start + h + self.gap_m
                ):
                    continue  # the start platform is there
                boxes.append(_Box(cx - h, cx + h, cy - h, cy + h, dz, self.PIT_DEPTH_M + dz))
        return boxes

    def _base(self) -> float:
        return -self.PIT_DEPTH_M

    def _boxes(self) -> list[_Box]:
        return self._stones


class Slope(Terrain):
    """Flat until x = start_x + ``start_length_m``, then a plane rising ``angle_deg`` along +x
    over ``length_m`` (horizontal), then flat again. Negative angles go down."""

    name = "slope"
    THICKNESS_M = 0.5

    def __init__(
        self,
        angle_deg: float = 10.0,
        length_m: float = 6.0,
        width_m: float = 4.0,
        start_length_m: float = 0.8,
        friction: float = 1.0,
        start_xy: tuple[float, float] = (0.0, 0.0),
    ):
        super().__init__(friction, start_xy)
        _check(
            -35.0 <= angle_deg <= 35.0 and angle_deg != 0,
            self.name,
            "angle_deg",
            f"expected nonzero, within +-35, got {angle_deg}",
        )
        _check(0.5 <= length_m <= 50, self.name, "length_m", f"expected 0.5..50, got {length_m}")
        _check(0.5 <= width_m <= 50, self.name, "width_m", f"expected 0.5..50, got {width_m}")
        _check(
            0.3 <= start_length_m <= 50,
            self.name,
            "start_length_m",
            f"expected >= 0.3, got {start_length_m}",
        )
        self.angle_deg, self.length_m, self.width_m = (
            float(angle_deg),
            float(length_m),
            float(width_m),
        )
        self.start_length_m = float(start_length_m)

    @property
    def _x0(self) -> float:
        return self.start_xy[0] + self.start_length_m

    @property
    def _rise(self) -> float:
        return self.length_m * np.tan(np.radians(self.angle_deg))

    def _build(self, spec):
        a = np.radians(self.angle_deg)
        sy, x0, L, H, t = self.start_xy[1], self._x0, self.length_m, self._rise, self.THICKNESS_M
        hw = self.width_m / 2
        low = min(0.0, H) - 1.0
        # start platform and far landing: blocks down to `low`
        for xa, xb, top in ((x0 - 3.0, x0, 0.0), (x0 + L, x0 + L + 3.0, H)):
            self._geom(
                spec,
                type=mujoco.mjtGeom.mjGEOM_BOX,
                size=[(xb - xa) / 2, hw, (top - low) / 2],
                pos=[(xa + xb) / 2, sy, (top + low) / 2],
            )
        # inclined slab: its top face passes through (x0, 0) and (x0 + L, H)
        half_len = L / np.cos(a) / 2
        n = np.array([-np.sin(a), 0.0, np.cos(a)])
        centre = np.array([x0 + L / 2, sy, H / 2]) - n * t / 2
        quat = np.zeros(4)
        mujoco.mju_axisAngle2Quat(quat, np.array([0.0, 1.0, 0.0]), -a)
        self._geom(
            spec,
            type=mujoco.mjtGeom.mjGEOM_BOX,
            size=[half_len, hw, t / 2],
            pos=list(centre),
            quat=list(quat),
        )
        _plane(self, spec, low)

    def _inside(self, y):
        return np.abs(y - self.start_xy[1]) <= self.width_m / 2

    def height(self, x, y):
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        s = np.clip(x - self._x0, 0.0, self.length_m) * np.tan(np.radians(self.angle_deg))
        inside = self._inside(y) & (x >= self._x0 - 3.0) & (x <= self._x0 + self.length_m + 3.0)
        h = np.where(inside, s, min(0.0, self._rise) - 1.0)
        return h if h.ndim else float(h)

    def normal(self, x, y):
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        n = super().normal(x, y)
        a = np.radians(self.angle_deg)
        on = self._inside(y) & (x > self._x0) & (x < self._x0 + self.length_m)
        n[on] = [-np.sin(a), 0.0, np.cos(a)]
        return n

    def query_data(self):
        return "slope", {
            "angle_deg": self.angle_deg,
            "length_m": self.length_m,
            "width_m": self.width_m,
            "x0_m": self._x0,
            "y_m": self.start_xy[1],
        }


class _HeightfieldTerrain(Terrain):
    """A MuJoCo hfield: heights ``z[r, c]`` (m) on a grid with row r along y and column c along x,
    centred on the start, spacing ``cell_size_m``. MuJoCo splits each cell along its
    (r, c)-(r+1, c+1) diagonal; ``height``/``normal`` interpolate on the same triangles. Outside
    the grid: a plane at the lowest height."""

    BASE_THICKNESS_M = 0.2

    def _set_grid(self, z: np.ndarray, cell: float, flat_radius: float) -> None:
        nrow, ncol = z.shape
        self._cell = float(cell)
        sx, sy = self.start_xy
        self._x0 = sx - (ncol - 1) * cell / 2
        self._y0 = sy - (nrow - 1) * cell / 2
        if flat_radius > 0:
            yy, xx = np.meshgrid(
                self._y0 + cell * np.arange(nrow), self._x0 + cell * np.arange(ncol), indexing="ij"
            )
            r = np.hypot(xx - sx, yy - sy)
            blend = np.clip((r - flat_radius) / 0.5, 0.0, 1.0)
            blend = blend * blend * (3 - 2 * blend)  # smoothstep over 0.5 m
            z = z * blend
        zmin, zmax = float(z.min()), float(z.max())
        if zmax - zmin < 1e-6:
            zmax = zmin + 1e-6
        # MuJoCo normalises hfield data to [0, 1]: store exactly what it will use.
        norm = ((z - zmin) / (zmax - zmin)).astype(np.float32)
        self._zmin, self._zrange = zmin, zmax - zmin
        self._norm = norm
        self._z = zmin + self._zrange * norm.astype(np.float64)

    @property
    def grid(self) -> np.ndarray:
        """(nrow, ncol) heights, m; row r at y0 + r * cell, column c at x0 + c * cell."""
        return self._z

    def _build(self, spec):
        nrow, ncol = self._z.shape
        hx, hy = (ncol - 1) * self._cell / 2, (nrow - 1) * self._cell / 2
        name = f"{self._prefix}_hfield"
        hf = spec.add_hfield(
            name=name, nrow=nrow, ncol=ncol, size=[hx, hy, self._zrange, self.BASE_THICKNESS_M]
        )
        hf.userdata = self._norm.reshape(-1).tolist()
        cx, cy = self._x0 + hx, self._y0 + hy
        self._geom(
            spec, type=mujoco.mjtGeom.mjGEOM_HFIELD, hfieldname=name, pos=[cx, cy, self._zmin]
        )
        _plane(self, spec, self._zmin, half=max(hx, hy) + 20.0)

    def _locate(self, x, y):
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        nrow, ncol = self._z.shape
        gx, gy = (x - self._x0) / self._cell, (y - self._y0) / self._cell
        inside = (gx >= 0) & (gx <= ncol - 1) & (gy >= 0) & (gy <= nrow - 1)
        c = np.clip(np.floor(gx).astype(int), 0, ncol - 2)
        r = np.clip(np.floor(gy).astype(int), 0, nrow - 2)
        u, v = gx - c, gy - r
        z = self._z
        z00, z01, z10, z11 = z[r, c], z[r, c + 1], z[r + 1, c], z[r + 1, c + 1]
        lower = u >= v  # triangle (0,0)-(1,0)-(1,1) in (u, v)
        dzdu = np.where(lower, z01 - z00, z11 - z10)
        dzdv = np.where(lower, z11 - z01, z10 - z00)
        return x, inside, u, v, z00, dzdu, dzdv

    def height(self, x, y):
        x, inside, u, v, z00, dzdu, dzdv = self._locate(x, y)
        h = np.where(inside, z00 + u * dzdu + v * dzdv, self._zmin)
        return h if h.ndim else float(h)

    def normal(self, x, y):
        x, inside, u, v, z00, dzdu, dzdv = self._locate(x, y)
        n = np.stack([-dzdu / self._cell, -dzdv / self._cell, np.ones_like(u)], axis=-1)
        n[~inside] = [0.0, 0.0, 1.0]
        return n / np.linalg.norm(n, axis=-1, keepdims=True)

    def query_data(self):
        return "grid", {
            "grid": self._z,
            "x0_m": self._x0,
            "y0_m": self._y0,
            "cell_m": self._cell,
            "outside_m": self._zmin,
        }


class Rough(_HeightfieldTerrain):
    """Smooth random bumps: 12 plane waves with wavelengths in [0.7, 1.3] x ``wavelength_m``
    and random directions/phases, scaled to peak height ``amplitude_m``; ``extent_m`` square,
    flat (z = 0) within ``flat_radius_m`` of the start."""

    name = "rough"

    def __init__(
        self,
        amplitude_m: float = 0.03,
        wavelength_m: float = 1.0,
        seed: int = 0,
        extent_m: float = 10.0,
        cell_size_m: float = 0.05,
        flat_radius_m: float = 0.5,
        friction: float = 1.0,
        start_xy: tuple[float, float] = (0.0, 0.0),
    ):
        super().__init__(friction, start_xy)
        _check(
            0.0 < amplitude_m <= 0.5,
            self.name,
            "amplitude_m",
            f"expected 0 < amplitude_m <= 0.5, got {amplitude_m}",
        )
        _check(
            0.1 <= wavelength_m <= 20,
            self.name,
            "wavelength_m",
            f"expected 0.1..20, got {wavelength_m}",
        )
        _check(1.0 <= extent_m <= 100, self.name, "extent_m", f"expected 1..100, got {extent_m}")
        _check(
            0.01 <= cell_size_m <= wavelength_m / 4,
            self.name,
            "cell_size_m",
            f"expected 0.01..wavelength_m/4, got {cell_size_m}",
        )
        _check(
            extent_m / cell_size_m <= 1000,
            self.name,
            "cell_size_m",
            "more than 1000 cells per side",
        )
        _check(
            0.0 <= flat_radius_m <= extent_m / 2,
            self.name,
            "flat_radius_m",
            f"expected 0..extent_m/2, got {flat_radius_m}",
        )
        self.amplitude_m, self.wavelength_m, self.seed = (
            float(amplitude_m),
            float(wavelength_m),
            int(seed),
        )
        self.extent_m, self.cell_size_m, self.flat_radius_m = (
            float(extent_m),
            float(cell_size_m),
            float(flat_radius_m),
        )
        rng = np.random.default_rng(self.seed)
        n = int(round(extent_m / cell_size_m)) + 1
        s = (np.arange(n) - (n - 1) / 2) * cell_size_m
        yy, xx = np.meshgrid(s, s, indexing="ij")
        z = np.zeros((n, n))
        for _ in range(12):
            k = 2 * np.pi / (wavelength_m * rng.uniform(0.7, 1.3))
            th, ph = rng.uniform(0, 2 * np.pi, size=2)
            z += np.sin(k * (np.cos(th) * xx + np.sin(th) * yy) + ph)
        z *= amplitude_m / np.abs(z).max()
        self._set_grid(z, cell_size_m, flat_radius_m)


class Heightmap(_HeightfieldTerrain):
    """User heightmap: ``file`` is a 2-D ``.npy`` (heights = values x ``height_scale_m``) or a
    16-bit grayscale ``.png`` (heights = value / 65535 x ``height_scale_m``). Row r is along +y,
    column c along +x, cells ``cell_size_m`` apart, centred on the start and shifted so the start
    is at z = 0; flattened within ``flat_radius_m`` of the start (0: keep as is)."""

    name = "heightmap"

    def __init__(
        self,
        file: str,
        cell_size_m: float = 0.05,
        height_scale_m: float = 1.0,
        flat_radius_m: float = 0.5,
        friction: float = 1.0,
        start_xy: tuple[float, float] = (0.0, 0.0),
    ):
        super().__init__(friction, start_xy)
        path = Path(file).expanduser()
        _check(
            path.suffix.lower() in (".npy", ".png"),
            self.name,
            "file",
            f"expected a .npy or .png file, got '{file}'",
        )
        _check(path.is_file(), self.name, "file", f"no such file '{file}'")
        _check(
            0.005 <= cell_size_m <= 10,
            self.name,
            "cell_size_m",
            f"expected 0.005..10, got {cell_size_m}",
        )
        _check(
            0 < height_scale_m <= 100,
            self.name,
            "height_scale_m",
            f"expected 0 < height_scale_m <= 100, got {height_scale_m}",
        )
        _check(
            flat_radius_m >= 0, self.name, "flat_radius_m", f"expected >= 0, got {flat_radius_m}"
        )
        self.file, self.cell_size_m, self.height_scale_m = (
            str(path),
            float(cell_size_m),
            float(height_scale_m),
        )
        self.flat_radius_m = float(flat_radius_m)
        if path.suffix.lower() == ".npy":
            try:
                raw = np.load(path, allow_pickle=False)
            except Exception as e:  # noqa: BLE001 - any unreadable file is a bad parameter
                raise TerrainError(self.name, "file", f"cannot read '{file}': {e}") from None
            _check(
                raw.ndim == 2 and np.issubdtype(raw.dtype, np.number),
                self.name,
                "file",
                f"expected a 2-D numeric array, got shape {raw.shape} dtype {raw.dtype}",
            )
            z = raw.astype(np.float64) * self.height_scale_m
        else:
            import imageio.v3 as iio

            try:
                raw = iio.imread(path)
            except Exception as e:  # noqa: BLE001
                raise TerrainError(self.name, "file", f"cannot read '{file}': {e}") from None
            _check(
                raw.ndim == 2 and raw.dtype == np.uint16,
                self.name,
                "file",
                f"expected a 16-bit grayscale PNG, got shape {raw.shape} dtype {raw.dtype}",
            )
            z = raw.astype(np.float64) / 65535.0 * self.height_scale_m
        _check(
            min(z.shape) >= 2 and max(z.shape) <= 4000,
            self.name,
            "file",
            f"expected 2..4000 cells per side, got {z.shape}",
        )
        _check(bool(np.isfinite(z).all()), self.name, "file", "heights must be finite")
        nrow, ncol = z.shape
        z = z - z[(nrow - 1) // 2, (ncol - 1) // 2]
        self._set_grid(z, cell_size_m, self.flat_radius_m)


_REGISTRY: dict[str, type[Terrain]] = {
    cls.name: cls for cls in (Flat, Slope, Stairs, Rough, SteppingStones, Heightmap)
}


def list_terrains() -> list[str]:
    return sorted(_REGISTRY)


def terrain_parameters(name: str) -> dict[str, Any]:
    """Parameter name -> default (``inspect.Parameter.empty`` when required) of a terrain."""
    cls = _REGISTRY.get(name)
    if cls is None:
        raise UnknownNameError("terrain", name, list(_REGISTRY))
    sig = inspect.signature(cls.__init__)
    return {k: p.default for k, p in sig.parameters.items() if k != "self"}


def make_terrain(name: str, **params: Any) -> Terrain:
    """Builds a registered terrain; unknown names list the known ones, bad parameters are named."""
    cls = _REGISTRY.get(name)
    if cls is None:
        raise UnknownNameError("terrain", name, list(_REGISTRY))
    valid = terrain_parameters(name)
    for k, v in params.items():
        if k not in valid:
            raise TerrainError(name, k, f"unknown parameter; valid: {', '.join(valid)}")
        default = valid[k]
        if default is not inspect.Parameter.empty and default is not None:
            if isinstance(default, bool) or isinstance(v, bool):
                ok = type(v) is type(default)
            elif isinstance(default, (int, float)):
                ok = isinstance(v, (int, float)) and (
                    isinstance(v, int) or not isinstance(default, int)
                )
            elif isinstance(default, tuple):
                ok = (
                    isinstance(v, (list, tuple))
                    and len(v) == len(default)
                    and all(isinstance(e, (int, float)) for e in v)
                )
            else:
                ok = isinstance(v, type(default))
            if not ok:
                raise TerrainError(name, k, f"expected {type(default).__name__}, got {v!r}")
        elif k == "file" and not isinstance(v, (str, Path)):
            raise TerrainError(name, k, f"expected a file path, got {v!r}")
    missing = [k for k, d in valid.items() if d is inspect.Parameter.empty and k not in params]
    if missing:
        raise TerrainError(name, missing[0], "missing")
    return cls(**params)
