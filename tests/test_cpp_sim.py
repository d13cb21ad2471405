"""`cerebellum export` + the C++ closed loop `cerebellum_sim` against the Python harness.

The reference is sim/simulation.py driving the Python WholeBodyController (`wbc`) on the same
scenario, robot and seed: same MuJoCo model, same sensor noise, same pushes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import mujoco
import numpy as np
import pytest

from cerebellum import _core
from cerebellum._sim import binary
from cerebellum.commands.export import (
    _CONTACT_FIELDS,
    WBC_SETTINGS_FIELDS,
    export_scenario,
)
from cerebellum.dynamics.conventions import mujoco_to_pinocchio_q, mujoco_to_pinocchio_v
from cerebellum.errors import CerebellumError
from cerebellum.interfaces import BaseState, RobotState
from cerebellum.sim.metrics import distance_m, velocity_tracking_rmse
from cerebellum.sim.scenario import load_scenario
from cerebellum.sim.simulation import Simulation

EXE = binary()
needs_sim = pytest.mark.skipif(
    not EXE.is_file(), reason=f"cerebellum_sim is not installed next to _core ({EXE})"
)
NQ, NV, NU = 26, 25, 19  # H1


# The C++ closed loop's standing controller reads the ground-truth base.
GT = ["controller.ground_truth_base=true"]


def _python_run(scenario: str, duration_s: float, overrides=()):
    sim = Simulation(
        load_scenario(scenario, [*GT, *overrides]),
        robot="h1",
        controller="wbc",
        duration_s=duration_s,
    )
    return sim.run()


def _cpp_run(d: Path, *extra: str) -> tuple[subprocess.CompletedProcess, dict, np.ndarray]:
    out = d / "out"
    p = subprocess.run(
        [str(EXE), str(d), "--out", str(out), "--log", *extra],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode in (0, 1), p.stderr
    m = json.loads((out / "metrics.json").read_text())
    log = np.fromfile(out / "log.bin").reshape(-1, 1 + NQ + NV + NU)
    return p, m, log


# Every success criterion stated (all hold while standing), so that each is evaluated.
STAND_SETS = [
    *GT,
    "success.base_height_min_m=0.5",
    "success.end_velocity_tol_m_s=0.5",
    "success.min_distance_m=0.0",
    "success.max_velocity_rmse=0.5",
    "success.max_yaw_rate_rmse=0.5",
]


@pytest.fixture(scope="module")
def stand(tmp_path_factory):
    """stand / h1 / seed 0, 2 s: the exported folder, the C++ run and the Python run."""
    d = export_scenario(
        "stand",
        tmp_path_factory.mktemp("stand"),
        robot="h1",
        duration_s=2.0,
        controller="wbc",
        overrides=STAND_SETS,
    )
    if not EXE.is_file():
        return d, None, None, None
    p, m, log = _cpp_run(d)
    return d, m, log, _python_run("stand", 2.0, STAND_SETS)


def test_exported_settings_cover_every_field():
    s = _core.WholeBodyQPSettings()
    public = {k for k in dir(s) if not k.startswith("_")}
    assert public == set(WBC_SETTINGS_FIELDS) | {"contacts", "base_frame", "hand_frames"}
    c = _core.ContactDescription("x")
    assert {k for k in dir(c) if not k.startswith("_")} == set(_CONTACT_FIELDS) | {"frame"}


def test_exported_models_step_like_the_harness(stand):
    """model.mjb is the harness' model bit for bit; model.xml (to_xml) steps the same on flat
    ground; the noise file is the harness' stream."""
    d = stand[0]
    sim = Simulation(load_scenario("stand", GT), robot="h1", controller="pd", duration_s=2.0)
    models = [
        sim.model,
        mujoco.MjModel.from_binary_path(str(d / "model.mjb")),
        mujoco.MjModel.from_xml_path(str(d / "model.xml")),
    ]
    rng = np.random.default_rng(3)
    ctrl = rng.uniform(-0.3, 0.3, (300, NU)) * sim.effort_limit
    finals = []
    for m in models:
        data = mujoco.MjData(m)
        data.qpos[:] = sim.initial_qpos()
        for k in range(300):
            data.ctrl[:] = ctrl[k]
            data.xfrc_applied[1, :3] = [0.0, 50.0, 0.0] if 100 <= k < 150 else 0.0
            mujoco.mj_step(m, data)
        finals.append(np.concatenate([data.qpos, data.qvel, data.sensordata]))
    assert np.abs(finals[0]).max() > 0
    np.testing.assert_array_equal(finals[1], finals[0])
    np.testing.assert_allclose(finals[2], finals[0], rtol=0, atol=1e-9)
    text = (d / "scenario.txt").read_text()
    assert "ticks 2000\n" in text and "noise_rows 2001\n" in text
    noise = np.fromfile(d / "noise.bin").reshape(2001, -1)
    sim_noise = np.random.default_rng(sim._noise_seq).standard_normal((1024, noise.shape[1]))
    np.testing.assert_array_equal(noise[:1024], sim_noise * sim.sensors.noise_std)


@needs_sim
def test_stand_matches_python(stand):
    _, m, log, py = stand
    assert m["success"] and py.success and not m["fell"]
    assert m["robot"] == "h1" and m["scenario"] == "stand" and m["controller"] == "wbc"
    assert m["sim_time_s"] == pytest.approx(py.sim_time_s)
    assert len(log) == len(py.log["qpos"]) == 2000
    # Same torques to rounding at the first ticks (same model, noise, QP; the CoM reference
    # comes from Robot instead of pinocchio.centerOfMass).
    np.testing.assert_allclose(log[:20, 1 + NQ + NV :], py.log["tau"][:20], rtol=0, atol=1e-6)
    # The C++-loaded model.mjb steps as the harness' model: one step from the same state with
    # torques equal to ~1e-8 lands on the same state to 1e-12.
    np.testing.assert_array_equal(log[0, 1 : 1 + NQ], py.log["qpos"][0])
    np.testing.assert_allclose(log[1, 1 : 1 + NQ], py.log["qpos"][1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(log[:, 1 : 1 + NQ], py.log["qpos"], rtol=0, atol=1e-6)
    final_py = py.log["base_pos"][-1]
    assert np.linalg.norm(np.array(m["final_base_position_m"]) - final_py) < 2e-3
    assert m["max_base_tilt_rad"] == pytest.approx(float(py.log["tilt"].max()), abs=1e-6)
    assert m["min_base_height_m"] == pytest.approx(float(py.log["base_height"].min()), abs=1e-6)
    assert m["wbc"]["failures"] == 0
    rmse = velocity_tracking_rmse(py.log)
    assert rmse is not None and m["velocity_tracking_rmse"] is not None
    for key, value in rmse.items():
        assert m["velocity_tracking_rmse"][key] == pytest.approx(value, rel=1e-6, abs=1e-9), key
    assert m["distance_m"] == pytest.approx(distance_m(py.log), abs=1e-6)


@needs_sim
def test_stairs_terrain_and_failed_criteria_match_python(tmp_path):
    """Terrain height by ray casting (stairs-up: boxes), and a failed criterion (min_distance_m:
    the standing controller does not walk) reported alike."""
    d = export_scenario(
        "stairs-up", tmp_path / "x", robot="h1", duration_s=0.5, controller="wbc", overrides=GT
    )
    assert "terrain_height ray\n" in (d / "scenario.txt").read_text()
    p, m, log = _cpp_run(d)
    py = _python_run("stairs-up", 0.5)
    assert p.returncode == 1 and not m["fell"]
    assert m["failed_criteria"] == py.failed_criteria == ["min_distance_m"]
    assert m["min_base_height_m"] == pytest.approx(float(py.log["base_height"].min()), abs=1e-9)
    np.testing.assert_allclose(log[:, 1 : 1 + NQ], py.log["qpos"], rtol=0, atol=1e-6)
    assert (
        0 < m["wbc"]["tick_us"]["p50"] <= m["wbc"]["tick_us"]["p99"] <= m["wbc"]["tick_us"]["max"]
    )


@needs_sim
@pytest.mark.parametrize(("impulse", "falls"), [(25.0, True), (10.0, False)])
def test_push_stand_matches_python(tmp_path, impulse, falls):
    """push-stand's first push (lateral; jittered in time and angle by the seed) with the `wbc`
    controller: 25 N·s makes H1 fall without a step, 10 N·s does not, in both loops."""
    sets = [*GT, f"push.0.impulse_Ns=[0.0,{impulse},0.0]"]
    d = export_scenario(
        "push-stand", tmp_path / "x", robot="h1", duration_s=3.0, controller="wbc", overrides=sets
    )
    _, m, log = _cpp_run(d)
    py = _python_run("push-stand", 3.0, sets)
    assert m["fell"] == py.fell == falls
    assert m["success"] == py.success == (not falls)
    p_cpp, p_py = m["pushes"][0], py.pushes[0]
    assert p_cpp["t_s"] == p_py["t_s"] and 1.8 < p_cpp["t_s"] < 2.2
    np.testing.assert_allclose(p_cpp["force_N"], p_py["force_N"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(p_cpp["impulse_Ns"], p_py["impulse_Ns"], rtol=0, atol=1e-9)
    assert np.linalg.norm(p_cpp["impulse_Ns"]) == pytest.approx(impulse, rel=1e-3)
    # Through the push and 0.1 s after it the two loops agree closely; a fall then diverges.
    k = int(round((p_py["t_s"] + 0.2) / 1e-3))
    np.testing.assert_allclose(log[:k, 1 : 1 + NQ], py.log["qpos"][:k], rtol=0, atol=1e-5)
    if falls:
        assert m["fall_time_s"] == pytest.approx(py.fall_time_s, abs=0.1)
    else:
        final_py = py.log["base_pos"][-1]
        assert np.linalg.norm(np.array(m["final_base_position_m"]) - final_py) < 3e-3


def _states(qpos: np.ndarray, qvel: np.ndarray) -> list[RobotState]:
    out = []
    for qp, qv in zip(qpos, qvel, strict=True):
        q, v = mujoco_to_pinocchio_q(qp), mujoco_to_pinocchio_v(qp, qv)
        base = BaseState(
            position=q[:3], quat_xyzw=q[3:7], linear_velocity=v[:3], angular_velocity=v[3:6]
        )
        z3 = np.zeros(3)
        t = 1e-3 * len(out)  # one control period a state: the safety layer's clock
        out.append(
            RobotState(t, q[7:], v[6:], q[3:7], z3, z3, np.zeros((2, 3)), np.zeros((2, 3)), base)
        )
    return out


def _bare_qp_torques(states: list[RobotState]) -> np.ndarray:
    """The reference: the bare WholeBodyQP with the standing references set from Python and
    Pinocchio (CoM held where it starts, base upright at its yaw, joints at the standing
    posture), no safety layer."""
    import pinocchio as pin

    from cerebellum.controllers.wbc import make_wbc
    from cerebellum.dynamics.model import RobotModel, standing_configuration
    from cerebellum.robots import load_robot

    rm = RobotModel(load_robot("h1"))
    q_stand = standing_configuration(rm)
    qp = make_wbc(rm, q0=q_stand)
    q = states[0].q()
    data = rm.model.createData()
    qp.set_com_reference(pin.centerOfMass(rm.model, data, q))
    R = pin.Quaternion(q[3:7]).matrix()
    qp.set_base_reference(pin.rpy.rpyToMatrix(0.0, 0.0, np.arctan2(R[1, 0], R[0, 0])))
    qp.set_posture_reference(q_stand[7:])
    both = np.array([True, True])
    return np.array([qp.tick(s.q(), s.v(), both) for s in states])


@needs_sim
def test_replayed_states_give_python_torques(stand, tmp_path):
    """The C++ StandingController (settings read from controller.txt by cerebellum_sim, and the
    one the `wbc` controller runs) against the bare whole-body QP with references set from
    Python, ticked through the same states: recorded states of a Python run, then the same with
    random joint and base velocity perturbations. The safety layer changes nothing on them."""
    d, _, _, py = stand
    rng = np.random.default_rng(7)
    qpos = py.log["qpos"][::10]
    qvel = py.log["qvel"][::10].copy()
    perturbed = qvel + rng.normal(0.0, 0.3, qvel.shape)
    for name, vel in (("recorded", qvel), ("perturbed", perturbed)):
        states = _states(qpos, vel)
        ctrl = Simulation(
            load_scenario("stand", GT), robot="h1", controller="wbc", duration_s=2.0
        ).controller
        ctrl.reset(states[0])
        tau_py = np.array([ctrl.compute(s, None) for s in states])
        tau_ref = _bare_qp_torques(states)
        np.testing.assert_allclose(tau_py, tau_ref, rtol=1e-7, atol=1e-6, err_msg=name)
        events = {k: e["count"] for k, e in ctrl.stats()["safety"]["events"].items() if e["count"]}
        # Random velocities every tick swing the torques from limit to limit (2 x the limit in
        # one tick, the rate limit's bound): counted, changed by the QP's tolerance only.
        allowed = set() if name == "recorded" else {"torque_rate_limited"}
        assert set(events) <= allowed, (name, events)
        rows = np.array([np.concatenate([s.q(), s.v()]) for s in states])
        f = tmp_path / f"{name}.bin"
        rows.astype("<f8").tofile(f)
        out = tmp_path / name
        p = subprocess.run(
            [str(EXE), str(d), "--replay", str(f), "--out", str(out)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert p.returncode == 0, p.stderr
        tau_cpp = np.fromfile(out / "replay_tau.bin").reshape(len(states), NU)
        assert np.abs(tau_py).max() > 10.0
        np.testing.assert_allclose(tau_cpp, tau_py, rtol=1e-7, atol=1e-6, err_msg=name)


@needs_sim
def test_bad_folder_exits_2(stand, tmp_path):
    def run(*args):
        return subprocess.run(
            [str(EXE), *map(str, args)], capture_output=True, text=True, timeout=60
        )

    p = run(tmp_path / "missing")
    assert p.returncode == 2 and "is not a folder" in p.stderr
    p = run(tmp_path)
    assert p.returncode == 2 and "controller.txt" in p.stderr
    p = run(stand[0], "--frobnicate")
    assert p.returncode == 2 and "unknown option '--frobnicate'" in p.stderr
    bad = tmp_path / "bad"
    shutil.copytree(stand[0], bad, ignore=shutil.ignore_patterns("out", "model.mjb", "noise.bin"))
    text = (bad / "controller.txt").read_text()
    (bad / "controller.txt").write_text(text.replace("wbc.kp_com", "wbc.kp_comm"))
    p = run(bad)
    assert p.returncode == 2 and "key 'wbc.kp_com': missing" in p.stderr
    (bad / "controller.txt").write_text(text)
    p = run(bad)
    assert p.returncode == 2 and "model.mjb: missing" in p.stderr
    (bad / "model.mjb").write_bytes((stand[0] / "model.mjb").read_bytes()[:1000])
    p = run(bad)
    assert p.returncode == 2 and "model.mjb: MuJoCo could not load it" in p.stderr
    scen = (bad / "scenario.txt").read_text()
    (bad / "scenario.txt").write_text(scen.replace("model model.mjb", "model model.xml"))
    p = run(bad)
    assert p.returncode == 2 and "noise.bin: cannot be read" in p.stderr
    (bad / "model.xml").write_text("<mujoco><worldbody><geom size='1'/></mujoco>")
    p = run(bad)
    assert p.returncode == 2 and "model.xml" in p.stderr


def test_export_bad_input(tmp_path):
    with pytest.raises(CerebellumError, match="unknown controller with a C\\+\\+ port 'pd'"):
        export_scenario("stand", tmp_path, robot="h1", controller="pd", overrides=GT)
    with pytest.raises(CerebellumError, match="ground_truth_base"):
        export_scenario("stand", tmp_path, overrides=["controller.ground_truth_base=false"])
    p = subprocess.run(
        [sys.executable, "-m", "cerebellum", "export", "stand", "--robot", "nobot", "--out", "x"]
        + ["--set", GT[0]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 2 and "cerebellum export: error: unknown robot 'nobot'" in p.stderr


@needs_sim
@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_cerebellum_sim_under_valgrind(tmp_path):
    d = export_scenario(
        "push-stand",
        tmp_path / "x",
        robot="h1",
        duration_s=0.2,
        controller="wbc",
        overrides=[*GT, "push.0.t_s=0.05", "push.0.jitter_t_s=0.0"],
    )
    p = subprocess.run(
        ["valgrind", "--tool=memcheck", "--error-exitcode=1", "--quiet", str(EXE), str(d)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr[-3000:]
    m = json.loads((d / "out" / "metrics.json").read_text())
    assert m["sim_time_s"] == pytest.approx(0.2) and m["max_push_Ns"] > 0


@needs_sim
def test_rt_check_standing_controller_no_allocation():
    from cerebellum.robots import load_robot

    exe = EXE.parent / "cerebellum_rt_check"
    if not exe.exists():
        pytest.skip(f"cerebellum_rt_check is not installed next to _core ({exe})")
    cfg = load_robot("h1")
    frames = [cfg.feet["left"].body, cfg.feet["right"].body, cfg.base_frame]
    out = subprocess.run(
        [str(exe), str(cfg.model_path()), *frames, "--calls", "1000"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert json.loads(out.stdout)["standing_controller_tick"] == {"calls": 1000, "allocations": 0}


def test_launcher_reports_a_libmujoco_mismatch(tmp_path):
    from cerebellum._sim import _mujoco_mismatch

    exe = tmp_path / "cerebellum_sim"
    exe.write_text("")
    assert _mujoco_mismatch(exe) is None  # no marker: nothing to compare
    (tmp_path / "cerebellum_sim.mujoco").write_text("libmujoco.so.0.0.1\n")
    problem = _mujoco_mismatch(exe)
    assert problem is not None and "built against libmujoco.so.0.0.1" in problem
    lib = sorted((Path(mujoco.__file__).parent).glob("libmujoco.so*"))[0].name
    (tmp_path / "cerebellum_sim.mujoco").write_text(lib + "\n")
    assert _mujoco_mismatch(exe) is None
