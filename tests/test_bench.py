"""The benchmark's regression gate: normalised figures, baseline comparison, exit codes."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import numpy as np
import pytest

from cerebellum.commands import bench
from cerebellum.commands.bench import (
    CONTINUOUS,
    REFERENCE,
    ROUNDS,
    ROUNDS_BY_STAGE,
    compare,
    run_bench,
)

STAGES = [REFERENCE, "pinocchio.rnea_cpp", "dynamics.bundle_cpp"]


@pytest.fixture(scope="module")
def report():
    return run_bench(["h1"], STAGES, samples=500, progress=False)


def _faster(report, factor):
    """The same report with every non-reference stage `factor` times faster (normalised too)."""
    base = copy.deepcopy(report)
    for r in base["results"]:
        if r["name"] != REFERENCE:
            for k in ("p50", "p90", "p99", "p99.9", "max", "mean", "normalised"):
                r[k] /= factor
            r["normalised_rounds"] = [x / factor for x in r["normalised_rounds"]]
    return base


def test_normalised_is_the_median_round_ratio_to_the_in_run_reference(report):
    """Each stage is sampled in ROUNDS blocks, each after a block of the reference (CRBA); ``normalised`` is the
    median block-p50 ratio, close to the whole-run ratio of p50s on a quiet machine."""
    by = {r["name"]: r for r in report["results"]}
    ref = by[REFERENCE]["p50"]
    for r in report["results"]:
        assert len(r["normalised_rounds"]) == ROUNDS
        assert r["normalised"] == pytest.approx(float(np.median(r["normalised_rounds"])))
        assert 0.5 < r["normalised"] / (r["p50"] / ref) < 2.0
        assert r["n"] == 500
    assert by[REFERENCE]["normalised"] == 1.0
    assert by["dynamics.bundle_cpp"]["normalised"] > by[REFERENCE]["normalised"]


def test_unchanged_baseline_passes(report):
    rows, ok = compare(report, report, 0.25)
    assert ok and all(r["status"] in ("ok", "reference") for r in rows)


def test_twice_as_fast_baseline_fails(report):
    rows, ok = compare(report, _faster(report, 2.0), 0.25)
    assert not ok
    assert {r["name"] for r in rows if r["status"] == "REGRESSION"} == set(STAGES) - {REFERENCE}


def test_compare_cli_exit_codes(report, tmp_path):
    same, fast = tmp_path / "same.json", tmp_path / "fast.json"
    # A baseline from this machine, measured now, must pass; one twice as fast must fail.
    run = [sys.executable, "-m", "cerebellum", "bench", "--robots", "h1", "--stages", *STAGES]
    r = subprocess.run(
        [*run, "--samples", "2000", "--json", str(same)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    fast.write_text(json.dumps(_faster(json.loads(same.read_text()), 2.0)))
    ok = subprocess.run(
        [*run, "--samples", "2000", "--compare", str(same), "--max-regression", "0.5"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ok.returncode == 0, ok.stdout
    bad = subprocess.run(
        [*run, "--samples", "2000", "--compare", str(fast), "--markdown", str(tmp_path / "b.md")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 1 and "REGRESSION" in bad.stdout
    assert "| dynamics.bundle_cpp | h1 |" in (tmp_path / "b.md").read_text()


def test_rate_bound_stages_report_deadline_misses():
    rep = run_bench(["h1"], [REFERENCE, "wbc.tick", "sim.step"], samples=300, progress=False)
    by = {r["name"]: r for r in rep["results"]}
    tick = by["wbc.tick"]
    assert tick["deadline_us"] == 1000.0 and tick["duration_s"] == pytest.approx(0.3)
    assert 0 <= tick["deadline_misses"] <= tick["n"]
    assert "deadline_us" not in by["sim.step"]
    assert 0 < by["sim.step"]["p50"] <= by["sim.step"]["max"]


def test_every_stage_is_normalised_over_rounds_including_the_simulation_and_the_mpc():
    """control.tick (each round a whole simulation, cut into chunks with a reference block before
    each) and mpc.iteration (one MPC, timed in rounds) carry their number of block ratios, all
    finite."""
    rep = run_bench(
        ["h1"], [REFERENCE, "control.tick", "mpc.iteration"], samples=250, progress=False
    )
    by = {r["name"]: r for r in rep["results"]}
    for name in ("control.tick", "mpc.iteration"):
        r = by[name]
        rounds = ROUNDS_BY_STAGE.get(name, ROUNDS)
        assert r["n"] == (rounds * 250 if name in CONTINUOUS else 250)
        assert len(r["normalised_rounds"]) == ROUNDS_BY_STAGE.get(name, ROUNDS)
        assert all(np.isfinite(x) and x > 1.0 for x in r["normalised_rounds"])
    assert by["control.tick"]["deadline_misses"] <= by["control.tick"]["n"]


def test_control_tick_times_the_cpp_tick_with_planning_on_its_own_thread():
    """control.tick: the C++ controller's own tick times (one per simulated ms) while the gait
    and CoM plans come from the planning thread; control.tick_sync plans inside the tick."""
    ctx = bench._Context("h1")
    ticks = bench._control_tick(ctx, 400)
    planning = ctx.cache[("control.tick", "planning")]
    assert ticks.shape == (400,) and np.all(ticks > 0) and np.isfinite(ticks).all()
    assert planning is not None and planning["cycles"] >= 1 and planning["failures"] == 0
    sync = bench._control_tick(ctx, 400, planning_thread=False)
    assert sync.shape == (400,) and ctx.cache[("control.tick", "planning")] is None


def test_rounds_are_interleaved_over_stages_and_robots(monkeypatch):
    """Stages with the same number of rounds alternate round by round (robots and stages in
    order within a round); a stage with more rounds is spread evenly between them: the rounds of
    one stage cover the run, so a spell of load cannot fall on all of them."""
    calls: list[tuple[str, str]] = []
    stages = dict(bench.STAGES)
    for name in (REFERENCE, "dynamics.bundle_cpp"):
        fn, nq, nf = stages[name]
        stages[name] = (
            lambda c, n, fn=fn, name=name: calls.append((c.name, name)) or fn(c, n),
            nq,
            nf,
        )
    monkeypatch.setattr(bench, "STAGES", stages)
    rep = run_bench(
        ["h1", "talos"], [REFERENCE, "dynamics.bundle_cpp"], samples=500, progress=False
    )
    # per round: h1 CRBA block, h1 (CRBA reference, bundle), talos CRBA, talos (CRBA, bundle)
    per_round = [
        ("h1", REFERENCE),
        ("h1", REFERENCE),
        ("h1", "dynamics.bundle_cpp"),
        ("talos", REFERENCE),
        ("talos", REFERENCE),
        ("talos", "dynamics.bundle_cpp"),
    ]
    assert calls == per_round * ROUNDS
    for r in rep["results"]:
        assert len(r["normalised_rounds"]) == ROUNDS and r["n"] == 500


def test_stages_with_more_rounds_are_spread_between_the_others(monkeypatch):
    calls: list[str] = []
    stages = dict(bench.STAGES)
    for name in ("dynamics.bundle_cpp", "sim.step"):
        fn, nq, nf = stages[name]
        stages[name] = (lambda c, n, fn=fn, name=name: calls.append(name) or fn(c, n), nq, nf)
    monkeypatch.setattr(bench, "STAGES", stages)
    run_bench(["h1"], [REFERENCE, "dynamics.bundle_cpp", "sim.step"], samples=400, progress=False)
    n_sim = ROUNDS_BY_STAGE["sim.step"]
    assert calls.count("sim.step") == n_sim and calls.count("dynamics.bundle_cpp") == ROUNDS
    # between two consecutive bundle rounds there are n_sim / ROUNDS sim.step rounds
    where = [i for i, c in enumerate(calls) if c == "dynamics.bundle_cpp"]
    gaps = [calls[a:b].count("sim.step") for a, b in zip(where, where[1:], strict=False)]
    assert gaps == [n_sim // ROUNDS] * (ROUNDS - 1)


def test_estimator_update_replays_the_estimator_inputs_of_a_closed_loop_walk():
    """The estimator.update stage times the filter on what it got in a walk: replayed in order
    from the reset, the inputs give the run's own estimate; the timed part is walking (both
    feet swing in turn, the planned contacts with them)."""
    from cerebellum import _core
    from cerebellum.sim.recording import record_estimator_updates

    rec = record_estimator_updates("h1", 400)
    assert len(rec) == 400 and rec.first == 1499
    est = _core.BaseEstimator(rec.model_path, rec.settings)
    t = rec.replay(est)
    assert t.shape == (400,) and np.all(t > 0.0)
    np.testing.assert_array_equal(est.position, rec.final_position)  # the run's filter, exactly
    sched = rec.updates["schedule"][rec.first :]
    assert (sched[:, 0] == 0).any() and (sched[:, 1] == 0).any()  # swings of both feet
    assert np.ptp(rec.updates["foot_force"][rec.first :, 0, 2]) > 100.0  # N: loaded, unloaded
    rep = run_bench(["h1"], [REFERENCE, "estimator.update"], samples=500, progress=False)
    (r,) = [r for r in rep["results"] if r["name"] == "estimator.update"]
    assert r["n"] == 500 and len(r["normalised_rounds"]) == 5


# ---------------------------------------------------------------------------------------- floors


def test_kkt_matrix_reproduces_the_wbc_solution_and_ldlt_times_it():
    """The KKT system the WBC floor factorises is the QP's own: with the proximal terms removed,
    its solve returns the solution the C++ QP found (same x to 1e-6 relative), so the floor times
    a factorisation of the right size and structure; time_ldlt gives one positive duration per
    factorisation."""
    from cerebellum import _core
    from cerebellum.sim.recording import record_wbc_ticks

    rec = record_wbc_ticks("h1", 5)
    rec.qp.replay(rec.q[-1:], rec.v[-1:], rec.masks[-1:], [rec.references[-1]])
    qp = rec.qp.qp_matrices()
    K = bench.kkt_matrix(qp)
    n, ne = qp["H"].shape[0], qp["A"].shape[0]
    ni = K.shape[0] - n - ne
    assert ni > 0  # walking: some friction, CoP or torque rows are at their bounds
    # exact KKT: [H A' Ca'; A 0 0; Ca 0 0] [x; y; z] = [-g; b; bound of each active row]
    Kx = K.copy()
    Kx[:n, :n] -= bench.KKT_RHO * np.eye(n)
    Kx[n:, n:] = 0.0
    cx = qp["C"] @ qp["x"]
    scale = 1.0 + np.abs(cx)
    at_l = np.abs(cx - qp["l"]) <= 1e-7 * scale
    at_u = np.abs(cx - qp["u"]) <= 1e-7 * scale
    active = at_l | at_u
    bound = np.where(at_l, qp["l"], qp["u"])[active]
    rhs = np.concatenate([-qp["g"], qp["b"], bound])
    sol = np.linalg.lstsq(Kx, rhs, rcond=None)[0]
    assert np.linalg.norm(sol[:n] - qp["x"]) <= 1e-6 * np.linalg.norm(qp["x"])
    t = np.asarray(_core.time_ldlt([K, K[:n, :n]], 3))
    assert t.shape == (6,) and np.all(t > 0)
    with pytest.raises(ValueError, match="square"):
        _core.time_ldlt([np.zeros((2, 3))], 1)


def test_floors_are_measured_beside_their_stages():
    """wbc.kkt_ldlt and mpc.floor run in the same interleaved rounds; the MPC floor (one HPIPM
    iteration) is cheaper than the whole iteration, and the WBC tick dearer than bundle + KKT."""
    stages = [REFERENCE, "dynamics.bundle_cpp", "wbc.tick", "wbc.kkt_ldlt"]
    stages += ["mpc.iteration", "mpc.floor"]
    rep = run_bench(["h1"], stages, samples=100, progress=False)
    by = {r["name"]: r for r in rep["results"]}
    assert by["mpc.floor"]["normalised"] < by["mpc.iteration"]["normalised"]
    floor = by["dynamics.bundle_cpp"]["normalised"] + by["wbc.kkt_ldlt"]["normalised"]
    assert floor < by["wbc.tick"]["normalised"]


# ------------------------------------------------------------------- instruction-count gate


def _gate_module():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "instruction_gate.py"
    if not path.exists():
        pytest.skip(f"{path} not in this checkout")
    spec = importlib.util.spec_from_file_location("instruction_gate", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_instruction_gate_catches_a_ten_percent_slowdown(tmp_path):
    """rt_check's bundle workload under valgrind: 10 % more calls of the stage's kernel
    (--extra-percent 10) count 10 % more instructions per call, which the gate flags; the
    unchanged count passes against itself (counts are exact, independent of the load)."""
    import shutil

    gate = _gate_module()
    if shutil.which("valgrind") is None:
        pytest.skip("valgrind not installed (Debian: apt-get install valgrind)")
    if not gate.rt_check_binary().exists():
        pytest.skip(
            f"cerebellum_rt_check is not installed next to _core ({gate.rt_check_binary()})"
        )
    stage = "dynamics.bundle_cpp"
    args = gate._robot_args("h1", stage, tmp_path)
    section = gate.SECTIONS[stage]
    base = gate.count_per_call(args, section, 10)
    slow = gate.count_per_call(args, section, 10, extra_percent=10)
    assert slow / base == pytest.approx(1.10, abs=1e-3)
    machine = {"cpu": "x"}

    def report(n):
        return {"machine": machine, "counts": {"h1": {stage: n}}}

    rows, ok = gate.compare(report(slow), report(base), gate.MAX_REGRESSION)
    assert not ok and rows[0]["status"] == "REGRESSION"
    rows, ok = gate.compare(report(base), report(base), gate.MAX_REGRESSION)
    assert ok and rows[0]["status"] == "ok"
    # a baseline of another machine is reported, never gates
    rows, ok = gate.compare(report(slow), {**report(base), "machine": {"cpu": "y"}}, 0.02)
    assert ok and rows[0]["status"] == "other machine"
    checked_in = json.loads(gate.BASELINE.read_text())
    if checked_in["machine"] == gate.machine_key():
        # the checked-in baseline was measured with this workload on this kind of machine
        assert base == pytest.approx(checked_in["counts"]["h1"][stage], rel=gate.MAX_REGRESSION)


def test_bench_instructions_option_runs_the_gate(tmp_path):
    """``cerebellum bench --instructions`` runs benchmarks/instruction_gate.py of the source
    checkout on the stages it covers, against the checked-in baseline (exit 0 here: no change)."""
    import os
    import shutil
    from pathlib import Path

    gate = _gate_module()
    if shutil.which("valgrind") is None:
        pytest.skip("valgrind not installed (Debian: apt-get install valgrind)")
    if not gate.rt_check_binary().exists():
        pytest.skip(
            f"cerebellum_rt_check is not installed next to _core ({gate.rt_check_binary()})"
        )
    root = Path(__file__).resolve().parent.parent
    r = subprocess.run(
        [sys.executable, "-m", "cerebellum", "bench", "--robots", "h1", "--samples", "200"]
        + ["--stages", REFERENCE, "dynamics.bundle_cpp", "--instructions"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env={**os.environ, "CEREBELLUM_SOURCE": str(root)},
    )
    assert r.returncode == 0, r.stdout + r.stderr
    # the gate's table comes after bench's own: its row of the stage is the last one
    line = [ln for ln in r.stdout.splitlines() if ln.startswith("dynamics.bundle_cpp")][-1]
    assert line.rstrip().endswith(("ok", "other machine")) and "instr/call" in r.stdout
    assert "no regression" in r.stdout
