"""How close normal walks come to what the safety layer limits (docs/safety.md): the largest
torque rate (x the joint's torque limit, 1/s), the furthest a joint runs past its range, the
fastest joint, the largest base tilt. The safety defaults sit beyond these.

    PYTHONPATH=.dev python benchmarks/safety_margins.py h1 walk-flat push-walk stairs-up walk-rough
"""

from __future__ import annotations

import sys

import numpy as np

from cerebellum.dynamics.model import robot_model
from cerebellum.sim.scenario import load_scenario
from cerebellum.sim.simulation import Simulation


def margins(robot: str, scenario: str, seed: int = 0) -> dict[str, float]:
    rm = robot_model(robot)
    lo, hi = np.array(rm.model.lowerPositionLimit[7:]), np.array(rm.model.upperPositionLimit[7:])
    lim = np.array(rm.model.effortLimit[6:])
    sim = Simulation(load_scenario(scenario), robot=robot, seed=seed, controller="walk")
    res = sim.run()
    log = res.log
    q, v, tau = log["qpos"][:, 7:], log["qvel"][:, 6:], log["tau"]
    dt = float(log["t"][1] - log["t"][0])
    return {
        "success": float(res.success),
        "torque_rate_per_s": float((np.abs(np.diff(tau, axis=0)) / dt / lim).max()),
        "past_range_rad": float(max(0.0, -np.minimum(q - lo, hi - q).min())),
        "joint_speed_radps": float(np.abs(v).max()),
        "tilt_rad": float(log["tilt"].max()),
        "torque_ratio": float((np.abs(tau) / lim).max()),
    }


if __name__ == "__main__":
    robot = sys.argv[1]
    for sc in sys.argv[2:]:
        m = margins(robot, sc)
        print(f"{robot} {sc}: " + ", ".join(f"{k} {v:.3f}" for k, v in m.items()))
