"""Builds the one MJCF per robot that Pinocchio and MuJoCo both load.

From the robot's source file (MJCF or URDF) it makes: a free-flyer root, one torque motor per
actuated joint whose range is the model's effort limit (from the joint's ``actuatorfrcrange``, a
motor's ``ctrlrange * gear``, or the URDF's ``effort``), sites ``left_sole``/``right_sole``,
``left_hand``/``right_hand`` and ``base_imu``, box soles as the only foot collision geometry, robot
geometry that collides with the terrain only, IMU and joint sensors. The result is cached under
``$CEREBELLUM_CACHE/models`` (default ``~/.cache/cerebellum``) by a hash of its inputs.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import mujoco
import numpy as np

from cerebellum.errors import ConfigError

if TYPE_CHECKING:  # robots.py calls this module; it needs nothing of robots.py at run time
    from cerebellum.robots import FrameSpec, RobotConfig

__all__ = ["build_robot_mjcf", "cache_root"]

BUILDER_VERSION = "4"
SOLE_THICKNESS_M = 0.01


def cache_root() -> Path:
    root = os.environ.get("CEREBELLUM_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "cerebellum"


def _rpy_to_quat(rpy) -> np.ndarray:
    q = np.zeros(4)
    mat = _rpy_to_mat(rpy)
    mujoco.mju_mat2Quat(q, mat.reshape(-1))
    return q


def _rpy_to_mat(rpy) -> np.ndarray:
    r, p, y = rpy
    cx, sx, cy, sy, cz, sz = np.cos(r), np.sin(r), np.cos(p), np.sin(p), np.cos(y), np.sin(y)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ ry @ rx


def _load_spec(cfg: RobotConfig) -> mujoco.MjSpec:
    src = cfg.source
    if cfg.source_format == "urdf":
        text = src.read_text()
        pkg_root = src.parent.parent  # <pkg>/robots/x.urdf -> <pkg>
        text = re.sub(r"package://[^\"']*?/" + re.escape(pkg_root.name), str(pkg_root), text)
        text = re.sub(
            r"(<robot[^>]*>)",
            r'\1<mujoco><compiler fusestatic="false" discardvisual="false" '
            r'balanceinertia="false" strippath="false"/></mujoco>',
            text,
            count=1,
        )
        spec = mujoco.MjSpec.from_string(text)
        root = spec.worldbody.first_body()
        root.add_freejoint()
    else:
        spec = mujoco.MjSpec.from_file(str(src))
        base = src.parent
        spec.meshdir = str((base / (spec.meshdir or "")).resolve())
        spec.texturedir = str((base / (spec.texturedir or "")).resolve())
    return spec


def _effort_limits(cfg: RobotConfig, model: mujoco.MjModel) -> dict[str, float]:
    """Joint name -> effort limit (N·m or N) read from the compiled source model."""
    limits: dict[str, float] = {}
    for j in range(model.njnt):
        if model.jnt_type[j] == mujoco.mjtJoint.mjJNT_FREE:
            continue
        name = model.joint(j).name
        if model.jnt_actfrclimited[j]:
            limits[name] = float(
                max(abs(model.jnt_actfrcrange[j][0]), abs(model.jnt_actfrcrange[j][1]))
            )
    for a in range(model.nu):
        if model.actuator_trntype[a] != mujoco.mjtTrn.mjTRN_JOINT:
            continue
        j = model.actuator_trnid[a][0]
        name = model.joint(j).name
        is_motor = model.actuator_biastype[a] == mujoco.mjtBias.mjBIAS_NONE
        if name not in limits and is_motor and model.actuator_ctrllimited[a]:
            gear = abs(model.actuator_gear[a][0])
            limits[name] = float(gear * max(abs(model.actuator_ctrlrange[a]).max(), 0.0))
    missing = [
        model.joint(j).name
        for j in range(model.njnt)
        if model.jnt_type[j] != mujoco.mjtJoint.mjJNT_FREE and model.joint(j).name not in limits
    ]
    if missing:
        raise ConfigError(cfg.source, "effort limits", f"joints without an effort limit: {missing}")
    return limits


def _add_site(spec: mujoco.MjSpec, cfg: RobotConfig, name: str, frame: FrameSpec, where: str):
    body = spec.body(frame.body)
    if body is None:
        names = [b.name for b in spec.bodies if b.name]
        raise ConfigError(
            cfg.config_path, f"{where}.body", f"no body '{frame.body}'; bodies: {names}"
        )
    body.add_site(
        name=name, pos=list(frame.pos), quat=list(_rpy_to_quat(frame.rpy)), size=[0.01, 0, 0]
    )
    return body


def _build_spec(cfg: RobotConfig) -> mujoco.MjSpec:
    spec = _load_spec(cfg)
    source_model = spec.compile()
    if source_model.nq < 7 or source_model.jnt_type[0] != mujoco.mjtJoint.mjJNT_FREE:
        raise ConfigError(cfg.source, "root joint", "the model must have a free root joint")
    limits = _effort_limits(cfg, source_model)
    spec.modelname = cfg.name

    for act in list(spec.actuators):
        spec.delete(act)
    for sensor in list(spec.sensors):
        spec.delete(sensor)
    for key in list(spec.keys):
        spec.delete(key)

    # Robot geometry collides with the terrain (conaffinity 1) only, never with itself.
    foot_bodies = {cfg.feet[s].body for s in cfg.feet}
    for geom in spec.geoms:
        if geom.contype == 0 and geom.conaffinity == 0:
            continue
        geom.contype, geom.conaffinity = 1, 0
        parent = geom.parent
        if parent is not None and parent.name in foot_bodies:
            geom.contype = 0

    for s in cfg.feet:
        foot = cfg.feet[s]
        body = _add_site(spec, cfg, f"{s}_sole", foot, f"feet.{s}")
        x0, x1, y0, y1 = cfg.sole_rectangle
        rot = _rpy_to_mat(foot.rpy)
        centre = np.asarray(foot.pos) + rot @ np.array(
            [(x0 + x1) / 2, (y0 + y1) / 2, SOLE_THICKNESS_M / 2]
        )
        body.add_geom(
            name=f"{s}_sole_box",
            type=mujoco.mjtGeom.mjGEOM_BOX,
            size=[(x1 - x0) / 2, (y1 - y0) / 2, SOLE_THICKNESS_M / 2],
            pos=list(centre),
            quat=list(_rpy_to_quat(foot.rpy)),
            contype=1,
            conaffinity=0,
            condim=3,
            friction=[cfg.friction, 0.005, 0.0001],
            density=0.0,
            mass=0.0,
            group=3,
            rgba=[0.9, 0.4, 0.1, 1.0],
        )
    for s, hand in cfg.hands.items():
        _add_site(spec, cfg, f"{s}_hand", hand, f"hands.{s}")
    root = spec.worldbody.first_body()
    base = spec.body(cfg.base_frame)
    if base is None:
        raise ConfigError(
            cfg.config_path,
            "robot.base_frame",
            f"no body '{cfg.base_frame}'; root body is '{root.name}'",
        )
    base.add_site(name="base_imu", pos=[0, 0, 0], size=[0.01, 0, 0])
    if cfg.imu_frame:  # the simulated IMU where the model puts the robot's own
        site, body = spec.site(cfg.imu_frame), spec.body(cfg.imu_frame)
        if site is None and body is None:
            raise ConfigError(
                cfg.config_path,
                "robot.imu_frame",
                f"no site or body '{cfg.imu_frame}' in the model",
            )
        parent, pos, quat = (
            (site.parent, list(site.pos), list(site.quat))
            if site is not None
            else (body, [0, 0, 0], [1, 0, 0, 0])
        )
        parent.add_site(name="robot_imu", pos=pos, quat=quat, size=[0.01, 0, 0])

    joints = [j for j in spec.joints if j.type != mujoco.mjtJoint.mjJNT_FREE]
    for j in joints:
        lim = limits[j.name]
        j.actfrclimited = mujoco.mjtLimited.mjLIMITED_TRUE
        j.actfrcrange = [-lim, lim]
        spec.add_actuator(
            name=j.name,
            target=j.name,
            trntype=mujoco.mjtTrn.mjTRN_JOINT,
            ctrllimited=mujoco.mjtLimited.mjLIMITED_TRUE,
            ctrlrange=[-lim, lim],
        )
    spec.add_sensor(
        name="imu_quat",
        type=mujoco.mjtSensor.mjSENS_FRAMEQUAT,
        objtype=mujoco.mjtObj.mjOBJ_SITE,
        objname=cfg.imu_site,
    )
    spec.add_sensor(
        name="imu_gyro",
        type=mujoco.mjtSensor.mjSENS_GYRO,
        objtype=mujoco.mjtObj.mjOBJ_SITE,
        objname=cfg.imu_site,
    )
    spec.add_sensor(
        name="imu_acc",
        type=mujoco.mjtSensor.mjSENS_ACCELEROMETER,
        objtype=mujoco.mjtObj.mjOBJ_SITE,
        objname=cfg.imu_site,
    )
    for s in cfg.feet:
        spec.add_sensor(
            name=f"{s}_foot_force",
            type=mujoco.mjtSensor.mjSENS_FORCE,
            objtype=mujoco.mjtObj.mjOBJ_SITE,
            objname=f"{s}_sole",
        )
        spec.add_sensor(
            name=f"{s}_foot_torque",
            type=mujoco.mjtSensor.mjSENS_TORQUE,
            objtype=mujoco.mjtObj.mjOBJ_SITE,
            objname=f"{s}_sole",
        )
    return spec


def _hash(cfg: RobotConfig) -> str:
    h = hashlib.sha256()
    h.update(BUILDER_VERSION.encode())
    h.update(mujoco.__version__.encode())
    h.update(cfg.config_path.read_bytes())
    h.update(cfg.source.read_bytes())
    # the MJCF names the meshes by absolute path, next to the source: a source that moved (another
    # environment's robot data) must not reuse it
    h.update(str(cfg.source.resolve()).encode())
    return h.hexdigest()[:16]


def build_robot_mjcf(cfg: RobotConfig) -> Path:
    """Path of the robot's MJCF (built on first use, then read from the cache)."""
    out = cache_root() / "models" / f"{cfg.name}-{_hash(cfg)}.xml"
    if out.is_file():
        return out
    try:
        spec = _build_spec(cfg)
        spec.compile()
        xml = spec.to_xml()
    except ConfigError:
        raise
    except (ValueError, UnicodeDecodeError, OSError) as e:  # MuJoCo's parse and compile errors
        problem = " ".join(str(e).split())
        raise ConfigError(
            cfg.config_path, "robot.source", f"MuJoCo cannot load {cfg.source}: {problem}"
        ) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".xml.tmp")
    with os.fdopen(fd, "w") as f:
        f.write(xml)
    os.replace(tmp, out)
    return out
