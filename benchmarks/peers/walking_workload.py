"""The WBC ticks of a closed-loop walk, saved for the peers (runs in the project's environment).

``save_walking_workload(robot, n, path)`` writes an ``.npz`` with the n ticks ``cerebellum bench``'s
``wbc.tick`` replays (``walk-flat`` from 1.5 s, walking controller, seed 0): per tick the
state, contact mask, references, our torques, our QP (H, g, A, b, C, l, u) and its solution x, and
the affine map from x to torques (tau = T x + t, the passive-joint terms in t), plus the walking
controller's WBC settings (tasks, weights, gains, contacts) as JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

__all__ = ["save_walking_workload", "walking_settings"]

REF_KEYS = (
    "com",
    "vcom",
    "acom",
    "base_R",
    "base_omega",
    "base_omega_dot",
    "swing_R",
    "swing_p",
    "swing_velocity",
    "swing_acceleration",
    "posture",
    "wrench_ff",
)
SETTING_KEYS = (
    "w_momentum",
    "w_base_orientation",
    "w_swing",
    "w_posture",
    "w_reg_vdot",
    "w_reg_wrench",
    "w_wrench_ff",
    "kp_com",
    "kd_com",
    "kd_angular_momentum",
    "k_dcm",
    "kp_base",
    "kd_base",
    "kp_swing",
    "kd_swing",
    "kp_posture",
    "kd_posture",
    "kd_contact",
    "contact_weight",
    "eps_abs",
)


def walking_settings(robot: str) -> dict:
    """The walking controller's WBC settings of ``robot`` in walk-flat (as record_wbc_ticks runs
    it), as plain numbers."""
    from cerebellum.sim.scenario import load_scenario
    from cerebellum.sim.simulation import Simulation

    sim = Simulation(
        load_scenario("walk-flat"), robot=robot, seed=0, controller="walk", duration_s=0.002
    )
    s = sim.controller.setup.wbc  # controllers.walk_setup.WalkSetup
    out = {}
    for k in SETTING_KEYS:
        v = getattr(s, k)
        out[k] = [float(x) for x in np.ravel(v)] if np.ndim(v) else float(v)
    out["base_frame"] = s.base_frame
    out["torque_limit"] = [float(x) for x in s.torque_limit]
    out["contacts"] = [
        {
            k: (float(getattr(c, k)) if k != "frame" else c.frame)
            for k in ("frame", "x_back", "x_front", "y_right", "y_left", "mu", "fz_min", "fz_max")
        }
        | {
            "offset": [float(x) for x in c.offset],
            "yaw_coeff": float(c.yaw_coeff),
            "free_roll": bool(c.free_roll),
        }
        for c in s.contacts
    ]
    return out


def save_walking_workload(robot: str, n: int, path: Path) -> dict:
    """Record n walking ticks, replay them one by one through our QP, save everything; returns
    the settings and model description (JSON-able)."""
    import pinocchio as pin

    from cerebellum.dynamics.model import robot_model
    from cerebellum.sim.recording import record_wbc_ticks

    rm = robot_model(robot)
    settings = walking_settings(robot)
    rec = record_wbc_ticks(robot, n)
    model, data = rm.model, rm.model.createData()
    fids = [model.getFrameId(c["frame"]) for c in settings["contacts"]]
    nv = model.nv
    cols: dict[str, list] = {k: [] for k in ("H", "g", "A", "b", "C", "l", "u", "x", "T", "t")}
    refs: dict[str, list] = {k: [] for k in REF_KEYS}
    tau, status = [], []
    for i in range(len(rec)):
        _, tau_i, st = rec.qp.replay(
            rec.q[i : i + 1], rec.v[i : i + 1], rec.masks[i : i + 1], [rec.references[i]]
        )
        qp = rec.qp.qp_matrices()
        for k in ("H", "g", "A", "b", "C", "l", "u", "x"):
            cols[k].append(np.asarray(qp[k]))
        q = rec.q[i]
        M = pin.crba(model, data, q)
        M = np.triu(M) + np.triu(M, 1).T
        pin.computeJointJacobians(model, data, q)
        pin.framesForwardKinematics(model, data, q)
        J = [pin.getFrameJacobian(model, data, f, pin.LOCAL_WORLD_ALIGNED) for f in fids]
        # tau = (M vdot + nle - sum_c Jc' w_c)[6:] + passive(v): T x + t
        T = np.hstack([M[6:, :], *(-Jc.T[6:, :] for Jc in J)])
        cols["T"].append(T)
        cols["t"].append(tau_i[0] - T @ qp["x"])
        tau.append(tau_i[0])
        status.append(int(st[0]))
        d = rec.references[i].as_dict()
        for k in REF_KEYS:
            refs[k].append(np.asarray(d[k]))
    passive = np.array(cols["t"]) - np.array(
        [pin.nonLinearEffects(model, data, rec.q[i], rec.v[i])[6:] for i in range(len(rec))]
    )
    arrays = {k: np.array(v) for k, v in cols.items()}
    arrays |= {f"ref_{k}": np.array(v) for k, v in refs.items()}
    np.savez(
        path,
        q=rec.q,
        v=rec.v,
        masks=rec.masks,
        tau=np.array(tau),
        status=np.array(status),
        passive=passive,
        **arrays,
    )
    return {
        "robot": robot,
        "n": len(rec),
        "t_start_s": rec.t_start_s,
        "model_path": str(rm.path),
        "model_kind": "urdf" if str(rm.path).endswith(".urdf") else "mjcf",
        "nv": nv,
        "mass": float(rm.mass),
        "settings": settings,
        "npz": str(path),
    }


if __name__ == "__main__":
    import sys

    info = save_walking_workload(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))
    print(json.dumps(info, indent=1))
