"""Evaluation matrix: robot x scenario x seed runs in single-threaded worker processes.

Layout of the output folder ``DIR``::

    runs.jsonl        one JSON record per finished run, appended as soon as it finishes
    results.json      every run of this matrix found in runs.jsonl, and a summary per cell
    results.md        a table per robot x scenario, then the failures with seed and reason
    runs/<scenario>-<robot>-<seed>/metrics.json  (+ log.npz and plots with keep_logs)

A run is identified by a key: a hash of the robot (name and config file content), the scenario file
content, the seed, the controller, the overrides and the duration. Runs whose key is already in
``runs.jsonl`` are not simulated again, so an interrupted evaluation resumes where it stopped
(``retry_failed``: failed runs are simulated again). A run past ``timeout_s`` of wall time is
killed with its worker and recorded as failed, reason "timeout: ...".
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import multiprocessing as mp
import multiprocessing.connection
import os
import re
import signal
import statistics
import sys
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from cerebellum.errors import CerebellumError

__all__ = [
    "BACKENDS",
    "EvaluationInputError",
    "Evaluation",
    "Task",
    "load_runs",
    "plan_tasks",
    "run_evaluation",
    "run_task",
    "summarize",
    "write_results",
]

THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)

# (metrics key in a run record, column title, format) of the medians in results.md
COLUMNS = (
    ("real_time_factor", "RTF", "{:.2f}"),
    ("max_base_tilt_rad", "max tilt rad", "{:.3f}"),
    ("distance_m", "distance m", "{:.2f}"),
    ("mean_speed_mps", "speed m/s", "{:.2f}"),
    ("velocity_rmse_mps", "vel RMSE m/s", "{:.3f}"),
    ("yaw_rate_rmse_rad_s", "yaw RMSE rad/s", "{:.3f}"),
    ("wbc_tick_p99_us", "WBC tick p99 µs", "{:.0f}"),
    ("mpc_solve_p99_ms", "MPC solve p99 ms", "{:.2f}"),
)


class EvaluationInputError(CerebellumError, ValueError):
    """Bad names or numbers given to an evaluation; the message lists the valid choices."""


@dataclass(frozen=True)
class Task:
    """One simulation: ``scenario`` is a built-in name or a .toml path."""

    robot: str
    scenario: str
    scenario_name: str
    seed: int
    controller: str
    overrides: tuple[str, ...]
    duration_s: float | None
    key: str
    run_dir: str  # relative to the output folder
    keep_logs: bool = False


@dataclass
class Evaluation:
    """What :func:`run_evaluation` did: records by key, and how it ended."""

    tasks: list[Task]
    records: dict[str, dict[str, Any]]
    simulated: int = 0
    skipped: int = 0
    interrupted: bool = False
    stopped: bool = False  # on_record asked to stop
    wall_time_s: float = 0.0
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> list[dict[str, Any]]:
        return [self.records[t.key] for t in self.tasks if t.key in self.records]

    @property
    def all_succeeded(self) -> bool:
        done = self.finished
        return len(done) == len(self.tasks) and all(r["success"] for r in done)


# ---------------------------------------------------------------------------------------------
# planning


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def _dedupe(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def plan_tasks(
    robots: Sequence[str] | None = None,
    scenarios: Sequence[str] | None = None,
    seeds: int = 10,
    seed_start: int = 0,
    controller: str | None = None,
    overrides: Sequence[str] = (),
    duration_s: float | None = None,
    keep_logs: bool = False,
) -> list[Task]:
    """The tasks of a matrix, seed-major (every cell gets its first seed before any its second).

    ``robots`` None: each scenario's own robot. ``scenarios`` None: every built-in scenario.
    ``controller`` None: each scenario's ``[controller] name``, else the default controller.
    Raises :class:`EvaluationInputError` listing unknown names, ConfigError for bad scenarios and
    overrides, ControllerUnavailableError for controllers that cannot be loaded.
    """
    from cerebellum.robots import list_robots, load_robot
    from cerebellum.sim.scenario import _resolve, list_scenarios, load_scenario
    from cerebellum.sim.simulation import _factory, default_controller, list_controllers

    if seeds < 1:
        raise EvaluationInputError(f"--seeds must be >= 1, got {seeds}")
    if seed_start < 0 or seed_start + seeds - 1 > 2**32 - 1:
        raise EvaluationInputError(f"--seed-start must be in 0..2**32-seeds, got {seed_start}")
    if duration_s is not None and not (math.isfinite(duration_s) and duration_s > 0):
        raise EvaluationInputError(f"--duration must be > 0, got {duration_s}")
    scenarios = _dedupe(scenarios) if scenarios else list_scenarios()
    robots = _dedupe(robots) if robots else None

    def is_path(name: str) -> bool:
        return name.endswith(".toml") or os.sep in name

    problems = []
    known_sc = list_scenarios()
    bad_sc = [s for s in scenarios if (not Path(s).is_file() if is_path(s) else s not in known_sc)]
    if bad_sc:
        problems.append(
            f"unknown scenario{'s' * (len(bad_sc) > 1)} {', '.join(repr(s) for s in bad_sc)}; "
            f"known: {', '.join(known_sc)} (or a path to a .toml file)"
        )
    known_rb = list_robots()
    bad_rb = [
        r for r in robots or () if (not Path(r).is_file() if is_path(r) else r not in known_rb)
    ]
    if bad_rb:
        problems.append(
            f"unknown robot{'s' * (len(bad_rb) > 1)} {', '.join(repr(r) for r in bad_rb)}; "
            f"known: {', '.join(known_rb)} (or a path to a .toml file)"
        )
    if controller is not None and controller not in list_controllers():
        problems.append(
            f"unknown controller '{controller}'; known: {', '.join(list_controllers())}"
        )
    if problems:
        raise EvaluationInputError("; ".join(problems))

    overrides = tuple(overrides)
    robot_sha: dict[str, str] = {}
    cells = []  # (robot, scenario, Scenario, file sha, controller)
    for s in scenarios:
        sc = load_scenario(s, overrides)  # validates the file and the overrides
        file_sha = _sha256(_resolve(s).read_bytes())
        ctrl = controller or sc.controller.name or default_controller()
        _factory(ctrl)  # ControllerUnavailableError / UnknownNameError now, not in every worker
        for r in robots or [sc.robot]:
            if r not in robot_sha:
                robot_sha[r] = _sha256(load_robot(r).config_path.read_bytes())
            cells.append((r, s, sc, file_sha, ctrl))

    tasks = []
    for seed in range(seed_start, seed_start + seeds):
        for r, s, sc, file_sha, ctrl in cells:
            ident = {
                "robot": r,
                "robot_config": robot_sha[r],
                "scenario": file_sha,
                "seed": seed,
                "controller": ctrl,
                "overrides": list(overrides),
                "duration_s": duration_s,
            }
            key = _sha256(json.dumps(ident, sort_keys=True).encode())[:20]
            robot_label = Path(r).stem if r.endswith(".toml") else r
            tasks.append(
                Task(
                    robot=r,
                    scenario=s,
                    scenario_name=sc.name,
                    seed=seed,
                    controller=ctrl,
                    overrides=overrides,
                    duration_s=duration_s,
                    key=key,
                    run_dir=f"runs/{_safe(sc.name)}-{_safe(robot_label)}-{seed}",
                    keep_logs=keep_logs,
                )
            )
    return tasks


# ---------------------------------------------------------------------------------------------
# one run (in a worker)


def _failure_reason(m: dict[str, Any], sc) -> str:
    """A readable reason for each failed criterion of a run's metrics."""
    s = sc.success
    parts = []
    for c in m["failed_criteria"]:
        if c == "no_fall":
            parts.append(f"fell at {m['fall_time_s']:.2f} s")
        elif c == "base_height_min_m":
            parts.append(f"base height {m['min_base_height_m']:.3f} m < {s.base_height_min_m} m")
        elif c == "end_position":
            x, y = m["final_base_position_m"][:2]
            parts.append(
                f"ended at ({x:.2f}, {y:.2f}) m, more than {s.end_position_tol_m} m from "
                f"({s.end_position[0]:.2f}, {s.end_position[1]:.2f})"
            )
        elif c == "end_velocity":
            parts.append(f"final velocity off the command by > {s.end_velocity_tol_m_s} m/s")
        elif c == "min_distance_m":
            parts.append(f"distance {m['distance_m']:.2f} m < {s.min_distance_m} m")
        elif c in ("max_velocity_rmse", "max_yaw_rate_rmse"):
            rmse = m.get("velocity_tracking_rmse")
            key, unit, limit = (
                ("linear_mps", "m/s", s.max_velocity_rmse)
                if c == "max_velocity_rmse"
                else ("yaw_rate_rad_s", "rad/s", s.max_yaw_rate_rmse)
            )
            what = "velocity RMSE" if c == "max_velocity_rmse" else "yaw-rate RMSE"
            if rmse is None:
                parts.append(f"{what}: run too short to measure (settling window)")
            else:
                parts.append(f"{what} {rmse[key]:.3f} {unit} > {limit} {unit}")
        else:
            parts.append(c)
    return "; ".join(parts)


def _record(task: Task, m: dict[str, Any] | None) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "key": task.key,
        "robot": task.robot,
        "scenario": task.scenario_name,
        "seed": task.seed,
        "controller": task.controller,
        "success": False,
        "fell": None,
        "fall_time_s": None,
        "failed_criteria": [],
        "reason": None,
        "error": False,
        "metrics": None,
        "run_dir": task.run_dir,
    }
    if m is None:
        return rec
    rmse = m.get("velocity_tracking_rmse")
    mpc = m.get("mpc") or {}
    rec.update(
        robot=m["robot"],
        success=bool(m["success"]),
        fell=bool(m["fell"]),
        fall_time_s=m["fall_time_s"],
        failed_criteria=list(m["failed_criteria"]),
        metrics={
            "sim_time_s": m["sim_time_s"],
            "real_time_factor": m["real_time_factor"],
            "max_base_tilt_rad": m["max_base_tilt_rad"],
            "distance_m": m.get("distance_m"),
            "mean_speed_mps": m.get("mean_speed_mps"),
            "velocity_tracking_rmse": rmse,
            "velocity_rmse_mps": rmse["linear_mps"] if rmse else None,
            "yaw_rate_rmse_rad_s": rmse["yaw_rate_rad_s"] if rmse else None,
            "max_push_Ns": m.get("max_push_Ns"),
            "max_torque_ratio": m.get("max_torque_ratio"),
            "wbc_tick_p99_us": m["wbc"]["tick_us"]["p99"],
            "wbc_failures": m["wbc"]["failures"],
            "mpc_solve_p99_ms": (mpc.get("solve_ms") or {}).get("p99"),
            "mpc_solve_ms": mpc.get("solve_ms"),
            "mpc_failures": mpc.get("failures"),
            "mpc_deadline_misses": mpc.get("deadline_misses"),
            "estimator": m.get("estimator"),  # None on the ground-truth base
            "non_finite_torque_ticks": m.get("non_finite_torque_ticks"),
            "safety": _safety_summary((m.get("controller_stats") or {}).get("safety")),
        },
    )
    return rec


def _safety_summary(safety: dict[str, Any] | None) -> dict[str, Any] | None:
    """The C++ controller's safety report, shortened: mode, safe stop, the events counted."""
    if not isinstance(safety, dict):
        return None
    events = safety.get("events") or {}
    return {
        "mode": safety.get("mode"),
        "safe_stop": safety.get("safe_stop"),
        "events": {k: int(v["count"]) for k, v in events.items() if v.get("count")},
    }


def run_task(task: Task, out_dir: str | os.PathLike) -> dict[str, Any]:
    """Simulates one task; any exception becomes a failed record with its text as the reason."""
    from cerebellum.commands.run import run_scenario
    from cerebellum.sim.scenario import load_scenario

    t0 = time.perf_counter()
    try:
        m, _ = run_scenario(
            task.scenario,
            robot=task.robot,
            seed=task.seed,
            duration_s=task.duration_s,
            out=Path(out_dir) / task.run_dir,
            overrides=task.overrides,
            controller=task.controller,
            keep_logs=task.keep_logs,
        )
        rec = _record(task, m)
        if not rec["success"]:
            rec["reason"] = _failure_reason(m, load_scenario(task.scenario, task.overrides))
    except Exception as e:  # noqa: BLE001 - a crashing run is a result, not a lost evaluation
        rec = _record(task, None)
        rec.update(reason=f"{type(e).__name__}: {e}", error=True, traceback=traceback.format_exc())
    rec["wall_time_s"] = time.perf_counter() - t0
    rec["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    return rec


def _worker_main(conn: mp.connection.Connection, out_dir: str) -> None:
    """Worker loop: receives a Task (None: stop), sends ("started", None) as the run starts (the
    wall-time limit counts from there, imports excluded), then ("done", record)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides how to stop
    with contextlib.suppress(Exception):  # an import error is reported by run_task, per run
        import cerebellum.commands.run  # noqa: F401
        import cerebellum.sim.simulation  # noqa: F401
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        conn.send(("started", None))
        conn.send(("done", run_task(task, out_dir)))


# ---------------------------------------------------------------------------------------------
# runs.jsonl


# Fields of a run record that the summary reads, and their JSON types.
_RECORD_TYPES: dict[str, tuple[type, ...]] = {
    "key": (str,),
    "robot": (str,),
    "scenario": (str,),
    "seed": (int,),
    "success": (bool,),
    "run_dir": (str,),
    "reason": (str, type(None)),
    "metrics": (dict, type(None)),
    "failed_criteria": (list,),
}


def _check_record(rec: Any) -> str | None:
    """Why ``rec`` is not a run record (None if it is)."""
    if not isinstance(rec, dict):
        return "expected a JSON object"
    for k, types in _RECORD_TYPES.items():
        if k not in rec:
            return f"missing field '{k}'"
        v = rec[k]
        if not isinstance(v, types) or (isinstance(v, bool) and bool not in types):
            names = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            return f"field '{k}': expected {names}, got {v!r}"
    return None


def load_runs(path: str | os.PathLike) -> dict[str, dict[str, Any]]:
    """Records by key from a runs.jsonl. A torn last line (a hard kill mid-write) is ignored; any
    other malformed line raises ConfigError naming the file and the line."""
    from cerebellum.errors import ConfigError

    out: dict[str, dict[str, Any]] = {}
    path = Path(path)
    if not path.is_file():
        return out
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ConfigError(path, "<file>", f"cannot read: {e.strerror or e}") from None
    lines = data.split(b"\n")[:-1]  # after the last newline: nothing, or a torn record
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw.decode("utf-8"))
        except ValueError as e:  # JSONDecodeError, UnicodeDecodeError
            problem = f"not a JSON record ({e})"
        else:
            problem = _check_record(rec)
        if problem is not None:
            raise ConfigError(
                path,
                f"line {n}",
                f"{problem}; delete the line (its run is then simulated again) or use a new --out",
            )
        out[rec["key"]] = rec
    return out


def _drop_torn_tail(path: Path) -> None:
    """Cuts a torn last line (no newline: a hard kill mid-write) so that the next record starts
    on a line of its own."""
    if not path.is_file() or path.stat().st_size == 0:
        return
    data = path.read_bytes()
    if data.endswith(b"\n"):
        return
    with open(path, "r+b") as f:
        f.truncate(data.rfind(b"\n") + 1)


def _append(path: Path, rec: dict[str, Any]) -> None:
    from cerebellum.errors import OutputError
    from cerebellum.sim.report import finite_json

    clean, bad = finite_json(rec)
    if bad:
        clean["non_finite"] = bad
    try:
        with open(path, "a") as f:
            f.write(json.dumps(clean, allow_nan=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        raise OutputError(path, e.strerror or str(e)) from None


# ---------------------------------------------------------------------------------------------
# the pool


@contextlib.contextmanager
def _child_environment() -> Iterator[None]:
    """Single-threaded BLAS/OpenMP in spawned children, SIGINT ignored while they start."""
    saved = {k: os.environ.get(k) for k in THREAD_VARS}
    os.environ.update({k: "1" for k in THREAD_VARS})
    old_int = signal.getsignal(signal.SIGINT)
    in_main = _in_main_thread()
    if in_main:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        if in_main:
            signal.signal(signal.SIGINT, old_int)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


class _Worker:
    def __init__(self, ctx, out_dir: str):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, out_dir), daemon=True)
        with _child_environment():
            self.proc.start()
        child.close()
        self.task: Task | None = None
        self.started = 0.0

    def give(self, task: Task) -> None:
        """Hands over a task. A worker that already died is not an error here: the pool loop
        sees its sentinel and records the task as a failed run."""
        self.task, self.started = task, time.perf_counter()
        with contextlib.suppress(OSError):  # BrokenPipeError: killed before the task arrived
            self.conn.send(task)

    def stop(self, timeout_s: float = 2.0) -> None:
        """Asks an idle worker to leave; terminates a busy or stuck one."""
        if self.proc.is_alive() and self.task is None:
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)
            self.proc.join(timeout_s)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(timeout_s)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def _timed_out(task: Task, timeout_s: float, wall_s: float) -> dict[str, Any]:
    rec = _record(task, None)
    rec.update(
        reason=f"timeout: the run took longer than {timeout_s:g} s of wall time (worker killed)",
        error=True,
        timeout=True,
        wall_time_s=wall_s,
        finished_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    )
    return rec


def _died(task: Task, exitcode: int | None, wall_s: float) -> dict[str, Any]:
    rec = _record(task, None)
    if exitcode is not None and exitcode < 0:
        try:
            how = f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"killed by signal {-exitcode}"
    else:
        how = f"exit code {exitcode}"
    rec.update(
        reason=f"worker process died during the run ({how})",
        error=True,
        wall_time_s=wall_s,
        finished_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    )
    return rec


class _Progress:
    """done/total runs, successes, failures (:class:`cerebellum.progress.Progress`: a bar on a
    terminal, else a plain line every few seconds); each failure also on a line of its own."""

    def __init__(self, total: int, skipped: int, stream: TextIO | None):
        from cerebellum.progress import Progress

        self.skipped, self.ok, self.failed = skipped, 0, 0
        self.bar = None if stream is None else Progress(total, unit="runs", stream=stream)

    def update(self, rec: dict[str, Any] | None = None) -> None:
        if self.bar is None:
            return
        if rec is not None:
            if rec["success"]:
                self.ok += 1
            else:
                self.failed += 1
                self.bar.write(
                    f"{rec['scenario']} {rec['robot']} seed {rec['seed']}: FAILED: {rec['reason']}"
                )
        text = f"ok {self.ok}  failed {self.failed}" + (
            f"  resumed {self.skipped}" if self.skipped else ""
        )
        self.bar.update(self.skipped + self.ok + self.failed, postfix=text)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


BACKENDS = ("process", "ray")


def run_evaluation(
    tasks: list[Task],
    out_dir: str | os.PathLike,
    workers: int = 2,
    progress: TextIO | None = sys.stderr,
    on_record: Callable[[dict[str, Any]], bool | None] | None = None,
    timeout_s: float | None = None,
    retry_failed: bool = False,
    backend: Any = "process",
    address: str | None = None,
) -> Evaluation:
    """Runs the tasks not yet in ``out_dir/runs.jsonl`` on ``workers`` spawned processes
    (``retry_failed``: also those recorded as failed).

    Each finished run is appended to runs.jsonl at once. A worker that dies mid-run (crash or
    kill) is recorded as a failed run and replaced; one still running after ``timeout_s`` of
    wall time is killed and its run recorded as failed with reason "timeout: ...". The
    evaluation goes on. KeyboardInterrupt (and SIGTERM) terminates the workers and returns with
    ``interrupted`` set; what finished is kept. ``on_record(rec)`` is called with each new
    record; when it returns True the evaluation stops (running runs are killed, ``stopped``).

    ``backend``: "process" (the local pool above), "ray" (each run a Ray task, at most
    ``workers`` at a time, on a local Ray started here or on the cluster at ``address``), or a
    :class:`cerebellum.sim.ray_backend.RayCluster` already connected (kept open).
    """
    from cerebellum.sim.report import prepare_output_dir

    if workers < 1:
        raise EvaluationInputError(f"--workers must be >= 1, got {workers}")
    if timeout_s is not None and not (math.isfinite(timeout_s) and timeout_s > 0):
        raise EvaluationInputError(
            f"--timeout must be a finite number of seconds > 0, got {timeout_s}"
        )
    if isinstance(backend, str) and backend not in BACKENDS:
        raise EvaluationInputError(f"unknown backend '{backend}'; known: {', '.join(BACKENDS)}")
    if address is not None and backend == "process":
        raise EvaluationInputError("--address needs --backend ray")
    out = prepare_output_dir(out_dir)
    jsonl = out / "runs.jsonl"
    records = load_runs(jsonl)
    _drop_torn_tail(jsonl)
    if retry_failed:
        for t in tasks:
            if t.key in records and not records[t.key]["success"]:
                del records[t.key]
    todo = deque(t for t in tasks if t.key not in records)
    ev = Evaluation(tasks=tasks, records=records, skipped=len(tasks) - len(todo))
    bar = _Progress(len(tasks), ev.skipped, progress)
    bar.update()
    t0 = time.perf_counter()

    def finish(rec: dict[str, Any]) -> bool:
        """Keeps a finished run; True: stop the evaluation."""
        records[rec["key"]] = rec
        _append(jsonl, rec)
        ev.simulated += 1
        bar.update(rec)
        stop = bool(on_record(rec)) if on_record is not None else False
        ev.stopped = ev.stopped or stop
        return stop

    old_term = None
    if _in_main_thread():
        old_term = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        if backend == "process":
            _run_processes(todo, out, workers, timeout_s, finish)
        else:
            from cerebellum.sim.ray_backend import RayCluster

            if isinstance(backend, RayCluster):
                backend.run(todo, out, workers, timeout_s, finish)
            elif todo:
                with RayCluster(address=address, num_cpus=workers) as cluster:
                    cluster.run(todo, out, workers, timeout_s, finish)
    except KeyboardInterrupt:
        ev.interrupted = True
    finally:
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)
        bar.close()
    ev.wall_time_s = time.perf_counter() - t0
    return ev


def _run_processes(
    todo: deque[Task],
    out: Path,
    workers: int,
    timeout_s: float | None,
    finish: Callable[[dict[str, Any]], bool],
) -> None:
    """The local pool: ``todo`` on ``workers`` spawned processes; ``finish(rec)`` per run (True:
    stop). The workers are stopped on the way out, also on KeyboardInterrupt."""
    ctx = mp.get_context("spawn")
    pool: list[_Worker] = []
    try:
        for _ in range(min(workers, len(todo))):
            w = _Worker(ctx, str(out))
            pool.append(w)
            w.give(todo.popleft())
        while any(w.task is not None for w in pool):
            busy = [w for w in pool if w.task is not None]
            wait_s = None
            if timeout_s is not None:
                now = time.perf_counter()
                wait_s = max(0.0, min(w.started + timeout_s - now for w in busy))
            multiprocessing.connection.wait(
                [w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=wait_s
            )
            for i, w in enumerate(pool):
                if w.task is None:
                    continue
                rec = None
                try:
                    while rec is None and w.conn.poll():
                        kind, payload = w.conn.recv()
                        if kind == "started":
                            w.started = time.perf_counter()
                        else:
                            rec = payload
                except (EOFError, OSError):
                    rec = None
                elapsed = time.perf_counter() - w.started
                if rec is None and timeout_s is not None and elapsed >= timeout_s:
                    rec = _timed_out(w.task, timeout_s, elapsed)
                    w.proc.kill()
                    w.proc.join()
                    w.task = None
                    w.stop()
                    w = pool[i] = _Worker(ctx, str(out))
                elif rec is None and not w.proc.is_alive():
                    w.proc.join()
                    rec = _died(w.task, w.proc.exitcode, time.perf_counter() - w.started)
                    w.task = None
                    w.stop()
                    w = pool[i] = _Worker(ctx, str(out))
                if rec is None:
                    continue
                w.task = None
                if finish(rec):
                    return
                if todo:
                    w.give(todo.popleft())
    finally:
        for w in pool:
            w.stop()


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


# ---------------------------------------------------------------------------------------------
# results


def _median(values: list[Any]) -> float | None:
    xs = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return statistics.median(xs) if xs else None


def _main_failure(recs: list[dict[str, Any]]) -> str | None:
    """The most common failure of a cell: a criterion name, or the exception type."""
    kinds: Counter[str] = Counter()
    for r in recs:
        if r["success"]:
            continue
        if r.get("error"):
            kinds[(r["reason"] or "error").split(":")[0]] += 1
        else:
            kinds.update(r["failed_criteria"][:1] or ["failed"])
    if not kinds:
        return None
    kind, n = kinds.most_common(1)[0]
    return f"{kind} ({n})"


def summarize(ev: Evaluation) -> list[dict[str, Any]]:
    """One entry per robot x scenario, in plan order: success k/n, medians, failures."""
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for t in ev.tasks:
        c = cells.setdefault(
            (t.robot, t.scenario_name),
            {
                "robot": t.robot,
                "scenario": t.scenario_name,
                "controller": t.controller,
                "planned": 0,
                "runs": [],
            },
        )
        c["planned"] += 1
        if t.key in ev.records:
            c["runs"].append(ev.records[t.key])
    out = []
    for c in cells.values():
        recs = sorted(c.pop("runs"), key=lambda r: r["seed"])
        ok = sum(bool(r["success"]) for r in recs)
        c.update(
            finished=len(recs),
            successes=ok,
            success_rate=ok / len(recs) if recs else None,
            median={
                key: _median([(r["metrics"] or {}).get(key) for r in recs]) for key, _, _ in COLUMNS
            },
            main_failure=_main_failure(recs),
            failures=[
                {"seed": r["seed"], "reason": r["reason"], "run_dir": r["run_dir"]}
                for r in recs
                if not r["success"]
            ],
        )
        out.append(c)
    return out


def write_results(ev: Evaluation, out_dir: str | os.PathLike, command: str = "") -> Path:
    """Writes results.json and results.md for the tasks of ``ev``; returns results.md."""
    from cerebellum.errors import OutputError
    from cerebellum.sim.report import prepare_output_dir, write_json

    out = prepare_output_dir(out_dir)
    cells = summarize(ev)
    runs = sorted(ev.finished, key=lambda r: (r["robot"], r["scenario"], r["seed"]))
    from cerebellum.sim.results import source_commit

    doc = {
        "command": command,
        "commit": source_commit(),
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "settings": ev.settings,
        "planned": len(ev.tasks),
        "finished": len(runs),
        "succeeded": sum(bool(r["success"]) for r in runs),
        "complete": len(runs) == len(ev.tasks),
        "interrupted": ev.interrupted,
        "cells": cells,
        "runs": runs,
    }
    write_json(doc, out / "results.json")

    lines = ["# Evaluation results", ""]
    if command:
        lines += ["```", command, "```", ""]
    status = f"{doc['finished']} of {doc['planned']} runs finished, {doc['succeeded']} succeeded."
    if not doc["complete"]:
        status += " Incomplete: run the same command again to finish the rest."
    lines += [status, "", "Medians over the finished runs of each cell (— where not measured).", ""]
    head = ["robot", "scenario", "controller", "success"] + [c[1] for c in COLUMNS]
    head.append("main failure")
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for c in cells:
        rate = f"{c['successes']}/{c['finished']}"
        if c["finished"] < c["planned"]:
            rate += f" (of {c['planned']})"
        row = [c["robot"], c["scenario"], c["controller"], rate]
        for key, _, fmt in COLUMNS:
            v = c["median"][key]
            row.append("—" if v is None else fmt.format(v))
        row.append(c["main_failure"] or "")
        lines.append("| " + " | ".join(row) + " |")
    failures = [(c, f) for c in cells for f in c["failures"]]
    lines += ["", "## Failures", ""]
    if not failures:
        lines.append("None.")
    for c, f in failures:
        reason = (f["reason"] or "").replace("\n", " ")
        lines.append(f"- {c['robot']} / {c['scenario']} / seed {f['seed']}: {reason}")
    md = out / "results.md"
    try:
        md.write_text("\n".join(lines) + "\n")
    except OSError as e:
        raise OutputError(md, e.strerror or str(e)) from None
    return md
