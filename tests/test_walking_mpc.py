"""Walking controller with the kinodynamic MPC as planner (``planner = "mpc"``), closed loop."""

from __future__ import annotations

import dataclasses


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
