"""Motor models of the robot file ([actuators]): the first-order response against a fine
integration of its ODE, the torque-speed line, what MuJoCo applies, and errors naming the field."""

from __future__ import annotations

import math
from pathlib import Path

import mujoco
import numpy as np
import pytest

from cerebellum import load_robot
from cerebellum.errors import ConfigError
from cerebellum.robots import ActuatorModel
from cerebellum.sim.actuators import MotorModel
from cerebellum.sim.scenario import load_scenario
from cerebellum.sim.simulation import Simulation

MODELS = Path(__file__).parents[1] / "models"


def _robot(tmp_path: Path, table: str) -> Path:
    p = tmp_path / "h1_motors.toml"
    p.write_text((MODELS / "h1.toml").read_text() + "\n[actuators]\n" + table)
    return p


def test_first_order_response_matches_the_ode():
    """A 20 Hz lag under a piecewise-constant command: the exact update against 100 RK4 steps
    per tick of tau' = 2 pi f (u - tau)."""
    dt, f = 1e-3, 20.0
    motors = MotorModel([ActuatorModel(bandwidth_hz=f)] * 2, np.array([100.0, 100.0]), dt)
    rng = np.random.default_rng(0)
    u = np.repeat(rng.uniform(-50, 50, (6, 2)), 10, axis=0)  # (60, 2) steps held 10 ticks
    ref = np.zeros(2)
    for k in range(len(u)):
        got = motors.apply(u[k], np.zeros(2))
        h, lam = dt / 100, 2 * math.pi * f
        for _ in range(100):  # RK4 on tau' = lam (u - tau)
            k1 = lam * (u[k] - ref)
            k2 = lam * (u[k] - ref - 0.5 * h * k1)
            k3 = lam * (u[k] - ref - 0.5 * h * k2)
            k4 = lam * (u[k] - ref - h * k3)
            ref = ref + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        np.testing.assert_allclose(got, ref, atol=1e-9)


def test_torque_speed_line():
    motors = MotorModel([ActuatorModel(no_load_speed_rad_s=10.0)] * 4, np.full(4, 100.0), 1e-3)
    w = np.array([5.0, 5.0, -8.0, 12.0])
    tau = motors.apply(np.array([90.0, -90.0, -90.0, 30.0]), w)
    # driving at half the no-load speed: 50 N·m; braking (tau w < 0): the full 100 (90 asked);
    # at -8 rad/s driving: 20; beyond the no-load speed: nothing
    np.testing.assert_allclose(tau, [50.0, -90.0, -20.0, 0.0])


def test_robot_file_motors_reach_mujoco(tmp_path):
    robot = _robot(
        tmp_path, '"*" = { bandwidth_hz = 30.0 }\n"*knee*" = { no_load_speed_rad_s = 15.0 }\n'
    )
    cfg = load_robot(robot)
    models = cfg.actuator_models(["left_hip_pitch", "left_knee"])
    assert models[0] == ActuatorModel(bandwidth_hz=30.0)
    assert models[1] == ActuatorModel(no_load_speed_rad_s=15.0)  # last match wins
    sc = load_scenario("stand", ["scenario.duration_s=0.3"])
    sim = Simulation(sc, robot=str(robot), controller="pd")
    forces = []
    step = mujoco.mj_step2

    def record(m, d):
        step(m, d)
        forces.append(d.actuator_force.copy())

    mujoco.mj_step2 = record
    try:
        log = sim.run().log
    finally:
        mujoco.mj_step2 = step
    names = log["joint_names"].tolist()
    hip = names.index("left_hip_pitch")
    a = 1.0 - math.exp(-2 * math.pi * 30.0 * 1e-3)
    y, want = 0.0, []
    for u in log["tau_cmd"][:, hip]:
        y += a * (u - y)
        want.append(y)
    np.testing.assert_allclose(log["tau"][:, hip], want, atol=1e-9)
    assert np.abs(log["tau"][:, hip] - log["tau_cmd"][:, hip]).max() > 1.0  # it lags
    np.testing.assert_allclose(np.array(forces)[: len(log["t"])], log["tau"], atol=1e-9)
    off = Simulation(
        load_scenario("stand", ["scenario.duration_s=0.05", "physics.actuator_model=false"]),
        robot=str(robot),
        controller="pd",
    ).run()
    lim = off.log["effort_limit"]
    np.testing.assert_allclose(off.log["tau"], np.clip(off.log["tau_cmd"], -lim, lim))


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ('"*" = { bandwidth_hz = 0.0 }\n', "actuators.*.bandwidth_hz"),
        ('"*" = { no_load_speed_rad_s = nan }\n', "actuators.*.no_load_speed_rad_s"),
        ('"*" = { gear = 2.0 }\n', "actuators.*.gear"),
        ('"*" = 3.0\n', "actuators.*"),
    ],
)
def test_bad_actuator_tables_name_the_field(tmp_path, table, field):
    with pytest.raises(ConfigError) as e:
        load_robot(_robot(tmp_path, table))
    assert e.value.field == field, str(e.value)
