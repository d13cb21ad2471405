"""C++ FootstepPlanner (cerebellum._core) against the Python reference controllers.footsteps."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest

from cerebellum import _core, load_robot
from cerebellum.controllers.footsteps import Foothold, FootholdSearch, FootstepPlanner
from cerebellum.controllers.gait import GaitSettings, VelocityCommand
from cerebellum.sim.terrain import make_terrain

TOL = 1e-12

# H1-like geometry (GaitSettings.for_robot("h1") without loading the model) and the defaults.
SETTINGS = [
    GaitSettings(),
    GaitSettings(
        step_duration_s=0.45,
        nominal_width_m=0.4,
        min_step_width_m=0.3,
        max_step_width_m=0.65,
        max_step_length_m=0.45,
        nominal_foot_x_m=0.03,
        base_height_m=0.98,
        com_height_m=0.95,
        sole_rectangle=(-0.08, 0.14, -0.04, 0.04),
        fast_double_support_ratio=0.1,
    ),
]
TERRAINS = {
    "stairs-up": dict(name="stairs", rise_m=0.15, run_m=0.3, steps=5),
    "stairs-down": dict(name="stairs", rise_m=0.1, run_m=0.3, steps=5, direction="down"),
    "stones": dict(name="stepping_stones", size_m=0.3, gap_m=0.1, height_jitter_m=0.03, seed=3),
    "slope-up": dict(name="slope", angle_deg=15.0, length_m=4.0),
    "slope-down": dict(name="slope", angle_deg=-10.0, length_m=4.0),
    "rough": dict(name="rough", amplitude_m=0.06, extent_m=12.0, seed=5),
    "flat": dict(name="flat"),
}


class Vectorised:
    """A compiled terrain seen through array queries: the Python planner then reads exactly the
    heights and normals the C++ planner reads."""

    def __init__(self, q):
        self.q = q

    def height(self, x, y):
        return self.q.heights(np.asarray(x, float), np.asarray(y, float))

    def normal(self, x, y):
        return self.q.normals(np.asarray(x, float), np.asarray(y, float))


def _command(rng: np.random.Generator) -> VelocityCommand:
    return VelocityCommand(
        float(rng.uniform(-0.4, 1.0)), float(rng.uniform(-0.3, 0.3)), float(rng.uniform(-0.6, 0.6))
    )


def _same_foothold(a, b, tol=TOL) -> None:
    assert b.foot == a.foot
    np.testing.assert_allclose(b.position, a.position, atol=tol, rtol=0)
    np.testing.assert_allclose(b.normal, a.normal, atol=tol, rtol=0)
    assert b.yaw == pytest.approx(a.yaw, abs=tol)
    assert b.t_liftoff == a.t_liftoff and b.t_touchdown == a.t_touchdown
    assert b.feasible == a.feasible


def _search_inputs(py, args):
    """The search centre (clamped heuristic xy) and sole yaw of place(*args)."""
    foot, t0, td, base, yaw, cmd, verr, stance = args
    stance_s = t0 + 2.0 * py.settings.step_duration_s - td
    xy, sole_yaw = py.heuristic(foot, base, yaw, cmd, verr, stance_s)
    return py.clamp(foot, xy, yaw, stance[:2]), sole_yaw


def _same_or_tie(a, b, cpp, terrain, xy, sole_yaw, stance) -> bool:
    """The Python (a) and C++ (b) footholds agree, or both are minimal candidates of a tie: two
    candidates whose search cost (or violation key) is equal up to rounding, where the rounding
    of the candidate grid (numpy's matmul runs in BLAS, with FMA) decides which comes first.
    Returns True for a tie."""
    if np.allclose(a.position, b.position, atol=TOL, rtol=0):
        _same_foothold(a, b)
        return False
    assert a.feasible == b.feasible and a.foot == b.foot and a.yaw == pytest.approx(b.yaw)
    for scale in (1.0, 2.0):
        sa = cpp.score(terrain, a.position[:2], xy, sole_yaw, stance, scale)
        sb = cpp.score(terrain, b.position[:2], xy, sole_yaw, stance, scale)
        if not (sa["feasible"] == sb["feasible"] == b.feasible):
            continue
        ka, kb = (
            (sa["cost"], sb["cost"])
            if b.feasible
            else (sa["violation"] + 1e-3 * sa["cost"], sb["violation"] + 1e-3 * sb["cost"])
        )
        if abs(ka - kb) <= 1e-12:
            np.testing.assert_allclose(sa["position"], a.position, atol=TOL)
            np.testing.assert_allclose(sb["position"], b.position, atol=TOL)
            np.testing.assert_allclose(a.normal, sa["normal"], atol=TOL)
            np.testing.assert_allclose(b.normal, sb["normal"], atol=TOL)
            return True
    raise AssertionError(f"different footholds without a tie: {a} vs {b}")


@pytest.mark.parametrize("which", range(len(SETTINGS)))
def test_flat_heuristic_clamp_and_place_match_python(which):
    st = SETTINGS[which]
    py, cpp = FootstepPlanner(st), _core.FootstepPlanner(st)
    rng = np.random.default_rng(which)
    clamped = 0
    for _ in range(500):
        foot = int(rng.integers(0, 2))
        base = rng.uniform(-3, 3, 2)
        yaw = float(rng.uniform(-math.pi, math.pi))
        cmd = _command(rng)
        verr = rng.normal(0.0, 0.3, 2)
        stance_s = float(rng.uniform(0.3, 1.0))
        xy_p, yaw_p = py.heuristic(foot, base, yaw, cmd, verr, stance_s)
        xy_c, yaw_c = cpp.heuristic(foot, base, yaw, cmd, verr, stance_s)
        np.testing.assert_allclose(xy_c, xy_p, atol=TOL, rtol=0)
        assert yaw_c == pytest.approx(yaw_p, abs=TOL)
        np.testing.assert_allclose(
            cpp.heuristic(foot, base, yaw, cmd, verr)[0],
            py.heuristic(foot, base, yaw, cmd, verr)[0],
        )
        stance = np.r_[base + rng.normal(0.0, 0.4, 2), rng.uniform(-0.2, 0.2)]
        c_p = py.clamp(foot, xy_p, yaw, stance[:2])
        np.testing.assert_allclose(cpp.clamp(foot, xy_p, yaw, stance[:2]), c_p, atol=TOL, rtol=0)
        clamped += not np.allclose(c_p, xy_p)
        t0 = float(rng.uniform(0, 10))
        td = t0 + float(rng.uniform(0.2, 0.6))
        args = (foot, t0, td, base, yaw, cmd, verr, stance)
        _same_foothold(py.place(*args), cpp.place(*args))
    assert 50 < clamped < 490  # both the clamped and the free cases were exercised
    np.testing.assert_array_equal(cpp.offsets, py._offsets)
    np.testing.assert_array_equal(cpp.hip_offset(0), py.hip_offset(0))
    np.testing.assert_array_equal(cpp.hip_offset(1), py.hip_offset(1))


def _walk_inputs(terrain, rng: np.random.Generator, st: GaitSettings):
    """A plausible place() call on `terrain`: base somewhere the robot walks, the stance foot on
    the ground beside it."""
    sx, sy = terrain.start_xy
    base = np.array([sx + rng.uniform(-0.5, 4.0), sy + rng.uniform(-0.6, 0.6)])
    yaw = float(rng.normal(0.0, 0.4))
    foot = int(rng.integers(0, 2))
    side = 0.5 if foot == 1 else -0.5  # the stance foot is the other one
    c, s = math.cos(yaw), math.sin(yaw)
    off = np.array([rng.uniform(-0.3, 0.3), side * st.nominal_width_m + rng.normal(0, 0.05)])
    sxy = base + np.array([c * off[0] - s * off[1], s * off[0] + c * off[1]])
    stance = np.r_[sxy, float(terrain.height(sxy[0], sxy[1]))]
    return foot, base, yaw, _command(rng), rng.normal(0.0, 0.15, 2), stance


@pytest.mark.parametrize("which", range(len(SETTINGS)))
@pytest.mark.parametrize("name", list(TERRAINS))
def test_terrain_footholds_match_python(name, which):
    """Fresh searches (memo cleared) on every terrain: the Python planner on the Python terrain
    and on the compiled terrain's queries, against the C++ planner on the compiled terrain."""
    st = SETTINGS[which]
    params = dict(TERRAINS[name])
    terrain = make_terrain(params.pop("name"), **params)
    q = terrain.query()
    py, cpp = FootstepPlanner(st), _core.FootstepPlanner(st)
    rng = np.random.default_rng(17 + which)
    infeasible = moved = ties = 0
    n = 150
    for i in range(n):
        foot, base, yaw, cmd, verr, stance = _walk_inputs(terrain, rng, st)
        t0 = 0.5 * i
        args = (foot, t0, t0 + 0.4, base, yaw, cmd, verr, stance)
        xy, sole_yaw = _search_inputs(py, args)
        a = py.place(*args, terrain=Vectorised(q))
        b = cpp.place(*args, terrain=q)
        ties += _same_or_tie(a, b, cpp, q, xy, sole_yaw, stance)
        # the Python terrain's own queries agree with the compiled ones to rounding
        py.clear()
        _same_or_tie(py.place(*args, terrain=terrain), b, cpp, q, xy, sole_yaw, stance)
        cpp.clear()
        _same_foothold(cpp.place(*args, terrain=terrain), b)  # Terrain accepted, via query()
        infeasible += not b.feasible
        flat = cpp.place(foot, t0 + 0.1, t0 + 0.5, base, yaw, cmd, verr, stance)
        moved += not np.allclose(flat.position[:2], b.position[:2])
        # the search around the clamped heuristic, called directly
        xy = py.clamp(foot, py.heuristic(foot, base, yaw, cmd, verr)[0], yaw, stance[:2])
        pa = py.on_terrain(Vectorised(q), foot, xy, yaw, stance[:2], yaw + 0.1)
        pb = cpp.on_terrain(q, foot, xy, yaw, stance[:2], yaw + 0.1)
        fa = Foothold(foot, pa[0], yaw + 0.1, pa[1], t0, t0 + 0.4, pa[2])
        fb = Foothold(foot, pb[0], yaw + 0.1, pb[1], t0, t0 + 0.4, pb[2])
        ties += _same_or_tie(fa, fb, cpp, q, xy, yaw + 0.1, stance[:2])
    assert ties <= n // 5  # ties are the exception
    if name in ("stairs-up", "stones"):
        assert moved > 10  # the terrain search moved footholds off the heuristic
    if name == "flat":
        assert moved == 0 and infeasible == 0
    if name == "stones":
        assert infeasible > 0


@pytest.mark.parametrize("name", ["stairs-up", "stones", "rough", "slope-up"])
def test_memo_reuse_and_eviction_match_python(name):
    """Sequences of place() calls re-planning the same swings with inputs that move by less or
    more than the replan tolerance, on more swings than the memo holds."""
    st = SETTINGS[1]
    params = dict(TERRAINS[name])
    terrain = make_terrain(params.pop("name"), **params)
    q = terrain.query()
    py, cpp = FootstepPlanner(st), _core.FootstepPlanner(st)
    rng = np.random.default_rng(5)
    keys: list[tuple] = []
    reused = 0
    tied: dict[tuple, tuple] = {}  # (foot, t_liftoff) -> positions of a tie, reused later
    for _ in range(600):
        r = rng.uniform()
        if keys and r < 0.7:  # re-plan a known swing, moved a little or more
            recent = keys[-10:]  # mostly swings still in the memo, some evicted
            foot, t0, base, yaw, cmd, verr, stance = recent[int(rng.integers(0, len(recent)))]
            scale = [0.002, 0.004, 0.03][int(rng.integers(0, 3))]
            base = base + rng.normal(0.0, scale, 2)
            stance = stance + np.r_[rng.normal(0.0, scale, 2), 0.0]
            yaw = yaw + float(rng.normal(0.0, 0.005))
        else:
            foot, base, yaw, cmd, verr, stance = _walk_inputs(terrain, rng, st)
            t0 = float(rng.integers(0, 40)) * 0.25
            keys.append((foot, t0, base, yaw, cmd, verr, stance))
        td = t0 + float(rng.uniform(0.3, 0.5))  # a reused search keeps its first touchdown time
        args = (foot, t0, td, base, yaw, cmd, verr, stance)
        xy, sole_yaw = _search_inputs(py, args)
        a = py.place(*args, terrain=Vectorised(q))
        b = cpp.place(*args, terrain=q)
        reused += a.t_touchdown != td
        pair = tied.get((foot, t0))
        if pair is not None and np.array_equal(pair[0], a.position):
            np.testing.assert_array_equal(pair[1], b.position)  # a reused search of a tie
        elif _same_or_tie(a, b, cpp, q, xy, sole_yaw, stance):
            tied[(foot, t0)] = (a.position, b.position)
        assert cpp.memo_size == len(py._memo)
    assert reused > 50
    assert cpp.memo_size == _core.FootstepPlanner.memo_capacity == 8
    cpp.clear()
    assert cpp.memo_size == 0


def test_renormalises_normals():
    """Terrains whose normals are not unit length: both planners normalise them."""

    class Scaled(_core.TerrainQuery):
        def height(self, x, y):
            return 0.05 * x + 0.02 * math.sin(3.0 * y)

        def normal(self, x, y):
            return 3.0 * np.array([-0.05, -0.06 * math.cos(3.0 * y), 1.0])

    class PyScaled:
        def height(self, x, y):
            return 0.05 * np.asarray(x) + 0.02 * np.sin(3.0 * np.asarray(y))

        def normal(self, x, y):
            x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
            return 3.0 * np.stack(
                [np.full(x.shape, -0.05), -0.06 * np.cos(3.0 * y), 1.0 + 0 * x], -1
            )

    st = SETTINGS[0]
    py, cpp = FootstepPlanner(st), _core.FootstepPlanner(st)
    rng = np.random.default_rng(2)
    for i in range(40):
        foot, base, yaw, cmd, verr, stance = _walk_inputs(make_terrain("flat"), rng, st)
        args = (foot, float(i), i + 0.4, base, yaw, cmd, verr, stance)
        a, b = py.place(*args, terrain=PyScaled()), cpp.place(*args, terrain=Scaled())
        assert np.linalg.norm(b.normal) == pytest.approx(1.0, abs=1e-15)
        _same_foothold(a, b, tol=1e-12)


@pytest.mark.parametrize(
    ("field", "value"),
    [("grid_step_m", 0.0), ("grid_step_m", 0.001), ("max_slope_rad", 2.0), ("slope_weight", -1.0)],
)
def test_invalid_search_raises_value_error(field, value):
    class Bad:  # FootholdSearch validates itself: a plain object carries the bad value through
        pass

    bad = Bad()
    for f, v in FootholdSearch().__dict__.items():
        setattr(bad, f, v)
    setattr(bad, field, value)
    with pytest.raises(ValueError, match=field):
        _core.FootstepPlanner(GaitSettings(), bad)


def test_bad_arguments_raise_value_error():
    p = _core.FootstepPlanner(GaitSettings())
    args = (0, 0.0, 0.4, np.zeros(2), 0.0, VelocityCommand(), np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="terrain"):
        p.place(*args, terrain=object())
    with pytest.raises(ValueError, match="foot"):
        p.place(2, *args[1:])
    with pytest.raises(ValueError, match="stance"):
        p.on_terrain(make_terrain("flat"), 0, np.zeros(2), 0.0, np.zeros(4))


def test_rt_check_footstep_place_no_allocation():
    exe = Path(_core.__file__).parent / "bin" / "cerebellum_rt_check"
    if not exe.exists():
        pytest.skip(f"cerebellum_rt_check is not installed next to _core ({exe})")
    out = subprocess.run(
        [str(exe), str(load_robot("h1").model_path()), "--calls", "2000"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    report = json.loads(out.stdout)
    # stepping stones: terrain searches, memo hits, misses and evictions; and flat ground
    assert report["footstep_place"] == {"calls": 2000, "allocations": 0}
    assert report["footstep_place_flat"] == {"calls": 2000, "allocations": 0}
