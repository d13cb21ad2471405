"""The [[fault]] timeline: parsing errors, what each fault does to the readings, torques and
command the controller gets (against MuJoCo's own sensors and actuator forces), the metrics
record, the low-friction patch (against Coulomb friction), and walking through faults on the
base estimator."""

from __future__ import annotations

import copy
import sys

import mujoco
import numpy as np
import pytest

from cerebellum import load_robot
from cerebellum.errors import ConfigError
from cerebellum.sim import metrics
from cerebellum.sim.faults import limb_joints
from cerebellum.sim.report import metrics as run_metrics
from cerebellum.sim.scenario import FAULT_KINDS, load_scenario, parse_scenario, scenario_paths
from cerebellum.sim.simulation import Simulation
from cerebellum.sim.terrain import make_terrain

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

NOISE = (
    "joint_pos_rad",
    "joint_vel_rad_s",
    "gyro_rad_s",
    "acc_m_s2",
    "orientation_rad",
    "foot_force_N",
    "foot_torque_Nm",
)


def _doc(name: str = "push-stand", duration_s: float = 0.4) -> dict:
    doc = tomllib.loads(scenario_paths()[name].read_text())
    doc["scenario"]["duration_s"] = duration_s
    doc["noise"] = {k: 0.0 for k in NOISE}
    doc.pop("push", None)
    return doc


def _scenario(faults: list[dict], name: str = "push-stand", duration_s: float = 0.4, **over):
    doc = _doc(name, duration_s)
    doc["fault"] = copy.deepcopy(faults)
    for key, value in over.items():
        section, field = key.split("__")
        doc.setdefault(section, {})[field] = value
    return parse_scenario(doc, f"<{name} with faults>")


# ---------------------------------------------------------------------------------------------
# parsing


@pytest.mark.parametrize(
    ("fault", "field", "words"),
    [
        ({"kind": "gremlin", "t_s": 0.1, "duration_s": 0.1}, "fault[0].kind", "imu_bias"),
        ({"kind": "imu_bias", "duration_s": 0.1, "target": "gyro", "magnitude": [0, 0, 1]},
         "fault[0].t_s", "missing"),
        ({"kind": "imu_bias", "t_s": 0.1, "duration_s": 0.1, "target": "mag",
          "magnitude": [0, 0, 1]}, "fault[0].target", "gyro, acc"),
        ({"kind": "imu_bias", "t_s": 0.1, "duration_s": 0.1, "target": "gyro",
          "magnitude": [0, 1]}, "fault[0].magnitude", "3 finite numbers"),
        ({"kind": "sensor_dropout", "t_s": 0.1, "duration_s": 0.1, "target": "lidar"},
         "fault[0].target", "imu, encoders, foot_ft"),
        ({"kind": "sensor_dropout", "t_s": 0.1, "duration_s": 0.1, "target": "imu",
          "mode": "zero"}, "fault[0].mode", "hold"),
        ({"kind": "sensor_dropout", "t_s": 0.1, "duration_s": 0.1, "target": "imu",
          "magnitude": 1.0}, "fault[0].magnitude", "not a field"),
        ({"kind": "actuator", "t_s": 0.1, "duration_s": 0.1, "target": "legs", "magnitude": 1.5},
         "fault[0].magnitude", "<= 1.0"),
        ({"kind": "actuator", "t_s": 0.1, "duration_s": 0.0, "target": "legs", "magnitude": 0.5},
         "fault[0].duration_s", "> 0.0"),
        ({"kind": "actuator", "t_s": 0.1, "duration_s": 1e-4, "target": "legs", "magnitude": 0.5},
         "fault[0].duration_s", "one control period"),
        ({"kind": "command_latency", "t_s": 0.1, "duration_s": 1.0, "magnitude": float("nan")},
         "fault[0].magnitude", "finite"),
        ({"kind": "command_latency", "t_s": 0.1, "duration_s": 1.0, "magnitude": 0.2,
          "target": "imu"}, "fault[0].target", "not a field"),
        ({"kind": "encoder_noise", "t_s": 0.1, "duration_s": 1.0, "target": "legs",
          "magnitude": [-0.1, 0.0]}, "fault[0].magnitude", "two stds"),
        ({"kind": "imu_spike", "t_s": 0.1, "target": "gyro", "magnitude": [1, 0, 0],
          "when": 2}, "fault[0].when", "valid keys"),
    ],
)  # fmt: skip
def test_bad_faults_name_the_field(fault, field, words):
    with pytest.raises(ConfigError) as e:
        _scenario([fault])
    assert e.value.field == field and words in str(e.value), str(e.value)


def test_fault_table_must_be_an_array():
    doc = _doc()
    doc["fault"] = {"kind": "imu_bias"}
    with pytest.raises(ConfigError, match=r"\[\[fault\]\]"):
        parse_scenario(doc, "x.toml")


def test_every_kind_documented_and_the_spike_lasts_one_tick_by_default():
    sc = _scenario([{"kind": "imu_spike", "t_s": 0.1, "target": "acc", "magnitude": [0, 0, 5]}])
    assert sc.faults[0].duration_s == pytest.approx(1e-3)
    from pathlib import Path

    doc = (Path(__file__).parents[1] / "docs" / "scenarios.md").read_text()
    for kind in FAULT_KINDS:
        assert f"`{kind}`" in doc, kind


def test_joint_targets_resolve_on_every_robot():
    for name in ("h1", "apollo", "talos"):
        cfg = load_robot(name)
        m = mujoco.MjModel.from_xml_path(str(cfg.model_path()))
        names = [m.joint(m.actuator_trnid[k][0]).name for k in range(m.nu)]
        limbs = limb_joints(m, cfg)
        knee = names[limbs["left_leg"][3]]
        elbow = names[limbs["left_arm"][3]]
        assert "knee" in knee or knee == "leg_left_4_joint", (name, knee)
        assert "elbow" in elbow or elbow == "arm_left_4_joint", (name, elbow)
        # the feet hang off the legs: every leg joint is an ancestor of the foot body
        assert not set(limbs["left_leg"]) & set(limbs["left_arm"])
        assert not set(limbs["left_arm"]) & set(limbs["right_arm"])


def test_unknown_joint_target_is_a_config_error():
    sc = _scenario(
        [{"kind": "actuator", "t_s": 0.1, "duration_s": 0.1, "target": "tail*", "magnitude": 0}]
    )
    with pytest.raises(ConfigError) as e:
        Simulation(sc, controller="pd")
    assert e.value.field == "fault[0].target" and "left_knee" in str(e.value)
    sc = _scenario(
        [{"kind": "actuator", "t_s": 0.1, "duration_s": 0.1, "target": "left_leg[9]",
          "magnitude": 0}]
    )  # fmt: skip
    with pytest.raises(ConfigError, match="left_leg has 5 joints"):
        Simulation(sc, controller="pd")


# ---------------------------------------------------------------------------------------------
# the sensor path against MuJoCo's own sensors


def _stream(faults: list[dict], **kw):
    """Per tick of a noiseless PD stand: (delivered state, MuJoCo's readings), the result."""
    sim = Simulation(_scenario(faults, **kw), controller="pd")
    m, d = sim.model, sim.data
    got, true = [], []
    read = sim.sensors.read

    def hook(t, k):
        st = read(t, k)
        got.append(copy.deepcopy(st))
        true.append(
            {
                "gyro": d.sensor("imu_gyro").data.copy(),
                "acc": d.sensor("imu_acc").data.copy(),
                "q": d.qpos[sim._qadr].copy(),
                "v": d.qvel[sim._vadr].copy(),
                "f": np.concatenate([d.sensor(f"{s}_foot_force").data for s in ("left", "right")]),
            }
        )
        return st

    sim.sensors.read = hook
    res = sim.run()
    assert m.nu == len(got[0].joint_pos)
    return got[1:], true[1:], res  # the first read is the reset's


def test_imu_bias_step_and_spike_add_exactly_their_magnitude():
    got, true, res = _stream(
        [
            {"kind": "imu_bias", "t_s": 0.1, "duration_s": 0.1, "target": "gyro",
             "magnitude": [0.02, -0.01, 0.03]},
            {"kind": "imu_spike", "t_s": 0.25, "duration_s": 0.003, "target": "acc",
             "magnitude": [0.0, 4.0, 0.0]},
        ]
    )  # fmt: skip
    t = np.array([s.t_s for s in got])
    dg = np.array([s.imu_gyro for s in got]) - np.array([x["gyro"] for x in true])
    da = np.array([s.imu_acc for s in got]) - np.array([x["acc"] for x in true])
    bias = (t >= 0.1 - 1e-9) & (t < 0.2 - 1e-9)
    spike = (t >= 0.25 - 1e-9) & (t < 0.253 - 1e-9)
    assert bias.sum() == 100 and spike.sum() == 3
    np.testing.assert_allclose(dg[bias], np.tile([0.02, -0.01, 0.03], (100, 1)), atol=1e-12)
    np.testing.assert_allclose(dg[~bias], 0.0, atol=1e-12)
    np.testing.assert_allclose(da[spike], np.tile([0.0, 4.0, 0.0], (3, 1)), atol=1e-12)
    np.testing.assert_allclose(da[~spike], 0.0, atol=1e-12)
    np.testing.assert_array_equal(res.log["fault_active"][:, 0], bias)


def test_dropouts_hold_or_blank_the_sensor():
    got, true, _ = _stream(
        [
            {"kind": "sensor_dropout", "t_s": 0.1, "duration_s": 0.05, "target": "imu"},
            {"kind": "sensor_dropout", "t_s": 0.2, "duration_s": 0.02, "target": "foot_ft",
             "mode": "nan"},
            {"kind": "sensor_dropout", "t_s": 0.3, "duration_s": 0.01,
             "target": "right_foot_ft", "mode": "nan"},
        ]
    )  # fmt: skip
    t = np.array([s.t_s for s in got])
    gyro = np.array([s.imu_gyro for s in got])
    quat = np.array([s.imu_quat_xyzw for s in got])
    force = np.array([s.foot_force for s in got])  # (n, 2, 3)
    hold = (t >= 0.1 - 1e-9) & (t < 0.15 - 1e-9)
    k0 = int(np.argmax(hold))
    np.testing.assert_array_equal(gyro[hold], np.tile(gyro[k0 - 1], (50, 1)))
    np.testing.assert_array_equal(quat[hold], np.tile(quat[k0 - 1], (50, 1)))
    assert np.abs(np.diff(np.array([x["gyro"] for x in true])[hold], axis=0)).max() > 0
    np.testing.assert_allclose(gyro[~hold], np.array([x["gyro"] for x in true])[~hold], atol=0)
    blank = (t >= 0.2 - 1e-9) & (t < 0.22 - 1e-9)
    assert np.isnan(force[blank]).all()
    right = (t >= 0.3 - 1e-9) & (t < 0.31 - 1e-9)
    assert np.isnan(force[right, 1]).all() and np.isfinite(force[right, 0]).all()
    ok = ~(blank | right)
    assert np.isfinite(force[ok]).all()
    np.testing.assert_allclose(
        force[ok].reshape(-1, 6), np.array([x["f"] for x in true])[ok], atol=1e-9
    )


def test_stuck_and_noisy_encoders():
    got, true, res = _stream(
        [
            {"kind": "encoder_stuck", "t_s": 0.1, "duration_s": 0.05, "target": "left_leg[3]"},
            {"kind": "encoder_noise", "t_s": 0.2, "duration_s": 0.2, "target": "right_leg[2]",
             "magnitude": [0.01, 0.3]},
        ]
    )  # fmt: skip
    names = res.log["joint_names"].tolist()
    knee, hip = names.index("left_knee"), names.index("right_hip_pitch")
    t = np.array([s.t_s for s in got])
    q = np.array([s.joint_pos for s in got])
    v = np.array([s.joint_vel for s in got])
    q_true = np.array([x["q"] for x in true])
    v_true = np.array([x["v"] for x in true])
    stuck = (t >= 0.1 - 1e-9) & (t < 0.15 - 1e-9)
    k0 = int(np.argmax(stuck))
    np.testing.assert_array_equal(q[stuck, knee], q[k0 - 1, knee])
    np.testing.assert_array_equal(v[stuck, knee], 0.0)
    assert np.ptp(q_true[stuck, knee]) > 1e-5  # the joint itself moved
    noisy = t >= 0.2 - 1e-9
    e_q, e_v = q[noisy, hip] - q_true[noisy, hip], v[noisy, hip] - v_true[noisy, hip]
    assert np.std(e_q) == pytest.approx(0.01, rel=0.2) and np.std(e_v) == pytest.approx(
        0.3, rel=0.2
    )
    others = np.ones(len(names), bool)
    others[[knee, hip]] = False
    np.testing.assert_allclose(q[:, others], q_true[:, others], atol=0)


def test_weak_and_dead_actuators_reach_mujoco():
    sc = _scenario(
        [
            {"kind": "actuator", "t_s": 0.1, "duration_s": 0.2, "target": "legs",
             "magnitude": 0.5},
            {"kind": "actuator", "t_s": 0.2, "duration_s": 0.2, "target": "left_leg[3]",
             "magnitude": 0.0},
        ]
    )  # fmt: skip
    sim = Simulation(sc, controller="pd")
    forces = []
    step = mujoco.mj_step2

    def record(m, d):  # MuJoCo's actuator force of each tick's first physics step
        step(m, d)
        forces.append(d.actuator_force.copy())

    mujoco.mj_step2 = record
    try:
        res = sim.run()
    finally:
        mujoco.mj_step2 = step
    log = res.log
    names = log["joint_names"].tolist()
    legs = np.array([any(s in n for s in ("hip", "knee", "ankle")) for n in names])
    knee = names.index("left_knee")
    t, tau_cmd, tau = log["t"], log["tau_cmd"], log["tau"]
    lim = log["effort_limit"]
    want = np.clip(tau_cmd, -lim, lim)
    scale = np.ones_like(want)
    scale[(t >= 0.1 - 1e-9) & (t < 0.3 - 1e-9)] *= np.where(legs, 0.5, 1.0)
    dead = (t >= 0.2 - 1e-9) & (t < 0.4 - 1e-9)
    scale[dead, knee] = 0.0
    np.testing.assert_allclose(tau, scale * want, atol=1e-12)
    np.testing.assert_allclose(np.array(forces)[: len(t)], tau, atol=1e-9)
    assert np.abs(tau_cmd[dead, knee]).min() > 1.0  # the controller still asked for torque


def test_command_latency_delays_what_the_controller_gets():
    doc = _doc(duration_s=0.4)
    doc["command"] = [{"t_s": 0.0}, {"t_s": 0.1, "vx": 0.3}, {"t_s": 0.3}]
    doc["fault"] = [{"kind": "command_latency", "t_s": 0.05, "duration_s": 0.2, "magnitude": 0.1}]
    sc = parse_scenario(doc, "<latency>")
    sim = Simulation(sc, controller="pd")
    seen = []
    compute = sim.controller.compute

    def hook(state, command):
        seen.append((state.t_s, command.vx))
        return compute(state, command)

    sim.controller.compute = hook
    sim.run()
    t, vx = np.array(seen).T
    late = (t >= 0.05 - 1e-9) & (t < 0.25 - 1e-9)
    expect = np.array(
        [sc.command_at(max(x - 0.1, 0.0) if f else x).vx for x, f in zip(t, late, strict=True)]
    )
    np.testing.assert_array_equal(vx, expect)
    assert vx[(t > 0.15) & (t < 0.2)].max() == 0.0 and vx[(t > 0.21) & (t < 0.25)].min() == 0.3


def test_metrics_record_what_was_injected_and_when():
    sc = _scenario(
        [
            {"kind": "imu_bias", "t_s": 0.1, "duration_s": 0.1, "target": "acc",
             "magnitude": [0.1, 0, 0]},
            {"kind": "actuator", "t_s": 0.3, "duration_s": 1.0, "target": "arms",
             "magnitude": 0.0},
            {"kind": "sensor_dropout", "t_s": 5.0, "duration_s": 0.1, "target": "encoders"},
        ]
    )  # fmt: skip
    res = Simulation(sc, controller="pd").run()
    m = run_metrics(res)
    bias, arms, late = m["faults"]
    assert bias["kind"] == "imu_bias" and bias["magnitude"] == [0.1, 0.0, 0.0]
    assert (bias["from_s"], bias["to_s"], bias["ticks"], bias["injected"]) == (0.1, 0.2, 100, True)
    assert (arms["from_s"], arms["to_s"], arms["ticks"]) == (0.3, 0.4, 100)  # the run ends at 0.4
    assert "left_elbow" in arms["joints"] and "left_knee" not in arms["joints"]
    assert late["injected"] is False and late["from_s"] is None and late["ticks"] == 0
    import json

    json.dumps(m, allow_nan=False)


# ---------------------------------------------------------------------------------------------
# the low-friction patch against Coulomb friction


def _slide(add_ground, x0: float) -> float:
    """Deceleration (m/s^2) over 0.1 s of a 10 kg flat box launched at 2 m/s along +x."""
    spec = mujoco.MjSpec()
    spec.option.timestep = 1e-3
    add_ground(spec)
    body = spec.worldbody.add_body(pos=[x0, 0.0, 0.02])
    body.add_freejoint()
    body.add_geom(type=mujoco.mjtGeom.mjGEOM_BOX, size=[0.1, 0.1, 0.02], mass=10.0)
    m = spec.compile()
    d = mujoco.MjData(m)
    for _ in range(200):  # settle
        mujoco.mj_step(m, d)
    d.qvel[0] = 2.0
    mujoco.mj_step(m, d)
    v0 = d.qvel[0]
    for _ in range(100):
        mujoco.mj_step(m, d)
    return (v0 - d.qvel[0]) / 0.1


@pytest.mark.parametrize(("x0", "mu"), [(0.0, 0.3), (-2.0, 1.0)])
def test_a_block_slides_on_the_patch_as_on_a_plane_of_its_friction(x0, mu):
    """On the patch (x0 = 0) a sliding box decelerates as on a MuJoCo plane of friction 0.3, off
    it as on one of 1.0 (MuJoCo's soft contacts give 0.29 g and 0.87 g, not quite mu g)."""
    terrain = make_terrain("flat", patch_m=[-1.0, 1.0, -1.0, 1.0], patch_friction=0.3)
    assert terrain.height(0.5, 0.5) == 0.0 and terrain.query_data() == ("flat", {"level_m": 0.0})

    def plane(spec):
        spec.worldbody.add_geom(
            type=mujoco.mjtGeom.mjGEOM_PLANE,
            size=[5, 5, 0.1],
            friction=[mu, 0.005, 0.0001],
            priority=1,
        )

    got, ref = _slide(terrain.add_to, x0), _slide(plane, x0)
    assert got == pytest.approx(ref, rel=0.02) and ref == pytest.approx(mu * 9.81, rel=0.15)


def test_bad_patches_are_refused():
    from cerebellum.sim.terrain import TerrainError

    for bad in ([1.0, 0.5, -1.0, 1.0], [0.0, 1.0, 0.0, 99.0]):
        with pytest.raises(TerrainError, match="patch_m"):
            make_terrain("flat", patch_m=bad)
    with pytest.raises(TerrainError, match="patch_friction"):
        make_terrain("flat", patch_m=[0.0, 1.0, 0.0, 1.0], patch_friction=0.0)


# ---------------------------------------------------------------------------------------------
# walking through faults on the base estimator (the built-in fault scenarios, shortened)


def _walk(name: str, sets: list[str]):
    sc = load_scenario(name, sets)
    assert not sc.controller.ground_truth_base
    res = Simulation(sc).run()
    assert "est_base_pos" in res.log
    return res


def test_walks_through_a_gyro_bias_step():
    res = _walk("fault-imu-bias", ["scenario.duration_s=4.5"])  # the gyro step from 2.5 s
    gyro = res.faults[0]
    assert gyro["target"] == "gyro" and gyro["ticks"] == 2000
    assert not res.fell and metrics.distance_m(res.log) > 1.5
    # the filter learns the step: the z component (unobservable to the tilt) moves towards 0.02
    est = res.log["est_gyro_bias"]
    assert est[-1, 2] > 0.3 * 0.02 and abs(est[int(2.4 / 1e-3), 2]) < 0.002
    e = metrics.estimator_metrics(res.log)  # seed 0: 0.034 m/s, 0.0013 rad
    assert e["velocity_rmse_mps"] < 0.06 and e["tilt_rmse_rad"] < 0.01


def test_walks_through_an_accelerometer_bias_step():
    res = _walk(
        "fault-imu-bias", ["scenario.duration_s=6.0", "fault.0.magnitude=[0.0, 0.0, 0.0]"]
    )  # the accelerometer step at 4 s
    assert res.faults[1]["target"] == "acc" and res.faults[1]["ticks"] == 2000
    assert not res.fell and metrics.distance_m(res.log) > 2.0
    # the estimate of the velocity suffers (see docs/scenarios.md) but it stays bounded
    e = metrics.estimator_metrics(res.log)
    assert e["max_velocity_error_mps"] < 0.6 and e["tilt_rmse_rad"] < 0.01


def test_walks_through_a_50ms_imu_dropout():
    res = _walk("fault-imu-dropout", ["scenario.duration_s=4.0"])  # the 50 ms one at 3 s
    held = (res.log["est_status"] & 2) != 0  # BaseEstimator::kImuHeld
    assert held.sum() == 50 and res.faults[0]["ticks"] == 50
    assert not res.fell and metrics.distance_m(res.log) > 1.2
    e = metrics.estimator_metrics(res.log)
    assert e["velocity_rmse_mps"] < 0.05 and e["tilt_rmse_rad"] < 0.01


def test_walks_over_a_low_friction_patch_and_the_estimator_sees_the_slip():
    res = _walk("fault-slip", ["scenario.duration_s=6.5"])
    log = res.log
    assert not res.fell and log["base_pos"][-1, 0] > 2.5  # across the patch (x 1..2.5 m)
    sim_model = Simulation(load_scenario("fault-slip", ["scenario.duration_s=0.01"]))
    m, d = sim_model.model, sim_model.data
    sole = [mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_SITE, f"{s}_sole") for s in ("left", "right")]
    pos = np.zeros((len(log["t"]), 2, 3))
    for k, q in enumerate(log["qpos"]):
        d.qpos[:] = q
        mujoco.mj_kinematics(m, d)
        pos[k] = d.site_xpos[sole]
    speed = np.linalg.norm(np.gradient(pos[:, :, :2], 1e-3, axis=0), axis=2)  # (n, 2) m/s
    loaded = log["contact_force"][:, :, 2] > 0.3 * 9.81 * 51.0
    on = (pos[:, :, 0] > 1.0) & (pos[:, :, 0] < 2.5)
    sliding = loaded & on & (speed > 0.15)
    assert sliding.sum() > 200  # MuJoCo: loaded soles slide on the patch
    assert (loaded & ~on & (speed > 0.15)).sum() < 0.5 * sliding.sum()
    flagged = log["est_slipping"]
    # the estimator flags (and down-weights) most of those ticks
    assert (flagged & sliding).sum() > 0.5 * sliding.sum()
    e = metrics.estimator_metrics(log)
    assert e["velocity_rmse_mps"] < 0.03


def test_export_refuses_what_the_cpp_loop_cannot_do(tmp_path):
    from cerebellum.commands.export import export_scenario

    with pytest.raises(ConfigError) as e:
        export_scenario(
            "fault-encoder", tmp_path / "x", overrides=["controller.ground_truth_base=true"]
        )
    assert e.value.field == "fault"
