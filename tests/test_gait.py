"""Gait layer: the compiled contact schedule, base references, swing trajectories, footholds and
planner (cerebellum._core) against analytic and geometric properties; the gait settings' checks."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from cerebellum._core import (
    BoxTerrain,
    ContactSchedule,
    Foothold,
    FootstepPlanner,
    GaitPlanner,
    SwingTrajectory,
    TerrainQuery,
    quintic,
    ramped,
    tilt_matrix,
    yaw_matrix,
)
from cerebellum.controllers.gait import (
    LEFT,
    RIGHT,
    FootholdSearch,
    GaitSettings,
    GaitSettingsError,
    GaitState,
    VelocityCommand,
)

SETTINGS = GaitSettings(
    step_duration_s=0.5,
    double_support_ratio=0.2,
    step_height_m=0.08,
    max_step_length_m=0.4,
    max_step_width_m=0.6,
    min_step_width_m=0.12,
    nominal_width_m=0.4,
    nominal_foot_x_m=0.08,
    base_height_m=0.98,
    com_height_m=0.95,
    sole_rectangle=(-0.085, 0.11, -0.035, 0.035),
)


class Block(TerrainQuery):
    """Flat ground with a box of height ``h`` for x0 <= x <= x1 (any y)."""

    def __init__(self, x0: float, x1: float, h: float):
        super().__init__()
        self.x0, self.x1, self.h = x0, x1, h

    def height(self, x, y):
        return self.h if self.x0 <= x <= self.x1 else 0.0

    def normal(self, x, y):
        return np.array([0.0, 0.0, 1.0])


class Step(Block):
    """A stair step: ground at 0 for x < edge, at ``h`` beyond."""

    def __init__(self, edge: float, h: float):
        super().__init__(edge, math.inf, h)


def box_step(edge: float, h: float) -> BoxTerrain:
    """The same step as a compiled terrain (one box reaching 1 km past the edge)."""
    return BoxTerrain(np.array([[edge, edge + 1e3, -1e3, 1e3, h]]), 0.0)


def standing_state(x=0.0, y=0.0, yaw=0.0, v=(0.0, 0.0, 0.0), st=SETTINGS) -> GaitState:
    R = yaw_matrix(yaw)
    feet = np.array(
        [
            [x, y, 0.0] + R @ [st.nominal_foot_x_m, 0.5 * st.nominal_width_m, 0.0],
            [x, y, 0.0] + R @ [st.nominal_foot_x_m, -0.5 * st.nominal_width_m, 0.0],
        ]
    )
    return GaitState([x, y, st.base_height_m], yaw, v, feet, [yaw, yaw])


def rollout(planner: GaitPlanner, command, T: float, dt=0.01, n=25, knot_dt=0.04, state=None):
    """Kinematic walk: the base follows the command exactly, swing feet follow their references."""
    s = standing_state() if state is None else state
    base, yaw, feet, fyaw = s.base_position.copy(), s.base_yaw, s.foot_positions.copy(), s.foot_yaw
    log = []
    for k in range(int(round(T / dt))):
        t = k * dt
        cmd = command(t) if callable(command) else command
        v = np.r_[cmd.world_velocity(yaw), 0.0]
        plan = planner.plan(t, GaitState(base, yaw, v, feet, fyaw), cmd, n, knot_dt)
        log.append((t, yaw, base.copy(), feet.copy(), plan))
        for f in (LEFT, RIGHT):
            if not plan.contact[0, f]:
                feet[f] = plan.swing[f].position
                R = plan.swing[f].rotation
                fyaw[f] = math.atan2(R[1, 0], R[0, 0])
        base = base + v * dt
        base[2] = plan.base_position[0, 2]
        yaw += cmd.yaw_rate * dt
    return log


# -- settings -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [
        ("step_duration_s", 0.0),
        ("step_duration_s", float("nan")),
        ("double_support_ratio", 0.95),
        ("double_support_ratio", -0.1),
        ("fast_double_support_ratio", 0.9),
        ("fast_speed_mps", 0.0),
        ("step_height_m", 0.0),
        ("max_step_length_m", -0.2),
        ("min_step_width_m", 0.05),  # narrower than the sole: feet would overlap
        ("max_step_width_m", 0.1),
        ("nominal_width_m", 0.9),
        ("swing_apex_phase", 0.95),
        ("velocity_feedback_gain", -1.0),
        ("touchdown_freeze_phase", 1.5),
        ("stop_delay_s", -1.0),
        ("sole_rectangle", (0.1, 0.2, -0.03, 0.03)),
        ("capture_point_feedback", 1),
    ],
)
def test_bad_settings_name_the_field(field, value):
    with pytest.raises(GaitSettingsError) as e:
        SETTINGS.replace(**{field: value})
    assert e.value.field == field
    assert f"'{field}'" in str(e.value)


def test_unknown_setting_and_bad_search_and_command_name_the_field():
    with pytest.raises(GaitSettingsError, match="step_lenght_m.*valid: step_duration_s"):
        SETTINGS.replace(step_lenght_m=0.3)
    with pytest.raises(GaitSettingsError) as e:
        FootholdSearch(max_slope_rad=2.0)
    assert e.value.field == "max_slope_rad"
    with pytest.raises(GaitSettingsError) as e:
        FootholdSearch(grid_step_m=0.0)
    assert e.value.field == "grid_step_m"
    with pytest.raises(GaitSettingsError) as e:
        VelocityCommand(vx=float("inf"))
    assert e.value.field == "command.vx"


def test_settings_from_the_standing_pose():
    pytest.importorskip("pinocchio")
    st = GaitSettings.for_robot("h1", step_duration_s=0.6)
    assert st.step_duration_s == 0.6
    assert 0.35 < st.nominal_width_m < 0.45  # H1 soles are ~0.41 m apart standing
    assert 0.9 < st.base_height_m < 1.05 and 0.8 < st.com_height_m < st.base_height_m
    assert st.min_step_width_m >= st.sole_rectangle[3] - st.sole_rectangle[2]
    with pytest.raises(GaitSettingsError, match="'bogus'"):
        GaitSettings.for_robot("h1", bogus=1.0)


# -- contact schedule ------------------------------------------------------------------------------


def swing_intervals(flags: np.ndarray, times: np.ndarray) -> list[tuple[int, float, float]]:
    """(foot, liftoff, touchdown) of each complete swing in sampled flags (k, 2)."""
    out = []
    for f in (LEFT, RIGHT):
        c = flags[:, f].astype(int)
        lift = np.flatnonzero(np.diff(c) == -1) + 1
        land = np.flatnonzero(np.diff(c) == 1) + 1
        for a in lift:
            later = land[land > a]
            if len(later):
                out.append((f, times[a], times[later[0]]))
    return sorted(out, key=lambda s: s[1])


def interval(sw) -> tuple[int, float, float]:
    """(foot, liftoff, touchdown) of a swing interval."""
    return sw.foot, sw.t_liftoff, sw.t_touchdown


def test_walking_schedule_alternates_with_configured_durations():
    st = SETTINGS
    sched = ContactSchedule.walking(st, t_start=0.3, first_swing=RIGHT)
    dt = 0.001
    times = 0.3 + dt * np.arange(int(4.0 / dt))
    flags = sched.flags_at(times)
    assert flags.any(axis=1).all(), "both feet in swing at once"
    swings = swing_intervals(flags, times)
    assert [f for f, _, _ in swings][:6] == [RIGHT, LEFT, RIGHT, LEFT, RIGHT, LEFT]
    for _, lo, td in swings:
        assert td - lo == pytest.approx(st.single_support_s, abs=1.5 * dt)
    # Starts from double support; liftoffs one step apart.
    assert swings[0][1] - 0.3 == pytest.approx(st.start_double_support_s, abs=1.5 * dt)
    assert np.diff([lo for _, lo, _ in swings]) == pytest.approx(st.step_duration_s, abs=1.5 * dt)
    # Double-support fraction over whole steps.
    t0, t1 = swings[0][1], swings[6][1]
    m = (times >= t0) & (times < t1)
    ds = flags[m].all(axis=1).mean()
    assert ds == pytest.approx(st.double_support_ratio, abs=0.01)
    # horizon() and flags() agree with flags_at().
    h = sched.horizon(1.0, 0.04, 25)
    assert h.shape == (25, 2) and h.dtype == bool
    for k in range(25):
        assert (sched.flags(1.0 + 0.04 * k) == h[k]).all()


def test_fast_walking_swings_longer_and_a_lifted_swing_keeps_its_duration():
    """With ``fast_double_support_ratio``, swings that lift off at forward speed v last
    T (1 - r(v)), r linear from the standing ratio at 0 to the fast one at ``fast_speed_mps``;
    a swing in the air keeps its duration when the command changes; steps keep T; flags_at()
    and swings() agree; without the option, every swing lasts ``single_support_s``."""
    st = SETTINGS.replace(fast_double_support_ratio=0.05, fast_speed_mps=1.0)
    T = st.step_duration_s
    assert st.single_support_at(0.0) == st.single_support_s
    assert st.single_support_at(-0.5) == pytest.approx(T * (1 - 0.125))
    assert st.single_support_at(2.0) == pytest.approx(T * 0.95)
    assert SETTINGS.single_support_at(1.0) == SETTINGS.single_support_s
    sched = ContactSchedule.standing(st)
    dt = 0.005
    t_slow = 2.0 + st.start_double_support_s + 0.1  # mid-swing: the command drops to 0.5 m/s
    times, flags = [], []
    for k in range(int(4.0 / dt)):
        t = k * dt
        sched.update(t, VelocityCommand(1.0 if t < t_slow else 0.5))
        times.append(t)
        flags.append(sched.flags(t))
    times, flags = np.array(times), np.array(flags)
    swings = swing_intervals(flags, times)
    lifted = [(lo, td) for _, lo, td in swings]
    assert np.diff([lo for lo, _ in lifted]) == pytest.approx(T, abs=1.5 * dt)
    for lo, td in lifted:
        expected = T * 0.95 if lo < t_slow else T * (1 - 0.125)
        assert td - lo == pytest.approx(expected, abs=1.5 * dt), (lo, td)
    assert any(lo < t_slow < td for lo, td in lifted)  # the one in the air kept 0.95 T
    # the schedule's own swings agree with its flags
    exact = sched.swings(0.0, 4.0)
    for sw in exact:
        inside = times[(times > sw.t_liftoff + 1e-9) & (times < sw.t_touchdown - 1e-9)]
        assert not sched.flags_at(inside)[:, sw.foot].any()
        assert sched.flags(sw.t_touchdown + 1e-9)[sw.foot]


def test_swing_phase_and_next_swings():
    st = SETTINGS
    sched = ContactSchedule.walking(st, 0.0, LEFT)
    lo = st.start_double_support_s
    nxt = sched.next_swings(0.0, 3)
    assert [s.foot for s in nxt] == [LEFT, RIGHT, LEFT]
    assert nxt[0].t_liftoff == pytest.approx(lo)
    assert nxt[0].t_touchdown == pytest.approx(lo + st.single_support_s)
    assert nxt[1].t_liftoff == pytest.approx(lo + st.step_duration_s)
    t = lo + 0.25 * st.single_support_s
    assert sched.swing_phase(t, LEFT) == pytest.approx(0.25)
    assert sched.swing_phase(t, RIGHT) is None
    # the swing in progress comes first (the bound SwingInterval has no value equality)
    assert interval(sched.next_swings(t, 1)[0]) == interval(nxt[0])
    standing = ContactSchedule.standing(st)
    assert standing.horizon(0.0, 0.1, 50).all()
    assert standing.next_swings(0.0) == []


def test_start_and_stop_from_the_command():
    st = SETTINGS
    sched = ContactSchedule.standing(st)
    dt = 0.005
    go, stop_cmd = VelocityCommand(0.4), VelocityCommand()
    flags, times = [], []
    for k in range(int(4.0 / dt)):
        t = k * dt
        sched.update(t, go if 0.5 <= t < 2.05 else stop_cmd)
        flags.append(sched.flags(t))
        times.append(t)
    flags, times = np.array(flags), np.array(times)
    assert flags[times < 0.5 + st.start_double_support_s - dt].all()  # stands, then double support
    swings = swing_intervals(flags, times)
    # Stop requested at 2.05 + stop_delay: the step in progress is finished, none starts after.
    t_req = 2.05 + st.stop_delay_s
    assert all(lo < t_req for _, lo, _ in swings)
    last_td = max(td for _, _, td in swings)
    assert last_td <= t_req + st.single_support_s + dt
    assert flags[times >= last_td].all()
    assert not sched.is_walking(3.9)
    # Restart: a lateral command to the right swings the right foot first.
    sched.update(4.0, VelocityCommand(vy=-0.2))
    assert sched.next_swings(4.0, 1)[0].foot == RIGHT


def test_start_with_its_own_double_support():
    """``start(t, foot, double_support_s)``: the first liftoff comes that long after t, whatever
    the settings' start double support; a negative one is refused."""
    st = SETTINGS
    assert st.start_double_support_s > 0.06
    sched = ContactSchedule.standing(st)
    sched.start(1.0, RIGHT, 0.05)
    first = sched.next_swings(1.0, 1)[0]
    assert first.foot == RIGHT and first.t_liftoff == pytest.approx(1.05)
    assert sched.flags(1.04).all() and not sched.flags(1.06)[RIGHT]
    with pytest.raises(ValueError, match="'double_support_s'"):  # C++: a ValueError naming it
        ContactSchedule.standing(st).start(0.0, LEFT, -0.1)


# -- base reference --------------------------------------------------------------------------------


def test_base_reference_integrates_the_command():
    """The plan's base references (the compiled base reference is read through the planner):
    x, y, yaw integrate the command, z at the base height, velocity the command at each knot's
    yaw; a foothold from the base predicted at its touchdown knot is the planner's own (the
    single-time prediction of the footholds agrees with the per-knot one, yaw rate 0 included)."""
    cmd = VelocityCommand(0.6, 0.1, 0.5)
    n, dt = 25, 0.04
    state = standing_state(1.0, 2.0, 0.3)
    state.base_position[2] = 0.9  # the reference height does not follow the measured base
    ref = GaitPlanner(SETTINGS).plan(0.0, state, cmd, n, dt)
    assert ref.base_position.shape == (n, 3) and ref.base_velocity.shape == (n, 3)
    # Fine Euler integration of the same command.
    x, y, yaw, h = 1.0, 2.0, 0.3, 1e-5
    for k in range(1, n):
        for _ in range(int(round(dt / h))):
            c, s = math.cos(yaw), math.sin(yaw)
            x += h * (c * cmd.vx - s * cmd.vy)
            y += h * (s * cmd.vx + c * cmd.vy)
            yaw += h * cmd.yaw_rate
        assert ref.base_position[k, :2] == pytest.approx([x, y], abs=1e-5)
        assert ref.base_yaw[k] == pytest.approx(yaw, abs=1e-9)
    assert ref.base_position[:, 2] == pytest.approx(0.98)
    assert ref.base_yaw_rate == pytest.approx(0.5)
    yaw_k = ref.base_yaw[7]
    assert ref.base_velocity[7, :2] == pytest.approx(cmd.world_velocity(yaw_k))
    assert ref.base_velocity[:, 2] == pytest.approx(0.0)
    # Single-time and per-knot predictions agree, including yaw rate 0.
    for w in (0.0, 1e-12, 0.7):
        c = VelocityCommand(0.3, -0.2, w)
        s = standing_state(0.0, 0.0, 0.2, v=(*c.world_velocity(0.2), 0.0))  # no velocity error
        td = GaitPlanner(SETTINGS).plan(0.0, s, c).footholds[0].t_touchdown
        k = 10
        plan = GaitPlanner(SETTINGS).plan(0.0, s, c, n, td / k)  # knot k at the touchdown
        fh = plan.footholds[0]
        assert fh.t_touchdown == td and plan.times[k] == pytest.approx(td, abs=1e-15)
        expected = FootstepPlanner(SETTINGS).place(
            fh.foot, fh.t_liftoff, td, plan.base_position[k, :2], plan.base_yaw[k], c,
            np.zeros(2), s.foot_positions[1 - fh.foot],
        )  # fmt: skip
        assert fh.position == pytest.approx(expected.position, abs=1e-12)
        assert fh.yaw == pytest.approx(expected.yaw, abs=1e-12)


# -- swing trajectories ----------------------------------------------------------------------------


def test_quintic_boundary_conditions():
    q, dq, ddq = np.array([quintic(0.0), quintic(1.0)]).T  # the compiled quintic takes scalars
    assert (
        q == pytest.approx([0, 1]) and dq == pytest.approx([0, 0]) and ddq == pytest.approx([0, 0])
    )


@pytest.mark.parametrize("r", [0.1, 0.25, 0.5])
def test_ramped_scaling_ends_peak_and_derivatives(r):
    """0 -> 1 with zero slope and curvature at both ends, peak slope 1 / (1 - r) held between the
    ramps, derivatives matching central differences (so C2 across the ramp joints)."""
    assert ramped(0.0, r) == pytest.approx((0.0, 0.0, 0.0))
    assert ramped(1.0, r) == pytest.approx((1.0, 0.0, 0.0), abs=1e-12)
    u = np.linspace(0.0, 1.0, 20001)
    v = np.array([ramped(x, r) for x in u])  # (k, 3)
    assert v[:, 1].max() == pytest.approx(1.0 / (1.0 - r))
    assert np.all(np.diff(v[:, 0]) >= 0)
    h = u[1] - u[0]
    assert (v[2:, 0] - v[:-2, 0]) / (2 * h) == pytest.approx(v[1:-1, 1], abs=1e-6)
    # (the jerk jumps at the ramp joints: a second-order error of k^2 h / 8 there)
    assert (v[2:, 1] - v[:-2, 1]) / (2 * h) == pytest.approx(v[1:-1, 2], abs=1e-2)


def test_ramped_swing_has_a_lower_peak_speed_than_the_quintic():
    """Same endpoints and timing: the ramped xy profile reaches the foothold with zero velocity
    and acceleration and peaks at 1 / (1 - r) x the mean speed instead of 1.875 x."""
    p0, p1 = np.array([0.0, 0.1, 0.0]), np.array([0.8, 0.12, 0.0])
    quint = SwingTrajectory(p0, p1, 0.0, 0.32, 0.08, apex_phase=0.4)
    ramp = SwingTrajectory(p0, p1, 0.0, 0.32, 0.08, apex_phase=0.4, xy_ramp=0.25)
    ts = np.linspace(0.0, 0.32, 3201)
    mean = np.linalg.norm(p1[:2] - p0[:2]) / 0.32
    peak_q = max(np.linalg.norm(quint.sample(t).velocity[:2]) for t in ts)
    peak_r = max(np.linalg.norm(ramp.sample(t).velocity[:2]) for t in ts)
    assert peak_q / mean == pytest.approx(1.875, rel=1e-3)
    assert peak_r / mean == pytest.approx(4.0 / 3.0, rel=1e-3)
    end = ramp.sample(0.32)
    assert end.position == pytest.approx(p1) and np.allclose(end.velocity, 0)
    assert ramp.positions(ts[::80]) == pytest.approx(
        np.array([ramp.sample(t).position for t in ts[::80]])
    )
    fd_check(ramp, 0.0, 0.32)
    with pytest.raises(GaitSettingsError, match="swing_xy_ramp"):
        GaitSettings(swing_xy_ramp=0.6)


def test_ramped_profile_blends_in_with_the_swing_travel():
    """xy_ramp_travel_m: short swings keep the quintic, long ones are all ramped, in between a
    blend that still ends at the foothold at rest."""
    p0 = np.array([0.0, 0.0, 0.0])
    ts = np.linspace(0.0, 0.32, 641)

    def peak_ratio(travel):
        p1 = np.array([travel, 0.0, 0.0])
        tr = SwingTrajectory(p0, p1, 0.0, 0.32, 0.08, xy_ramp=0.25, xy_ramp_travel_m=0.3)
        end = tr.sample(0.32)
        assert end.position == pytest.approx(p1) and np.allclose(end.velocity, 0)
        return max(tr.sample(t).velocity[0] for t in ts) / (travel / 0.32)

    assert peak_ratio(0.2) == pytest.approx(1.875, rel=1e-3)  # below 0.3 m: quintic
    assert peak_ratio(0.8) == pytest.approx(4.0 / 3.0, rel=1e-3)  # beyond 0.6 m: ramped
    assert 4.0 / 3.0 < peak_ratio(0.45) < 1.875


def fd_check(traj: SwingTrajectory, t0: float, t1: float, h: float = 1e-5):
    for t in np.linspace(t0 + 2 * h, t1 - 2 * h, 37):
        a, m, b = traj.sample(t - h), traj.sample(t), traj.sample(t + h)
        assert (b.position - a.position) / (2 * h) == pytest.approx(m.velocity[:3], abs=1e-5)
        assert (b.velocity - a.velocity) / (2 * h) == pytest.approx(m.acceleration, abs=1e-3)
        # Angular velocity: R(t+h) R(t-h)^T ~ exp(2 h omega) in world axes.
        dR = b.rotation @ a.rotation.T
        w = np.array([dR[2, 1] - dR[1, 2], dR[0, 2] - dR[2, 0], dR[1, 0] - dR[0, 1]]) / (4 * h)
        assert w == pytest.approx(m.velocity[3:], abs=1e-5)


def test_swing_endpoints_continuity_and_touchdown():
    p0, p1 = np.array([0.1, 0.2, 0.0]), np.array([0.45, 0.25, 0.05])
    n1 = np.array([0.1, -0.05, 1.0])
    n1 /= np.linalg.norm(n1)
    traj = SwingTrajectory(
        p0, p1, 1.0, 1.4, 0.08, apex_phase=0.4, start_yaw=0.1, end_yaw=0.5, end_normal=n1
    )
    a, b = traj.sample(1.0), traj.sample(1.4)
    assert a.position == pytest.approx(p0) and b.position == pytest.approx(p1)
    assert np.allclose(a.velocity, 0) and np.allclose(a.acceleration, 0)
    assert np.allclose(b.velocity, 0) and np.allclose(b.acceleration, 0)
    assert a.rotation == pytest.approx(yaw_matrix(0.1))
    assert b.rotation == pytest.approx(tilt_matrix(n1) @ yaw_matrix(0.5))
    assert b.rotation[:, 2] == pytest.approx(n1)
    # Velocity/acceleration vanish approaching touchdown (continuity of the derivatives).
    near = traj.sample(1.4 - 1e-4)
    assert np.abs(near.velocity).max() < 1e-3 and np.abs(near.acceleration).max() < 0.5
    fd_check(traj, 1.0, 1.4)
    # Apex at the configured phase, step height above the higher endpoint.
    ts = np.linspace(1.0, 1.4, 4001)
    z = traj.positions(ts)[:, 2]
    assert z.max() == pytest.approx(0.05 + 0.08, abs=1e-9)
    assert ts[np.argmax(z)] == pytest.approx(1.0 + 0.4 * 0.4, abs=1e-3)
    assert traj.positions(ts[::100]) == pytest.approx(
        np.array([traj.sample(t).position for t in ts[::100]])
    )


@pytest.mark.parametrize(
    "terrain, p1, top",
    [
        (Block(0.2, 0.32, 0.12), np.array([0.5, 0.0, 0.0]), 0.12),  # obstacle between footholds
        (Step(0.22, 0.15), np.array([0.42, 0.0, 0.15]), 0.15),  # stair step up, edge near the toe
        (box_step(0.22, 0.15), np.array([0.42, 0.0, 0.15]), 0.15),  # a compiled terrain
    ],
)
def test_swing_clears_terrain_between_footholds(terrain, p1, top):
    st = SETTINGS
    rect = st.sole_rectangle
    clearance = 0.03
    traj = SwingTrajectory(
        np.zeros(3), p1, 0.0, 0.4, st.step_height_m, apex_phase=st.swing_apex_phase,
        terrain=terrain, clearance_m=clearance, sole_rectangle=rect,
    )  # fmt: skip
    assert traj.apex_z >= top + st.step_height_m - 1e-9
    ts = np.linspace(0.0, 0.4, 801)
    P = traj.positions(ts)
    xs = np.linspace(rect[0], rect[1], 9)
    under = np.array([max(float(terrain.height(p[0] + dx, p[1])) for dx in xs) for p in P])
    assert (P[:, 2] >= under - 1e-9).all(), "sole below the terrain"
    # Over the obstacle (or the upper tread while rising), the sole keeps the clearance.
    over = (under > 0.005) & (ts < 0.4 * st.swing_apex_phase if p1[2] > 0 else under > 0.005)
    assert over.any()
    assert (P[over, 2] - under[over] >= clearance - 2e-3).all()
    if top > p1[2]:  # without the terrain the swing would hit the obstacle
        flat = SwingTrajectory(np.zeros(3), p1, 0.0, 0.4, st.step_height_m, st.swing_apex_phase)
        assert (flat.positions(ts)[over, 2] < under[over]).any()


# -- footholds -------------------------------------------------------------------------------------


def first_foothold(cmd: VelocityCommand, st=SETTINGS, state=None, planner=None):
    pl = GaitPlanner(st) if planner is None else planner
    s = standing_state(v=(0.0, 0.0, 0.0)) if state is None else state
    plan = pl.plan(0.0, s, cmd)
    return plan, plan.footholds


def test_forward_steps_scale_with_speed():
    st = SETTINGS
    fp = FootstepPlanner(st)
    hip = fp.hip_offset(LEFT)
    offsets = []
    for vx in (0.0, 0.2, 0.4):
        xy, yaw = fp.heuristic(LEFT, np.zeros(2), 0.0, VelocityCommand(vx), np.zeros(2))
        offsets.append(xy - hip)
        assert yaw == 0.0
    assert offsets[0] == pytest.approx([0, 0])
    assert offsets[1][0] > 0.0 and offsets[2][0] == pytest.approx(2 * offsets[1][0])
    assert offsets[2][0] == pytest.approx(0.4 * st.stance_duration_s / 2)
    # Through the planner: touchdowns ahead of the predicted hip by v T_stance / 2.
    for vx in (0.2, 0.4):
        plan, fhs = first_foothold(VelocityCommand(vx), state=standing_state(v=(vx, 0, 0)))
        fh = fhs[0]
        hip_x = vx * (fh.t_touchdown - 0.0) + st.nominal_foot_x_m
        assert fh.position[0] - hip_x == pytest.approx(vx * st.stance_duration_s / 2, abs=1e-9)
    # Velocity error feedback moves the foothold by K (v - v_cmd) (capture point).
    xy_fb, _ = fp.heuristic(LEFT, np.zeros(2), 0.0, VelocityCommand(), np.array([0.1, 0.0]))
    assert xy_fb[0] - hip[0] == pytest.approx(
        0.1 * (st.velocity_feedback_gain + math.sqrt(st.com_height_m / 9.81))
    )


def test_velocity_error_moves_the_capture_step_and_lateral_steps():
    st = SETTINGS
    cmd = VelocityCommand(0.3)
    a = GaitPlanner(st).plan(0.0, standing_state(v=(0.3, 0.0, 0.0)), cmd).footholds
    b = GaitPlanner(st).plan(0.0, standing_state(v=(0.5, -0.1, 0.0)), cmd).footholds
    K = st.feedback_gain_s
    assert b[0].position[:2] - a[0].position[:2] == pytest.approx([0.2 * K, -0.1 * K])
    assert b[1].position == pytest.approx(a[1].position)  # feedback only on the capture step
    side = GaitPlanner(st).plan(0.0, standing_state(v=(0.0, 0.15, 0.0)), VelocityCommand(vy=0.15))
    fh = side.footholds[0]
    assert fh.foot == LEFT  # stepping left lifts the left foot first
    assert fh.position[1] - 0.5 * st.nominal_width_m == pytest.approx(
        0.15 * (fh.t_touchdown + st.stance_duration_s / 2)
    )


def test_turning_rotates_footholds():
    st = SETTINGS
    fp = FootstepPlanner(st)
    cmd = VelocityCommand(0.3, 0.0, 0.0)
    ref, _ = fp.heuristic(RIGHT, np.zeros(2), 0.0, cmd, np.zeros(2))
    for yaw in (0.4, -1.2, 2.5):
        xy, fyaw = fp.heuristic(RIGHT, np.zeros(2), yaw, cmd, np.zeros(2))
        assert xy == pytest.approx(yaw_matrix(yaw)[:2, :2] @ ref)
        assert fyaw == pytest.approx(yaw)
    w = 0.5
    xy, fyaw = fp.heuristic(RIGHT, np.zeros(2), 0.0, VelocityCommand(0.0, 0.0, w), np.zeros(2))
    assert fyaw == pytest.approx(w * st.stance_duration_s / 2)
    hip = fp.hip_offset(RIGHT)  # right hip, turning left: moves forward (+x), tangential
    assert xy[0] - hip[0] == pytest.approx(-w * hip[1] * st.stance_duration_s / 2)
    # In the planner the predicted base yaw at touchdown turns the foothold.
    plan, fhs = first_foothold(VelocityCommand(0.0, 0.0, w))
    fh = fhs[0]
    assert fh.foot == LEFT  # turning left lifts the left foot first
    assert fh.yaw == pytest.approx(w * fh.t_touchdown + w * st.stance_duration_s / 2)
    R = yaw_matrix(w * fh.t_touchdown)
    expected = R[:2, :2] @ fp.hip_offset(LEFT)
    expected += np.array([-w * expected[1], w * expected[0]]) * st.stance_duration_s / 2
    assert fh.position[:2] == pytest.approx(expected, abs=1e-9)


def test_step_limits_and_feet_never_cross():
    st = SETTINGS
    fp = FootstepPlanner(st)
    stance_xy = np.array([0.0, -0.2])  # C++ clamp() takes the stance foot's xy only
    far = fp.clamp(LEFT, np.array([3.0, 5.0]), 0.0, stance_xy)
    assert far == pytest.approx([st.max_step_length_m, -0.2 + st.max_step_width_m])
    crossed = fp.clamp(LEFT, np.array([-2.0, -1.0]), 0.0, stance_xy)
    assert crossed == pytest.approx([-st.max_step_length_m, -0.2 + st.min_step_width_m])
    rot = fp.clamp(RIGHT, np.array([0.0, 0.5]), math.pi / 2, np.zeros(2))  # heading +y
    assert rot == pytest.approx([st.min_step_width_m, st.max_step_length_m])

    # Walking under aggressive commands: every touchdown within limits of the other foot.
    def command(t):
        phase = int(t / 0.7) % 4
        return [
            VelocityCommand(2.0, 0.0, 0.0),
            VelocityCommand(0.0, -0.8, 0.0),
            VelocityCommand(-1.0, 0.6, 1.5),
            VelocityCommand(0.0, 0.8, -1.0),
        ][phase]

    log = rollout(GaitPlanner(st), command, T=5.6)
    checked = 0
    for t, yaw, _base, feet, plan in log:
        for k in range(plan.contact.shape[0]):
            if plan.contact[k].all():
                c, s = math.cos(plan.base_yaw[k]), math.sin(plan.base_yaw[k])
                d = plan.foot_positions[k, LEFT, :2] - plan.foot_positions[k, RIGHT, :2]
                dy = -s * d[0] + c * d[1]
                assert dy > 0.0, "feet crossed"
        for fh in plan.footholds:
            if (t - fh.t_liftoff) / st.single_support_s >= st.touchdown_freeze_phase:
                continue  # target held since an earlier tick (planned with the command then)
            other = [
                f for f in plan.footholds if f.foot != fh.foot and f.t_touchdown < fh.t_touchdown
            ]
            stance = other[-1].position if other else feet[1 - fh.foot]
            yaw_td = yaw + command(t).yaw_rate * (fh.t_touchdown - t)  # base yaw at touchdown
            c, s = math.cos(yaw_td), math.sin(yaw_td)
            d = fh.position[:2] - stance[:2]
            dx, dy = c * d[0] + s * d[1], -s * d[0] + c * d[1]
            sign = 1.0 if fh.foot == LEFT else -1.0
            assert abs(dx) <= st.max_step_length_m + 1e-9
            assert st.min_step_width_m - 1e-9 <= sign * dy <= st.max_step_width_m + 1e-9
            checked += 1
    assert checked > 100


def test_terrain_search_avoids_a_stair_edge():
    st = SETTINGS
    search = FootholdSearch()
    fp = FootstepPlanner(st, search)
    x0, x1 = st.sole_rectangle[:2]
    edge = 0.40
    terrain = Step(edge, 0.12)
    stance = np.array([0.3, -0.2, 0.0])
    nominal = np.array([edge - 0.01, 0.0])  # the sole would straddle the edge
    pos, normal, ok = fp.on_terrain(terrain, LEFT, nominal, 0.0, stance)
    assert ok
    assert normal == pytest.approx([0, 0, 1])
    m = search.edge_margin_m
    on_lower = pos[0] + x1 + m <= edge + 1e-9 and pos[2] == 0.0
    on_upper = pos[0] + x0 - m >= edge - 1e-9 and pos[2] == pytest.approx(0.12)
    assert on_lower or on_upper
    assert np.hypot(*(pos[:2] - nominal)) <= search.search_radius_m + 1e-9
    # Flat ground: the heuristic foothold itself is kept, z from the terrain.
    pos, _, ok = fp.on_terrain(Block(5.0, 6.0, 0.3), LEFT, nominal, 0.0, stance)
    assert ok and pos == pytest.approx([nominal[0], nominal[1], 0.0])
    # A 0.3 m wide pit under the heuristic foothold: a solid patch within reach is chosen.
    pit = Block(edge - 0.15, edge + 0.15, -1.0)
    pos, _, ok = fp.on_terrain(pit, LEFT, nominal, 0.0, stance)
    assert ok and pos[2] == 0.0
    assert pos[0] + x1 + m <= edge - 0.15 + 1e-9 or pos[0] + x0 - m >= edge + 0.15 - 1e-9
    # A slope steeper than allowed everywhere: least-bad candidate, flagged infeasible.

    class Steep(TerrainQuery):
        def height(self, x, y):
            return 1.0 * x

        def normal(self, x, y):
            return np.array([-1.0, 0.0, 1.0]) / math.sqrt(2)

    _, _, ok = fp.on_terrain(Steep(), LEFT, nominal, 0.0, stance)
    assert not ok


def test_planner_on_stairs_lands_on_treads_and_follows_the_ground():
    st = SETTINGS
    stairs = pytest.importorskip("cerebellum.sim.terrain").Stairs(rise_m=0.1, run_m=0.3, steps=4)
    edges = np.asarray(stairs.step_edges_x())
    pl = GaitPlanner(st, terrain=stairs)
    log = rollout(pl, VelocityCommand(0.4), T=4.0)
    x0, x1 = st.sole_rectangle[:2]
    touchdowns = {}
    for *_, plan in log:
        for fh in plan.footholds:
            touchdowns[(fh.foot, round(fh.t_touchdown, 6))] = fh
    final = [fh for (f, td), fh in touchdowns.items() if td <= 4.0]
    assert len(final) >= 6
    for fh in final:  # the sole never straddles an edge
        assert not np.any((edges > fh.position[0] + x0) & (edges < fh.position[0] + x1)), fh
        assert fh.position[2] == pytest.approx(float(stairs.height(fh.position[0], fh.position[1])))
    climbed = max(fh.position[2] for fh in final)
    assert climbed >= 0.1 - 1e-9
    for *_, plan in log:  # terrain normals per knot for the MPC's friction cones
        assert plan.foot_normals.shape == (25, 2, 3)
        assert np.linalg.norm(plan.foot_normals, axis=2) == pytest.approx(1.0)
    t, yaw, base, feet, plan = log[-1]
    ground = np.mean([plan.foot_positions[0, f, 2] for f in (LEFT, RIGHT) if plan.contact[0, f]])
    assert plan.base_position[0, 2] >= st.base_height_m + min(ground, climbed) - 0.1


# -- planner ---------------------------------------------------------------------------------------


def test_plan_shapes_references_and_determinism():
    st = SETTINGS
    cmd = VelocityCommand(0.5, 0.0, 0.2)
    logs = [rollout(GaitPlanner(st), cmd, T=1.5) for _ in range(2)]
    for (_, _, _, _, a), (_, _, _, _, b) in zip(logs[0], logs[1], strict=True):
        assert np.array_equal(a.foot_positions, b.foot_positions)
        assert np.array_equal(a.base_position, b.base_position)
    n = 25
    for t, _yaw, _base, feet, plan in logs[0]:
        assert plan.contact.shape == (n, 2) and plan.foot_positions.shape == (n, 2, 3)
        assert plan.base_position.shape == (n, 3) and plan.base_yaw.shape == (n,)
        assert plan.base_velocity.shape == (n, 3) and plan.base_yaw_rate.shape == (n,)
        assert plan.times[0] == t
        for f in (LEFT, RIGHT):
            if plan.contact[0, f]:  # stance: at the measured position, no motion
                assert plan.foot_positions[0, f] == pytest.approx(feet[f])
                assert np.isnan(plan.swing_phase[f])
                assert not plan.swing[f].velocity.any()
            else:
                assert 0.0 <= plan.swing_phase[f] <= 1.0
                assert plan.foot_positions[0, f] == pytest.approx(plan.swing[f].position)
            # Stance knots hold still; consecutive knots move continuously.
            steps = np.linalg.norm(np.diff(plan.foot_positions[:, f], axis=0), axis=1)
            assert steps.max() < 0.2
            still = plan.contact[1:, f] & plan.contact[:-1, f]
            assert (steps[still] < 1e-12).all()
        assert all(isinstance(fh, Foothold) for fh in plan.footholds)
    # Swing references: velocity matches the finite difference of the swing positions over ticks.
    ticks = [(t, p) for t, _, _, _, p in logs[0] if not p.contact[0, LEFT]]
    for (ta, a), (tb, b) in zip(ticks, ticks[1:], strict=False):
        if abs(tb - ta - 0.01) < 1e-9 and b.swing_phase[LEFT] < st.touchdown_freeze_phase:
            fd = (b.swing[LEFT].position - a.swing[LEFT].position) / (tb - ta)
            mid = 0.5 * (a.swing[LEFT].velocity[:3] + b.swing[LEFT].velocity[:3])
            assert fd == pytest.approx(mid, abs=0.02)


def test_plan_cost():
    st = SETTINGS
    pl = GaitPlanner(st)
    cmd = VelocityCommand(0.5, 0.1, 0.3)
    state = standing_state(v=(0.5, 0.0, 0.0))
    best = math.inf
    for k in range(300):
        t0 = time.perf_counter()
        pl.plan(0.01 * k, state, cmd, 25, 0.04)
        best = min(best, time.perf_counter() - t0)
    assert best < 2e-3  # typically ~0.3 ms; loose bound for shared machines
