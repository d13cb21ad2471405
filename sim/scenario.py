"""Scenarios: TOML files naming the robot, terrain, duration, commands, pushes, noise, controller
settings and success criteria.

Built-in scenarios live in ``cerebellum/sim/scenarios/``; a path to any ``.toml`` file is accepted
wherever a scenario name is. Layout (every table except ``[scenario]`` is optional)::

    [scenario]   name, description, robot, duration_s, seed
    [terrain]    name = "flat" | "slope" | ...; the other keys are the terrain's parameters
                 (a random terrain without an explicit ``seed`` takes one from the run's seed)
    [[command]]  t_s, vx (m/s), vy (m/s), yaw_rate (rad/s)      base velocity, held from t_s on
    [[push]]     t_s, duration_s, body, force_N = [x, y, z] | impulse_Ns = [x, y, z] (world frame),
                 jitter_t_s (uniform +-), jitter_angle_deg (uniform +- rotation about z)
    [noise]      joint_pos_rad, joint_vel_rad_s, gyro_rad_s, acc_m_s2, orientation_rad,
                 foot_force_N, foot_torque_Nm                Gaussian standard deviations;
                 gyro_bias_rad_s, acc_bias_m_s2 (std of a constant bias drawn per run and axis),
                 gyro_bias_walk_rad_s2, acc_bias_walk_m_s3 (bias random walk, per sqrt(s));
                 imu_rate_hz, imu_latency_s, imu_dropout_t_s, imu_dropout_duration_s
    [initial]    joint_pos_rad, base_xy_m, base_yaw_rad     Gaussian std of the start perturbation
    [controller] name, wbc_hz, mpc_hz, actuation_delay_ticks, ground_truth_base, options = {...},
                 estimator = {...} (BaseEstimatorSettings fields, used when ground_truth_base
                 is false)
    [[fault]]    kind, t_s, duration_s, target, magnitude, mode     see FAULT_KINDS; targets that
                 name joints are checked against the robot when the simulation is built
    [physics]    timestep_s, actuator_model (false: ideal motors, whatever the robot file says)
    [success]    no_fall, fall_height_fraction, fall_tilt_rad, base_height_min_m,
                 end_position = [x, y], end_position_tol_m, end_velocity_tol_m_s,
                 min_distance_m, max_velocity_rmse (m/s), max_yaw_rate_rmse (rad/s)

``apply_overrides(doc, ["push.0.impulse_Ns=[0, 30, 0]", "scenario.duration_s=5"])`` edits the raw
document before validation (values are TOML literals; anything else is taken as a string).
"""

from __future__ import annotations

import copy
import importlib.resources
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cerebellum.errors import ConfigError, UnknownNameError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "Command",
    "ControllerSettings",
    "FAULT_KINDS",
    "Fault",
    "InitialPerturbation",
    "Push",
    "Scenario",
    "SensorNoise",
    "SuccessCriteria",
    "apply_overrides",
    "list_scenarios",
    "load_scenario",
    "parse_scenario",
    "scenario_paths",
]


@dataclass(frozen=True)
class Command:
    """Base velocity held from ``t_s`` on: vx, vy (m/s, heading frame), yaw_rate (rad/s)."""

    t_s: float = 0.0
    vx: float = 0.0
    vy: float = 0.0
    yaw_rate: float = 0.0


@dataclass(frozen=True)
class Push:
    """External force on ``body`` (None: the robot's base) during [t_s, t_s + duration_s).

    Exactly one of ``force_N`` (3,) or ``impulse_Ns`` (3,) is given, world frame.
    """

    t_s: float
    duration_s: float
    body: str | None = None
    force_N: tuple[float, float, float] | None = None
    impulse_Ns: tuple[float, float, float] | None = None
    jitter_t_s: float = 0.0
    jitter_angle_deg: float = 0.0

    @property
    def force(self) -> np.ndarray:
        """(3,) N, world frame (before jitter)."""
        if self.force_N is not None:
            return np.array(self.force_N, dtype=float)
        return np.array(self.impulse_Ns, dtype=float) / self.duration_s


@dataclass(frozen=True)
class SensorNoise:
    """Gaussian standard deviations added to each sensor reading."""

    joint_pos_rad: float = 0.0
    joint_vel_rad_s: float = 0.0
    gyro_rad_s: float = 0.0
    acc_m_s2: float = 0.0
    orientation_rad: float = 0.0
    foot_force_N: float = 0.0
    foot_torque_Nm: float = 0.0
    gyro_bias_rad_s: float = 0.0  # constant bias ~ N(0, std) per run and axis
    acc_bias_m_s2: float = 0.0
    gyro_bias_walk_rad_s2: float = 0.0  # bias random walk, std per sqrt(s)
    acc_bias_walk_m_s3: float = 0.0
    imu_rate_hz: float = 0.0  # IMU sample rate (held between samples); 0: every control tick
    imu_latency_s: float = 0.0  # age of the IMU sample the controller gets (whole ticks)
    imu_dropout_t_s: float = 0.0  # IMU readings are NaN during [t, t + duration)
    imu_dropout_duration_s: float = 0.0


#: Fault kinds of ``[[fault]]``: what ``target``, ``magnitude`` and ``mode`` mean for each.
FAULT_KINDS: dict[str, str] = {
    "sensor_dropout": "target imu | encoders | foot_ft | left_foot_ft | right_foot_ft; "
    'mode "hold" (the last reading repeats) or "nan" (no reading: NaN); no magnitude',
    "encoder_stuck": "target joints (see below); the position reads its "
    "last value and the velocity 0; no magnitude",
    "encoder_noise": "target joints; magnitude [position std rad, "
    "velocity std rad/s] of extra Gaussian noise",
    "imu_bias": "target gyro | acc; magnitude [x, y, z] rad/s or m/s^2 (IMU frame) added from "
    "t_s for duration_s (a bias step)",
    "imu_spike": "target gyro | acc; magnitude [x, y, z] added for duration_s (default: one "
    "control period)",
    "actuator": "target joints; magnitude torque scale 0..1 (0: dead "
    "motor) of what the motor delivers, after its effort limit",
    "command_latency": "no target; magnitude s: the controller gets the velocity command of "
    "magnitude seconds earlier",
    "mpc_deadline": "no target, magnitude or mode; every MPC solve misses its deadline (the "
    "shifted previous plan is kept); needs a controller with force_mpc_deadline_miss (walk-cpp)",
}
# Joint targets: a limb (left_leg, right_leg, left_arm, right_arm, legs, arms), a limb's n-th
# joint from the base (left_leg[3]: the knee of H1, Apollo and Talos) or a glob pattern over joint
# names (*knee*), resolved on the robot by cerebellum.sim.faults.resolve_joints.
_DROPOUT_TARGETS = ("imu", "encoders", "foot_ft", "left_foot_ft", "right_foot_ft")
_IMU_TARGETS = ("gyro", "acc")


@dataclass(frozen=True)
class Fault:
    """A fault active during [t_s, t_s + duration_s) (see :data:`FAULT_KINDS`).

    ``magnitude``: a number (actuator scale, command latency s), three numbers (IMU bias or
    spike), two (encoder noise std), or None.
    """

    kind: str
    t_s: float
    duration_s: float
    target: str | None = None
    magnitude: float | tuple[float, ...] | None = None
    mode: str | None = None

    def as_dict(self) -> dict[str, Any]:
        m = self.magnitude
        return {
            "kind": self.kind,
            "t_s": self.t_s,
            "duration_s": self.duration_s,
            "target": self.target,
            "magnitude": list(m) if isinstance(m, tuple) else m,
            "mode": self.mode,
        }


@dataclass(frozen=True)
class InitialPerturbation:
    """Gaussian standard deviations of the perturbation of the standing start state."""

    joint_pos_rad: float = 0.01
    base_xy_m: float = 0.0
    base_yaw_rad: float = 0.0


@dataclass(frozen=True)
class ControllerSettings:
    """Rates and interface options of the controller under test."""

    name: str | None = None  # None: the runner's default
    wbc_hz: float = 1000.0
    mpc_hz: float = 50.0
    actuation_delay_ticks: int = 0
    ground_truth_base: bool = True  # false: the controller gets the estimator's base state
    options: dict[str, Any] = field(default_factory=dict)
    estimator: dict[str, Any] = field(default_factory=dict)  # BaseEstimatorSettings overrides


@dataclass(frozen=True)
class SuccessCriteria:
    """The run succeeds when every stated criterion holds. Falls end the run early."""

    no_fall: bool = True
    fall_height_fraction: float = 0.5  # fall: base height above terrain < fraction x initial
    fall_tilt_rad: float = 1.0  # fall: angle between base z and world z above this
    base_height_min_m: float | None = None  # base height above terrain never below this
    end_position: tuple[float, float] | None = None  # base x, y at the end, m
    end_position_tol_m: float = 0.1
    end_velocity_tol_m_s: float | None = None  # |base horizontal velocity - command| at the end
    min_distance_m: float | None = None  # net base xy displacement at least this, m
    max_velocity_rmse: float | None = None  # velocity_tracking_rmse.linear_mps at most this
    max_yaw_rate_rmse: float | None = None  # velocity_tracking_rmse.yaw_rate_rad_s at most this


@dataclass(frozen=True)
class Scenario:
    name: str
    path: Path
    description: str
    robot: str
    duration_s: float
    seed: int
    terrain: str
    terrain_params: dict[str, Any]
    commands: tuple[Command, ...]
    pushes: tuple[Push, ...]
    noise: SensorNoise
    initial: InitialPerturbation
    controller: ControllerSettings
    timestep_s: float
    success: SuccessCriteria
    faults: tuple[Fault, ...] = ()
    actuator_model: bool = True  # the robot file's [actuators] motor models, when it has them

    def command_at(self, t_s: float) -> Command:
        """The command in force at time t_s (the last one with ``t_s <= t``)."""
        current = Command()
        for c in self.commands:
            if c.t_s <= t_s + 1e-12:
                current = c
        return current


# ---------------------------------------------------------------------------------------------
# lookup


def _builtin_dir() -> Path:
    return Path(str(importlib.resources.files("cerebellum.sim") / "scenarios"))


def scenario_paths() -> dict[str, Path]:
    """Name -> file of every built-in scenario."""
    return {p.stem: p for p in sorted(_builtin_dir().glob("*.toml"))}


def list_scenarios() -> list[str]:
    return sorted(scenario_paths())


def _resolve(name_or_path: str | os.PathLike) -> Path:
    s = str(name_or_path)
    if s.endswith(".toml") or os.sep in s:
        p = Path(s)
        if not p.is_file():
            raise ConfigError(p, "<file>", "no such file")
        return p
    known = scenario_paths()
    if s not in known:
        raise UnknownNameError("scenario", s, list(known))
    return known[s]


# ---------------------------------------------------------------------------------------------
# overrides


def _literal(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_overrides(
    doc: dict, overrides: list[str] | tuple[str, ...], path: str | Path = "<overrides>"
) -> dict:
    """Returns a copy of the raw TOML ``doc`` with ``section.key=value`` overrides applied.

    A numeric path element indexes an array of tables (``push.0.t_s=1.5``).
    """
    doc = copy.deepcopy(doc)
    for item in overrides:
        key, sep, value = item.partition("=")
        key = key.strip()
        parts = key.split(".")
        if not sep or len(parts) < 2 or not all(parts):
            raise ConfigError(
                path, key or item, f"override '{item}' must look like section.key=value"
            )
        node: Any = doc
        for i, part in enumerate(parts[:-1]):
            nxt = parts[i + 1]
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise ConfigError(
                        path, key, f"index '{part}' out of range (have {len(node)} entries)"
                    )
                node = node[int(part)]
                continue
            if part not in node:
                node[part] = [{}] if nxt.isdigit() and nxt == "0" else {}
            node = node[part]
        last = parts[-1]
        if isinstance(node, list):
            raise ConfigError(path, key, "expected a key after the index, e.g. push.0.t_s")
        if not isinstance(node, dict):
            raise ConfigError(path, key, f"'{'.'.join(parts[:-1])}' is not a table")
        node[last] = _literal(value.strip())
    return doc


# ---------------------------------------------------------------------------------------------
# validation


class _Table:
    """Reads a TOML table, type-checking each field and rejecting unknown keys."""

    def __init__(self, path: Path, where: str, table: Any, valid: tuple[str, ...]):
        if not isinstance(table, dict):
            raise ConfigError(path, where, f"expected a table, got {table!r}")
        unknown = [k for k in table if k not in valid]
        if unknown:
            raise ConfigError(
                path, f"{where}.{unknown[0]}", f"unknown key; valid keys: {', '.join(valid)}"
            )
        self.path, self.where, self.t = path, where, table

    def _field(self, key: str) -> str:
        return f"{self.where}.{key}"

    def has(self, key: str) -> bool:
        return key in self.t

    def num(
        self,
        key: str,
        default: Any = ...,
        lo: float = -math.inf,
        hi: float = math.inf,
        lo_open: bool = False,
    ) -> float:
        if key not in self.t:
            if default is ...:
                raise ConfigError(self.path, self._field(key), "missing")
            return default
        v = self.t[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ConfigError(self.path, self._field(key), f"expected a finite number, got {v!r}")
        if v < lo or v > hi or (lo_open and v == lo):
            lo_s = f"> {lo}" if lo_open else f">= {lo}"
            raise ConfigError(self.path, self._field(key), f"expected {lo_s} and <= {hi}, got {v}")
        return float(v)

    def integer(self, key: str, default: Any = ..., lo: int = -(2**63), hi: int = 2**63 - 1) -> int:
        if key not in self.t:
            if default is ...:
                raise ConfigError(self.path, self._field(key), "missing")
            return default
        v = self.t[key]
        if isinstance(v, bool) or not isinstance(v, int):
            raise ConfigError(self.path, self._field(key), f"expected an integer, got {v!r}")
        if not lo <= v <= hi:
            raise ConfigError(self.path, self._field(key), f"expected {lo}..{hi}, got {v}")
        return v

    def string(self, key: str, default: Any = ...) -> str:
        if key not in self.t:
            if default is ...:
                raise ConfigError(self.path, self._field(key), "missing")
            return default
        v = self.t[key]
        if not isinstance(v, str) or not v:
            raise ConfigError(
                self.path, self._field(key), f"expected a non-empty string, got {v!r}"
            )
        return v

    def boolean(self, key: str, default: Any = ...) -> bool:
        if key not in self.t:
            if default is ...:
                raise ConfigError(self.path, self._field(key), "missing")
            return default
        v = self.t[key]
        if not isinstance(v, bool):
            raise ConfigError(self.path, self._field(key), f"expected true or false, got {v!r}")
        return v

    def vec(self, key: str, n: int, default: Any = ...) -> tuple[float, ...]:
        if key not in self.t:
            if default is ...:
                raise ConfigError(self.path, self._field(key), "missing")
            return default
        v = self.t[key]
        if (
            not isinstance(v, list)
            or len(v) != n
            or not all(
                isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
                for x in v
            )
        ):
            raise ConfigError(
                self.path, self._field(key), f"expected a list of {n} finite numbers, got {v!r}"
            )
        return tuple(float(x) for x in v)


_SECTIONS = (
    "scenario",
    "terrain",
    "command",
    "push",
    "noise",
    "initial",
    "controller",
    "fault",
    "physics",
    "success",
)


def _forbid(t: _Table, kind: str, *keys: str) -> None:
    """ConfigError if the fault table ``t`` of ``kind`` has any of ``keys``."""
    for key in keys:
        if t.has(key):
            raise ConfigError(
                t.path,
                f"{t.where}.{key}",
                f"not a field of a '{kind}' fault ({FAULT_KINDS[kind]})",
            )


def _parse_faults(path: Path, raw: Any, control_period_s: float) -> list[Fault]:
    """The ``[[fault]]`` array; errors name ``fault[i].field`` and the valid kinds or targets."""
    if not isinstance(raw, list):
        raise ConfigError(path, "fault", "expected an array of tables [[fault]]")
    kinds = ", ".join(FAULT_KINDS)
    out = []
    for i, f in enumerate(raw):
        where = f"fault[{i}]"
        t = _Table(path, where, f, ("kind", "t_s", "duration_s", "target", "magnitude", "mode"))
        kind = t.string("kind")
        if kind not in FAULT_KINDS:
            raise ConfigError(path, f"{where}.kind", f"unknown fault kind '{kind}'; valid: {kinds}")

        t_s = t.num("t_s", lo=0.0, hi=3600.0)
        if kind == "imu_spike":
            duration = t.num("duration_s", control_period_s, lo=0.0, hi=1.0, lo_open=True)
        else:
            duration = t.num("duration_s", lo=0.0, hi=3600.0, lo_open=True)
        if duration < control_period_s - 1e-12:
            raise ConfigError(
                path,
                f"{where}.duration_s",
                f"expected at least one control period ({control_period_s:g} s), got {duration}",
            )
        target, magnitude, mode = None, None, None
        if kind == "sensor_dropout":
            _forbid(t, kind, "magnitude")
            target = t.string("target")
            if target not in _DROPOUT_TARGETS:
                raise ConfigError(
                    path,
                    f"{where}.target",
                    f"unknown sensor '{target}'; valid: {', '.join(_DROPOUT_TARGETS)}",
                )
            mode = t.string("mode", "hold")
            if mode not in ("hold", "nan"):
                raise ConfigError(path, f"{where}.mode", f'expected "hold" or "nan", got {mode!r}')
        elif kind in ("encoder_stuck", "encoder_noise", "actuator"):
            _forbid(t, kind, "mode")
            target = t.string("target")
            if kind == "encoder_stuck":
                _forbid(t, kind, "magnitude")
            elif kind == "encoder_noise":
                magnitude = t.vec("magnitude", 2)
                if min(magnitude) < 0 or max(magnitude) > 100.0:
                    raise ConfigError(
                        path, f"{where}.magnitude", f"expected two stds in 0..100, got {magnitude}"
                    )
            else:
                magnitude = t.num("magnitude", lo=0.0, hi=1.0)
        elif kind in ("imu_bias", "imu_spike"):
            _forbid(t, kind, "mode")
            target = t.string("target")
            if target not in _IMU_TARGETS:
                raise ConfigError(
                    path,
                    f"{where}.target",
                    f"unknown IMU channel '{target}'; valid: {', '.join(_IMU_TARGETS)}",
                )
            magnitude = t.vec("magnitude", 3)
            if max(abs(x) for x in magnitude) > 1e3:
                raise ConfigError(
                    path, f"{where}.magnitude", f"expected |x| <= 1000, got {magnitude}"
                )
        elif kind == "mpc_deadline":
            _forbid(t, kind, "target", "magnitude", "mode")
        else:  # command_latency
            _forbid(t, kind, "target", "mode")
            magnitude = t.num("magnitude", lo=0.0, hi=10.0, lo_open=True)
        out.append(Fault(kind, t_s, duration, target, magnitude, mode))
    return out


def parse_scenario(doc: dict, path: str | Path = "<string>") -> Scenario:
    """Validates a raw TOML document into a :class:`Scenario`; errors name file and field."""
    from cerebellum.sim.terrain import TerrainError, list_terrains, make_terrain

    path = Path(path)
    if not isinstance(doc, dict):
        raise ConfigError(path, "<root>", "expected a TOML document")
    unknown = [k for k in doc if k not in _SECTIONS]
    if unknown:
        raise ConfigError(
            path, unknown[0], f"unknown section; valid sections: {', '.join(_SECTIONS)}"
        )
    if "scenario" not in doc:
        raise ConfigError(path, "scenario", "missing")
    sc = _Table(
        path, "scenario", doc["scenario"], ("name", "description", "robot", "duration_s", "seed")
    )
    name = sc.string("name", path.stem)
    robot = sc.string("robot")
    from cerebellum.robots import list_robots

    if not robot.endswith(".toml") and robot not in list_robots():
        known = ", ".join(list_robots())
        raise ConfigError(path, "scenario.robot", f"unknown robot '{robot}'; known: {known}")
    duration = sc.num("duration_s", lo=0.0, hi=3600.0, lo_open=True)
    seed = sc.integer("seed", 0, lo=0, hi=2**32 - 1)

    terrain_t = doc.get("terrain", {"name": "flat"})
    if not isinstance(terrain_t, dict):
        raise ConfigError(path, "terrain", f"expected a table, got {terrain_t!r}")
    terrain_name = terrain_t.get("name", "flat")
    if not isinstance(terrain_name, str):
        raise ConfigError(path, "terrain.name", f"expected a string, got {terrain_name!r}")
    if terrain_name not in list_terrains():
        raise ConfigError(
            path,
            "terrain.name",
            f"unknown terrain '{terrain_name}'; known: {', '.join(list_terrains())}",
        )
    params = {k: v for k, v in terrain_t.items() if k != "name"}
    if terrain_name == "heightmap" and isinstance(params.get("file"), str):
        f = Path(params["file"]).expanduser()
        params["file"] = str(f if f.is_absolute() else (path.parent / f))
    try:  # validate parameters now (cheap); the simulation builds its own seeded instance
        make_terrain(terrain_name, **params)
    except TerrainError as e:
        raise ConfigError(path, f"terrain.{e.param}", e.problem) from None
    except TypeError as e:
        raise ConfigError(path, "terrain", str(e)) from None

    commands = []
    raw_cmds = doc.get("command", [])
    if not isinstance(raw_cmds, list):
        raise ConfigError(path, "command", "expected an array of tables [[command]]")
    for i, c in enumerate(raw_cmds):
        t = _Table(path, f"command[{i}]", c, ("t_s", "vx", "vy", "yaw_rate"))
        commands.append(
            Command(
                t.num("t_s", 0.0, lo=0.0),
                t.num("vx", 0.0, -5, 5),
                t.num("vy", 0.0, -5, 5),
                t.num("yaw_rate", 0.0, -5, 5),
            )
        )
    if [c.t_s for c in commands] != sorted(c.t_s for c in commands):
        raise ConfigError(path, "command", "commands must be in increasing t_s")

    pushes = []
    raw_push = doc.get("push", [])
    if not isinstance(raw_push, list):
        raise ConfigError(path, "push", "expected an array of tables [[push]]")
    for i, p in enumerate(raw_push):
        where = f"push[{i}]"
        t = _Table(
            path,
            where,
            p,
            (
                "t_s",
                "duration_s",
                "body",
                "force_N",
                "impulse_Ns",
                "jitter_t_s",
                "jitter_angle_deg",
            ),
        )
        if t.has("force_N") == t.has("impulse_Ns"):
            raise ConfigError(path, f"{where}.force_N", "give exactly one of force_N or impulse_Ns")
        pushes.append(
            Push(
                t_s=t.num("t_s", lo=0.0),
                duration_s=t.num("duration_s", lo=0.0, hi=10.0, lo_open=True),
                body=t.string("body", None),
                force_N=t.vec("force_N", 3, None),
                impulse_Ns=t.vec("impulse_Ns", 3, None),
                jitter_t_s=t.num("jitter_t_s", 0.0, lo=0.0, hi=10.0),
                jitter_angle_deg=t.num("jitter_angle_deg", 0.0, lo=0.0, hi=180.0),
            )
        )

    nt = _Table(path, "noise", doc.get("noise", {}), tuple(SensorNoise.__dataclass_fields__))
    noise = SensorNoise(
        **{k: nt.num(k, 0.0, lo=0.0, hi=1e4) for k in SensorNoise.__dataclass_fields__}
    )
    it = _Table(
        path, "initial", doc.get("initial", {}), tuple(InitialPerturbation.__dataclass_fields__)
    )
    dflt = InitialPerturbation()
    initial = InitialPerturbation(
        **{
            k: it.num(k, getattr(dflt, k), lo=0.0, hi=0.5)
            for k in InitialPerturbation.__dataclass_fields__
        }
    )

    ct = _Table(
        path,
        "controller",
        doc.get("controller", {}),
        tuple(ControllerSettings.__dataclass_fields__),
    )
    options = ct.t.get("options", {})
    if not isinstance(options, dict):
        raise ConfigError(path, "controller.options", f"expected a table, got {options!r}")
    estimator = ct.t.get("estimator", {})
    if not isinstance(estimator, dict):
        raise ConfigError(path, "controller.estimator", f"expected a table, got {estimator!r}")
    controller = ControllerSettings(
        name=ct.string("name", None),
        wbc_hz=ct.num("wbc_hz", 1000.0, lo=10.0, hi=10000.0),
        mpc_hz=ct.num("mpc_hz", 50.0, lo=1.0, hi=1000.0),
        actuation_delay_ticks=ct.integer("actuation_delay_ticks", 0, lo=0, hi=1),
        ground_truth_base=ct.boolean("ground_truth_base", True),
        options=dict(options),
        estimator=dict(estimator),
    )

    pt = _Table(path, "physics", doc.get("physics", {}), ("timestep_s", "actuator_model"))
    timestep = pt.num("timestep_s", 0.001, lo=1e-4, hi=0.01)
    actuator_model = pt.boolean("actuator_model", True)
    ratio = 1.0 / (controller.wbc_hz * timestep)
    if abs(ratio - round(ratio)) > 1e-6 or round(ratio) < 1:
        raise ConfigError(
            path,
            "controller.wbc_hz",
            f"1 / wbc_hz must be a whole number of physics steps ({timestep} s)",
        )

    st = _Table(
        path, "success", doc.get("success", {}), tuple(SuccessCriteria.__dataclass_fields__)
    )
    end_pos = st.vec("end_position", 2, None)
    success = SuccessCriteria(
        no_fall=st.boolean("no_fall", True),
        fall_height_fraction=st.num("fall_height_fraction", 0.5, lo=0.0, hi=1.0, lo_open=True),
        fall_tilt_rad=st.num("fall_tilt_rad", 1.0, lo=0.0, hi=math.pi, lo_open=True),
        base_height_min_m=st.num("base_height_min_m", None, lo=0.0, hi=5.0),
        end_position=end_pos,  # type: ignore[arg-type]
        end_position_tol_m=st.num("end_position_tol_m", 0.1, lo=0.0, hi=100.0, lo_open=True),
        end_velocity_tol_m_s=st.num("end_velocity_tol_m_s", None, lo=0.0, hi=10.0, lo_open=True),
        min_distance_m=st.num("min_distance_m", None, lo=0.0, hi=1000.0),
        max_velocity_rmse=st.num("max_velocity_rmse", None, lo=0.0, hi=10.0, lo_open=True),
        max_yaw_rate_rmse=st.num("max_yaw_rate_rmse", None, lo=0.0, hi=10.0, lo_open=True),
    )
    faults = _parse_faults(path, doc.get("fault", []), 1.0 / controller.wbc_hz)
    for i, p in enumerate(pushes):
        if p.duration_s < timestep:  # fewer than one physics step: the impulse is not delivered
            raise ConfigError(
                path,
                f"push[{i}].duration_s",
                f"expected >= the physics timestep ({timestep} s), got {p.duration_s}",
            )
        if p.body == "world":
            raise ConfigError(
                path, f"push[{i}].body", "'world' does not move; name a body of the robot"
            )
    return Scenario(
        name=name,
        path=path,
        description=sc.string("description", ""),
        robot=robot,
        duration_s=duration,
        seed=seed,
        terrain=terrain_name,
        terrain_params=params,
        commands=tuple(commands),
        pushes=tuple(pushes),
        noise=noise,
        initial=initial,
        controller=controller,
        timestep_s=timestep,
        success=success,
        faults=tuple(faults),
        actuator_model=actuator_model,
    )


def load_scenario(
    name_or_path: str | os.PathLike, overrides: list[str] | tuple[str, ...] = ()
) -> Scenario:
    """Loads a built-in scenario by name or a user scenario by path, applying ``section.key=value``
    overrides before validation. Raises ConfigError / UnknownNameError naming the problem."""
    path = _resolve(name_or_path)
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(path, "<syntax>", str(e)) from None
    except UnicodeDecodeError as e:
        raise ConfigError(path, "<encoding>", f"not UTF-8 text ({e})") from None
    except OSError as e:
        raise ConfigError(path, "<file>", str(e)) from None
    doc = apply_overrides(doc, overrides, path)
    return parse_scenario(doc, path)
