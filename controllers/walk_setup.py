"""The model parts of the ``walk`` controller, resolved once per run from its context.

:class:`WalkSetup` turns a run's context (robot, scenario ``controller.options``, control period)
into what the controller is built from: the resolved :class:`WalkingConfig`, the Pinocchio model,
the whole-body QP's settings, the gait settings, the standing pose and the offsets measured on it,
the arm-swing map and, for ``planner = "mpc"``, the kinodynamic MPC with its generated code
(:mod:`cerebellum.controllers.walking` hands them to the compiled controller).
"""

from __future__ import annotations

import math

import numpy as np
import pinocchio as pin

from cerebellum.controllers.gait import GaitSettings, GaitSettingsError
from cerebellum.controllers.walking_config import WalkingConfig, merge_tables
from cerebellum.controllers.wbc import wbc_settings
from cerebellum.dynamics.model import RobotModel, standing_configuration
from cerebellum.errors import ConfigError

__all__ = ["WalkSetup", "resolve_config"]

# Soft-contact weight for legs with fewer than 6 joints (two rigid 6D contacts are rank deficient).
_SOFT_CONTACT_WEIGHT = 1e5


def resolve_config(ctx) -> WalkingConfig:
    """The configuration of a run: the robot's ``[walking]`` table, then the scenario's
    ``controller.options`` over it, section by section (both checked, errors naming the file)."""
    path = getattr(ctx.robot, "config_path", "<controller options>")
    robot = dict(getattr(ctx.robot, "walking", {}) or {})
    WalkingConfig.from_table(path, robot, prefix="walking")  # names checked against the file
    return WalkingConfig.from_table(path, merge_tables(robot, dict(ctx.options)))


def _sole_kinematics(rm: RobotModel, data, feet: list[int], q: np.ndarray, v: np.ndarray):
    """CoM (3,), CoM velocity (3,) world; sole positions (2, 3) and yaws (2,) of the frames
    ``feet`` at (``q``, ``v``), computed in Pinocchio ``data`` of ``rm.model``."""
    model = rm.model
    com = pin.centerOfMass(model, data, q, v)
    pin.updateFramePlacements(model, data)
    pos = np.array([data.oMf[f].translation for f in feet])
    yaws = np.array(
        [math.atan2(data.oMf[f].rotation[1, 0], data.oMf[f].rotation[0, 0]) for f in feet]
    )
    return com.copy(), data.vcom[0].copy(), pos, yaws


class WalkSetup:
    """The resolved, immutable parts of one ``walk`` controller (see the module docstring).

    Attributes: ``config`` (WalkingConfig), ``rm`` (RobotModel), ``dt_s`` (control period, s),
    ``q_stand`` (nq,) Pinocchio standing pose, ``lateral_scale`` (1, or the narrow-foot width
    scale of legs without ankle roll), ``wbc`` (WholeBodyQPSettings), ``gait`` (GaitSettings),
    ``sole_centre`` (2,) in the sole frame, m,
    ``base_minus_com`` (2,) m (the footholds' base-CoM offset: x from the middle of the sole
    centres, y from the CoM), ``base_above_com`` m, ``arm_swing`` (joint indices (k,),
    coefficients (k,) rad/m) or None, ``n_knots`` (plan knots), ``mpc`` (KinodynamicMPC or None)
    and ``mpc_deadline_us``.
    """

    def __init__(self, ctx):
        path = getattr(ctx.robot, "config_path", "<controller options>")
        self.config = cfg = resolve_config(ctx)
        self.rm = rm = RobotModel(ctx.robot)
        self.dt_s = float(ctx.dt_s)
        self.q_stand = standing_configuration(rm)
        legs = [len(rm.chain_velocity_indices(f)) for f in rm.foot_frames]
        # without ankle roll the sole cannot move the CoP sideways: a narrow (line) foot
        self.lateral_scale = 1.0 if min(legs) >= 6 else cfg.wbc.no_ankle_roll_width_scale
        self.wbc = self._wbc(path, cfg, min(legs))
        gait_over = dict(cfg.gait.settings)
        if "com_height_m" not in gait_over:
            standing = GaitSettings.for_robot(rm).com_height_m
            gait_over["com_height_m"] = standing - cfg.balance.com_lowering_m
        try:
            self.gait = GaitSettings.for_robot(rm, **gait_over)
        except GaitSettingsError as e:
            raise ConfigError(path, f"controller.options.gait.{e.field}", e.problem) from None
        x0, x1, y0, y1 = self.gait.sole_rectangle
        self.sole_centre = np.array([0.5 * (x0 + x1), 0.5 * (y0 + y1)])  # in the sole frame, m
        # Footholds around the CoM: the base stands in for "the CoM over the middle of the sole
        # centres" (standing pose, yaw 0), so a robot whose standing CoM sits off the soles'
        # centres (H1: 6 cm ahead) still gets the steps of the commanded speed.
        feet = [rm.frame_id(f) for f in rm.foot_frames]
        com, _, soles, yaws = _sole_kinematics(
            rm, rm.model.createData(), feet, self.q_stand, np.zeros(rm.nv)
        )
        centre = np.mean([self.sole_centre_world(soles[f], yaws[f]) for f in (0, 1)], axis=0)
        self.base_minus_com = np.array([self.q_stand[0] - centre[0], self.q_stand[1] - com[1]])
        self.base_above_com = float(self.q_stand[2] - com[2])  # m
        self.arm_swing = self._arm_swing(path, cfg)
        self.n_knots = max(2, int(round(cfg.gait.horizon_s / cfg.gait.knot_dt_s)) + 1)
        self.mpc = None
        self.mpc_deadline_us = math.nan
        if cfg.planner == "mpc":
            from cerebellum.controllers.mpc import KinodynamicMPC, MPCSettings

            tilt = cfg.mpc.w_base_tilt
            yaw_w = MPCSettings().w_base_rpy[2]
            self.mpc = KinodynamicMPC(
                rm, MPCSettings(dt_s=cfg.gait.knot_dt_s, w_base_rpy=(tilt, tilt, yaw_w))
            )
            period_s = 1.0 / float(getattr(ctx.settings, "mpc_hz", 50.0))
            self.mpc_deadline_us = cfg.mpc.deadline_scale * period_s * 1e6
            self.mpc.set_deadline_us(self.mpc_deadline_us)
            if self.n_knots < self.mpc.settings.knots + 1:
                raise ConfigError(
                    path,
                    "controller.options.gait.horizon_s",
                    f"the 'mpc' planner needs horizon_s >= {self.mpc.settings.knots} knots",
                )

    def sole_centre_world(self, pos: np.ndarray, yaw: float) -> np.ndarray:
        """(2,) sole centre in world x, y of a sole at ``pos`` (3,) with ``yaw``."""
        c, s = math.cos(yaw), math.sin(yaw)
        xy = self.sole_centre
        return pos[:2] + np.array([c * xy[0] - s * xy[1], s * xy[0] + c * xy[1]])

    def _wbc(self, path: str, cfg: WalkingConfig, min_leg_joints: int):
        wbc_over = dict(cfg.wbc.qp)
        if cfg.planner == "mpc" and "w_wrench_ff" not in wbc_over:  # never: WBC_DEFAULTS pins it
            wbc_over["w_wrench_ff"] = float(cfg.mpc.w_wrench_ff)
        if "contact_weight" not in wbc_over:
            wbc_over["contact_weight"] = 0.0 if min_leg_joints >= 6 else _SOFT_CONTACT_WEIGHT
        try:
            settings = wbc_settings(self.rm, **wbc_over)
        except ConfigError as e:
            raise ConfigError(path, f"controller.options.wbc.{e.field}", e.problem) from None
        except TypeError as e:
            raise ConfigError(path, "controller.options.wbc", str(e)) from None
        contacts = list(settings.contacts)
        for c in contacts:  # a box sole on MuJoCo's pyramid cone resists little yaw torque
            c.yaw_coeff = float(cfg.wbc.yaw_coeff_m)
            c.y_left *= self.lateral_scale
            c.y_right *= self.lateral_scale
            c.free_roll = self.lateral_scale < 1.0 and bool(cfg.wbc.no_ankle_roll_free_roll)
        settings.contacts = contacts
        return settings

    def _arm_swing(self, path: str, cfg: WalkingConfig):
        if not cfg.arms.swing:
            return None
        names = [self.rm.model.names[i] for i in range(2, self.rm.model.njoints)]
        idx, coeff = [], []
        for name, c in dict(cfg.arms.swing).items():
            if name not in names or not math.isfinite(float(c)):
                raise ConfigError(
                    path,
                    f"controller.options.arms.swing.{name}",
                    f"expected a joint name with a finite coefficient; joints: {names}",
                )
            idx.append(names.index(name))
            coeff.append(float(c))
        return (np.array(idx), np.array(coeff))
