"""Whole-body QP ticks recorded from a closed-loop walk, for benchmarks and comparisons that must
run on the workload the loop really solves (not one standing state warm-started on itself)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["RecordedTicks", "record_wbc_ticks"]


@dataclass(frozen=True)
class RecordedTicks:
    """n consecutive WBC ticks of ``robot`` in ``scenario`` from ``t_start_s`` on: the state
    (q (n, nq), v (n, nv), Pinocchio conventions), contact masks (n, nc), the references of each
    tick (``_core.WholeBodyReferences``), and the torques the controller got (n, nv-6), N·m.
    ``qp`` is the controller's own ``_core.WholeBodyQP`` (same settings), for replays."""

    robot: str
    scenario: str
    t_start_s: float
    q: np.ndarray
    v: np.ndarray
    masks: np.ndarray
    references: list
    tau: np.ndarray
    qp: object

    def replay(self):
        """Ticks ``qp`` through the recording: (durations (n,) µs timed in C++, tau (n, nv-6),
        status (n,) int)."""
        return self.qp.replay(self.q, self.v, self.masks, self.references)

    def __len__(self) -> int:
        return len(self.references)


class _RecordingQP:
    """Forwards everything to the controller's WholeBodyQP and records the ticks in a window."""

    def __init__(self, qp, n: int, first_tick: int):
        self._qp, self._n, self._first, self._ticks = qp, n, first_tick, 0
        self.rows: list[tuple] = []

    def __getattr__(self, name):
        return getattr(self._qp, name)

    def tick(self, q, v, mask):
        record = len(self.rows) < self._n and self._ticks >= self._first
        self._ticks += 1
        refs = self._qp.references if record else None
        tau = self._qp.tick(q, v, mask)
        if record:
            self.rows.append((np.array(q), np.array(v), np.array(mask, bool), refs, tau.copy()))
        return tau


def record_wbc_ticks(
    robot: str, n: int, scenario: str = "walk-flat", t_start_s: float = 1.5, seed: int = 0
) -> RecordedTicks:
    """Runs ``scenario`` with the ``walk`` controller until n ticks from ``t_start_s`` (s) are
    recorded (the built-in walking scenarios start walking at 1 s)."""
    from cerebellum.sim.scenario import load_scenario
    from cerebellum.sim.simulation import Simulation

    if n < 1:
        raise ValueError(f"n: expected >= 1 ticks, got {n}")
    sc = load_scenario(scenario)
    sim = Simulation(sc, robot=robot, seed=seed, controller="walk", duration_s=t_start_s)
    first = round(t_start_s / sim.dt_ctrl)
    sim = Simulation(
        sc, robot=robot, seed=seed, controller="walk", duration_s=(first + n + 2) * sim.dt_ctrl
    )
    ctl = sim.controller
    rec = _RecordingQP(ctl.qp, n, first)
    ctl.qp = rec
    result = sim.run()
    if result.fell or len(rec.rows) < n:
        raise RuntimeError(
            f"{robot} in {scenario}: recorded {len(rec.rows)} of {n} ticks"
            + (f" (fell at {result.fall_time_s:.2f} s)" if result.fell else "")
        )
    q, v, masks, refs, tau = zip(*rec.rows, strict=True)
    return RecordedTicks(
        robot,
        scenario,
        t_start_s,
        np.array(q),
        np.array(v),
        np.array(masks),
        list(refs),
        np.array(tau),
        rec._qp,
    )
