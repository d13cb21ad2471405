"""Gait settings and data types: timing, step geometry and feedback gains (:class:`GaitSettings`),
the velocity command, the measured state the planner reads, footholds and the terrain-aware
foothold search's settings. The planning itself is compiled (``_core.ContactSchedule``,
``_core.GaitPlanner``, ``_core.FootstepPlanner``, ``_core.SwingTrajectory``, ``_core.ComPlan``);
the bindings and the ``walk`` controller's configuration read these types.

Conventions: world frame z up; feet are indexed 0 = left, 1 = right; the *heading frame* is the
world frame turned by the base yaw. A foot position is its sole frame origin (``left_sole``,
``right_sole``), which lies on the ground in stance.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cerebellum.errors import CerebellumError

if TYPE_CHECKING:
    from cerebellum.dynamics.model import RobotModel

__all__ = [
    "GRAVITY",
    "LEFT",
    "RIGHT",
    "Foothold",
    "FootholdSearch",
    "GaitSettings",
    "GaitSettingsError",
    "GaitState",
    "VelocityCommand",
]

LEFT, RIGHT = 0, 1
GRAVITY = 9.81  # m/s^2


class GaitSettingsError(CerebellumError, ValueError):
    """An invalid gait or foothold-search setting; names the field."""

    def __init__(self, field: str, problem: str):
        self.field, self.problem = field, problem
        super().__init__(f"gait setting '{field}': {problem}")


def _require(cond: bool, field_name: str, problem: str) -> None:
    if not cond:
        raise GaitSettingsError(field_name, problem)


@dataclass(frozen=True)
class GaitSettings:
    """Timing, step geometry and feedback gains of walking.

    A *step* lasts ``step_duration_s``: one single support (one foot swings) followed by a double
    support of ``double_support_ratio * step_duration_s``; a gait cycle is two steps. Widths are
    lateral distances between the sole origins in the heading frame; ``max_step_length_m`` bounds
    the forward/backward distance of a touchdown from the stance foot. ``nominal_width_m``,
    ``nominal_foot_x_m`` (sole x ahead of the base), ``base_height_m``, ``com_height_m`` and
    ``sole_rectangle`` come from the standing pose: use :meth:`for_robot`.
    """

    step_duration_s: float = 0.5  # one single support plus the double support after it
    double_support_ratio: float = 0.2  # double support as a fraction of the step
    step_height_m: float = 0.08  # swing apex above the higher of liftoff and touchdown
    max_step_length_m: float = 0.4  # |touchdown x - stance x|, heading frame
    max_step_width_m: float = 0.5  # lateral sole distance at most this
    min_step_width_m: float = 0.15  # lateral sole distance at least this (>= sole width)
    nominal_width_m: float = 0.25  # lateral sole distance walking straight
    nominal_foot_x_m: float = 0.0  # sole x ahead of the base, standing
    base_height_m: float = 0.95  # base height reference above the soles
    com_height_m: float = 0.9  # LIPM height of the CoM above the soles
    sole_rectangle: tuple[float, float, float, float] = (-0.1, 0.1, -0.04, 0.04)  # x0 x1 y0 y1, m
    # forward walking at fast_speed_mps or faster uses this double support ratio instead (linear in
    # |vx| from double_support_ratio at standstill; None: double_support_ratio at every speed).
    # Steps keep step_duration_s: a shorter double support is a longer, slower swing (the swing
    # sole moves at (1 + r) / (1 - r) x the walking speed relative to the hip, r this ratio)
    fast_double_support_ratio: float | None = None
    fast_speed_mps: float = 1.0  # see fast_double_support_ratio
    swing_apex_phase: float = 0.5  # phase s in (0, 1) of the swing apex
    swing_clearance_m: float = 0.03  # above terrain between footholds
    # 0: quintic swing xy (peak speed 1.875 x the mean); else the fraction of the swing over
    # which the xy speed ramps up (and down) to a constant 1 / (1 - ramp) x the mean
    swing_xy_ramp: float = 0.0
    # > 0: swings whose xy travel is below this keep the quintic; the ramped profile is blended
    # in up to twice this travel (fast walking has long swings, sideways steps and turns short)
    swing_xy_ramp_travel_m: float = 0.0
    velocity_feedback_gain: float = 0.05  # s, Raibert gain k on (v - v_cmd)
    capture_point_feedback: bool = True  # adds sqrt(h/g) to the feedback gain
    touchdown_freeze_phase: float = 0.8  # the touchdown target is held after this swing phase
    initial_double_support_s: float | None = None  # before the first step; None: one double support
    stop_delay_s: float = 0.2  # a zero command held this long stops walking
    command_deadband: float = 1e-3  # |vx|, |vy| (m/s) and |yaw_rate| (rad/s) below this are zero

    def __post_init__(self) -> None:
        for name in (f.name for f in dataclasses.fields(self)):
            v = getattr(self, name)
            if name == "capture_point_feedback":
                _require(isinstance(v, bool), name, f"expected a bool, got {v!r}")
            elif name == "sole_rectangle":
                _require(
                    len(v) == 4 and all(math.isfinite(x) for x in v),
                    name,
                    "expected 4 finite numbers",
                )
            elif v is not None:
                _require(
                    isinstance(v, (int, float)) and math.isfinite(v),
                    name,
                    f"expected a finite number, got {v!r}",
                )
        _require(
            0.1 <= self.step_duration_s <= 5.0,
            "step_duration_s",
            f"expected 0.1..5 s, got {self.step_duration_s}",
        )
        _require(
            0.0 <= self.double_support_ratio <= 0.8,
            "double_support_ratio",
            f"expected 0..0.8, got {self.double_support_ratio}",
        )
        _require(
            self.single_support_s >= 0.08,
            "double_support_ratio",
            f"leaves a swing of {self.single_support_s:.3f} s (< 0.08 s)",
        )
        if self.fast_double_support_ratio is not None:
            r = self.fast_double_support_ratio
            _require(0.0 <= r <= 0.8, "fast_double_support_ratio", f"expected 0..0.8, got {r}")
            _require(
                self.step_duration_s * (1.0 - r) >= 0.08,
                "fast_double_support_ratio",
                f"leaves a swing of {self.step_duration_s * (1.0 - r):.3f} s (< 0.08 s)",
            )
        _require(
            self.fast_speed_mps > 0,
            "fast_speed_mps",
            f"expected > 0 m/s, got {self.fast_speed_mps}",
        )
        _require(
            0.0 < self.step_height_m <= 0.5,
            "step_height_m",
            f"expected 0 < h <= 0.5 m, got {self.step_height_m}",
        )
        _require(
            0.0 < self.max_step_length_m <= 2.0,
            "max_step_length_m",
            f"expected 0 < L <= 2 m, got {self.max_step_length_m}",
        )
        x0, x1, y0, y1 = self.sole_rectangle
        _require(
            x0 < 0 < x1 and y0 < 0 < y1,
            "sole_rectangle",
            "expected x_min < 0 < x_max and y_min < 0 < y_max",
        )
        sole_w = y1 - y0
        _require(
            self.min_step_width_m >= sole_w,
            "min_step_width_m",
            f"must be >= the sole width {sole_w:.3f} m (feet would overlap), "
            f"got {self.min_step_width_m}",
        )
        _require(
            self.max_step_width_m > self.min_step_width_m,
            "max_step_width_m",
            f"must exceed min_step_width_m = {self.min_step_width_m}, got {self.max_step_width_m}",
        )
        _require(
            self.min_step_width_m <= self.nominal_width_m <= self.max_step_width_m,
            "nominal_width_m",
            f"must lie in [min_step_width_m, max_step_width_m] = "
            f"[{self.min_step_width_m}, {self.max_step_width_m}], got {self.nominal_width_m}",
        )
        _require(self.base_height_m > 0, "base_height_m", f"expected > 0, got {self.base_height_m}")
        _require(self.com_height_m > 0, "com_height_m", f"expected > 0, got {self.com_height_m}")
        _require(
            0.2 <= self.swing_apex_phase <= 0.8,
            "swing_apex_phase",
            f"expected 0.2..0.8, got {self.swing_apex_phase}",
        )
        _require(
            0.0 <= self.swing_xy_ramp <= 0.5,
            "swing_xy_ramp",
            f"expected 0..0.5 (0: quintic), got {self.swing_xy_ramp}",
        )
        _require(
            self.swing_xy_ramp_travel_m >= 0,
            "swing_xy_ramp_travel_m",
            f"expected >= 0 m, got {self.swing_xy_ramp_travel_m}",
        )
        _require(
            self.swing_clearance_m >= 0,
            "swing_clearance_m",
            f"expected >= 0, got {self.swing_clearance_m}",
        )
        _require(
            self.velocity_feedback_gain >= 0,
            "velocity_feedback_gain",
            f"expected >= 0, got {self.velocity_feedback_gain}",
        )
        _require(
            0.0 <= self.touchdown_freeze_phase <= 1.0,
            "touchdown_freeze_phase",
            f"expected 0..1, got {self.touchdown_freeze_phase}",
        )
        if self.initial_double_support_s is not None:
            _require(
                self.initial_double_support_s >= 0,
                "initial_double_support_s",
                f"expected >= 0 s, got {self.initial_double_support_s}",
            )
        _require(
            self.stop_delay_s >= 0, "stop_delay_s", f"expected >= 0 s, got {self.stop_delay_s}"
        )
        _require(
            self.command_deadband >= 0,
            "command_deadband",
            f"expected >= 0, got {self.command_deadband}",
        )

    # Derived timing (s).
    @property
    def double_support_s(self) -> float:
        return self.double_support_ratio * self.step_duration_s

    @property
    def single_support_s(self) -> float:
        """Swing duration of one foot."""
        return self.step_duration_s - self.double_support_s

    def single_support_at(self, vx: float) -> float:
        """Swing duration (s) of a step taken at forward speed ``vx`` (m/s, heading frame): see
        ``fast_double_support_ratio``."""
        if self.fast_double_support_ratio is None:
            return self.single_support_s
        r = self.double_support_ratio
        u = min(abs(vx) / self.fast_speed_mps, 1.0)
        r += u * (self.fast_double_support_ratio - r)
        return self.step_duration_s - r * self.step_duration_s

    @property
    def stance_duration_s(self) -> float:
        """Stance of one foot between its touchdown and its next liftoff in steady walking."""
        return self.step_duration_s + self.double_support_s

    @property
    def start_double_support_s(self) -> float:
        v = self.initial_double_support_s
        return max(self.double_support_s, 0.1) if v is None else v

    @property
    def feedback_gain_s(self) -> float:
        """Total gain on the velocity error: k (+ sqrt(h/g) with capture-point feedback)."""
        k = self.velocity_feedback_gain
        return k + math.sqrt(self.com_height_m / GRAVITY) if self.capture_point_feedback else k

    def replace(self, **changes) -> GaitSettings:
        """A copy with some fields changed (validated); unknown names raise GaitSettingsError."""
        names = [f.name for f in dataclasses.fields(self)]
        for k in changes:
            _require(k in names, k, f"unknown field; valid: {', '.join(names)}")
        return dataclasses.replace(self, **changes)

    @classmethod
    def for_robot(cls, robot: str | RobotModel, **overrides) -> GaitSettings:
        """Settings whose geometry comes from the robot's standing pose (Pinocchio), plus overrides.

        Widths: nominal = lateral sole distance standing; min = min(nominal, sole width + 5 cm);
        max = nominal + 25 cm. Max step length: 0.45 x base height.
        """
        import pinocchio as pin

        from cerebellum.dynamics.model import robot_model, standing_configuration

        rm = robot_model(robot) if isinstance(robot, str) else robot
        q = standing_configuration(rm)
        data = rm.model.createData()
        pin.framesForwardKinematics(rm.model, data, q)
        com = pin.centerOfMass(rm.model, data, q)
        feet = [data.oMf[rm.frame_id(f)].translation for f in rm.foot_frames]
        rect = tuple(float(x) for x in rm.config.sole_rectangle)
        width = float(abs(feet[0][1] - feet[1][1]))
        sole_w = rect[3] - rect[2]
        geometry = dict(
            nominal_width_m=width,
            nominal_foot_x_m=float(0.5 * (feet[0][0] + feet[1][0]) - q[0]),
            base_height_m=float(q[2]),
            com_height_m=float(com[2]),
            sole_rectangle=rect,
            min_step_width_m=min(width, sole_w + 0.05),
            max_step_width_m=width + 0.25,
            max_step_length_m=0.45 * float(q[2]),
        )
        names = [f.name for f in dataclasses.fields(cls)]
        for k in overrides:
            _require(k in names, k, f"unknown field; valid: {', '.join(names)}")
        geometry.update(overrides)
        return cls(**geometry)


@dataclass(frozen=True)
class VelocityCommand:
    """Desired base velocity in the heading frame: vx forward, vy left (m/s), yaw_rate (rad/s)."""

    vx: float = 0.0
    vy: float = 0.0
    yaw_rate: float = 0.0

    def __post_init__(self) -> None:
        for name in ("vx", "vy", "yaw_rate"):
            v = getattr(self, name)
            _require(
                isinstance(v, (int, float)) and math.isfinite(v),
                f"command.{name}",
                f"expected a finite number, got {v!r}",
            )

    def world_velocity(self, yaw: float) -> np.ndarray:
        """(2,) commanded base velocity in world axes at base yaw ``yaw`` (rad)."""
        c, s = math.cos(yaw), math.sin(yaw)
        return np.array([c * self.vx - s * self.vy, s * self.vx + c * self.vy])


@dataclass
class GaitState:
    """Measured state the planner needs, world frame: base position (3,) m, base yaw rad, base
    linear velocity (3,) m/s, sole origins (2, 3) m (left, right), sole yaws (2,) rad (default: the
    base yaw)."""

    base_position: np.ndarray
    base_yaw: float
    base_velocity: np.ndarray
    foot_positions: np.ndarray
    foot_yaw: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.base_position = np.asarray(self.base_position, float).reshape(3)
        self.base_velocity = np.asarray(self.base_velocity, float).reshape(3)
        self.foot_positions = np.asarray(self.foot_positions, float).reshape(2, 3)
        self.base_yaw = float(self.base_yaw)
        if self.foot_yaw is None:
            self.foot_yaw = np.full(2, self.base_yaw)
        else:
            self.foot_yaw = np.asarray(self.foot_yaw, float).reshape(2)


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
