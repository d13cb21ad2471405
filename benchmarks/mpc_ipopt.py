"""Kinodynamic MPC: one SQP-RTI iteration (C++, HPIPM) vs IPOPT's full solve of the same OCP.

Usage: python benchmarks/mpc_ipopt.py [robot] [--iterations N] [--no-ipopt]

Prints the iteration time percentiles (C++ steady_clock, with the split model evaluation / HPIPM),
the SQP solution's cost after convergence, IPOPT's time and cost, and the ratio IPOPT time /
iteration p50.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

from cerebellum.controllers.mpc import KinodynamicMPC, MPCSettings
from cerebellum.dynamics import robot_model

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from test_mpc import walking_problem  # noqa: E402  (the shared walking test problem)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("robot", nargs="?", default="h1")
    ap.add_argument("--iterations", type=int, default=200, help="timed RTI iterations")
    ap.add_argument("--no-ipopt", action="store_true")
    args = ap.parse_args(argv)

    rm = robot_model(args.robot)
    mpc = KinodynamicMPC(rm, MPCSettings())
    ocp = mpc.ocp
    x0 = ocp.standing_state()
    contact, refs = walking_problem(ocp, x0)
    mpc.solve(x0, contact, refs)
    # time iterations at the first linearisation point of the real-time loop
    mpc.reset()
    mpc.solve(x0, contact, refs, iterations=1)
    t_iter = mpc.time_iteration(args.iterations)
    split = []
    for _ in range(20):
        mpc.solve(x0, contact, refs, elapsed_s=0.0)
        s = mpc.stats
        split.append((s.eval_ms, s.qp_ms, s.qp_iterations))
    split = np.array(split)

    # converged SQP (tight QP tolerance) for the cost comparison
    tight = KinodynamicMPC(rm, MPCSettings(qp_mode="balance", qp_tol=1e-8, qp_max_iter=100))
    t0 = time.perf_counter()
    n_sqp = 0
    while n_sqp < 100:
        plan = tight.solve(x0, contact, refs, elapsed_s=0.0)
        n_sqp += 1
        if plan.status != "ok" or tight._solver.step_norm < 1e-7:
            break
    t_sqp = time.perf_counter() - t0
    P = ocp.parameters(contact, refs.foot, refs.base_pos, refs.yaw, refs.velocity)
    cost_sqp = ocp.cost(tight.X, tight.U, P)

    out = {
        "robot": args.robot,
        "knots": ocp.settings.knots,
        "dt_s": ocp.settings.dt_s,
        "nx": ocp.nx,
        "nu": ocp.nu,
        "iteration_ms": {
            "p50": float(np.percentile(t_iter, 50)) / 1e3,
            "p99": float(np.percentile(t_iter, 99)) / 1e3,
            "max": float(t_iter.max()) / 1e3,
        },
        "eval_ms_p50": float(np.median(split[:, 0])),
        "qp_ms_p50": float(np.median(split[:, 1])),
        "qp_iterations_p50": float(np.median(split[:, 2])),
        "sqp_converged": {
            "iterations": n_sqp,
            "seconds": t_sqp,
            "cost": cost_sqp,
            "status": plan.status,
            "step_norm": tight._solver.step_norm,
        },
    }
    if not args.no_ipopt:
        ref = ocp.solve_ipopt(x0, P, tol=1e-8)
        out["ipopt"] = {
            "seconds": ref["seconds"],
            "iterations": ref["iterations"],
            "cost": ref["cost"],
            "status": ref["status"],
        }
        out["ratio_ipopt_over_iteration_p50"] = ref["seconds"] / (out["iteration_ms"]["p50"] / 1e3)
        out["cost_rel_diff"] = abs(cost_sqp - ref["cost"]) / abs(ref["cost"])
    print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
