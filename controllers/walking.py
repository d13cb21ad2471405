"""Walking controller: gait planner + CoM planner + whole-body QP, registered as ``walk``.

Each plan call (``mpc_hz``): the command is rate-limited; the gait planner gives the contact
schedule, footholds (feed-forward around the measured CoM plus the standing base-CoM offset,
moved by the DCM error predicted at the next touchdown) and swing trajectories; the LIPM/DCM
planner (:mod:`cerebellum.controllers.com_planner`) turns the footholds into a CoP and DCM
reference (CoP at the stance sole's centre, moving linearly across each double support; the CoP
from now to the next waypoint chosen so that the DCM reference starts at the measured DCM, which
gives the sideways CoP shift that starts a walk). Each control tick
(``wbc_hz``): a DCM feedback law gives the horizontal CoM acceleration (CoP command clipped to the
support area), the swing feet follow their trajectories, and ``_core.WholeBodyQP`` returns the
torques. Every WBC setting used is pinned in ``walking_config.WBC_DEFAULTS``.

``planner = "mpc"``: each plan call also runs one SQP-RTI iteration of the kinodynamic MPC
(:mod:`cerebellum.controllers.mpc`) on the gait plan's contact flags, foot, base and normal
references (base x, y from the LIPM/DCM CoM plan). Each tick interpolates the MPC plan at the time
since its solve: CoM height and vertical rate, contact wrenches as WBC feed-forward, optionally the
leg posture, the base orientation. The horizontal CoM (``mpc.balance``): by default the DCM law
above around the LIPM/DCM plan; "mpc" the same law around the MPC's own CoM plan (its CoP and DCM
from the MPC's CoM, velocity and contact forces); "none" the MPC's CoM through the WBC's PD.

Needs a base state: the ground truth (``controller.ground_truth_base = true``) or the base
estimator's (``false``). Flat ground.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import time
from typing import Any

import numpy as np
import pinocchio as pin

from cerebellum import _core
from cerebellum.controllers.com_planner import (
    GRAVITY,
    ComPlan,
    DescentFilter,
    plan_com,
    support_ground,
)
from cerebellum.controllers.gait import (
    LEFT,
    RIGHT,
    GaitPlan,
    GaitPlanner,
    GaitState,
    VelocityCommand,
)
from cerebellum.controllers.swing import yaw_matrix
from cerebellum.controllers.walk_setup import WalkSetup, resolve_config, sole_kinematics
from cerebellum.controllers.walking_config import PLANNERS, WalkingConfig
from cerebellum.stats import percentiles

__all__ = ["WalkingConfig", "WalkingController", "PLANNERS", "resolve_config"]


def _rotate(yaw: float, xy) -> np.ndarray:
    """(2,) the heading-frame vector ``xy`` in world axes (rotation by ``yaw`` about z)."""
    c, s = math.cos(yaw), math.sin(yaw)
    return np.array([c * xy[0] - s * xy[1], s * xy[0] + c * xy[1]])


class WalkingController:
    """Gait + LIPM/DCM CoM planning + whole-body QP (simulator ``Controller`` protocol).

    ``ctx.options``: a nested :class:`~cerebellum.controllers.walking_config.WalkingConfig`
    table (``{"gait": {"step_duration_s": 0.4}}``) over the robot's ``[walking]`` one; unknown
    names raise ``ConfigError`` listing the valid ones. ``self.config``: the resolved one.
    """

    def __init__(self, ctx):
        self.setup = su = WalkSetup(ctx)
        self.config, self.rm, self.dt = su.config, su.rm, su.dt_s
        self._terrain = getattr(ctx, "terrain", None)  # height/normal queries, or None
        self.robot = _core.Robot(str(self.rm.path), self.rm.foot_frames + ["base_imu"])
        self.q_stand = su.q_stand
        self._lateral_scale = su.lateral_scale
        self.wbc_settings = su.wbc
        self.qp = _core.WholeBodyQP(self.robot, su.wbc, self.q_stand)
        self.gait = su.gait
        self.omega = math.sqrt(GRAVITY / self.gait.com_height_m)
        self.mass = float(sum(i.mass for i in self.rm.model.inertias))
        self._data = self.rm.model.createData()
        self._feet = [self.rm.frame_id(f) for f in self.rm.foot_frames]
        x0, x1, y0, y1 = self.gait.sole_rectangle
        self._sole_centre = su.sole_centre
        m = self.config.balance.cop_margin
        ml = m * self._lateral_scale
        self._sole_box = (x0 * m, x1 * m, y0 * ml, y1 * ml)  # CoP command bounds, sole frame, m
        self._base_minus_com = su.base_minus_com
        self._arm_swing = su.arm_swing
        self._n_knots = su.n_knots
        self._ticks: list[float] = []
        self._wbc_ticks: list[float] = []
        self.planner: GaitPlanner | None = None
        self.mpc = su.mpc
        if self.mpc is not None:
            self.mpc_deadline_us = su.mpc_deadline_us
            self._base_above_com = su.base_above_com
            self._mpc_knots = self.mpc.settings.knots + 1
        self._solve_ms: list[float] = []

    # -- helpers -----------------------------------------------------------------------------
    def _kinematics(self, q: np.ndarray, v: np.ndarray):
        """CoM (3,), CoM velocity (3,) world; sole positions (2, 3) and yaws (2,)."""
        return sole_kinematics(self.rm, self._data, self._feet, q, v)

    def _centre(self, pos: np.ndarray, yaw: float) -> np.ndarray:
        """(2,) sole centre in world x, y of a sole at ``pos`` (3,) with ``yaw``."""
        return pos[:2] + _rotate(yaw, self._sole_centre)

    def _cop_waypoints(self, t: float, plan: GaitPlan, feet, yaws):
        """CoP reference waypoints (times (K,), cops (K, 2)) from the gait plan at time t."""
        st = self.gait
        ds = st.double_support_s  # the longest double support walking may have
        if st.fast_double_support_ratio is not None:
            ds = max(ds, st.fast_double_support_ratio * st.step_duration_s)
        centre = [self._centre(feet[f], yaws[f]) for f in (LEFT, RIGHT)]
        mid = 0.5 * (centre[LEFT] + centre[RIGHT])
        swings = [fh for fh in plan.footholds if fh.t_touchdown > t]
        if not swings:
            return np.array([t]), mid[None, :]
        times, cops = [], []
        first = swings[0]
        if t < first.t_liftoff:  # double support: shift onto the first stance foot
            stance = centre[1 - first.foot]
            prev = self._last_touchdown
            if prev is not None and first.t_liftoff - prev[1] <= ds + 1e-6:
                start_t, start_p = prev[1], centre[first.foot]
            else:  # start of walking: from between the feet
                start_t = min(t, first.t_liftoff - st.start_double_support_s)
                start_p = mid
            start_t = min(start_t, first.t_liftoff - 1e-3)
            times += [start_t, first.t_liftoff]
            cops += [start_p, stance]
        pos = list(centre)
        for i, fh in enumerate(swings):
            stance = pos[1 - fh.foot]
            if i > 0 and fh.t_liftoff - times[-1] < 1e-6:  # no double support
                times[-1] = fh.t_liftoff
            elif not times or fh.t_liftoff > times[-1]:
                times.append(fh.t_liftoff)
                cops.append(stance)
            times.append(fh.t_touchdown)
            cops.append(stance)
            pos[fh.foot] = self._centre(fh.position, fh.yaw)
            nxt = swings[i + 1] if i + 1 < len(swings) else None
            if nxt is None:  # last planned step: come to rest between the feet
                times.append(fh.t_touchdown + max(ds, 0.1))
                cops.append(0.5 * (pos[LEFT] + pos[RIGHT]))
            else:
                # double support: onto the next stance foot (the one just landed)
                times.append(max(nxt.t_liftoff, fh.t_touchdown + 1e-3))
                cops.append(pos[1 - nxt.foot])
        t_arr = np.asarray(times)
        keep = np.concatenate([[True], np.diff(t_arr) > 1e-6])
        return t_arr[keep], np.asarray(cops)[keep]

    def _correct_drift(
        self, t: float, dt: float, yaw: float, cmd: VelocityCommand
    ) -> VelocityCommand:
        """``cmd`` with vx and vy corrected against the drift accumulated while walking (a
        velocity command holds no position: without this the lateral CoP and foothold errors of
        every step add up, and steps that fall short make a slow walk). Standing, or with a zero
        command, the drift is forgotten."""
        o = self.config.command
        if cmd.is_zero(self.gait.command_deadband) or not self.planner.schedule.is_walking(t):
            self._drift[:] = 0.0
            return cmd
        v = _rotate(-yaw, self._vcom_avg)  # m/s, heading frame
        lim = np.array([o.max_forward_drift_m, o.max_lateral_drift_m])
        self._drift = np.clip(self._drift + (v - (cmd.vx, cmd.vy)) * dt, -lim, lim)
        c = np.array([o.max_forward_correction_mps, o.max_lateral_correction_mps])
        gain = np.array([o.forward_drift_gain, o.lateral_drift_gain])
        dvx, dvy = np.clip(-gain * self._drift, -c, c)
        return dataclasses.replace(cmd, vx=cmd.vx + float(dvx), vy=cmd.vy + float(dvy))

    def _capture_state(self, t, q, com, vcom, feet, yaws, yaw, cmd, sw) -> GaitState:
        """A GaitState whose base makes the gait heuristic put the next foothold where the DCM
        says (step_feedback = "capture").

        The DCM at the touchdown is predicted from the measured one with the CoP held at the
        stance sole's centre: xi_td = p + e^{w (td - t)} (xi - p). The sole centre then lands
        where the periodic LIPM gait at the commanded step L = v T (heading frame) on the nominal
        width W has it, the CoP moving linearly across each double support (T_ds) and held on
        the stance sole in single support (T_ss); with a = e^{w T_ds}, b = e^{w T_ss},
        c = (a - 1) / (w T_ds): xi_td - k_fwd L +- k_side W, k_fwd = (1 - ab + bc) / (ab - 1),
        k_side = (1 + ab - bc) / (ab + 1) (1 / (E - 1) and 1 / (E + 1) without double support).
        The base is then set so that the heuristic (hip offset + v T_stance / 2 ahead of the
        base advanced to the touchdown) gives that foothold; later footholds follow the command.
        """
        st = self.gait
        w = self.omega
        # periodic LIPM gait with the CoP moving linearly across each double support (T_ds) and
        # held on the stance sole over each single support (T_ss): offset of the DCM from the
        # sole that just landed, per metre of step (forward) and of width (sideways)
        tss = sw.t_touchdown - sw.t_liftoff  # this step's swing and double support
        tds = st.step_duration_s - tss
        a = math.exp(w * max(tds, 1e-6))
        b = math.exp(w * tss)
        cc = (a - 1.0) / (w * max(tds, 1e-6))  # -> 1 without double support
        k_fwd = (1.0 - a * b + b * cc) / (a * b - 1.0)
        k_side = (1.0 + a * b - b * cc) / (a * b + 1.0)
        stance = 1 - sw.foot
        p = self._centre(feet[stance], yaws[stance])
        xi = com[:2] + vcom[:2] / w
        xi_td = p + math.exp(w * max(sw.t_touchdown - t, 0.0)) * (xi - p)
        L = np.array([cmd.vx, cmd.vy]) * st.step_duration_s  # heading frame
        side = 1.0 if sw.foot == LEFT else -1.0
        off_h = -k_fwd * L + np.array([0.0, side * k_side * st.nominal_width_m])
        target = xi_td + _rotate(yaw, off_h)
        # what the heuristic adds to the base now: advance to touchdown, hip offset, v T_st / 2,
        # and the sole centre in the sole frame
        vw = cmd.world_velocity(yaw)
        hx, hy = st.nominal_foot_x_m, 0.5 * side * st.nominal_width_m
        sx, sy = self._sole_centre
        add = _rotate(yaw, (hx + sx, hy + sy))
        add += vw * (max(sw.t_touchdown - t, 0.0) + 0.5 * (st.step_duration_s + tds))
        base = q[:3].copy()
        base[:2] = target - add
        vb = np.zeros(3)
        vb[:2] = vw  # no velocity feedback: the DCM is the feedback
        return GaitState(base, yaw, vb, feet, yaws)

    def _anchor_cop(self, t: float, times: np.ndarray, cops: np.ndarray, dcm: np.ndarray):
        """CoP waypoints from t on whose first CoP makes the DCM plan start at the measured DCM.

        The DCM at the next waypoint is fixed by the waypoints after it (backward recursion);
        with the CoP moving linearly from p_a (at t) to p_b over T, the DCM at t is
        ``p_a (1 - c (1 - E)) + p_b (c - E - E c) + E xi_b`` (E = e^{-w T}, c = 1 / (w T)):
        solved for p_a and clipped into the support area at t. Starting to walk, this is the
        CoP shift toward the swing foot that sends the CoM onto the stance foot.
        """
        i = int(np.searchsorted(times, t, side="right")) - 1
        if i < 0 or i + 1 >= len(times) or times[i + 1] - t < 0.05:
            return times, cops
        times = np.concatenate([[t], times[i + 1 :]])
        cops = np.concatenate([cops[i : i + 1], cops[i + 1 :]])
        w, T = self.omega, times[1] - times[0]
        xi_b = ComPlan(times, cops, cops[0], np.zeros(2), w).dcm_waypoints[1]
        E, c = math.exp(-w * T), 1.0 / (w * T)
        p_a = (dcm - E * xi_b - cops[1] * (c - E - E * c)) / (1.0 - c * (1.0 - E))
        cops[0] = self._clip_cop(p_a, t)
        return times, cops

    def _clip_cop(self, cop: np.ndarray, t: float) -> np.ndarray:
        """(2,) CoP command clipped into the support area at t: the shrunk stance sole in single
        support, the box spanned by both shrunk soles (world axes) in double support."""
        x0, x1, y0, y1 = self._sole_box
        stance = [
            f
            for f in (LEFT, RIGHT)
            if not any(lo <= t < td for g, lo, td, _ in self._swings if g == f)
        ]
        if len(stance) == 1:
            f = stance[0]
            p, yaw = self._stance_pose[f]
            c, s = math.cos(yaw), math.sin(yaw)
            d = cop - p[:2]
            lx, ly = c * d[0] + s * d[1], -s * d[0] + c * d[1]
            lx, ly = min(max(lx, x0), x1), min(max(ly, y0), y1)
            return np.array([p[0] + c * lx - s * ly, p[1] + s * lx + c * ly])
        return np.clip(cop, *self._support_box(self._stance_pose))

    def _support_box(self, poses) -> tuple[np.ndarray, np.ndarray]:
        """(lo (2,), hi (2,)) world-axes box spanned by the CoP command bounds of both soles at
        ``poses`` ((position (3,), yaw) per foot)."""
        x0, x1, y0, y1 = self._sole_box
        corners = []
        for p, yaw in poses:
            c, s = math.cos(yaw), math.sin(yaw)
            for lx, ly in ((x0, y0), (x0, y1), (x1, y0), (x1, y1)):
                corners.append((p[0] + c * lx - s * ly, p[1] + s * lx + c * ly))
        a = np.asarray(corners)
        return a.min(axis=0), a.max(axis=0)

    def _dcm_outside(self, dcm: np.ndarray, feet: np.ndarray, yaws: np.ndarray) -> bool:
        """True when the DCM (2,) lies more than ``push_step_margin_m`` outside the box (world
        axes) spanned by both soles' CoP command bounds."""
        gap = dcm - np.clip(dcm, *self._support_box(zip(feet, yaws, strict=True)))
        return float(np.hypot(*gap)) > self.config.footholds.push_step_margin_m

    def _ramp(self, t: float, command) -> VelocityCommand:
        """The command moved toward ``command`` at the acceleration limits since the last call."""
        dt = max(t - self._t_cmd, 0.0) if math.isfinite(self._t_cmd) else 0.0
        self._t_cmd = t
        a, ay = (
            self.config.command.max_accel_mps2 * dt,
            self.config.command.max_yaw_accel_rad_s2 * dt,
        )
        target = np.array([float(command.vx), float(command.vy), float(command.yaw_rate)])
        step = np.clip(target - self._cmd, [-a, -a, -ay], [a, a, ay])
        self._cmd = self._cmd + step
        return VelocityCommand(*(float(x) for x in self._cmd))

    # -- Controller protocol -------------------------------------------------------------------
    def reset(self, state) -> None:
        aware = self.config.gait.terrain_aware
        if aware is None:
            aware = bool(getattr(self._terrain, "stepped", False))
        terrain = self._terrain if aware else None
        self.planner = GaitPlanner(self.gait, terrain=terrain)
        q, v = state.q(), state.v()
        com, _, _, _ = self._kinematics(q, v)
        R = pin.Quaternion(q[3:7]).matrix()
        self._yaw_ref = math.atan2(R[1, 0], R[0, 0])
        self.qp.set_posture_reference(self.q_stand[7:])
        self.qp.set_com_reference(com, np.zeros(3), np.zeros(3))
        self.qp.set_base_reference(yaw_matrix(self._yaw_ref))
        self._ground = DescentFilter(
            float(com[2]) - self.gait.com_height_m,
            self.config.balance.com_descent_speed_mps,
            self.config.balance.com_descent_accel_mps2,
            self.config.balance.com_step_down_min_m,
        )
        self._ground_z = self._ground.z
        self._plan_com: ComPlan | None = None
        self._plan_free: ComPlan | None = None  # the footholds' plan, not anchored to the DCM
        self._swings: list[tuple[int, float, float, Any]] = []
        self._next_event = math.inf  # s, see plan()
        self._last_touchdown: tuple[int, float] | None = None
        self._yaw_rate = 0.0
        self._cmd = np.zeros(3)  # ramped command: vx, vy m/s, yaw rate rad/s
        self._t_cmd = -math.inf
        self._vcom_avg = np.zeros(2)
        # forward, lateral drift, m, heading frame: see CommandConfig.lateral_drift_gain
        self._drift = np.zeros(2)
        self._push_steps = 0  # stepping episodes started by a push
        self._t_plan = -math.inf
        self._ticks.clear()
        self._wbc_ticks.clear()
        self._failures = self.qp.failures
        self._failure_times: list[tuple[float, str]] = []
        self.last_plan: GaitPlan | None = None
        self.mpc_plan = None  # MPCPlan of the last solve
        self._t_solve = -math.inf
        self._solve_ms.clear()
        if self.mpc is not None:
            self.mpc.reset()
            s = self.mpc.stats
            self._mpc_counts = (s.solves, s.failures, s.deadline_misses)

    def plan(self, state, command) -> None:
        """Gait and CoM plans from the measured state and the command (called at ``mpc_hz``)."""
        t = float(state.t_s)
        q, v = state.q(), state.v()
        com, vcom, feet, yaws = self._kinematics(q, v)
        R = pin.Quaternion(q[3:7]).matrix()
        yaw = math.atan2(R[1, 0], R[0, 0])
        cmd = self._ramp(t, command)
        # CoM velocity averaged over about one step (the sway cancels), m/s
        dt_plan = max(t - self._t_plan, 0.0) if math.isfinite(self._t_plan) else 0.0
        a = min(dt_plan / self.gait.step_duration_s, 1.0)
        self._vcom_avg += a * (vcom[:2] - self._vcom_avg)
        cmd = self._correct_drift(t, dt_plan, yaw, cmd)
        if cmd.is_zero(self.gait.command_deadband):
            # keep stepping (in place) until the CoM has slowed down: stopping with the DCM
            # outside the final double support tips the robot over; standing, a DCM outside the
            # feet (a push) starts stepping
            dcm = com[:2] + vcom[:2] / self.omega
            outside = self._dcm_outside(dcm, feet, yaws)
            schedule = self.planner.schedule
            if schedule.is_walking(t):
                if outside or float(np.hypot(*self._vcom_avg)) > self.config.balance.stop_speed_mps:
                    cmd = VelocityCommand(2.0 * self.gait.command_deadband, 0.0, 0.0)
            elif outside:
                centres = [self._centre(feet[f], yaws[f]) for f in (LEFT, RIGHT)]
                far = int(np.argmax([np.linalg.norm(dcm - c) for c in centres]))
                schedule.start(t, far, self.config.footholds.push_step_double_support_s)
                cmd = VelocityCommand(2.0 * self.gait.command_deadband, 0.0, 0.0)
                self._push_steps += 1
        nxt_sw = self.planner.schedule.next_swings(t, 1)
        # (before the swing lifts off, the DCM prediction with the CoP on the stance sole does not
        # hold: the double support is still shifting the weight; the heuristic places that step)
        if self.config.footholds.step_feedback == "capture" and nxt_sw and t >= nxt_sw[0].t_liftoff:
            gs = self._capture_state(t, q, com, vcom, feet, yaws, yaw, cmd, nxt_sw[0])
        elif self.config.footholds.step_feedback == "dcm":
            # footholds around the capture point: base shifted by (dcm - com), no velocity term
            base = q[:3].copy()
            base[:2] += vcom[:2] / self.omega
            vb = np.zeros(3)
            vb[:2] = cmd.world_velocity(yaw)
            gs = GaitState(base, yaw, vb, feet, yaws)
        else:
            base = q[:3].copy()
            if self.config.footholds.from_com:
                base[:2] = com[:2] + _rotate(yaw, self._base_minus_com)
            nxt = nxt_sw
            if nxt:
                # Sideways walking: the foot on the side of motion steps out by a whole cycle
                # (2 vy T_step) so that the other one can follow at the nominal width (the width
                # clamp would otherwise shorten the cycle to vy T_step).
                c, s_ = math.cos(yaw), math.sin(yaw)
                side = 1.0 if nxt[0].foot == LEFT else -1.0
                if side * cmd.vy > 0:
                    dy = cmd.vy * self.gait.step_duration_s
                    base[0] -= s_ * dy
                    base[1] += c * dy
                if self._plan_free is not None and self.config.footholds.step_dcm_gain > 0:
                    # DCM step adjustment: the error to the previous plan's DCM, grown to the
                    # first touchdown, moves the footholds (the CoP alone can only absorb a few cm)
                    # (against the plan of the footholds alone: the anchored plan starts at the
                    # measured DCM and would hide the error the CoP could not absorb)
                    err = com[:2] + vcom[:2] / self.omega - self._plan_free.sample(t).dcm
                    grow = math.exp(self.omega * max(nxt[0].t_touchdown - t, 0.0))
                    shift = self.config.footholds.step_dcm_gain * grow * err
                    lim = self.config.footholds.max_step_adjust_m
                    base[:2] += np.clip(shift, -lim, lim)
            gs = GaitState(base, yaw, R @ v[:3], feet, yaws)
        assert self.planner is not None
        gp = self.planner.plan(t, gs, cmd, self._n_knots, self.config.gait.knot_dt_s)
        # remember the last touchdown (for the double support that follows it)
        for sw in self.planner.schedule.swings(t - self.gait.step_duration_s, t):
            if sw.t_touchdown <= t:
                self._last_touchdown = (sw.foot, sw.t_touchdown)
        times, cops = self._cop_waypoints(t, gp, feet, yaws)
        trajs = self.planner._trajectories  # (foot, t_liftoff) -> SwingTrajectory
        self._swings = [
            (fh.foot, fh.t_liftoff, fh.t_touchdown, trajs.get((fh.foot, fh.t_liftoff)))
            for fh in gp.footholds
        ]
        self._stance_pose = [(feet[f].copy(), float(yaws[f])) for f in (LEFT, RIGHT)]
        self._plan_free = plan_com(times, cops, com[:2], vcom[:2], self.gait.com_height_m)
        self._plan_com = self._plan_free
        if self.config.balance.dcm_replan:
            a_times, a_cops = self._anchor_cop(t, times, cops, com[:2] + vcom[:2] / self.omega)
            if a_times is not times:  # anchored: the free plan's first segment was replaced
                self._plan_com = plan_com(
                    a_times, a_cops, com[:2], vcom[:2], self.gait.com_height_m
                )
        stance_z = [float(feet[f][2]) for f in (LEFT, RIGHT) if gp.contact[0, f]]
        swing, landed = None, None
        for fh in gp.footholds:
            if fh.t_liftoff <= t < fh.t_touchdown and not gp.contact[0, fh.foot]:
                swing = float(fh.position[2])
                break
        if self._last_touchdown is not None:
            landed = float(feet[self._last_touchdown[0]][2])
        self._ground_z = support_ground(
            stance_z or [float(np.mean(feet[:, 2]))],
            swing,
            landed,
            self.config.balance.com_step_down_min_m,
        )
        self._yaw_rate = cmd.yaw_rate
        self._t_plan = t
        # the first liftoff or touchdown after this plan: compute() plans again once it is reached
        events = [e for _, lo, td, _ in self._swings for e in (lo, td) if e > t]
        self._next_event = min(events, default=math.inf)
        self.last_plan = gp
        if self.mpc is not None:
            self._solve_mpc(t, q, v, gp)

    def _solve_mpc(self, t: float, q: np.ndarray, v: np.ndarray, gp: GaitPlan) -> None:
        """One MPC solve on the first N+1 knots of the gait plan (same knot spacing)."""
        from cerebellum.controllers.mpc import MPCReferences

        n = self._mpc_knots
        # base x, y: the LIPM/DCM CoM plan (anchored to the footholds) + the measured base-CoM offset
        com = pin.centerOfMass(self.rm.model, self._data, q)
        base = gp.base_position[:n].copy()
        base[:, :2] = self._plan_com.com_at(gp.times[:n]) + (q[:2] - com[:2])
        # height: the ground under the CoM as the descent filter will bring it down over the
        # horizon (a copy of the filter run over the knots), + the CoM height and the base offset
        ground, dt = copy.copy(self._ground), float(gp.times[1] - gp.times[0])
        z = [ground.z] + [ground.step(self._ground_z, dt)[0] for _ in range(n - 1)]
        base[:, 2] = np.asarray(z) + self.gait.com_height_m + self._base_above_com
        vel = np.column_stack([gp.base_velocity[:n, :2], gp.base_yaw_rate[:n]])
        refs = MPCReferences(
            foot=gp.foot_positions[:n],
            base_pos=base,
            yaw=gp.base_yaw[:n],
            velocity=vel,
            normals=None if gp.foot_normals is None else gp.foot_normals[:n],
        )
        elapsed = t - self._t_solve if math.isfinite(self._t_solve) else None
        self.mpc_plan = self.mpc.solve(
            self.mpc.state(q, v), gp.contact[:n].astype(float), refs, elapsed_s=elapsed
        )
        self._t_solve = t
        self._solve_ms.append(self.mpc.stats.solve_ms)

    def compute(self, state, command) -> np.ndarray:
        t0 = time.perf_counter()
        t = float(state.t_s)
        if self._plan_com is None or t - self._t_plan > 0.1 or t >= self._next_event:
            # no plan yet, a late one, or a contact change since it was made: a fresh one
            self.plan(state, command)
        q, v = state.q(), state.v()
        model, data = self.rm.model, self._data
        com = pin.centerOfMass(model, data, q, v, False)
        vcom = data.vcom[0]
        R = pin.Quaternion(q[3:7]).matrix()
        yaw = math.atan2(R[1, 0], R[0, 0])
        self._yaw_ref += self._yaw_rate * self.dt
        lead = self.config.command.max_yaw_lead_rad
        err = math.remainder(self._yaw_ref - yaw, 2 * math.pi)
        if abs(err) > lead:
            self._yaw_ref = yaw + math.copysign(lead, err)
        if self.mpc_plan is not None:
            self._ground.step(self._ground_z, self.dt)  # the MPC's next height references
            self._track_mpc(t, com, vcom)
        else:
            acom = np.zeros(3)
            acom[:2] = self._dcm_law(t, com, vcom)
            z, dz, acom[2] = self._ground.step(self._ground_z, self.dt)
            # Horizontal CoM feedback lives in the DCM law: the WBC's PD only acts on the height.
            self.qp.set_com_reference(
                np.array([com[0], com[1], z + self.gait.com_height_m]),
                np.array([vcom[0], vcom[1], dz]),
                acom,
            )
            self._set_upright_base()
        # contacts and swing feet
        mask = np.array([True, True])
        sole_xy = [self._stance_pose[f][0][:2] for f in (LEFT, RIGHT)]
        for f, lo, td, traj in self._swings:
            if lo <= t < td and traj is not None:
                mask[f] = False
                s = traj.sample(t)
                self.qp.set_swing_reference(f, s.rotation, s.position, s.velocity, s.acceleration)
                sole_xy[f] = s.position[:2]
            elif td <= t and (self._last_touchdown is None or td > self._last_touchdown[1]):
                self._last_touchdown = (f, td)
        if self._arm_swing is not None:
            lead = _rotate(-self._yaw_ref, sole_xy[LEFT] - sole_xy[RIGHT])[0]  # m
            posture = self.q_stand[7:].copy()
            idx, coeff = self._arm_swing
            posture[idx] += coeff * lead
            self.qp.set_posture_reference(posture)
        tau = self.qp.tick(q, v, mask)
        if self.qp.failures != self._failures:
            self._failures = self.qp.failures
            if len(self._failure_times) < 50:
                self._failure_times.append((round(t, 3), str(self.qp.status)))
        self._wbc_ticks.append(self.qp.last_tick_us)
        self._ticks.append((time.perf_counter() - t0) * 1e6)
        return tau

    def _dcm_law(self, t: float, com: np.ndarray, vcom: np.ndarray) -> np.ndarray:
        """(2,) horizontal CoM acceleration of the DCM law around the LIPM/DCM plan: CoP command
        ``cop_ref + (1 + k / w) (dcm - dcm_ref)`` clipped to the support, ``w^2 (com - cop)``."""
        w = self.omega
        ref = self._plan_com.sample(t)
        dcm = com[:2] + vcom[:2] / w
        cop = self._clip_cop(ref.cop + (1.0 + self.config.balance.k_dcm / w) * (dcm - ref.dcm), t)
        return w * w * (com[:2] - cop)

    def _dcm_law_about(
        self,
        t: float,
        com: np.ndarray,
        vcom: np.ndarray,
        com_ref: np.ndarray,
        vcom_ref: np.ndarray,
        acom_ref: np.ndarray,
    ) -> np.ndarray:
        """(2,) the DCM law around a CoM trajectory (an MPC plan sampled at t): its LIPM CoP
        ``com_ref - acom_ref / w^2`` and DCM ``com_ref + vcom_ref / w`` as the references."""
        w = self.omega
        cop_ref = com_ref[:2] - acom_ref[:2] / (w * w)
        dcm_ref = com_ref[:2] + vcom_ref[:2] / w
        dcm = com[:2] + vcom[:2] / w
        cop = self._clip_cop(cop_ref + (1.0 + self.config.balance.k_dcm / w) * (dcm - dcm_ref), t)
        return w * w * (com[:2] - cop)

    def _set_upright_base(self) -> None:
        """Base reference: upright, yaw from the integrated command."""
        self.qp.set_base_reference(yaw_matrix(self._yaw_ref), np.array([0.0, 0.0, self._yaw_rate]))

    def _track_mpc(self, t: float, com: np.ndarray, vcom: np.ndarray) -> None:
        """WBC references from the MPC plan interpolated at the time since its solve."""
        ref = self.mpc_plan.at(t - self._t_solve)
        wr = ref["wrenches"]  # (2, 6) at the soles, world axes
        acom = wr[:, :3].sum(axis=0) / self.mass
        acom[2] -= GRAVITY
        balance = self.config.mpc.balance
        if balance != "none":
            # the DCM law sets the horizontal CoM acceleration, around the LIPM/DCM plan (anchored
            # to the footholds) or around the MPC's; the MPC gives the height and the wrenches
            if balance == "lipm":
                acom[:2] = self._dcm_law(t, com, vcom)
            else:
                acom[:2] = self._dcm_law_about(t, com, vcom, ref["com"], ref["vcom"], acom)
            self.qp.set_com_reference(
                np.array([com[0], com[1], ref["com"][2]]),
                np.array([vcom[0], vcom[1], ref["vcom"][2]]),
                acom,
            )
        else:
            self.qp.set_com_reference(ref["com"], ref["vcom"], acom)
        self.qp.set_wrench_feedforward(wr)
        if self.config.mpc.posture:
            self.qp.set_posture_reference(ref["joint_pos"])
        if self.config.mpc.base:
            Rb = pin.Quaternion(ref["base_quat"]).matrix()
            self.qp.set_base_reference(Rb, Rb @ ref["v"][3:6])
        else:
            self._set_upright_base()

    def planned_contacts(self, t: float) -> tuple[int, int]:
        """Gait plan at t per foot [left, right]: 1 stance, 0 swing (-1 before the first plan);
        the base estimator's contact prior."""
        planner = getattr(self, "planner", None)
        if planner is None:
            return (-1, -1)
        sch = planner.schedule
        return tuple(int(sch.swing_phase(t, f) is None) for f in (LEFT, RIGHT))  # type: ignore[return-value]

    def stats(self) -> dict[str, Any]:
        return {
            "tick_us": percentiles(self._ticks),
            "wbc_tick_us": percentiles(self._wbc_ticks),
            "failures": int(self.qp.failures),
            "planner": self.config.planner,
            "first_failures": list(self._failure_times),
            "push_steps": self._push_steps,
            "mpc": self._mpc_stats(),
        }

    def _mpc_stats(self) -> dict[str, Any]:
        if self.mpc is None:
            return {"solve_ms": None, "failures": 0, "deadline_misses": 0}
        s = self.mpc.stats
        n0, f0, d0 = self._mpc_counts
        return {
            "solve_ms": list(self._solve_ms),
            "solves": int(s.solves - n0),
            "failures": int(s.failures - f0),
            "deadline_misses": int(s.deadline_misses - d0),
        }
