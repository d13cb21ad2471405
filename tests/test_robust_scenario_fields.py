"""Bad scenario fields through ``--set``-style overrides: each raises a CerebellumError that names
the field (111 listed cases: 16 fields x 7 bad values, less one valid combination)."""

from __future__ import annotations

import itertools

import pytest

from cerebellum.errors import CerebellumError
from cerebellum.sim.scenario import load_scenario

BAD = ["nan", "-1.0", '"x"', "[1, 2]", "1e400", "true", "{a = 1}"]
FIELDS = [
    "scenario.duration_s",
    "scenario.seed",
    "physics.timestep_s",
    "controller.wbc_hz",
    "controller.mpc_hz",
    "controller.actuation_delay_ticks",
    "noise.joint_pos_rad",
    "noise.gyro_rad_s",
    "initial.joint_pos_rad",
    "success.fall_tilt_rad",
    "success.min_distance_m",
    "command.0.vx",
    "push.0.duration_s",
    "fault.0.duration_s",
    "fault.0.t_s",
    "terrain.name",
]
VALID = {("command.0.vx", "-1.0")}  # walking backwards
CASES = [c for c in itertools.product(FIELDS, BAD) if c not in VALID]


def _scenario(field: str) -> str:
    return {"fault": "fault-mpc-deadline", "push": "push-walk"}.get(
        field.split(".")[0], "walk-flat"
    )


@pytest.mark.parametrize("field, value", CASES)
def test_bad_scenario_field_is_a_named_error(field, value):
    with pytest.raises(CerebellumError) as e:
        load_scenario(_scenario(field), [f"{field}={value}"])
    assert field.split(".")[-1] in str(e.value), str(e.value)  # names the field
