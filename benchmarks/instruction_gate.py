"""Instruction counts of fixed workloads per stage (valgrind), against a checked-in baseline.

    python benchmarks/instruction_gate.py [--robots h1] [--stages ...] [--max-regression 0.02]
        [--baseline benchmarks/instructions-baseline.json] [--write-baseline] [--extra-percent P]

Each workload is a section of ``cerebellum_rt_check`` (C++, no Python) run under
``valgrind --tool=cachegrind --cache-sim=no``: the instructions of one call are
(I(2n calls) - I(n calls) - [I_inputs(2n) - I_inputs(n)]) / n, so the program's start-up (model
parsing, set-up) and the generation of each call's inputs cancel out. Counts do not depend on the
machine's load; they do depend on the build (compiler, flags, libraries) and on the CPU model
(glibc picks memcpy/memset variants by CPU), so a baseline names the CPU and valgrind it was
measured with, and a different one is reported as such.

Stages (the ``cerebellum bench`` stage each stands for):
  dynamics.bundle_cpp  ``robot_compute``: Robot::compute on random states
  wbc.tick             ``wbc_tick_balance``: WholeBodyQP::tick, balance settings (soft contacts,
                       capture-point feedback), states near neutral with joint velocities, the
                       contact set switching every 50 calls
  mpc.iteration        ``mpc_iteration``: one SQP-RTI iteration (model evaluation, HPIPM, update)
                       of the kinodynamic MPC on ``stepping_problem`` after 3 iterations
``--extra-percent P`` makes rt_check call the stage a second time on P % of the calls (a known
extra amount of work: how the gate is tested).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = [
    "SECTIONS",
    "compare",
    "count_per_call",
    "machine_key",
    "measure",
    "write_mpc_file",
]

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "instructions-baseline.json"
SCHEMA_VERSION = 1
#: cerebellum bench stage -> rt_check section.
SECTIONS = {
    "dynamics.bundle_cpp": "robot_compute",
    "wbc.tick": "wbc_tick_balance",
    "mpc.iteration": "mpc_iteration",
}
#: Calls per counted run (the difference of n and 2n calls is divided by n).
CALLS = {"dynamics.bundle_cpp": 20, "wbc.tick": 20, "mpc.iteration": 10}
#: Two runs of the same build on this machine differ by <= 5 instructions in ~1e6 per call; a 2 %
#: threshold is far above that and far below a 10 % change.
MAX_REGRESSION = 0.02
_IREFS = re.compile(r"I\s+refs:\s+([\d,]+)")


class GateError(RuntimeError):
    """valgrind or rt_check missing or failing."""


def rt_check_binary() -> Path:
    from cerebellum import _core

    return Path(_core.__file__).parent / "bin" / "cerebellum_rt_check"


def machine_key() -> dict:
    """What an instruction count depends on besides the code: CPU model, valgrind, compiler."""
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    vg = subprocess.run(["valgrind", "--version"], capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "valgrind": vg, "machine": platform.machine()}


def _instructions(cmd: list[str]) -> int:
    vg = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        *cmd,
    ]
    p = subprocess.run(vg, capture_output=True, text=True, timeout=900)
    m = _IREFS.search(p.stderr)
    if p.returncode != 0 or m is None:
        raise GateError(f"{' '.join(vg)} exited with {p.returncode}: {p.stderr[-800:]}")
    return int(m.group(1).replace(",", ""))


def count_per_call(
    args: list[str], section: str, calls: int, extra_percent: int = 0, exe: Path | None = None
) -> float:
    """Instructions of one call of ``section`` (rt_check ``args``: model, frames, options)."""
    base = [str(exe or rt_check_binary()), *args, "--only", section]
    extra = ["--extra-percent", str(extra_percent)] if extra_percent else []

    def total(n: int, inputs_only: bool = False) -> int:
        return _instructions(
            [*base, "--calls", str(n), *extra, *(["--inputs-only"] if inputs_only else [])]
        )

    key = (tuple(base), calls)
    if key not in _INPUTS:  # the inputs do not depend on --extra-percent
        _INPUTS[key] = total(2 * calls, True) - total(calls, True)
    return (total(2 * calls) - total(calls) - _INPUTS[key]) / calls


_INPUTS: dict[tuple, int] = {}  # instructions of the inputs of n calls, per (command, n)


def write_mpc_file(robot: str, path: Path) -> None:
    """Settings, parameters, guess and x0 of ``cerebellum bench``'s mpc.iteration problem (the
    MPC's stepping problem after 3 SQP iterations), in rt_check's ``--mpc`` format."""
    import numpy as np

    from cerebellum.controllers.mpc import KinodynamicMPC, stepping_problem
    from cerebellum.dynamics.model import robot_model, standing_configuration

    rm = robot_model(robot)
    mpc = KinodynamicMPC(rm)
    x0, contact, refs = stepping_problem(mpc, rm, standing_configuration(rm))
    mpc.solve(x0, contact, refs, iterations=3)
    cs, ocp = mpc.core_settings, mpc.ocp
    P = ocp.parameters(contact, refs.foot, refs.base_pos, refs.yaw, refs.velocity)

    def nums(a) -> str:
        return " ".join(repr(float(x)) for x in np.asarray(a, dtype=float).ravel(order="F"))

    lines = [f"library {cs.library}"]
    for k in ("N", "nx", "nu", "np", "ng", "nw", "num_feet", "contact_index", "rows_per_foot"):
        lines.append(f"{k} {getattr(cs, k)}")
    lines.append(f"num_inequality {cs.num_inequality}")
    for k in ("x_lower", "x_upper", "w_stage", "w_terminal"):
        lines.append(f"{k} {nums(getattr(cs, k))}")
    for k in ("qp_max_iter", "qp_mode", "qp_warm_start", "qp_pred_corr", "qp_ric_alg"):
        lines.append(f"{k} {int(getattr(cs, k))}")
    for k in ("qp_split_step", "qp_cond_horizon"):
        lines.append(f"{k} {int(getattr(cs, k))}")
    for k in ("qp_tol", "qp_accept_residual", "qp_eq_band"):
        lines.append(f"{k} {float(getattr(cs, k))!r}")
    lines.append(f"parameters {nums(P.T)}")  # (np, N+1) column-major
    lines.append(f"guess_x {nums(mpc.X.T)}")  # (nx, N+1)
    lines.append(f"guess_u {nums(mpc.U.T)}")  # (nu, N)
    lines.append(f"x0 {nums(x0)}")
    path.write_text("\n".join(lines) + "\n")


def _robot_args(robot: str, stage: str, tmp: Path) -> list[str]:
    from cerebellum.controllers.wbc import wbc_settings
    from cerebellum.dynamics.model import robot_model

    rm = robot_model(robot)
    args = [str(rm.path), *rm.foot_frames, wbc_settings(rm).base_frame]
    if stage == "mpc.iteration":
        f = tmp / f"mpc-{robot}.txt"
        if not f.exists():
            write_mpc_file(robot, f)
        args += ["--mpc", str(f)]
    return args


def measure(robots: list[str], stages: list[str], extra_percent: int = 0) -> dict:
    """Instructions per call of every (robot, stage): {"machine": ..., "counts": {robot: {stage:
    n}}}."""
    if shutil.which("valgrind") is None:
        raise GateError("valgrind not found (Debian: apt-get install valgrind)")
    exe = rt_check_binary()
    if not exe.exists():
        raise GateError(f"cerebellum_rt_check is not installed next to _core ({exe})")
    counts: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for robot in robots:
            counts[robot] = {}
            for stage in stages:
                args = _robot_args(robot, stage, Path(tmp))
                n = count_per_call(args, SECTIONS[stage], CALLS[stage], extra_percent, exe)
                counts[robot][stage] = n
                print(f"  {robot:8s} {stage:22s} {n:14,.0f} instructions/call", file=sys.stderr)
    return {"schema_version": SCHEMA_VERSION, "machine": machine_key(), "counts": counts}


def compare(current: dict, baseline: dict, max_regression: float) -> tuple[list[dict], bool]:
    """Per (robot, stage): ratio current / baseline instructions; REGRESSION above 1 + max.
    A baseline from another CPU or valgrind gives status "other machine" and does not gate."""
    same = baseline.get("machine") == current["machine"]
    rows, ok = [], True
    for robot, stages in current["counts"].items():
        for stage, n in stages.items():
            b = baseline.get("counts", {}).get(robot, {}).get(stage)
            row = {"robot": robot, "stage": stage, "instructions": n, "baseline": b}
            if b is None:
                row["status"] = "new"
            else:
                row["ratio"] = n / b
                if not same:
                    row["status"] = "other machine"
                elif n > b * (1.0 + max_regression):
                    row["status"] = "REGRESSION"
                    ok = False
                elif n < b / (1.0 + max_regression):
                    row["status"] = "fewer"
                else:
                    row["status"] = "ok"
            rows.append(row)
    return rows, ok


def table(rows: list[dict], max_regression: float) -> str:
    out = [
        f"{'stage':22s} {'robot':8s} {'instr/call':>14s} {'baseline':>14s} {'ratio':>7s}  "
        f"status (gate: ratio <= {1 + max_regression:.2f})"
    ]
    for r in rows:
        b = f"{r['baseline']:14,.0f}" if r["baseline"] else f"{'—':>14s}"
        ratio = f"{r['ratio']:7.4f}" if "ratio" in r else f"{'—':>7s}"
        out.append(
            f"{r['stage']:22s} {r['robot']:8s} {r['instructions']:14,.0f} {b} {ratio}  {r['status']}"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--robots", nargs="+", default=["h1"])
    ap.add_argument("--stages", nargs="+", default=list(SECTIONS), choices=list(SECTIONS))
    ap.add_argument("--baseline", type=Path, default=BASELINE)
    ap.add_argument("--max-regression", type=float, default=MAX_REGRESSION)
    ap.add_argument("--write-baseline", action="store_true", help="write --baseline and exit 0")
    ap.add_argument("--extra-percent", type=int, default=0, help="test: P %% extra calls")
    ap.add_argument("--json", type=Path, help="write the counts (and comparison) here")
    a = ap.parse_args(argv)
    try:
        current = measure(a.robots, a.stages, a.extra_percent)
    except GateError as e:
        print(f"instruction gate: {e}", file=sys.stderr)
        return 2
    if a.write_baseline:
        a.baseline.write_text(json.dumps(current, indent=2) + "\n")
        print(f"wrote {a.baseline}")
        return 0
    baseline = json.loads(a.baseline.read_text())
    rows, ok = compare(current, baseline, a.max_regression)
    print(table(rows, a.max_regression))
    print("no regression" if ok else "REGRESSION: more instructions than the gate allows")
    if a.json:
        current["comparison"] = {"baseline": str(a.baseline), "rows": rows, "ok": ok}
        a.json.write_text(json.dumps(current, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
