"""``mpc_deadline`` faults: every MPC solve in the window misses its deadline in the C++
controller (the shifted previous plan is kept), the robot keeps walking, and the counters equal
the solves the schedule puts in the window."""

from __future__ import annotations

import pytest

from cerebellum.errors import ConfigError
from cerebellum.sim.scenario import load_scenario
from cerebellum.sim.simulation import Simulation


def test_mpc_deadline_window_counts_and_walks():
    # no wall-time overruns counted as misses outside the window (machine load)
    sc = load_scenario("fault-mpc-deadline", ["controller.options.mpc.deadline_scale=1e6"])
    sim = Simulation(sc)
    res = sim.run()
    assert not res.fell and res.success, res.failed_criteria
    (f,) = res.faults
    assert f["kind"] == "mpc_deadline" and f["injected"]
    # independent count: the controller plans every 1000/50 = 20 ticks from k = 0 (mpc_hz 50 at
    # wbc_hz 1000); the window is ticks [3000, 3200)
    every = int(round(sc.controller.wbc_hz / sc.controller.mpc_hz))
    k0, k1 = int(round(f["t_s"] / 1e-3)), int(round((f["t_s"] + f["duration_s"]) / 1e-3))
    expected = sum(1 for k in range(k0, k1) if k % every == 0)
    assert expected == 10
    mpc = res.controller_stats["mpc"]
    # plus the replans at touchdowns in the window (measured: 2 on this seed, 12 in all)
    assert expected <= mpc["deadline_misses"] <= expected + 2
    assert mpc["failures"] == mpc["deadline_misses"]  # every failure is a forced miss
    x = res.log["qpos"][:, 0]
    assert x[-1] - x[0] > 1.5  # kept walking forward at 0.5 m/s


def test_mpc_deadline_off_matches_no_fault():
    """A window after the run's end injects nothing: the run equals the fault-free one."""
    a = Simulation(load_scenario("fault-mpc-deadline", ["fault.0.t_s=100.0"]), duration_s=1.5)
    b = Simulation(load_scenario("fault-mpc-deadline"), duration_s=1.5)
    ra, rb = a.run(), b.run()
    assert (ra.log["qpos"] == rb.log["qpos"]).all()
    assert ra.controller_stats["mpc"]["deadline_misses"] == 0


def test_mpc_deadline_fields_rejected():
    with pytest.raises(ConfigError, match="fault\\[0\\].target"):
        load_scenario("fault-mpc-deadline", ['fault.0.target="imu"'])
