"""The walk controller's nested configuration (controllers/walking_config.py): each shipped robot
resolves the values its [walking] tables state, unknown keys and out-of-bound values are errors
naming the dotted key, the flat names of before name their new key, and a nested ``--set`` reaches
the C++ controller's settings."""

from __future__ import annotations

import dataclasses

import pytest
from tick_taps import walk_context

from cerebellum.controllers.walking_config import (
    FORMER_NAMES,
    WalkingConfig,
    merge_tables,
    setting_names,
)
from cerebellum.errors import ConfigError
from cerebellum.robots import load_robot


def _ctx(robot: str, options=None):
    return walk_context(robot, options)


def _resolved(robot: str, options=None) -> WalkingConfig:
    from cerebellum.controllers.walk_setup import resolve_config

    return resolve_config(_ctx(robot, options))


def test_h1_resolves_its_walking_tables():
    c = _resolved("h1")
    assert c.gait.settings["step_duration_s"] == 0.35
    assert c.gait.settings["max_step_length_m"] == 0.6
    assert c.footholds.step_feedback == "capture"
    assert c.command.lateral_drift_gain == 1.0
    # the rest: the controller's defaults
    assert c.planner == "lipm" and c.implementation == "auto" and not c.planning_thread
    assert c.balance.k_dcm == 2.0 and c.balance.cop_margin == 0.8
    assert c.command.forward_drift_gain == 0.0 and c.command.max_lateral_drift_m == 0.3
    assert c.gait.settings["initial_double_support_s"] == 0.3
    assert c.wbc.qp["w_base_orientation"] == 30.0 and c.arms.swing is None


def test_apollo_resolves_its_walking_tables():
    c = _resolved("apollo")
    g = c.gait.settings
    assert (g["swing_xy_ramp"], g["swing_xy_ramp_travel_m"]) == (0.15, 0.3)
    assert (g["fast_double_support_ratio"], g["fast_speed_mps"]) == (0.05, 1.0)
    assert g["step_duration_s"] == 0.4  # the walking default
    assert c.command.forward_drift_gain == 1.0 and c.command.max_forward_drift_m == 0.1
    assert c.command.lateral_drift_gain == 0.0
    assert c.wbc.qp["w_base_orientation"] == 200.0 and c.wbc.qp["kp_swing"] == 900.0
    assert dict(c.arms.swing) == {"l_shoulder_fe": 1.5, "r_shoulder_fe": -1.5}
    assert c.footholds.step_feedback == "gait"


def test_talos_runs_the_defaults():
    assert load_robot("talos").walking == {}
    assert _resolved("talos") == WalkingConfig()


def test_controller_resolves_the_same_gait_as_the_robot_file():
    from cerebellum.controllers.walking import CppWalkingController

    gait = CppWalkingController(_ctx("h1")).setup.gait
    assert gait.step_duration_s == 0.35 and gait.max_step_length_m == 0.6
    assert gait.velocity_feedback_gain == 0.0 and not gait.capture_point_feedback


def test_implementation_takes_auto_and_cpp_only():
    for name in ("auto", "cpp"):
        assert WalkingConfig.from_table("x", {"implementation": name}).implementation == name
    with pytest.raises(ConfigError) as e:
        WalkingConfig.from_table("scenario.toml", {"implementation": "python"})
    assert e.value.field == "controller.options.implementation"
    assert "['auto', 'cpp']" in e.value.problem


def test_scenario_options_merge_over_the_robot_section_by_section():
    c = _resolved("h1", {"gait": {"step_duration_s": 0.5}, "command": {"max_accel_mps2": 1.0}})
    assert c.gait.settings["step_duration_s"] == 0.5
    assert c.gait.settings["max_step_length_m"] == 0.6  # the robot's, kept
    assert c.command.lateral_drift_gain == 1.0 and c.command.max_accel_mps2 == 1.0
    assert merge_tables({"arms": {"swing": {"a": 1.0}}}, {"arms": {"swing": {"b": 2.0}}}) == {
        "arms": {"swing": {"b": 2.0}}  # a value that is a table replaces
    }


@pytest.mark.parametrize(
    "table, key, listed",
    [
        ({"stride": 1.0}, "controller.options.stride", ["planner", "gait", "balance", "safety"]),
        ({"gait": {"stride": 1.0}}, "controller.options.gait.stride", ["horizon_s", "step_height_m"]),
        ({"mpc": {"balanse": "mpc"}}, "controller.options.mpc.balanse", ["deadline_scale", "balance"]),
        ({"safety": {"tilt": 1.0}}, "controller.options.safety.tilt", ["fall_tilt_rad", "hold_s"]),
    ],
)  # fmt: skip
def test_unknown_key_lists_the_valid_ones(table, key, listed):
    with pytest.raises(ConfigError) as e:
        WalkingConfig.from_table("scenario.toml", table)
    assert e.value.field == key and e.value.path == "scenario.toml"
    assert "valid" in e.value.problem and all(f"'{n}'" in e.value.problem for n in listed)


def test_robot_file_errors_name_the_file_and_walking_key():
    from cerebellum.controllers.walking import CppWalkingController

    h1 = load_robot("h1")
    bad = dataclasses.replace(h1, walking={"balance": {"k_dcm": -1.0}})
    ctx = dataclasses.replace(_ctx("h1"), robot=bad)
    with pytest.raises(ConfigError) as e:
        CppWalkingController(ctx)
    assert e.value.field == "walking.balance.k_dcm" and e.value.path == str(h1.config_path)


@pytest.mark.parametrize(
    "table, key, bound",
    [
        ({"balance": {"k_dcm": -2.0}}, "controller.options.balance.k_dcm", ">= 0"),
        ({"gait": {"knot_dt_s": 0.0}}, "controller.options.gait.knot_dt_s", "> 0"),
        ({"footholds": {"push_step_margin_m": -1.0}}, "controller.options.footholds.push_step_margin_m", ">= 0 or inf"),
        ({"command": {"max_accel_mps2": float("inf")}}, "controller.options.command.max_accel_mps2", "> 0"),
        ({"mpc": {"deadline_scale": float("nan")}}, "controller.options.mpc.deadline_scale", "> 0"),
    ],
)  # fmt: skip
def test_out_of_bound_value_names_the_key_and_the_bound(table, key, bound):
    with pytest.raises(ConfigError) as e:
        WalkingConfig.from_table("scenario.toml", table)
    assert e.value.field == key and e.value.problem.startswith(f"expected {bound}, got")


def test_bounds_admit_their_edges():
    c = WalkingConfig.from_table("x", {"footholds": {"push_step_margin_m": float("inf")}})
    assert c.footholds.push_step_margin_m == float("inf")
    assert WalkingConfig.from_table("x", {"balance": {"k_dcm": 0}}).balance.k_dcm == 0.0


def test_gait_settings_bounds_name_the_dotted_key():
    from cerebellum.controllers.walking import CppWalkingController

    with pytest.raises(ConfigError) as e:
        CppWalkingController(_ctx("h1", {"gait": {"step_duration_s": 20.0}}))
    assert e.value.field == "controller.options.gait.step_duration_s"


@pytest.mark.parametrize(
    "old, new",
    [
        ("step_duration_s", "gait.step_duration_s"),
        ("lateral_drift_gain", "command.lateral_drift_gain"),
        ("k_dcm", "balance.k_dcm"),
        ("step_feedback", "footholds.step_feedback"),
        ("footholds_from_com", "footholds.from_com"),
        ("mpc_balance", "mpc.balance"),
        ("arm_swing", "arms.swing"),
        ("kp_com", "wbc.kp_com"),
        ("yaw_coeff_m", "wbc.yaw_coeff_m"),
    ],
)
def test_flat_names_of_before_name_their_new_key(old, new):
    assert FORMER_NAMES[old] == new and new in setting_names()
    with pytest.raises(ConfigError) as e:
        WalkingConfig.from_table("scenario.toml", {old: 1.0})
    assert e.value.problem == f"controller.options.{old} is now controller.options.{new}"
    with pytest.raises(ConfigError, match=f"walking.{old} is now walking.{new}"):
        WalkingConfig.from_table("h1.toml", {old: 1.0}, prefix="walking")


def test_nested_set_reaches_the_cpp_settings():
    """``--set controller.options.SECTION.NAME=VALUE`` parses into the nested table and reaches
    ``_core.WalkingSettings`` (controllers/walking.py)."""
    from cerebellum.controllers.walking import CppWalkingController
    from cerebellum.sim.scenario import load_scenario

    sc = load_scenario(
        "walk-flat",
        [
            "controller.options.gait.step_duration_s=0.45",
            "controller.options.balance.k_dcm=3.5",
            "controller.options.command.max_accel_mps2=0.7",
            'controller.options.footholds.step_feedback="dcm"',
            "controller.options.safety.hold_s=0.05",
        ],
    )
    opts = sc.controller.options
    assert opts["gait"] == {"step_duration_s": 0.45} and opts["balance"] == {"k_dcm": 3.5}
    ctl = CppWalkingController(_ctx("h1", opts))
    s = ctl.settings
    assert ctl.setup.gait.step_duration_s == 0.45 and s.k_dcm == 3.5  # s.gait: write-only
    assert s.shaping.max_accel_mps2 == 0.7 and s.safety.hold_s == 0.05
    assert s.shaping.lateral_drift_gain == 1.0  # H1's file, kept under the scenario's options
    assert str(s.step_feedback).endswith("DCM")
    ctl.close()
