"""Property-based tests (hypothesis): malformed robot files, scenarios, heightmaps and calls into the
compiled core give clean errors — a CerebellumError from the Python loaders, a ValueError from
``_core`` — never another exception, a crash or a hang. ``_core`` cases run in a subprocess, so
that a segfault fails the test instead of killing pytest."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cerebellum.errors import CerebellumError  # noqa: E402
from cerebellum.robots import load_robot  # noqa: E402
from cerebellum.sim.scenario import load_scenario, scenario_paths  # noqa: E402
from cerebellum.sim.terrain import make_terrain  # noqa: E402

FUZZ = settings(
    max_examples=60,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same inputs on every run: a failure reproduces
)

# TOML literals a user might type by mistake (or on purpose).
FLOATS = st.sampled_from(
    ["nan", "-nan", "inf", "-inf", "1e308", "-1e308", "1e-320", "0.0", "-0.0", "-1.0", "1e9"]
) | st.floats(allow_nan=False, allow_infinity=False).map(repr)
INTS = st.sampled_from(["0", "-1", "9223372036854775807", "-9223372036854775808"]) | st.integers(
    -(2**63), 2**63 - 1
).map(str)
STRINGS = st.text(max_size=12).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', "") + '"')
SCALARS = FLOATS | INTS | STRINGS | st.sampled_from(["true", "false"])
LITERALS = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]")
        | st.dictionaries(st.sampled_from(["a", "x", "t_s", "name", "*"]), inner, max_size=3).map(
            lambda d: "{" + ", ".join(f'"{k}" = {v}' for k, v in d.items()) + "}"
        )
    ),
    max_leaves=6,
) | st.sampled_from(["", "=", "[", "{", "'''", "1 2", '"\\x"'])


def _clean(fn, *args, **kwargs):
    """Calls fn; returns the CerebellumError it raised (None if none). Any other exception
    propagates and fails the property."""
    try:
        fn(*args, **kwargs)
    except CerebellumError as e:
        assert str(e), "an error without a message"
        return e
    return None


# --------------------------------------------------------------------------- robot files

H1_LINES = load_robot("h1").config_path.read_text().splitlines()
H1_ASSIGN = [i for i, line in enumerate(H1_LINES) if "=" in line and not line.startswith("#")]


@FUZZ
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(H1_ASSIGN), LITERALS, st.sampled_from(["value", "drop", "key"])),
        min_size=1,
        max_size=3,
    )
)
def test_robot_file_edits(tmp_path_factory, edits):
    lines = list(H1_LINES)
    for i, lit, how in edits:
        key, _, _ = lines[i].partition("=")
        if how == "value":
            lines[i] = f"{key}= {lit}"
        elif how == "drop":
            lines[i] = ""
        else:
            lines[i] = f"{lit.strip('[]{}')} = 1.0"
    p = tmp_path_factory.mktemp("robot") / "r.toml"
    p.write_text("\n".join(lines) + "\n")
    cfg = None
    try:
        cfg = load_robot(p)
    except CerebellumError as e:
        assert "r.toml" in str(e)
    if cfg is not None:  # what parsed is valid: finite gains >= 0, a sane sole
        assert all(math.isfinite(v) and v >= 0 for v in (*cfg.kp.values(), *cfg.kd.values()))
        assert 0 < cfg.friction <= 2


@FUZZ
@given(data=st.binary(max_size=300), keep=st.integers(0, 2000))
def test_robot_file_bytes(tmp_path_factory, data, keep):
    """Truncated, binary-polluted, non-UTF-8 files."""
    text = "\n".join(H1_LINES).encode()
    p = tmp_path_factory.mktemp("robot") / "r.toml"
    p.write_bytes(text[:keep] + data)
    _clean(load_robot, p)


# --------------------------------------------------------------------------- scenarios

SCENARIO_KEYS = [
    "scenario.duration_s", "scenario.seed", "scenario.robot", "scenario.name",
    "terrain.name", "terrain.start_xy", "terrain.friction", "terrain.slope_deg",
    "command.0.t_s", "command.0.vx", "command.1.yaw_rate", "command.7.vx",
    "push.0.t_s", "push.0.duration_s", "push.0.body", "push.0.impulse_Ns", "push.0.force_N",
    "push.1.jitter_angle_deg", "push.0.jitter_t_s",
    "noise.joint_pos_rad", "noise.gyro_rad_s", "noise.foot_force_N",
    "initial.base_xy_m", "initial.joint_pos_rad",
    "controller.name", "controller.wbc_hz", "controller.mpc_hz",
    "controller.actuation_delay_ticks", "controller.options.wbc.kp_com",
    "physics.timestep_s", "success.min_distance_m", "success.end_position",
    "success.fall_tilt_rad", "nosuch.key", "scenario", "push", "command.x.t_s",
]  # fmt: skip


@FUZZ
@given(
    name=st.sampled_from(["push-walk", "walk-flat", "stand", "stairs-up", "walk-rough"]),
    overrides=st.lists(
        st.tuples(st.sampled_from(SCENARIO_KEYS), LITERALS).map(lambda kv: f"{kv[0]}={kv[1]}"),
        min_size=1,
        max_size=3,
    ),
)
def test_scenario_overrides(name, overrides):
    sc = None
    try:
        sc = load_scenario(name, overrides)
    except CerebellumError as e:
        assert "toml" in str(e) or "override" in str(e) or "field" in str(e)
    if sc is not None:  # accepted: the numbers a simulation relies on are sane
        assert math.isfinite(sc.duration_s) and sc.duration_s > 0
        assert all(math.isfinite(c.vx) and math.isfinite(c.t_s) for c in sc.commands)
        assert all(p.duration_s >= sc.timestep_s and p.body != "world" for p in sc.pushes)
        assert all(np.isfinite(p.force).all() for p in sc.pushes)


@FUZZ
@given(data=st.binary(max_size=200), keep=st.integers(0, 1500))
def test_scenario_file_bytes(tmp_path_factory, data, keep):
    text = scenario_paths()["push-walk"].read_bytes()
    p = tmp_path_factory.mktemp("sc") / "s.toml"
    p.write_bytes(text[:keep] + data)
    _clean(load_scenario, p)


# --------------------------------------------------------------------------- heightmaps


@st.composite
def heightmaps(draw):
    shape = draw(st.sampled_from([(0,), (3,), (1, 5), (2, 2), (3, 4), (9, 7), (2, 3, 2)]))
    dtype = draw(st.sampled_from(["float64", "float32", "int16", "uint8", "bool", "complex64"]))
    special = draw(st.sampled_from([None, np.nan, np.inf, -np.inf, 1e300, -1e300, 1e38]))
    z = draw(
        st.lists(
            st.floats(-1e6, 1e6, allow_nan=False),
            min_size=int(np.prod(shape)),
            max_size=int(np.prod(shape)),
        )  # fmt: skip
    )
    a = np.array(z, dtype=float).reshape(shape)
    if special is not None and a.size:
        a.flat[draw(st.integers(0, a.size - 1))] = special
    with np.errstate(all="ignore"):
        return a.astype(dtype)


@FUZZ
@given(
    z=heightmaps(),
    cell=st.sampled_from([0.05, 0.0, -1.0, math.nan, math.inf, 1e-9, 10.0, 11.0]),
    scale=st.sampled_from([1.0, 0.0, -2.0, math.nan, math.inf, 100.0, 1e-12]),
    flat=st.sampled_from([0.5, 0.0, -1.0, math.nan, math.inf, 1e9]),
    suffix=st.sampled_from([".npy", ".npy", ".png", ".txt"]),
)
def test_heightmap_input(tmp_path_factory, z, cell, scale, flat, suffix):
    d = tmp_path_factory.mktemp("hm")
    p = d / f"z{suffix}"
    if suffix == ".npy":
        np.save(p, z)
    else:
        p.write_bytes(z.tobytes())  # not an image
    t = None
    try:
        t = make_terrain(
            "heightmap", file=str(p), cell_size_m=cell, height_scale_m=scale, flat_radius_m=flat
        )
    except CerebellumError:
        pass
    if t is not None:  # accepted: every query is finite
        for x, y in ((0.0, 0.0), (0.3, -0.2), (1e3, 1e3), (-5.0, 2.0)):
            assert math.isfinite(t.height(x, y))
            assert np.isfinite(t.normal(x, y)).all()


# --------------------------------------------------------------------------- _core (subprocess)

CORE_CASES = Path(__file__).with_name("fuzz_core_cases.py")


@pytest.mark.parametrize("group", ["robot", "wbc", "mpc"])
def test_core_entry_points_in_a_subprocess(group):
    """Random constructor arguments and calls: only ValueError/TypeError, no crash, no hang."""
    env = dict(os.environ)
    out = subprocess.run(
        [sys.executable, str(CORE_CASES), group],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert out.returncode == 0, f"exit {out.returncode}\n{out.stdout[-3000:]}\n{out.stderr[-5000:]}"
    assert "examples:" in out.stdout
    n = int(out.stdout.rsplit("examples:", 1)[1].split()[0])
    assert n >= 40, out.stdout
