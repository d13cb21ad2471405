"""``evaluate``'s per-run wall-time limit (a run past it is killed, recorded as failed with reason
"timeout", the evaluation goes on) and ``--retry-failed``."""

from __future__ import annotations

import json

import pytest

from cerebellum.sim.evaluate import EvaluationInputError, load_runs, plan_tasks, run_evaluation


def test_a_run_past_the_limit_is_a_timeout_and_the_evaluation_goes_on(tmp_path):
    # 600 s of simulated standing cannot finish in 8 s of wall time; 0.05 s can.
    slow = plan_tasks(robots=["h1"], scenarios=["stand"], seeds=1, duration_s=600.0)
    fast = plan_tasks(robots=["h1"], scenarios=["stand"], seeds=1, seed_start=1, duration_s=0.05)
    ev = run_evaluation(slow + fast, tmp_path, workers=1, progress=None, timeout_s=8.0)
    assert not ev.interrupted and ev.simulated == 2
    rec_slow, rec_fast = ev.records[slow[0].key], ev.records[fast[0].key]
    assert rec_slow["success"] is False and rec_slow.get("timeout") is True
    assert rec_slow["reason"].startswith("timeout")
    assert 8.0 <= rec_slow["wall_time_s"] < 120.0
    assert rec_fast["success"] is True, rec_fast["reason"]
    # both are in runs.jsonl (strict JSON); a plain re-run resumes, skipping the timed-out run
    lines = (tmp_path / "runs.jsonl").read_text().splitlines()
    assert [json.loads(x)["key"] for x in lines] == [slow[0].key, fast[0].key]
    again = run_evaluation(slow + fast, tmp_path, workers=1, progress=None, timeout_s=8.0)
    assert again.simulated == 0 and again.skipped == 2


def test_retry_failed_runs_only_the_failed_ones(tmp_path):
    ok = plan_tasks(robots=["h1"], scenarios=["stand"], seeds=2, duration_s=0.02)
    jsonl = tmp_path / "runs.jsonl"
    ev = run_evaluation(ok, tmp_path, workers=1, progress=None)
    assert ev.simulated == 2 and ev.all_succeeded
    # mark the second one failed, as a timed-out run would be recorded
    recs = [json.loads(x) for x in jsonl.read_text().splitlines()]
    recs[1].update(success=False, reason="timeout: test", error=True)
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in recs))
    plain = run_evaluation(ok, tmp_path, workers=1, progress=None)
    assert plain.simulated == 0 and not plain.all_succeeded
    retry = run_evaluation(ok, tmp_path, workers=1, progress=None, retry_failed=True)
    assert retry.simulated == 1 and retry.all_succeeded
    assert load_runs(jsonl)[ok[1].key]["success"] is True


@pytest.mark.parametrize("timeout", [0.0, -1.0, float("nan"), float("inf")])
def test_timeout_must_be_positive_and_finite(tmp_path, timeout):
    with pytest.raises(EvaluationInputError, match="--timeout"):
        run_evaluation([], tmp_path, workers=1, progress=None, timeout_s=timeout)


def test_cli_options(tmp_path, capsys):
    from cerebellum.cli import main

    rc = main(
        ["evaluate", "--scenarios", "stand", "--seeds", "1", "--duration", "0.02", "--quiet",
         "--timeout", "300", "--retry-failed", "--out", str(tmp_path)]
    )  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    doc = json.loads((tmp_path / "results.json").read_text())
    assert doc["settings"]["timeout_s"] == 300.0 and doc["succeeded"] == 1
