"""qpsolvers peer: our own walking WBC QPs (H, g, A, b, C, l, u of each recorded tick) solved by
other QP solvers through ``qpsolvers``; torques from each solution by our affine map tau = T x + t.

Runs in the peer venv. Usage: ``python peer_qp_walking.py WORKLOAD.json``; prints one JSON object.
Time = one ``qpsolvers.solve_qp`` call (dense matrices in, the solver's set-up and solve, cold
start), timed with ``perf_counter_ns``: the peer is given the assembled QP, ours also builds it.
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import numpy as np
import qpsolvers
from peer_common import percentiles_us

SOLVERS = ("daqp", "quadprog", "piqp", "osqp")
NO_BOUND = 1e20  # our QP marks an absent bound with |bound| >= 1e20


def inequalities(C, lo, hi):
    """l <= C x <= u as G x <= h (finite sides only)."""
    up, dn = hi < NO_BOUND, lo > -NO_BOUND
    return np.vstack([C[up], -C[dn]]), np.concatenate([hi[up], -lo[dn]])


def main(path: str) -> dict:
    warnings.simplefilter("ignore")  # qpsolvers' sparse-conversion and status warnings
    w = json.load(open(path))
    d = np.load(w["npz"])
    n = len(d["x"])
    out = {"peer": "qpsolvers", "n": n, "solvers": {}}
    problems = [
        (d["H"][i], d["g"][i], *inequalities(d["C"][i], d["l"][i], d["u"][i]), d["A"][i], d["b"][i])
        for i in range(n)
    ]
    for name in SOLVERS:
        if name not in qpsolvers.available_solvers:
            out["solvers"][name] = {
                "status": "could not install: not in qpsolvers.available_solvers"
            }
            continue
        # OSQP (first order) at 1e-9 hit its iteration cap on every tick; 1e-6 is its usual use
        opts = {"eps_abs": 1e-6, "eps_rel": 0.0, "max_iter": 20000} if name == "osqp" else {}
        t, dtau, failed = np.empty(n), [], 0
        for i, (P, q, G, h, A, b) in enumerate(problems):
            t0 = time.perf_counter_ns()
            x = qpsolvers.solve_qp(P, q, G, h, A, b, solver=name, **opts)
            t[i] = time.perf_counter_ns() - t0
            if x is None:
                failed += 1
                continue
            tau = d["T"][i] @ x + d["t"][i]
            dtau.append(tau - d["tau"][i])
        dtau = np.array(dtau) if dtau else np.zeros((0, d["tau"].shape[1]))
        out["solvers"][name] = {
            "status": "ok",
            "solve_us": percentiles_us(t),
            "failed": failed,
            "tau_max_abs_diff": float(np.abs(dtau).max()) if len(dtau) else None,
            "tau_rms_diff": float(np.sqrt(np.mean(dtau**2))) if len(dtau) else None,
        }
    out["tau_rms"] = float(np.sqrt(np.mean(d["tau"] ** 2)))
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
