"""Robot model on Pinocchio (Python side): frames, limits and the nominal standing configuration."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pinocchio as pin

from cerebellum.errors import ConfigError, UnknownNameError
from cerebellum.robots import RobotConfig, load_robot

__all__ = ["RobotModel", "robot_model", "standing_configuration", "random_configuration"]


class RobotModel:
    """Pinocchio model of a registered robot, loaded from the same MJCF that MuJoCo simulates.

    Conventions: Pinocchio's (see :mod:`cerebellum.dynamics.conventions`).
    """

    def __init__(self, cfg: RobotConfig):
        self.config = cfg
        self.path = cfg.model_path()
        try:
            self.model: pin.Model = pin.buildModelFromMJCF(str(self.path))
        except (ValueError, RuntimeError) as e:
            raise ConfigError(
                cfg.config_path, "robot.source", f"Pinocchio cannot load {self.path}: {e}"
            ) from None
        self.data = self.model.createData()
        self.nq, self.nv = self.model.nq, self.model.nv
        self.joint_names: list[str] = list(self.model.names)[2:]  # (nv - 6) actuated joints
        self.foot_frames = cfg.foot_frames
        self.hand_frames = cfg.hand_frames
        self.effort_limit = np.array(self.model.effortLimit[6:])  # (nv - 6) N·m
        self.q_lower = np.array(self.model.lowerPositionLimit[7:])  # (nq - 7) rad
        self.q_upper = np.array(self.model.upperPositionLimit[7:])
        self.mass = float(pin.computeTotalMass(self.model))
        for name, value in cfg.standing_joints.items():  # one source of truth: the model's limits
            if name not in self.joint_names:
                continue  # joint_vector() lists the valid names
            i = self.joint_names.index(name)
            lo, hi = self.q_lower[i], self.q_upper[i]
            if not lo - 1e-9 <= value <= hi + 1e-9:
                raise ConfigError(
                    cfg.config_path,
                    f"standing.joints.{name}",
                    f"{value} rad is outside the joint's range [{lo:.4g}, {hi:.4g}] rad "
                    "(from the model file)",
                )

    def frame_id(self, name: str) -> int:
        if not self.model.existFrame(name):
            raise UnknownNameError("frame", name, [f.name for f in self.model.frames])
        return self.model.getFrameId(name)

    def chain_velocity_indices(self, frame: str) -> list[int]:
        """Indices into v of the joints between the floating base and ``frame``, base excluded,
        in increasing order."""
        model = self.model
        out: list[int] = []
        j = model.frames[self.frame_id(frame)].parentJoint
        while j > 1:  # joint 1 is the floating base
            out.extend(range(model.joints[j].idx_v, model.joints[j].idx_v + model.joints[j].nv))
            j = model.parents[j]
        return sorted(out)

    def joint_vector(self, values: dict[str, float]) -> np.ndarray:
        """(nq - 7) joint positions from a name -> value table (others 0); rejects unknown names."""
        out = np.zeros(self.nq - 7)
        for name, value in values.items():
            if name not in self.joint_names:
                raise UnknownNameError("joint", name, self.joint_names)
            out[self.joint_names.index(name)] = value
        return out


@lru_cache(maxsize=8)
def robot_model(name: str) -> RobotModel:
    """Cached :class:`RobotModel` of a registered robot (do not mutate its data across threads)."""
    return RobotModel(load_robot(name))


def standing_configuration(cfg_or_model: RobotConfig | RobotModel, iters: int = 50) -> np.ndarray:
    """(nq,) Pinocchio q of the nominal standing pose: the config's joint angles, both soles flat
    (roll = pitch = 0) on z = 0, base upright. Leg joints and base height are adjusted by damped
    least squares, staying as close as possible to the configured angles.
    """
    rm = cfg_or_model if isinstance(cfg_or_model, RobotModel) else RobotModel(cfg_or_model)
    model, data = rm.model, rm.model.createData()
    q = pin.neutral(model)
    q[7:] = rm.joint_vector(rm.config.standing_joints)
    feet = [rm.frame_id(f) for f in rm.foot_frames]
    # Free variables: base z (v index 2) and every joint that moves a sole.
    cols = [2]
    for f in rm.foot_frames:
        cols += rm.chain_velocity_indices(f)
    cols = sorted(set(cols))
    pin.framesForwardKinematics(model, data, q)
    z0 = min(data.oMf[f].translation[2] for f in feet)
    q[2] -= z0
    for _ in range(iters):
        pin.computeJointJacobians(model, data, q)
        pin.framesForwardKinematics(model, data, q)
        res, rows = [], []
        for f in feet:
            oMf = data.oMf[f]
            J = pin.getFrameJacobian(model, data, f, pin.LOCAL_WORLD_ALIGNED)
            err_rot = pin.log3(oMf.rotation)  # rotation vector, world axes
            res += [oMf.translation[2], err_rot[0], err_rot[1]]
            rows += [J[2], J[3], J[4]]
        r = np.array(res)
        if np.abs(r).max() < 1e-10:
            break
        A = np.array(rows)[:, cols]
        dx = -A.T @ np.linalg.solve(A @ A.T + 1e-9 * np.eye(len(r)), r)
        dv = np.zeros(model.nv)
        dv[cols] = dx
        # Base z is a world-frame quantity; with an upright base the local z is the world z.
        q = pin.integrate(model, q, dv)
    return q


def random_configuration(rm: RobotModel, rng: np.random.Generator) -> np.ndarray:
    """(nq,) random q: base anywhere near the origin, random orientation, joints within limits."""
    q = np.empty(rm.nq)
    q[0:3] = rng.uniform(-1.0, 1.0, 3)
    quat = rng.normal(size=4)
    q[3:7] = quat / np.linalg.norm(quat)
    lo = np.where(np.isfinite(rm.q_lower), rm.q_lower, -np.pi)
    hi = np.where(np.isfinite(rm.q_upper), rm.q_upper, np.pi)
    q[7:] = rng.uniform(lo, hi)
    return q
