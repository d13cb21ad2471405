"""MPC settings sweep: one-iteration time and closed-loop RTI split for each settings JSON.

Usage: python benchmarks/mpc_sweep.py '{"mpc_joints": "all", "qp_tol": 1e-6, "qp_warm_start": 0}' '{}'

For each argument: ``KinodynamicMPC(robot_model("h1"), MPCSettings(**json))`` on the stepping
problem of ``cerebellum bench``'s ``mpc.iteration`` stage; prints ``time_iteration(100)`` p50/p99
and the medians of 30 closed-loop solves (shift + one iteration): model evaluation ms, QP ms, IPM
iterations, failures.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pinocchio as pin

from cerebellum.controllers.mpc import KinodynamicMPC, MPCReferences, MPCSettings
from cerebellum.dynamics import robot_model, standing_configuration


def stepping_problem(mpc: KinodynamicMPC, rm, q: np.ndarray):
    N, dt = mpc.settings.knots, mpc.settings.dt_s
    t = np.arange(N + 1) * dt
    data = rm.model.createData()
    pin.framesForwardKinematics(rm.model, data, q)
    feet = np.array([data.oMf[rm.frame_id(f)].translation for f in rm.foot_frames])
    x0 = mpc.state(q, np.zeros(rm.nv))
    contact = np.ones((N + 1, 2))
    swing = (t >= 0.2) & (t < 0.6)
    contact[swing, 0] = 0.0
    foot = np.tile(feet, (N + 1, 1, 1))
    s = np.clip((t - 0.2) / 0.4, 0, 1)
    foot[:, 0, 0] += 0.1 * s
    foot[:, 0, 2] += 0.05 * np.sin(np.pi * s) * swing
    vel = np.zeros((N + 1, 3))
    vel[:, 0] = 0.1
    base = np.tile(x0[6:9], (N + 1, 1))
    base[:, 0] += 0.1 * t
    return x0, contact, MPCReferences(foot=foot, base_pos=base, yaw=np.zeros(N + 1), velocity=vel)


def main(argv: list[str]) -> None:
    rm = robot_model("h1")
    q = standing_configuration(rm)
    for arg in argv or ["{}"]:
        mpc = KinodynamicMPC(rm, MPCSettings(**json.loads(arg)))
        x0, contact, refs = stepping_problem(mpc, rm, q)
        mpc.solve(x0, contact, refs, iterations=3)
        it = mpc.time_iteration(100) / 1e3
        ev, qp, ipm = [], [], []
        for _ in range(30):
            mpc.solve(x0, contact, refs, elapsed_s=0.0)
            s = mpc.stats
            ev.append(s.eval_ms)
            qp.append(s.qp_ms)
            ipm.append(s.qp_iterations)
        print(
            f"{arg}: iteration p50 {np.percentile(it, 50):.2f} ms p99 {np.percentile(it, 99):.2f} ms; "
            f"loop eval {np.median(ev):.2f} ms, QP {np.median(qp):.2f} ms, IPM iterations "
            f"{np.median(ipm):.0f}, failures {mpc.stats.failures}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
