"""Base state estimation: settings and construction of the C++ ``_core.BaseEstimator``.

The filter (a contact-aided right-invariant EKF on IMU + leg kinematics, see
``cpp/include/cerebellum/base_estimator.hpp``) runs in C++; this module maps a robot config and a
table of overrides (a scenario's ``[controller.estimator]``) onto its settings. The foot frames are
the robot's sole frames; the IMU frame is the site the simulator mounts its IMU on: ``robot_imu``,
where the robot file's ``robot.imu_frame`` puts the robot's IMU, else ``base_imu`` at the base
body's origin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cerebellum import _core
from cerebellum.errors import ConfigError
from cerebellum.robots import RobotConfig

__all__ = ["ESTIMATOR_SETTINGS", "estimator_settings", "make_estimator"]

#: Names of the settings a scenario may override (the fields of ``_core.BaseEstimatorSettings``).
ESTIMATOR_SETTINGS = tuple(
    sorted(
        k
        for k in dir(_core.BaseEstimatorSettings)
        if not k.startswith("_") and k not in {"validate", "foot_frames"}
    )
)


#: Contact thresholds as fractions of the robot's weight: enter, leave, enter during a planned swing.
CONTACT_ON_FRACTION, CONTACT_OFF_FRACTION, CONTACT_SWING_FRACTION = 0.06, 0.03, 0.12

_MASS: dict[str, float] = {}


def _robot_mass(cfg: RobotConfig) -> float:
    path = str(cfg.model_path())
    if path not in _MASS:
        _MASS[path] = float(_core.Robot(path, []).mass)
    return _MASS[path]


def estimator_settings(
    cfg: RobotConfig, overrides: dict[str, Any] | None = None, where: str = "controller.estimator"
) -> Any:
    """``_core.BaseEstimatorSettings`` for ``cfg``: the robot file's ``[estimator]`` table, then
    ``overrides``; ConfigError naming the field on an unknown name or a value out of range."""
    s = _core.BaseEstimatorSettings()
    s.foot_frames = list(cfg.foot_frames)
    s.imu_frame = cfg.imu_site  # where the simulated IMU sits (robot.imu_frame)
    # Contact thresholds scale with the robot's weight (H1, 51 kg: 30 / 15 / 60 N; its swing
    # foot's F/T reads at most 12.5 N in walk-flat).
    weight = _robot_mass(cfg) * s.gravity_mps2
    s.force_on_N, s.force_off_N, s.force_swing_N = (
        CONTACT_ON_FRACTION * weight,
        CONTACT_OFF_FRACTION * weight,
        CONTACT_SWING_FRACTION * weight,
    )
    # The robot file's [estimator] first, then the scenario's overrides.
    for table, at in ((cfg.estimator, "estimator"), (overrides or {}, where)):
        for k, v in table.items():
            if k not in ESTIMATOR_SETTINGS:
                raise ConfigError(
                    cfg.config_path,
                    f"{at}.{k}",
                    f"unknown setting; valid: {list(ESTIMATOR_SETTINGS)}",
                )
            try:
                setattr(s, k, v)
            except TypeError as e:
                raise ConfigError(cfg.config_path, f"{at}.{k}", f"wrong type: {e}") from None
        try:
            s.validate()
        except ValueError as e:
            raise ConfigError(cfg.config_path, at, str(e)) from None
    return s


def make_estimator(
    cfg: RobotConfig, model_path: Path | None = None, overrides: dict[str, Any] | None = None
) -> Any:
    """A ``_core.BaseEstimator`` on the robot's model (default: ``cfg.model_path()``)."""
    return _core.BaseEstimator(
        str(model_path or cfg.model_path()), estimator_settings(cfg, overrides)
    )
