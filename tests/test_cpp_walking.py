"""The C++ walking controller (_core.WalkingController, implementation = "cpp") against the Python
one it replaces (controllers/walking.py): both are fed the same states of one closed-loop run
(the Python controller drives the robot; its C++ twin plans and ticks on every state alongside) and
must give the same torques on every tick, through walking, turning, sidestepping, stopping,
stairs, stepping stones, pushes and push stepping, for every robot."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cerebellum import _core
from cerebellum.controllers.walking_cpp import CppWalkingController
from cerebellum.errors import CerebellumError
from cerebellum.sim.scenario import Push, load_scenario
from cerebellum.sim.simulation import Simulation

PY = 'controller.options.implementation="python"'


def _twin_run(scenario, robot: str, duration_s: float, overrides=()):
    if isinstance(scenario, str):
        sc = load_scenario(scenario, [PY, *overrides])
    else:
        sc = dataclasses.replace(
            scenario,
            controller=dataclasses.replace(
                scenario.controller,
                options={**dict(scenario.controller.options), "implementation": "python"},
            ),
        )
    sim = Simulation(sc, robot=robot, seed=0, controller="walk", duration_s=duration_s)
    py = sim.controller
    assert type(py).__name__ == "WalkingController"
    twin = CppWalkingController(sim.controller_context)
    diffs, scale = [], []
    reset, compute = py.reset, py.compute

    def both_reset(state):
        reset(state)
        # the C++ footstep search in the Python controller too: the two searches may break an
        # exact tie between equidistant candidates differently (numpy's BLAS rounding of the
        # candidate grid; see test_cpp_footsteps), which would split the two walks for good
        py.planner.footsteps = _core.FootstepPlanner(py.gait)
        twin.reset(state)

    def both_compute(state, cmd):
        a = compute(state, cmd)
        b = twin.compute(state, cmd)
        diffs.append(float(np.abs(a - b).max()))
        scale.append(float(np.abs(a).max()))
        return a

    py.reset, py.compute = both_reset, both_compute
    result = sim.run()
    return result, np.array(diffs), max(scale), py, twin


CASES = [
    ("walk-flat", "h1", 4.0, ()),
    ("turn", "h1", 4.0, ()),
    ("walk-lateral", "h1", 4.0, ()),
    ("walk-stop-go", "h1", 6.0, ()),
    # terrain-aware footholds and swings; at 3.38 s the terrain search places the step after next
    # on another stair (0.3 m, 0.1 m up) in one controller: two patches of near-equal cost, and the
    # measured kinematics (Pinocchio from Python vs cerebellum::Robot) differ by rounding
    # (on the ground-truth base: on the estimated one the two split at 2.46 s)
    ("stairs-up", "h1", 3.3, ("controller.ground_truth_base=true",)),
    ("stones", "h1", 4.0, ()),
    ("walk-rough", "h1", 4.0, ()),
    ("walk-flat", "apollo", 3.0, ()),  # arm swing, forward drift feedback
    ("walk-flat", "talos", 3.0, ()),
    ("walk-flat", "h1", 3.0, ('controller.options.footholds.step_feedback="capture"',)),
    ("walk-flat", "h1", 3.0, ('controller.options.footholds.step_feedback="dcm"',)),
    ("walk-flat", "h1", 3.0, ("controller.options.balance.dcm_replan=false",)),
]
# no wall-time deadline in the Python reference (it cuts a solve short at a moment that depends on
# the machine's load; the C++ controller's deterministic mode never does)
MPC = 'controller.options.planner="mpc"', "controller.options.mpc.deadline_scale=1e6"
# planner "mpc": the same generated OCP and C++ solver in both; the plan's outputs (mpc_out) come
# from CasADi's virtual machine in Python and from the compiled function in C++ (rounding)
MPC_CASES = [
    ("walk-flat", "h1", 3.0, MPC),
    # terrain-aware; from the plan at 2.5 s on, the next foothold before the first stair edge is
    # 2.5 cm apart in the two controllers (x 0.459 vs 0.434 m; before it the torques agree to
    # 1e-8): a discrete choice of the foothold search flipped by the rounding of the measured
    # kinematics, as in the stairs case above
    ("stairs-up", "h1", 2.45, (*MPC, "controller.ground_truth_base=true")),
    ("walk-flat", "talos", 3.0, MPC),
    ("walk-flat", "h1", 3.0, (*MPC, 'controller.options.mpc.balance="mpc"')),
    (
        "walk-flat",
        "h1",
        2.0,
        (
            *MPC,
            'controller.options.mpc.balance="none"',
            "controller.options.mpc.posture=true",
            "controller.options.mpc.base=true",
        ),
    ),
]


@pytest.mark.parametrize("scenario, robot, duration, overrides", CASES)
def test_cpp_controller_gives_the_python_torques(scenario, robot, duration, overrides):
    result, d, scale, py, twin = _twin_run(scenario, robot, duration, overrides)
    assert not result.fell
    assert len(d) == round(duration * 1000)
    # the same arithmetic in another order: rounding, amplified by the QP's conditioning
    assert d.max() < 1e-5 * scale, (d.max(), int(np.argmax(d)))
    assert np.median(d) < 1e-9 * scale
    assert twin.ctl.plans > duration * 50  # periodic plans and one per contact change
    assert twin.ctl.push_steps == py._push_steps
    # the last gait plans: the same footholds
    fa, fb = py.last_plan.footholds, twin.ctl.last_plan.footholds
    assert len(fa) == len(fb) > 0
    for a, b in zip(fa, fb, strict=True):
        assert a.foot == b.foot and a.t_touchdown == pytest.approx(b.t_touchdown, abs=1e-9)
        np.testing.assert_allclose(a.position, b.position, atol=1e-6)


@pytest.mark.parametrize("scenario, robot, duration, overrides", MPC_CASES)
def test_cpp_mpc_planner_gives_the_python_torques(scenario, robot, duration, overrides):
    result, d, scale, py, twin = _twin_run(scenario, robot, duration, overrides)
    assert not result.fell
    assert d.max() < 1e-5 * scale, (d.max(), int(np.argmax(d)))
    assert np.median(d) < 1e-8 * scale
    a, b = py.stats()["mpc"], twin.stats()["mpc"]
    assert twin.stats()["planner"] == "mpc"
    assert a["solves"] == b["solves"] == len(b["solve_ms"]) > duration * 40
    assert a["failures"] == b["failures"] and a["deadline_misses"] == b["deadline_misses"]


def test_push_stepping_matches():
    """A lateral shove that sends the DCM out of the feet while standing: both start stepping at
    the same tick with the same foot."""
    sc = load_scenario("push-stand", ["controller.ground_truth_base=true"])  # see stairs-up
    sc = dataclasses.replace(  # the push that makes H1 step
        sc, pushes=(Push(t_s=1.0, duration_s=0.1, impulse_Ns=(0.0, 45.0, 0.0)),)
    )
    result, d, scale, py, twin = _twin_run(sc, "h1", 3.0)
    assert py._push_steps >= 1
    assert twin.ctl.push_steps == py._push_steps
    assert d.max() < 1e-5 * scale


def test_cpp_controller_walks_by_itself_as_far_as_the_python_one():
    """The "walk" controller with implementation = "cpp" drives the robot alone, and the walk
    ends where the Python controller's does (closed loops that differ only by rounding)."""
    from cerebellum.controllers.walking_cpp import CppWalkingController as Cpp

    ends = {}
    for impl in ("cpp", "python"):
        sc = load_scenario("walk-flat", [f'controller.options.implementation="{impl}"'])
        sim = Simulation(sc, robot="h1", seed=0, controller="walk", duration_s=5.0)
        assert isinstance(sim.controller, Cpp) == (impl == "cpp")
        res = sim.run()
        assert not res.fell
        ends[impl] = res.log["base_pos"][-1, :2]
        if impl == "cpp":
            stats = sim.controller.stats()
            assert stats["implementation"] == "cpp" and stats["failures"] == 0
    assert ends["cpp"][0] > 2.5  # 1 m/s from t = 1 s, after the ramp
    assert np.linalg.norm(ends["cpp"] - ends["python"]) < 0.01 * ends["python"][0]


def test_bad_options_are_refused():
    with pytest.raises(CerebellumError, match="implementation"):
        Simulation(
            load_scenario("walk-flat", ['controller.options.implementation="rust"']),
            robot="h1",
            controller="walk",
        )
    with pytest.raises(CerebellumError, match="planner"):
        Simulation(
            load_scenario("walk-flat", ['controller.options.planner="lqr"']),
            robot="h1",
            controller="walk",
        )


def test_state_without_base_is_refused():
    from cerebellum import _core

    sc = load_scenario("walk-flat", ['controller.options.implementation="cpp"'])
    sim = Simulation(sc, robot="h1", seed=0, controller="walk", duration_s=0.01)
    seen = []
    reset = sim.controller.reset
    sim.controller.reset = lambda state: (seen.append(state), reset(state))
    sim.run()
    state = seen[0]
    ctl = _core.WalkingController(sim.controller.settings)
    with pytest.raises(RuntimeError, match="before reset"):
        ctl.tick(state, (0.0, 0.0, 0.0))
    with pytest.raises(ValueError, match="base"):
        ctl.reset(dataclasses.replace(state, base=None))
    with pytest.raises(ValueError, match="joint_pos"):
        ctl.reset(dataclasses.replace(state, joint_pos=state.joint_pos[:-1]))
    ctl.reset(state)
    tau = ctl.tick(state, (0.0, 0.0, 0.0))
    assert tau.shape == (len(state.joint_pos),) and np.isfinite(tau).all()
    bad = _core.WalkingSettings()
    with pytest.raises(ValueError, match="WalkingSettings"):
        _core.WalkingController(bad)


def test_planning_thread_solves_the_mpc():
    """Threaded mode with planner "mpc": the MPC solves on the planning thread (its wall-time
    deadline enforced there) and the robot walks."""
    sc = load_scenario(
        "walk-flat", ['controller.options.planner="mpc"', "controller.options.planning_thread=true"]
    )
    sim = Simulation(sc, robot="h1", seed=0, controller="walk", duration_s=4.0)
    res = sim.run()
    stats = sim.controller.stats()
    sim.controller.close()
    assert not res.fell and res.log["base_pos"][-1, 0] > 1.5
    m = stats["mpc"]
    assert stats["planner"] == "mpc" and m["solves"] > 0
    assert 0 <= m["deadline_misses"] <= m["failures"] <= m["solves"]
    assert stats["planning_thread"]["cycles"] >= m["solves"] - 1


def test_planning_thread_plans_while_the_tick_only_interpolates():
    """Threaded mode (what a robot runs): the plans come from the planning thread (wall-clock
    rate, from the latest published state); the robot walks, the counters add up, and plan()
    is refused while the thread runs."""
    sc = load_scenario(
        "walk-flat",
        ['controller.options.implementation="cpp"', "controller.options.planning_thread=true"],
    )
    sim = Simulation(sc, robot="h1", seed=0, controller="walk", duration_s=5.0)
    res = sim.run()
    ctl = sim.controller
    try:
        assert not res.fell
        assert res.log["base_pos"][-1, 0] > 2.5
        st = ctl.stats()["planning_thread"]
        assert ctl.ctl.planning_thread_running
        assert st["cycles"] >= 10 and st["failures"] == 0
        assert 0 <= st["deadline_misses"] <= st["cycles"]
        # every plan but the first (at the reset state) came from a cycle that found a new state
        assert 1 <= ctl.ctl.plans <= st["cycles"] + 1
        assert 0 <= st["stale_ticks"] <= 5000
        with pytest.raises(RuntimeError, match="planning thread"):
            ctl.ctl.plan(_any_state(sim), (0.0, 0.0, 0.0))
    finally:
        ctl.close()
    assert not ctl.ctl.planning_thread_running


def _any_state(sim):
    from cerebellum.sim.state import BaseState, RobotState

    q = sim.controller.settings.q_stand
    nj = len(q) - 7
    return RobotState(
        t_s=0.0,
        joint_pos=q[7:],
        joint_vel=np.zeros(nj),
        imu_quat_xyzw=q[3:7],
        imu_gyro=np.zeros(3),
        imu_acc=np.array([0.0, 0.0, 9.81]),
        foot_force=np.zeros((2, 3)),
        foot_torque=np.zeros((2, 3)),
        base=BaseState(q[:3], q[3:7], np.zeros(3), np.zeros(3)),
    )


def test_planning_thread_option_needs_the_cpp_controller():
    with pytest.raises(CerebellumError, match="planning_thread"):
        Simulation(
            load_scenario("walk-flat", [PY, "controller.options.planning_thread=true"]),
            robot="h1",
            controller="walk",
        )
