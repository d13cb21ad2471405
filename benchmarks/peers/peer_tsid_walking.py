"""TSID peer on recorded walking ticks: our walking WBC's tasks, weights and references in TSID's
formulation, tick by tick in order; torques compared with ours.

Runs in the peer venv. Usage: ``python peer_tsid_walking.py WORKLOAD.json`` (from
``walking_workload.py``); prints one JSON object. Tick = contact changes + reference updates +
``computeProblemData`` + ``SolverHQuadProgFast.solve``, timed around the Python calls; ``tick_us`` counts the two calls
that do the C++ work (problem data + solve), ``with_references_us`` adds setting the references
and contacts from Python (TSID's trajectory samples are built per tick).

Mapping of our tasks (weights and gains from the walking controller's settings):
- linear momentum rate (weight w_momentum[0:3] on N) -> TaskComEquality on the CoM acceleration
  (m/s^2, weight scaled by mass^2), PD kp_com/kd_com around the reference com/vcom plus acom
  (the walking controller's balance law writes its CoM acceleration into acom; k_dcm = 0);
- angular momentum damping -> TaskAMEquality (Kd kd_angular_momentum, weight w_momentum[3]);
- base orientation -> TaskSE3Equality on the base frame, rotation rows, LOCAL_WORLD_ALIGNED;
- swing soles (inactive contacts) -> TaskSE3Equality per foot (linear and angular rows as two
  tasks, the two weights of w_swing), reference pose, velocity and acceleration;
- posture -> TaskJointPosture; torque limits -> TaskActuationBounds;
- active contacts -> Contact6d (4 sole corners, friction pyramid, fz_min/4 per corner), soft
  when contact_weight > 0 (motion task of that weight, Kd kd_contact), force regularisation
  w_reg_wrench. Not in TSID: the free sole roll and the yaw-torque rows of H1's narrow soles,
  vdot regularisation, passive-joint compensation (added to TSID's torques from ours).
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import pinocchio as pin
import tsid.tsid_pywrap as tsid
from peer_common import load_model, percentiles_us


def _se3_sample(R, p, vel=None, acc=None):
    s = tsid.TrajectorySE3Constant("r", pin.SE3(R, p)).computeNext()
    if vel is not None:
        s.derivative(np.asarray(vel, float))
        s.second_derivative(np.asarray(acc, float))
    return s


def main(path: str) -> dict:
    w = json.load(open(path))
    d = np.load(w["npz"])
    s = w["settings"]
    model = load_model(w)
    robot = tsid.RobotWrapper(model, tsid.FLOATING_BASE_SYSTEM, False)
    form = tsid.InverseDynamicsFormulationAccForce("tsid", robot, False)
    q0, v0 = d["q"][0], d["v"][0]
    form.computeProblemData(0.0, q0, v0)
    data = form.data()
    mass = w["mass"]
    keep = []  # TSID keeps C++ references: every task and contact must stay alive

    contacts, swing_lin, swing_ang = [], [], []
    soft = s["contact_weight"] > 0.0
    for c in s["contacts"]:
        x0, x1, y0, y1 = -c["x_back"], c["x_front"], -c["y_right"], c["y_left"]
        corners = np.array([[x0, x0, x1, x1], [y0, y1, y0, y1], [0.0] * 4])
        fmax = c["fz_max"] if np.isfinite(c["fz_max"]) else 1e5
        ct = tsid.Contact6d(
            c["frame"],
            robot,
            c["frame"],
            corners,
            np.array([0, 0, 1.0]),
            c["mu"],
            c["fz_min"] / 4,
            fmax,
        )
        ct.setKp(np.zeros(6))
        ct.setKd(s["kd_contact"] * np.ones(6))
        contacts.append(ct)
        tl = tsid.TaskSE3Equality(f"swing_lin_{c['frame']}", robot, c["frame"])
        ta = tsid.TaskSE3Equality(f"swing_ang_{c['frame']}", robot, c["frame"])
        for t, mask in ((tl, [1, 1, 1, 0, 0, 0]), (ta, [0, 0, 0, 1, 1, 1])):
            t.setKp(s["kp_swing"] * np.ones(6))
            t.setKd(s["kd_swing"] * np.ones(6))
            t.setMask(np.array(mask, float))
            t.useLocalFrame(False)
        swing_lin.append(tl)
        swing_ang.append(ta)
    keep += contacts + swing_lin + swing_ang

    wm = s["w_momentum"]
    com = tsid.TaskComEquality("com", robot)
    com.setKp(s["kp_com"] * np.ones(3))
    com.setKd(s["kd_com"] * np.ones(3))
    form.addMotionTask(com, wm[0] * mass**2, 1, 0.0)
    am = tsid.TaskAMEquality("am", robot)
    am.setKp(np.zeros(3))
    am.setKd(s["kd_angular_momentum"] * np.ones(3))
    form.addMotionTask(am, wm[3], 1, 0.0)
    am.setReference(tsid.TrajectoryEuclidianConstant("am", np.zeros(3)).computeNext())
    base = tsid.TaskSE3Equality("base", robot, s["base_frame"])
    base.setKp(s["kp_base"] * np.ones(6))
    base.setKd(s["kd_base"] * np.ones(6))
    base.setMask(np.array([0, 0, 0, 1, 1, 1.0]))
    base.useLocalFrame(False)
    form.addMotionTask(base, s["w_base_orientation"], 1, 0.0)
    post = tsid.TaskJointPosture("posture", robot)
    post.setKp(s["kp_posture"] * np.ones(robot.na))
    post.setKd(s["kd_posture"] * np.ones(robot.na))
    form.addMotionTask(post, s["w_posture"], 1, 0.0)
    act = tsid.TaskActuationBounds("torque_limits", robot)
    tlim = np.array(s["torque_limit"])
    act.setBounds(-tlim, tlim)
    form.addActuationTask(act, 1.0, 0, 0.0)
    keep += [com, am, base, post, act, robot]
    solver = tsid.SolverHQuadProgFast("qp")

    n = len(d["q"])
    active = [False] * len(contacts)
    swinging = [False] * len(contacts)
    t_tick = np.empty(n)
    t_parts = np.empty((n, 3))  # references + contact changes (Python), problem data, solve
    tau, ok = [], []
    clock = time.perf_counter_ns
    zero3 = np.zeros(3)
    for i in range(n):
        q, v, mask = d["q"][i], d["v"][i], d["masks"][i]
        t0 = clock()
        for c, ct in enumerate(contacts):
            if mask[c] and not active[c]:
                if swinging[c]:
                    form.removeTask(swing_lin[c].name, 0.0)
                    form.removeTask(swing_ang[c].name, 0.0)
                    swinging[c] = False
                ct.setReference(robot.framePosition(data, model.getFrameId(ct.name)))
                if soft:
                    form.addRigidContact(ct, s["w_reg_wrench"], s["contact_weight"], 1)
                else:
                    form.addRigidContact(ct, s["w_reg_wrench"])
                active[c] = True
            elif not mask[c] and active[c]:
                form.removeRigidContact(ct.name, 0.0)
                active[c] = False
            if not mask[c]:
                if not swinging[c]:
                    form.addMotionTask(swing_lin[c], s["w_swing"][0], 1, 0.0)
                    form.addMotionTask(swing_ang[c], s["w_swing"][3], 1, 0.0)
                    swinging[c] = True
                R = d["ref_swing_R"][i, c].reshape(3, 3)
                sample = _se3_sample(
                    R,
                    d["ref_swing_p"][i, c],
                    d["ref_swing_velocity"][i, c],
                    d["ref_swing_acceleration"][i, c],
                )
                swing_lin[c].setReference(sample)
                swing_ang[c].setReference(sample)
        cs = tsid.TrajectorySample(3)
        cs.value(d["ref_com"][i])
        cs.derivative(d["ref_vcom"][i])
        cs.second_derivative(d["ref_acom"][i])
        com.setReference(cs)
        base.setReference(
            _se3_sample(
                d["ref_base_R"][i],
                zero3,
                np.concatenate([zero3, d["ref_base_omega"][i]]),
                np.concatenate([zero3, d["ref_base_omega_dot"][i]]),
            )
        )
        post.setReference(tsid.TrajectoryEuclidianConstant("p", d["ref_posture"][i]).computeNext())
        t1 = clock()
        hqp = form.computeProblemData(0.0, q, v)
        if i == 0:
            solver.resize(form.nVar, form.nEq, form.nIn)
        t2 = clock()
        sol = solver.solve(hqp)
        t_tick[i] = clock() - t0
        t_parts[i] = (t1 - t0, t2 - t1, t_tick[i] - (t2 - t0))
        ok.append(sol.status == 0)
        tau.append(form.getActuatorForces(sol) + d["passive"][i])
    tau = np.array(tau)
    diff = tau - d["tau"]
    good = np.array(ok)
    return {
        "peer": "tsid_walking",
        "n": n,
        # the C++ work of a tick (problem data + solve); setting references from Python is apart
        "tick_us": percentiles_us(t_parts[:, 1] + t_parts[:, 2]),
        "with_references_us": percentiles_us(t_tick),
        "references_us": percentiles_us(t_parts[:, 0]),
        "problem_data_us": percentiles_us(t_parts[:, 1]),
        "solve_us": percentiles_us(t_parts[:, 2]),
        "qp": {"n_var": form.nVar, "n_eq": form.nEq, "n_in": form.nIn},
        "solver_failures": int((~good).sum()),
        "tau_max_abs_diff": float(np.abs(diff[good]).max()),
        "tau_rms_diff": float(np.sqrt(np.mean(diff[good] ** 2))),
        "tau_rms": float(np.sqrt(np.mean(d["tau"] ** 2))),
        "tau_rms_diff_by_joint": [float(x) for x in np.sqrt(np.mean(diff[good] ** 2, axis=0))],
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
