"""``cerebellum robots``: the registered robots as a table."""

from __future__ import annotations

import argparse

import numpy as np

__all__ = ["add_parser", "main", "robot_summary"]


def robot_summary(name: str) -> dict:
    """Name, height (m, standing: top of the highest mesh), mass (kg), nq, nv, actuated joints, source."""
    import mujoco

    from cerebellum.dynamics.conventions import pinocchio_to_mujoco_q
    from cerebellum.dynamics.model import robot_model, standing_configuration

    rm = robot_model(name)
    q = standing_configuration(rm)
    mj = mujoco.MjModel.from_xml_path(str(rm.path))
    md = mujoco.MjData(mj)
    md.qpos[:] = pinocchio_to_mujoco_q(q)
    mujoco.mj_kinematics(mj, md)
    top = 0.0
    for g in range(mj.ngeom):
        mesh = mj.geom_dataid[g]
        if mj.geom_type[g] == mujoco.mjtGeom.mjGEOM_MESH and mesh >= 0:
            a, n = mj.mesh_vertadr[mesh], mj.mesh_vertnum[mesh]
            verts = mj.mesh_vert[a : a + n] @ md.geom_xmat[g].reshape(3, 3).T + md.geom_xpos[g]
            top = max(top, float(verts[:, 2].max()))
        else:
            top = max(top, float(md.geom_xpos[g][2]))
    return {
        "name": rm.config.name,
        "description": rm.config.description,
        "height_m": top,
        "mass_kg": rm.mass,
        "nq": rm.nq,
        "nv": rm.nv,
        "actuated": rm.nv - 6,
        "max_torque_Nm": float(np.max(rm.effort_limit)),
        "source": f"{rm.config.source.name} ({rm.config.source_format.upper()})",
    }


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("robots", help="list the registered robots")
    p.add_argument(
        "--model-path",
        metavar="ROBOT",
        help="print the path of ROBOT's built MJCF (what Pinocchio, MuJoCo and the C++ core load)",
    )
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from cerebellum.robots import list_robots, load_robot

    if args.model_path:
        print(load_robot(args.model_path).model_path())
        return 0
    rows = [robot_summary(n) for n in list_robots()]
    head = f"{'name':8s} {'robot':18s} {'height m':>8s} {'mass kg':>8s} {'nq':>3s} {'nv':>3s} {'actuated':>8s}  source"
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['name']:8s} {r['description']:18s} {r['height_m']:8.2f} {r['mass_kg']:8.1f} {r['nq']:3d} "
            f"{r['nv']:3d} {r['actuated']:8d}  {r['source']}"
        )
    print("(height: top of the model in its standing pose; add robots with CEREBELLUM_ROBOT_PATH)")
    return 0
