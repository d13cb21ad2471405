"""MPC problems of a closed-loop walk, saved for the acados peer (runs in the project's environment).

``save_mpc_workload(robot, problems, path)`` runs ``walk-flat`` with ``controller.options.planner=
mpc``, records every problem the walking controller's MPC solves (x0, per-knot parameters, the
shifted warm-start guess: ``_core.WalkingController.last_mpc_inputs``), keeps ``problems`` of them spread over the
walk, and for each measures ours: one SQP-RTI iteration from that guess (timed in C++, its
result), and repeated iterations until the step is below ``STEP_TOL``. It writes the OCP's CasADi
functions (the same expressions our generated code comes from) with ``Function.save`` and the
problems, bounds and our results to an ``.npz``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

__all__ = ["STEP_TOL", "save_mpc_workload"]

#: max |dx|, |du| of an SQP step below which both solvers count as converged (the RTI settings:
#: QP tolerance 1e-3 leaves steps of ~1e-4 after a few iterations on these problems).
STEP_TOL = 1e-3
MAX_SQP = 30
TIMED = 50  # timed single iterations per problem
SPLIT_SAMPLES = 11  # solves whose split (evaluation / QP) is recorded, per problem


class _Recorder:
    """Forwards everything to the ``walk`` controller; after each tick that solved the MPC,
    records what the solve was given (x0, parameters, warm-start guess)."""

    def __init__(self, ctl):
        self._ctl, self.rows = ctl, []

    def __getattr__(self, name):
        return getattr(self._ctl, name)

    def compute(self, state, command):
        core = self._ctl.ctl  # _core.WalkingController
        solves = core.mpc_solves
        tau = self._ctl.compute(state, command)
        if core.mpc_solves != solves:
            self.rows.append(core.last_mpc_inputs)
        return tau


def save_mpc_workload(
    robot: str, problems: int, path: Path, duration_s: float = 4.0, t_from_s: float = 1.0
) -> dict:
    from cerebellum.controllers.mpc import P_CONTACT
    from cerebellum.sim.scenario import load_scenario
    from cerebellum.sim.simulation import Simulation

    sc = load_scenario("walk-flat", ['controller.options.planner="mpc"'])
    sim = Simulation(sc, robot=robot, seed=0, controller="walk", duration_s=duration_s)
    ctl = sim.controller
    rec = sim.controller = _Recorder(ctl)
    result = sim.run()
    mpc = ctl.setup.mpc  # the KinodynamicMPC of the controller's settings and generated code
    solver, ocp, s = mpc._solver, mpc.ocp, mpc.settings
    solver.set_deadline_us(float("inf"))  # the loop's deadline would cut timed iterations short
    n_all = len(rec.rows)
    dt_plan = duration_s / max(n_all, 1)
    first = min(int(t_from_s / dt_plan), n_all - 1)
    pick = np.unique(np.linspace(first, n_all - 1, problems).astype(int))
    N, nx, nu = s.knots, ocp.nx, ocp.nu
    out: dict[str, list] = {
        k: []
        for k in (
            "x0",
            "P",
            "X0",
            "U0",
            "X1",
            "U1",
            "Xc",
            "Uc",
            "iter_us",
            "sqp_iterations",
            "qp_iterations",
            "lg",
            "ug",
            "lbu",
            "ubu",
            "eval_us",
            "qp_us",
        )
    }
    for i in pick:
        x0, PT, XT, UT = rec.rows[i]
        P = PT.T
        solver.set_parameters(PT)
        solver.set_guess(XT, UT)
        solver.solve(x0)  # sets x0 for time_iteration
        solver.set_guess(XT, UT)
        out["iter_us"].append(np.asarray(solver.time_iteration(TIMED)))
        solver.set_sqp_iterations(1)
        split = []
        for _ in range(SPLIT_SAMPLES):  # our model evaluation + QP setup, HPIPM: from solve()
            solver.set_guess(XT, UT)
            solver.solve(x0)
            split.append((solver.last_eval_us, solver.last_qp_us))
        out["eval_us"].append(float(np.median([a for a, _ in split])))
        out["qp_us"].append(float(np.median([b for _, b in split])))
        solver.set_guess(XT, UT)
        solver.solve(x0)
        out["qp_iterations"].append(int(solver.qp_iterations))
        out["X1"].append(np.array(solver.X).T)
        out["U1"].append(np.array(solver.U).T)
        it = 1
        while solver.step_norm >= STEP_TOL and it < MAX_SQP:
            solver.solve(x0)
            it += 1
        out["sqp_iterations"].append(it)
        out["Xc"].append(np.array(solver.X).T)
        out["Uc"].append(np.array(solver.U).T)
        out["x0"].append(x0)
        out["P"].append(P)
        out["X0"].append(XT.T)
        out["U0"].append(UT.T)
        lg, ug, lbu, ubu = [], [], [], []
        for k in range(N):
            a, b = ocp.constraint_bounds(P[k, P_CONTACT], k)
            lg.append(a)
            ug.append(b)
            a, b = ocp.input_bounds(P[k, P_CONTACT])
            lbu.append(a)
            ubu.append(b)
        out["lg"].append(lg)
        out["ug"].append(ug)
        out["lbu"].append(lbu)
        out["ubu"].append(ubu)
    solver.set_sqp_iterations(s.sqp_iterations)
    fdir = path.parent / f"{path.stem}-functions"
    fdir.mkdir(exist_ok=True)
    for name, f in (("F", ocp.F), ("g", ocp.g), ("r_x", ocp.r_x), ("r_u", ocp.r_u)):
        f.save(str(fdir / f"{name}.casadi"))
    sw, swt = s.weights()
    np.savez(
        path,
        **{k: np.array(v) for k, v in out.items()},
        w_stage=sw,
        w_terminal=swt,
        x_lower=ocp.x_lower,
        x_upper=ocp.x_upper,
    )
    return {
        "robot": robot,
        "problems": len(pick),
        "recorded": n_all,
        "fell": bool(result.fell),
        "N": N,
        "dt_s": s.dt_s,
        "nx": nx,
        "nu": nu,
        "np": ocp.np,
        "ng": ocp.ng,
        "qp": {
            "mode": s.qp_mode,
            "tol": s.qp_tol,
            "max_iter": s.qp_max_iter,
            "warm_start": s.qp_warm_start,
            "eq_band": s.qp_eq_band,
            "cond_horizon": s.qp_cond_horizon,
        },
        "opt_level": s.opt_level,
        "step_tol": STEP_TOL,
        "max_sqp": MAX_SQP,
        "functions": str(fdir),
        "npz": str(path),
    }


if __name__ == "__main__":
    import sys

    info = save_mpc_workload(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))
    print(json.dumps(info, indent=1))
