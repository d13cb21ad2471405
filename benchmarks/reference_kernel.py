"""Which in-run reference kernel tracks the real-time stages best on a noisy machine?

Interleaves short blocks of the candidate references (Pinocchio RNEA, CRBA, the whole dynamics
bundle) and of the stages the regression gate compares (``wbc.tick``, ``mpc.iteration``,
``sim.step``) for a while, then reports, per stage and reference, the spread of the block ratio
(p90 / p10) and its shift between the machine's fast and slow states (blocks whose ``wbc.tick``
median is above the split are "slow"). A good reference has a small spread and a shift near 1.

    python benchmarks/reference_kernel.py [--robot h1] [--seconds 90] [--split-us 60] [--json F]
"""

from __future__ import annotations

import argparse
import json
import time

import mujoco
import numpy as np

from cerebellum.commands.bench import _Context
from cerebellum.controllers.mpc import KinodynamicMPC, stepping_problem
from cerebellum.controllers.wbc import make_wbc
from cerebellum.dynamics.conventions import pinocchio_to_mujoco_q
from cerebellum.sim.simulation import build_model
from cerebellum.sim.terrain import make_terrain

REFERENCES = ("rnea", "crba", "bundle")
STAGES = ("wbc", "mpc", "sim")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--robot", default="h1")
    ap.add_argument("--seconds", type=float, default=90.0)
    ap.add_argument("--split-us", type=float, default=60.0, help="wbc.tick median above: slow")
    ap.add_argument("--json", help="write the block medians here")
    args = ap.parse_args()

    ctx = _Context(args.robot)
    q, v, a = ctx.q, ctx.v, ctx.a
    both = np.array([True, True])
    wbc = make_wbc(ctx.rm, q0=q)
    wbc.time_tick(q, v, both, 200)
    mpc = KinodynamicMPC(ctx.rm)
    mpc.solve(*stepping_problem(mpc, ctx.rm, q), iterations=3)
    m = build_model(ctx.rm.config, make_terrain("flat"), 0.001)
    d = mujoco.MjData(m)

    def sim_block(n: int) -> np.ndarray:
        mujoco.mj_resetData(m, d)
        d.qpos[:] = pinocchio_to_mujoco_q(q)
        out, clock = np.empty(n), time.perf_counter_ns
        for i in range(n):
            t0 = clock()
            mujoco.mj_step(m, d)
            out[i] = clock() - t0
        return out / 1e3

    blocks = []
    t_end = time.time() + args.seconds
    while time.time() < t_end:
        blocks.append(
            {
                "rnea": float(np.median(ctx.core.time_rnea(q, v, a, 1000))),
                "crba": float(np.median(ctx.core.time_crba(q, 1000))),
                "bundle": float(np.median(ctx.core.time_compute(q, v, 1000))),
                "wbc": float(np.median(wbc.time_tick(q, v, both, 200))),
                "mpc": float(np.median(mpc.time_iteration(5))),
                "sim": float(np.median(sim_block(200))),
            }
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(blocks, f)

    R = {k: np.array([b[k] for b in blocks]) for k in blocks[0]}
    slow = R["wbc"] > args.split_us
    print(f"{args.robot}: {len(blocks)} blocks in {args.seconds:.0f} s, {slow.mean():.0%} slow")
    print("| stage / reference | median ratio | spread p90/p10 | slow / fast |")
    print("|---|---|---|---|")
    for s in STAGES:
        for ref in REFERENCES:
            ratio = R[s] / R[ref]
            spread = np.percentile(ratio, 90) / np.percentile(ratio, 10)
            shift = (
                np.median(ratio[slow]) / np.median(ratio[~slow])
                if slow.any() and (~slow).any()
                else float("nan")
            )
            print(f"| {s} / {ref} | {np.median(ratio):.1f} | {spread:.2f} | {shift:.2f} |")


if __name__ == "__main__":
    main()
