"""Peer comparison: our stages (``cerebellum bench``) next to Pinocchio C++, TSID, Crocoddyl and
CasADi+IPOPT on the same robot, written to ``results.md`` and ``results.json``.

Usage: python benchmarks/peers/run_peers.py [--robots h1] [--samples N] [--out DIR]

Ours run in this environment; TSID and Crocoddyl run in ``benchmarks/peers/.venv`` (made by
``setup_peers.sh``) as subprocesses, each given a workload JSON (model file, q, v, weights and gains
from our ``wbc_settings``). A peer that is not installed, exits with an error or dies on a signal
gets that status in the table instead of a time. Ratio = peer time / our time (> 1: we are faster).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

__all__ = ["PeerRow", "build_rows", "main", "make_workload", "render_markdown"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VENV_PYTHON = HERE / ".venv" / "bin" / "python"
ACADOS_PYTHON = HERE / ".venv-acados" / "bin" / "python"
#: Closed-loop MPC problems per robot given to acados (spread over walk-flat from 1 s).
MPC_PROBLEMS = 10
PEER_TIMEOUT_S = 900
#: Walking ticks given to the WBC peers: one block of ``cerebellum bench --quick``'s wbc.tick
#: (2000 samples in 5 rounds), i.e. the very ticks our wbc.tick row times.
WALKING_TICKS = 400

sys.path.insert(0, str(HERE))
from mpc_workload import save_mpc_workload  # noqa: E402
from walking_workload import save_walking_workload  # noqa: E402

PeerRow = dict  # {"robot", "peer", "workload", "ours", "peer_p50", "peer_p99", "our_p50", ...}


def make_workload(robot: str, samples: int) -> dict:
    """Everything a peer needs to rebuild our WBC problem: model file, state, settings."""
    import pinocchio as pin

    from cerebellum.controllers.wbc import wbc_settings
    from cerebellum.dynamics.model import robot_model, standing_configuration

    rm = robot_model(robot)
    s = wbc_settings(rm)
    q = standing_configuration(rm)
    rng = np.random.default_rng(0)  # the same state as `cerebellum bench`
    v = 0.1 * rng.normal(size=rm.nv)
    a = rng.normal(size=rm.nv)
    tau = pin.rnea(rm.model, rm.model.createData(), q, v, a)
    path = str(rm.path)
    gains = {
        k: float(getattr(s, k))
        for k in (
            "kp_com",
            "kd_com",
            "kd_angular_momentum",
            "kp_base",
            "kd_base",
            "kp_posture",
            "kd_posture",
            "w_base_orientation",
            "w_posture",
            "w_reg_vdot",
            "w_reg_wrench",
            "contact_weight",
            "kd_contact",
        )
    }
    gains["w_momentum"] = [float(x) for x in s.w_momentum]
    return {
        "robot": robot,
        "model_path": path,
        "model_kind": "urdf" if path.endswith(".urdf") else "mjcf",
        "q": q.tolist(),
        "v": v.tolist(),
        "a": a.tolist(),
        "rnea_ref": tau.tolist(),
        "foot_frames": list(rm.foot_frames),
        "base_frame": s.base_frame,
        "sole_rectangle": [float(x) for x in rm.config.sole_rectangle],
        "mu": float(rm.config.friction),
        "torque_limit": [float(x) for x in s.torque_limit],
        "gains": gains,
        "samples": samples,
    }


#: Our stages the table uses (the peers' counterparts and the floors).
OUR_STAGES = (
    "pinocchio.rnea_cpp",
    "pinocchio.crba_cpp",
    "dynamics.bundle_cpp",
    "wbc.tick",
    "wbc.tick_standing",
    "wbc.kkt_ldlt",
    "mpc.iteration",
    "mpc.floor",
)


def run_ours(robots: list[str], out: Path) -> dict:
    cmd = [sys.executable, "-m", "cerebellum", "bench", "--quick", "--json", str(out)]
    cmd += ["--robots", *robots, "--stages", *OUR_STAGES]
    subprocess.run(cmd, check=True, cwd=tempfile.gettempdir())  # not a source root: no shadowing
    return json.loads(out.read_text())


def run_peer(script: str, workload: Path, python: Path = VENV_PYTHON) -> dict:
    """Run a peer script in a peer venv; a status instead of a result when it fails."""
    if not python.exists():
        return {"status": f"could not install: no {python.parent.parent.name} (run setup_peers.sh)"}
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    t0 = time.monotonic()
    try:
        p = subprocess.run(
            [str(python), str(HERE / script), str(workload)],
            capture_output=True,
            text=True,
            timeout=PEER_TIMEOUT_S,
            cwd=tempfile.gettempdir(),
            env=env,
        )
    except subprocess.TimeoutExpired:
        return {"status": f"timed out after {PEER_TIMEOUT_S} s"}
    return peer_status(p.returncode, p.stdout, p.stderr, time.monotonic() - t0)


def peer_status(returncode: int, stdout: str, stderr: str, seconds: float = 0.0) -> dict:
    """Result dict of a peer process: its JSON with status "ok", or why there is none."""
    if returncode < 0:
        try:
            sig = signal.Signals(-returncode).name
        except ValueError:
            sig = f"signal {-returncode}"
        return {"status": f"crashed: {sig}", "stderr_tail": stderr[-2000:]}
    if returncode != 0:
        last = (stderr.strip().splitlines() or ["?"])[-1]
        if "ModuleNotFoundError" in stderr or "ImportError" in stderr:
            return {"status": f"could not install: {last}", "stderr_tail": stderr[-2000:]}
        return {"status": f"error: {last}", "stderr_tail": stderr[-2000:]}
    out = json.loads(stdout.strip().splitlines()[-1])
    out["status"] = "ok"
    out["wall_s"] = round(seconds, 1)
    return out


def run_ipopt(robot: str) -> dict:
    """``benchmarks/mpc_ipopt.py ROBOT``: IPOPT's full solve of the OCP our MPC iterates on."""
    p = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "mpc_ipopt.py"), robot],
        capture_output=True,
        text=True,
    )
    if p.returncode != 0:
        return peer_status(p.returncode, p.stdout, p.stderr)
    text = p.stdout
    out = json.loads(text[text.index("{\n") :])
    if "ipopt" not in out:
        return {"status": "error: no IPOPT result"}
    out["status"] = "ok" if out["ipopt"]["status"] == "Solve_Succeeded" else out["ipopt"]["status"]
    return out


def _stage(ours: dict, robot: str, name: str) -> dict | None:
    for r in ours["results"]:
        if r["robot"] == robot and r["name"] == name:
            return r
    return None


def _ratio(peer: float | None, our: float | None) -> float | None:
    if peer is None or our is None or our <= 0:
        return None
    return peer / our


def build_rows(ours: dict, peers: dict[str, dict[str, dict]]) -> list[PeerRow]:
    """Side-by-side rows. ``ours``: a `cerebellum bench` JSON; ``peers[robot][peer]``: peer dicts
    ("status" plus timings when "ok")."""
    rows: list[PeerRow] = []
    for robot in sorted({r["robot"] for r in ours["results"]} | set(peers)):
        pr = peers.get(robot, {})

        def row(
            peer, workload, our_name, our, p50=None, p99=None, status="ok", note="", robot=robot
        ):
            rows.append(
                {
                    "robot": robot,
                    "peer": peer,
                    "workload": workload,
                    "ours": our_name,
                    "our_p50_us": None if our is None else our["p50"],
                    "our_p99_us": None if our is None else our["p99"],
                    "peer_p50_us": p50 if status == "ok" else None,
                    "peer_p99_us": p99 if status == "ok" else None,
                    "ratio_p50": _ratio(p50, None if our is None else our["p50"])
                    if status == "ok"
                    else None,
                    "ratio_p99": _ratio(p99, None if our is None else our["p99"])
                    if status == "ok"
                    else None,
                    "status": status,
                    "note": note,
                }
            )

        rnea, crba = (
            _stage(ours, robot, "pinocchio.rnea_cpp"),
            _stage(ours, robot, "pinocchio.crba_cpp"),
        )
        bundle = _stage(ours, robot, "dynamics.bundle_cpp")
        if rnea and crba and bundle:
            row(
                "Pinocchio C++ (RNEA + CRBA)",
                "dynamics quantities of one tick",
                "dynamics.bundle_cpp",
                bundle,
                rnea["p50"] + crba["p50"],
                rnea["p99"] + crba["p99"],
                note="in-run, same process; ours adds frames, Jacobians, centroidal map",
            )
        wbc = _stage(ours, robot, "wbc.tick_standing")
        t = pr.get("tsid")
        if t is not None:
            ok = t["status"] == "ok"
            row(
                "TSID",
                "WBC tick: problem data + QP solve",
                "wbc.tick_standing",
                wbc,
                t["tick_us"]["p50"] if ok else None,
                t["tick_us"]["p99"] if ok else None,
                t["status"],
                f"eiquadprog-fast; timed from Python (one empty call: {t['python_call_us']['p50']:.2f} µs)"
                if ok
                else "",
            )
        walk = _stage(ours, robot, "wbc.tick")
        t = pr.get("tsid_walking")
        if t is not None:
            ok = t["status"] == "ok"
            row(
                "TSID",
                f"WBC tick on walking ticks: problem data + QP solve ({t.get('n', '?')} ticks)",
                "wbc.tick",
                walk,
                t["tick_us"]["p50"] if ok else None,
                t["tick_us"]["p99"] if ok else None,
                t["status"],
                f"our tasks in TSID; torque RMS diff {t['tau_rms_diff']:.1f} N·m (max "
                f"{t['tau_max_abs_diff']:.0f}; our torques' RMS {t['tau_rms']:.1f}); setting "
                f"references from Python adds {t['with_references_us']['p50'] - t['tick_us']['p50']:.0f} µs"
                if ok
                else "",
            )
        qw = pr.get("qp_walking")
        if qw is not None and qw["status"] != "ok":
            row("qpsolvers", "our walking QPs", "wbc.tick", walk, status=qw["status"])
        elif qw is not None:
            for name, r in qw["solvers"].items():
                ok = r["status"] == "ok"
                failed = r.get("failed", 0)
                note = ""
                if ok and r["tau_max_abs_diff"] is not None:
                    note = f"torque max diff {r['tau_max_abs_diff']:.1e} N·m"
                if ok and failed:
                    note += f"{'; ' if note else ''}failed on {failed} of {qw['n']} ticks"
                row(
                    f"qpsolvers: {name}",
                    "our walking QPs (given assembled), solve only",
                    "wbc.tick",
                    walk,
                    r["solve_us"]["p50"] if ok else None,
                    r["solve_us"]["p99"] if ok else None,
                    r["status"],
                    note,
                )
        mpc = _stage(ours, robot, "mpc.iteration")
        c = pr.get("crocoddyl")
        if c is not None:
            ok = c["status"] == "ok"
            row(
                "Crocoddyl",
                "one FDDP iteration, whole-body balance OCP",
                "mpc.iteration",
                mpc,
                c["iteration_us"]["p50"] if ok else None,
                c["iteration_us"]["p99"] if ok else None,
                c["status"],
                f"full dynamics, {c['knots']} knots (ours: kinodynamic)" if ok else "",
            )
        ac = pr.get("acados")
        if ac is not None:
            ok = ac["status"] == "ok"
            # ours: the same recorded problems, our C++ iteration timed in that same recording
            # process (mpc_workload.py); the bench's mpc.iteration is a different problem
            our_it = {"p50": ac["ours_iteration_us_p50"], "p99": None} if ok else None
            note = ""
            if ok:
                per = ac.get("per_problem", [])

                def med(key, per=per):
                    return float(np.median([p[key] for p in per])) if per else float("nan")

                note = (
                    f"{ac['problems']} closed-loop problems; SQP iterations to step < 1e-3: "
                    f"{ac['sqp_iterations_median']:.0f} (ours {ac['ours_sqp_iterations_median']:.0f}, "
                    f"medians); after one iteration from the same guess max |Δx| "
                    f"{med('one_iteration_max_abs_diff_x'):.1e} (worst "
                    f"{ac['one_iteration_max_abs_diff_x']:.1e}) of a step "
                    f"{med('one_iteration_step_x'):.1e}, max |Δu| "
                    f"{med('one_iteration_max_abs_diff_u'):.1e} N (worst "
                    f"{ac['one_iteration_max_abs_diff_u']:.1e})"
                )
                if "linearisation_us_p50" in ac:
                    note += (
                        f"; split: linearisation {ac['linearisation_us_p50']:.0f} + QP "
                        f"{ac['qp_us_p50']:.0f} µs (ours: evaluation + QP setup "
                        f"{ac['ours_eval_us_p50']:.0f} + HPIPM {ac['ours_qp_us_p50']:.0f})"
                    )
            row(
                "acados (SQP-RTI + HPIPM)",
                "same OCP, one SQP-RTI iteration (median over problems of p50)",
                "our C++ SQP-RTI iteration, same problems",
                our_it,
                ac["iteration_us_p50"] if ok else None,
                None,
                ac["status"],
                note,
            )
        ip = pr.get("ipopt")
        if ip is not None:
            ok = ip["status"] == "ok"
            # IPOPT solves mpc_ipopt.py's problem: compare with that script's own RTI iteration
            it = ip.get("iteration_ms")
            our_it = {"p50": it["p50"] * 1e3, "p99": it["p99"] * 1e3} if it else None
            full = ip["ipopt"]["seconds"] * 1e6 if ok else None
            per = full / ip["ipopt"]["iterations"] if ok else None
            for workload, p50, note in (
                (
                    "same OCP, one IPOPT iteration (mean)",
                    per,
                    f"{ip['ipopt']['iterations']} iterations" if ok else "",
                ),
                (
                    "same OCP, full solve to 1e-8",
                    full,
                    f"cost rel. diff to our converged SQP {ip['cost_rel_diff']:.1e}" if ok else "",
                ),
            ):
                row(
                    "CasADi + IPOPT",
                    workload,
                    "mpc_ipopt.py RTI iteration",
                    our_it,
                    p50,
                    None,
                    ip["status"],
                    note,
                )
    return rows


#: stage -> (floor kernels' stage names (their p50s add up), what they are)
FLOORS = {
    "wbc.tick": (
        ("dynamics.bundle_cpp", "wbc.kkt_ldlt"),
        "dynamics bundle + one LDLT of the tick's KKT system (active rows included)",
    ),
    "mpc.iteration": (
        ("mpc.floor",),
        "model evaluation + QP setup + one HPIPM iteration (one Riccati factorisation)",
    ),
}


def build_floors(ours: dict) -> list[dict]:
    """Per robot and stage: our p50 beside the p50 of its unavoidable kernels in the same run."""
    rows = []
    for robot in sorted({r["robot"] for r in ours["results"]}):
        for stage, (kernels, what) in FLOORS.items():
            st = _stage(ours, robot, stage)
            ks = [_stage(ours, robot, k) for k in kernels]
            if st is None or any(k is None for k in ks):
                continue
            floor = sum(k["p50"] for k in ks)
            rows.append(
                {
                    "robot": robot,
                    "stage": stage,
                    "kernels": what,
                    "our_p50_us": st["p50"],
                    "floor_p50_us": floor,
                    "ratio": st["p50"] / floor,
                    # the same ratio from the normalised figures (medians of in-run block ratios)
                    "ratio_normalised": st["normalised"] / sum(k["normalised"] for k in ks)
                    if "normalised" in st and all("normalised" in k for k in ks)
                    else None,
                }
            )
    return rows


def _fmt(x: float | None, ratio: bool = False) -> str:
    if x is None:
        return "—"
    if ratio:
        return f"{x:.2f}×" if x < 100 else f"{x:.0f}×"
    return f"{x:.1f}" if x < 1e4 else f"{x:.3g}"


def render_markdown(rows: list[PeerRow], meta: dict, floors: list[dict] | None = None) -> str:
    lines = [
        "# Peer comparison",
        "",
        f"Machine: {meta.get('cpu', '?')}, {meta.get('cores', '?')} cores; {meta.get('time', '')}. "
        "Times in µs; ratio = peer / ours (> 1: ours is faster).",
        "",
        "| robot | peer | workload | ours | ours p50 | ours p99 | peer p50 | peer p99 "
        "| ratio p50 | ratio p99 | status | note |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['robot']} | {r['peer']} | {r['workload']} | `{r['ours']}` "
            f"| {_fmt(r['our_p50_us'])} | {_fmt(r['our_p99_us'])} "
            f"| {_fmt(r['peer_p50_us'])} | {_fmt(r['peer_p99_us'])} "
            f"| {_fmt(r['ratio_p50'], True)} | {_fmt(r['ratio_p99'], True)} "
            f"| {r['status']} | {r['note']} |"
        )
    if floors:
        lines += [
            "",
            "## Floors",
            "",
            "Each stage beside the cost of its unavoidable kernels, timed in the same run (p50, µs);"
            " ratio = ours / floor (1 would be no overhead at all). Normalised: the same ratio"
            " from the in-run normalised medians.",
            "",
            "| robot | stage | floor kernels | ours p50 | floor p50 | ours ÷ floor | normalised |",
            "|---|---|---|---:|---:|---:|---:|",
        ]
        for f in floors:
            lines.append(
                f"| {f['robot']} | `{f['stage']}` | {f['kernels']} | {_fmt(f['our_p50_us'])} "
                f"| {_fmt(f['floor_p50_us'])} | {_fmt(f['ratio'], True)} "
                f"| {_fmt(f['ratio_normalised'], True)} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--robots", nargs="+", default=["h1"])
    ap.add_argument("--samples", type=int, default=2000, help="timed calls per peer")
    ap.add_argument("--out", type=Path, default=HERE)
    ap.add_argument("--no-ipopt", action="store_true")
    ap.add_argument("--no-acados", action="store_true")
    ap.add_argument(
        "--render", type=Path, metavar="RESULTS_JSON", help="rebuild the table of a saved run"
    )
    args = ap.parse_args(argv)
    if args.render:
        saved = json.loads(args.render.read_text())
        ours = {"machine": saved["machine"], "results": saved["ours"]}
        return _write(args.out, ours, saved["peers"])

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ours = run_ours(args.robots, tmp / "ours.json")
        peers: dict[str, dict[str, dict]] = {}
        for robot in args.robots:
            wl = tmp / f"workload-{robot}.json"
            wl.write_text(json.dumps(make_workload(robot, args.samples)))
            peers[robot] = {}
            walk = tmp / f"walking-{robot}.json"
            walk.write_text(
                json.dumps(
                    save_walking_workload(robot, WALKING_TICKS, tmp / f"walking-{robot}.npz")
                )
            )
            for name, script, workload in (
                ("tsid", "peer_tsid.py", wl),
                ("tsid_walking", "peer_tsid_walking.py", walk),
                ("qp_walking", "peer_qp_walking.py", walk),
                ("crocoddyl", "peer_crocoddyl.py", wl),
            ):
                print(f"[peers] {robot}: {name}", file=sys.stderr)
                peers[robot][name] = run_peer(script, workload)
                print(f"[peers] {robot}: {name}: {peers[robot][name]['status']}", file=sys.stderr)
            if not args.no_acados:
                print(f"[peers] {robot}: acados", file=sys.stderr)
                mw = tmp / f"mpc-{robot}.json"
                info = save_mpc_workload(robot, MPC_PROBLEMS, tmp / f"mpc-{robot}.npz")
                info["build_dir"] = str(tmp / f"acados-{robot}")
                mw.write_text(json.dumps(info))
                peers[robot]["acados"] = run_peer("peer_acados.py", mw, ACADOS_PYTHON)
                peers[robot]["acados"]["workload"] = {
                    k: info[k] for k in ("problems", "recorded", "N", "nx", "nu", "qp", "opt_level")
                }
                print(
                    f"[peers] {robot}: acados: {peers[robot]['acados']['status']}", file=sys.stderr
                )
            if not args.no_ipopt:
                print(f"[peers] {robot}: ipopt", file=sys.stderr)
                peers[robot]["ipopt"] = run_ipopt(robot)
    return _write(args.out, ours, peers)


def _write(out: Path, ours: dict, peers: dict) -> dict:
    rows = build_rows(ours, peers)
    floors = build_floors(ours)
    result = {
        "schema_version": 1,
        "machine": ours["machine"],
        "rows": rows,
        "floors": floors,
        "peers": peers,
        "ours": ours["results"],
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    md = render_markdown(rows, ours["machine"], floors)
    (out / "results.md").write_text(md)
    print(md)
    return result


if __name__ == "__main__":
    main()
