"""A Rerun recording (``.rrd``) of a saved run: ``cerebellum replay RUN_DIR --rerun``.

Needs the optional ``rerun-sdk`` (``pip install 'cerebellum[viz]'``). Timeline ``sim_time``
(s). Entities: ``com/{x,y,z}`` (m), ``dcm/{x,y}`` (m; CoM + CoM velocity / omega, omega =
sqrt(g / CoM height above the terrain under the base)), ``contact_force/{left,right}`` (normal,
N), ``torque_ratio/JOINT`` (|tau| / effort limit), ``base_rpy/{roll,pitch,yaw}`` (rad),
``command/{vx,vy,yaw_rate}``, and in 3-D at ``fps``: ``world/robot/bodies`` (body origins),
``world/robot/links`` (body to parent), ``world/robot/contact_forces`` (arrows at the soles,
1 m per body weight), ``world/terrain`` (the terrain's boxes, static).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from cerebellum.controllers.gait import GRAVITY
from cerebellum.errors import CerebellumError

__all__ = ["RerunUnavailableError", "record_run"]


class RerunUnavailableError(CerebellumError, ImportError):
    """The optional rerun-sdk package is not installed."""


def _rerun():
    try:
        import rerun as rr
    except ImportError:
        raise RerunUnavailableError(
            "--rerun needs the optional package rerun-sdk: pip install 'cerebellum[viz]'"
        ) from None
    return rr


def _scalars(rr, rec, path: str, t: np.ndarray, values: np.ndarray) -> None:
    rr.send_columns(
        path,
        indexes=[rr.TimeColumn("sim_time", duration=t)],
        columns=rr.Scalars.columns(scalars=np.asarray(values, dtype=float)),
        recording=rec,
    )


def record_run(model, log: dict[str, np.ndarray], path: str | os.PathLike, fps: float = 30.0):
    """Writes the recording of ``log`` (a ``log.npz``) on ``model`` to ``path``; returns it."""
    import mujoco

    rr = _rerun()
    path = Path(path)
    rec = rr.RecordingStream("cerebellum")
    rec.save(str(path))
    t = np.asarray(log["t"], dtype=float)
    com = np.asarray(log["com"], dtype=float)
    for i, c in enumerate("xyz"):
        _scalars(rr, rec, f"com/{c}", t, com[:, i])
    if len(t) > 1:
        vcom = np.gradient(com, t, axis=0)
        ground = log["base_pos"][:, 2] - log["base_height"]
        omega = np.sqrt(GRAVITY / np.maximum(com[:, 2] - ground, 1e-3))
        dcm = com[:, :2] + vcom[:, :2] / omega[:, None]
        for i, c in enumerate("xy"):
            _scalars(rr, rec, f"dcm/{c}", t, dcm[:, i])
    for i, side in enumerate(("left", "right")):
        _scalars(rr, rec, f"contact_force/{side}", t, log["contact_force"][:, i, 2])
    ratio = np.abs(log["tau"]) / log["effort_limit"]
    for j, name in enumerate(log["joint_names"]):
        _scalars(rr, rec, f"torque_ratio/{name}", t, ratio[:, j])
    for i, c in enumerate(("roll", "pitch", "yaw")):
        _scalars(rr, rec, f"base_rpy/{c}", t, log["base_rpy"][:, i])
    for i, c in enumerate(("vx", "vy", "yaw_rate")):
        _scalars(rr, rec, f"command/{c}", t, log["command"][:, i])

    # terrain boxes (world body geoms), static
    boxes = [
        g
        for g in range(model.ngeom)
        if model.geom_bodyid[g] == 0 and model.geom_type[g] == mujoco.mjtGeom.mjGEOM_BOX
    ]
    data = mujoco.MjData(model)
    mujoco.mj_kinematics(model, data)
    if boxes:
        quats = []
        for g in boxes:
            q = np.zeros(4)
            mujoco.mju_mat2Quat(q, data.geom_xmat[g])
            quats.append([q[1], q[2], q[3], q[0]])  # wxyz -> xyzw
        rec.log(
            "world/terrain",
            rr.Boxes3D(
                centers=data.geom_xpos[boxes],
                half_sizes=model.geom_size[boxes],
                quaternions=quats,
                colors=[(150, 150, 160)],
            ),
            static=True,
        )

    # the robot as a stick figure, and the contact forces at the soles
    bodies = np.arange(1, model.nbody)
    parents = model.body_parentid[bodies]
    soles = [
        mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE, f"{s}_sole") for s in ("left", "right")
    ]
    weight = float(np.sum(model.body_mass)) * GRAVITY
    frames = np.arange(0.0, t[-1] + 1e-9, 1.0 / fps) if len(t) else np.zeros(0)
    for k in np.minimum(np.searchsorted(t, frames), len(t) - 1):
        data.qpos[:] = log["qpos"][k]
        mujoco.mj_kinematics(model, data)
        rec.set_time("sim_time", duration=float(t[k]))
        xpos = data.xpos
        rec.log("world/robot/bodies", rr.Points3D(xpos[bodies], radii=0.02))
        links = [[xpos[b], xpos[p]] for b, p in zip(bodies, parents, strict=True) if p > 0]
        rec.log("world/robot/links", rr.LineStrips3D(links, radii=0.01))
        if min(soles) >= 0:
            rec.log(
                "world/robot/contact_forces",
                rr.Arrows3D(
                    origins=data.site_xpos[soles], vectors=log["contact_force"][k] / weight
                ),
            )
    rec.flush()
    rec.disconnect()
    return path
