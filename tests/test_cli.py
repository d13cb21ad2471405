"""The command line as a user runs it (subprocesses of the installed entry point)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def cli(*args, check=False):
    return subprocess.run(
        [sys.executable, "-m", "cerebellum", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=check,
    )


def test_robots_table():
    out = cli("robots", check=True).stdout
    for name in ("h1", "apollo", "talos"):
        assert f"\n{name} " in out
    assert "Unitree H1" in out and "URDF" in out


def test_robots_model_path():
    """The printed path is the MJCF that Pinocchio and MuJoCo load; an unknown robot is an error."""
    import mujoco

    from cerebellum.robots import load_robot

    out = cli("robots", "--model-path", "h1", check=True).stdout.strip()
    assert out == str(load_robot("h1").model_path())
    assert mujoco.MjModel.from_xml_path(out).nu == 19
    bad = cli("robots", "--model-path", "nope")
    assert bad.returncode != 0 and "unknown robot 'nope'" in bad.stderr


def test_check_exit_codes():
    ok = cli("check", "h1", "--states", "20")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "=> OK" in ok.stdout and "core.mass_matrix" in ok.stdout
    bad = cli("check", "asimo")
    assert bad.returncode == 2
    assert "unknown robot 'asimo'" in bad.stderr and "h1" in bad.stderr


def test_bench_json_schema(tmp_path):
    out = tmp_path / "bench.json"
    stages = ["pinocchio.rnea_cpp", "pinocchio.crba_cpp", "dynamics.bundle_cpp", "dynamics.bundle"]
    r = cli("bench", "--robots", "h1", "--stages", *stages, "--samples", "300", "--json", str(out))
    assert r.returncode == 0, r.stderr
    report = json.loads(out.read_text())
    assert report["schema_version"] == 3
    assert report["settings"]["reference"] == "pinocchio.crba_cpp"
    assert {"cpu", "cores", "python", "pinocchio"} <= report["machine"].keys()
    names = [x["name"] for x in report["results"]]
    assert names == stages
    for x in report["results"]:
        assert x["robot"] == "h1" and x["unit"] == "us" and x["n"] == 300
        assert 0 < x["p50"] <= x["p90"] <= x["p99"] <= x["max"]
        assert x["normalised"] > 0
    ref = report["results"][names.index("pinocchio.crba_cpp")]
    assert ref["normalised"] == pytest.approx(1.0)


def test_bench_unknown_stage():
    r = cli("bench", "--stages", "warp.drive")
    assert r.returncode == 2 and "unknown stage 'warp.drive'" in r.stderr
