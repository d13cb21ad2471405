"""Python front-end of the C++ whole-body QP: settings from a robot config; a balance controller.

The QP itself (``cerebellum._core.WholeBodyQP``, ``cpp/src/wbc.cpp``) runs a whole tick — state to
torques — in C++ without allocating. This module only fills its settings and references.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cerebellum import _core
from cerebellum.controllers.safety import safety_settings
from cerebellum.dynamics.model import RobotModel, standing_configuration
from cerebellum.errors import ConfigError

__all__ = ["BALANCE_DEFAULTS", "BOTH_FEET", "WholeBodyController", "make_wbc", "wbc_settings"]

BOTH_FEET = np.array([True, True])

# Contacts are a heavily weighted task instead of an equality (option ``soft_contacts``; on in
# WholeBodyController, forced for legs with fewer than 6 joints, which cannot hold two rigid 6D
# contacts with an arbitrary velocity). The QP is then feasible by construction (any torque within
# its limits and any wrench in the cones define an acceleration); rigid contacts made it
# infeasible under torque limits after pushes (Talos, 20 N·s).
_SOFT_CONTACT_WEIGHT = 1e5
# Contact velocity damping (1/s): Jc vdot + drift = -kd Jc v. Without it, contact slip left by
# the soft contacts or by MuJoCo's contact compliance accumulates and the feet roll onto an edge.
_CONTACT_DAMPING = 20.0
# Fraction of the sole rectangle the CoP may use: the rest is a margin against the foot rolling
# onto an edge (model errors, MuJoCo contact compliance).
_SOLE_MARGIN = 0.9
# Defaults of WholeBodyController (not of wbc_settings), overridable per run
# (``--set controller.options.KEY=VALUE``).
# Base orientation: stiff enough that a push at the pelvis does not spin it about the hip yaw axes
# (light pelvis: an acceleration gain of 100 gave only ~2 N·m·s/rad of yaw damping on Talos).
# Horizontal balance by capture-point feedback (k_dcm, 1/s): without it the saturated CoM PD
# asked for more than the soles can give and the QP made it up with angular momentum (Talos fell
# after 20 N·s). Solver: eps 1e-6 on the KKT residuals (N, N·m, m/s^2); 1e-9 ran into max_iter
# after pushes (H1: 80 failures in push-stand).
BALANCE_DEFAULTS: dict[str, Any] = {
    "sole_margin": 1.0,
    "soft_contacts": True,
    "kp_base": 1000.0,
    "kd_base": 60.0,
    "w_base_orientation": 100.0,
    "k_dcm": 3.0,
    "eps_abs": 1e-6,
}


def wbc_settings(rm: RobotModel, **overrides: Any) -> _core.WholeBodyQPSettings:
    """QP settings of a robot: sole rectangles and friction from its config, torque limits from its
    model file, the base frame, hand frames; ``overrides`` set any field by name (weights, gains),
    plus ``sole_margin`` (fraction of the sole rectangle the CoP may use, default 1),
    ``soft_contacts`` (bool, default False) and ``passive_compensation`` (bool, default True: the
    torques make up for the model file's joint damping and dry friction)."""
    cfg = rm.config
    overrides = dict(overrides)
    margin = float(overrides.pop("sole_margin", 1.0))
    if not 0.0 < margin <= 1.0:
        raise ConfigError(
            "<controller options>", "sole_margin", f"expected in (0, 1], got {margin}"
        )
    s = _core.WholeBodyQPSettings()
    rect = margin * np.asarray(cfg.sole_rectangle, dtype=float)  # [x0, x1, y0, y1] m, sole frame
    s.contacts = [
        _core.ContactDescription(f, rectangle=rect, mu=cfg.friction) for f in rm.foot_frames
    ]
    s.base_frame = "base_imu"  # site at the base body's origin, axes of the base body
    s.hand_frames = []
    s.torque_limit = np.asarray(rm.effort_limit, dtype=float)
    legs = [len(rm.chain_velocity_indices(f)) for f in rm.foot_frames]
    soft = bool(overrides.pop("soft_contacts", False))
    if min(legs) < 6 or soft:
        s.contact_weight = _SOFT_CONTACT_WEIGHT
    s.kd_contact = _CONTACT_DAMPING
    # The model file's passive joint forces (MJCF damping / frictionloss, URDF dynamics) are made
    # up for by the torques: Apollo's hip damping of ~150 N·m·s/rad alone is a third of the hip
    # torque limit at 1 rad/s.
    scale = float(overrides.pop("passive_scale", 1.0))
    if bool(overrides.pop("passive_compensation", True)):
        s.joint_damping = scale * np.asarray(rm.model.damping[6:], dtype=float)
        s.joint_friction = scale * np.asarray(rm.model.friction[6:], dtype=float)
    for key, value in overrides.items():
        if not hasattr(s, key) or key.startswith("_"):
            valid = sorted(k for k in dir(s) if not k.startswith("_"))
            raise ConfigError("<controller options>", key, f"unknown WBC setting; valid: {valid}")
        setattr(s, key, value)
    return s


def make_wbc(
    rm: RobotModel, robot: _core.Robot | None = None, q0: np.ndarray | None = None, **overrides: Any
) -> _core.WholeBodyQP:
    """A WholeBodyQP for ``rm`` with WholeBodyController's settings (BALANCE_DEFAULTS, then
    ``overrides``) whose references start at ``q0`` (default: the standing pose)."""
    if robot is None:
        robot = _core.Robot(str(rm.path), rm.foot_frames + rm.hand_frames + ["base_imu"])
    q0 = standing_configuration(rm) if q0 is None else q0
    return _core.WholeBodyQP(robot, wbc_settings(rm, **{**BALANCE_DEFAULTS, **overrides}), q0)


class WholeBodyController:
    """Balance in double support: capture point driven to the initial CoM (CMP kept inside the
    box of the soles), base upright with the initial heading, joints toward the standing posture,
    contact wrenches within friction and CoP limits (whole sole rectangles).

    Runs the C++ ``StandingController`` (``cpp/src/standing_controller.cpp``) through its safety
    layer (docs/safety.md). Implements the simulator's ``Controller`` protocol; needs the base
    state (ground truth or an estimate). ``ctx.settings.options`` may override any
    ``WholeBodyQPSettings`` field (``--set controller.options.kp_com=80``) and set the safety
    layer's (``controller.options.safety``, a table).
    """

    def __init__(self, ctx):
        self.rm = RobotModel(ctx.robot)
        options = dict(ctx.settings.options)
        path = getattr(ctx.robot, "config_path", "<controller options>")
        self.safety_settings = safety_settings(path, options.pop("safety", None))
        self.robot = _core.Robot(str(self.rm.path), self.rm.foot_frames + ["base_imu"])
        self.q_stand = standing_configuration(self.rm)
        self.settings = wbc_settings(self.rm, **{**BALANCE_DEFAULTS, **options})
        self.ctl = _core.StandingController(
            self.robot, self.settings, self.q_stand, self.safety_settings, float(ctx.dt_s)
        )
        self._ticks: list[float] = []

    def reset(self, state) -> None:
        self.ctl.reset(state)
        self._ticks.clear()

    def compute(self, state, command) -> np.ndarray:
        tau = self.ctl.tick(state, command)
        self._ticks.append(self.ctl.last_wbc_us)
        return tau

    def stats(self) -> dict[str, Any]:
        t = np.asarray(self._ticks) if self._ticks else np.zeros(1)
        return {
            "tick_us": {
                "p50": float(np.percentile(t, 50)),
                "p99": float(np.percentile(t, 99)),
                "max": float(t.max()),
            },
            "failures": int(self.ctl.failures),
            "status": str(self.ctl.status),
            "safety": self.ctl.safety,
        }
