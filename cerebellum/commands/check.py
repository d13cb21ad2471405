"""``cerebellum check ROBOT``: Pinocchio vs MuJoCo vs the CasADi mirror vs the C++ core."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

import mujoco
import numpy as np
import pinocchio as pin

__all__ = ["CheckResult", "add_parser", "check_robot", "main", "TOLERANCES"]

#: Largest allowed error per quantity; "rel" errors are relative to the largest entry.
TOLERANCES = {
    "mass_matrix (rel)": 1e-6,
    "bias_forces (rel)": 1e-6,
    "com (m)": 1e-9,
    "frame_position (m)": 1e-9,
    "frame_rotation (-)": 1e-9,
    "contact_jacobian (-)": 1e-9,
    "casadi.frames (m)": 1e-9,
    "casadi.com (m)": 1e-9,
    "casadi.centroidal_momentum (rel)": 1e-9,
    "casadi.rnea (rel)": 1e-9,
    "core.mass_matrix (rel)": 1e-9,
    "core.nle (rel)": 1e-9,
    "core.contact_jacobian (-)": 1e-9,
    "core.centroidal_map (rel)": 1e-9,
}


@dataclass
class CheckResult:
    robot: str
    states: int
    errors: dict[str, float]
    skipped: dict[str, str]

    @property
    def ok(self) -> bool:
        return all(self.errors[k] <= TOLERANCES[k] for k in self.errors)


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).max() / max(1.0, np.abs(b).max()))


def check_robot(
    name: str, states: int = 20, seed: int = 0, casadi: bool = True, core: bool = True
) -> CheckResult:
    """Compares the engines at ``states`` random (q, v, a); returns the largest error per quantity."""
    from cerebellum.dynamics.conventions import (
        ConventionMap,
        pinocchio_to_mujoco_q,
        pinocchio_to_mujoco_v,
    )
    from cerebellum.dynamics.model import RobotModel, random_configuration
    from cerebellum.robots import load_robot

    cfg = load_robot(name)
    rm = RobotModel(cfg)
    model, data = rm.model, rm.data
    mj = mujoco.MjModel.from_xml_path(str(rm.path))
    md = mujoco.MjData(mj)
    conv = ConventionMap(mj, model)
    frames = rm.foot_frames + rm.hand_frames
    fids = [rm.frame_id(f) for f in frames]
    sids = [mujoco.mj_name2id(mj, mujoco.mjtObj.mjOBJ_SITE, f) for f in frames]
    rng = np.random.default_rng(seed)
    err: dict[str, float] = {}
    skipped: dict[str, str] = {}

    def put(key: str, value: float) -> None:
        err[key] = max(err.get(key, 0.0), float(value))

    mirror = core_robot = None
    if casadi:
        from cerebellum.dynamics.casadi_mirror import CasadiMirror

        mirror = CasadiMirror(model, frames)
    if core:
        try:
            from cerebellum import _core

            core_robot = _core.Robot(str(rm.path), frames)
        except ImportError as e:
            skipped["core"] = f"cerebellum._core not importable: {e}"

    M_mj = np.zeros((mj.nv, mj.nv))
    jacp, jacr = np.zeros((3, mj.nv)), np.zeros((3, mj.nv))
    for _ in range(states):
        q = random_configuration(rm, rng)
        v = rng.normal(size=rm.nv)
        a = rng.normal(size=rm.nv)
        md.qpos[:] = pinocchio_to_mujoco_q(q)
        md.qvel[:] = pinocchio_to_mujoco_v(q, v)
        mujoco.mj_forward(mj, md)
        mujoco.mj_fullM(mj, md, M_mj)

        M = pin.crba(model, data, q)
        M = np.triu(M) + np.triu(M, 1).T
        put("mass_matrix (rel)", _rel(conv.mass_matrix_to_pinocchio(q, M_mj), M))
        nle = pin.nonLinearEffects(model, data, q, v)
        put("bias_forces (rel)", _rel(conv.bias_to_pinocchio(q, v, M_mj, md.qfrc_bias), nle))
        com = pin.centerOfMass(model, data, q)
        put("com (m)", np.abs(md.subtree_com[0] - com).max())
        pin.computeJointJacobians(model, data, q)
        pin.framesForwardKinematics(model, data, q)
        for fid, sid in zip(fids, sids, strict=True):
            oMf = data.oMf[fid]
            put("frame_position (m)", np.abs(md.site_xpos[sid] - oMf.translation).max())
            put("frame_rotation (-)", np.abs(md.site_xmat[sid].reshape(3, 3) - oMf.rotation).max())
            mujoco.mj_jacSite(mj, md, jacp, jacr, sid)
            J = pin.getFrameJacobian(model, data, fid, pin.LOCAL_WORLD_ALIGNED)
            put(
                "contact_jacobian (-)",
                np.abs(conv.jacobian_to_pinocchio(q, np.vstack([jacp, jacr])) - J).max(),
            )

        if mirror is not None:
            f = mirror.functions
            put("casadi.com (m)", np.abs(np.asarray(f["com"](q)).ravel() - com).max())
            for fr, fid in zip(frames, fids, strict=True):
                R, p = mirror.frame_placement(fr)(q)
                put(
                    "casadi.frames (m)",
                    np.abs(np.asarray(p).ravel() - data.oMf[fid].translation).max(),
                )
                put("casadi.frames (m)", np.abs(np.asarray(R) - data.oMf[fid].rotation).max())
            h = pin.computeCentroidalMomentum(model, data, q, v)
            put(
                "casadi.centroidal_momentum (rel)",
                _rel(np.asarray(f["centroidal_momentum"](q, v)).ravel(), h.vector),
            )
            tau = pin.rnea(model, data, q, v, a)
            put("casadi.rnea (rel)", _rel(np.asarray(f["rnea"](q, v, a)).ravel(), tau))

        if core_robot is not None:
            core_robot.compute(q, v)
            put("core.mass_matrix (rel)", _rel(np.asarray(core_robot.M), M))
            put("core.nle (rel)", _rel(np.asarray(core_robot.nle), nle))
            Ag = pin.computeCentroidalMap(model, data, q)
            put("core.centroidal_map (rel)", _rel(np.asarray(core_robot.Ag), Ag))
            for i, fid in enumerate(fids):
                J = pin.getFrameJacobian(model, data, fid, pin.LOCAL_WORLD_ALIGNED)
                put("core.contact_jacobian (-)", np.abs(np.asarray(core_robot.J(i)) - J).max())
    return CheckResult(name, states, err, skipped)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check", help="compare Pinocchio, MuJoCo, the CasADi mirror and the C++ core"
    )
    p.add_argument("robots", nargs="+", metavar="ROBOT", help="robot name(s) or config file(s)")
    p.add_argument("--states", type=int, default=20, help="random states per robot (default 20)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-casadi", action="store_true", help="skip the CasADi mirror")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from cerebellum.errors import ArgumentError

    if args.states < 1:  # 0 states would check nothing and report OK
        raise ArgumentError("--states", f"expected an integer >= 1, got {args.states}")
    all_ok = True
    for name in args.robots:
        t0 = time.perf_counter()
        res = check_robot(name, states=args.states, seed=args.seed, casadi=not args.no_casadi)
        print(f"{res.robot}: {res.states} random states ({time.perf_counter() - t0:.1f} s)")
        print(f"  {'quantity':34s} {'largest error':>14s} {'tolerance':>10s}")
        for key, value in res.errors.items():
            tol = TOLERANCES[key]
            mark = "ok" if value <= tol else "FAIL"
            print(f"  {key:34s} {value:14.3e} {tol:10.0e}  {mark}")
        for key, why in res.skipped.items():
            print(f"  {key:34s} skipped: {why}")
        print(f"  => {'OK' if res.ok else 'FAILED'}")
        all_ok &= res.ok
    sys.stdout.flush()
    return 0 if all_ok else 1
