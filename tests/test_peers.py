"""The peer table builder (benchmarks/peers/run_peers.py) on synthetic inputs; no peer venv needed."""

from __future__ import annotations

import importlib.util
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
