"""Bad files, arguments and outputs: each a CerebellumError naming what is wrong (exit code 2 on the
command line), never a traceback or a silently wrong result."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from cerebellum.cli import main as cli_main
from cerebellum.errors import CerebellumError, ConfigError
from cerebellum.robots import load_robot
from cerebellum.sim.scenario import load_scenario, scenario_paths

H1 = load_robot("h1").config_path.read_text()


def run_cli(capsys, *args: str) -> tuple[int, str]:
    """The command line in this process: any exception other than a CerebellumError escapes
    main() and fails the test (that would be a traceback for the user)."""
    rc = cli_main(list(args))
    return rc, capsys.readouterr().err


def robot_file(tmp_path: Path, text: str, name: str = "robot.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


# --------------------------------------------------------------------------- robot files


def test_mujoco_parse_error_is_a_config_error(tmp_path, capsys):
    (tmp_path / "broken.xml").write_text("<mujoco><worldbody><body name='a'>")
    p = robot_file(tmp_path, H1.replace('"menagerie:unitree_h1/h1.xml"', '"broken.xml"'))
    rc, err = run_cli(capsys, "check", str(p))
    assert rc == 2
    assert "robot.source" in err and "MuJoCo cannot load" in err and "broken.xml" in err


def test_mujoco_mass_error_is_a_config_error(tmp_path, capsys):
    (tmp_path / "nomass.xml").write_text(
        "<mujoco><worldbody><body name='base'><freejoint/><body name='b'>"
        "<joint name='j' type='hinge'/><inertial pos='0 0 0' mass='0'/></body></body>"
        "</worldbody></mujoco>"
    )
    p = robot_file(tmp_path, H1.replace('"menagerie:unitree_h1/h1.xml"', '"nomass.xml"'))
    rc, err = run_cli(capsys, "check", str(p))
    assert rc == 2 and "robot.source" in err and "mass" in err


def test_non_utf8_robot_file(tmp_path, capsys):
    p = tmp_path / "robot.toml"
    p.write_bytes(H1.encode() + b"\n# \xff\xfe\n")
    rc, err = run_cli(capsys, "check", str(p))
    assert rc == 2 and "robot.toml" in err and "UTF-8" in err


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('"*" = 100.0', '"*" = -100.0', "gains.kp.*"),
        ('"*knee*" = 8.0', '"*knee*" = -1e-3', "gains.kd.*knee*"),
        ("left_knee = 0.8", "left_knee = 9.0", "standing.joints.left_knee"),
        ("right_hip_pitch = -0.4", "right_hip_pitch = -7.0", "standing.joints.right_hip_pitch"),
        ("-0.035, 0.035]", "-0.035, 1e300]", "sole.rectangle"),
        ("pos = [0.045, 0.0, -0.07]", "pos = [0.045, 0.0, -1e200]", "feet.left.pos"),
    ],
)
def test_negative_gains_and_postures_beyond_joint_limits(tmp_path, capsys, old, new, field):
    assert old in H1
    p = robot_file(tmp_path, H1.replace(old, new, 1))
    rc, err = run_cli(capsys, "check", str(p))
    assert rc == 2 and f"'{field}'" in err, err


# --------------------------------------------------------------------------- scenarios


def test_non_utf8_scenario_file(tmp_path, capsys):
    p = tmp_path / "s.toml"
    p.write_bytes(scenario_paths()["stand"].read_bytes() + b"\n# \xff\n")
    rc, err = run_cli(capsys, "run", str(p), "--quiet", "--out", str(tmp_path / "o"))
    assert rc == 2 and "s.toml" in err and "UTF-8" in err


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ('push.0.body="world"', "push[0].body"),
        ("push.0.duration_s=1e-6", "push[0].duration_s"),
        ("push.1.duration_s=0.0004", "push[1].duration_s"),
        ("terrain.start_xy=[nan, 0.0]", "terrain.start_xy"),
        ("terrain.start_xy=[0.0, inf]", "terrain.start_xy"),
        ("terrain.start_xy=[1e300, 0.0]", "terrain.start_xy"),
    ],
)
def test_undeliverable_pushes_and_bad_start_positions(override, field):
    with pytest.raises(ConfigError) as e:
        load_scenario("push-stand", [override])
    assert e.value.field == field


# --------------------------------------------------------------------------- arguments


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "1e-9", "0.0002", "1e9"])
def test_run_duration_out_of_range(tmp_path, capsys, value):
    """inf used to overflow; 1e-9 ran zero ticks and reported success."""
    rc, err = run_cli(
        capsys, "run", "stand", "--quiet", "--duration", value, "--out", str(tmp_path / "o")
    )
    assert rc == 2 and "duration" in err, err
    assert not (tmp_path / "o" / "metrics.json").exists()


# one robot, the reference stage, few samples: seconds even if a check were missing
_FAST_BENCH = ("--quick", "--robots", "h1", "--stages", "pinocchio.crba_cpp", "--samples", "50")


@pytest.mark.parametrize("value", ["nan", "inf", "-0.5"])
def test_bench_max_regression_out_of_range(capsys, value):
    """nan used to disable the regression gate (every comparison false)."""
    rc, err = run_cli(capsys, "bench", *_FAST_BENCH, "--max-regression", value)
    assert rc == 2 and "--max-regression" in err


@pytest.mark.parametrize(
    ("args", "argument"),
    [
        (("check", "h1", "--states", "0"), "--states"),
        (("check", "h1", "--states", "-1"), "--states"),
        (("bench", *_FAST_BENCH[:-2], "--samples", "0"), "--samples"),
        (("bench", *_FAST_BENCH[:-2], "--samples", "-5"), "--samples"),
    ],
)
def test_counts_below_one(capsys, args, argument):
    """--states 0 checked nothing and reported OK; --samples -5 was a traceback."""
    rc, err = run_cli(capsys, *args)
    assert rc == 2 and argument in err


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b"", "<file>"),
        (b"\xff\xfe{}", "<file>"),
        (b"[1, 2]", "<root>"),
        (b'{"schema_version": 3}', "results"),
        (b'{"schema_version": 2, "results": []}', "schema_version"),
        (b'{"schema_version": 3, "results": {"a": 1}}', "results"),
        (b'{"schema_version": 3, "results": [7]}', "results[0]"),
        (b'{"schema_version": 3, "results": [{"name": 1, "robot": "h1"}]}', "results[0].name"),
        (
            b'{"schema_version": 3, "results": [{"name": "a", "robot": "h1", "p50": NaN}]}',
            "results[0].p50",
        ),
        (
            b'{"schema_version": 3, "results": [{"name": "a", "robot": "h1", "normalised": "x"}]}',
            "results[0].normalised",
        ),
    ],
)
def test_bench_malformed_baseline(tmp_path, capsys, content, field):
    """Refused before benchmarking, naming the field (used to be a KeyError/TypeError after)."""
    p = tmp_path / "base.json"
    p.write_bytes(content)
    rc, err = run_cli(capsys, "bench", *_FAST_BENCH, "--compare", str(p))
    assert rc == 2 and f"field '{field}'" in err, err


# --------------------------------------------------------------------------- outputs


def test_out_is_a_file(tmp_path, capsys):
    f = tmp_path / "afile"
    f.write_text("x")
    for out in (f, f / "sub"):
        rc, err = run_cli(
            capsys, "run", "stand", "--quiet", "--duration", "0.01", "--out", str(out)
        )
        assert rc == 2 and "cannot write" in err and str(out) in err


def test_out_not_creatable(capsys):
    rc, err = run_cli(
        capsys, "run", "stand", "--quiet", "--duration", "0.01", "--out", "/proc/nope"
    )
    assert rc == 2 and "cannot write" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_out_read_only(tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        rc, err = run_cli(capsys, "run", "stand", "--quiet", "--duration", "0.01", "--out", str(ro))
    finally:
        ro.chmod(0o755)
    assert rc == 2 and "cannot write" in err


_FULL_DISK = textwrap.dedent(
    """
    import resource, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), int(sys.argv[1])))
    from cerebellum.cli import main
    sys.exit(main(sys.argv[2:]))
    """
)


@pytest.mark.parametrize("limit", [100, 20000])
def test_out_full(tmp_path, limit):
    """A disk that fills up (a file-size limit, EFBIG): before the run (probe) or while writing
    the report (plots, metrics) is an error naming the file, not a traceback."""
    script = tmp_path / "full.py"
    script.write_text(_FULL_DISK)
    out = subprocess.run(
        [sys.executable, str(script), str(limit), "run", "stand", "--quiet", "--duration", "0.05",
         "--out", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 2, out.stderr[-3000:]
    assert "cannot write" in out.stderr and "Traceback" not in out.stderr


# --------------------------------------------------------------------------- metrics.json


def _strict(text: str):
    def no_constant(c):
        raise ValueError(f"non-standard JSON constant {c}")

    return json.loads(text, parse_constant=no_constant)


def test_metrics_json_is_strict_json_with_non_finite_listed(tmp_path):
    from cerebellum.sim.report import save_metrics

    m = {"a": math.nan, "b": [1.0, math.inf], "c": {"d": np.float64(-np.inf)}, "e": 2}
    doc = _strict(save_metrics(m, tmp_path / "metrics.json").read_text())
    assert doc["a"] is None and doc["b"] == [1.0, None] and doc["c"]["d"] is None and doc["e"] == 2
    assert doc["non_finite"] == {"a": "nan", "b[1]": "inf", "c.d": "-inf"}


def test_diverged_simulation_is_a_fall_and_valid_json(tmp_path, capsys):
    """A push of 1e25 N·s makes MuJoCo reset its data (bad qacc): a fall, not a success."""
    rc, _ = run_cli(
        capsys, "run", "push-stand", "--quiet", "--duration", "0.6", "--out", str(tmp_path / "o"),
        "--set", "push.0.t_s=0.1", "--set", "push.0.jitter_t_s=0.0",
        "--set", "push.0.impulse_Ns=[1e25, 0.0, 0.0]",
    )  # fmt: skip
    assert rc == 1
    m = _strict((tmp_path / "o" / "metrics.json").read_text())
    assert m["fell"] is True and m["success"] is False and m["fall_time_s"] < 0.6


# --------------------------------------------------------------------------- runs.jsonl


def _record(name: str, **over) -> dict:
    rec = {
        "key": name, "robot": "h1", "scenario": "stand", "seed": 0, "success": True,
        "run_dir": "runs/x", "reason": None, "metrics": None, "failed_criteria": [],
    }  # fmt: skip
    rec.update(over)
    return rec


@pytest.mark.parametrize(
    "bad",
    [
        b"{not json",
        b'{"key": "k9"}',
        b"[1, 2, 3]",
        b'"just a string"',
        json.dumps(_record("k9", success="yes")).encode(),
        json.dumps(_record("k9", seed=1.5)).encode(),
        json.dumps(_record("k9", key=7)).encode(),
        json.dumps(_record("k9", metrics=[1])).encode(),
        json.dumps(_record("k9", success=1)).encode(),
        b'{"key": "k9", "robot": "\xff"}',
    ],
)
def test_malformed_runs_jsonl_line_names_the_line(tmp_path, bad):
    from cerebellum.sim.evaluate import load_runs

    p = tmp_path / "runs.jsonl"
    p.write_bytes(json.dumps(_record("k1")).encode() + b"\n" + bad + b"\n")
    with pytest.raises(ConfigError) as e:
        load_runs(p)
    assert e.value.field == "line 2" and "runs.jsonl" in str(e.value)


def test_torn_last_line_is_ignored_and_cut(tmp_path):
    from cerebellum.sim.evaluate import _drop_torn_tail, load_runs

    p = tmp_path / "runs.jsonl"
    good = json.dumps(_record("k1")).encode() + b"\n"
    p.write_bytes(good + b'{"key": "k2", "rob')
    assert list(load_runs(p)) == ["k1"]
    _drop_torn_tail(p)
    assert p.read_bytes() == good


def test_evaluate_cli_reports_a_malformed_runs_jsonl(tmp_path, capsys):
    out = tmp_path / "ev"
    out.mkdir()
    (out / "runs.jsonl").write_text('{"key": 1}\n')
    rc, err = run_cli(
        capsys, "evaluate", "--scenarios", "stand", "--seeds", "1", "--quiet", "--out", str(out)
    )
    assert rc == 2 and "line 1" in err


def test_errors_are_cerebellum_errors():
    from cerebellum.errors import ArgumentError, OutputError

    for cls in (ArgumentError, OutputError):
        assert issubclass(cls, CerebellumError)
    assert str(OutputError("/x", "disk full")) == "/x: cannot write: disk full"
