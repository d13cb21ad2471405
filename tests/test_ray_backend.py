"""``evaluate --backend ray``: the same runs as Ray tasks on a local Ray started by the test."""

from __future__ import annotations

import json
import sys

import pytest

pytest.importorskip("cerebellum._core")

from cerebellum.cli import main as cli_main  # noqa: E402
from cerebellum.sim.evaluate import load_runs, plan_tasks, run_evaluation  # noqa: E402

# Wall-clock measurements: they differ between any two runs, on any backend.
TIMING = {"real_time_factor", "wbc_tick_p99_us", "mpc_solve_p99_ms", "mpc_solve_ms"}


def test_ray_gives_the_process_pool_results(tmp_path):
    pytest.importorskip("ray", reason="optional extra cerebellum[ray] (ray) not installed")
    # one run that succeeds (standing) and one that fails (1.5 s of walk-flat is too short to
    # measure the velocity tracking), on two seeds each
    tasks = plan_tasks(["h1"], ["stand", "walk-flat"], seeds=2, duration_s=1.5)
    pool = run_evaluation(tasks, tmp_path / "pool", workers=1, progress=None)
    ray = run_evaluation(tasks, tmp_path / "ray", workers=2, progress=None, backend="ray")
    assert pool.all_succeeded is False and not ray.interrupted
    assert sorted(ray.records) == sorted(pool.records) == sorted(t.key for t in tasks)
    assert {r["success"] for r in pool.finished} == {True, False}
    for t in tasks:
        a, b = pool.records[t.key], ray.records[t.key]
        assert not a["error"] and not b["error"], (a["reason"], b["reason"])
        for k in ("success", "fell", "fall_time_s", "failed_criteria", "reason", "run_dir"):
            assert a[k] == b[k], (t.run_dir, k)
        ma = {k: v for k, v in a["metrics"].items() if k not in TIMING}
        mb = {k: v for k, v in b["metrics"].items() if k not in TIMING}
        assert ma == mb, t.run_dir  # deterministic simulation: bit for bit
        # the run folders are written by the Ray workers under the same output path
        m = json.loads((tmp_path / "ray" / t.run_dir / "metrics.json").read_text())
        assert m["success"] == b["success"]
    # runs.jsonl on disk as for the pool; a second call resumes (nothing simulated again)
    assert sorted(load_runs(tmp_path / "ray" / "runs.jsonl")) == sorted(pool.records)
    again = run_evaluation(tasks, tmp_path / "ray", workers=2, progress=None, backend="ray")
    assert again.simulated == 0 and again.skipped == len(tasks)


def test_missing_ray_extra_is_a_clean_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` sees without it
    args = ["evaluate", "--robots", "h1", "--scenarios", "stand", "--duration", "0.2"]
    code = cli_main([*args, "--seeds", "1", "--backend", "ray", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert "--backend ray needs the optional package ray: pip install 'cerebellum[ray]'" in err
    assert "Traceback" not in err
    code = cli_main([*args, "--address", "auto", "--out", str(tmp_path / "o")])
    assert code == 2 and "--address needs --backend ray" in capsys.readouterr().err
