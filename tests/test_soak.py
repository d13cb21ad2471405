"""``cerebellum soak`` as a user runs it: windows tile the run, RSS is sampled every segment,
ratios are last over first window, and bad arguments exit 2 with a named argument."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _soak(tmp_path, *args):
    return subprocess.run(
        [sys.executable, "-m", "cerebellum", "soak", "--out", str(tmp_path), *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )


def test_soak_windows_and_rss(tmp_path):
    r = _soak(tmp_path, "--duration-s", "6", "--window-s", "2", "--segment-s", "1")
    assert r.returncode == 0, r.stderr
    rep = json.loads((tmp_path / "soak.json").read_text())
    assert rep["segments"] == 6 and rep["falls"] == 0
    w = rep["windows"]
    assert [(x["from_s"], x["to_s"]) for x in w] == [(0, 2), (2, 4), (4, 6)]
    # 1 kHz control: 2 s of ticks per window, RSS read after each of its 2 segments
    assert [x["ticks"] for x in w] == [2000, 2000, 2000]
    assert all(x["rss_samples"] == 2 and x["rss_kib_last"] > 0 for x in w)
    assert all(0 < x["tick_p50_us"] <= x["tick_p99_us"] for x in w)
    ratio = rep["last_over_first"]
    assert ratio["tick_p99_us"] == pytest.approx(w[-1]["tick_p99_us"] / w[0]["tick_p99_us"])
    assert ratio["rss_kib_last"] == pytest.approx(w[-1]["rss_kib_last"] / w[0]["rss_kib_last"])
    assert r.stdout.count("soak ") == 3  # one progress line per window
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(
    "args, name",
    [
        (["--duration-s", "0"], "--duration-s"),
        (["--duration-s", "nan"], "--duration-s"),
        (["--window-s", "-1"], "--window-s"),
        (["--segment-s", "61"], "--segment-s"),
        (["--window-s", "10", "--segment-s", "30"], "--window-s"),
    ],
)
def test_soak_bad_arguments(tmp_path, args, name):
    r = _soak(tmp_path, *args)
    assert r.returncode == 2, r.stderr
    assert name in r.stderr and "Traceback" not in r.stderr
