"""Footstep placement: Raibert heuristic with capture-point feedback, kinematic clamps, and a
terrain-aware search for a flat-enough patch near the heuristic foothold.

World frame z up; feet 0 = left, 1 = right; lateral/forward distances are measured in the heading
frame at touchdown (world turned by the predicted base yaw).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cerebellum.controllers.swing import TerrainQuery, terrain_heights, terrain_normals

if TYPE_CHECKING:
    from cerebellum.controllers.gait import GaitSettings, VelocityCommand

__all__ = ["Foothold", "FootholdSearch", "FootstepPlanner"]

_UP = np.array([0.0, 0.0, 1.0])


@dataclass(frozen=True)
class Foothold:
    """A planned touchdown: sole origin ``position`` (3,) world m, sole ``yaw`` rad, terrain
    ``normal`` (3,) world, swing timing (s). ``feasible`` is False when no candidate met the terrain
    criteria (the least-bad one is returned)."""

    foot: int
    position: np.ndarray
    yaw: float
    normal: np.ndarray
    t_liftoff: float
    t_touchdown: float
    feasible: bool = True


@dataclass(frozen=True)
class FootholdSearch:
    """Terrain-aware foothold selection around the heuristic foothold.

    Candidates: a grid of step ``grid_step_m`` within ``search_radius_m`` (heading frame), inside
    the step limits. A candidate is acceptable when its normal is within ``max_slope_rad`` of z,
    the RMS residual of the ground under the sole (3 x 3 points) about the plane of that normal is
    below ``max_roughness_m``, and no point on the sole rectangle grown by ``edge_margin_m``
    leaves that plane by more than ``max_edge_step_m`` (no edge nearby), and its height is within
    ``max_step_height_m`` of the stance foot. Among acceptable
    candidates the lowest cost wins: distance_weight (d / radius)^2 + roughness_weight rms /
    max_roughness + slope_weight angle / max_slope. The search of a swing is reused while its
    heuristic foothold and the stance foot move less than ``replan_tolerance_m`` (and the sole yaw
    less than 0.02 rad): this avoids flickering between patches and repeated terrain queries.
    """

    search_radius_m: float = 0.15
    grid_step_m: float = 0.03
    max_slope_rad: float = 0.35
    max_roughness_m: float = 0.01
    edge_margin_m: float = 0.03
    max_edge_step_m: float = 0.02
    max_step_height_m: float = 0.3  # largest |z - stance foot z| (reachability; rejects pits)
    replan_tolerance_m: float = 0.01  # a search is reused while its inputs move less than this
    distance_weight: float = 1.0
    roughness_weight: float = 0.3
    slope_weight: float = 0.2

    def __post_init__(self) -> None:
        from cerebellum.controllers.gait import GaitSettingsError

        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise GaitSettingsError(f.name, f"expected a finite number >= 0, got {v!r}")
        if self.grid_step_m <= 0:
            raise GaitSettingsError("grid_step_m", f"expected > 0, got {self.grid_step_m}")
        if self.search_radius_m / self.grid_step_m > 20:
            raise GaitSettingsError(
                "grid_step_m", "more than 20 steps per radius: too many candidates"
            )
        if not 0 < self.max_slope_rad < math.pi / 2:
            raise GaitSettingsError(
                "max_slope_rad", f"expected 0 < slope < pi/2, got {self.max_slope_rad}"
            )
        if self.max_roughness_m <= 0:
            raise GaitSettingsError("max_roughness_m", "expected > 0")
        if self.max_edge_step_m <= 0:
            raise GaitSettingsError("max_edge_step_m", "expected > 0")

    def offsets(self) -> np.ndarray:
        """(m, 2) candidate offsets (heading frame), nearest first (the zero offset is first)."""
        k = int(math.floor(self.search_radius_m / self.grid_step_m + 1e-9))
        g = self.grid_step_m * np.arange(-k, k + 1)
        X, Y = np.meshgrid(g, g, indexing="ij")
        off = np.stack([X.ravel(), Y.ravel()], axis=1)
        d = np.hypot(off[:, 0], off[:, 1])
        keep = d <= self.search_radius_m + 1e-9
        off, d = off[keep], d[keep]
        return off[np.lexsort((off[:, 1], off[:, 0], d))]


class FootstepPlanner:
    """Footholds from the Raibert heuristic + capture-point feedback, clamped to the step limits and
    optionally refined on a terrain (see :class:`FootholdSearch`)."""

    def __init__(self, settings: GaitSettings, search: FootholdSearch | None = None):
        self.settings = settings
        self.search = FootholdSearch() if search is None else search
        self._offsets = self.search.offsets()  # (m, 2)
        self._memo: dict[tuple[int, float], tuple[np.ndarray, float, Foothold]] = {}
        x0, x1, y0, y1 = settings.sole_rectangle
        xs, ys = np.meshgrid([x0, 0.0, x1], [y0, 0.0, y1], indexing="ij")
        self._sole_pts = np.stack(
            [xs.ravel(), ys.ravel()], axis=1
        )  # (9, 2) sole frame; [4] = origin
        e = self.search.edge_margin_m
        gx0, gx1, gy0, gy1 = x0 - e, x1 + e, y0 - e, y1 + e
        mx, my = 0.5 * (gx0 + gx1), 0.5 * (gy0 + gy1)
        self._ring_pts = np.array(
            [
                [gx0, gy0],
                [gx0, my],
                [gx0, gy1],
                [mx, gy1],
                [gx1, gy1],
                [gx1, my],
                [gx1, gy0],
                [mx, gy0],
            ]
        )  # (8, 2)

    def hip_offset(self, foot: int) -> np.ndarray:
        """(2,) nominal sole position relative to the base, heading frame (m)."""
        side = 0.5 if foot == 0 else -0.5
        return np.array([self.settings.nominal_foot_x_m, side * self.settings.nominal_width_m])

    def heuristic(
        self,
        foot: int,
        base_xy: np.ndarray,
        yaw: float,
        command: VelocityCommand,
        velocity_error: np.ndarray,
        stance_s: float | None = None,
    ) -> tuple[np.ndarray, float]:
        """Raibert + capture-point foothold (2,) world and sole yaw (rad), before clamping.

        ``base_xy`` (2,) and ``yaw``: predicted base at touchdown; ``velocity_error`` (2,): measured
        minus commanded base velocity, world m/s; ``stance_s``: how long the foot will stand
        (default: the settings' steady stance). foothold = hip + v_hip_cmd T_stance / 2 +
        K (v - v_cmd), with v_hip_cmd including the yaw rate and K = k (+ sqrt(h/g)).
        """
        st = self.settings
        c, s = math.cos(yaw), math.sin(yaw)
        ox, oy = self.hip_offset(foot)
        rx, ry = c * ox - s * oy, s * ox + c * oy  # hip offset, world
        w = command.yaw_rate
        vx = c * command.vx - s * command.vy - w * ry
        vy = s * command.vx + c * command.vy + w * rx
        half = 0.5 * (st.stance_duration_s if stance_s is None else stance_s)
        K = st.feedback_gain_s
        x = base_xy[0] + rx + vx * half + K * velocity_error[0]
        y = base_xy[1] + ry + vy * half + K * velocity_error[1]
        return np.array([x, y]), yaw + w * half

    def clamp(self, foot: int, xy: np.ndarray, yaw: float, stance_xy: np.ndarray) -> np.ndarray:
        """(2,) foothold within the step limits relative to the stance foot (heading frame at
        ``yaw``): |dx| <= max_step_length_m, lateral distance in [min_step_width_m,
        max_step_width_m] on the foot's own side (the feet never cross)."""
        st = self.settings
        c, s = math.cos(yaw), math.sin(yaw)
        ex, ey = xy[0] - stance_xy[0], xy[1] - stance_xy[1]
        dx, dy = c * ex + s * ey, -s * ex + c * ey
        dx = min(max(dx, -st.max_step_length_m), st.max_step_length_m)
        if foot == 0:
            dy = min(max(dy, st.min_step_width_m), st.max_step_width_m)
        else:
            dy = min(max(dy, -st.max_step_width_m), -st.min_step_width_m)
        return np.array([stance_xy[0] + c * dx - s * dy, stance_xy[1] + s * dx + c * dy])

    def _within_limits(
        self, foot: int, xy: np.ndarray, yaw: float, stance_xy: np.ndarray
    ) -> np.ndarray:
        """(m,) bool: candidates (m, 2) inside the step limits."""
        st = self.settings
        c, s = math.cos(yaw), math.sin(yaw)
        e = xy - stance_xy[:2]
        dx = c * e[:, 0] + s * e[:, 1]
        dy = -s * e[:, 0] + c * e[:, 1]
        if foot == 1:
            dy = -dy
        tol = 1e-9
        return (
            (np.abs(dx) <= st.max_step_length_m + tol)
            & (dy >= st.min_step_width_m - tol)
            & (dy <= st.max_step_width_m + tol)
        )

    def on_terrain(
        self,
        terrain: TerrainQuery,
        foot: int,
        xy: np.ndarray,
        yaw: float,
        stance: np.ndarray,
        sole_yaw: float | None = None,
    ) -> tuple[np.ndarray, np.ndarray, bool]:
        """Best patch near ``xy`` (2,) for a sole turned by ``sole_yaw`` (default ``yaw``, the
        heading of the step limits), given the other foot at ``stance`` ((3,) world; a (2,) xy skips
        the step-height bound): position (3,) with z on the terrain, normal (3,), feasible.

        If no candidate within the search radius is acceptable, a grid twice as wide (and twice as
        coarse) is tried; failing that, the least-violating candidate is returned as infeasible.
        """
        c, s = math.cos(yaw), math.sin(yaw)
        R = np.array([[c, -s], [s, c]])
        if sole_yaw is not None:
            c, s = math.cos(sole_yaw), math.sin(sole_yaw)
        Rs = np.array([[c, -s], [s, c]])
        pts = np.concatenate([self._sole_pts, self._ring_pts]) @ Rs.T  # (17, 2) world offsets
        first = None
        for scale in (1.0, 2.0):
            cand = xy + (scale * self._offsets) @ R.T  # (m, 2)
            cand = cand[self._within_limits(foot, cand, yaw, stance)]
            if len(cand) == 0:
                cand = xy[None, :]
            found = self._evaluate(terrain, cand, pts, xy, stance, scale)
            if found[2]:
                return found
            first = found if first is None else first
        return first

    def _evaluate(self, terrain, cand, pts, xy, stance, scale):
        """Scores candidates (m, 2) with sole/ring sample offsets pts (17, 2); returns the best."""
        srch = self.search
        X = cand[:, :1] + pts[:, 0]  # (m, 17)
        Y = cand[:, 1:] + pts[:, 1]
        H = terrain_heights(terrain, X, Y)
        N = terrain_normals(terrain, cand[:, 0], cand[:, 1])  # (m, 3)
        hc = H[:, 4]
        nz = np.maximum(N[:, 2], 1e-6)
        pred = hc[:, None] - (N[:, :1] * pts[:, 0] + N[:, 1:2] * pts[:, 1]) / nz[:, None]  # plane
        res = H - pred
        rough = np.sqrt(np.mean(res[:, :9] ** 2, axis=1))
        edge = np.abs(res[:, 9:]).max(axis=1)
        slope = np.arccos(np.clip(N[:, 2], -1.0, 1.0))
        d2 = np.sum((cand - xy) ** 2, axis=1) / max(scale * srch.search_radius_m, 1e-9) ** 2
        cost = (
            srch.distance_weight * d2
            + srch.roughness_weight * rough / srch.max_roughness_m
            + srch.slope_weight * slope / srch.max_slope_rad
        )
        rise = np.abs(hc - float(stance[2])) if len(stance) > 2 else np.zeros(len(hc))
        ok = (
            (slope <= srch.max_slope_rad)
            & (rough <= srch.max_roughness_m)
            & (edge <= srch.max_edge_step_m)
            & (rise <= srch.max_step_height_m)
        )
        if ok.any():
            i = int(np.argmin(np.where(ok, cost, np.inf)))
        else:  # least violation
            viol = (
                np.maximum(slope / srch.max_slope_rad - 1, 0)
                + np.maximum(rough / srch.max_roughness_m - 1, 0)
                + np.maximum(edge / srch.max_edge_step_m - 1, 0)
                + 10.0 * np.maximum(rise / srch.max_step_height_m - 1, 0)
            )
            i = int(np.argmin(viol + 1e-3 * cost))
        return np.array([cand[i, 0], cand[i, 1], hc[i]]), N[i].copy(), bool(ok[i])

    def place(
        self,
        foot: int,
        t_liftoff: float,
        t_touchdown: float,
        base_xy: np.ndarray,
        yaw: float,
        command: VelocityCommand,
        velocity_error: np.ndarray,
        stance_position: np.ndarray,
        terrain: TerrainQuery | None = None,
    ) -> Foothold:
        """Foothold for ``foot``'s swing landing at ``t_touchdown``: heuristic, clamped against the
        other foot's ``stance_position`` (3,), then refined on ``terrain`` if given (z from the
        terrain); without terrain z is the stance foot's z (flat ground). The foot stands from its
        touchdown until its next liftoff, two steps after this one's."""
        stance_s = t_liftoff + 2.0 * self.settings.step_duration_s - t_touchdown
        xy, foot_yaw = self.heuristic(foot, base_xy, yaw, command, velocity_error, stance_s)
        xy = self.clamp(foot, xy, yaw, stance_position)
        if terrain is None:
            pos = np.array([xy[0], xy[1], float(stance_position[2])])
            return Foothold(foot, pos, foot_yaw, _UP.copy(), t_liftoff, t_touchdown, True)
        key = (foot, float(t_liftoff))
        inputs = np.array([xy[0], xy[1], stance_position[0], stance_position[1]])
        memo = self._memo.get(key)
        if memo is not None:
            prev, prev_yaw, fh = memo
            tol = self.search.replan_tolerance_m
            if np.abs(inputs - prev).max() < tol and abs(foot_yaw - prev_yaw) < 0.02:
                return fh
        pos, normal, ok = self.on_terrain(terrain, foot, xy, yaw, stance_position, foot_yaw)
        fh = Foothold(foot, pos, foot_yaw, normal, t_liftoff, t_touchdown, ok)
        self._memo[key] = (inputs, foot_yaw, fh)
        while len(self._memo) > 8:
            self._memo.pop(next(iter(self._memo)))
        return fh

    def clear(self) -> None:
        """Forgets the reused terrain searches."""
        self._memo.clear()
