"""Whole-body QP ticks recorded from a closed-loop walk, for benchmarks and comparisons that must
run on the workload the loop really solves (not one standing state warm-started on itself)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "RecordedEstimatorUpdates",
    "RecordedTicks",
    "record_estimator_updates",
    "record_wbc_ticks",
]


@dataclass(frozen=True)
class RecordedTicks:
    """n consecutive WBC ticks of ``robot`` in ``scenario`` from ``t_start_s`` on: the state
    (q (n, nq), v (n, nv), Pinocchio conventions), contact masks (n, nc), the references of each
    tick (``_core.WholeBodyReferences``), and the QP's torques of each tick (n, nv-6), N·m.
    ``qp`` is a new ``_core.WholeBodyQP`` of the controller's settings, for replays."""

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


class _RecordingController:
    """Forwards everything to the ``walk`` controller and, after each tick in a window that ran
    the QP, records the QP's inputs and torques of that tick."""

    def __init__(self, ctl, n: int, first_tick: int):
        self._ctl, self._n, self._first, self._ticks = ctl, n, first_tick, 0
        self.rows: list[tuple] = []

    def __getattr__(self, name):
        return getattr(self._ctl, name)

    def compute(self, state, command):
        core = self._ctl.ctl  # _core.WalkingController
        qp_ticks = core.qp_ticks
        tau = self._ctl.compute(state, command)
        record = len(self.rows) < self._n and self._ticks >= self._first
        self._ticks += 1
        if record and core.qp_ticks != qp_ticks:
            q, v, mask, refs = core.last_qp_inputs
            self.rows.append((q, v, mask, refs, core.last_qp_tau))
        return tau


def record_wbc_ticks(
    robot: str, n: int, scenario: str = "walk-flat", t_start_s: float = 1.5, seed: int = 0
) -> RecordedTicks:
    """Runs ``scenario`` with the ``walk`` controller until n ticks from ``t_start_s`` (s) are
    recorded (the built-in walking scenarios start walking at 1 s)."""
    from cerebellum import _core  # noqa: PLC0415
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
    ctl = sim.controller  # controllers.walking.CppWalkingController
    rec = sim.controller = _RecordingController(ctl, n, first)
    result = sim.run()
    if result.fell or len(rec.rows) < n:
        raise RuntimeError(
            f"{robot} in {scenario}: recorded {len(rec.rows)} of {n} ticks"
            + (f" (fell at {result.fall_time_s:.2f} s)" if result.fell else "")
        )
    q, v, masks, refs, tau = zip(*rec.rows, strict=True)
    s = ctl.settings  # the QP's robot tracks the feet and the IMU frame, as the controller's
    qp = _core.WholeBodyQP(
        _core.Robot(s.model_path, [*s.foot_frames, s.imu_frame]), ctl.setup.wbc, ctl.setup.q_stand
    )
    return RecordedTicks(
        robot,
        scenario,
        t_start_s,
        np.array(q),
        np.array(v),
        np.array(masks),
        list(refs),
        np.array(tau),
        qp,
    )


@dataclass(frozen=True)
class RecordedEstimatorUpdates:
    """The base estimator's inputs of a closed-loop walk of ``robot`` in ``scenario``, from its
    reset to ``t_start_s`` + n ticks: the reset (base position (3,), quaternion xyzw (4,),
    world velocity (3,), joints (nj,)) and the stacked arguments of every ``update()`` (gyro,
    acc (m, 3); joint_pos, joint_vel (m, nj); foot_force, foot_torque (m, 2, 3); dt_s (m,);
    imu_quat_xyzw (m, 4) or None; schedule (m, 2) or None). ``first`` = the index of the first
    update at ``t_start_s``."""

    robot: str
    scenario: str
    t_start_s: float
    first: int
    reset: tuple
    updates: dict
    settings: object  # _core.BaseEstimatorSettings
    model_path: str
    final_position: np.ndarray  # (3,) the run's base estimate after the last recorded update

    def replay(self, est=None) -> np.ndarray:
        """``est`` (default: a new estimator with the run's settings), reset as the run's was,
        updated through the whole recording (the filter's states are the run's); (n,) durations
        of the last n updates, µs, timed in C++."""
        from cerebellum import _core  # noqa: PLC0415

        if est is None:
            est = _core.BaseEstimator(self.model_path, self.settings)
        est.reset(*self.reset)
        u = self.updates
        t = est.time_updates(
            u["gyro"],
            u["acc"],
            u["joint_pos"],
            u["joint_vel"],
            u["foot_force"],
            u["foot_torque"],
            u["dt_s"],
            u["imu_quat_xyzw"],
            u["schedule"],
        )
        return np.asarray(t)[self.first :]

    def __len__(self) -> int:
        return len(self.updates["dt_s"]) - self.first


class _RecordingEstimator:
    """Forwards everything to the simulation's estimator and records reset() and update()."""

    _NAMES = ("gyro", "acc", "joint_pos", "joint_vel", "foot_force", "foot_torque", "dt_s")

    def __init__(self, est, rows: int):
        self._est, self._rows = est, rows
        self.reset_args: tuple | None = None
        self.calls: list[tuple] = []
        self.final_position: np.ndarray | None = None

    def __getattr__(self, name):
        return getattr(self._est, name)

    def reset(self, *args):
        self.reset_args = tuple(np.array(a, dtype=float) for a in args)
        return self._est.reset(*args)

    def update(self, gyro, acc, qj, vj, force, torque, dt, quat=None, schedule=None):
        if len(self.calls) < self._rows:
            self.calls.append(
                tuple(np.array(x, dtype=float) for x in (gyro, acc, qj, vj, force, torque))
                + (float(dt), None if quat is None else np.array(quat, dtype=float), schedule)
            )
        status = self._est.update(gyro, acc, qj, vj, force, torque, dt, quat, schedule)
        if len(self.calls) == self._rows and self.final_position is None:
            self.final_position = np.array(self._est.position)
        return status


def record_estimator_updates(
    robot: str, n: int, scenario: str = "walk-flat", t_start_s: float = 1.5, seed: int = 0
) -> RecordedEstimatorUpdates:
    """Runs ``scenario`` with the ``walk`` controller on the estimated base until n updates
    from ``t_start_s`` (s) are recorded (the built-in walking scenarios start walking at 1 s)."""
    from cerebellum.sim.scenario import load_scenario
    from cerebellum.sim.simulation import Simulation

    if n < 1:
        raise ValueError(f"n: expected >= 1 updates, got {n}")
    sc = load_scenario(scenario, ["controller.ground_truth_base=false"])
    sim = Simulation(sc, robot=robot, seed=seed, controller="walk", duration_s=t_start_s)
    first = round(t_start_s / sim.dt_ctrl) - 1  # the first tick has no update (the reset)
    # the harness updates the estimator (the same operations as inside the C++ tick), through
    # the recorder
    sim = Simulation(
        sc,
        robot=robot,
        seed=seed,
        controller="walk",
        duration_s=(first + n + 2) * sim.dt_ctrl,
        estimator_in_controller=False,
    )
    rec = _RecordingEstimator(sim.estimator, first + n)
    sim.estimator = rec
    result = sim.run()
    if result.fell or len(rec.calls) < first + n or rec.reset_args is None:
        raise RuntimeError(
            f"{robot} in {scenario}: recorded {len(rec.calls) - first} of {n} estimator updates"
            + (f" (fell at {result.fall_time_s:.2f} s)" if result.fell else "")
        )
    cols = list(zip(*rec.calls, strict=True))
    updates = {name: np.array(cols[i]) for i, name in enumerate(_RecordingEstimator._NAMES)}
    quats, schedules = cols[7], cols[8]
    updates["imu_quat_xyzw"] = None if quats[0] is None else np.array(quats)
    updates["schedule"] = (
        None if schedules[0] is None else np.array(schedules, dtype=float).reshape(-1, 2)
    )
    return RecordedEstimatorUpdates(
        robot,
        scenario,
        t_start_s,
        first,
        rec.reset_args,
        updates,
        rec._est.settings,
        str(sim.cfg.model_path()),
        rec.final_position,
    )
