"""The peer table builder (benchmarks/peers/run_peers.py) on synthetic inputs; no peer venv needed."""

from __future__ import annotations

import importlib.util
import json
import signal
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "peers" / "run_peers.py"
if not _PATH.exists():
    pytest.skip(f"{_PATH} not in this checkout", allow_module_level=True)
_spec = importlib.util.spec_from_file_location("run_peers", _PATH)
run_peers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_peers)


def _stage(name, p50, p99):
    return {"name": name, "robot": "h1", "p50": p50, "p99": p99}


OURS = {
    "results": [
        _stage("pinocchio.rnea_cpp", 4.0, 5.0),
        _stage("pinocchio.crba_cpp", 3.0, 4.0),
        _stage("dynamics.bundle_cpp", 10.0, 12.0),
        _stage("wbc.tick_standing", 50.0, 100.0),
        _stage("mpc.iteration", 1000.0, 2000.0),
    ]
}


def test_rows_ratios_and_statuses():
    peers = {
        "h1": {
            "tsid": {
                "status": "ok",
                "tick_us": {"p50": 100.0, "p99": 400.0},
                "python_call_us": {"p50": 0.4, "p99": 1.0},
            },
            "crocoddyl": {"status": "crashed: SIGSEGV"},
            "ipopt": {
                "status": "ok",
                "ipopt": {"seconds": 0.5, "iterations": 10},
                "cost_rel_diff": 1e-6,
            },
        }
    }
    rows = run_peers.build_rows(OURS, peers)
    by = {(r["peer"], r["workload"]): r for r in rows}
    pin = next(r for r in rows if r["peer"].startswith("Pinocchio"))
    assert pin["peer_p50_us"] == 7.0 and pin["ratio_p50"] == pytest.approx(0.7)
    tsid = next(r for r in rows if r["peer"] == "TSID")
    assert tsid["ratio_p50"] == pytest.approx(2.0) and tsid["ratio_p99"] == pytest.approx(4.0)
    croc = next(r for r in rows if r["peer"] == "Crocoddyl")
    assert croc["status"] == "crashed: SIGSEGV" and croc["ratio_p50"] is None
    full = by[("CasADi + IPOPT", "same OCP, full solve to 1e-8")]
    assert full["ratio_p50"] is None  # no mpc_ipopt.py iteration in the input
    per = by[("CasADi + IPOPT", "same OCP, one IPOPT iteration (mean)")]
    assert per["peer_p50_us"] == pytest.approx(5e4)
    md = run_peers.render_markdown(rows, {"cpu": "x", "cores": 2})
    assert "crashed: SIGSEGV" in md and "2.00×" in md and md.count("\n| h1 |") == len(rows)


def test_peer_status_from_process():
    crashed = run_peers.peer_status(-signal.SIGSEGV, "", "Segmentation fault")
    assert crashed["status"] == "crashed: SIGSEGV"
    missing = run_peers.peer_status(1, "", "ModuleNotFoundError: No module named 'tsid'")
    assert missing["status"].startswith("could not install")
    ok = run_peers.peer_status(0, 'noise\n{"tick_us": {"p50": 1.0, "p99": 2.0}}\n', "")
    assert ok["status"] == "ok" and ok["tick_us"]["p50"] == 1.0


def test_walking_acados_and_floor_rows():
    ours = {
        "results": [
            *OURS["results"],
            _stage("wbc.tick", 150.0, 300.0),
            {**_stage("wbc.kkt_ldlt", 10.0, 12.0), "normalised": 2.0},
            {**_stage("mpc.floor", 600.0, 900.0), "normalised": 60.0},
        ]
    }
    for r in ours["results"]:
        r.setdefault("normalised", r["p50"] / 3.0)
    peers = {
        "h1": {
            "tsid_walking": {
                "status": "ok",
                "n": 400,
                "tick_us": {"p50": 300.0, "p99": 900.0},
                "with_references_us": {"p50": 1000.0, "p99": 2000.0},
                "tau_rms_diff": 10.0,
                "tau_max_abs_diff": 70.0,
                "tau_rms": 25.0,
            },
            "qp_walking": {
                "status": "ok",
                "n": 400,
                "solvers": {
                    "daqp": {
                        "status": "ok",
                        "solve_us": {"p50": 75.0, "p99": 150.0},
                        "failed": 0,
                        "tau_max_abs_diff": 1e-6,
                    },
                    "osqp": {"status": "could not install: absent"},
                },
            },
            "acados": {
                "status": "ok",
                "problems": 10,
                "iteration_us_p50": 2000.0,
                "ours_iteration_us_p50": 1000.0,
                "sqp_iterations_median": 12.0,
                "ours_sqp_iterations_median": 10.0,
                "one_iteration_max_abs_diff_x": 1e-2,
                "one_iteration_max_abs_diff_u": 1.0,
            },
        }
    }
    rows = run_peers.build_rows(ours, peers)
    tsid = next(r for r in rows if r["peer"] == "TSID" and r["ours"] == "wbc.tick")
    assert tsid["ratio_p50"] == pytest.approx(2.0) and "10.0 N·m" in tsid["note"]
    daqp = next(r for r in rows if r["peer"] == "qpsolvers: daqp")
    assert daqp["ratio_p50"] == pytest.approx(0.5)
    osqp = next(r for r in rows if r["peer"] == "qpsolvers: osqp")
    assert osqp["status"].startswith("could not install") and osqp["ratio_p50"] is None
    ac = next(r for r in rows if r["peer"].startswith("acados"))
    assert ac["ratio_p50"] == pytest.approx(2.0) and "12 (ours 10" in ac["note"]
    floors = {f["stage"]: f for f in run_peers.build_floors(ours)}
    assert floors["wbc.tick"]["floor_p50_us"] == pytest.approx(20.0)  # bundle 10 + LDLT 10
    assert floors["wbc.tick"]["ratio"] == pytest.approx(7.5)
    assert floors["mpc.iteration"]["ratio"] == pytest.approx(1000.0 / 600.0)
    md = run_peers.render_markdown(rows, {"cpu": "x", "cores": 2}, list(floors.values()))
    assert "## Floors" in md and "7.50×" in md


def test_qpsolvers_peer_reproduces_our_walking_torques(tmp_path):
    """Our own walking QPs solved by DAQP in the peer venv give our torques back (our solver
    checked by an independent one); skips without the peer venv."""
    if not run_peers.VENV_PYTHON.exists():
        pytest.skip("no peer venv: bash benchmarks/peers/setup_peers.sh")
    info = run_peers.save_walking_workload("h1", 20, tmp_path / "walk.npz")
    wl = tmp_path / "walk.json"
    wl.write_text(json.dumps(info))
    out = run_peers.run_peer("peer_qp_walking.py", wl)
    assert out["status"] == "ok", out
    daqp = out["solvers"]["daqp"]
    assert daqp["failed"] == 0 and daqp["tau_max_abs_diff"] < 1e-4
