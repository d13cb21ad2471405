"""Walking scenarios and metrics, and ``cerebellum evaluate``: results, resume, crashes, interrupts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from cerebellum.sim.metrics import distance_m, mean_speed_mps, velocity_tracking_rmse
from cerebellum.sim.scenario import list_scenarios, load_scenario
from cerebellum.sim.simulation import ControllerUnavailableError, Simulation

WALKING = {
    "walk-flat",
    "turn",
    "walk-lateral",
    "walk-stop-go",
    "walk-rough",
    "walk-rough-hard",
    "slope-up",
    "slope-down",
    "slope-up-15",
    "slope-down-15",
    "stairs-up",
    "stairs-down",
    "stairs-up-15",
    "stairs-down-15",
    "stones",
    "push-walk",
}
SMALL = ["--robots", "h1", "--scenarios", "stand", "--duration", "0.5", "--controller", "pd"]


def cli(*args, **kw):
    return subprocess.run(
        [sys.executable, "-m", "cerebellum", *args],
        capture_output=True,
        text=True,
        timeout=120,
        **kw,
    )


def _default_sigint() -> None:
    # A test run started in the background of a non-interactive shell inherits SIGINT ignored,
    # and Python then keeps ignoring it: give the child the default, as an interactive user has.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def popen(*args):
    return subprocess.Popen(
        [sys.executable, "-m", "cerebellum", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def workers_of(pid: int) -> list[int]:
    """Spawned multiprocessing children of a process (Linux /proc)."""
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    out = []
    for k in kids:
        try:
            if b"spawn_main" in Path(f"/proc/{k}/cmdline").read_bytes():
                out.append(int(k))
        except OSError:
            pass
    return out


def wait_for(cond, timeout_s: float = 60.0) -> None:
    t0 = time.monotonic()
    while not cond():
        assert time.monotonic() - t0 < timeout_s, "timed out"
        time.sleep(0.02)


# ---------------------------------------------------------------------------------------------
# scenarios and metrics


def test_every_builtin_scenario_parses():
    names = set(list_scenarios())
    assert WALKING | {"stand", "push-stand"} <= names
    for name in names:
        sc = load_scenario(name)
        assert sc.duration_s > 0 and sc.success.no_fall
        if name in WALKING:
            assert sc.controller.name == "walk"
            moving = [c for c in sc.commands if c.vx or c.vy or c.yaw_rate]
            assert moving and sc.commands[-1] == type(sc.commands[-1])(sc.commands[-1].t_s)
    flat = load_scenario("walk-flat")
    assert max(c.vx for c in flat.commands) == 1.0 and flat.success.min_distance_m == 10.0
    assert load_scenario("walk-rough").terrain_params["amplitude_m"] == 0.03
    assert load_scenario("walk-rough-hard").terrain_params["amplitude_m"] == 0.06
    assert load_scenario("slope-down-15").terrain_params["angle_deg"] == -15.0
    assert load_scenario("stairs-up-15").terrain_params["rise_m"] == 0.15
    assert [c.vx for c in load_scenario("walk-stop-go").commands] == [0, 0.6, 0, 1.0, 0]
    pushes = load_scenario("push-walk").pushes
    assert {i for p in pushes for i in range(3) if p.impulse_Ns[i]} == {0, 1}


def test_a_controller_that_cannot_load_is_named(monkeypatch):
    from cerebellum.sim import simulation

    monkeypatch.setitem(simulation._CONTROLLERS, "ghost", "cerebellum.controllers.ghost:Ghost")
    with pytest.raises(ControllerUnavailableError, match="controller 'ghost' is not available yet"):
        Simulation(load_scenario("walk-flat"), controller="ghost", duration_s=0.1)


def _log(t, cmd, v_world, yaw, wz):
    n = len(t)
    q = np.zeros((n, 4))
    q[:, 2], q[:, 3] = np.sin(yaw / 2), np.cos(yaw / 2)  # xyzw, rotation about z
    pos = np.zeros((n, 3))
    pos[:, :2] = np.cumsum(v_world, axis=0) * (t[1] - t[0])
    qvel = np.zeros((n, 6))
    qvel[:, :2], qvel[:, 5] = v_world, wz  # body z = world z for a pure yaw
    rpy = np.zeros((n, 3))
    rpy[:, 2] = yaw
    return {
        "t": t,
        "command": cmd,
        "qvel": qvel,
        "base_rpy": rpy,
        "base_quat_xyzw": q,
        "base_pos": pos,
        "dt_s": np.array(t[1] - t[0]),
    }


def test_velocity_tracking_rmse_in_the_heading_frame():
    t = np.arange(4000) * 1e-3
    cmd = np.zeros((4000, 3))
    cmd[2000:] = (0.5, 0.1, 0.2)  # change at 2 s: samples in [2, 3) s are left out
    yaw = np.full(4000, 0.7)
    c, s = np.cos(0.7), np.sin(0.7)
    v_heading = np.where(t[:, None] < 2.0, [0.1, 0.0], [0.6, 0.1])  # +0.1 m/s error in x
    v_world = np.stack([c * v_heading[:, 0] - s * v_heading[:, 1], s * v_heading[:, 0]], 1)
    v_world[:, 1] += c * v_heading[:, 1]
    wz = np.where(t < 2.0, 0.0, 0.2) + 0.05
    v_world[2500] = (9.0, 9.0)  # inside a settling window: ignored
    r = velocity_tracking_rmse(_log(t, cmd, v_world, yaw, wz))
    assert r["vx_mps"] == pytest.approx(0.1) and r["vy_mps"] == pytest.approx(0.0, abs=1e-12)
    assert r["yaw_rate_rad_s"] == pytest.approx(0.05) and r["linear_mps"] == pytest.approx(0.1)
    assert (
        velocity_tracking_rmse(_log(t[:900], cmd[:900], v_world[:900], yaw[:900], wz[:900])) is None
    )
    log = _log(t, cmd, v_world, yaw, wz)
    d = np.linalg.norm(log["base_pos"][-1, :2] - log["base_pos"][0, :2])
    assert distance_m(log) == pytest.approx(d) and mean_speed_mps(log) == pytest.approx(d / 4.0)


# ---------------------------------------------------------------------------------------------
# evaluate


def test_evaluate_writes_results_and_resumes(tmp_path):
    out = tmp_path / "ev"
    r = cli("evaluate", *SMALL, "--seeds", "2", "--workers", "2", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "2/2 runs" in r.stderr and "ok 2" in r.stderr  # progress bar
    doc = json.loads((out / "results.json").read_text())
    assert doc["planned"] == doc["finished"] == doc["succeeded"] == 2 and doc["complete"]
    assert sorted(run["seed"] for run in doc["runs"]) == [0, 1]
    run = doc["runs"][0]
    assert {"robot", "scenario", "seed", "success", "fell", "reason", "wall_time_s"} <= set(run)
    m = run["metrics"]
    assert m["real_time_factor"] > 0 and m["distance_m"] >= 0 and m["mpc_solve_p99_ms"] is None
    cell = doc["cells"][0]
    assert (cell["robot"], cell["scenario"], cell["successes"], cell["finished"]) == (
        "h1",
        "stand",
        2,
        2,
    )
    md = (out / "results.md").read_text()
    assert "| h1 | stand | pd | 2/2 |" in md and "RTF" in md and "None." in md
    run_dir = out / "runs" / "stand-h1-0"
    assert (run_dir / "metrics.json").is_file() and not (run_dir / "log.npz").exists()

    first = lines(out / "runs.jsonl")
    again = cli("evaluate", *SMALL, "--seeds", "2", "--workers", "2", "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert "0 simulated, 2 resumed" in again.stdout and lines(out / "runs.jsonl") == first
    more = cli("evaluate", *SMALL, "--seeds", "3", "--workers", "2", "--out", str(out))
    assert more.returncode == 0 and "1 simulated, 2 resumed" in more.stdout
    recs = lines(out / "runs.jsonl")
    assert len(recs) == 3 and recs[2]["seed"] == 2
    # other settings are other runs
    other = cli(
        "evaluate", *SMALL, "--seeds", "1", "--out", str(out), "--set", "noise.gyro_rad_s=0"
    )
    assert other.returncode == 0 and "1 simulated, 0 resumed" in other.stdout


def test_failed_and_crashing_runs_are_recorded(tmp_path):
    out = tmp_path / "ev"
    args = ["evaluate", *SMALL, "--seeds", "1", "--workers", "1", "--out", str(out), "--quiet"]
    r = cli(*args, "--set", "success.base_height_min_m=2.0", "--keep-logs")
    assert r.returncode == 1, r.stderr
    (rec,) = lines(out / "runs.jsonl")
    assert not rec["success"] and rec["failed_criteria"] == ["base_height_min_m"]
    assert "base height" in rec["reason"] and "< 2.0 m" in rec["reason"]
    assert (out / "runs" / "stand-h1-0" / "log.npz").is_file()
    r = cli(*args, "--set", "controller.options.bogus=1")
    assert r.returncode == 1, r.stderr
    crash = lines(out / "runs.jsonl")[-1]
    assert crash["error"] and "ConfigError" in crash["reason"] and "bogus" in crash["reason"]
    md = (out / "results.md").read_text()
    assert "h1 / stand / seed 0: ConfigError" in md and "ConfigError (1)" in md


def test_bad_names_exit_2_and_list_the_valid_ones(tmp_path):
    r = cli("evaluate", "--robots", "asimo", "--scenarios", "moonwalk", "--out", str(tmp_path))
    assert r.returncode == 2
    assert "unknown robot 'asimo'" in r.stderr and "apollo, h1, talos" in r.stderr
    assert "unknown scenario 'moonwalk'" in r.stderr and "walk-flat" in r.stderr
    r = cli("evaluate", *SMALL, "--seeds", "0", "--out", str(tmp_path))
    assert r.returncode == 2 and "--seeds" in r.stderr
    assert not (tmp_path / "runs.jsonl").exists()


def test_interrupt_keeps_finished_results_and_resume_completes(tmp_path):
    out = tmp_path / "ev"
    args = ["evaluate", *SMALL, "--seeds", "8", "--workers", "1", "--out", str(out)]
    p = popen(*args)
    try:
        wait_for(lambda: len(lines(out / "runs.jsonl")) >= 1 or p.poll() is not None)
        kids = workers_of(p.pid)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
    finally:
        p.kill()
    assert p.returncode == 130, err
    assert "interrupted" in err and "run the same command again" in err
    finished = lines(out / "runs.jsonl")
    doc = json.loads((out / "results.json").read_text())
    assert 1 <= doc["finished"] == len(finished) < 8 and not doc["complete"]
    assert "(of 8)" in (out / "results.md").read_text()
    for k in kids:  # workers were stopped with the evaluation
        assert (
            not Path(f"/proc/{k}").exists()
            or b"spawn_main" not in Path(f"/proc/{k}/cmdline").read_bytes()
        )
    r = cli(*args, "--quiet")
    assert r.returncode == 0, r.stderr
    recs = lines(out / "runs.jsonl")
    assert recs[: len(finished)] == finished and len({x["key"] for x in recs}) == len(recs) == 8


def test_a_killed_worker_is_a_failed_run_not_a_lost_evaluation(tmp_path):
    out = tmp_path / "ev"
    p = popen("evaluate", *SMALL, "--seeds", "2", "--workers", "1", "--out", str(out))
    try:
        wait_for(lambda: workers_of(p.pid) or p.poll() is not None)
        os.kill(workers_of(p.pid)[0], signal.SIGKILL)
        _, err = p.communicate(timeout=60)
    finally:
        p.kill()
    assert p.returncode == 1, err
    recs = {r["seed"]: r for r in lines(out / "runs.jsonl")}
    assert set(recs) == {0, 1}
    assert recs[0]["error"] and "worker process died" in recs[0]["reason"]
    assert "SIGKILL" in recs[0]["reason"] and recs[1]["success"]


def test_a_worker_killed_before_its_task_arrives_is_a_failed_run(tmp_path, monkeypatch):
    """The race the SIGKILL test can hit: the task is sent to a worker that is already dead."""
    from cerebellum.sim import evaluate

    real, made = evaluate._Worker, []

    class DeadOnArrival(real):
        def __init__(self, ctx, out_dir):
            super().__init__(ctx, out_dir)
            if not made:
                self.proc.kill()
                self.proc.join()
            made.append(self)

    monkeypatch.setattr(evaluate, "_Worker", DeadOnArrival)
    tasks = evaluate.plan_tasks(["h1"], ["stand"], seeds=2, controller="pd", duration_s=0.3)
    ev = evaluate.run_evaluation(tasks, tmp_path, workers=1, progress=None)
    recs = {r["seed"]: r for r in lines(tmp_path / "runs.jsonl")}
    assert set(recs) == {0, 1} and len(made) == 2
    assert recs[0]["error"] and "killed by SIGKILL" in recs[0]["reason"]
    assert recs[1]["success"] and not ev.interrupted


def test_velocity_tracking_averages_the_sway_within_a_gait_cycle():
    """A pelvis swaying +-0.3 m/s sideways and +-0.2 rad/s in yaw at the gait-cycle period around
    an exact mean: the averaged error is ~0, the raw one is the sway's RMS (amplitude / sqrt 2)."""
    t = np.arange(6000) * 1e-3
    cmd = np.tile([0.5, 0.0, 0.3], (6000, 1))
    sway = np.sin(2 * np.pi * t / 0.8)
    v_world = np.column_stack([np.full(6000, 0.5), 0.3 * sway])
    yaw = np.zeros(6000)  # heading frame = world (the yaw rate below is not integrated here)
    r = velocity_tracking_rmse(_log(t, cmd, v_world, yaw, 0.3 + 0.2 * sway))
    assert r["linear_mps"] < 1e-3 and r["yaw_rate_rad_s"] < 1e-3
    assert r["raw_linear_mps"] == pytest.approx(0.3 / np.sqrt(2), rel=1e-2)
    assert r["raw_yaw_rate_rad_s"] == pytest.approx(0.2 / np.sqrt(2), rel=1e-2)
    worse = velocity_tracking_rmse(_log(t, cmd, v_world + [0.1, 0.0], yaw, 0.3 + 0.2 * sway))
    assert worse["linear_mps"] == pytest.approx(0.1, rel=1e-3)  # a mean error is not averaged away
