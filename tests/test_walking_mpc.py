"""Walking controller with the kinodynamic MPC as planner (``planner = "mpc"``), closed loop."""

from __future__ import annotations

import dataclasses

import pytest


def test_closed_loop_walk_with_mpc_moves_forward():
    from cerebellum.sim.scenario import Command, load_scenario
    from cerebellum.sim.simulation import Simulation

    sc = load_scenario("walk-flat")
    ctrl = dataclasses.replace(sc.controller, options={"planner": "mpc"})
    sc = dataclasses.replace(sc, controller=ctrl, commands=(Command(0.0), Command(1.0, vx=0.3)))
    sim = Simulation(sc, robot="talos", controller="walk", duration_s=3.0)
    r = sim.run()
    assert not r.fell, r.fall_time_s
    p = r.log["base_pos"]
    assert p[-1, 0] - p[0, 0] > 0.3
    assert abs(p[-1, 1] - p[0, 1]) < 0.1
    mpc = sim.controller.stats()["mpc"]
    assert mpc["solves"] > 0
    assert len(mpc["solve_ms"]) == mpc["solves"]
    assert 0 <= mpc["deadline_misses"] <= mpc["solves"]
    assert 0 <= mpc["failures"] <= mpc["solves"]


def test_mpc_only_standing_holds_the_com_with_a_light_tilt_weight():
    """Without a balance law (``mpc.balance="none"``) the MPC alone places the CoM. With its
    default upright-base weight (100 on roll and pitch) it pitches Talos's slightly tilted base
    back with contact forces, and the standing CoM drifts backward (3 cm in 0.6 s); with
    ``mpc.w_base_tilt=1`` it stays within 1 cm."""
    from cerebellum.sim.scenario import load_scenario
    from cerebellum.sim.simulation import Simulation

    moved = {}
    for tilt in (100.0, 1.0):
        sc = load_scenario(
            "walk-flat",
            [
                'controller.options.planner="mpc"',
                'controller.options.mpc.balance="none"',
                f"controller.options.mpc.w_base_tilt={tilt}",
                "controller.ground_truth_base=true",  # the MPC's weights, on the true state
            ],
        )
        r = Simulation(sc, robot="talos", seed=0, controller="walk", duration_s=0.62).run()
        assert not r.fell
        moved[tilt] = float(r.log["com"][-1][0] - r.log["com"][0][0])  # standing until t = 1 s
    assert moved[100.0] < -0.02, moved
    assert abs(moved[1.0]) < 0.01, moved


@pytest.mark.parametrize("robot", ["h1", "apollo", "talos"])
@pytest.mark.parametrize("scenario, axis", [("walk-flat", 0), ("walk-lateral", 1)])
def test_the_mpc_alone_walks(robot, scenario, axis):
    """``mpc.balance = "none"``: no balance law, the WBC tracks the MPC's CoM, velocity and
    contact forces. Each robot walks the scenario's first 5 s without falling, and its base
    covers at least half the commanded displacement along the command (seed 0: 0.62 H1, 0.81
    Apollo, 0.71 Talos on walk-flat; 0.64, 0.79, 0.84 on walk-lateral; the start from standing
    and the command ramp take the rest)."""
    from cerebellum.sim.scenario import load_scenario
    from cerebellum.sim.simulation import Simulation

    sc = load_scenario(
        scenario,
        [
            'controller.options.planner="mpc"',
            'controller.options.mpc.balance="none"',
            "controller.options.mpc.w_base_tilt=1",
        ],
    )
    duration = 5.0
    r = Simulation(sc, robot=robot, seed=0, controller="walk", duration_s=duration).run()
    assert not r.fell, r.fall_time_s
    mpc = r.controller_stats["mpc"]
    assert mpc["solves"] > 0 and mpc["fallbacks"] == 0
    commanded = sum(
        (min(t_next, duration) - c.t_s) * (c.vx, c.vy)[axis]
        for c, t_next in zip(
            sc.commands, [*(c.t_s for c in sc.commands[1:]), duration], strict=True
        )
        if c.t_s < duration
    )
    walked = r.log["base_pos"][-1, axis] - r.log["base_pos"][0, axis]
    assert commanded > 0.5
    assert walked > 0.5 * commanded, (walked, commanded)
