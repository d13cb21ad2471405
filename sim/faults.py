"""Faults injected into a run: the scenario's ``[[fault]]`` timeline applied to the sensor
readings the controller gets, to the torques the motors deliver and to the command it receives.

Each fault acts on the control ticks k with ``t_s <= k dt < t_s + duration_s``. Sensor faults act
on the harness's reading vector (see :mod:`cerebellum.sim.sensors`), in two stages: additive ones
(``imu_bias``, ``imu_spike``, ``encoder_noise``) before the IMU's rate/latency model, so that a
late IMU sample carries its bias; replacing ones (``sensor_dropout``, ``encoder_stuck``) after it,
on what the controller would read. The ground-truth base (``ground_truth_base = true``) and the
logged MuJoCo state are never touched: with ground truth only faults of the encoders, the foot
F/T sensors, the motors and the command reach the controller (IMU faults reach the estimator).
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any

import numpy as np

from cerebellum.errors import ConfigError
from cerebellum.sim.scenario import Fault

__all__ = ["FaultInjector", "limb_joints", "resolve_joints"]

LIMBS = ("left_leg", "right_leg", "left_arm", "right_arm")
_LIMB = re.compile(r"^(left_leg|right_leg|left_arm|right_arm|legs|arms)(?:\[(\d+)\])?$")


def limb_joints(model: Any, cfg: Any) -> dict[str, list[int]]:
    """Actuator indices of each limb, in order from the base: a leg is every actuated joint on
    the chain from the root to its foot's body; an arm the joints on the chain to its hand's body
    that are not on the other arm's (the torso's joints are shared, so not an arm's)."""
    act_of_joint = {int(model.actuator_trnid[a, 0]): a for a in range(model.nu)}

    def chain(body_name: str) -> list[int]:
        import mujoco

        b = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, body_name)
        out: list[int] = []
        while b > 0:
            for j in range(model.body_jntadr[b], model.body_jntadr[b] + model.body_jntnum[b]):
                if j in act_of_joint:
                    out.append(act_of_joint[j])
            b = int(model.body_parentid[b])
        return out[::-1]

    groups = {f"{s}_leg": chain(cfg.feet[s].body) for s in ("left", "right")}
    arms = {s: chain(cfg.hands[s].body) for s in ("left", "right") if s in cfg.hands}
    for s, other in (("left", "right"), ("right", "left")):
        if s in arms:
            shared = set(arms.get(other, []))
            groups[f"{s}_arm"] = [a for a in arms[s] if a not in shared]
    return groups


def resolve_joints(
    target: str, joint_names: tuple[str, ...], limbs: dict[str, list[int]]
) -> tuple[list[int], str]:
    """Actuator indices a fault target names: a limb (``left_leg``, ``right_arm``, ``legs``,
    ``arms``), a limb's n-th joint from the base (``left_leg[3]``: the knee of H1, Apollo and
    Talos), or a glob pattern over joint names (``*knee*``). Returns ([], problem) when none."""
    m = _LIMB.match(target)
    if m is None:
        idx = [j for j, n in enumerate(joint_names) if fnmatch.fnmatchcase(n, target)]
        return idx, f"'{target}' matches no joint"
    name, nth = m.group(1), m.group(2)
    sides = [name] if name in LIMBS else [f"left_{name[:-1]}", f"right_{name[:-1]}"]
    idx: list[int] = []
    for limb in sides:
        joints = limbs.get(limb, [])
        if nth is None:
            idx += joints
        elif int(nth) < len(joints):
            idx.append(joints[int(nth)])
        else:
            return [], f"{limb} has {len(joints)} joints (index 0..{len(joints) - 1})"
    return idx, f"the robot has no {name}"


# Offsets in the reading vector y after the 2 nu joint entries: IMU quat (4), gyro (3), acc (3),
# force left, right (6), torque left, right (6).
_IMU, _GYRO, _ACC, _FORCE, _TORQUE, _END = 0, 4, 7, 10, 16, 22


class FaultInjector:
    """The faults of one scenario on one robot. ``joint_names`` (nu,): actuator order (the order
    of the encoder and torque arrays); ``limbs``: :func:`limb_joints`. Raises ConfigError naming ``fault[i].target`` when a joint
    target matches no joint of the robot."""

    def __init__(
        self,
        faults: tuple[Fault, ...],
        joint_names: tuple[str, ...],
        dt_s: float,
        path: Path,
        robot: str,
        limbs: dict[str, list[int]] | None = None,
    ):
        self.faults = faults
        self.dt_s = dt_s
        nu = len(joint_names)
        self.nu = nu
        self._items: list[dict[str, Any]] = []
        o = 2 * nu
        for i, f in enumerate(faults):
            k0 = int(round(f.t_s / dt_s))
            k1 = k0 + max(1, int(round(f.duration_s / dt_s)))
            item: dict[str, Any] = {"fault": f, "k0": k0, "k1": k1, "joints": None}
            if f.kind in ("encoder_stuck", "encoder_noise", "actuator"):
                idx, problem = resolve_joints(str(f.target), joint_names, limbs or {})
                if not idx:
                    raise ConfigError(
                        path,
                        f"fault[{i}].target",
                        f"{problem} on {robot}; a limb ({', '.join(LIMBS)}, legs, arms), "
                        f"a limb's joint (left_leg[3]) or a pattern over: {', '.join(joint_names)}",
                    )
                item["idx"] = np.array(idx)
                item["joints"] = [joint_names[j] for j in idx]
            elif f.kind == "sensor_dropout":
                spans = {
                    "imu": [(o + _IMU, o + _FORCE)],
                    "encoders": [(0, o)],
                    "foot_ft": [(o + _FORCE, o + _END)],
                    "left_foot_ft": [(o + _FORCE, o + _FORCE + 3), (o + _TORQUE, o + _TORQUE + 3)],
                    "right_foot_ft": [(o + _FORCE + 3, o + _TORQUE), (o + _TORQUE + 3, o + _END)],
                }[str(f.target)]
                item["idx"] = np.concatenate([np.arange(a, b) for a, b in spans])
            elif f.kind in ("imu_bias", "imu_spike"):
                a = o + (_GYRO if f.target == "gyro" else _ACC)
                item["idx"] = np.arange(a, a + 3)
                item["value"] = np.array(f.magnitude, dtype=float)
            self._items.append(item)
        self.any = bool(self._items)
        self._sensor_add = [
            it
            for it in self._items
            if it["fault"].kind in ("imu_bias", "imu_spike", "encoder_noise")
        ]
        self._sensor_replace = [
            it for it in self._items if it["fault"].kind in ("sensor_dropout", "encoder_stuck")
        ]
        self._actuator = [it for it in self._items if it["fault"].kind == "actuator"]
        self._latency = [it for it in self._items if it["fault"].kind == "command_latency"]
        self.mpc_deadline = [it for it in self._items if it["fault"].kind == "mpc_deadline"]
        self._n_readings = o + _END
        self.reset(np.random.SeedSequence(0))

    def reset(self, seed: np.random.SeedSequence) -> None:
        """Before a run: a fresh noise stream (encoder noise) and no reading held yet."""
        self.rng = np.random.default_rng(seed)
        self._last: np.ndarray | None = None
        self._ticks = np.zeros(len(self._items), dtype=np.int64)
        self._seen_k = -1

    @staticmethod
    def _on(it: dict[str, Any], k: int) -> bool:
        return it["k0"] <= k < it["k1"]

    def active(self, k: int) -> np.ndarray:
        """(faults,) bool: which faults act at tick k."""
        return np.array([self._on(it, k) for it in self._items], dtype=bool)

    def sensors_additive(self, y: np.ndarray, k: int) -> None:
        """Biases, spikes and encoder noise, in place on the readings y of tick k."""
        nu = self.nu
        for it in self._sensor_add:
            if not self._on(it, k):
                continue
            f = it["fault"]
            if f.kind == "encoder_noise":
                idx = it["idx"]
                sp, sv = f.magnitude
                y[idx] += sp * self.rng.standard_normal(idx.size)
                y[nu + idx] += sv * self.rng.standard_normal(idx.size)
            else:
                y[it["idx"]] += it["value"]

    def sensors_replace(self, y: np.ndarray, k: int) -> None:
        """Dropouts and stuck encoders, in place on the readings y of tick k; then remembers what
        the controller got (the value a "hold" dropout repeats)."""
        n, nu = self._n_readings, self.nu
        last = self._last if self._last is not None else y[:n].copy()
        for it in self._sensor_replace:
            if not self._on(it, k):
                continue
            f, idx = it["fault"], it["idx"]
            if f.kind == "encoder_stuck":
                y[idx] = last[idx]
                y[nu + idx] = 0.0
            elif f.mode == "nan":
                y[idx] = np.nan
            else:
                y[idx] = last[idx]
        if self._last is None:
            self._last = y[:n].copy()
        else:
            self._last[:] = y[:n]
        if k != self._seen_k:  # count each tick once (the start state is read twice at k = 0)
            self._seen_k = k
            self._ticks += self.active(k)

    def torque_scale(self, k: int) -> np.ndarray | None:
        """(nu,) product of the active actuator scales at tick k, or None when none acts."""
        scale = None
        for it in self._actuator:
            if self._on(it, k):
                if scale is None:
                    scale = np.ones(self.nu)
                scale[it["idx"]] *= float(it["fault"].magnitude)
        return scale

    def command_time(self, t: float, k: int) -> float:
        """The time whose command the controller gets at tick k (t minus the active latency)."""
        lag = max(
            (float(it["fault"].magnitude) for it in self._latency if self._on(it, k)), default=0
        )
        return max(t - lag, 0.0)

    def mpc_deadline_miss(self, k: int) -> bool:
        """Whether an ``mpc_deadline`` fault acts at tick k (every MPC solve then misses)."""
        return any(self._on(it, k) for it in self.mpc_deadline)

    def record(self, ticks: int) -> list[dict[str, Any]]:
        """``faults`` of metrics.json: each fault as given, the joints it reached, the time it
        acted from and to (s, None if the run ended first) and its ticks."""
        out = []
        for it, n in zip(self._items, self._ticks.tolist(), strict=True):
            f = it["fault"]
            start = it["k0"] if it["k0"] < ticks else None
            end = min(it["k1"], ticks) if start is not None else None
            out.append(
                {
                    **f.as_dict(),
                    "joints": it["joints"],
                    "injected": bool(n > 0),
                    "from_s": None if start is None else round(start * self.dt_s, 9),
                    "to_s": None if end is None else round(end * self.dt_s, 9),
                    "ticks": int(n),
                }
            )
        return out
