"""`cerebellum export --controller walk` + `cerebellum_sim`: the C++ walking controller in the C++
closed loop on MuJoCo's C API, against the Python harness (sim/simulation.py) driving the same
controller on the same scenario, robot and seed (same model, sensor noise and pushes)."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest
from tick_taps import rt_check_walking

from cerebellum._sim import binary
from cerebellum.commands.export import export_scenario
from cerebellum.sim.scenario import load_scenario
from cerebellum.sim.simulation import Simulation

EXE = binary()
pytestmark = pytest.mark.skipif(
    not EXE.is_file(), reason=f"cerebellum_sim is not installed next to _core ({EXE})"
)


def _cpp(d, *extra, timeout=300):
    p = subprocess.run(
        [str(EXE), str(d), "--out", str(d / "out"), *extra],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert p.returncode in (0, 1), p.stderr
    return p, json.loads((d / "out" / "metrics.json").read_text())


# both loops on the simulator's base state (else on the base estimator's, as most scenarios)
TRUTH = "controller.ground_truth_base=true"


def _python(scenario, duration_s, overrides=(TRUTH,)):
    """The Python harness's run of H1 in ``scenario`` (seed 0)."""
    sc = load_scenario(scenario, list(overrides))
    sim = Simulation(sc, robot="h1", seed=0, controller="walk", duration_s=duration_s)
    return sim.run()


# (scenario, seconds): the two harnesses with the same C++ controller
CASES = [
    ("walk-flat", 6.0),
    ("stairs-up", 6.0),
    ("walk-rough", 5.0),
    ("push-walk", 6.0),
]


@pytest.mark.parametrize("scenario, duration", CASES)
def test_cerebellum_sim_walks_as_far_as_the_python_harness(tmp_path, scenario, duration):
    d = export_scenario(
        scenario,
        tmp_path / "x",
        robot="h1",
        duration_s=duration,
        controller="walk",
        overrides=[TRUTH],
    )
    text = (d / "controller.txt").read_text()
    assert "controller walk" in text and "terrain.kind" in text
    _, m = _cpp(d)
    py = _python(scenario, duration)
    assert m["fell"] == py.fell is False
    end_py = py.log["base_pos"][-1]
    walked = np.linalg.norm(end_py[:2] - py.log["base_pos"][0, :2])
    assert walked > 1.0
    gap = np.linalg.norm(np.asarray(m["final_base_position_m"][:2]) - end_py[:2])
    assert gap < 0.01 * walked, (m["final_base_position_m"], end_py)


@pytest.mark.parametrize("scenario, duration", [("walk-flat", 6.0), ("push-walk", 6.0)])
def test_cerebellum_sim_runs_the_base_estimator_like_the_python_harness(
    tmp_path, scenario, duration
):
    """ground_truth_base = false (the scenarios' default): the C++ loop updates the C++ base
    estimator before each tick, from the same noisy sensors and the controller's gait plan, as
    sim/simulation.py does; the two closed loops agree to the rounding."""
    d = export_scenario(scenario, tmp_path / "x", robot="h1", duration_s=duration)
    text = (d / "controller.txt").read_text()
    assert "controller walk" in text and "estimator 1" in text
    assert "ground_truth_base 0" in (d / "scenario.txt").read_text()
    _, m = _cpp(d)
    py = _python(scenario, duration, overrides=())
    assert py.log["est_base_pos"].shape[0] > 0  # the Python loop ran on its estimate
    assert m["fell"] == py.fell is False
    end_py = py.log["base_pos"][-1]
    walked = np.linalg.norm(end_py[:2] - py.log["base_pos"][0, :2])
    assert walked > 1.0
    gap = np.linalg.norm(np.asarray(m["final_base_position_m"]) - end_py)
    assert gap < 1e-6 * walked, (m["final_base_position_m"], end_py)


def test_planning_thread_runs_in_cerebellum_sim(tmp_path):
    d = export_scenario(
        "walk-flat",
        tmp_path / "x",
        robot="h1",
        duration_s=4.0,
        controller="walk",
        overrides=["controller.options.planning_thread=true", TRUTH],
    )
    assert "planning_thread 1" in (d / "controller.txt").read_text()
    _, m = _cpp(d)
    assert not m["fell"] and m["distance_m"] > 1.5


def test_cerebellum_sim_walks_with_the_mpc_planner(tmp_path):
    """Planner "mpc": the export carries the solver's settings and its generated library; the C++
    loop walks as far as the Python harness does with the same C++ controller."""
    mpc = 'controller.options.planner="mpc"'
    d = export_scenario(
        "walk-flat",
        tmp_path / "x",
        robot="h1",
        duration_s=4.0,
        controller="walk",
        overrides=[mpc, TRUTH],
    )
    text = (d / "controller.txt").read_text()
    assert "mpc 1" in text and (d / "mpc.so").is_file()
    _, m = _cpp(d)
    py = _python("walk-flat", 4.0, [mpc, TRUTH])
    assert m["fell"] == py.fell is False
    end_py = py.log["base_pos"][-1]
    walked = np.linalg.norm(end_py[:2] - py.log["base_pos"][0, :2])
    assert walked > 1.0
    gap = np.linalg.norm(np.asarray(m["final_base_position_m"][:2]) - end_py[:2])
    assert gap < 0.01 * walked, (m["final_base_position_m"], end_py)


def test_a_malformed_walking_file_exits_2(tmp_path):
    d = export_scenario(
        "walk-flat",
        tmp_path / "x",
        robot="h1",
        duration_s=0.1,
        controller="walk",
        overrides=[TRUTH],
    )
    f = d / "controller.txt"
    f.write_text(f.read_text().replace("terrain.kind flat", "terrain.kind lava"))
    p = subprocess.run([str(EXE), str(d)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "terrain.kind" in p.stderr
    f.write_text(f.read_text().replace("terrain.kind lava", "terrain.kind flat") + "extra_key 1\n")
    p = subprocess.run([str(EXE), str(d)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "extra_key" in p.stderr


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_walking_sim_under_valgrind(tmp_path):
    d = export_scenario("walk-flat", tmp_path / "x", robot="h1", duration_s=0.3)  # the estimator
    p = subprocess.run(
        ["valgrind", "--tool=memcheck", "--error-exitcode=99", "--quiet", str(EXE), str(d)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode in (0, 1), p.stderr[-3000:]  # 1: a success criterion failed (0.3 s)
    assert "ERROR SUMMARY" not in p.stderr or "0 errors" in p.stderr
    m = json.loads((d / "out" / "metrics.json").read_text())
    assert m["sim_time_s"] == pytest.approx(0.3)


@pytest.mark.parametrize("planner", ["lipm", "mpc"])
def test_rt_check_walking_controller_tick_allocates_nothing(tmp_path, planner):
    """2000 ticks of the whole walking controller (command 0.5 m/s: plans every plan_every ticks
    and at each contact change, swings, the MPC solves of planner "mpc", the QP) after the
    warm-up: no heap allocation."""
    r = rt_check_walking(tmp_path, 2000, [TRUTH, f'controller.options.planner="{planner}"'])
    assert r["walking_controller_tick"] == {"calls": 2000, "allocations": 0}
    assert r["walking_controller_plans"] > 2000 / 20  # periodic plans and contact changes


def test_rt_check_walking_tick_with_the_estimator_inside_allocates_nothing(tmp_path):
    """cerebellum_rt_check ticks the walking controller of an export on the estimator (its
    estimator.* settings) with the estimator attached: 0 heap allocations."""
    r = rt_check_walking(tmp_path, 2000)  # the scenario's estimator: `estimator 1`
    assert r["walking_controller_tick_estimator"] == {"calls": 2000, "allocations": 0}


def test_cerebellum_sim_reports_the_safety_layer_like_the_python_run(tmp_path):
    """metrics.json controller_stats.safety of cerebellum_sim has the fields, event names and
    counts the Python-driven run of the same exported scenario reports."""
    d = export_scenario(
        "push-walk",
        tmp_path / "x",
        robot="h1",
        duration_s=5.0,
        controller="walk",
        overrides=[TRUTH],
    )
    _, m = _cpp(d)
    cpp = m["controller_stats"]["safety"]
    py = _python("push-walk", 5.0).controller_stats["safety"]
    assert set(cpp) == set(py) == {"enabled", "mode", "ticks", "safe_stop", "events"}
    assert cpp["enabled"] == py["enabled"] is True
    assert (cpp["mode"], cpp["safe_stop"], cpp["ticks"]) == (
        py["mode"],
        py["safe_stop"],
        py["ticks"],
    )
    assert set(cpp["events"]) == set(py["events"])
    counts = {k: (v["count"], py["events"][k]["count"]) for k, v in cpp["events"].items()}
    assert all(a == b for a, b in counts.values()), counts
