"""The ``walk`` controller (_core.WalkingController behind controllers/walking.py): it walks by
itself, refuses bad options and states, and plans on a thread of its own in threaded mode."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cerebellum.controllers.walking import CppWalkingController
from cerebellum.errors import CerebellumError
from cerebellum.sim.scenario import load_scenario
from cerebellum.sim.simulation import Simulation


def test_walk_controller_walks_by_itself():
    """The "walk" controller drives the robot alone: 1 m/s from t = 1 s, without a QP failure."""
    sim = Simulation(
        load_scenario("walk-flat"), robot="h1", seed=0, controller="walk", duration_s=5.0
    )
    assert isinstance(sim.controller, CppWalkingController)
    res = sim.run()
    assert not res.fell
    assert res.log["base_pos"][-1, 0] > 2.5  # after the ramp
    stats = sim.controller.stats()
    assert stats["implementation"] == "cpp" and stats["failures"] == 0


@pytest.mark.parametrize("implementation", ["rust", "python"])
def test_bad_options_are_refused(implementation):
    with pytest.raises(CerebellumError, match="implementation"):
        Simulation(
            load_scenario("walk-flat", [f'controller.options.implementation="{implementation}"']),
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

    sim = Simulation(
        load_scenario("walk-flat"), robot="h1", seed=0, controller="walk", duration_s=0.01
    )
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
    # the QP's inputs and torques of that tick, as copies
    assert ctl.qp_ticks == 1 and ctl.last_mpc_inputs is None  # planner "lipm"
    q, v, mask, refs = ctl.last_qp_inputs
    np.testing.assert_array_equal(q[7:], state.joint_pos)
    np.testing.assert_array_equal(q[:3], state.base.position)
    assert v.shape == (len(q) - 1,) and mask.dtype == bool and mask.all()  # standing
    assert np.isfinite(refs.as_dict()["com"]).all()
    assert not np.shares_memory(q, ctl.last_qp_inputs[0])
    np.testing.assert_array_equal(ctl.last_qp_tau, tau)  # the safety layer passes it on
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
        ["controller.options.planning_thread=true"],
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
    from cerebellum.interfaces import BaseState, RobotState

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
