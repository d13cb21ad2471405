"""TSID peer: the task set of our WholeBodyQP on the same robot state, timed per tick.

Runs in the peer venv (``benchmarks/peers/.venv``). Usage: ``python peer_tsid.py WORKLOAD.json``;
prints one JSON object. Tick = ``formulation.computeProblemData(t, q, v)`` + ``solver.solve(hqp)``
(eiquadprog-fast), timed around the two Python calls with ``perf_counter_ns``; the cost of one
empty Boost.Python call is reported as ``python_call_us`` so it can be subtracted.

Tasks (weights and gains from our ``wbc_settings``): CoM (linear momentum rows), angular momentum,
base orientation (SE3 task on the base frame, rotation rows only), posture; two 6D contacts with
4 sole corners each, friction pyramids (the corner forces give the CoP bounds), soft contact motion
(weight ``contact_weight``) or rigid contacts when it is 0; actuation bounds as constraints.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import pinocchio as pin
import tsid.tsid_pywrap as tsid
from peer_common import load_model, percentiles_us


def model_check(model: pin.Model, w: dict) -> float:
    """max |RNEA(q, v, a) - ours| over the same inputs, N·m (same model, same joint order)."""
    data = model.createData()
    tau = pin.rnea(model, data, np.array(w["q"]), np.array(w["v"]), np.array(w["a"]))
    return float(np.max(np.abs(tau - np.array(w["rnea_ref"]))))


def build(w: dict):
    model = load_model(w)
    robot = tsid.RobotWrapper(model, tsid.FLOATING_BASE_SYSTEM, False)
    q, v = np.array(w["q"]), np.array(w["v"])
    na = robot.na
    g = w["gains"]
    form = tsid.InverseDynamicsFormulationAccForce("tsid", robot, False)
    form.computeProblemData(0.0, q, v)
    data = form.data()

    x0, x1, y0, y1 = w["sole_rectangle"]
    corners = np.array([[x0, x0, x1, x1], [y0, y1, y0, y1], [0.0, 0.0, 0.0, 0.0]])  # (3, 4) m
    normal = np.array([0.0, 0.0, 1.0])
    soft = g["contact_weight"] > 0.0
    keep = []  # the formulation holds C++ references: keep every task and contact alive
    for f in w["foot_frames"]:
        c = tsid.Contact6d(f, robot, f, corners, normal, w["mu"], 0.0, 1e4)
        c.setKp(np.zeros(6))
        c.setKd(g["kd_contact"] * np.ones(6))
        c.setReference(robot.framePosition(data, model.getFrameId(f)))
        keep.append(c)
        if soft:
            form.addRigidContact(c, g["w_reg_wrench"], g["contact_weight"], True)
        else:
            form.addRigidContact(c, g["w_reg_wrench"])

    wm = g["w_momentum"]  # [linear; angular]
    com = tsid.TaskComEquality("com", robot)
    com.setKp(g["kp_com"] * np.ones(3))
    com.setKd(g["kd_com"] * np.ones(3))
    form.addMotionTask(com, wm[0], 1, 0.0)
    com.setReference(tsid.TrajectoryEuclidianConstant("com", robot.com(data)).computeNext())

    am = tsid.TaskAMEquality("am", robot)
    am.setKp(np.zeros(3))
    am.setKd(g["kd_angular_momentum"] * np.ones(3))
    form.addMotionTask(am, wm[3], 1, 0.0)
    am.setReference(tsid.TrajectoryEuclidianConstant("am", np.zeros(3)).computeNext())

    base = tsid.TaskSE3Equality("base", robot, w["base_frame"])
    base.setKp(g["kp_base"] * np.ones(6))
    base.setKd(g["kd_base"] * np.ones(6))
    base.setMask(np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0]))
    form.addMotionTask(base, g["w_base_orientation"], 1, 0.0)
    H = robot.framePosition(data, model.getFrameId(w["base_frame"]))
    base.setReference(tsid.TrajectorySE3Constant("base", H).computeNext())

    post = tsid.TaskJointPosture("posture", robot)
    post.setKp(g["kp_posture"] * np.ones(na))
    post.setKd(g["kd_posture"] * np.ones(na))
    form.addMotionTask(post, g["w_posture"], 1, 0.0)
    post.setReference(tsid.TrajectoryEuclidianConstant("posture", q[7:]).computeNext())

    act = tsid.TaskActuationBounds("torque_limits", robot)
    tl = np.array(w["torque_limit"])
    act.setBounds(-tl, tl)
    form.addActuationTask(act, 1.0, 0, 0.0)

    keep += [com, am, base, post, act, robot]
    form.computeProblemData(0.0, q, v)  # sizes nVar, nEq, nIn
    solver = tsid.SolverHQuadProgFast("qp")
    solver.resize(form.nVar, form.nEq, form.nIn)
    return model, form, solver, q, v, keep


def main(path: str) -> dict:
    w = json.load(open(path))
    model, form, solver, q, v, _keep = build(w)
    clock = time.perf_counter_ns
    n = int(w["samples"])
    for _ in range(min(n, 200)):
        sol = solver.solve(form.computeProblemData(0.0, q, v))
    tick, data_t, solve_t, empty = (np.empty(n) for _ in range(4))
    for i in range(n):
        t0 = clock()
        hqp = form.computeProblemData(0.0, q, v)
        t1 = clock()
        sol = solver.solve(hqp)
        t2 = clock()
        _ = form.nVar
        t3 = clock()
        tick[i], data_t[i], solve_t[i], empty[i] = t2 - t0, t1 - t0, t2 - t1, t3 - t2
    tau = form.getActuatorForces(sol)

    return {
        "peer": "tsid",
        "n": n,
        "tick_us": percentiles_us(tick),
        "compute_problem_data_us": percentiles_us(data_t),
        "solve_us": percentiles_us(solve_t),
        "python_call_us": percentiles_us(empty),
        "qp": {"n_var": form.nVar, "n_eq": form.nEq, "n_in": form.nIn},
        "solver_status": int(sol.status),
        "tau_norm": float(np.linalg.norm(tau)),
        "rnea_max_abs_diff": model_check(model, w),
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
