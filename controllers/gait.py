"""Gait layer: settings, contact schedule, velocity command, base references and the planner that
produces per-knot contact flags and foot/base references for the MPC and swing references for the
whole-body QP.

Conventions: world frame z up; feet are indexed 0 = left, 1 = right; the *heading frame* is the
world frame turned by the base yaw. A foot position is its sole frame origin (``left_sole``,
``right_sole``), which lies on the ground in stance.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from cerebellum.controllers.swing import (
    SwingSample,
    SwingTrajectory,
    TerrainQuery,
    terrain_normals,
    tilt_matrix,
    yaw_matrix,
)
from cerebellum.errors import CerebellumError

if TYPE_CHECKING:
    from cerebellum.controllers.footsteps import Foothold, FootholdSearch
    from cerebellum.dynamics.model import RobotModel

__all__ = [
    "LEFT",
    "RIGHT",
    "GaitSettingsError",
    "GaitSettings",
    "VelocityCommand",
    "SwingInterval",
    "ContactSchedule",
    "BaseReference",
    "base_reference",
    "advance_base",
    "GaitState",
    "GaitPlan",
    "GaitPlanner",
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

    def is_zero(self, tol: float = 1e-3) -> bool:
        return abs(self.vx) <= tol and abs(self.vy) <= tol and abs(self.yaw_rate) <= tol

    def world_velocity(self, yaw: float) -> np.ndarray:
        """(2,) commanded base velocity in world axes at base yaw ``yaw`` (rad)."""
        c, s = math.cos(yaw), math.sin(yaw)
        return np.array([c * self.vx - s * self.vy, s * self.vx + c * self.vy])


# ----------------------------------------------------------------------------------------------
# Contact schedule
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SwingInterval:
    """One swing of ``foot`` (0 left, 1 right): liftoff ``t_liftoff``, touchdown ``t_touchdown``."""

    foot: int
    t_liftoff: float
    t_touchdown: float


@dataclass
class _Episode:
    t_start: float  # walking begins (double support until t_start + initial DS)
    first: int  # first swing foot
    t_stop: float = math.inf  # double support from here on
    start_ds: float | None = None  # double support before the first liftoff, s (None: settings)
    tss: dict[int, float] = field(default_factory=dict)  # swing k's duration, once lifted off


class ContactSchedule:
    """Which feet are in contact when: standing, or walking (alternating single supports separated
    by double supports, starting from a double support). ``update(t, command)`` starts walking on a
    non-zero command; a zero command held ``stop_delay_s`` finishes the current step and returns to
    double support. Queries are valid for times after the last ``update``/``start``/``stop``.

    Every step lasts ``step_duration_s``; its swing lasts ``settings.single_support_at(vx)`` for
    the forward speed of the last ``update``'s command, fixed once the swing has lifted off.
    """

    # swing durations kept per episode (the older ones are in the past of every query)
    _KEPT_SWINGS = 8

    def __init__(self, settings: GaitSettings):
        self.settings = settings
        self._tss_next = settings.single_support_s  # swings that have not lifted off yet
        self._episodes: list[_Episode] = []
        self._zero_since: float | None = None
        self._last_swing = RIGHT  # so that the default first swing is the left foot

    @classmethod
    def standing(cls, settings: GaitSettings) -> ContactSchedule:
        """Double support until ``start`` (or a non-zero command through ``update``)."""
        return cls(settings)

    @classmethod
    def walking(
        cls, settings: GaitSettings, t_start: float = 0.0, first_swing: int = LEFT
    ) -> ContactSchedule:
        """Walking from ``t_start`` (s) on, first swinging ``first_swing``."""
        sched = cls(settings)
        sched.start(t_start, first_swing)
        return sched

    # -- transitions ------------------------------------------------------------------------------
    def _walk_t0(self, ep: _Episode) -> float:
        ds = self.settings.start_double_support_s if ep.start_ds is None else ep.start_ds
        return ep.t_start + ds

    def _tss(self, ep: _Episode, k: int) -> float:
        """Duration (s) of swing k of ``ep``."""
        return ep.tss.get(k, self._tss_next)

    def _tss_array(self, ep: _Episode, k: np.ndarray) -> np.ndarray:
        """Durations (s) of the swings k (array) of ``ep``."""
        out = np.full(k.shape, self._tss_next)
        for j, v in ep.tss.items():
            out[k == j] = v
        return out

    def _freeze(self, t: float) -> None:
        """Fixes the duration of every swing of the running episode that has lifted off by t."""
        if not self._episodes:
            return
        ep = self._episodes[-1]
        T = self.settings.step_duration_s
        t0 = self._walk_t0(ep)
        if t < t0:
            return
        last = math.floor((t - t0) / T)
        for k in range(max(0, last - self._KEPT_SWINGS + 1), last + 1):
            if t0 + k * T < ep.t_stop:
                ep.tss.setdefault(k, self._tss_next)
        while len(ep.tss) > self._KEPT_SWINGS:
            del ep.tss[min(ep.tss)]

    def is_walking(self, t: float) -> bool:
        """True while an episode runs at t (including its start double support and last step)."""
        return bool(self._episodes) and self._episodes[-1].t_start <= t < self._episodes[-1].t_stop

    def start(
        self, t: float, first_swing: int | None = None, double_support_s: float | None = None
    ) -> None:
        """Start walking at t (s), or cancel a pending stop. ``first_swing`` defaults to the foot
        that did not swing last; ``double_support_s`` before the first liftoff defaults to the
        settings' ``start_double_support_s``."""
        if self._episodes and t < self._episodes[-1].t_stop:
            self._episodes[-1].t_stop = math.inf
            return
        first = (1 - self._last_swing) if first_swing is None else int(first_swing)
        _require(
            first in (LEFT, RIGHT),
            "first_swing",
            f"expected 0 (left) or 1 (right), got {first_swing}",
        )
        _require(
            double_support_s is None or double_support_s >= 0,
            "double_support_s",
            f"expected >= 0 s, got {double_support_s}",
        )
        self._episodes.append(_Episode(float(t), first, start_ds=double_support_s))
        del self._episodes[:-2]

    def stop(self, t: float) -> None:
        """Finish the step in progress at t (if any), then stay in double support."""
        if not self.is_walking(t):
            return
        ep = self._episodes[-1]
        st = self.settings
        tau = t - self._walk_t0(ep)
        if tau < 0:
            ep.t_stop = t
            return
        k = math.floor(tau / st.step_duration_s)
        r = tau - k * st.step_duration_s
        tss = self._tss(ep, k)
        ep.t_stop = t if r >= tss else self._walk_t0(ep) + k * st.step_duration_s + tss
        self._last_swing = (ep.first + k) % 2

    def update(self, t: float, command: VelocityCommand) -> None:
        """Applies the start/stop policy for the command at time t (s); swings that lift off
        after t last ``single_support_at(command.vx)``."""
        st = self.settings
        self._freeze(t)
        self._tss_next = st.single_support_at(command.vx)
        if not command.is_zero(st.command_deadband):
            self._zero_since = None
            if not self.is_walking(t):
                first = None
                if abs(command.vy) > st.command_deadband:
                    first = LEFT if command.vy > 0 else RIGHT
                elif abs(command.yaw_rate) > st.command_deadband:
                    first = LEFT if command.yaw_rate > 0 else RIGHT
                self.start(t, first)
            elif self._episodes[-1].t_stop < math.inf:
                self.start(t)  # cancels the pending stop
            return
        if self._zero_since is None:
            self._zero_since = t
        if (
            t - self._zero_since >= st.stop_delay_s
            and self.is_walking(t)
            and self._episodes[-1].t_stop == math.inf
        ):
            self.stop(t)

    # -- queries ----------------------------------------------------------------------------------
    def horizon(self, t0: float, dt: float, n: int) -> np.ndarray:
        """(n, 2) bool contact flags (left, right) at t0 + k dt, k = 0..n-1."""
        return self.flags_at(t0 + dt * np.arange(n))

    def flags(self, t: float) -> np.ndarray:
        """(2,) bool: (left, right) in contact at t (s)."""
        return self.flags_at(np.array([t]))[0]

    def flags_at(self, times: np.ndarray) -> np.ndarray:
        """(k, 2) bool contact flags at the times (k,) (s)."""
        times = np.asarray(times, float)
        out = np.ones(times.shape + (2,), bool)
        st = self.settings
        T = st.step_duration_s
        if times.size == 0:
            return out
        t_first, t_last = float(times.min()), float(times.max())
        for ep in self._episodes:
            t0 = self._walk_t0(ep)
            if t_last < t0 or t_first >= ep.t_stop:
                continue
            # Swing k spans [t0 + k T, t0 + k T + Tss), with the same arithmetic as swings(); the
            # floored index is corrected by one where rounding put a time on the wrong side.
            k = np.floor((times - t0) / T)
            k -= times < t0 + k * T
            k += times >= t0 + (k + 1.0) * T
            lo = t0 + k * T
            swing = (k >= 0) & (lo < ep.t_stop) & (times < lo + self._tss_array(ep, k))
            foot = (ep.first + k.astype(np.int64)) % 2
            out[swing & (foot == LEFT), LEFT] = False
            out[swing & (foot == RIGHT), RIGHT] = False
        return out

    def swings(self, t_from: float, t_to: float) -> list[SwingInterval]:
        """Swings overlapping [t_from, t_to] (s) in time order (with one in progress at t_from)."""
        st = self.settings
        T = st.step_duration_s
        out: list[SwingInterval] = []
        for ep in self._episodes:
            t0 = self._walk_t0(ep)
            k = max(0, math.floor((t_from - t0) / T) - 1)
            while True:
                lo = t0 + float(k) * T
                if lo > t_to or lo >= ep.t_stop:
                    break
                td = lo + self._tss(ep, k)
                if td > t_from:
                    out.append(SwingInterval((ep.first + k) % 2, lo, td))
                k += 1
        return out

    def next_swings(self, t: float, count: int = 2) -> list[SwingInterval]:
        """The swing in progress at t (if any) and the following ones, ``count`` in all (fewer when
        walking stops)."""
        horizon = (
            t + (count + 1) * self.settings.step_duration_s + self.settings.start_double_support_s
        )
        return self.swings(t, horizon)[:count]

    def swing_phase(self, t: float, foot: int) -> float | None:
        """Phase s in [0, 1) of ``foot``'s swing at t, or None if the foot is in contact."""
        for sw in self.swings(t, t):
            if sw.foot == foot and sw.t_liftoff <= t < sw.t_touchdown:
                return (t - sw.t_liftoff) / (sw.t_touchdown - sw.t_liftoff)
        return None


# ----------------------------------------------------------------------------------------------
# Base reference
# ----------------------------------------------------------------------------------------------


def advance_base(x: float, y: float, yaw: float, command: VelocityCommand, tau):
    """Base (x, y, yaw) after holding ``command`` for tau (s; scalar or array), exact for a constant
    heading-frame velocity and yaw rate (arc of a circle)."""
    w = command.yaw_rate
    if np.ndim(tau) == 0:
        tau = float(tau)
        half = 0.5 * w * tau
        sc = tau * (math.sin(half) / half if abs(half) > 1e-9 else 1.0 - half * half / 6.0)
        c, s = math.cos(yaw + half), math.sin(yaw + half)
    else:
        tau = np.asarray(tau, float)
        half = (0.5 * w) * tau
        sc = tau if abs(w) < 1e-12 else np.sin(half) * (2.0 / w)  # tau sin(w tau / 2) / (w tau / 2)
        c, s = np.cos(yaw + half), np.sin(yaw + half)
    return (
        x + sc * (c * command.vx - s * command.vy),
        y + sc * (s * command.vx + c * command.vy),
        yaw + 2.0 * half,
    )


@dataclass(frozen=True)
class BaseReference:
    """Per-knot base references, world frame: position (n, 3) m, yaw (n,) rad, linear velocity
    (n, 3) m/s, yaw rate (n,) rad/s."""

    position: np.ndarray
    yaw: np.ndarray
    velocity: np.ndarray
    yaw_rate: np.ndarray


def base_reference(
    position: np.ndarray,
    yaw: float,
    command: VelocityCommand,
    n: int,
    dt: float,
    base_height_m: float,
    ground_z: np.ndarray | float = 0.0,
) -> BaseReference:
    """Base trajectory integrated from the current base (x, y, yaw) under ``command`` over n knots
    dt apart (knot 0 = now); z = ``base_height_m`` + ``ground_z`` (scalar or (n,), m)."""
    tau = dt * np.arange(n)
    x, y, psi = advance_base(float(position[0]), float(position[1]), float(yaw), command, tau)
    pos = np.empty((n, 3))
    pos[:, 0], pos[:, 1] = x, y
    pos[:, 2] = base_height_m + np.asarray(ground_z, float)
    vel = np.zeros((n, 3))
    c, s = np.cos(psi), np.sin(psi)
    vel[:, 0] = c * command.vx - s * command.vy
    vel[:, 1] = s * command.vx + c * command.vy
    if n > 1 and np.ndim(ground_z) > 0:  # central differences, one-sided at the ends
        z = pos[:, 2]
        vel[1:-1, 2] = (z[2:] - z[:-2]) * (0.5 / dt)
        vel[0, 2] = (z[1] - z[0]) / dt
        vel[-1, 2] = (z[-1] - z[-2]) / dt
    return BaseReference(pos, psi, vel, np.full(n, command.yaw_rate))


# ----------------------------------------------------------------------------------------------
# Planner
# ----------------------------------------------------------------------------------------------


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
class GaitPlan:
    """Output of :meth:`GaitPlanner.plan` for knots ``times`` (n,) s (knot 0 = now), world frame.

    contact (n, 2) bool (left, right); foot_positions (n, 2, 3) m: stance feet at their current or
    planned footholds, swing feet on their swing trajectories; base_position (n, 3) m, base_yaw (n,)
    rad, base_velocity (n, 3) m/s, base_yaw_rate (n,) rad/s; ``swing`` per foot at ``times[0]``:
    the sole pose/velocity/acceleration the WBC tracks (stance feet: their pose, zero rates);
    swing_phase (2,) in [0, 1] (nan in contact); footholds of the touchdowns planned in the horizon,
    in time order (including the one of a swing in progress); foot_normals (n, 2, 3): terrain
    normal under each foot's current or planned foothold (world z without a terrain).
    """

    times: np.ndarray
    contact: np.ndarray
    foot_positions: np.ndarray
    base_position: np.ndarray
    base_yaw: np.ndarray
    base_velocity: np.ndarray
    base_yaw_rate: np.ndarray
    swing: tuple[SwingSample, SwingSample]
    swing_phase: np.ndarray
    footholds: list[Foothold] = field(default_factory=list)
    foot_normals: np.ndarray | None = None


class GaitPlanner:
    """Contact schedule + footholds + swing trajectories + base references for a velocity command.

    Stateful (the schedule's start/stop, the liftoff pose of each swing, the touchdown target held
    after ``touchdown_freeze_phase``): call :meth:`plan` with non-decreasing t. Deterministic for a
    given call sequence. ``terrain`` (``height``/``normal`` queries) enables terrain-aware
    footholds, terrain-clearing swings and a base height that follows the ground under the feet.
    """

    def __init__(
        self,
        settings: GaitSettings,
        schedule: ContactSchedule | None = None,
        terrain: TerrainQuery | None = None,
        search: FootholdSearch | None = None,
        follow_command: bool = True,
    ):
        from cerebellum.controllers.footsteps import FootstepPlanner

        self.settings = settings
        self.schedule = ContactSchedule.standing(settings) if schedule is None else schedule
        self.terrain = terrain
        self.footsteps = FootstepPlanner(settings, search)
        self.follow_command = follow_command
        self.reset()

    def reset(self) -> None:
        """Forgets the latched liftoff poses and touchdown targets (not the schedule)."""
        self._stance: list[tuple[np.ndarray, float, np.ndarray] | None] = [None, None]
        self._targets: list[Foothold | None] = [None, None]
        self._trajectories: dict[tuple[int, float], SwingTrajectory] = {}
        self.footsteps.clear()

    def _normal_at(self, xy: np.ndarray) -> np.ndarray:
        if self.terrain is None:
            return np.array([0.0, 0.0, 1.0])
        return terrain_normals(self.terrain, np.array(xy[0]), np.array(xy[1]))

    def _swing(self, start_pos, start_yaw, start_normal, fh: Foothold) -> SwingTrajectory:
        st = self.settings
        start_R = None
        if self.terrain is not None:
            start_R = tilt_matrix(start_normal) @ yaw_matrix(start_yaw)
        return SwingTrajectory(
            start_pos,
            fh.position,
            fh.t_liftoff,
            fh.t_touchdown,
            st.step_height_m,
            st.swing_apex_phase,
            start_yaw=start_yaw,
            end_yaw=fh.yaw,
            start_rotation=start_R,
            end_normal=fh.normal if self.terrain is not None else None,
            terrain=self.terrain,
            clearance_m=st.swing_clearance_m,
            sole_rectangle=st.sole_rectangle,
            xy_ramp=st.swing_xy_ramp,
            xy_ramp_travel_m=st.swing_xy_ramp_travel_m,
        )

    def plan(
        self, t: float, state: GaitState, command: VelocityCommand, n: int = 25, dt: float = 0.04
    ) -> GaitPlan:
        """Plan n knots dt (s) apart from time t (s)."""
        st = self.settings
        if self.follow_command:
            self.schedule.update(t, command)
        times = t + dt * np.arange(n)
        contact = self.schedule.flags_at(times)
        feet = state.foot_positions
        for f in (LEFT, RIGHT):
            if contact[0, f]:
                prev = self._stance[f]
                if prev is not None and np.abs(prev[0] - feet[f]).max() < 0.005:
                    normal = prev[2]  # same patch: no terrain query
                else:
                    normal = self._normal_at(feet[f])
                self._stance[f] = (feet[f].copy(), float(state.foot_yaw[f]), normal)
            elif self._stance[f] is None:  # first call mid-swing: treat the current pose as liftoff
                self._stance[f] = (
                    feet[f].copy(),
                    float(state.foot_yaw[f]),
                    self._normal_at(feet[f]),
                )
        planned = list(self._stance)
        foot_pos = np.empty((n, 2, 3))
        foot_pos[:] = feet
        for f in (LEFT, RIGHT):
            if contact[0, f]:
                continue
            foot_pos[:, f] = planned[f][0]
        normals = np.empty((n, 2, 3))
        normals[:, LEFT], normals[:, RIGHT] = planned[LEFT][2], planned[RIGHT][2]
        ground = foot_pos[:, :, 2].copy() if self.terrain is not None else None
        current: list[SwingTrajectory | None] = [None, None]
        footholds: list[Foothold] = []
        v_err = state.base_velocity[:2] - command.world_velocity(state.base_yaw)
        zero2 = np.zeros(2)
        bx, by = float(state.base_position[0]), float(state.base_position[1])
        feedback = True  # velocity feedback goes to the first foothold planned now (capture step)
        for sw in self.schedule.swings(t, float(times[-1])):
            f, lo, td = sw.foot, sw.t_liftoff, sw.t_touchdown
            held = self._targets[f]
            in_progress = lo <= t
            if (
                in_progress
                and held is not None
                and held.t_liftoff == lo
                and (t - lo) / (td - lo) >= st.touchdown_freeze_phase
            ):
                fh = held
            else:
                x, y, yaw = advance_base(bx, by, state.base_yaw, command, td - t)
                v_fb, feedback = (v_err if feedback else zero2), False
                fh = self.footsteps.place(
                    f,
                    lo,
                    td,
                    np.array([float(x), float(y)]),
                    float(yaw),
                    command,
                    v_fb,
                    planned[1 - f][0],
                    self.terrain,
                )
                if in_progress:
                    self._targets[f] = fh
            start_pos, start_yaw, start_normal = planned[f]
            traj = self._trajectories.get((f, lo))
            if (
                traj is None
                or not np.array_equal(traj.start, start_pos)
                or not np.array_equal(traj.end, fh.position)
                or traj.start_yaw != start_yaw
                or traj.end_yaw != fh.yaw
            ):
                traj = self._swing(start_pos, start_yaw, start_normal, fh)
                self._trajectories[(f, lo)] = traj
                while len(self._trajectories) > 8:
                    self._trajectories.pop(next(iter(self._trajectories)))
            in_swing = (times >= lo) & (times < td)
            after = times >= td
            foot_pos[in_swing, f] = traj.positions(times[in_swing])
            foot_pos[after, f] = fh.position
            normals[in_swing | after, f] = fh.normal
            if ground is not None:
                u = (times[in_swing] - lo) / (td - lo)
                ground[in_swing, f] = start_pos[2] + (fh.position[2] - start_pos[2]) * u
                ground[after, f] = fh.position[2]
            planned[f] = (fh.position, fh.yaw, fh.normal)
            if in_progress:
                current[f] = traj
            footholds.append(fh)
        base = base_reference(
            state.base_position,
            state.base_yaw,
            command,
            n,
            dt,
            st.base_height_m,
            0.0 if ground is None else ground.mean(axis=1),
        )
        samples = []
        phase = np.full(2, np.nan)
        for f in (LEFT, RIGHT):
            traj = current[f]
            if traj is not None and not contact[0, f]:
                samples.append(traj.sample(t))
                phase[f] = traj.phase(t)
            else:
                samples.append(
                    SwingSample(
                        feet[f].copy(), yaw_matrix(state.foot_yaw[f]), np.zeros(6), np.zeros(6)
                    )
                )
        return GaitPlan(
            times,
            contact,
            foot_pos,
            base.position,
            base.yaw,
            base.velocity,
            base.yaw_rate,
            (samples[0], samples[1]),
            phase,
            footholds,
            normals,
        )
