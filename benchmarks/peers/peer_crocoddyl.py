"""Crocoddyl peer: a whole-body balance OCP on the same robot and state, one FDDP iteration timed.

Runs in the peer venv. Usage: ``python peer_crocoddyl.py WORKLOAD.json``; prints one JSON object.

Problem (25 knots of 0.04 s, as our MPC): contact forward dynamics with two 6D sole contacts,
costs on CoM position, base orientation, posture (state), control, and the contact wrench cone
(friction + CoP on the sole rectangle), weights from our ``wbc_settings``. Unlike our kinodynamic
MPC this is full rigid-body dynamics, so the ratio compares solvers of similar purpose, not the
same OCP. Iteration = ``solver.solve(xs, us, maxiter=1)`` warm-started at the previous iterate.
"""

from __future__ import annotations

import json
import sys
import time

import crocoddyl
import numpy as np
import pinocchio as pin
from peer_common import load_model, percentiles_us

KNOTS, DT_S = 25, 0.04


def build(w: dict):
    model = load_model(w)
    data = model.createData()
    q, v = np.array(w["q"]), np.array(w["v"])
    g = w["gains"]
    x0 = np.concatenate([q, v])
    state = crocoddyl.StateMultibody(model)
    act = crocoddyl.ActuationModelFloatingBase(state)
    nu = act.nu
    pin.framesForwardKinematics(model, data, q)
    com_ref = pin.centerOfMass(model, data, q)
    base_id = model.getFrameId(w["base_frame"])
    R_base = data.oMf[base_id].rotation.copy()
    x0_, x1_, y0_, y1_ = w["sole_rectangle"]
    half = np.array([(x1_ - x0_) / 2, (y1_ - y0_) / 2])

    def running(terminal: bool):
        contacts = crocoddyl.ContactModelMultiple(state, nu)
        costs = crocoddyl.CostModelSum(state, nu)
        for f in w["foot_frames"]:
            fid = model.getFrameId(f)
            c = crocoddyl.ContactModel6D(
                state, fid, data.oMf[fid].copy(), pin.LOCAL_WORLD_ALIGNED, nu, np.array([0.0, 20.0])
            )
            contacts.addContact(f, c)
            cone = crocoddyl.WrenchCone(np.eye(3), w["mu"], half, 4, False)
            res = crocoddyl.ResidualModelContactWrenchCone(state, fid, cone, nu)
            bounds = crocoddyl.ActivationBounds(cone.lb, cone.ub)
            costs.addCost(
                f + "_cone",
                crocoddyl.CostModelResidual(
                    state, crocoddyl.ActivationModelQuadraticBarrier(bounds), res
                ),
                1e1,
            )
        costs.addCost(
            "com",
            crocoddyl.CostModelResidual(
                state, crocoddyl.ResidualModelCoMPosition(state, com_ref, nu)
            ),
            g["w_momentum"][0],
        )
        costs.addCost(
            "base",
            crocoddyl.CostModelResidual(
                state, crocoddyl.ResidualModelFrameRotation(state, base_id, R_base, nu)
            ),
            g["w_base_orientation"],
        )
        costs.addCost(
            "posture",
            crocoddyl.CostModelResidual(state, crocoddyl.ResidualModelState(state, x0, nu)),
            g["w_posture"],
        )
        if not terminal:
            costs.addCost(
                "control",
                crocoddyl.CostModelResidual(state, crocoddyl.ResidualModelControl(state, nu)),
                1e-4,
            )
        dam = crocoddyl.DifferentialActionModelContactFwdDynamics(state, act, contacts, costs)
        return crocoddyl.IntegratedActionModelEuler(dam, 0.0 if terminal else DT_S)

    problem = crocoddyl.ShootingProblem(x0, [running(False)] * KNOTS, running(True))
    solver = crocoddyl.SolverFDDP(problem)
    return problem, solver, x0


def main(path: str) -> dict:
    w = json.load(open(path))
    problem, solver, x0 = build(w)
    n = max(20, int(w["samples"]) // 10)
    xs = [x0] * (problem.T + 1)
    us = problem.quasiStatic([x0] * problem.T)
    solver.solve(xs, us, 3, False)
    it = np.empty(n)
    derivs = np.empty(n)
    clock = time.perf_counter_ns
    for i in range(n):
        xs, us = list(solver.xs), list(solver.us)
        t0 = clock()
        solver.solve(xs, us, 1, solver.isFeasible)
        it[i] = clock() - t0
        t0 = clock()
        problem.calc(solver.xs, solver.us)
        problem.calcDiff(solver.xs, solver.us)
        derivs[i] = clock() - t0

    return {
        "peer": "crocoddyl",
        "n": n,
        "knots": problem.T,
        "dt_s": DT_S,
        "nx": problem.runningModels[0].state.nx,
        "nu": problem.runningModels[0].nu,
        "iteration_us": percentiles_us(it),
        "calc_calcdiff_us": percentiles_us(derivs),
        "cost": float(solver.cost),
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
