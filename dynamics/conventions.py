"""The one place where MuJoCo and Pinocchio conventions meet.

Both engines load the same built MJCF (see ``cerebellum.robots``), so joints come in the same
order; this module checks that and maps:

- configuration: MuJoCo ``qpos = [p (3), quat wxyz (4), joints]`` <-> Pinocchio
  ``q = [p (3), quat xyzw (4), joints]``;
- velocity: MuJoCo's free joint has its linear velocity in the WORLD frame and its angular velocity
  in the BASE frame; Pinocchio has both in the BASE frame. ``qvel = T(q) v`` with
  ``T = blockdiag(R, I3, I)`` where ``R`` is world_R_base;
- dynamics: ``M_pin = T^T M_mj T`` and ``nle_pin = T^T (bias_mj + M_mj d)`` where
  ``d = [R (omega x v_lin); 0]`` is the extra acceleration of the world-frame linear velocity;
- actuators: MuJoCo actuator k drives Pinocchio velocity index ``actuator_v_index[k]``.
"""

from __future__ import annotations

import mujoco
import numpy as np
import pinocchio as pin

__all__ = [
    "ConventionMap",
    "mujoco_to_pinocchio_q",
    "mujoco_to_pinocchio_v",
    "pinocchio_to_mujoco_q",
    "pinocchio_to_mujoco_v",
    "quat_wxyz_to_rot",
]


def quat_wxyz_to_rot(quat_wxyz: np.ndarray) -> np.ndarray:
    """(4,) unit quaternion w, x, y, z -> (3, 3) rotation."""
    out = np.empty(9)
    mujoco.mju_quat2Mat(out, np.asarray(quat_wxyz, dtype=float))
    return out.reshape(3, 3)


def mujoco_to_pinocchio_q(qpos: np.ndarray) -> np.ndarray:
    """(nq,) MuJoCo qpos -> (nq,) Pinocchio q (quaternion reordered wxyz -> xyzw)."""
    q = np.array(qpos, dtype=float)
    q[3:7] = qpos[[4, 5, 6, 3]]
    return q


def pinocchio_to_mujoco_q(q: np.ndarray) -> np.ndarray:
    """(nq,) Pinocchio q -> (nq,) MuJoCo qpos."""
    qpos = np.array(q, dtype=float)
    qpos[3:7] = q[[6, 3, 4, 5]]
    return qpos


def mujoco_to_pinocchio_v(qpos: np.ndarray, qvel: np.ndarray) -> np.ndarray:
    """(nv,) MuJoCo qvel (world linear, base angular) -> (nv,) Pinocchio v (base linear, base angular)."""
    v = np.array(qvel, dtype=float)
    v[0:3] = quat_wxyz_to_rot(qpos[3:7]).T @ qvel[0:3]
    return v


def pinocchio_to_mujoco_v(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """(nv,) Pinocchio v -> (nv,) MuJoCo qvel; q is the Pinocchio configuration."""
    qvel = np.array(v, dtype=float)
    qvel[0:3] = pin.Quaternion(np.asarray(q[3:7])).matrix() @ v[0:3]
    return qvel


class ConventionMap:
    """Checks that a MuJoCo and a Pinocchio model of the same robot agree and maps between them."""

    def __init__(self, mj_model: mujoco.MjModel, pin_model: pin.Model):
        if mj_model.nq != pin_model.nq or mj_model.nv != pin_model.nv:
            raise ValueError(
                f"model sizes differ: MuJoCo nq={mj_model.nq} nv={mj_model.nv}, "
                f"Pinocchio nq={pin_model.nq} nv={pin_model.nv}"
            )
        if mj_model.jnt_type[0] != mujoco.mjtJoint.mjJNT_FREE:
            raise ValueError("the MuJoCo model must start with a free joint")
        mj_names = [mj_model.joint(j).name for j in range(1, mj_model.njnt)]
        pin_names = list(pin_model.names)[2:]
        if mj_names != pin_names:
            raise ValueError(f"joint order differs: MuJoCo {mj_names} vs Pinocchio {pin_names}")
        self.joint_names = pin_names  # actuated joints, in v order after the 6 base dofs
        self.nq, self.nv = pin_model.nq, pin_model.nv
        # Pinocchio velocity index of the joint driven by each MuJoCo actuator.
        self.actuator_v_index = np.array(
            [
                pin_model.joints[
                    pin_model.getJointId(mj_model.joint(mj_model.actuator_trnid[k][0]).name)
                ].idx_v
                for k in range(mj_model.nu)
            ],
            dtype=int,
        )

    def velocity_map(self, q: np.ndarray) -> np.ndarray:
        """(nv, nv) T with qvel_mj = T v_pin, at Pinocchio configuration q."""
        T = np.eye(self.nv)
        T[0:3, 0:3] = pin.Quaternion(np.asarray(q[3:7])).matrix()
        return T

    def mass_matrix_to_pinocchio(self, q: np.ndarray, M_mj: np.ndarray) -> np.ndarray:
        """(nv, nv) MuJoCo mass matrix -> Pinocchio's, at Pinocchio q."""
        T = self.velocity_map(q)
        return T.T @ M_mj @ T

    def bias_to_pinocchio(
        self, q: np.ndarray, v: np.ndarray, M_mj: np.ndarray, bias_mj: np.ndarray
    ) -> np.ndarray:
        """(nv,) MuJoCo qfrc_bias -> Pinocchio nonLinearEffects, at Pinocchio (q, v)."""
        T = self.velocity_map(q)
        d = np.zeros(self.nv)
        d[0:3] = T[0:3, 0:3] @ np.cross(v[3:6], v[0:3])
        return T.T @ (bias_mj + M_mj @ d)

    def jacobian_to_pinocchio(self, q: np.ndarray, J_mj: np.ndarray) -> np.ndarray:
        """(k, nv) Jacobian w.r.t. MuJoCo qvel -> w.r.t. Pinocchio v."""
        return J_mj @ self.velocity_map(q)

    def tau_to_ctrl(self, tau: np.ndarray) -> np.ndarray:
        """(nv - 6,) joint torques in Pinocchio order -> (nu,) MuJoCo controls."""
        return np.asarray(tau)[self.actuator_v_index - 6]
