"""Scenario files: built-ins, errors naming file and field, --set overrides, heightmaps."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from cerebellum.errors import ConfigError, UnknownNameError
from cerebellum.sim.scenario import apply_overrides, list_scenarios, load_scenario, parse_scenario

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MINIMAL = """
[scenario]
name = "mini"
robot = "h1"
duration_s = 1.0
"""


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_builtins_load():
    assert {"stand", "push-stand"} <= set(list_scenarios())
    stand = load_scenario("stand")
    assert stand.robot == "h1" and stand.duration_s == 20.0 and stand.terrain == "flat"
    assert stand.controller.wbc_hz == 1000.0 and stand.timestep_s == 0.001
    push = load_scenario("push-stand")
    assert len(push.pushes) == 2
    lateral, forward = (np.array(p.impulse_Ns) for p in push.pushes)
    assert abs(lateral[1]) > 0 and lateral[0] == 0
    assert abs(forward[0]) > 0 and forward[1] == 0
    for p in push.pushes:
        assert p.duration_s == pytest.approx(0.1)
        np.testing.assert_allclose(p.force * p.duration_s, p.impulse_Ns)


def test_defaults_of_a_minimal_file(tmp_path):
    s = load_scenario(write(tmp_path, MINIMAL))
    assert s.name == "mini" and s.seed == 0 and s.terrain == "flat" and s.pushes == ()
    assert s.controller.actuation_delay_ticks == 0 and s.controller.ground_truth_base
    assert s.success.no_fall and s.command_at(0.5).vx == 0.0


def test_command_timeline(tmp_path):
    text = MINIMAL + "[[command]]\nt_s = 0.0\n[[command]]\nt_s = 0.5\nvx = 0.3\nyaw_rate = 0.1\n"
    s = load_scenario(write(tmp_path, text))
    assert s.command_at(0.2).vx == 0.0
    assert s.command_at(0.5).vx == 0.3 and s.command_at(0.9).yaw_rate == 0.1


@pytest.mark.parametrize(
    "text, field, words",
    [
        ("[scenario]\nrobot = 'h1'\n", "scenario.duration_s", ["missing"]),
        ("[scenario]\nduration_s = 1.0\n", "scenario.robot", ["missing"]),
        ("[terrain]\nname = 'flat'\n", "scenario", ["missing"]),
        (MINIMAL.replace("1.0", '"long"'), "scenario.duration_s", ["finite number", "long"]),
        (MINIMAL.replace("1.0", "-1.0"), "scenario.duration_s", ["> 0"]),
        (MINIMAL + "speed = 3\n", "scenario.speed", ["unknown key", "duration_s", "robot", "seed"]),
        (MINIMAL + "[weather]\nrain = true\n", "weather", ["unknown section", "terrain", "push"]),
        (
            MINIMAL.replace("h1", "asimo"),
            "scenario.robot",
            ["unknown robot 'asimo'", "h1", "talos"],
        ),
        (
            MINIMAL + "[terrain]\nname = 'lava'\n",
            "terrain.name",
            ["unknown terrain 'lava'", "stairs", "rough"],
        ),
        (
            MINIMAL + "[terrain]\nname = 'stairs'\nrise_m = 'tall'\n",
            "terrain.rise_m",
            ["expected float"],
        ),
        (
            MINIMAL + "[terrain]\nname = 'slope'\nangle = 5.0\n",
            "terrain.angle",
            ["unknown parameter", "angle_deg"],
        ),
        (MINIMAL + "[[push]]\nt_s = 1.0\nduration_s = 0.1\n", "push[0].force_N", ["exactly one"]),
        (
            MINIMAL + "[[push]]\nt_s = 1.0\nduration_s = 0.1\nimpulse_Ns = [1.0, 2.0]\n",
            "push[0].impulse_Ns",
            ["list of 3"],
        ),
        (MINIMAL + "[[push]]\nt = 1.0\n", "push[0].t", ["unknown key", "t_s", "impulse_Ns"]),
        (MINIMAL + "[noise]\ngyro_rad_s = -0.1\n", "noise.gyro_rad_s", [">= 0"]),
        (
            MINIMAL + "[controller]\nactuation_delay_ticks = 2\n",
            "controller.actuation_delay_ticks",
            ["0..1"],
        ),
        (
            MINIMAL + "[controller]\nground_truth_base = 1\n",
            "controller.ground_truth_base",
            ["true or false"],
        ),
        (MINIMAL + "[controller]\nwbc_hz = 300.0\n", "controller.wbc_hz", ["whole number"]),
        (MINIMAL + "[success]\nend_position = [1.0]\n", "success.end_position", ["list of 2"]),
        (MINIMAL + "[[command]]\nt_s = 1.0\n[[command]]\nt_s = 0.5\n", "command", ["increasing"]),
        ("[scenario\nrobot = 'h1'\n", "<syntax>", []),
    ],
)
def test_bad_files_name_file_and_field(tmp_path, text, field, words):
    path = write(tmp_path, text, "bad.toml")
    with pytest.raises(ConfigError) as e:
        load_scenario(path)
    assert e.value.field == field, str(e.value)
    msg = str(e.value)
    assert str(path) in msg and f"'{field}'" in msg
    for w in words:
        assert w in msg, msg


def test_unknown_scenario_name_lists_builtins():
    with pytest.raises(UnknownNameError) as e:
        load_scenario("dance")
    assert "unknown scenario 'dance'" in str(e.value) and "push-stand" in str(e.value)
    with pytest.raises(ConfigError, match="no such file"):
        load_scenario("/nonexistent/x.toml")


def test_overrides():
    s = load_scenario(
        "push-stand",
        [
            "scenario.duration_s=5",
            "push.0.impulse_Ns=[0, 35.5, 0]",
            "push.1.t_s=3.5",
            "terrain.name=rough",  # not a TOML literal: taken as a string
            "terrain.amplitude_m=0.02",
            "noise.gyro_rad_s=0.01",
            "controller.actuation_delay_ticks=1",
            "success.end_position=[0.0, 0.0]",
        ],
    )
    assert (
        s.duration_s == 5.0
        and s.pushes[0].impulse_Ns == (0.0, 35.5, 0.0)
        and s.pushes[1].t_s == 3.5
    )
    assert s.terrain == "rough" and s.terrain_params == {"amplitude_m": 0.02}
    assert s.noise.gyro_rad_s == 0.01 and s.controller.actuation_delay_ticks == 1
    assert s.success.end_position == (0.0, 0.0)


@pytest.mark.parametrize(
    "override, field, words",
    [
        ("scenario.duration_s=abc", "scenario.duration_s", ["finite number"]),
        ("scenario.colour=1", "scenario.colour", ["unknown key"]),
        ("push.7.t_s=1", "push.7.t_s", ["out of range"]),
        ("duration_s=5", "duration_s", ["section.key=value"]),
        ("scenario.duration_s", "scenario.duration_s", ["section.key=value"]),
    ],
)
def test_bad_overrides_name_the_field(override, field, words):
    with pytest.raises(ConfigError) as e:
        load_scenario("push-stand", [override])
    assert e.value.field == field, str(e.value)
    for w in words:
        assert w in str(e.value)


def test_apply_overrides_does_not_mutate():
    doc = tomllib.loads(MINIMAL)
    new = apply_overrides(doc, ["scenario.seed=7", "noise.acc_m_s2=0.1"])
    assert "seed" not in doc["scenario"] and "noise" not in doc
    assert parse_scenario(new).seed == 7


def _heightmap_scenario(tmp_path: Path, file_name: str) -> Path:
    text = (
        MINIMAL
        + f'[terrain]\nname = "heightmap"\nfile = "{file_name}"\n'
        + "cell_size_m = 0.1\nheight_scale_m = 0.05\n"
    )
    return write(tmp_path, text, "hm.toml")


def test_heightmap_npy_and_png_through_a_scenario(tmp_path):
    import imageio.v3 as iio

    from cerebellum.sim.simulation import Simulation

    rng = np.random.default_rng(3)
    np.save(tmp_path / "map.npy", rng.normal(size=(41, 41)))
    iio.imwrite(tmp_path / "map.png", (rng.uniform(size=(41, 41)) * 65535).astype(np.uint16))
    for name in ("map.npy", "map.png"):
        sc = load_scenario(_heightmap_scenario(tmp_path, name))  # relative to the scenario file
        assert sc.terrain_params["file"] == str(tmp_path / name)
        sim = Simulation(sc, controller="pd", duration_s=0.05)
        assert sim.model.nhfield == 1
        assert sim.terrain.height(0.0, 0.0) == pytest.approx(0.0, abs=1e-6)
        assert np.ptp(sim.terrain.grid) > 0.01
        r = sim.run()
        assert not r.fell and len(r.log["t"]) == 50
    bad = write(
        tmp_path, MINIMAL + '[terrain]\nname = "heightmap"\nfile = "nope.npy"\n', "bad.toml"
    )
    with pytest.raises(ConfigError, match="terrain.file.*no such file"):
        load_scenario(bad)
    (tmp_path / "rgb.png").write_bytes(b"")
    iio.imwrite(tmp_path / "rgb.png", np.zeros((8, 8, 3), np.uint8))
    bad = write(
        tmp_path, MINIMAL + '[terrain]\nname = "heightmap"\nfile = "rgb.png"\n', "bad2.toml"
    )
    with pytest.raises(ConfigError, match="16-bit grayscale"):
        load_scenario(bad)
