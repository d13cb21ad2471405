"""The ``walk`` controller: the compiled walking controller (``_core.WalkingController``) behind
the simulator's Controller protocol.

Each plan (every ``1 / mpc_hz`` and at every contact change): the command is rate-limited; the
gait planner gives the contact schedule, footholds (around the measured CoM plus the standing
base-CoM offset, moved by the DCM error predicted at the next touchdown) and swing trajectories;
the LIPM/DCM planner turns the footholds into a CoP and DCM reference (CoP at the stance sole's
centre, moving linearly across each double support, its first segment anchored to the measured
DCM). Each tick (``wbc_hz``): a DCM feedback law gives the horizontal CoM acceleration (CoP
command clipped to the support area), the swing feet follow their trajectories, the whole-body QP
returns the torques and the safety layer limits them. ``planner = "mpc"``: each plan also runs one
SQP-RTI iteration of the kinodynamic MPC (:mod:`cerebellum.controllers.mpc`), whose plan gives the
CoM height, the contact wrenches as feed-forward and, by option, the posture and base references.

The options are resolved and checked by :class:`~cerebellum.controllers.walk_setup.WalkSetup`
(one source of the defaults and bounds); :func:`cpp_settings` hands the resolved values to C++.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cerebellum import _core
from cerebellum.controllers.safety import safety_settings
from cerebellum.controllers.walk_setup import WalkSetup
from cerebellum.stats import percentiles

__all__ = ["SHAPING_FIELDS", "CppWalkingController", "cpp_settings"]

_STEP_FEEDBACK = {
    "gait": _core.StepFeedback.GAIT,
    "dcm": _core.StepFeedback.DCM,
    "capture": _core.StepFeedback.CAPTURE,
}
_MPC_BALANCE = {
    "lipm": _core.MpcBalance.LIPM,
    "mpc": _core.MpcBalance.MPC,
    "none": _core.MpcBalance.NONE,
}


#: The command section's settings of ``_core.CommandShapingSettings`` (the rest is the C++ tick's).
SHAPING_FIELDS = (
    "max_accel_mps2",
    "max_yaw_accel_rad_s2",
    "forward_drift_gain",
    "max_forward_drift_m",
    "max_forward_correction_mps",
    "lateral_drift_gain",
    "max_lateral_drift_m",
    "max_lateral_correction_mps",
)


def cpp_settings(py: WalkSetup, plan_every: int) -> _core.WalkingSettings:
    """The C++ controller's settings of the resolved setup ``py``."""
    o = py.config
    s = _core.WalkingSettings()
    s.model_path = str(py.rm.path)
    s.foot_frames = list(py.rm.foot_frames)
    s.gait = py.gait
    s.search = None
    s.wbc = py.wbc
    sh = _core.CommandShapingSettings()
    for name in SHAPING_FIELDS:
        setattr(sh, name, float(getattr(o.command, name)))
    s.shaping = sh
    s.sole = _core.SoleGeometry.from_sole_rectangle(
        py.gait.sole_rectangle, o.balance.cop_margin, py.lateral_scale
    )
    s.q_stand = py.q_stand
    s.base_minus_com = py.base_minus_com
    if py.arm_swing is not None:
        s.arm_joints, s.arm_coeffs = py.arm_swing[0].astype(np.int32), py.arm_swing[1]
    s.dt_s = py.dt_s
    s.plan_every = int(plan_every)
    s.n_knots = py.n_knots
    s.knot_dt_s = float(o.gait.knot_dt_s)
    s.k_dcm = float(o.balance.k_dcm)
    s.max_yaw_lead_rad = float(o.command.max_yaw_lead_rad)
    s.step_feedback = _STEP_FEEDBACK[o.footholds.step_feedback]
    s.footholds_from_com = bool(o.footholds.from_com)
    s.step_dcm_gain = float(o.footholds.step_dcm_gain)
    s.max_step_adjust_m = float(o.footholds.max_step_adjust_m)
    s.stop_speed_mps = float(o.balance.stop_speed_mps)
    s.push_step_margin_m = float(o.footholds.push_step_margin_m)
    s.push_step_double_support_s = float(o.footholds.push_step_double_support_s)
    s.dcm_replan = bool(o.balance.dcm_replan)
    s.com_descent_accel_mps2 = float(o.balance.com_descent_accel_mps2)
    s.com_descent_speed_mps = float(o.balance.com_descent_speed_mps)
    s.com_step_down_min_m = float(o.balance.com_step_down_min_m)
    s.terrain_aware = -1 if o.gait.terrain_aware is None else int(bool(o.gait.terrain_aware))
    if py.mpc is not None:
        ocp = py.mpc.ocp
        m = _core.MpcPlannerSettings()
        solver = py.mpc.core_settings
        solver.deadline_us = float(py.mpc_deadline_us)
        m.solver = solver
        m.joint_index = np.asarray(ocp.joint_index, dtype=np.int32)
        m.posture = py.q_stand[7:][ocp.joint_index]
        m.dt_s = float(py.mpc.settings.dt_s)
        m.mass_kg = float(ocp.mass)
        m.base_above_com_m = float(py.base_above_com)
        m.balance = _MPC_BALANCE[o.mpc.balance]
        m.track_posture = bool(o.mpc.posture)
        m.track_base = bool(o.mpc.base)
        s.use_mpc, s.mpc = True, m
    path = getattr(py.rm.config, "config_path", "<controller options>")
    s.safety = safety_settings(path, None if o.safety is None else dict(o.safety))
    s.validate()
    return s


class CppWalkingController:
    """The simulator's Controller protocol around ``_core.WalkingController``: it plans by itself
    (every ``1 / mpc_hz`` and at contact changes), so it has no ``plan`` method."""

    def __init__(self, ctx):
        self.setup = WalkSetup(ctx)
        self.config, self.rm = self.setup.config, self.setup.rm
        mpc_hz = float(getattr(ctx.settings, "mpc_hz", 50.0))
        plan_every = max(1, int(round(1.0 / (mpc_hz * float(ctx.dt_s)))))
        self.settings = cpp_settings(self.setup, plan_every)
        self._use_mpc = bool(self.settings.use_mpc)
        self.ctl = _core.WalkingController(self.settings, getattr(ctx, "terrain", None))
        self._ticks: list[float] = []
        self._wbc_ticks: list[float] = []
        self._failure_times: list[tuple[float, str]] = []
        self._solve_ms: list[float] = []
        self._mpc_solves = 0

    @property
    def paced(self) -> bool:
        """The planning thread plans every period of wall time: the loop must keep to real
        time, as on a robot, or the plans fall further apart in simulated time."""
        return bool(self.config.planning_thread)

    def reset(self, state) -> None:
        self.ctl.reset(state)
        if self.config.planning_thread:
            self.ctl.start_planning_thread()
        self._ticks.clear()
        self._wbc_ticks.clear()
        self._failure_times.clear()
        self._failures = 0
        self._solve_ms.clear()
        self._mpc0 = self.ctl.mpc_stats
        self._mpc_solves = self._mpc0["solves"]
        self._t_span = [float(state.t_s), float(state.t_s)]

    def attach_estimator(self, estimator) -> None:
        """Runs ``estimator`` (a ``_core.BaseEstimator``, reset by its owner) inside each tick:
        the tick updates it from the state's sensors and runs on its estimated base (see
        ``_core.WalkingController.attach_estimator``); None detaches."""
        self.ctl.attach_estimator(estimator)

    def force_mpc_deadline_miss(self, on: bool) -> None:
        """Fault injection: while on, every MPC solve misses its deadline (planner mpc)."""
        self.ctl.force_mpc_deadline_miss(bool(on))

    def compute(self, state, command) -> np.ndarray:
        ctl = self.ctl
        tau = ctl.tick(state, command)
        self._ticks.append(ctl.last_tick_us)
        self._wbc_ticks.append(ctl.last_wbc_us)
        failures = ctl.failures
        if failures != self._failures:
            self._failures = failures
            if len(self._failure_times) < 50:
                self._failure_times.append((round(float(state.t_s), 3), str(ctl.status)))
        if self._use_mpc:
            self._t_span[1] = float(state.t_s)
            solves = ctl.mpc_solves
            if solves != self._mpc_solves:  # one solve per plan (deterministic mode)
                self._mpc_solves = solves
                self._solve_ms.append(ctl.mpc_stats["last_solve_us"] / 1e3)
        return tau

    def planned_contacts(self, t: float) -> tuple[int, int]:
        """The current plan at t per foot [left, right]: 1 stance, 0 swing (-1 before the first
        plan); the base estimator's contact prior."""
        return self.ctl.planned_contacts(float(t))

    def close(self) -> None:
        """Stops the planning thread (if any)."""
        self.ctl.stop_planning_thread()

    def __del__(self):
        ctl = getattr(self, "ctl", None)
        if ctl is not None:
            ctl.stop_planning_thread()

    def stats(self) -> dict[str, Any]:
        return {
            "tick_us": percentiles(self._ticks),
            "wbc_tick_us": percentiles(self._wbc_ticks),
            "failures": int(self.ctl.failures),
            "planner": self.config.planner,
            "implementation": "cpp",
            "first_failures": list(self._failure_times),
            "push_steps": int(self.ctl.push_steps),
            "plans": int(self.ctl.plans),
            "planning_thread": (
                {**self.ctl.planning_stats, "stale_ticks": int(self.ctl.stale_ticks)}
                if self.config.planning_thread
                else None
            ),
            "mpc": self._mpc_stats(),
            "safety": self.ctl.safety,
        }

    def _mpc_stats(self) -> dict[str, Any]:
        if not self.settings.use_mpc:
            return {"solve_ms": None, "failures": 0, "deadline_misses": 0}
        m, m0 = self.ctl.mpc_stats, self._mpc0
        solves = int(m["solves"] - m0["solves"])
        span = self._t_span[1] - self._t_span[0]
        return {
            "solve_ms": list(self._solve_ms),
            "solves": solves,
            "rate_hz": solves / span if span > 0 else None,  # per second of simulated time
            "fallbacks": int(m["fallback_ticks"] - m0["fallback_ticks"]),  # ticks on the LIPM plan
            "failures": int(m["failures"] - m0["failures"]),
            "deadline_misses": int(m["deadline_misses"] - m0["deadline_misses"]),
        }
