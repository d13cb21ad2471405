"""Robot registry, built models and the MuJoCo/Pinocchio agreement of every registered robot."""

from __future__ import annotations

import shutil

import mujoco
import numpy as np
import pinocchio as pin
import pytest

from cerebellum import ConfigError, UnknownNameError, list_robots, load_robot
from cerebellum.commands.check import TOLERANCES, check_robot
from cerebellum.dynamics.model import robot_model, standing_configuration

ROBOTS = ["h1", "apollo", "talos"]


def test_registry_lists_the_three_humanoids():
    assert set(ROBOTS) <= set(list_robots())


def test_unknown_robot_lists_known_ones():
    with pytest.raises(UnknownNameError) as e:
        load_robot("asimo")
    for name in ROBOTS:
        assert name in str(e.value)


@pytest.mark.parametrize("robot", ROBOTS)
def test_check_pinocchio_mujoco_casadi_core_agree(robot):
    """>= 20 random states: M and bias (1e-6 rel), CoM and frames (1e-9), CasADi (1e-9), C++ core."""
    res = check_robot(robot, states=20, seed=1)
    assert not res.skipped, res.skipped
    expected = set(TOLERANCES)
    assert set(res.errors) == expected
    for key, value in res.errors.items():
        assert value <= TOLERANCES[key], f"{robot} {key}: {value:.3e}"


@pytest.mark.parametrize("robot", ROBOTS)
def test_effort_limits_come_from_the_model_file(robot):
    rm = robot_model(robot)
    mj = mujoco.MjModel.from_xml_path(str(rm.path))
    assert mj.nu == rm.nv - 6
    assert np.all(np.isfinite(rm.effort_limit)) and np.all(rm.effort_limit > 0)
    for k in range(mj.nu):
        j = mj.actuator_trnid[k][0]
        name = mj.joint(j).name
        assert mj.actuator_ctrlrange[k][1] == pytest.approx(
            rm.effort_limit[rm.joint_names.index(name)]
        )


def test_h1_limits_match_menagerie_actuators():
    """H1's limits come from its menagerie motors (ctrlrange x gear), not from re-typed numbers."""
    cfg = load_robot("h1")
    src = mujoco.MjModel.from_xml_path(str(cfg.source))
    rm = robot_model("h1")
    for k in range(src.nu):
        name = src.joint(src.actuator_trnid[k][0]).name
        expected = abs(src.actuator_ctrlrange[k]).max() * abs(src.actuator_gear[k][0])
        assert rm.effort_limit[rm.joint_names.index(name)] == pytest.approx(expected)


@pytest.mark.parametrize("robot", ROBOTS)
def test_standing_configuration_has_flat_soles_on_the_ground(robot):
    rm = robot_model(robot)
    q = standing_configuration(rm)
    # Independent check in MuJoCo: sole sites at z = 0 with vertical normals.
    mj = mujoco.MjModel.from_xml_path(str(rm.path))
    md = mujoco.MjData(mj)
    from cerebellum.dynamics.conventions import pinocchio_to_mujoco_q

    md.qpos[:] = pinocchio_to_mujoco_q(q)
    mujoco.mj_kinematics(mj, md)
    for side in ("left", "right"):
        sid = mujoco.mj_name2id(mj, mujoco.mjtObj.mjOBJ_SITE, f"{side}_sole")
        assert abs(md.site_xpos[sid][2]) < 1e-8
        assert md.site_xmat[sid].reshape(3, 3)[2, 2] > 1 - 1e-9
    assert q[2] > 0.8  # a full-size humanoid's base


def _write(tmp_path, text, name="bot.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


H1_MIN = """
[robot]
name = "{name}"
source = "menagerie:unitree_h1/h1.xml"
base_frame = "pelvis"
[feet.left]
body = "left_ankle_link"
pos = [0.045, 0.0, -0.07]
[feet.right]
body = "right_ankle_link"
pos = [0.045, 0.0, -0.07]
[sole]
rectangle = [-0.08, 0.1, -0.03, 0.03]
[gains]
kp = {{ "*" = 100.0 }}
kd = {{ "*" = 5.0 }}
"""


def test_user_robot_from_config_file_without_code(tmp_path, monkeypatch):
    monkeypatch.setenv("CEREBELLUM_CACHE", str(tmp_path / "cache"))
    p = _write(tmp_path, H1_MIN.format(name="myh1"))
    cfg = load_robot(str(p))
    model = pin.buildModelFromMJCF(str(cfg.model_path()))
    assert model.nv == 25 and model.existFrame("left_sole")
    # And by name through CEREBELLUM_ROBOT_PATH.
    monkeypatch.setenv("CEREBELLUM_ROBOT_PATH", str(tmp_path))
    assert "bot" in list_robots()
    assert load_robot("bot").name == "myh1"


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda s: s.replace('base_frame = "pelvis"\n', ""), "robot.base_frame"),
        (
            lambda s: s.replace("[-0.08, 0.1, -0.03, 0.03]", "[0.1, -0.08, -0.03, 0.03]"),
            "sole.rectangle",
        ),
        (lambda s: s.replace("[-0.08, 0.1, -0.03, 0.03]", '"wide"'), "sole.rectangle"),
        (
            lambda s: s.replace("pos = [0.045, 0.0, -0.07]", "pos = [0.045, 0.0]", 1),
            "feet.left.pos",
        ),
        (
            lambda s: s.replace("menagerie:unitree_h1/h1.xml", "menagerie:unitree_h1/nope.xml"),
            "robot.source",
        ),
        (lambda s: s.replace('kp = { "*" = 100.0 }', 'kp = { "*" = "stiff" }'), "gains.kp.*"),
        (lambda s: s.replace("[feet.left]", "[feet.left"), "<syntax>"),
        (lambda s: s + "[walking.gait]\nstep_duration_s = [0.3]\n", "walking.gait.step_duration_s"),
        (lambda s: s + "[walking.arms]\nswing = { a = [1.0] }\n", "walking.arms.swing.a"),
    ],
)
def test_malformed_config_names_file_and_field(tmp_path, edit, field):
    p = _write(tmp_path, edit(H1_MIN.format(name="bad")))
    with pytest.raises(ConfigError) as e:
        load_robot(str(p))
    assert e.value.field == field
    assert str(p) in str(e.value)


def test_unknown_body_names_the_field_and_lists_bodies(tmp_path, monkeypatch):
    monkeypatch.setenv("CEREBELLUM_CACHE", str(tmp_path / "cache"))
    p = _write(
        tmp_path,
        H1_MIN.format(name="bad").replace('body = "left_ankle_link"', 'body = "left_foot"'),
    )
    with pytest.raises(ConfigError) as e:
        load_robot(str(p)).model_path()
    assert e.value.field == "feet.left.body" and "left_ankle_link" in str(e.value)
    shutil.rmtree(tmp_path / "cache", ignore_errors=True)


def test_moved_robot_sources_rebuild_the_cached_model(tmp_path, monkeypatch):
    """The cached MJCF names the meshes by absolute path: the same files in another place (another
    environment's robot data) must give a model that loads, not the first place's cache entry."""
    monkeypatch.setenv("CEREBELLUM_CACHE", str(tmp_path / "cache"))
    src = load_robot("h1").source.parent
    a = tmp_path / "a"
    shutil.copytree(src, a / "h1")
    text = H1_MIN.format(name="moved").replace("menagerie:unitree_h1/h1.xml", "h1/h1.xml")
    first = load_robot(str(_write(a, text))).model_path()
    mujoco.MjModel.from_xml_path(str(first))
    b = tmp_path / "b"
    a.rename(b)  # identical bytes, new place; the old meshes are gone
    second = load_robot(str(b / "bot.toml")).model_path()
    assert second != first
    assert mujoco.MjModel.from_xml_path(str(second)).nbody > 1
