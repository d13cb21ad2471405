"""Shared by the safety tests: a tap on a Simulation's controller ticks."""

from __future__ import annotations

import numpy as np


def inject(sim, change):
    """Wraps the controller's compute: ``change(state) -> state`` before each tick; returns the
    list the torques returned are recorded into."""
    compute, taus = sim.controller.compute, []

    def wrapped(state, cmd):
        tau = compute(change(state), cmd)
        taus.append(np.array(tau))
        return tau

    sim.controller.compute = wrapped
    return taus
