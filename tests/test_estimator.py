"""cerebellum._core.BaseEstimator against Pinocchio's Python bindings and MuJoCo's simulation."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pinocchio as pin
import pytest

from cerebellum import _core, load_robot
from cerebellum.controllers.estimator import estimator_settings, make_estimator
from cerebellum.errors import ConfigError
from cerebellum.sim.scenario import load_scenario
from cerebellum.sim.simulation import Simulation

ROBOTS = ["h1", "apollo", "talos"]
NOISE = (
    "joint_pos_rad",
    "joint_vel_rad_s",
    "gyro_rad_s",
    "acc_m_s2",
    "orientation_rad",
    "foot_force_N",
    "foot_torque_Nm",
)
NOISELESS = [f"noise.{k}=0.0" for k in NOISE]
G = np.array([0.0, 0.0, -9.81])


def _rot(q_xyzw: np.ndarray) -> np.ndarray:
    return pin.Quaternion(np.asarray(q_xyzw, float)).normalized().matrix()


def _random_joints(model: pin.Model, rng: np.random.Generator) -> np.ndarray:
    lo, hi = model.lowerPositionLimit[7:], model.upperPositionLimit[7:]
    lo = np.where(np.isfinite(lo), lo, -1.0)
    hi = np.where(np.isfinite(hi), hi, 1.0)
    return rng.uniform(lo, hi)


def _random_pose(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    q = rng.normal(size=4)
    return rng.normal(size=3), q / np.linalg.norm(q)


# ---------------------------------------------------------------------------------------------
# kinematics against Pinocchio


@pytest.mark.parametrize("name", ROBOTS)
@pytest.mark.parametrize("imu", ["base_imu", "model"])
def test_kinematics_match_pinocchio(name, imu):
    """Soles in the IMU frame, their joint-rate velocity, and the base pose reported through the
    IMU frame (also for an IMU on another link: H1's torso, Apollo's, Talos's imu_link)."""
    cfg = load_robot(name)
    path = cfg.model_path()
    model = pin.buildModelFromMJCF(str(path))
    data = model.createData()
    imu_frame = "base_imu" if imu == "base_imu" else ("imu_link" if name == "talos" else "imu")
    est = make_estimator(cfg, path, {"imu_frame": imu_frame})
    fi = model.getFrameId(imu_frame)
    soles = [model.getFrameId(f) for f in cfg.foot_frames]
    rng = np.random.default_rng(3)

    def in_imu(q: np.ndarray) -> np.ndarray:  # (2, 3)
        pin.framesForwardKinematics(model, data, q)
        oMi = data.oMf[fi]
        return np.array([oMi.actInv(data.oMf[s]).translation for s in soles])

    for _ in range(20):
        p, quat = _random_pose(rng)
        qj = _random_joints(model, rng)
        vj = rng.normal(size=model.nv - 6)
        q = np.concatenate([p, quat, qj])
        est.reset(p, quat, np.zeros(3), qj)
        # base pose round trip through the IMU frame; IMU placement as Pinocchio puts it
        np.testing.assert_allclose(est.position, p, atol=1e-12)
        np.testing.assert_allclose(est.rotation, _rot(quat), atol=1e-12)
        pin.framesForwardKinematics(model, data, q)
        np.testing.assert_allclose(est.imu_position, data.oMf[fi].translation, atol=1e-12)
        np.testing.assert_allclose(est.imu_rotation, data.oMf[fi].rotation, atol=1e-12)
        np.testing.assert_allclose([est.foot_in_imu(i) for i in range(2)], in_imu(q), atol=1e-12)
        # the joint-rate velocity of the soles in the IMU frame, against central differences
        est.update(np.zeros(3), -G, qj, vj, np.zeros((2, 3)), np.zeros((2, 3)), 1e-3)
        h = 1e-6
        qp = pin.integrate(model, q, h * np.concatenate([np.zeros(6), vj]))
        qm = pin.integrate(model, q, -h * np.concatenate([np.zeros(6), vj]))
        fd = (in_imu(qp) - in_imu(qm)) / (2 * h)
        np.testing.assert_allclose([est.foot_rate_in_imu(i) for i in range(2)], fd, atol=1e-6)


# ---------------------------------------------------------------------------------------------
# IMU model against MuJoCo


def _record(scenario: str, sets: list[str], controller: str | None = None) -> dict:
    """Sensor readings, MuJoCo's true base state and the true state of the IMU site (world
    position, rotation, world linear velocity, angular velocity in the site frame) at every tick
    of a closed-loop run."""
    import mujoco

    sim = Simulation(load_scenario(scenario, sets), controller=controller)
    keys = ("gyro", "acc", "qj", "vj", "p", "q", "v", "w", "imu_R", "imu_v", "imu_w")
    rec: dict[str, list] = {k: [] for k in keys}
    read = sim.sensors.read
    m, scratch = sim.model, mujoco.MjData(sim.model)
    site = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_SITE, sim.cfg.imu_site)
    vel_world, vel_local = np.zeros(6), np.zeros(6)

    def hook(t, k):
        st = read(t, k)
        d = sim.data
        scratch.qpos[:], scratch.qvel[:] = d.qpos, d.qvel  # the IMU site at the current state
        mujoco.mj_forward(m, scratch)
        mujoco.mj_objectVelocity(m, scratch, mujoco.mjtObj.mjOBJ_SITE, site, vel_world, 0)
        mujoco.mj_objectVelocity(m, scratch, mujoco.mjtObj.mjOBJ_SITE, site, vel_local, 1)
        rec["imu_R"].append(scratch.site_xmat[site].reshape(3, 3).copy())
        rec["imu_v"].append(vel_world[3:].copy())
        rec["imu_w"].append(vel_local[:3].copy())
        for k, x in (
            ("gyro", st.imu_gyro),
            ("acc", st.imu_acc),
            ("qj", st.joint_pos),
            ("vj", st.joint_vel),
            ("p", d.qpos[:3]),
            ("q", d.qpos[[4, 5, 6, 3]]),
            ("v", d.qvel[:3]),  # world frame
            ("w", d.qvel[3:6]),  # base frame
        ):
            rec[k].append(np.array(x, dtype=float))
        return st

    sim.sensors.read = hook
    res = sim.run()
    out = {k: np.array(v)[1:] for k, v in rec.items()}  # row 0: the controller's reset read
    out["dt"] = sim.dt_ctrl
    out["result"] = res
    return out


@pytest.fixture(scope="module")
def walk_record():
    """2.5 s of H1 walk-flat (walking from 1 s), noiseless sensors, ground truth in the loop."""
    return _record("walk-flat", ["scenario.duration_s=2.5", *NOISELESS])


def test_imu_readings_are_the_integrator_of_mujoco(walk_record):
    """The discretisation the filter assumes, on the IMU site's true motion:
    v+ = v + (R a + g) dt with the accelerometer of the previous interval, R+ = R Exp(w dt) with
    the current gyro. The accelerometer reads MuJoCo's explicit qacc; implicitfast integrates
    with the joint damping taken implicitly, which leaves ~1e-3 m/s^2 between the two."""
    r, dt = walk_record, walk_record["dt"]
    R, v = r["imu_R"], r["imu_v"]
    dv = (v[1:] - v[:-1]) / dt
    assert np.abs(dv).max() > 5.0  # the start and the walk accelerate the base
    err = np.einsum("kij,kj->ki", R[:-1], r["acc"][1:]) + G - dv
    late = np.einsum("kij,kj->ki", R[1:-1], r["acc"][2:]) + G - dv[:-1]  # one sample off
    assert np.sqrt(np.mean(err**2)) < 2e-3
    assert np.abs(err).max() < 2e-2
    assert np.sqrt(np.mean(late**2)) > 20 * np.sqrt(np.mean(err**2))
    np.testing.assert_allclose(r["gyro"], r["imu_w"], atol=1e-9)

    # R+ = R Exp(w+ dt) with the next gyro sample: exact for the root body (the default IMU
    # site); on another link (robot.imu_frame, e.g. H1's torso) the base's and the joint's steps
    # compose, which leaves ~1e-7 rad against steps of up to 3e-3 rad; the previous sample (one
    # off) is ~100 times further
    def step_error(shift):
        e = [
            pin.log3(R[k + 1].T @ R[k] @ pin.exp3(r["gyro"][k + 1 - shift] * dt))
            for k in range(len(R) - 1)
        ]
        return np.sqrt(np.mean(np.square(e)))

    assert step_error(0) < 5e-7
    assert step_error(1) > 30 * step_error(0)


def test_imu_dead_reckoning_follows_mujoco(walk_record):
    """Without contacts or orientation (no corrections), the propagation from the true start
    follows MuJoCo's base trajectory over the whole 2.5 s walk."""
    r, dt = walk_record, walk_record["dt"]
    est = make_estimator(load_robot("h1"), None, {"use_orientation": False})
    est.reset(r["p"][0], r["q"][0], r["v"][0], r["qj"][0])
    zero = np.zeros((2, 3))
    for k in range(1, len(r["p"])):
        status = est.update(r["gyro"][k], r["acc"][k], r["qj"][k], r["vj"][k], zero, zero, dt)
        assert status == 0
        assert est.contact == (False, False)
    # (the velocity and position drift by the accelerometer/integrator gap above: ~mm/s)
    np.testing.assert_allclose(est.linear_velocity_world, r["v"][-1], atol=5e-3)
    np.testing.assert_allclose(est.position, r["p"][-1], atol=5e-3)
    np.testing.assert_allclose(est.rotation, _rot(r["q"][-1]), atol=1e-8)
    np.testing.assert_allclose(est.angular_velocity, r["w"][-1], atol=1e-9)


# ---------------------------------------------------------------------------------------------
# closed loop


def test_closed_loop_walk_tracks_mujoco():
    """H1 walks 4 s of walk-flat on the estimator's base (noiseless sensors); the estimate
    follows MuJoCo's true base velocity and tilt."""
    from cerebellum.sim import metrics

    sim = Simulation(
        load_scenario(
            "walk-flat",
            ["scenario.duration_s=4.0", "controller.ground_truth_base=false", *NOISELESS],
        )
    )
    res = sim.run()
    assert not res.fell
    assert metrics.distance_m(res.log) > 1.5
    m = metrics.estimator_metrics(res.log)
    assert m is not None
    assert m["velocity_rmse_mps"] < 0.01
    assert m["max_velocity_error_mps"] < 0.04
    assert m["tilt_rmse_rad"] < 1e-3
    assert m["drift_m"] < 0.02
    assert m["contact_errors"] < 0.05 * 2 * m["ticks"]
    # the controller saw the estimate, and the truth was logged beside it
    assert not np.array_equal(res.log["est_base_pos"], res.log["base_pos"])
    assert np.isfinite(res.log["est_base_vel_world"]).all()
    assert (res.log["est_status"] == 0).all()


@pytest.mark.parametrize(
    ("robot", "scenario"), [("h1", "walk-flat"), ("apollo", "fault-imu-dropout")]
)
def test_estimator_inside_the_cpp_tick_gives_the_harness_loop(robot, scenario):
    """The C++ walking controller runs the estimator inside its tick (attach_estimator: sensors
    -> estimate -> torques); the harness updating the same estimator before each tick and
    handing the controller its estimate gives the same torques and estimates, bit for bit."""
    sc = load_scenario(scenario, ["scenario.duration_s=3.0"])
    inside = Simulation(sc, robot=robot, seed=1)
    outside = Simulation(sc, robot=robot, seed=1, estimator_in_controller=False)
    assert inside.controller.ctl.estimator is inside.estimator
    assert outside.controller.ctl.estimator is None
    a, b = inside.run().log, outside.run().log
    assert a["tau_cmd"].shape == b["tau_cmd"].shape and len(a["tau_cmd"]) == 3000
    for key in ("tau_cmd", "est_base_pos", "est_base_vel_world", "est_contact", "qpos"):
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_attached_estimator_of_another_robot_is_refused():
    h1 = Simulation(load_scenario("walk-flat", ["scenario.duration_s=0.1"]), robot="h1")
    talos = make_estimator(load_robot("talos"))
    with pytest.raises(ValueError, match="joints"):
        h1.controller.attach_estimator(talos)


def test_ground_truth_run_has_no_estimator_block():
    from cerebellum.sim import metrics

    sc = load_scenario("stand", ["scenario.duration_s=0.05", "controller.ground_truth_base=true"])
    sim = Simulation(sc, controller="pd")
    assert sim.estimator is None
    assert metrics.estimator_metrics(sim.run().log) is None


# ---------------------------------------------------------------------------------------------
# contacts, slip, bad input


def _standing(name: str = "h1", **over):
    cfg = load_robot(name)
    est = make_estimator(cfg, None, over)
    model = pin.buildModelFromMJCF(str(cfg.model_path()))
    from cerebellum.dynamics.model import RobotModel, standing_configuration

    q = standing_configuration(RobotModel(cfg))
    est.reset(q[:3], q[3:7], np.zeros(3), q[7:])
    return cfg, est, model, q


def test_contact_hysteresis_and_schedule():
    cfg, est, _, q = _standing()
    s = est.settings
    qj, vj, z = q[7:], np.zeros(len(q) - 7), np.zeros((2, 3))
    up = -G @ np.eye(3)  # at rest, base upright: specific force +g along z

    def step(fl, fr, plan=None):
        f = np.array([[0, 0, fl], [0, 0, fr]], float)
        est.update(np.zeros(3), up, qj, vj, f, z, 1e-3, None, plan)
        return est.contact

    on, off, sw = s.force_on_N, s.force_off_N, s.force_swing_N
    assert off < on < sw
    assert step(0.5 * on, 0.0) == (False, False)
    assert step(1.01 * on, 0.0) == (True, False)  # enters above force_on_N
    assert step(0.5 * (on + off), 0.0) == (True, False)  # stays between the thresholds
    assert step(0.99 * off, 0.0) == (False, False)  # leaves below force_off_N
    assert step(1.01 * on, 1.01 * on, (0, 1)) == (False, True)  # a planned swing needs more
    assert step(1.01 * sw, 1.01 * on, (0, 1)) == (True, True)
    assert step(math.nan, 0.0, (1, 0)) == (True, False)  # no force reading: the plan decides


def test_slipping_stance_foot_loses_weight():
    """Robot at rest per the IMU; the left leg's joints move its sole forward at 0.4 m/s while the
    F/T says it is loaded. Without slip handling the leg odometry drags the base velocity
    estimate; with it, the estimate stays near zero."""
    results = {}
    for scale in (1.0, 100.0):
        cfg, est, model, q = _standing(slip_noise_scale=scale)
        data = model.createData()
        fid = model.getFrameId(cfg.foot_frames[0])
        pin.computeJointJacobians(model, data, q)
        pin.updateFramePlacements(model, data)
        J = pin.getFrameJacobian(model, data, fid, pin.LOCAL_WORLD_ALIGNED)[:3, 6:]
        vj = np.linalg.pinv(J) @ (_rot(q[3:7]).T @ np.array([0.4, 0.0, 0.0]))
        f = np.array([[0, 0, 250.0], [0, 0, 250.0]])
        acc = _rot(q[3:7]).T @ -G
        for k in range(250):  # within slip_max_s
            qj = q[7:] + (k + 1) * 1e-3 * vj
            est.update(np.zeros(3), acc, qj, vj, f, np.zeros((2, 3)), 1e-3, q[3:7])
        results[scale] = (np.linalg.norm(est.linear_velocity_world), est.slipping)
    v_plain, _ = results[1.0]
    v_slip, flags = results[100.0]
    assert flags == (True, False)
    assert v_slip < 0.01 < 0.1 < v_plain, (v_slip, v_plain)  # the right sole holds it at ~0.15


def test_bad_input_gives_status_not_nan():
    cfg, est, _, q = _standing()
    qj, vj, z = q[7:], np.zeros(len(q) - 7), np.zeros((2, 3))
    f = np.array([[0, 0, 250.0], [0, 0, 250.0]])
    acc = _rot(q[3:7]).T @ -G
    assert est.update(np.zeros(3), acc, qj, vj, f, z, 1e-3, q[3:7]) == 0
    before = (est.position.copy(), est.linear_velocity.copy(), est.covariance.copy())
    for dt in (0.0, -1e-3, math.nan, math.inf):
        assert est.update(np.zeros(3), acc, qj, vj, f, z, dt) == 1  # nothing done
    np.testing.assert_array_equal(est.position, before[0])
    np.testing.assert_array_equal(est.linear_velocity, before[1])
    np.testing.assert_array_equal(est.covariance, before[2])
    nan3 = np.full(3, math.nan)
    for _ in range(50):  # a 50 ms IMU dropout: the last sample is held
        assert est.update(nan3, nan3, qj, vj, f, z, 1e-3, q[3:7]) == 2
    assert est.update(np.zeros(3), acc, np.full_like(qj, math.nan), vj, f, z, 1e-3) == 4
    assert est.update(np.zeros(3), acc, qj, vj, f, z, 1e-3, np.full(4, math.nan)) == 0
    assert np.isfinite(est.covariance).all()
    for x in (est.position, est.quat_xyzw, est.linear_velocity, est.angular_velocity):
        assert np.isfinite(x).all()
    assert np.linalg.norm(est.linear_velocity) < 1e-3
    fresh = make_estimator(cfg)
    assert fresh.update(np.zeros(3), acc, qj, vj, f, z, 1e-3) == 8  # not reset
    with pytest.raises(ValueError, match="joint_pos"):
        est.update(np.zeros(3), acc, qj[:-1], vj, f, z, 1e-3)
    with pytest.raises(ValueError, match="non-finite"):
        est.reset(np.full(3, math.nan), q[3:7], np.zeros(3), qj)


@pytest.mark.parametrize(
    ("field", "value"),
    [("force_off_N", 1e4), ("contact_noise", 0.0), ("slip_noise_scale", 0.5), ("cop_limit_m", -1)],
)
def test_invalid_settings_name_the_field(field, value):
    cfg = load_robot("h1")
    with pytest.raises(ConfigError, match=field.split("_N")[0]):
        estimator_settings(cfg, {field: value})
    s = _core.BaseEstimatorSettings()
    setattr(s, field, value)
    with pytest.raises(ValueError, match=field.split("_N")[0]):
        _core.BaseEstimator(str(cfg.model_path()), s)


def test_unknown_setting_and_frame():
    cfg = load_robot("h1")
    with pytest.raises(ConfigError, match="valid"):
        estimator_settings(cfg, {"gyro_nosie": 1.0})
    s = _core.BaseEstimatorSettings()
    s.imu_frame = "no_such_imu"
    with pytest.raises(ValueError, match="no_such_imu"):
        _core.BaseEstimator(str(cfg.model_path()), s)


def test_scenario_estimator_table_reaches_the_filter():
    sc = load_scenario(
        "stand",
        ["controller.ground_truth_base=false", "controller.estimator.slip_speed_mps=0.3"],
    )
    sim = Simulation(sc, controller="pd")
    assert sim.estimator is not None
    assert sim.estimator.settings.slip_speed_mps == 0.3


# ---------------------------------------------------------------------------------------------
# real time


def _rt_check_binary() -> Path:
    return Path(_core.__file__).parent / "bin" / "cerebellum_rt_check"


@pytest.mark.parametrize("name", ROBOTS)
def test_rt_check_estimator_update_no_allocation(name):
    exe = _rt_check_binary()
    if not exe.exists():
        pytest.skip(f"cerebellum_rt_check is not installed next to _core ({exe})")
    out = subprocess.run(
        [str(exe), str(load_robot(name).model_path()), "--calls", "1000"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    # contacts switch every 50 calls; NaN IMU, non-finite joints and dt = 0 calls included; the
    # second with the terrain-aided contact heights on a flat map
    r = json.loads(out.stdout)
    assert r["estimator_update"] == {"calls": 1000, "allocations": 0}
    assert r["estimator_update_terrain"] == {"calls": 1000, "allocations": 0}


# ---------------------------------------------------------------------------------------------
# sensors in the harness


def _imu_stream(sets: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(delivered gyro, true angular velocity of the IMU site in its frame, t) per tick of a
    short PD stand."""
    import mujoco

    sim = Simulation(
        load_scenario("push-stand", ["scenario.duration_s=0.4", *sets]), controller="pd"
    )
    got, true, ts = [], [], []
    read = sim.sensors.read
    m, scratch = sim.model, mujoco.MjData(sim.model)
    site = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_SITE, sim.cfg.imu_site)
    vel = np.zeros(6)

    def hook(t, k):
        st = read(t, k)
        got.append(st.imu_gyro.copy())
        scratch.qpos[:], scratch.qvel[:] = sim.data.qpos, sim.data.qvel
        mujoco.mj_forward(m, scratch)
        mujoco.mj_objectVelocity(m, scratch, mujoco.mjtObj.mjOBJ_SITE, site, vel, 1)
        true.append(vel[:3].copy())
        ts.append(t)
        return st

    sim.sensors.read = hook
    sim.run()
    return np.array(got)[1:], np.array(true)[1:], np.array(ts)[1:]


def test_imu_latency_rate_and_dropout():
    got, true, _ = _imu_stream([*NOISELESS, "noise.imu_latency_s=0.003"])
    assert np.abs(true).max() > 1e-3
    np.testing.assert_allclose(got[3:], true[:-3], atol=1e-12)  # 3 ticks old
    got, true, _ = _imu_stream([*NOISELESS, "noise.imu_rate_hz=250.0"])
    for k in range(0, len(got) - 4, 4):  # a fresh sample every 4th tick, held in between
        np.testing.assert_allclose(got[k : k + 4], np.tile(true[k], (4, 1)), atol=1e-12)
    got, _, t = _imu_stream(
        [*NOISELESS, "noise.imu_dropout_t_s=0.1", "noise.imu_dropout_duration_s=0.05"]
    )
    out = (t >= 0.1 - 1e-9) & (t < 0.15 - 1e-9)
    assert out.sum() == 50
    assert np.isnan(got[out]).all() and np.isfinite(got[~out]).all()


def test_imu_bias_constant_and_walk():
    got, true, _ = _imu_stream([*NOISELESS, "noise.gyro_bias_rad_s=0.01"])
    bias = got - true
    assert np.abs(bias).max() > 1e-3
    np.testing.assert_allclose(bias, np.tile(bias[0], (len(bias), 1)), atol=1e-12)
    got, true, _ = _imu_stream([*NOISELESS, "noise.gyro_bias_walk_rad_s2=0.01"])
    step = np.diff(got - true, axis=0)  # increments: N(0, 0.01 sqrt(dt))
    assert np.std(step) == pytest.approx(0.01 * math.sqrt(1e-3), rel=0.1)


def test_walk_survives_imu_faults():
    """H1 keeps walking on the estimator through a 50 ms IMU dropout, a gyro and an
    accelerometer bias (scenario noise otherwise)."""
    from cerebellum.sim import metrics

    sets = [
        "scenario.duration_s=4.0",
        "controller.ground_truth_base=false",
        "noise.imu_dropout_t_s=2.5",
        "noise.imu_dropout_duration_s=0.05",
        "noise.gyro_bias_rad_s=0.005",
        "noise.acc_bias_m_s2=0.05",
    ]
    res = Simulation(load_scenario("walk-flat", sets)).run()
    assert not res.fell
    assert metrics.distance_m(res.log) > 1.5
    held = (res.log["est_status"] & 2) != 0
    assert held.sum() == 50
    m = metrics.estimator_metrics(res.log)
    assert m["velocity_rmse_mps"] < 0.03 and m["tilt_rmse_rad"] < 0.01


def test_robot_file_estimator_table_then_scenario_overrides(tmp_path):
    src = load_robot("h1").config_path
    text = src.read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(text + "\n[estimator]\ncontact_nosie = 0.005\n")
    with pytest.raises(ConfigError, match=r"estimator\.contact_nosie.*valid"):
        estimator_settings(load_robot(str(bad)))
    good = tmp_path / "good.toml"
    good.write_text(text + "\n[estimator]\ncontact_noise = 0.005\ngyro_bias_walk = 3e-4\n")
    cfg = load_robot(str(good))
    s = estimator_settings(cfg)
    assert (s.contact_noise, s.gyro_bias_walk) == (0.005, 3e-4)
    s = estimator_settings(cfg, {"contact_noise": 0.01})  # the scenario's table wins
    assert (s.contact_noise, s.gyro_bias_walk) == (0.01, 3e-4)
    assert (
        estimator_settings(load_robot("h1")).contact_noise
        == _core.BaseEstimatorSettings().contact_noise
    )


def test_robot_imu_frame_mounts_the_simulated_imu_there(tmp_path):
    """robot.imu_frame = "imu" (H1's torso site): the built model's robot_imu site sits on the
    torso link where the MJCF's imu site is, the IMU sensors read it (the gyro is that site's
    angular velocity in MuJoCo, not the pelvis'), the estimator estimates that frame; an unknown
    name names the field."""
    import mujoco

    text = load_robot("h1").config_path.read_text()
    path = tmp_path / "h1-torso-imu.toml"
    path.write_text(
        text.replace('base_frame = "pelvis"', 'base_frame = "pelvis"\nimu_frame = "imu"')
    )
    cfg = load_robot(str(path))
    assert cfg.imu_site == "robot_imu"
    assert estimator_settings(cfg).imu_frame == "robot_imu"
    m = mujoco.MjModel.from_xml_path(str(cfg.model_path()))
    site, ref = (mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_SITE, n) for n in ("robot_imu", "imu"))
    assert m.body(m.site_bodyid[site]).name == "torso_link"
    np.testing.assert_array_equal(m.site_pos[site], m.site_pos[ref])
    sim = Simulation(
        load_scenario("push-stand", ["scenario.duration_s=0.3", *NOISELESS]),
        robot=str(path),
        controller="pd",
    )
    scratch, vel, err = mujoco.MjData(sim.model), np.zeros(6), []
    read = sim.sensors.read

    def hook(t, k):
        st = read(t, k)
        scratch.qpos[:], scratch.qvel[:] = sim.data.qpos, sim.data.qvel
        mujoco.mj_forward(sim.model, scratch)
        mujoco.mj_objectVelocity(sim.model, scratch, mujoco.mjtObj.mjOBJ_SITE, site, vel, 1)
        err.append(
            (np.abs(st.imu_gyro - vel[:3]).max(), np.abs(st.imu_gyro - sim.data.qvel[3:6]).max())
        )
        return st

    sim.sensors.read = hook
    sim.run()
    e = np.array(err[1:])
    assert e[:, 0].max() < 1e-9 < e[:, 1].max()  # the torso's rate, not the pelvis'
    bad = tmp_path / "bad.toml"
    bad.write_text(
        text.replace('base_frame = "pelvis"', 'base_frame = "pelvis"\nimu_frame = "nope"')
    )
    with pytest.raises(ConfigError, match=r"robot\.imu_frame.*nope"):
        load_robot(str(bad)).model_path()


# ---------------------------------------------------------------------------------------------
# terrain map


def test_contact_heights_follow_the_terrain_map_within_the_gate():
    """Standing H1 at rest: with a map 2 cm above the soles (inside terrain_gate_m) the contact
    points and the base rise towards it; with a map 20 cm off (beyond the gate) the map is ignored
    and the estimate is the one without a map, to the last bit."""
    runs = {}
    for name, level in (("none", None), ("near", 0.02), ("far", 0.2)):
        cfg, est, model, q = _standing(terrain_noise_m=0.005)
        if level is not None:
            est.set_terrain(_core.FlatTerrain(level))
        f = np.array([[0, 0, 250.0], [0, 0, 250.0]])
        acc = _rot(q[3:7]).T @ -G
        for _ in range(500):
            est.update(
                np.zeros(3), acc, q[7:], np.zeros(len(q) - 7), f, np.zeros((2, 3)), 1e-3, q[3:7]
            )
        runs[name] = (np.array(est.foot_position)[:, 2], np.array(est.position), est.on_terrain)
    feet0, base0, on0 = runs["none"]
    assert on0 == (False, False)
    feet, base, on = runs["near"]
    assert on == (True, True)
    # the map measures the contact heights (5 mm std) against leg kinematics (2 mm): they meet
    # between, and the base moves with them
    assert (feet - feet0 > 0.005).all() and (feet - feet0 < 0.02).all()
    assert base[2] - base0[2] > 0.005
    feet, base, on = runs["far"]
    assert on == (False, False)
    np.testing.assert_array_equal(feet, feet0)
    np.testing.assert_array_equal(base, base0)


def test_terrain_map_removes_the_height_drift_on_stairs():
    """H1 walking down 15 cm steps on the estimator (seed 2, 5.5 s), where leg odometry alone
    lets the base height drift by 3 cm: with the stairs' map (the scenario's setting, heights
    with 5 mm noise) the error stays within about that noise and does not build up (its mean over
    the last half second is a tenth of the drift's)."""
    peak, late = {}, {}
    for noise in (0.0, 0.005):
        sim = Simulation(
            load_scenario(
                "stairs-down-15",
                [
                    "scenario.duration_s=5.5",
                    "controller.ground_truth_base=false",
                    f"controller.estimator.terrain_noise_m={noise}",
                ],
            ),
            robot="h1",
            seed=2,
        )
        log = sim.run().log
        err = np.abs(log["est_base_pos"][:, 2] - log["base_pos"][:, 2])
        peak[noise], late[noise] = float(err.max()), float(err[-500:].mean())
    assert peak[0.0] > 0.02 and late[0.0] > 0.01, (peak, late)
    assert peak[0.005] < 0.006 and late[0.005] < 0.1 * late[0.0], (peak, late)
