"""``cerebellum tune``: a real Optuna study on short runs; resume after a kill; clean errors."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

optuna = pytest.importorskip(
    "optuna", reason="optional extra cerebellum[tune] (optuna) not installed"
)
pytest.importorskip("cerebellum._core")

from cerebellum.cli import main as cli_main  # noqa: E402
from cerebellum.sim.tuning import run_cost, trial_objective  # noqa: E402

# One short run per trial: H1 standing 1 s (succeeds) with two options of the walk controller.
SPACE = """
[params]
balance.k_dcm = { low = 1.0, high = 4.0, log = true }
footholds.step_feedback = { choices = ["gait", "capture"] }
"""
SMALL = ["--robot", "h1", "--scenarios", "stand", "--duration", "1.0", "--seeds", "1"]


def tune_cmd(out: Path, space: Path, trials: int) -> list[str]:
    return [
        sys.executable, "-m", "cerebellum", "tune", *SMALL, "--trials", str(trials),
        "--space", str(space), "--out", str(out), "--workers", "1", "--no-prune",
    ]  # fmt: skip


def load(out: Path):
    return optuna.load_study(study_name="h1-walk", storage=f"sqlite:///{out / 'study.db'}")


def states(study) -> dict[str, int]:
    out: dict[str, int] = {}
    for t in study.get_trials(deepcopy=False):
        out[t.state.name] = out.get(t.state.name, 0) + 1
    return out


def test_killed_tune_resumes_the_same_study(tmp_path):
    space = tmp_path / "space.toml"
    space.write_text(SPACE)
    out = tmp_path / "tuning"
    cmd = tune_cmd(out, space, trials=3)
    # kill the tune (and its simulation worker) while its second trial runs
    log = tmp_path / "first.log"
    with open(log, "w") as f:
        p = subprocess.Popen(cmd, stdout=f, stderr=f, start_new_session=True)
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.5)
            if not (out / "study.db").exists():
                continue
            try:
                s = states(load(out))
            except Exception:  # noqa: BLE001 - the database is still being created
                continue
            if s.get("COMPLETE", 0) >= 1 and s.get("RUNNING", 0) == 1:
                break
        assert p.poll() is None, log.read_text()[-2000:]
    finally:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    before = load(out)
    first = before.get_trials(deepcopy=False)
    assert [t.state.name for t in first][-1] == "RUNNING"  # killed mid-trial
    done_before = {t.number: (t.params, t.value) for t in first if t.state.name == "COMPLETE"}
    assert done_before

    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    after = load(out)
    assert after._study_id == before._study_id  # the same study, not a new one
    trials = after.get_trials(deepcopy=False)
    assert len(trials) > len(first)
    finished = [t for t in trials if t.state.name in ("COMPLETE", "PRUNED")]
    assert len(finished) == 3
    for n, (params, value) in done_before.items():  # earlier trials kept as they were
        assert (trials[n].params, trials[n].value) == (params, value)
    # the killed trial is failed and run again with the same options
    killed = trials[len(first) - 1]
    assert killed.state.name == "FAIL" and killed.user_attrs["interrupted"]
    retry = [t for t in trials if t.user_attrs.get("retry_of") == killed.number]
    assert len(retry) == 1 and retry[0].params == killed.params

    # outputs: [walking.SECTION] tables of the best trial that a robot file takes as they are
    best = min((t for t in trials if t.state.name == "COMPLETE"), key=lambda t: t.value)
    table = tomllib.loads((out / "best.toml").read_text())["walking"]
    assert table.keys() == {"balance", "footholds"}
    assert table["footholds"] == {"step_feedback": best.params["footholds.step_feedback"]}
    assert math.isclose(table["balance"]["k_dcm"], best.params["balance.k_dcm"], rel_tol=1e-3)
    robot = tmp_path / "h1tuned.toml"
    src = Path(__import__("cerebellum.models", fromlist=["x"]).__file__).parent / "h1.toml"
    text = src.read_text().split("[walking]")[0]
    robot.write_text(text + (out / "best.toml").read_text())
    from cerebellum.robots import load_robot

    assert load_robot(robot).walking == table
    assert (out / "history.png").stat().st_size > 1000
    summary = (out / "summary.md").read_text()
    assert "[walking]" in summary and f"| {best.number} | complete |" in summary
    # each trial's runs are an evaluation folder with the evaluate results files
    tdir = out / best.user_attrs["dir"]
    assert (tdir / "runs.jsonl").is_file() and (tdir / "results.md").is_file()


def test_objective_puts_success_first():
    durations = {"a": 10.0}

    def rec(success, fall=None, rmse=0.0, torque=0.0, tilt=0.0):
        metrics = {"velocity_rmse_mps": rmse, "max_torque_ratio": torque, "max_base_tilt_rad": tilt}
        return {"scenario": "a", "success": success, "fell": fall is not None,
                "fall_time_s": fall, "metrics": metrics}  # fmt: skip

    worst_success = rec(True, rmse=9.0, torque=9.0, tilt=9.0)
    best_failure = rec(False, rmse=0.0)  # no fall, a criterion missed
    for n in (1, 2, 5):
        for k in range(n):
            # k failures with the worst successes against k + 1 failures with the best ones
            a = [rec(False, fall=0.0)] * k + [worst_success] * (n - k)
            b = [best_failure] * (k + 1) + [rec(True)] * (n - k - 1)
            assert trial_objective(a, durations) < trial_objective(b, durations)
    assert run_cost(rec(False, fall=9.0), 10.0) < run_cost(rec(False, fall=1.0), 10.0)
    assert run_cost(rec(True, rmse=0.1), 10.0) < run_cost(rec(True, rmse=0.3), 10.0)


def run_cli(args, capsys) -> tuple[int, str]:
    code = cli_main(["tune", *args])
    return code, capsys.readouterr().err


def test_bad_space_files(tmp_path, capsys):
    cases = {
        'kp_wobble = { low = 1.0, high = 2.0 }': ("params.kp_wobble", "valid: ", "gait.step_duration_s"),
        'k_dcm = { low = 1.0, high = 2.0 }': ("params.k_dcm", "is now params.balance.k_dcm"),
        'balance.k_dcm = { low = 3.0, high = 1.0 }': ("params.balance.k_dcm", "low < high"),
        'balance.k_dcm = { low = 0.0, high = 1.0, log = true }': ("log scale needs low > 0",),
        'balance.k_dcm = { low = 1.0, hgih = 2.0 }': ("params.balance.k_dcm.hgih", "valid: low, high"),
        'balance.k_dcm = { low = -2.0, high = 1.0 }': ("the controller rejects -2.0", "expected >= 0"),
        'footholds.step_feedback = { choices = ["gait", "sideways"] }': ("unknown value 'sideways'",),
        'gait.double_support_ratio = { low = 0.1, high = 1.5 }': ("rejects 1.5", "expected 0..0.8"),
    }  # fmt: skip
    for line, expected in cases.items():
        space = tmp_path / "space.toml"
        space.write_text(f"[params]\n{line}\n")
        code, err = run_cli([*SMALL, "--space", str(space), "--out", str(tmp_path / "o")], capsys)
        assert code == 2, (line, err)
        assert err.startswith("cerebellum tune: error: ") and "Traceback" not in err
        assert str(space) in err
        for text in expected:
            assert text in err, (line, err)
    assert not (tmp_path / "o").exists()  # nothing was started


def test_unknown_sampler_and_missing_extras(tmp_path, capsys, monkeypatch):
    code, err = run_cli([*SMALL, "--sampler", "grid", "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "unknown sampler 'grid'; known: tpe, cmaes, nsga2" in err
    monkeypatch.setitem(sys.modules, "optuna", None)  # what `import optuna` sees without it
    code, err = run_cli([*SMALL, "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    assert "needs the optional package optuna: pip install 'cerebellum[tune]'" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("sampler", ["cmaes", "nsga2"])
def test_other_samplers_run_a_study(tmp_path, sampler):
    from cerebellum.sim.tuning import load_space, tune

    if sampler == "cmaes":
        pytest.importorskip("cmaes")
    space = tmp_path / "space.toml"
    space.write_text("[params]\nbalance.k_dcm = { low = 1.0, high = 4.0, log = true }\n")
    res = tune("h1", ["stand"], seeds=1, trials=3, space=load_space(space), duration_s=0.5,
               out_dir=tmp_path / "o", sampler=sampler, progress=None)  # fmt: skip
    study = load(tmp_path / "o")
    ks = [t.params["balance.k_dcm"] for t in study.get_trials()]
    assert res.trials == 3 and len(ks) == 3 and ks[0] == 2.0  # the start-up: H1's value
    assert all(1.0 <= k <= 4.0 for k in ks) and len(set(ks)) == 3  # sampled in the range
    assert res.best_params == {"balance.k_dcm": study.best_trial.params["balance.k_dcm"]}
