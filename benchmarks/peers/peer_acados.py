"""acados peer: our kinodynamic OCP (the same CasADi functions) solved by acados' SQP-RTI + HPIPM
on recorded closed-loop MPC problems.

Runs in ``benchmarks/peers/.venv-acados`` (``setup_peers.sh``: the ``comma-deps-acados`` wheel,
its ``t_renderer`` and C library, with a CPython 3.11 casadi). Usage:
``python peer_acados.py WORKLOAD.json`` (from ``mpc_workload.py``); prints one JSON object.

The OCP: discrete dynamics ``F(x, u)``; Gauss-Newton least squares on ``[r_x(x, p, w); r_u(u, p,
w)]`` (W = I, yref = 0: the same 0.5 |r|^2), terminal ``r_x(x, p, w_terminal)``; nonlinear
constraints ``g(x, u, p)`` with per-stage bounds from the contact flags (equalities as bounds
``eq_band`` apart, as ours), input bounds (swing wrenches 0), joint bounds on knots 1..N, x_0 fixed.
Solver: SQP_RTI, PARTIAL_CONDENSING_HPIPM without condensing (cond_N = N), HPIPM mode, tolerance
and iteration cap as ours, cold QP start, fixed full steps, generated code at our -O level.
acados 0.2 has no masks for absent bounds: they are +-1e9 (ACADOS_POS_INFTY), so its QPs carry
every constraint row, as ours do with HPIPM masks.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BIG = 1e9  # acados' ACADOS_POS_INFTY


def _bound(a: np.ndarray) -> np.ndarray:
    return np.clip(np.nan_to_num(a, posinf=BIG, neginf=-BIG), -BIG, BIG)


def build(w: dict, d, build_dir: Path):
    import acados
    import casadi as ca

    # the wheel's C library, headers and template renderer: acados_template never downloads
    os.environ.setdefault("ACADOS_SOURCE_DIR", acados.DIR)
    os.environ.setdefault("TERA_PATH", acados.TERA_PATH)
    os.environ.setdefault("ACADOS_PYTHON_INTERFACE_PATH", acados.TEMPLATE_DIR)
    import ctypes

    from acados.acados_template import AcadosModel, AcadosOcp, AcadosOcpSolver

    # the generated solver links these by soname; LD_LIBRARY_PATH would have to be set before
    # this process started, so load them (global symbols) first
    for lib in ("libblasfeo.so", "libhpipm.so", "libqpOASES_e.so.3.1", "libacados.so"):
        ctypes.CDLL(os.path.join(acados.LIB_DIR, lib), mode=ctypes.RTLD_GLOBAL)

    fdir = Path(w["functions"])
    F, g, r_x, r_u = (ca.Function.load(str(fdir / f"{n}.casadi")) for n in ("F", "g", "r_x", "r_u"))
    nx, nu, npar, N = w["nx"], w["nu"], w["np"], w["N"]
    x, u, p = ca.SX.sym("x", nx), ca.SX.sym("u", nu), ca.SX.sym("p", npar)
    sw, swt = ca.DM(d["w_stage"]), ca.DM(d["w_terminal"])
    model = AcadosModel()
    model.name = f"kinodynamic_{w['robot']}"
    model.x, model.u, model.p = x, u, p
    model.disc_dyn_expr = F(x, u)
    model.con_h_expr = g(x, u, p)
    model.cost_y_expr = ca.vertcat(r_x(x, p, sw), r_u(u, p, sw))
    model.cost_y_expr_e = r_x(x, p, swt)
    ny, ny_e = model.cost_y_expr.shape[0], model.cost_y_expr_e.shape[0]

    ocp = AcadosOcp()
    ocp.model = model
    ocp.dims.N = N
    ocp.solver_options.tf = N * w["dt_s"]
    ocp.solver_options.integrator_type = "DISCRETE"
    ocp.cost.cost_type = "NONLINEAR_LS"
    ocp.cost.cost_type_e = "NONLINEAR_LS"
    # acados multiplies each stage cost by its time step (the terminal cost not): W = I / dt
    ocp.cost.W = np.eye(ny) / w["dt_s"]
    ocp.cost.W_e = np.eye(ny_e)
    ocp.cost.yref = np.zeros(ny)
    ocp.cost.yref_e = np.zeros(ny_e)
    ocp.parameter_values = np.zeros(npar)
    c = ocp.constraints
    c.x0 = d["x0"][0]
    xl, xu = d["x_lower"], d["x_upper"]
    idx = np.flatnonzero(np.isfinite(xl) | np.isfinite(xu))
    c.idxbx, c.lbx, c.ubx = idx, _bound(xl[idx]), _bound(xu[idx])
    c.idxbx_e, c.lbx_e, c.ubx_e = idx, _bound(xl[idx]), _bound(xu[idx])
    c.idxbu, c.lbu, c.ubu = np.arange(nu), -BIG * np.ones(nu), BIG * np.ones(nu)
    c.lh, c.uh = -BIG * np.ones(w["ng"]), BIG * np.ones(w["ng"])
    so = ocp.solver_options
    so.nlp_solver_type = "SQP_RTI"
    so.qp_solver = "PARTIAL_CONDENSING_HPIPM"
    so.qp_solver_cond_N = N if w["qp"]["cond_horizon"] in (0, None) else w["qp"]["cond_horizon"]
    so.hpipm_mode = w["qp"]["mode"].upper()
    so.qp_solver_iter_max = w["qp"]["max_iter"]
    so.qp_tol = w["qp"]["tol"]  # stationarity, equality, inequality, complementarity
    so.qp_solver_warm_start = w["qp"]["warm_start"]
    so.hessian_approx = "GAUSS_NEWTON"
    so.globalization = "FIXED_STEP"
    so.nlp_solver_step_length = 1.0
    so.print_level = 0
    so.ext_fun_compile_flags = w["opt_level"]
    ocp.code_export_directory = str(build_dir / "c_generated_code")
    cwd = os.getcwd()
    os.chdir(build_dir)
    fresh = not (build_dir / "ocp.json").exists()  # a build directory is reused as it is
    try:
        solver = AcadosOcpSolver(
            ocp,
            json_file=str(build_dir / "ocp.json"),
            build=fresh,
            generate=fresh,
            verbose=False,
        )
    finally:
        os.chdir(cwd)
    return solver


def _load_problem(solver, w, d, i, X=None, U=None):
    N, band = w["N"], w["qp"]["eq_band"]
    X = d["X0"][i] if X is None else X
    U = d["U0"][i] if U is None else U
    solver.set(0, "lbx", d["x0"][i])
    solver.set(0, "ubx", d["x0"][i])
    for k in range(N):
        lg, ug = d["lg"][i, k], d["ug"][i, k]
        eq = np.isfinite(lg) & (lg == ug)
        lo, hi = lg.copy(), ug.copy()
        lo[eq], hi[eq] = lg[eq] - band, ug[eq] + band
        solver.constraints_set(k, "lh", _bound(lo))
        solver.constraints_set(k, "uh", _bound(hi))
        lb, ub = d["lbu"][i, k].copy(), d["ubu"][i, k].copy()
        equ = np.isfinite(lb) & (lb == ub)
        lb[equ], ub[equ] = lb[equ] - band, ub[equ] + band
        solver.constraints_set(k, "lbu", _bound(lb))
        solver.constraints_set(k, "ubu", _bound(ub))
        solver.set(k, "p", d["P"][i, k])
        solver.set(k, "x", X[k])
        solver.set(k, "u", U[k])
    solver.set(N, "p", d["P"][i, N])
    solver.set(N, "x", X[N])


def _iterate(solver, w):
    N = w["N"]
    t0 = time.perf_counter_ns()
    status = solver.solve()
    wall = time.perf_counter_ns() - t0
    X = np.array([solver.get(k, "x") for k in range(N + 1)])
    U = np.array([solver.get(k, "u") for k in range(N)])
    return status, float(np.ravel(solver.get_stats("time_tot"))[0]), wall, X, U


def main(path: str) -> dict:
    w = json.load(open(path))
    d = np.load(w["npz"])
    build_dir = Path(w.get("build_dir") or tempfile.mkdtemp(prefix="acados-"))
    build_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    solver = build(w, d, build_dir)
    build_s = time.perf_counter() - t0
    n_prob = len(d["x0"])
    reps = d["iter_us"].shape[1]
    per = []
    for i in range(n_prob):
        times, walls, statuses, qp_iter = [], [], [], []
        lin, qp = [], []
        for _ in range(reps):
            _load_problem(solver, w, d, i)
            st, t, wall, X1, U1 = _iterate(solver, w)
            lin.append(float(np.ravel(solver.get_stats("time_lin"))[0]) * 1e6)
            qp.append(float(np.ravel(solver.get_stats("time_qp"))[0]) * 1e6)
            times.append(t * 1e6)
            walls.append(wall / 1e3)
            statuses.append(st)
        qp_iter = (
            int(solver.get_stats("qp_iter")[-1])
            if np.ndim(solver.get_stats("qp_iter"))
            else int(solver.get_stats("qp_iter"))
        )
        scale_x = max(1.0, float(np.abs(d["X1"][i]).max()))
        # iterations to the same step tolerance from the same guess
        _load_problem(solver, w, d, i)
        X, U = d["X0"][i], d["U0"][i]
        it, step = 0, np.inf
        while step >= w["step_tol"] and it < w["max_sqp"]:
            st, _, _, Xn, Un = _iterate(solver, w)
            step = max(np.abs(Xn - X).max(), np.abs(Un - U).max())
            X, U = Xn, Un
            it += 1
        ours_us = float(np.median(d["iter_us"][i]))
        per.append(
            {
                "iteration_us_p50": float(np.median(times)),
                "iteration_wall_us_p50": float(np.median(walls)),
                "linearisation_us_p50": float(np.median(lin)),
                "qp_us_p50": float(np.median(qp)),
                "ours_eval_us_p50": float(d["eval_us"][i]),
                "ours_qp_us_p50": float(d["qp_us"][i]),
                "ours_iteration_us_p50": ours_us,
                "status": int(max(statuses)),
                "qp_iterations": qp_iter,
                "ours_qp_iterations": int(d["qp_iterations"][i]),
                "one_iteration_max_abs_diff_x": float(np.abs(X1 - d["X1"][i]).max()),
                "one_iteration_max_abs_diff_u": float(np.abs(U1 - d["U1"][i]).max()),
                "one_iteration_step_x": float(np.abs(d["X1"][i] - d["X0"][i]).max()),
                "x_scale": scale_x,
                "sqp_iterations": it,
                "ours_sqp_iterations": int(d["sqp_iterations"][i]),
                "converged_max_abs_diff_x": float(np.abs(X - d["Xc"][i]).max()),
                "converged_max_abs_diff_u": float(np.abs(U - d["Uc"][i]).max()),
            }
        )
    it_us = np.array([p["iteration_us_p50"] for p in per])
    ours = np.array([p["ours_iteration_us_p50"] for p in per])
    return {
        "peer": "acados",
        "problems": n_prob,
        "build_s": build_s,
        "iteration_us_p50": float(np.median(it_us)),
        "ours_iteration_us_p50": float(np.median(ours)),
        "ratio_p50": float(np.median(it_us / ours)),
        "linearisation_us_p50": float(np.median([p["linearisation_us_p50"] for p in per])),
        "qp_us_p50": float(np.median([p["qp_us_p50"] for p in per])),
        "ours_eval_us_p50": float(np.median([p["ours_eval_us_p50"] for p in per])),
        "ours_qp_us_p50": float(np.median([p["ours_qp_us_p50"] for p in per])),
        "sqp_iterations_median": float(np.median([p["sqp_iterations"] for p in per])),
        "ours_sqp_iterations_median": float(np.median([p["ours_sqp_iterations"] for p in per])),
        "one_iteration_max_abs_diff_x": float(max(p["one_iteration_max_abs_diff_x"] for p in per)),
        "one_iteration_max_abs_diff_u": float(max(p["one_iteration_max_abs_diff_u"] for p in per)),
        "converged_max_abs_diff_x": float(max(p["converged_max_abs_diff_x"] for p in per)),
        "per_problem": per,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
