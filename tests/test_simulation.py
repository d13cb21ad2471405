"""Simulation loop and ``cerebellum run``: reproducibility, sensing, pushes, delay, falls."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import mujoco
import numpy as np
import pytest

from cerebellum.dynamics.conventions import mujoco_to_pinocchio_q, mujoco_to_pinocchio_v
from cerebellum.errors import UnknownNameError
from cerebellum.sim.scenario import load_scenario
from cerebellum.sim.simulation import (
    ControllerContext,
    Simulation,
    list_controllers,
    make_controller,
    register_controller,
)

PUSH_SOON = ["push.0.t_s=0.1", "push.0.jitter_t_s=0.05", "push.1.t_s=0.25"]


def cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "cerebellum", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def test_same_seed_same_log_other_seed_other_log():
    sc = load_scenario("push-stand", PUSH_SOON)
    logs = [Simulation(sc, seed=s, controller="pd", duration_s=0.4).run().log for s in (11, 11, 12)]
    a, b, c = logs
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    assert not np.array_equal(a["qpos"], c["qpos"])
    assert not np.array_equal(a["push_force"], c["push_force"])  # jittered timing/direction


def test_run_twice_repeats_exactly():
    sim = Simulation(load_scenario("stand"), controller="pd", duration_s=0.1)
    a, b = sim.run().log, sim.run().log
    np.testing.assert_array_equal(a["qpos"], b["qpos"])


class _Recorder:
    """Zero-torque-free PD wrapper that keeps every RobotState it is given."""

    def __init__(self, ctx: ControllerContext):
        self.inner = make_controller("pd", ctx)
        self.states = []

    def reset(self, state):
        self.inner.reset(state)

    def compute(self, state, command):
        self.states.append(state)
        return self.inner.compute(state, command)


register_controller("test-recorder", _Recorder)


def test_robot_state_matches_the_simulator_without_noise():
    sc = load_scenario(
        "push-stand",
        [
            "noise.joint_pos_rad=0.0",
            "noise.joint_vel_rad_s=0.0",
            "noise.gyro_rad_s=0.0",
            "noise.acc_m_s2=0.0",
            "noise.orientation_rad=0.0",
            "noise.foot_force_N=0.0",
            "noise.foot_torque_Nm=0.0",
            "push.0.t_s=0.3",
            "controller.ground_truth_base=true",
        ],
    )
    sim = Simulation(sc, controller="test-recorder", duration_s=0.35)
    log = sim.run().log
    states = sim.controller.states
    assert len(states) == len(log["t"])
    for k in (0, 60, 320):  # state k is what the simulator held at tick k
        s, qpos, qvel = states[k], log["qpos"][k], log["qvel"][k]
        q, v = mujoco_to_pinocchio_q(qpos), mujoco_to_pinocchio_v(qpos, qvel)
        assert s.t_s == pytest.approx(log["t"][k])
        np.testing.assert_allclose(s.joint_pos, q[7:])
        np.testing.assert_allclose(s.joint_vel, v[6:])
        np.testing.assert_allclose(s.q(), q, atol=1e-12)  # ground truth, Pinocchio convention
        np.testing.assert_allclose(s.v(), v, atol=1e-9)
        np.testing.assert_allclose(s.imu_quat_xyzw, q[3:7], atol=1e-12)  # IMU on the base
        np.testing.assert_allclose(s.imu_gyro, v[3:6], atol=1e-9)
    # standing quietly: the accelerometer reads +g up, the soles carry the weight
    mass = sim.model.body_subtreemass[sim.root_body]
    quiet = slice(150, 290)
    assert np.mean([s.imu_acc[2] for s in states[quiet]]) == pytest.approx(9.81, abs=0.2)
    assert log["contact_force"][quiet, :, 2].sum(axis=1).mean() == pytest.approx(
        mass * 9.81, rel=0.02
    )
    assert np.abs(states[200].foot_force[:, 2]).sum() > 0.5 * mass * 9.81


def test_noise_and_no_ground_truth():
    sc = load_scenario("stand", ["controller.ground_truth_base=false", "noise.joint_pos_rad=0.01"])
    sim = Simulation(sc, controller="test-recorder", duration_s=0.05)
    log = sim.run().log
    s = sim.controller.states[10]
    # no ground truth: the base the controller gets is the estimator's, logged beside the truth
    np.testing.assert_array_equal(s.base.position, log["est_base_pos"][10])
    np.testing.assert_array_equal(s.base.quat_xyzw, log["est_base_quat_xyzw"][10])
    assert 0 < np.linalg.norm(s.base.position - log["base_pos"][10]) < 0.01
    err = s.joint_pos - mujoco_to_pinocchio_q(log["qpos"][10])[7:]
    assert 0.001 < np.std(err) < 0.03


def test_push_delivers_the_impulse_and_delay_shifts_torques():
    sc = load_scenario(
        "push-stand",
        ["push.0.t_s=0.1", "push.0.jitter_t_s=0.0", "controller.actuation_delay_ticks=1"],
    )
    r = Simulation(sc, controller="pd", duration_s=0.3, seed=3).run()
    p = r.pushes[0]
    np.testing.assert_allclose(np.linalg.norm(p["impulse_Ns"]), 20.0, rtol=1e-9)
    dt = float(r.log["dt_s"])
    np.testing.assert_allclose(r.log["push_force"].sum(axis=0) * dt, p["impulse_Ns"], atol=1e-9)
    assert r.pushes[1]["impulse_Ns"] == [0.0, 0.0, 0.0]  # after the end of this short run
    lo, hi = -r.log["effort_limit"], r.log["effort_limit"]
    np.testing.assert_allclose(r.log["tau"][1:], np.clip(r.log["tau_cmd"][:-1], lo, hi))
    np.testing.assert_array_equal(r.log["tau"][0], 0.0)


def test_fall_ends_the_run():
    sc = load_scenario(
        "stand",
        ["controller.options={kp_scale = 0.02, kd_scale = 0.1, gravity_compensation = false}"],
    )
    r = Simulation(sc, controller="pd", duration_s=5.0).run()
    assert r.fell and not r.success and "no_fall" in r.failed_criteria
    assert r.fall_time_s < 5.0 and r.sim_time_s == pytest.approx(r.fall_time_s)
    assert len(r.log["t"]) == round(r.sim_time_s / float(r.log["dt_s"]))


def test_controller_registry():
    assert "pd" in list_controllers()
    with pytest.raises(UnknownNameError, match="unknown controller 'mpc9000'.*pd"):
        Simulation(load_scenario("stand"), controller="mpc9000")


REQUIRED = {
    "robot",
    "scenario",
    "seed",
    "success",
    "fell",
    "sim_time_s",
    "wall_time_s",
    "real_time_factor",
    "max_base_tilt_rad",
    "wbc",
    "max_push_Ns",
}


def test_run_command_writes_report(tmp_path):
    out = tmp_path / "run"
    r = cli(
        "run",
        "stand",
        "--robot",
        "h1",
        "--duration",
        "1",
        "--controller",
        "pd",
        "--out",
        str(out),
        "--seed",
        "4",
    )
    assert r.returncode == 0, r.stderr
    assert "real-time factor" in r.stdout and "RTF" in r.stderr
    m = json.loads((out / "metrics.json").read_text())
    assert REQUIRED <= set(m)
    assert set(m["wbc"]["tick_us"]) == {"p50", "p99", "max"} and m["wbc"]["failures"] == 0
    assert (
        m["robot"] == "h1"
        and m["scenario"] == "stand"
        and m["seed"] == 4
        and m["success"]
        and not m["fell"]
    )
    assert m["sim_time_s"] == pytest.approx(1.0) and m["real_time_factor"] > 0
    for png in ("com_orientation.png", "contact_forces.png", "torques.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with np.load(out / "log.npz") as log:
        assert log["qpos"].shape == (1000, 26) and log["contact_force"].shape == (1000, 2, 3)
        assert {"t", "qvel", "tau", "com", "base_pos", "base_rpy"} <= set(log.files)


def test_run_command_exit_codes(tmp_path):
    fail = cli(
        "run",
        "stand",
        "--duration",
        "0.2",
        "--controller",
        "pd",
        "--out",
        str(tmp_path / "f"),
        "--set",
        "success.base_height_min_m=2.0",
        "--quiet",
    )
    assert fail.returncode == 1, fail.stderr
    assert json.loads((tmp_path / "f" / "metrics.json").read_text())["failed_criteria"] == [
        "base_height_min_m"
    ]
    bad = cli("run", "stand", "--robot", "asimo", "--out", str(tmp_path / "b"))
    assert bad.returncode == 2 and "unknown robot 'asimo'" in bad.stderr
    (tmp_path / "bad.toml").write_text(
        "[scenario]\nrobot = 'h1'\nduration_s = 1.0\n[terrain]\nname = 'lava'\n"
    )
    bad = cli("run", str(tmp_path / "bad.toml"), "--out", str(tmp_path / "b"))
    assert (
        bad.returncode == 2
        and "terrain.name" in bad.stderr
        and "unknown terrain 'lava'" in bad.stderr
    )
    bad = cli("run", "stand", "--set", "scenario.duration_s=soon", "--out", str(tmp_path / "b"))
    assert bad.returncode == 2 and "scenario.duration_s" in bad.stderr


def test_video_without_renderer_names_the_fix(tmp_path):
    env = {"MUJOCO_GL": "glfw", "DISPLAY": ""}
    r = cli(
        "run",
        "stand",
        "--duration",
        "0.1",
        "--controller",
        "pd",
        "--video",
        "--out",
        str(tmp_path),
        env=env,
    )
    assert r.returncode == 2
    assert "MUJOCO_GL=egl" in r.stderr and "MUJOCO_GL=osmesa" in r.stderr


def _working_gl_backend() -> str | None:
    probe = (
        "import mujoco; r = mujoco.Renderer(mujoco.MjModel.from_xml_string('<mujoco/>'), 8, 8); "
        "r.close()"
    )
    for backend in ("egl", "osmesa"):
        env = {**os.environ, "MUJOCO_GL": backend}
        if (
            subprocess.run(
                [sys.executable, "-c", probe], env=env, capture_output=True, timeout=60
            ).returncode
            == 0
        ):
            return backend
    return None


def test_video(tmp_path):
    backend = _working_gl_backend()
    if backend is None:
        pytest.skip("neither EGL nor OSMesa rendering works here")
    r = cli(
        "run",
        "stand",
        "--duration",
        "0.2",
        "--controller",
        "pd",
        "--video",
        "--quiet",
        "--out",
        str(tmp_path),
        env={"MUJOCO_GL": backend},
    )
    assert r.returncode == 0, r.stderr
    import imageio_ffmpeg

    raw = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-i",
            str(tmp_path / "video.mp4"),
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, 480, 640, 3)
    assert len(frames) == 6  # t = 0, 1/30, ... < 0.2 s
    assert frames[-1].std() > 10  # not a blank image


def test_contact_force_matches_mujoco_contacts():
    """The logged contact forces (contact sensors) equal mj_contactForce summed per sole."""
    sim = Simulation(load_scenario("stand"), controller="pd", duration_s=0.05)
    out = sim.run().log["contact_force"][-1]  # after the last physics step (one per tick)
    m, d = sim.model, sim.data
    soles = [
        mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_GEOM, f"{s}_sole_box") for s in ("left", "right")
    ]
    total = np.zeros((2, 3))
    f6 = np.zeros(6)
    for i in range(d.ncon):
        c = d.contact[i]
        for side, g in enumerate(soles):
            if g in (c.geom1, c.geom2):
                mujoco.mj_contactForce(m, d, i, f6)
                sign = 1.0 if c.geom2 == g else -1.0  # force of geom1 on geom2
                total[side] += sign * c.frame.reshape(3, 3).T @ f6[:3]
    np.testing.assert_allclose(out, total, atol=1e-6)
