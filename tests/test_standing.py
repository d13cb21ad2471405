"""Closed-loop standing with the ``wbc`` controller in MuJoCo: no fall, no QP failure, CoM held."""

from __future__ import annotations

import numpy as np
import pytest

from cerebellum.sim.scenario import load_scenario
from cerebellum.sim.simulation import Simulation

pytest.importorskip("cerebellum._core")

COM_TOL_M = 0.03  # horizontal CoM excursion allowed in quiet standing, m


def _run(scenario: str, robot: str, duration_s: float, overrides: tuple[str, ...] = ()):
    sim = Simulation(
        load_scenario(scenario, list(overrides)),
        robot=robot,
        controller="wbc",
        duration_s=duration_s,
    )
    return sim.run()


@pytest.mark.parametrize("robot", ["h1", "apollo", "talos"])
def test_stand_holds_com_without_qp_failures(robot):
    res = _run("stand", robot, 2.0)
    assert not res.fell
    assert res.controller_stats["failures"] == 0
    com = res.log["com"]  # (n, 3) world, m
    drift = np.linalg.norm(com[:, :2] - com[0, :2], axis=1).max()
    assert drift < COM_TOL_M, f"{robot}: CoM moved {drift:.3f} m"
    assert abs(com[-1, 2] - com[0, 2]) < COM_TOL_M


def test_h1_survives_lateral_push_without_qp_failures():
    # 20 N·s lateral at t = 0.5 s (0.1 s), no second push.
    res = _run(
        "push-stand",
        "h1",
        2.0,
        ("push.0.t_s=0.5", "push.1.impulse_Ns=[0.0, 0.0, 0.0]"),
    )
    assert res.pushes[0]["impulse_Ns"][1] > 19.0
    assert not res.fell
    assert res.controller_stats["failures"] == 0
    com = res.log["com"]
    assert np.linalg.norm(com[-1, :2] - com[0, :2]) < 0.1  # back near the start after 1.4 s
