"""MPC settings sweep: one-iteration time and closed-loop RTI split for each settings JSON.

Usage: python benchmarks/mpc_sweep.py '{"mpc_joints": "all", "qp_tol": 1e-6, "qp_warm_start": 0}' '{}'

For each argument: ``KinodynamicMPC(robot_model("h1"), MPCSettings(**json))`` on the stepping
problem of ``cerebellum.controllers.mpc.stepping_problem`` (as the ``mpc.iteration`` bench stage); prints ``time_iteration(100)`` p50/p99
and the medians of 30 closed-loop solves (shift + one iteration): model evaluation ms, QP ms, IPM
iterations, failures.
"""

from __future__ import annotations

import json
import sys

import numpy as np

from cerebellum.controllers.mpc import KinodynamicMPC, MPCSettings, stepping_problem
from cerebellum.dynamics import robot_model, standing_configuration


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
