"""The safety layer of the C++ walking controller (cpp/include/cerebellum/safety_layer.hpp) in
closed loop on MuJoCo: a robot pushed over ends in the safe stop with finite torques and
metrics.json says so; a NaN or a frozen state mid-walk gives the documented fallback (the last
torques held, then joint damping) and the walk goes on; the options reach C++ and bad ones are
refused; the defaults leave a normal walk untouched."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from tick_taps import inject, rt_check_walking

from cerebellum import _core
from cerebellum.errors import ConfigError
from cerebellum.sim import report
from cerebellum.sim.scenario import Push, load_scenario
from cerebellum.sim.simulation import Simulation


def _sim(scenario, duration_s, overrides=(), **replace):
    sc = load_scenario(scenario, list(overrides))
    if replace:
        sc = dataclasses.replace(sc, **replace)
    return Simulation(sc, robot="h1", seed=0, controller="walk", duration_s=duration_s)


def test_pushed_over_ends_in_the_safe_stop_and_metrics_report_it(tmp_path):
    # 250 N·s sideways at 1 s while standing: more than push stepping recovers (H1 steps out of
    # 45 N·s); the harness's own fall criterion moved to 1.5 rad so the safe stop runs a while
    sim = _sim(
        "push-stand",
        3.0,
        ["success.fall_tilt_rad=1.5"],
        pushes=(Push(t_s=1.0, duration_s=0.1, impulse_Ns=(0.0, 250.0, 0.0)),),
    )
    taus = inject(sim, lambda s: s)
    result = sim.run()
    assert result.fell
    safety = sim.controller.ctl.safety
    assert safety["mode"] == "safe_stop"
    stop = safety["safe_stop"]
    assert stop["reason"] in ("fall_tilt", "fall_height")
    assert 1.0 < stop["t_s"] < result.fall_time_s
    tau = np.array(taus)
    assert np.isfinite(tau).all()
    # after the fall: joint damping within damping_torque_fraction of the limits
    t = np.arange(len(tau)) * sim.dt_ctrl
    after = tau[t > stop["t_s"] + 1e-9]
    assert len(after) > 10
    lim = result.log["effort_limit"]
    s = _core.SafetySettings()
    assert (np.abs(after) <= s.damping_torque_fraction * lim + 1e-9).all()
    events = safety["events"]
    assert events["safe_stop"]["count"] == len(after) + 1  # the fall tick and the ones after
    assert events[stop["reason"]]["count"] == 1
    m = report.metrics(result)
    path = report.save_metrics(m, tmp_path / "metrics.json")
    doc = json.loads(path.read_text())
    assert doc["controller_stats"]["safety"]["mode"] == "safe_stop"
    assert doc["controller_stats"]["safety"]["safe_stop"]["t_s"] == pytest.approx(stop["t_s"])


def _nan_from(t0, n_ticks, field="joint_vel"):
    def change(state):
        if t0 - 1e-9 <= state.t_s < t0 + (n_ticks - 0.5) * 1e-3:
            bad = np.array(getattr(state, field), dtype=float)
            bad[0] = math.nan
            return dataclasses.replace(state, **{field: bad})
        return state

    return change


def test_nan_in_the_state_holds_the_last_torques_and_the_walk_goes_on():
    sim = _sim("walk-flat", 3.0)
    taus = inject(sim, _nan_from(2.0, 5))
    result = sim.run()
    assert not result.fell
    tau = np.array(taus)
    assert np.isfinite(tau).all()
    k = 2000  # ticks 2000..2004 are refused: the torques of tick 1999 are sent again
    for i in range(k, k + 5):
        np.testing.assert_array_equal(tau[i], tau[k - 1])
    assert not np.array_equal(tau[k + 5], tau[k - 1])  # the controller is back
    ev = sim.controller.ctl.safety["events"]
    assert ev["non_finite_state"]["count"] == 5
    assert ev["non_finite_state"]["first_t_s"] == pytest.approx(2.0)
    assert ev["hold"]["count"] == 5 and ev["damping"]["count"] == 0
    assert sim.controller.ctl.safety["mode"] == "normal"
    clean = _sim("walk-flat", 3.0).run()  # the walk without the NaN ends in the same place
    end, want = result.log["base_pos"][-1, :2], clean.log["base_pos"][-1, :2]
    assert want[0] > 0.2 and np.linalg.norm(end - want) < 0.02


def test_a_long_nan_spell_ends_in_joint_damping():
    """40 refused ticks: 20 (hold_s) held, then tau = -Kd v clipped, Kd = damping_s x limit."""
    sim = _sim("walk-flat", 2.1)
    taus = inject(sim, _nan_from(2.0, 40, "joint_pos"))
    result = sim.run()
    tau = np.array(taus)
    assert np.isfinite(tau).all()
    ev = sim.controller.ctl.safety["events"]
    assert ev["non_finite_state"]["count"] == 40
    assert ev["hold"]["count"] == 20 and ev["damping"]["count"] == 20
    s = _core.SafetySettings()
    lim = result.log["effort_limit"]
    v = result.log["qvel"][2039, 6:]  # the state of the last damped tick (MuJoCo's joint rates)
    cap = s.damping_torque_fraction * lim
    want = np.clip(-s.damping_s * lim * v, -cap, cap)
    # between the two: the joint velocity noise of walk-flat's sensors (0.01 rad/s std)
    assert (np.abs(tau[2039] - want) <= s.damping_s * lim * 0.05 + 1e-9).all()


def test_a_frozen_state_is_stale_after_max_sensor_age():
    frozen = {}

    def change(state):
        if 2.0 <= state.t_s < 2.0295:
            return frozen.setdefault("s", state)  # the sample of 2.0 s, 30 times
        return state

    sim = _sim("walk-flat", 2.5)
    inject(sim, change)
    result = sim.run()
    ev = sim.controller.ctl.safety["events"]
    assert ev["stale_state"]["count"] == 30 - 21  # 20 repeats (0.02 s) are taken as they are
    assert ev["stale_state"]["first_t_s"] == pytest.approx(2.0)  # the stamp it carries
    assert not result.fell


def test_safety_options_reach_cpp_and_bad_ones_are_refused():
    sim = _sim("walk-flat", 0.01, ["controller.options.safety={fall_tilt_rad=0.5, hold_s=0.01}"])
    s = sim.controller.settings.safety
    assert s.fall_tilt_rad == 0.5 and s.hold_s == 0.01
    assert s.damping_s == _core.SafetySettings().damping_s
    with pytest.raises(ConfigError, match="valid:.*fall_tilt_rad"):
        _sim("walk-flat", 0.01, ["controller.options.safety={fall_tilt=0.5}"])
    with pytest.raises(ConfigError, match="velocity_margin"):
        _sim("walk-flat", 0.01, ["controller.options.safety={velocity_margin=0.0}"])
    with pytest.raises(ConfigError, match="expected a number"):
        _sim("walk-flat", 0.01, ['controller.options.safety={hold_s="long"}'])


def test_defaults_leave_a_normal_walk_untouched():
    """walk-flat: the layer watches every tick and acts on none (no clip, no rate limit, no soft
    limit, no fallback)."""
    sim = _sim("walk-flat", 3.0)
    result = sim.run()
    assert not result.fell
    safety = sim.controller.stats()["safety"]
    assert safety["ticks"] == 3000 and safety["mode"] == "normal"
    assert {k: v["count"] for k, v in safety["events"].items() if v["count"]} == {}


@dataclasses.dataclass(frozen=True)
class _StampedCommand:
    vx: float
    vy: float
    yaw_rate: float
    stamp_s: float  # when the command source sent it (state clock), s


def test_a_stale_command_is_replaced_by_a_zero_velocity():
    """The command link goes quiet at 1.2 s (last stamp 1.2005 s): 0.5 s later (max_command_age_s)
    the controller stands instead of walking on it."""
    sim = _sim("walk-flat", 2.0)
    compute = sim.controller.compute

    def stamped(state, cmd):
        stamp = min(state.t_s, 1.2005)
        return compute(state, _StampedCommand(cmd.vx, cmd.vy, cmd.yaw_rate, stamp))

    sim.controller.compute = stamped
    sim.run()
    ev = sim.controller.ctl.safety["events"]["stale_command"]
    assert ev["count"] == 2000 - 1701  # ticks 1.701 .. 1.999 s
    assert ev["first_t_s"] == pytest.approx(1.701)


def test_rt_check_safety_paths_allocate_nothing(tmp_path):
    """cerebellum_rt_check --walking: ticks with NaN joints (held, then damped), stale commands,
    a fall and the safe stop after it; no heap allocation on any of them."""
    r = rt_check_walking(tmp_path, 500, ["controller.ground_truth_base=true"])
    for name in (
        "walking_controller_tick",
        "walking_controller_tick_fallback",
        "walking_controller_tick_safe_stop",
    ):
        assert r[name] == {"calls": 500, "allocations": 0}, name
    s = r["safety"]  # the paths were taken
    assert s["hold"] > 0 and s["damping"] > 0 and s["stale_command"] > 0
    assert s["safe_stop"] >= 500 - 20  # the ticks from the 21st (warm-up ones included) on


def test_the_settings_table_of_the_docs_matches_the_defaults():
    """docs/safety.md lists every SafetySettings field with the default C++ defines."""
    import re
    from pathlib import Path

    from cerebellum.controllers.safety import SAFETY_FIELDS

    doc = Path(__file__).resolve().parents[1] / "docs" / "safety.md"
    if not doc.exists():
        pytest.skip("docs/ not next to the tests")
    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+) \|", doc.read_text(), re.M))
    s = _core.SafetySettings()
    assert set(SAFETY_FIELDS) <= set(rows)
    for name in SAFETY_FIELDS:
        want = getattr(s, name)
        got = rows[name].strip()
        assert (got == "true") == want if isinstance(want, bool) else float(got) == want, name
