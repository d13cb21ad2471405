"""Shared by the controller tests: a tap on a Simulation's controller ticks; cerebellum_rt_check
on an exported walking controller."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest


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


def rt_check_walking(tmp_path: Path, calls: int, overrides=()) -> dict:
    """cerebellum_rt_check's report (JSON) on H1's exported ``walk-flat`` controller
    (``--walking``), ``calls`` per section; skips where the binary is not installed."""
    from cerebellum import _core
    from cerebellum.commands.export import export_scenario
    from cerebellum.robots import load_robot

    exe = Path(_core.__file__).parent / "bin" / "cerebellum_rt_check"
    if not exe.exists():
        pytest.skip(f"cerebellum_rt_check is not installed next to _core ({exe})")
    d = export_scenario(
        "walk-flat",
        tmp_path / "x",
        robot="h1",
        duration_s=0.1,
        controller="walk",
        overrides=list(overrides),
    )
    cfg = load_robot("h1")
    frames = [cfg.feet["left"].body, cfg.feet["right"].body]
    out = subprocess.run(
        [str(exe), str(cfg.model_path()), *frames, "--calls", str(calls)]
        + ["--walking", str(d / "controller.txt")],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return json.loads(out.stdout)


def walk_context(robot: str = "h1", options=None):
    """A ControllerContext of the ``walk`` controller for ``robot`` with scenario ``options``
    (no simulation: 1 kHz, no joints named)."""
    from cerebellum.robots import load_robot
    from cerebellum.sim.scenario import ControllerSettings
    from cerebellum.sim.simulation import ControllerContext

    cfg = load_robot(robot)
    options = dict(options or {})
    return ControllerContext(
        robot=cfg,
        model_path=cfg.model_path(),
        joint_names=(),
        effort_limit=np.zeros(0),
        dt_s=0.001,
        settings=ControllerSettings(name="walk", options=options),
        options=options,
    )
