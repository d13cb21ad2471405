"""The ``walk`` controller's configuration: one typed, nested tree of settings.

Sections (``controller.options.SECTION.NAME`` in a scenario, ``[walking.SECTION]`` in a robot
file, ``--set controller.options.SECTION.NAME=VALUE`` on the command line)::

    planner, implementation, planning_thread    top level: which controller runs, and how
    gait.*       contact timing and step geometry (GaitSettings fields) + planning horizon, knots
    footholds.*  where the feet go: foothold feedback law, DCM step adjustment, push steps
    command.*    the velocity command: rate limits, drift feedback, yaw-reference lead
    balance.*    the DCM law, the CoP bounds, the CoM height (lowering, stepping down), stopping
    wbc.*        the whole-body QP (WholeBodyQPSettings fields, wbc_settings' extras) + contacts
    mpc.*        planner "mpc": deadline, weights, what the MPC's plan drives
    arms.*       arm swing
    safety.*     the C++ safety layer (SafetySettings fields; defaults and bounds in C++)

Each setting of the controller's own is a dataclass field made by :func:`setting`: its default,
bound and effect are stated there once, and :meth:`WalkingConfig.from_table` checks every value
against it. ``gait`` and ``wbc`` also take the fields of ``GaitSettings`` / ``WholeBodyQPSettings``
(bounds checked by those types); the walking controller's own defaults of those are
``GAIT_DEFAULTS`` and ``WBC_DEFAULTS``. Unknown keys raise ``ConfigError`` listing the valid ones;
the flat names of before (``step_duration_s``) raise one naming the new key.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from cerebellum import _core
from cerebellum.controllers.gait import GaitSettings, GaitSettingsError
from cerebellum.controllers.safety import SAFETY_FIELDS
from cerebellum.errors import ConfigError

__all__ = [
    "Bound",
    "GAIT_DEFAULTS",
    "WBC_DEFAULTS",
    "WBC_EXTRAS",
    "WalkingConfig",
    "GaitConfig",
    "FootholdConfig",
    "CommandConfig",
    "BalanceConfig",
    "WbcConfig",
    "MpcConfig",
    "ArmsConfig",
    "SECTIONS",
    "FORMER_NAMES",
    "merge_tables",
    "setting_names",
    "setting_info",
    "check_setting",
]

PLANNERS = ("lipm", "mpc")
IMPLEMENTATIONS = ("auto", "cpp")
STEP_FEEDBACKS = ("gait", "dcm", "capture")
MPC_BALANCES = ("lipm", "mpc", "none")


# ---------------------------------------------------------------------------------------------
# one statement per setting


@dataclass(frozen=True)
class Bound:
    """The values a number may take: ``low`` < (or <=, ``closed_low``) v; ``inf``: +inf too."""

    low: float = 0.0
    closed_low: bool = False
    inf: bool = False

    def admits(self, v: float) -> bool:
        if math.isnan(v) or (math.isinf(v) and not (self.inf and v > 0)):
            return False
        return v >= self.low if self.closed_low else v > self.low

    def __str__(self) -> str:
        text = f"{'>=' if self.closed_low else '>'} {self.low:g}"
        return f"{text} or inf" if self.inf else text


POSITIVE = Bound()
NON_NEGATIVE = Bound(closed_low=True)


def setting(
    default: Any,
    doc: str,
    *,
    bound: Bound | None = None,
    choices: tuple[str, ...] = (),
    unit: str = "",
    optional: bool = False,
    former: str | None = None,
) -> Any:
    """A dataclass field of a configuration section: ``default``; ``bound`` (numbers) or
    ``choices`` (strings); ``doc``, its effect (``cerebellum options``); ``unit`` when the name
    has no unit suffix; ``optional``: None is valid; ``former``: the flat name of before, when it
    is not the field's own name."""
    meta = dict(doc=doc, bound=bound, choices=choices, unit=unit, optional=optional, former=former)
    if isinstance(default, dict) or default is None and not optional:
        raise TypeError("a setting's default is a number, bool, string or (optional) None")
    return field(default=default, metadata=meta)


def _check(path: str, key: str, f: dataclasses.Field, v: Any) -> Any:
    """``v`` checked against the field's type and bound (ConfigError naming ``key``)."""
    m, default = f.metadata, f.default
    if v is None and m["optional"]:
        return None
    if m["choices"]:
        if v not in m["choices"]:
            raise ConfigError(path, key, f"unknown value {v!r}; valid: {list(m['choices'])}")
        return v
    if isinstance(default, bool) or f.type in ("bool | None",):
        if not isinstance(v, bool):
            raise ConfigError(path, key, f"expected true or false, got {v!r}")
        return v
    if isinstance(default, (int, float)):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ConfigError(path, key, f"expected a number, got {v!r}")
        b = m["bound"]
        if b is not None and not b.admits(float(v)):
            raise ConfigError(path, key, f"expected {b}, got {v!r}")
        if b is None and not math.isfinite(v):
            raise ConfigError(path, key, f"expected a finite number, got {v!r}")
        return float(v)
    raise ConfigError(path, key, f"unexpected value {v!r}")  # pragma: no cover


# ---------------------------------------------------------------------------------------------
# the walking controller's defaults of GaitSettings and WholeBodyQPSettings fields

# Walking defaults that differ from GaitSettings.for_robot.
# No velocity feedback in the footholds: the DCM law tracks the CoM plan through the CoP, and
# footholds pulled back by a velocity deficit shorten the plan and the walk (positive feedback).
GAIT_DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {
        "step_duration_s": 0.4,
        "initial_double_support_s": 0.3,
        "velocity_feedback_gain": 0.0,
        "capture_point_feedback": False,
    }
)

# Every WBC setting the walking controller relies on, pinned here (not taken from the defaults of
# wbc_settings / WholeBodyQPSettings). Horizontal CoM: the DCM law sets the CoM acceleration and
# the CoM reference follows the measured CoM, so k_dcm = 0 and kp_com only acts on the height.
# ``contact_weight`` is set per robot in WalkSetup (hard contacts for 6-DoF legs).
WBC_DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {
        "sole_margin": 1.0,
        "soft_contacts": False,
        "kd_contact": 20.0,
        "k_dcm": 0.0,
        "cmp_margin": 1.0,
        "w_momentum": np.array([10.0, 10.0, 10.0, 1.0, 1.0, 1.0]),
        "kp_com": 50.0,
        "kd_com": 15.0,
        "kd_angular_momentum": 5.0,
        "w_base_orientation": 30.0,
        "kp_base": 400.0,
        "kd_base": 40.0,
        "w_swing": np.array([1000.0, 1000.0, 1000.0, 10.0, 10.0, 10.0]),
        "kp_swing": 900.0,
        "kd_swing": 60.0,
        "w_posture": 10.0,
        "kp_posture": 50.0,
        "kd_posture": 10.0,
        "w_reg_vdot": 1e-4,
        "w_reg_wrench": 1e-6,
        "w_wrench_ff": 0.0,
        # 1e-6 on the KKT residuals (N, N·m, m/s^2), as for balance: 1e-9 cost H1 ~145 µs per
        # tick (controller tick p50 474 -> 329 µs, real-time factor 1.30 -> 1.61 on one core) for
        # the same walk (walk-flat: 11.91 m, RMSE 0.216 either way)
        "eps_abs": 1e-6,
        "eps_rel": 0.0,
        "max_iter": 30,  # x (max_iter_in + 1) inner iterations bound a tick (see wbc.hpp)
        "max_iter_in": 50,
        "mu_eq": 1e-3,  # proxsuite's defaults
        "mu_in": 1e-1,
        "working_set": True,  # the previous tick's active set first (one KKT solve)
        "fallback_decay": 0.9,
        "fallback_damping": 2.0,
    }
)

#: Settings of ``controllers.wbc.wbc_settings`` beside the WholeBodyQPSettings fields.
WBC_EXTRAS = ("sole_margin", "soft_contacts", "passive_compensation", "passive_scale")
_GAIT_FIELDS = tuple(f.name for f in dataclasses.fields(GaitSettings))
_QP_FIELDS = tuple(
    sorted(k for k in dir(_core.WholeBodyQPSettings()) if not k.startswith("_"))
) + tuple(k for k in WBC_EXTRAS if not hasattr(_core.WholeBodyQPSettings(), k))


# ---------------------------------------------------------------------------------------------
# sections


@dataclass(frozen=True)
class GaitConfig:
    """``gait.*``: the planning horizon and knots; ``settings``: the GaitSettings fields given
    (over ``GAIT_DEFAULTS``; the rest from ``GaitSettings.for_robot``)."""

    horizon_s: float = setting(
        1.6, "gait/CoM planning horizon (>= 3 steps for the DCM recursion)", bound=POSITIVE
    )
    knot_dt_s: float = setting(0.04, "gait plan knot spacing", bound=POSITIVE)
    terrain_aware: bool | None = setting(
        None,
        "footholds, swing clearance and base height from the scenario's terrain queries (when "
        "the simulator gives them), else every foothold at the stance sole's height; unset: on "
        "for stepped terrains (stairs, stepping stones), off on continuous ones",
        optional=True,
    )
    settings: Mapping[str, Any] = field(
        default_factory=lambda: MappingProxyType(dict(GAIT_DEFAULTS))
    )


@dataclass(frozen=True)
class FootholdConfig:
    """``footholds.*``: where the feet touch down."""

    step_feedback: str = setting(
        "gait",
        '"gait": the gait planner\'s heuristic around the measured base (velocity feedback '
        'gains from the gait settings); "dcm": the heuristic around the capture point; '
        '"capture": straight from the DCM predicted at touchdown',
        choices=STEP_FEEDBACKS,
    )
    step_dcm_gain: float = setting(
        0.5, "footholds move by gain x the DCM error predicted at touchdown", bound=NON_NEGATIVE
    )
    max_step_adjust_m: float = setting(0.15, "bound of that move per axis", bound=POSITIVE)
    from_com: bool = setting(
        True,
        "footholds around the measured CoM (plus the standing pose's offset from the base to the "
        "sole centres, heading frame) instead of around the measured base: a pelvis that sways "
        "or sits off the CoM does not shorten or lengthen the steps",
        former="footholds_from_com",
    )
    push_step_margin_m: float = setting(
        0.0,
        "push recovery: standing (zero command), a DCM further than this outside the box spanned "
        "by the soles (CoP command bounds) starts stepping at once (first liftoff after "
        "push_step_double_support_s, the foot farther from the DCM first); stepping goes on "
        "while the DCM stays outside or the CoM is faster than balance.stop_speed_mps (inf: "
        "never)",
        bound=Bound(closed_low=True, inf=True),
    )
    push_step_double_support_s: float = setting(
        0.1, "double support before a push step's liftoff", bound=POSITIVE
    )


@dataclass(frozen=True)
class CommandConfig:
    """``command.*``: how the velocity command reaches the gait (rate limits, drift feedback)."""

    max_accel_mps2: float = setting(
        0.5, "the vx, vy command reaches its target at this rate", bound=POSITIVE
    )
    max_yaw_accel_rad_s2: float = setting(
        1.0, "the yaw-rate command reaches its target at this rate", bound=POSITIVE
    )
    max_yaw_lead_rad: float = setting(
        0.3, "yaw reference kept within this of the measured yaw", bound=POSITIVE
    )
    lateral_drift_gain: float = setting(
        0.0,
        "sideways drift: while walking, the heading-frame lateral CoM displacement beyond the "
        "commanded one (integrated from the step-averaged CoM velocity, bounded by "
        "max_lateral_drift_m) is fed back into the commanded vy: vy -= gain x drift, clipped to "
        "+- max_lateral_correction_mps (0: off)",
        bound=NON_NEGATIVE,
        unit="1/s",
    )
    max_lateral_drift_m: float = setting(0.3, "see lateral_drift_gain", bound=POSITIVE)
    max_lateral_correction_mps: float = setting(0.1, "see lateral_drift_gain", bound=POSITIVE)
    forward_drift_gain: float = setting(
        0.0,
        "forward speed: the same for the heading-frame forward CoM displacement against the "
        "commanded one (a robot whose steps fall short walks slower than commanded): vx -= gain "
        "x deficit, clipped to +- max_forward_correction_mps (0: off); the deficit is bounded by "
        "max_forward_drift_m (the lag of starting to walk does not wind it up further)",
        bound=NON_NEGATIVE,
        unit="1/s",
    )
    max_forward_drift_m: float = setting(0.3, "see forward_drift_gain", bound=POSITIVE)
    max_forward_correction_mps: float = setting(0.1, "see forward_drift_gain", bound=POSITIVE)


@dataclass(frozen=True)
class BalanceConfig:
    """``balance.*``: the DCM law, its CoP bounds, the CoM height, when walking stops."""

    k_dcm: float = setting(
        2.0,
        "DCM feedback gain: cop = cop_ref + (1 + k/w) (dcm - dcm_ref)",
        bound=NON_NEGATIVE,
        unit="1/s",
    )
    cop_margin: float = setting(
        0.8, "CoP commands within this fraction of the sole rectangle", bound=POSITIVE
    )
    dcm_replan: bool = setting(
        True,
        "each plan: the CoP from now to the next waypoint is chosen so that the DCM plan starts "
        "at the measured DCM (clipped to the support area); else the plan's DCM starts where the "
        "footholds put it and the DCM law closes the gap",
    )
    stop_speed_mps: float = setting(
        0.1, "walking stops only once the CoM is slower than this", bound=POSITIVE
    )
    com_lowering_m: float = setting(
        0.05, "walking CoM height = standing CoM height - this", bound=NON_NEGATIVE
    )
    com_descent_accel_mps2: float = setting(
        3.0,
        "stepping down, the CoM height reference comes down from the swing's liftoff with at "
        "most this acceleration (see _core.DescentFilter)",
        bound=POSITIVE,
    )
    com_descent_speed_mps: float = setting(
        0.3, "and at most this speed (see com_descent_accel_mps2)", bound=POSITIVE
    )
    com_step_down_min_m: float = setting(
        0.02,
        "a drop of the ground under the CoM of at least this much is a step down: the CoM comes "
        "down with the swing to the lower level, through the descent filter, its rate and "
        "acceleration fed forward; smaller drops (the soles' height moving on a slope or rough "
        "ground) take the same smooth height without the feed-forward",
        bound=NON_NEGATIVE,
    )


@dataclass(frozen=True)
class WbcConfig:
    """``wbc.*``: contact modelling of the walking controller; ``qp``: the WholeBodyQPSettings
    fields and wbc_settings' extras given (over ``WBC_DEFAULTS``)."""

    yaw_coeff_m: float = setting(
        0.03,
        "contact yaw torque bound |tau_z| <= c f_z (a box sole on MuJoCo's pyramid cone resists "
        "little yaw torque)",
        bound=POSITIVE,
    )
    no_ankle_roll_width_scale: float = setting(
        0.2, "sole width used by legs without ankle roll", bound=POSITIVE
    )
    no_ankle_roll_free_roll: bool = setting(
        True,
        "legs without ankle roll: the QP does not hold their soles' roll (a flat sole has to "
        "roll onto an edge for the hip to move sideways); else it holds it with the soft contact "
        "weight",
    )
    qp: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType(dict(WBC_DEFAULTS)))


@dataclass(frozen=True)
class MpcConfig:
    """``mpc.*``: planner "mpc" only."""

    deadline_scale: float = setting(
        0.8,
        "MPC deadline = this x the plan period (1 / mpc_hz)",
        bound=POSITIVE,
        former="mpc_deadline_scale",
    )
    # As before the nested configuration: wbc.w_wrench_ff (pinned 0 in WBC_DEFAULTS) takes
    # precedence, so this weight never reaches the QP.
    w_wrench_ff: float = setting(
        1e-4,
        "WBC weight of the MPC's contact wrenches as feed-forward, unless wbc.w_wrench_ff is "
        "set (it always is: WBC_DEFAULTS pins it to 0)",
        bound=NON_NEGATIVE,
        unit="weight",
        former="mpc_w_wrench_ff",
    )
    balance: str = setting(
        "lipm",
        'horizontal CoM: "lipm" the DCM law around the LIPM/DCM plan; "mpc" the DCM law around '
        "the MPC's CoM plan; \"none\" the WBC's PD on the MPC's CoM",
        choices=MPC_BALANCES,
        former="mpc_balance",
    )
    posture: bool = setting(
        False,
        "WBC posture reference = the MPC's joint positions (else standing)",
        former="mpc_posture",
    )
    w_base_tilt: float = setting(
        100.0,
        "MPC weight of the base's roll and pitch to upright (MPCSettings.w_base_rpy). Without "
        'the DCM law (mpc.balance = "none") the default 100 makes the MPC pitch a base that sits '
        "slightly off upright back with contact forces, and the CoM follows (Talos: backward at "
        "0.1-0.5 m/s while standing); 1 holds it",
        bound=NON_NEGATIVE,
        unit="rad^-2",
        former="mpc_w_base_tilt",
    )
    base: bool = setting(
        False, "WBC base orientation = the MPC's (else upright, commanded yaw)", former="mpc_base"
    )


@dataclass(frozen=True)
class ArmsConfig:
    """``arms.*``: the arms' posture references while walking."""

    # joint name -> coefficient, rad/m (a table; checked against the model's joints)
    swing: Mapping[str, float] | None = field(
        default=None,
        metadata=dict(
            doc="posture reference of these joints = standing + coefficient (rad/m) x the lead "
            "of the left sole's x over the right sole's (heading frame, swing references for a "
            "swing foot); an arm swinging against the opposite leg takes up the legs' yaw "
            "momentum. A table joint name -> coefficient; unset: off",
            bound=None,
            choices=(),
            unit="rad/m",
            optional=True,
            former="arm_swing",
        ),
    )


#: Section name -> its dataclass, in the order of the documentation.
SECTIONS: dict[str, type] = {
    "gait": GaitConfig,
    "footholds": FootholdConfig,
    "command": CommandConfig,
    "balance": BalanceConfig,
    "wbc": WbcConfig,
    "mpc": MpcConfig,
    "arms": ArmsConfig,
}
#: Passthrough sections: the container field and the names of the fields of the type it fills.
_PASSTHROUGH = {"gait": ("settings", _GAIT_FIELDS), "wbc": ("qp", _QP_FIELDS)}


def _own_fields(cls: type) -> list[dataclasses.Field]:
    return [f for f in dataclasses.fields(cls) if "doc" in f.metadata]


@dataclass(frozen=True)
class WalkingConfig:
    """The whole configuration of the ``walk`` controller (see the module docstring)."""

    planner: str = setting("lipm", '"lipm" (LIPM/DCM) or "mpc" (kinodynamic MPC)', choices=PLANNERS)
    implementation: str = setting(
        "auto",
        '"auto" or "cpp" (the same): the compiled controller (_core.WalkingController)',
        choices=IMPLEMENTATIONS,
    )
    planning_thread: bool = setting(
        False,
        "plan on a thread of its own every 1 / mpc_hz of wall time (what a robot runs; not "
        "reproducible bit for bit; the simulation then keeps to real time) instead of in the "
        "tick, in simulated time",
    )
    gait: GaitConfig = field(default_factory=GaitConfig)
    footholds: FootholdConfig = field(default_factory=FootholdConfig)
    command: CommandConfig = field(default_factory=CommandConfig)
    balance: BalanceConfig = field(default_factory=BalanceConfig)
    wbc: WbcConfig = field(default_factory=WbcConfig)
    mpc: MpcConfig = field(default_factory=MpcConfig)
    arms: ArmsConfig = field(default_factory=ArmsConfig)
    # SafetySettings fields given (docs/safety.md), None: none given
    safety: Mapping[str, Any] | None = None

    @classmethod
    def from_table(
        cls, path: str, table: Mapping[str, Any], prefix: str = "controller.options"
    ) -> WalkingConfig:
        """The configuration of the nested ``table`` (a robot's ``[walking]`` or a scenario's
        ``controller.options``); ``path`` and ``prefix`` name the file and the table in errors.
        """
        if not isinstance(table, Mapping):
            raise ConfigError(path, prefix, f"expected a table, got {table!r}")
        top = {f.name: f for f in _own_fields(cls)}
        valid = [*top, *SECTIONS, "safety"]
        kwargs: dict[str, Any] = {}
        for k, v in table.items():
            key = f"{prefix}.{k}"
            if k in top:
                kwargs[k] = _check(path, key, top[k], v)
            elif k in SECTIONS:
                kwargs[k] = _section(path, key, k, v)
            elif k == "safety":
                kwargs[k] = _safety(path, key, v)
            elif k in FORMER_NAMES:
                raise ConfigError(path, key, f"{key} is now {prefix}.{FORMER_NAMES[k]}")
            else:
                raise ConfigError(path, key, f"unknown setting of 'walk'; valid: {valid}")
        return cls(**kwargs)

    def replace(self, changes: Mapping[str, Any]) -> WalkingConfig:
        """A copy with the settings named by dotted name changed (checked as a table is)."""
        over: dict[str, Any] = {}
        for dotted, v in changes.items():
            over = merge_tables(over, nest(dotted, v))
        return WalkingConfig.from_table("<replace>", merge_tables(self.table(), over))

    def table(self) -> dict[str, Any]:
        """The settings as a nested table of plain values (sections' settings, passthrough
        fields included; ``safety`` only when given)."""
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in _own_fields(WalkingConfig)}
        for name in SECTIONS:
            sec = getattr(self, name)
            t = {f.name: getattr(sec, f.name) for f in _own_fields(type(sec))}
            if name in _PASSTHROUGH:
                t.update(getattr(sec, _PASSTHROUGH[name][0]))
            out[name] = t
        if self.safety is not None:
            out["safety"] = dict(self.safety)
        return out


def _section(path: str, key: str, name: str, table: Any) -> Any:
    cls = SECTIONS[name]
    if not isinstance(table, Mapping):
        raise ConfigError(path, key, f"expected a table, got {table!r}")
    own = {f.name: f for f in _own_fields(cls)}
    container, passthrough = _PASSTHROUGH.get(name, (None, ()))
    kwargs: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for k, v in table.items():
        where = f"{key}.{k}"
        if k in own:
            kwargs[k] = (
                _swing(path, where, v) if own[k].name == "swing" else _check(path, where, own[k], v)
            )
        elif k in passthrough:
            extra[k] = v
        else:
            raise ConfigError(
                path, where, f"unknown setting of '{name}'; valid: {[*own, *passthrough]}"
            )
    if container is not None:
        base = GAIT_DEFAULTS if name == "gait" else WBC_DEFAULTS
        kwargs[container] = MappingProxyType({**base, **extra})
    return cls(**kwargs)


def _swing(path: str, key: str, v: Any) -> Mapping[str, float] | None:
    if v is None:
        return None
    ok = isinstance(v, Mapping) and all(
        isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c)
        for c in v.values()
    )
    if not ok:
        raise ConfigError(path, key, f"expected a table joint name -> finite number, got {v!r}")
    return MappingProxyType({str(j): float(c) for j, c in v.items()})


def _safety(path: str, key: str, v: Any) -> Mapping[str, Any]:
    if not isinstance(v, Mapping):
        raise ConfigError(path, key, f"expected a table, got {v!r}")
    for k in v:
        if k not in SAFETY_FIELDS:
            raise ConfigError(
                path, f"{key}.{k}", f"unknown setting of 'safety'; valid: {list(SAFETY_FIELDS)}"
            )
    return MappingProxyType(dict(v))


def _formers() -> dict[str, str]:
    """The flat option name of before -> its dotted name now (own settings first, then the
    GaitSettings fields, then the QP's: the precedence of the flat names)."""
    out: dict[str, str] = {}
    for name, cls in SECTIONS.items():
        for f in _own_fields(cls):
            out.setdefault(f.metadata["former"] or f.name, f"{name}.{f.name}")
    for name in _GAIT_FIELDS:
        out.setdefault(name, f"gait.{name}")
    for name in _QP_FIELDS:
        out.setdefault(name, f"wbc.{name}")
    return out


FORMER_NAMES = _formers()


# ---------------------------------------------------------------------------------------------
# helpers for the consumers (CLI, tuning, robot files)


def merge_tables(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` on ``base``, section by section: a table under a key that is a table in both
    (a section, ``safety``) is merged key by key; any other value (``arms.swing``) replaces."""
    out = dict(base)
    for k, v in over.items():
        if (
            (k in SECTIONS or k == "safety")
            and isinstance(v, Mapping)
            and isinstance(out.get(k), Mapping)
        ):
            out[k] = {**out[k], **v}
        else:
            out[k] = v
    return out


def setting_names() -> list[str]:
    """Every dotted setting name of the ``walk`` controller (top level, sections, safety)."""
    names = [f.name for f in _own_fields(WalkingConfig)]
    for name, cls in SECTIONS.items():
        names += [f"{name}.{f.name}" for f in _own_fields(cls)]
        names += [f"{name}.{k}" for k in _PASSTHROUGH.get(name, ("", ()))[1]]
    names += [f"safety.{k}" for k in SAFETY_FIELDS]
    return names


def setting_info(dotted: str) -> dataclasses.Field | None:
    """The field of a controller's own setting (``footholds.step_feedback``), else None."""
    *sec, name = dotted.split(".")
    cls = WalkingConfig if not sec else SECTIONS.get(sec[0])
    if cls is None or len(sec) > 1:
        return None
    return next((f for f in _own_fields(cls) if f.name == name), None)


def nest(dotted: str, value: Any) -> dict[str, Any]:
    """``{"gait": {"step_duration_s": 0.4}}`` from ``"gait.step_duration_s", 0.4``."""
    *parents, last = dotted.split(".")
    out: dict[str, Any] = {last: value}
    for p in reversed(parents):
        out = {p: out}
    return out


def check_setting(path: str, dotted: str, value: Any, prefix: str = "controller.options") -> None:
    """ConfigError unless ``value`` is valid for the setting ``dotted`` by itself (a GaitSettings
    field: against GaitSettings' defaults for the others; the controller checks it against the
    robot's geometry)."""
    WalkingConfig.from_table(path, nest(dotted, value), prefix)
    sec, _, name = dotted.partition(".")
    if sec == "gait" and name in _GAIT_FIELDS:
        try:
            GaitSettings().replace(**{name: value})
        except GaitSettingsError as e:
            raise ConfigError(path, f"{prefix}.{dotted}", e.problem) from None
