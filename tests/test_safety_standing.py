"""The safety layer of the C++ standing controller (the `wbc` controller: StandingController in
cpp/src/standing_controller.cpp) in closed loop on MuJoCo: a robot pushed over ends in the safe
stop with finite torques and metrics.json says so; a NaN spell gives the documented fallback and
the robot stands on; the defaults leave a normal stand (pushes included) untouched; the options
reach C++ and bad ones are refused. The same checks as tests/test_safety.py for the walk."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from tick_taps import inject

from cerebellum import _core
from cerebellum.errors import ConfigError
from cerebellum.sim import report
from cerebellum.sim.scenario import Push, load_scenario
from cerebellum.sim.simulation import Simulation


def _sim(scenario, duration_s, overrides=(), robot="h1", **replace):
    sc = load_scenario(scenario, list(overrides))
    if replace:
        sc = dataclasses.replace(sc, **replace)
    return Simulation(sc, robot=robot, seed=0, controller="wbc", duration_s=duration_s)


def _counted(safety):
    return {k: v["count"] for k, v in safety["events"].items() if v["count"]}


@pytest.mark.parametrize("robot", ["h1", "apollo", "talos"])
def test_defaults_leave_a_pushed_stand_untouched(robot):
    """push-stand (its pushes of the scenario, which every robot survives): the layer watches
    every tick and acts on none."""
    sim = _sim("push-stand", 6.0, robot=robot)
    result = sim.run()
    assert not result.fell
    safety = sim.controller.stats()["safety"]
    assert safety["ticks"] == 6000 and safety["mode"] == "normal"
    assert _counted(safety) == {}


def test_pushed_over_ends_in_the_safe_stop_and_metrics_report_it(tmp_path):
    # 250 N·s sideways at 1 s: far beyond what standing balance holds; the harness's own fall
    # criterion moved to 1.5 rad so that the safe stop runs a while
    sim = _sim(
        "push-stand",
        3.0,
        ["success.fall_tilt_rad=1.5"],
        pushes=(Push(t_s=1.0, duration_s=0.1, impulse_Ns=(0.0, 250.0, 0.0)),),
    )
    taus = inject(sim, lambda s: s)
    result = sim.run()
    assert result.fell
    safety = sim.controller.stats()["safety"]
    assert safety["mode"] == "safe_stop"
    stop = safety["safe_stop"]
    assert stop["reason"] in ("fall_tilt", "fall_height")
    assert 1.0 < stop["t_s"] < result.fall_time_s
    tau = np.array(taus)
    assert np.isfinite(tau).all()
    t = np.arange(len(tau)) * sim.dt_ctrl
    after = tau[t > stop["t_s"] + 1e-9]
    assert len(after) > 10
    lim = result.log["effort_limit"]
    s = _core.SafetySettings()
    assert (np.abs(after) <= s.damping_torque_fraction * lim + 1e-9).all()
    events = safety["events"]
    assert events["safe_stop"]["count"] == len(after) + 1  # the fall tick and the ones after
    doc = json.loads(report.save_metrics(report.metrics(result), tmp_path / "m.json").read_text())
    assert doc["controller_stats"]["safety"]["mode"] == "safe_stop"
    assert doc["controller_stats"]["safety"]["safe_stop"]["t_s"] == pytest.approx(stop["t_s"])


def test_a_nan_spell_is_held_then_damped_and_the_robot_stands_on():
    """30 ticks with a NaN joint position at 1 s: 20 (hold_s) hold the last torques, 10 give joint
    damping; the QP takes over again and the robot stands."""

    def change(state):
        if 1.0 - 1e-9 <= state.t_s < 1.0295:
            bad = np.array(state.joint_pos, dtype=float)
            bad[0] = math.nan
            return dataclasses.replace(state, joint_pos=bad)
        return state

    sim = _sim("stand", 2.0)
    taus = inject(sim, change)
    result = sim.run()
    assert not result.fell
    tau = np.array(taus)
    assert np.isfinite(tau).all()
    k = 1000
    for i in range(k, k + 20):
        np.testing.assert_array_equal(tau[i], tau[k - 1])
    safety = sim.controller.stats()["safety"]
    assert _counted(safety) == {"non_finite_state": 30, "hold": 20, "damping": 10}
    assert safety["mode"] == "normal"
    # standing on: the base at the end where the clean run leaves it
    clean = _sim("stand", 2.0).run()
    np.testing.assert_allclose(result.log["base_pos"][-1], clean.log["base_pos"][-1], atol=0.01)


def test_safety_options_reach_cpp_and_bad_ones_are_refused():
    sim = _sim("stand", 0.01, ["controller.options.safety={fall_tilt_rad=0.5, enabled=false}"])
    assert sim.controller.stats()["safety"]["enabled"] is False
    with pytest.raises(ConfigError, match="valid:.*fall_tilt_rad"):
        _sim("stand", 0.01, ["controller.options.safety={fall_tilt=0.5}"])
    with pytest.raises(ConfigError, match="hold_s"):
        _sim("stand", 0.01, ["controller.options.safety={hold_s=-1.0}"])
