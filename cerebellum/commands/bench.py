"""``cerebellum bench``: latency of the real-time stages, as JSON with a versioned schema.

Schema (``schema_version`` 3; rate-bound stages add ``deadline_us``, ``deadline_misses``
and ``duration_s`` = n x period)::

    {"schema_version": 3,
     "machine": {"hostname", "cpu", "cores", "python", "platform", "cerebellum", "pinocchio", ...},
     "settings": {"mode": "quick"|"full", "robots": [...], "stages": [...], "reference", "rounds"},
     "results": [{"name": "dynamics.bundle_cpp", "robot": "h1", "unit": "us", "n": 2000,
                  "p50", "p90", "p99", "p99.9", "max", "mean", "jitter" (p99 - p50),
                  "normalised", "normalised_rounds"}, ...]}

Normalised figures: each stage is sampled in ``rounds`` blocks (``ROUNDS_BY_STAGE`` for some), each
right after a block of the reference kernel (``pinocchio.crba_cpp``, same robot, same process);
``normalised_rounds`` are the ratios of the two blocks' p50 and ``normalised`` is their median. The
rounds are interleaved over stages and robots (round k of a stage's R at (k + 1/2) / R of the
run), so the rounds of one stage are spread evenly over the whole run: a spell of other load on a
shared machine spoils a round of many stages, not the figure of one. A ``control.tick`` round is
one whole simulation (the same ``n`` ticks each round), with a reference block before each of its
``CHUNKS`` chunks. The percentiles are over all samples.

Why CRBA: on a shared 2-core VM the machine alternates (every ~0.5 s) between a fast and a slow
state that slows code with a larger working set more. Over 1717 interleaved blocks on H1
(``benchmarks/reference_kernel.py``), ``wbc.tick``, ``mpc.iteration`` and ``sim.step`` were
1.43-1.48x slower relative to RNEA in the slow state, but only 1.20-1.24x relative to CRBA
(1.31-1.35x relative to the whole dynamics bundle); schema 2 normalised by RNEA. See
``benchmarks/reference_kernel.md``.

``wbc.tick`` replays the WBC ticks of the robot's own closed-loop walk (``walk-flat``, recorded
once per run: states, references, contact masks, in order); ``wbc.tick_standing`` ticks one
standing state warm-started on itself, a far easier QP.

``estimator.update`` replays the base estimator's inputs recorded from the robot's own
closed-loop walk on the estimated base (``walk-flat``: IMU, joints, foot F/T, planned contacts),
in order from its reset, and times the updates from 1.5 s (walking) in C++.

Floors, timed in the same rounds: ``wbc.kkt_ldlt`` (one dense LDLT of the KKT system at the
solution of recorded walking ticks; with ``dynamics.bundle_cpp`` the floor of ``wbc.tick``) and
``mpc.floor`` (``mpc.iteration`` with HPIPM stopped after one interior-point iteration). With
``--instructions``, ``benchmarks/instruction_gate.py`` of a source checkout counts instructions
of fixed workloads (valgrind) against its checked-in baseline.

Timings named ``*_cpp``, ``wbc.*``, ``mpc.*``, ``estimator.*`` and ``control.*`` are measured
inside C++ (steady_clock around each call); ``dynamics.bundle`` is the same call as ``dynamics.bundle_cpp`` made from Python (timed around the
Python call, so it includes argument conversion and the GIL round trip).
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import platform
import socket
import sys
import time
from collections.abc import Callable

import numpy as np

__all__ = ["SCHEMA_VERSION", "STAGES", "add_parser", "main", "run_bench", "summarise"]

SCHEMA_VERSION = 3
REFERENCE = "pinocchio.crba_cpp"


def summarise(name: str, robot: str, samples_us: np.ndarray) -> dict:
    """Percentiles of per-call durations (µs)."""
    s = np.asarray(samples_us, dtype=float)
    p = np.percentile(s, [50, 90, 99, 99.9])
    return {
        "name": name,
        "robot": robot,
        "unit": "us",
        "n": int(s.size),
        "p50": float(p[0]),
        "p90": float(p[1]),
        "p99": float(p[2]),
        "p99.9": float(p[3]),
        "max": float(s.max()),
        "mean": float(s.mean()),
        "jitter": float(p[2] - p[0]),
    }


def _machine() -> dict:
    import pinocchio

    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import cerebellum

    return {
        "hostname": socket.gethostname(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cerebellum": cerebellum.__version__,
        "pinocchio": pinocchio.__version__,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


class _Context:
    """Per-robot objects shared by the stages (built once)."""

    def __init__(self, robot: str, seed: int = 0):
        from cerebellum import _core
        from cerebellum.dynamics.model import robot_model, standing_configuration

        self.name = robot
        self.rm = robot_model(robot)
        self.cache: dict = {}  # objects a stage builds once and times over several rounds
        self.frames = self.rm.foot_frames + self.rm.hand_frames
        self.core = _core.Robot(str(self.rm.path), self.frames)
        self.q = standing_configuration(self.rm)
        rng = np.random.default_rng(seed)
        self.v = 0.1 * rng.normal(size=self.rm.nv)
        self.a = rng.normal(size=self.rm.nv)


def _bundle_py(ctx: _Context, n: int) -> np.ndarray:
    out = np.empty(n)
    compute, q, v = ctx.core.compute, ctx.q, ctx.v
    for _ in range(min(n, 200)):
        compute(q, v)
    clock = time.perf_counter_ns
    for i in range(n):
        t0 = clock()
        compute(q, v)
        out[i] = clock() - t0
    return out / 1e3


def _wbc_tick(ctx: _Context, n: int) -> np.ndarray:
    """The walking controller's WBC QP ticked through n consecutive states, references and
    contact masks recorded from its own closed-loop ``walk-flat`` run (from 1.5 s: walking),
    in order (so warm starts are the loop's), timed in C++."""
    from cerebellum.sim.recording import record_wbc_ticks  # noqa: PLC0415

    rec = ctx.cache.get(("walk", n))
    if rec is None:  # recorded once per robot: the rounds time the same ticks
        rec = ctx.cache[("walk", n)] = record_wbc_ticks(ctx.name, n)
    return np.asarray(rec.replay()[0])


def _estimator_update(ctx: _Context, n: int) -> np.ndarray:
    """The base estimator's update on n consecutive samples recorded from the robot's
    closed-loop ``walk-flat`` on the estimated base (from 1.5 s: walking), timed in C++."""
    from cerebellum.sim.recording import record_estimator_updates  # noqa: PLC0415

    rec = ctx.cache.get(("estimator", n))
    if rec is None:  # recorded once per robot: the rounds time the same updates
        rec = ctx.cache[("estimator", n)] = record_estimator_updates(ctx.name, n)
    return rec.replay()


def _wbc_tick_standing(ctx: _Context, n: int) -> np.ndarray:
    """The balance WBC QP on one standing state, warm-started on itself, timed in C++."""
    from cerebellum.controllers.wbc import make_wbc  # noqa: PLC0415

    wbc = make_wbc(ctx.rm, q0=ctx.q)
    both = np.array([True, True])
    wbc.time_tick(ctx.q, ctx.v, both, min(n, 200))
    return np.asarray(wbc.time_tick(ctx.q, ctx.v, both, n))


#: Ticks of the walking recording whose KKT systems ``wbc.kkt_ldlt`` factorises (spread evenly).
KKT_TICKS = 50
#: proxsuite's default proximal parameters (rho, mu_eq, mu_in) on the KKT diagonal; a dense
#: LDLT's cost depends on the size only, the values keep the matrix quasi-definite.
KKT_RHO, KKT_MU_EQ, KKT_MU_IN = 1e-6, 1e-3, 1e-1


def kkt_matrix(qp: dict, active_tol: float = 1e-7) -> np.ndarray:
    """The KKT matrix a dense proximal QP solver factorises at the solution of one WBC QP
    (``WholeBodyQP.qp_matrices()``): [[H + rho I, A', Ca'], [A, -mu_eq I, 0], [Ca, 0, -mu_in I]]
    with Ca the rows of C at a bound; (n + n_eq + n_active) square."""
    H, A, C, x = qp["H"], qp["A"], qp["C"], qp["x"]
    cx = C @ x
    scale = 1.0 + np.abs(cx)
    active = (np.abs(cx - qp["l"]) <= active_tol * scale) | (
        np.abs(cx - qp["u"]) <= active_tol * scale
    )
    Ca = C[active]
    n, ne, ni = H.shape[0], A.shape[0], Ca.shape[0]
    K = np.zeros((n + ne + ni, n + ne + ni))
    K[:n, :n] = H + KKT_RHO * np.eye(n)
    K[n : n + ne, :n] = A
    K[:n, n : n + ne] = A.T
    K[n + ne :, :n] = Ca
    K[:n, n + ne :] = Ca.T
    K[n : n + ne, n : n + ne] = -KKT_MU_EQ * np.eye(ne)
    K[n + ne :, n + ne :] = -KKT_MU_IN * np.eye(ni)
    return K


def _walk_recording(ctx: _Context, n: int):
    """The longest walking recording ``wbc.tick`` made for this robot, else a new one of n ticks
    (under the key ``wbc.tick`` would use for blocks of n)."""
    from cerebellum.sim.recording import record_wbc_ticks  # noqa: PLC0415

    made = [k for k in ctx.cache if isinstance(k, tuple) and k[0] == "walk"]
    if made:
        return ctx.cache[max(made, key=lambda k: k[1])]
    rec = ctx.cache[("walk", n)] = record_wbc_ticks(ctx.name, n)
    return rec


def _wbc_kkt_ldlt(ctx: _Context, n: int) -> np.ndarray:
    """Floor of ``wbc.tick``'s solver: one dense LDLT factorisation (C++, Eigen) of the KKT system
    at the solution of each of KKT_TICKS ticks of the same walking recording (active
    inequalities included), each timed ceil(n / KKT_TICKS) times."""
    from cerebellum import _core  # noqa: PLC0415

    mats = ctx.cache.get("kkt")
    if mats is None:
        rec = _walk_recording(ctx, STAGES["wbc.tick"][1] // ROUNDS)
        mats = []
        for i in np.linspace(0, len(rec) - 1, KKT_TICKS).astype(int):
            rec.qp.replay(
                rec.q[i : i + 1], rec.v[i : i + 1], rec.masks[i : i + 1], [rec.references[i]]
            )
            mats.append(kkt_matrix(rec.qp.qp_matrices()))
        ctx.cache["kkt"] = mats
    reps = -(-n // len(mats))
    return np.asarray(_core.time_ldlt(mats, reps))[:n]


def _mpc_floor(ctx: _Context, n: int) -> np.ndarray:
    """Floor of ``mpc.iteration``: the same iteration on the same problem with HPIPM stopped after
    one interior-point iteration (model evaluation + QP setup + one Riccati factorisation and
    its solves), timed in C++."""
    mpc = _mpc(ctx)
    mpc.set_qp_max_iter(1)
    try:
        return mpc.time_iteration(n)
    finally:
        mpc.set_qp_max_iter(mpc.settings.qp_max_iter)


def _mpc(ctx: _Context):
    from cerebellum.controllers.mpc import KinodynamicMPC, stepping_problem

    mpc = ctx.cache.get("mpc")
    if mpc is None:  # built once per robot: the rounds time the same problem
        mpc = ctx.cache["mpc"] = KinodynamicMPC(ctx.rm)
        x0, contact, refs = stepping_problem(mpc, ctx.rm, ctx.q)
        mpc.solve(x0, contact, refs, iterations=3)
    return mpc


def _mpc_iteration(ctx: _Context, n: int) -> np.ndarray:
    """One SQP-RTI iteration (linearise, HPIPM, update) of the kinodynamic MPC on a stepping
    problem (double support, a 0.1 m left step, double support), timed in C++."""
    return _mpc(ctx).time_iteration(n)


def _control_tick(
    ctx: _Context,
    n: int,
    chunk: int = 0,
    between: Callable[[], None] | None = None,
    planning_thread: bool = True,
) -> np.ndarray:
    """A whole 1 kHz tick of the C++ walking controller in the simulator (``walk-flat``, first
    ``n`` ms): state -> interpolated plan -> balance and swing references -> WBC QP -> safety ->
    torques, timed in C++ (``last_tick_us``). ``planning_thread``: the gait, CoM (and MPC) plans
    on their own thread, as on a robot; else in the tick every 1 / mpc_hz (deterministic mode, so
    the p99 counts the ticks that also plan). ``between`` (untimed) runs before every ``chunk``
    ticks: the reference blocks of the rounds."""
    from cerebellum.sim.scenario import load_scenario
    from cerebellum.sim.simulation import Simulation

    sets = [f"scenario.duration_s={n / 1000.0}"]
    if planning_thread:
        sets.append("controller.options.planning_thread=true")
    sc = load_scenario("walk-flat", sets)
    sim = Simulation(sc, robot=ctx.name, seed=0, controller="walk")
    ctl, out = sim.controller, []
    compute, core = ctl.compute, ctl.ctl

    def timed_compute(state, cmd):
        if between is not None and chunk > 0 and len(out) % chunk == 0:
            between()
        tau = compute(state, cmd)
        out.append(core.last_tick_us)
        return tau

    ctl.compute = timed_compute
    try:
        sim.run()
        # the planning thread's counters of the last round (cycles, deadline misses, stale ticks)
        ctx.cache[("control.tick", "planning")] = ctl.stats()["planning_thread"]
    finally:
        ctl.close()
    return np.asarray(out)


def _sim_step(ctx: _Context, n: int) -> np.ndarray:
    """One MuJoCo step (1 ms, implicitfast) of the robot standing on flat ground under joint PD."""
    import mujoco

    from cerebellum.dynamics.conventions import pinocchio_to_mujoco_q
    from cerebellum.sim.simulation import build_model
    from cerebellum.sim.terrain import make_terrain

    if "sim" not in ctx.cache:  # built once per robot; every block restarts from the same state
        m = build_model(ctx.rm.config, make_terrain("flat"), 0.001)
        ctx.cache["sim"] = (m, mujoco.MjData(m))
    m, d = ctx.cache["sim"]
    mujoco.mj_resetData(m, d)
    d.qpos[:] = pinocchio_to_mujoco_q(ctx.q)
    q_ref = d.qpos[7:].copy()
    kp, kd = ctx.rm.config.gains(ctx.rm.joint_names)
    out, clock = np.empty(n), time.perf_counter_ns
    for i in range(n):
        d.ctrl[:] = kp * (q_ref - d.qpos[7:]) - kd * d.qvel[6:]
        t0 = clock()
        mujoco.mj_step(m, d)
        out[i] = clock() - t0
    return out / 1e3


#: Period (µs) of the rate-bound stages; deadline misses count samples above it.
DEADLINES_US = {
    "wbc.tick": 1000.0,
    "wbc.tick_standing": 1000.0,
    "control.tick": 1000.0,
    "control.tick_sync": 1000.0,
    "mpc.iteration": 20000.0,
}
#: Stages sampled as whole simulations: their function takes ``chunk`` and a ``between`` callback,
#: which takes a reference block before each of ``CHUNKS`` chunks. Each round is one simulation of
#: ``n`` ticks (the same ticks every round), so ``n`` counts the ticks of one simulation.
CONTINUOUS = {"control.tick", "control.tick_sync"}
CHUNKS = 5
ROUNDS = 5
#: Stages sampled in more (or fewer) rounds: the times of a MuJoCo step and of an MPC iteration
#: (~1 MB of generated code) swing with the machine's state far more than the reference's (block
#: ratios 10-27 for sim.step, 425-1516 for Apollo's mpc.iteration within one run), so their
#: medians need more blocks.
ROUNDS_BY_STAGE = {"sim.step": 20, "mpc.iteration": 10, "mpc.floor": 10}

#: Stage name -> (function(context, n) -> samples in µs, repetitions in quick mode, in full mode).
STAGES: dict[str, tuple[Callable[[_Context, int], np.ndarray], int, int]] = {
    "pinocchio.rnea_cpp": (
        lambda c, n: np.asarray(c.core.time_rnea(c.q, c.v, c.a, n)),
        5000,
        50000,
    ),
    "pinocchio.crba_cpp": (lambda c, n: np.asarray(c.core.time_crba(c.q, n)), 5000, 50000),
    "dynamics.bundle_cpp": (lambda c, n: np.asarray(c.core.time_compute(c.q, c.v, n)), 5000, 50000),
    "dynamics.bundle": (_bundle_py, 5000, 50000),
    "wbc.tick": (_wbc_tick, 2000, 20000),
    "wbc.tick_standing": (_wbc_tick_standing, 2000, 20000),
    "mpc.iteration": (_mpc_iteration, 200, 2000),
    "estimator.update": (_estimator_update, 2000, 20000),
    "wbc.kkt_ldlt": (_wbc_kkt_ldlt, 2000, 20000),
    "mpc.floor": (_mpc_floor, 200, 2000),
    "control.tick": (_control_tick, 2000, 10000),
    "control.tick_sync": (functools.partial(_control_tick, planning_thread=False), 2000, 10000),
    "sim.step": (_sim_step, 2000, 20000),
}


def _append_block(out: list, fn: Callable[[_Context, int], np.ndarray], ctx: _Context, n: int):
    out.append(fn(ctx, n))


def _rounds(stage: str, n: int) -> int:
    return min(ROUNDS_BY_STAGE.get(stage, ROUNDS), n)


def _round(
    ctx: _Context, stage: str, k: int, n: int, n_ref: int
) -> tuple[np.ndarray, float | None]:
    """Round ``k`` of ``stage``: its samples (µs) and their p50 over the p50 of the reference
    block(s) taken with it (None for the reference itself, whose ratio is 1)."""
    ref_fn = STAGES[REFERENCE][0]
    fn = STAGES[stage][0]
    if stage in CONTINUOUS:
        refs: list[np.ndarray] = []
        take_ref = functools.partial(_append_block, refs, ref_fn, ctx, n_ref)
        block = np.asarray(fn(ctx, n, chunk=-(-n // CHUNKS), between=take_ref))
        ref_p50 = float(np.median([np.percentile(r, 50) for r in refs]))
        return block, float(np.percentile(block, 50)) / ref_p50
    rounds = _rounds(stage, n)
    size = n // rounds + (k < n % rounds)
    if stage == REFERENCE:
        return np.asarray(fn(ctx, size)), None
    ref_p50 = float(np.percentile(ref_fn(ctx, n_ref), 50))
    block = np.asarray(fn(ctx, size))
    return block, float(np.percentile(block, 50)) / ref_p50


def run_bench(
    robots: list[str],
    stages: list[str],
    full: bool = False,
    progress: bool = True,
    samples: int | None = None,
) -> dict:
    """Every (robot, stage) in rounds, interleaved: the rounds of each stage are spread evenly
    over the whole run (round k of R at (k + 1/2) / R of the job list), so that a spell of other
    load on a shared machine (seconds long) falls on one round of many stages rather than on
    every round of one; ``normalised`` is the median of a stage's round ratios."""
    ctxs = {robot: _Context(robot) for robot in robots}
    ref_quick, ref_full = STAGES[REFERENCE][1:]
    n_ref = max((samples or (ref_full if full else ref_quick)) // ROUNDS, 100)
    sizes = {s: samples or STAGES[s][2 if full else 1] for s in stages}
    keys = [(robot, stage) for robot in robots for stage in stages]
    blocks: dict[tuple[str, str], list[np.ndarray]] = {key: [] for key in keys}
    ratios: dict[tuple[str, str], list[float]] = {key: [] for key in keys}
    skipped: dict[tuple[str, str], str] = {}
    # round k of a stage with R rounds sits at (k + 1/2) / R of the run: every stage's rounds are
    # spread evenly over it, whatever their number
    jobs = sorted(
        ((k + 0.5) / _rounds(stage, sizes[stage]), i, k)
        for i, (robot, stage) in enumerate(keys)
        for k in range(_rounds(stage, sizes[stage]))
    )
    from cerebellum.progress import Progress

    bar = Progress(len(jobs), unit="blocks", desc="bench") if progress else None
    for j, (_, i, k) in enumerate(jobs):
        robot, stage = keys[i]
        if bar is not None:
            bar.update(j)
        if (robot, stage) in skipped:
            continue
        try:
            block, ratio = _round(ctxs[robot], stage, k, sizes[stage], n_ref)
        except ModuleNotFoundError as e:
            skipped[(robot, stage)] = str(e)
            continue
        blocks[(robot, stage)].append(block)
        ratios[(robot, stage)].append(1.0 if ratio is None else ratio)
    if bar is not None:
        bar.update(len(jobs))
        bar.close()
    results = []
    for robot, stage in keys:
        if (robot, stage) in skipped:
            if progress:
                print(
                    f"  {robot:8s} {stage:22s} skipped ({skipped[(robot, stage)]})", file=sys.stderr
                )
            continue
        durations = np.concatenate(blocks[(robot, stage)])
        r = summarise(stage, robot, durations)
        r["normalised_rounds"] = ratios[(robot, stage)]
        r["normalised"] = float(np.median(r["normalised_rounds"]))
        if stage in DEADLINES_US:
            period = DEADLINES_US[stage]
            r["deadline_us"] = period
            r["deadline_misses"] = int(np.count_nonzero(durations > period))
            r["duration_s"] = r["n"] * period / 1e6
        results.append(r)
    return {
        "schema_version": SCHEMA_VERSION,
        "machine": _machine(),
        "settings": {
            "mode": "full" if full else "quick",
            "samples": samples,
            "robots": robots,
            "stages": stages,
            "reference": REFERENCE,
            "rounds": ROUNDS,
            "rounds_by_stage": ROUNDS_BY_STAGE,
            "interleaved": True,
        },
        "results": results,
        "skipped": [
            {"name": stage, "robot": robot, "reason": why}
            for (robot, stage), why in skipped.items()
        ],
    }


def _table(report: dict) -> str:
    lines = [
        f"{'stage':22s} {'robot':8s} {'n':>6s} {'p50 us':>9s} {'p90 us':>9s} {'p99 us':>9s} {'max us':>9s} {'/crba':>7s}"
    ]
    for r in report["results"]:
        lines.append(
            f"{r['name']:22s} {r['robot']:8s} {r['n']:6d} {r['p50']:9.2f} {r['p90']:9.2f} {r['p99']:9.2f} "
            f"{r['max']:9.1f} {r.get('normalised', float('nan')):7.2f}"
        )
    return "\n".join(lines)


def compare(report: dict, baseline: dict, max_regression: float) -> tuple[list[dict], bool]:
    """Stage-by-stage ratio of normalised p50 (current / baseline); regression if > 1 + max.

    Normalised figures (time / in-run Pinocchio CRBA on the same robot) make runs on different or
    busy machines comparable. The reference stage itself is reported but never gates.
    """
    if baseline.get("schema_version") != SCHEMA_VERSION:
        from cerebellum.errors import CerebellumError

        raise CerebellumError(
            f"baseline schema_version {baseline.get('schema_version')!r} != {SCHEMA_VERSION} "
            f"(normalised by {REFERENCE} since version 3): write a new baseline with "
            "`cerebellum bench --quick --json FILE`"
        )
    base = {(r["name"], r["robot"]): r for r in baseline["results"]}
    rows, ok = [], True
    for r in report["results"]:
        b = base.get((r["name"], r["robot"]))
        row = {"name": r["name"], "robot": r["robot"], "p50": r["p50"], "status": "new"}
        if b is not None and "normalised" in r and "normalised" in b:
            ratio = r["normalised"] / b["normalised"]
            row.update(
                baseline_p50=b["p50"],
                normalised=r["normalised"],
                baseline_normalised=b["normalised"],
                ratio=ratio,
            )
            if r["name"] == REFERENCE:
                row["status"] = "reference"
            elif ratio > 1.0 + max_regression:
                row["status"] = "REGRESSION"
                ok = False
            elif ratio < 1.0 / (1.0 + max_regression):
                row["status"] = "faster"
            else:
                row["status"] = "ok"
        rows.append(row)
    current = {(r["name"], r["robot"]) for r in report["results"]}
    for key in base:
        if key not in current:
            rows.append({"name": key[0], "robot": key[1], "status": "not run"})
    return rows, ok


def _compare_table(rows: list[dict], max_regression: float) -> str:
    lines = [
        f"{'stage':22s} {'robot':8s} {'p50 us':>9s} {'base us':>9s} {'norm':>7s} {'base':>7s} {'ratio':>7s}  status (gate: ratio <= {1 + max_regression:.2f})"
    ]
    for r in rows:
        nan = float("nan")
        lines.append(
            f"{r['name']:22s} {r['robot']:8s} {r.get('p50', nan):9.2f} {r.get('baseline_p50', nan):9.2f} "
            f"{r.get('normalised', nan):7.2f} {r.get('baseline_normalised', nan):7.2f} {r.get('ratio', nan):7.2f}  {r['status']}"
        )
    return "\n".join(lines)


def _markdown(report: dict, rows: list[dict] | None) -> str:
    m = report["machine"]
    out = [
        f"# cerebellum bench ({report['settings']['mode']})",
        "",
        f"{m['cpu']}, {m['cores']} cores, Python {m['python']}, Pinocchio {m['pinocchio']}, {m['time']}",
        "",
        "| stage | robot | n | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs | jitter µs | ÷ CRBA |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["results"]:
        out.append(
            f"| {r['name']} | {r['robot']} | {r['n']} | {r['p50']:.2f} | {r['p90']:.2f} | {r['p99']:.2f} | "
            f"{r['p99.9']:.2f} | {r['max']:.1f} | {r['jitter']:.2f} | {r.get('normalised', float('nan')):.2f} |"
        )
    if rows:
        out += [
            "",
            "| stage | robot | ratio to baseline (normalised p50) | status |",
            "|---|---|---:|---|",
        ]
        for r in rows:
            out.append(
                f"| {r['name']} | {r['robot']} | {r.get('ratio', float('nan')):.2f} | {r['status']} |"
            )
    return "\n".join(out) + "\n"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="latency benchmarks of the real-time stages")
    p.add_argument("--json", metavar="FILE", help="write the results as JSON")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="short runs (default)")
    mode.add_argument("--full", action="store_true", help="long runs")
    p.add_argument("--robots", nargs="+", metavar="ROBOT", help="default: every registered robot")
    p.add_argument(
        "--stages", nargs="+", metavar="STAGE", help=f"default: all of {', '.join(STAGES)}"
    )
    p.add_argument("--samples", type=int, metavar="N", help="calls per stage (overrides the mode)")
    p.add_argument(
        "--compare", metavar="BASELINE", help="compare with a baseline JSON; exit 1 on regression"
    )
    p.add_argument(
        "--max-regression",
        type=float,
        default=0.25,
        metavar="FRACTION",
        help="allowed slow-down of normalised p50 vs the baseline (default 0.25)",
    )
    p.add_argument("--markdown", metavar="FILE", help="write a Markdown table")
    p.add_argument(
        "--peers",
        action="store_true",
        help="also run the peer comparison (TSID, Crocoddyl, CasADi+IPOPT, raw Pinocchio) from a "
        "source checkout; needs `bash benchmarks/peers/setup_peers.sh` once",
    )
    p.add_argument(
        "--instructions",
        action="store_true",
        help="also run the instruction-count gate (valgrind; benchmarks/instruction_gate.py of a "
        "source checkout) on the stages it covers: "
        "dynamics.bundle_cpp, wbc.tick, mpc.iteration; exit 1 on more instructions than its "
        "baseline allows",
    )
    p.set_defaults(func=main)


def _source_script(relative: str, option: str, then: str = ""):
    """A script of the source checkout in the current directory (or ``$CEREBELLUM_SOURCE``)."""
    from pathlib import Path

    from cerebellum.errors import CerebellumError

    root = Path(os.environ.get("CEREBELLUM_SOURCE", "."))
    script = root / relative
    if not script.is_file():
        raise CerebellumError(
            f"{option} needs a source checkout: {script} not found (run from the repository root "
            f"or set CEREBELLUM_SOURCE){then}"
        )
    return script


def _peers_script():
    """``benchmarks/peers/run_peers.py``; peers live in their own virtual environment."""
    return _source_script(
        "benchmarks/peers/run_peers.py",
        "--peers",
        ", then `bash benchmarks/peers/setup_peers.sh` once",
    )


#: Stages the instruction-count gate has a fixed workload for (benchmarks/instruction_gate.py).
INSTRUCTION_STAGES = ("dynamics.bundle_cpp", "wbc.tick", "mpc.iteration")


def load_baseline(path: str) -> dict:
    """A baseline written by ``cerebellum bench --json``; ConfigError naming the file and the
    first malformed field."""
    from cerebellum.errors import ConfigError

    try:
        with open(path, "rb") as f:
            baseline = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError) as e:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ConfigError(path, "<file>", f"cannot read baseline: {e}") from None
    if not isinstance(baseline, dict):
        raise ConfigError(path, "<root>", "expected a JSON object written by bench --json")
    if baseline.get("schema_version") != SCHEMA_VERSION:
        raise ConfigError(
            path,
            "schema_version",
            f"expected {SCHEMA_VERSION}, got {baseline.get('schema_version')!r}: write a new "
            "baseline with `cerebellum bench --quick --json FILE`",
        )
    results = baseline.get("results")
    if not isinstance(results, list):
        raise ConfigError(path, "results", "expected a list of stage results")
    for i, r in enumerate(results):
        if not isinstance(r, dict):
            raise ConfigError(path, f"results[{i}]", "expected an object")
        for key in ("name", "robot"):
            if not isinstance(r.get(key), str):
                raise ConfigError(path, f"results[{i}].{key}", "expected a string")
        for key in ("p50", "normalised"):
            v = r.get(key)
            if key in r and (
                not isinstance(v, (int, float))
                or isinstance(v, bool)
                or not math.isfinite(v)
                or v <= 0
            ):
                raise ConfigError(path, f"results[{i}].{key}", f"expected a number > 0, got {v!r}")
    return baseline


def main(args: argparse.Namespace) -> int:
    from cerebellum.errors import ArgumentError, UnknownNameError
    from cerebellum.robots import list_robots

    if not (math.isfinite(args.max_regression) and args.max_regression >= 0):
        raise ArgumentError(
            "--max-regression", f"expected a finite fraction >= 0, got {args.max_regression}"
        )
    if args.samples is not None and args.samples < 1:
        raise ArgumentError("--samples", f"expected an integer >= 1, got {args.samples}")
    baseline = load_baseline(args.compare) if args.compare else None
    robots = args.robots or list_robots()
    for r in robots:
        if r not in list_robots():
            raise UnknownNameError("robot", r, list_robots())
    stages = args.stages or list(STAGES)
    for s in stages:
        if s not in STAGES:
            raise UnknownNameError("stage", s, list(STAGES))
    if REFERENCE not in stages:
        stages = [REFERENCE, *stages]
    peers_script = _peers_script() if args.peers else None
    gate_script = (
        _source_script("benchmarks/instruction_gate.py", "--instructions")
        if args.instructions
        else None
    )
    report = run_bench(robots, stages, full=args.full, samples=args.samples)
    print(_table(report))
    for robot in robots:
        by = {r["name"]: r for r in report["results"] if r["robot"] == robot}
        if {"dynamics.bundle_cpp", "pinocchio.rnea_cpp", "pinocchio.crba_cpp"} <= by.keys():
            ratio = by["dynamics.bundle_cpp"]["p50"] / (
                by["pinocchio.rnea_cpp"]["p50"] + by["pinocchio.crba_cpp"]["p50"]
            )
            extra = (
                by.get("dynamics.bundle", {}).get("p50", float("nan"))
                - by["dynamics.bundle_cpp"]["p50"]
            )
            print(
                f"{robot}: bundle_cpp / (rnea_cpp + crba_cpp) = {ratio:.2f} (p50); Python call overhead {extra:.2f} us (p50)"
            )
    rows, ok = None, True
    if baseline is not None:
        rows, ok = compare(report, baseline, args.max_regression)
        report["comparison"] = {
            "baseline": args.compare,
            "max_regression": args.max_regression,
            "rows": rows,
            "ok": ok,
        }
        print()
        print(_compare_table(rows, args.max_regression))
        print(
            "no regression"
            if ok
            else "REGRESSION: at least one stage is slower than the gate allows"
        )
    from cerebellum.errors import OutputError

    for path, text in ((args.json, None), (args.markdown, "md")):
        if not path:
            continue
        try:
            with open(path, "w") as f:
                if text is None:
                    json.dump(report, f, indent=2)
                else:
                    f.write(_markdown(report, rows))
        except OSError as e:
            raise OutputError(path, e.strerror or str(e)) from None
        print(f"wrote {path}")
    if gate_script is not None:
        import subprocess

        covered = [st for st in stages if st in INSTRUCTION_STAGES]
        sys.stdout.flush()  # our table before the gate's
        if covered:
            rc = subprocess.call(
                [sys.executable, str(gate_script), "--robots", *robots, "--stages", *covered]
            )
            if rc != 0:
                print(f"instruction-count gate exited with {rc}", file=sys.stderr)
                ok = False
        else:
            print(f"instruction-count gate: none of {', '.join(INSTRUCTION_STAGES)} selected")
    if args.peers:
        import subprocess

        rc = subprocess.call([sys.executable, str(peers_script), "--robots", *robots])
        if rc != 0:
            print(f"peer comparison exited with {rc}", file=sys.stderr)
            ok = False
    return 0 if ok else 1
