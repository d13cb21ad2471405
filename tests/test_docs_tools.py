"""Generated docs and the tools that look at runs: progress lines, ``cerebellum report``,
``options``, ``scenarios``, ``replay``, ``run --viewer`` and the torque heatmap."""

from __future__ import annotations

import io
import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
STAND = ["--robots", "h1", "--scenarios", "stand", "--duration", "0.5", "--controller", "pd"]


def cli(*args, env=None, cwd=None, timeout=300):
    """``python -m cerebellum ARGS``; ``env`` entries set to None are removed."""
    full = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-X", "faulthandler", "-m", "cerebellum", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={k: v for k, v in full.items() if v is not None},
        cwd=cwd,
    )


def _between(text: str, begin: str, end: str) -> str:
    m = re.search(re.escape(begin) + r"\n(.*?)" + re.escape(end), text, re.S)
    assert m, f"markers {begin!r} .. {end!r} not found"
    return m.group(1)


# ---------------------------------------------------------------------------------------------
# progress


def test_progress_off_a_terminal_is_one_plain_line_every_interval():
    from cerebellum.progress import Progress

    out, now = io.StringIO(), [0.0]
    bar = Progress(12.0, unit="s", desc="sim", stream=out, interval_s=5.0, clock=lambda: now[0])
    assert not bar.tty  # StringIO is not a terminal
    for k in range(1, 601):  # 60 s of wall time, an update every 0.1 s
        now[0] = 0.1 * k
        bar.update(0.02 * k, postfix=f"RTF {0.2:.2f}")
    bar.close()
    text = out.getvalue()
    assert "\r" not in text and "\x1b" not in text
    lines = text.splitlines()
    assert len(lines) == 12  # at 5, 10, ... 60 s; the last one is not repeated by close()
    assert all("RTF 0.20" in x for x in lines)
    assert lines[0].startswith("sim:") and " 8%" in lines[0] and "1.0/12.0 s" in lines[0]
    assert "100%" in lines[-1] and "12.0/12.0 s" in lines[-1]
    # a message goes on a line of its own
    bar = Progress(3, unit="runs", stream=out, clock=lambda: now[0])
    bar.write("stand h1 seed 0: FAILED: fell")
    bar.update(1, "ok 0  failed 1")
    bar.close()
    assert out.getvalue().endswith(
        "stand h1 seed 0: FAILED: fell\n 33% 1/3 runs [00:00<?, ok 0  failed 1]\n"
    )


def test_progress_on_a_terminal_is_a_tqdm_bar():
    from cerebellum.progress import Progress

    out = io.StringIO()
    bar = Progress(8, unit="runs", stream=out, tty=True)
    bar.update(4, "ok 4  failed 0")
    bar.close()
    assert "\r" in out.getvalue() and "4/8 runs" in out.getvalue() and "|" in out.getvalue()


def test_run_and_evaluate_logs_have_no_carriage_returns(tmp_path):
    r = cli("run", "stand", "--duration", "0.3", "--controller", "pd", "--out", str(tmp_path / "r"))
    assert r.returncode == 0, r.stderr
    assert "\r" not in r.stderr and "RTF" in r.stderr
    r = cli("evaluate", *STAND, "--seeds", "1", "--workers", "1", "--out", str(tmp_path / "e"))
    assert r.returncode == 0, r.stderr
    assert "\r" not in r.stderr and "1/1 runs" in r.stderr


# ---------------------------------------------------------------------------------------------
# cerebellum report


@pytest.fixture(scope="module")
def two_evaluations(tmp_path_factory):
    """A passing evaluation (2 seeds) and a failing one (base height criterion), as written by
    ``cerebellum evaluate``."""
    root = tmp_path_factory.mktemp("report")
    ok, bad = root / "ok", root / "bad"
    r = cli(
        "evaluate", *STAND, "--seeds", "2", "--workers", "2", "--out", str(ok), "--quiet", cwd=root
    )
    assert r.returncode == 0, r.stderr
    r = cli(
        "evaluate",
        *STAND,
        "--seeds",
        "1",
        "--seed-start",
        "3",
        "--workers",
        "1",
        "--out",
        str(bad),
        "--quiet",
        "--set",
        "success.base_height_min_m=2.0",
        cwd=root,
    )
    assert r.returncode == 1, r.stderr
    return ok, bad


def _runs(folder: Path) -> list[dict]:
    return [json.loads(x) for x in (folder / "runs.jsonl").read_text().splitlines()]


def _table(md: str, heading: str) -> tuple[list[str], list[list[str]]]:
    """(header cells, rows) of the first Markdown table after ``heading``."""
    rows: list[str] = []
    for line in md.split(heading, 1)[1].splitlines():
        if line.startswith("|"):
            rows.append(line)
        elif rows:
            break
    cells = [[c.strip() for c in re.split(r"(?<!\\)\|", x)[1:-1]] for x in rows]
    return cells[0], cells[2:]


def test_report_tables_from_evaluate_output(two_evaluations, tmp_path):
    ok, bad = two_evaluations
    out = tmp_path / "results.md"
    r = cli("report", str(ok), str(bad), "--markdown", str(out))
    assert r.returncode == 0, r.stderr
    md = out.read_text()
    # stamp: commit (or "unknown" outside a checkout), date, the command line itself
    assert re.search(r"^- commit: `[0-9a-f]{10}(-dirty)?`$|^- commit: `unknown`$", md, re.M)
    assert re.search(r"^- date: \d{4}-\d\d-\d\d \d\d:\d\d UTC$", md, re.M)
    assert f"- command: `cerebellum report {ok} {bad} --markdown {out}`" in md
    # each evaluation with the command that made it
    for i, folder in enumerate((ok, bad), 1):
        command = json.loads((folder / "results.json").read_text())["command"]
        assert command.startswith("cerebellum evaluate") and f"{i}. `{command}`" in md

    head, rows = _table(md, "## Success and medians per cell")
    assert head[:5] == ["eval", "robot", "scenario", "controller", "success"]
    assert [r[:5] for r in rows] == [
        ["1", "h1", "stand", "pd", "2/2"],
        ["2", "h1", "stand", "pd", "0/1"],
    ]
    # medians recomputed from runs.jsonl
    runs = _runs(ok)
    col = head.index("max tilt rad")
    want = statistics.median(x["metrics"]["max_base_tilt_rad"] for x in runs)
    assert float(rows[0][col]) == pytest.approx(want, abs=5e-4)
    col = head.index("RTF")
    want = statistics.median(x["metrics"]["real_time_factor"] for x in runs)
    assert float(rows[0][col]) == pytest.approx(want, abs=5e-3)
    assert rows[0][head.index("MPC p99 ms")] == "—"  # no MPC in these runs

    # failures: seed and reason, as in runs.jsonl
    (fail,) = _runs(bad)
    head, rows = _table(md, "## Failures")
    assert head == ["eval", "robot", "scenario", "seed", "reason"]
    assert rows == [["2", "h1", "stand", "3", fail["reason"]]]
    assert "< 2.0 m" in fail["reason"]


def test_docs_results_has_the_report_format(two_evaluations, tmp_path):
    """docs/results.md is `cerebellum report` output: same sections, same table headers, and
    its stamp and evaluation commands are where the generated report puts them."""
    ok, bad = two_evaluations
    out = tmp_path / "results.md"
    doc = (REPO / "docs" / "results.md").read_text()
    stamp = re.search(r"^- command: `(.*)`$", doc, re.M).group(1)
    tables = [f for f in ("--estimator", "--safety") if f in stamp.split()]  # as generated
    assert cli("report", str(ok), str(bad), "--markdown", str(out), *tables).returncode == 0
    fresh = out.read_text()

    def skeleton(md: str) -> list[str]:
        keep = []
        for line in md.splitlines():
            if line.startswith("#") or line.startswith("Generated"):
                keep.append(line)
            elif line.startswith("- ") and ":" in line:
                keep.append(line.split(":", 1)[0])
        return keep

    # the optional tables are in the doc as its command asked (the pd runs here have neither)
    optional = {"--estimator": "## Base estimator", "--safety": "## Safety layer"}
    for flag, heading in optional.items():
        assert (heading in skeleton(doc)) == (flag in tables), heading
    assert [x for x in skeleton(doc) if x not in optional.values()] == skeleton(fresh)
    for heading in ("## Success and medians per cell",):
        assert _table(doc, heading)[0] == _table(fresh, heading)[0]
    cmd = re.search(r"^- command: `(.*)`$", doc, re.M).group(1)
    assert cmd.startswith("cerebellum report ")
    assert re.findall(r"^\d+\. `cerebellum evaluate ", doc, re.M)


def test_report_summary_into_a_file_and_bad_folders(two_evaluations, tmp_path):
    from cerebellum.sim.results import SUMMARY_BEGIN, SUMMARY_END

    ok, bad = two_evaluations
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{SUMMARY_BEGIN}\nold\n{SUMMARY_END}\n\nrest\n")
    r = cli("report", str(ok), str(bad), "--summary-into", str(readme))
    assert r.returncode == 0, r.stderr
    body = _between(readme.read_text(), SUMMARY_BEGIN, SUMMARY_END)
    assert body.splitlines() == ["| scenario | h1 |", "|---|---|", "| stand | 2/2, 0/1 |"]
    assert readme.read_text().endswith("\n\nrest\n")
    readme.write_text("no markers\n")
    r = cli("report", str(ok), "--summary-into", str(readme))
    assert r.returncode == 2 and "no summary markers" in r.stderr
    r = cli("report", str(tmp_path))
    assert r.returncode == 2 and "no results.json" in r.stderr and str(tmp_path) in r.stderr
    (tmp_path / "results.json").write_text("{}")
    r = cli("report", str(tmp_path))
    assert r.returncode == 2 and "not a results.json" in r.stderr


def test_readme_summary_is_the_report_of_docs_results():
    """The README's summary table is `cerebellum report --summary-into` output of the same
    evaluations as docs/results.md (each cell's success count matches)."""
    from cerebellum.sim.results import SUMMARY_BEGIN, SUMMARY_END

    readme = (REPO / "README.md").read_text()
    body = _between(readme, SUMMARY_BEGIN, SUMMARY_END).splitlines()
    robots = [c.strip() for c in body[0].strip("|").split("|")][1:]
    summary = {}
    for line in body[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        for robot, cell in zip(robots, cells[1:], strict=True):
            if cell:
                summary[(cells[0], robot)] = cell.split(" ")[0]
    _, rows = _table((REPO / "docs" / "results.md").read_text(), "## Success and medians per cell")
    cells = {(r[2], r[1]): r[4] for r in rows}
    assert summary == cells and len(cells) >= 4


# ---------------------------------------------------------------------------------------------
# generated docs: options, scenarios


def test_tuning_doc_matches_cerebellum_options():
    from cerebellum.commands.options import BEGIN, END, options_markdown

    doc = (REPO / "docs" / "tuning.md").read_text()
    header = REPO / "cpp" / "include" / "cerebellum" / "wbc.hpp"
    assert _between(doc, BEGIN, END) == options_markdown(header), (
        "docs/tuning.md is stale: regenerate it with `cerebellum options --markdown`"
    )


def test_options_lists_every_option_of_walk_once():
    """Every dotted name the walking controller accepts appears exactly once, in the table of its
    section; each documented name is accepted; bounds, units and defaults come from the code."""
    from cerebellum.commands.options import option_rows
    from cerebellum.controllers import walking_config as wc

    sections = option_rows(REPO / "cpp" / "include" / "cerebellum" / "wbc.hpp")
    names = [r["name"] for rows in sections.values() for r in rows]
    assert len(names) == len(set(names)) and set(names) == set(wc.setting_names())
    for title, rows in sections.items():  # each table holds one section
        sec = title.split(":")[0]
        assert all(r["name"].startswith(f"{sec}.") for r in rows) or sec == "top level"
    for name, value in (
        ("balance.k_dcm", 2.0),
        ("gait.step_duration_s", 0.45),
        ("wbc.kp_com", 40.0),
        ("mpc.balance", "none"),
    ):
        wc.check_setting("<test>", name, value)
    rows = {r["name"]: r for s in sections.values() for r in s}
    assert (
        rows["gait.horizon_s"]["unit"] == "s" and rows["command.max_accel_mps2"]["unit"] == "m/s²"
    )
    assert rows["command.lateral_drift_gain"]["unit"] == "1/s"
    assert rows["wbc.kp_com"]["unit"] == "1/s²"
    assert rows["balance.k_dcm"]["bound"] == ">= 0" and rows["gait.knot_dt_s"]["bound"] == "> 0"
    assert rows["footholds.push_step_margin_m"]["bound"] == ">= 0 or inf"
    # defaults: the walking controller's (pinned) over the dataclass and C++ ones
    assert rows["gait.step_duration_s"]["default"] == "0.4"
    assert rows["wbc.eps_abs"]["default"] == "1e-06"
    assert rows["wbc.kp_swing"]["default"] == "900"
    assert all(r["effect"] for s in sections.values() for r in s), [
        r["name"] for s in sections.values() for r in s if not r["effect"]
    ]


def test_scenarios_doc_and_command_list_every_builtin():
    from cerebellum.commands.scenarios import BEGIN, END, scenarios_markdown
    from cerebellum.sim.scenario import scenario_paths

    doc = (REPO / "docs" / "scenarios.md").read_text()
    assert _between(doc, BEGIN, END) == scenarios_markdown(), (
        "docs/scenarios.md is stale: regenerate it with `cerebellum scenarios --markdown`"
    )
    r = cli("scenarios")
    assert r.returncode == 0, r.stderr
    for name, path in scenario_paths().items():
        raw = tomllib.loads(path.read_text())
        assert f"{name}: {raw['scenario']['description']}" in r.stdout
        assert f"| `{name}` | {raw['scenario']['description']} | {raw['terrain']['name']}" in doc
    stairs = r.stdout.split("stairs-up:", 1)[1]
    assert "stairs (rise_m 0.1, run_m 0.3, steps 5, direction up" in stairs
    assert "0 s: stand; 1 s: vx 0.3; 11 s: stand" in stairs


# ---------------------------------------------------------------------------------------------
# torque heatmap


def test_torque_heatmap_has_a_row_per_joint_and_keeps_the_peaks():
    import matplotlib

    matplotlib.use("Agg")
    from cerebellum.sim.report import torque_heatmap, torque_ratio_bins

    rng = np.random.default_rng(0)
    n, nu = 5003, 32
    limit = rng.uniform(20, 300, nu)
    tau = rng.uniform(-0.5, 0.5, (n, nu)) * limit
    tau[1234, 7] = 1.3 * limit[7]  # one short saturation
    log = {
        "t": np.arange(n) * 1e-3,
        "tau": tau,
        "effort_limit": limit,
        "joint_names": np.array([f"joint_{j}" for j in range(nu)]),
        "push_force": np.zeros((n, 3)),
    }
    bins, edges = torque_ratio_bins(log, max_bins=1000)
    assert bins.shape == (nu, 1000) and edges.shape == (1001,)
    idx = np.linspace(0, n, 1001).astype(int)
    ratio = np.abs(tau) / limit
    for b in (0, 246, 999):
        np.testing.assert_array_equal(bins[:, b], ratio[idx[b] : idx[b + 1]].max(axis=0))
    assert bins[7].max() == pytest.approx(1.3)
    fig = torque_heatmap(log, title="t")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [f"joint_{j}" for j in range(nu)]
    assert fig.get_size_inches()[1] >= 0.2 * nu


# ---------------------------------------------------------------------------------------------
# replay and viewer


def _working_gl_backend() -> str | None:
    probe = (
        "import mujoco; r = mujoco.Renderer(mujoco.MjModel.from_xml_string('<mujoco/>'), 8, 8); "
        "r.close()"
    )
    for backend in ("egl", "osmesa"):
        env = {**os.environ, "MUJOCO_GL": backend}
        if (
            subprocess.run(
                [sys.executable, "-c", probe], env=env, capture_output=True, timeout=60
            ).returncode
            == 0
        ):
            return backend
    return None


def _frames(path: Path) -> np.ndarray:
    import imageio_ffmpeg

    raw = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            *("-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"),
        ],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, 480, 640, 3)


def test_replay_video_matches_the_video_of_the_run(tmp_path):
    """``replay --video`` rebuilds the model from metrics.json: its frames equal those that
    ``run --video`` rendered from the simulated model; ``--speed 2`` keeps every other frame."""
    backend = _working_gl_backend()
    if backend is None:
        pytest.skip("neither EGL nor OSMesa rendering works here (MUJOCO_GL=egl|osmesa)")
    env = {"MUJOCO_GL": backend}
    run = tmp_path / "run"
    args = ("run", "push-stand", "--duration", "0.3", "--controller", "pd", "--video", "--quiet")
    r = cli(*args, "--out", str(run), env=env)
    assert r.returncode == 0, r.stderr
    # without MUJOCO_GL and without a display, the back-end is chosen (EGL, else OSMesa)
    r = cli("replay", str(run), "--video", env={"MUJOCO_GL": None, "DISPLAY": None})
    assert r.returncode == 0, r.stderr
    original, replay = _frames(run / "video.mp4"), _frames(run / "replay.mp4")
    assert len(original) == len(replay) == 9  # t = 0, 1/30, ... < 0.3 s
    assert np.abs(original.astype(int) - replay.astype(int)).mean() < 1.0
    assert replay[-1].std() > 10
    r = cli(
        "replay", str(run), "--video", "--speed", "2", "--out", str(tmp_path / "x2.mp4"), env=env
    )
    assert r.returncode == 0, r.stderr
    fast = _frames(tmp_path / "x2.mp4")
    assert len(fast) == 5
    assert np.abs(fast.astype(int) - replay[::2].astype(int)).mean() < 1.0
    r = cli("replay", str(run), "--png", "0.2", env=env)
    assert r.returncode == 0, r.stderr
    assert (run / "frame-0.2.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_replay_and_viewer_refuse_clearly(tmp_path):
    r = cli("replay", str(tmp_path))
    assert r.returncode == 2 and "no metrics.json or log.npz" in r.stderr
    run = tmp_path / "run"
    r = cli("run", "stand", "--duration", "0.1", "--controller", "pd", "--quiet", "--out", str(run))
    assert r.returncode == 0, r.stderr
    r = cli("replay", str(run), "--speed", "0")
    assert r.returncode == 2 and "--speed must be in 0.01..100" in r.stderr
    r = cli("replay", str(run), "--png", "7")
    assert r.returncode == 2 and "--png T must be in 0..0.099 s" in r.stderr
    headless = {"DISPLAY": "", "WAYLAND_DISPLAY": ""}
    for args in (("replay", str(run)), ("run", "stand", "--duration", "0.1", "--viewer")):
        r = cli(*args, env=headless)
        assert r.returncode == 2, r.stderr
        assert "needs a display" in r.stderr and "--video" in r.stderr


def test_rerun_recording_of_a_run(tmp_path):
    """``replay --rerun`` writes an .rrd whose series are the run's log (read back from the
    file), with the robot's bodies at the logged states."""
    pytest.importorskip("rerun", reason="optional extra cerebellum[viz] (rerun-sdk) not installed")
    from rerun.chunk import RrdReader

    run = tmp_path / "run"
    r = cli(
        "run", "push-stand", "--duration", "0.3", "--controller", "pd", "--quiet", "--out", str(run)
    )
    assert r.returncode == 0, r.stderr
    r = cli("replay", str(run), "--rerun")
    assert r.returncode == 0, r.stderr
    with np.load(run / "log.npz") as z:
        log = {k: z[k] for k in z.files}
    series: dict[str, list[np.ndarray]] = {}
    times: dict[str, list[np.ndarray]] = {}
    for chunk in RrdReader(run / "run.rrd").stream():
        batch = chunk.to_record_batch()
        names = batch.schema.names
        if "Scalars:scalars" in names:
            v = np.array([x[0] for x in batch.column("Scalars:scalars").to_pylist()])
            series.setdefault(chunk.entity_path, []).append(v)
            ns = batch.column("sim_time").cast("int64").to_numpy()
            times.setdefault(chunk.entity_path, []).append(ns * 1e-9)
        elif "Points3D:positions" in names:
            series.setdefault(chunk.entity_path, []).append(
                np.array(batch.column("Points3D:positions").to_pylist(), dtype=object)
            )
    ratio = np.abs(log["tau"]) / log["effort_limit"]
    for j, name in enumerate(log["joint_names"]):
        got = np.concatenate(series[f"/torque_ratio/{name}"])
        np.testing.assert_allclose(got, ratio[:, j], rtol=1e-12)
    np.testing.assert_allclose(np.concatenate(times["/com/z"]), log["t"], atol=1e-9)
    np.testing.assert_allclose(np.concatenate(series["/com/z"]), log["com"][:, 2], rtol=1e-12)
    np.testing.assert_allclose(
        np.concatenate(series["/contact_force/left"]), log["contact_force"][:, 0, 2], rtol=1e-12
    )
    # DCM = CoM + vcom / omega: standing still, it stays within a few cm of the CoM
    dcm_x = np.concatenate(series["/dcm/x"])
    assert np.abs(dcm_x - log["com"][:, 0]).max() < 0.05
    # 3-D: the first frame's body origins are MuJoCo's at the first logged state
    import mujoco

    from cerebellum.sim.viewer import load_run, run_model

    metrics, _ = load_run(run)
    model = run_model(metrics)
    data = mujoco.MjData(model)
    data.qpos[:] = log["qpos"][0]
    mujoco.mj_kinematics(model, data)
    first = np.array(np.concatenate(series["/world/robot/bodies"])[0], dtype=float)
    np.testing.assert_allclose(first, data.xpos[1:], atol=1e-6)
    assert len(np.concatenate(series["/world/robot/bodies"])) == 9  # 30 fps over 0.3 s


def test_viewer_on_a_virtual_display(tmp_path):
    """``run --viewer`` shows the run at real time and ``replay`` plays it (under Xvfb)."""
    import shutil
    import time

    if shutil.which("Xvfb") is None:
        pytest.skip("no display server to test the viewer on (Debian package xvfb)")
    display = f":{os.getpid() % 500 + 100}"
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1024x768x24"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        socket = f"/tmp/.X11-unix/X{display[1:]}"
        for _ in range(100):  # the server is up once its socket exists (slow on a loaded machine)
            if os.path.exists(socket):
                break
            time.sleep(0.1)
        time.sleep(0.5)
        env = {"DISPLAY": display, "MUJOCO_GL": "glfw"}
        run = tmp_path / "run"
        args = ("run", "stand", "--duration", "1.0", "--controller", "pd", "--viewer")
        r = cli(*args, "--out", str(run), env=env)
        assert r.returncode == 0, r.stderr
        m = json.loads((run / "metrics.json").read_text())
        # paced to real time (the last frame's 16 ms run unpaced)
        assert m["wall_time_s"] >= m["sim_time_s"] - 0.05
        r = cli("replay", str(run), "--speed", "4", env=env)
        assert r.returncode == 0, r.stderr
    finally:
        xvfb.terminate()
        xvfb.wait(10)


def test_report_estimator_table_is_mean_and_worst_of_the_runs(two_evaluations, tmp_path):
    ok, _ = two_evaluations
    out = tmp_path / "results.md"
    assert cli("report", str(ok), "--markdown", str(out), "--estimator").returncode == 0
    head, rows = _table(out.read_text(), "## Base estimator")
    assert head[:4] == ["eval", "robot", "scenario", "runs"] and rows[0][:4] == [
        "1",
        "h1",
        "stand",
        "2",
    ]
    # from each run's metrics.json, independently of the run records
    blocks = [
        json.loads((ok / r["run_dir"] / "metrics.json").read_text())["estimator"] for r in _runs(ok)
    ]
    for key, title in (
        ("velocity_rmse_mps", "velocity RMSE m/s"),
        ("tilt_rmse_rad", "tilt RMSE rad"),
    ):
        mean, worst = (float(x) for x in rows[0][head.index(title)].split(" / "))
        xs = [b[key] for b in blocks]
        assert mean == pytest.approx(statistics.fmean(xs), abs=6e-5)
        assert worst == pytest.approx(max(xs), abs=6e-5)
    cli("report", str(ok), "--markdown", str(out))
    assert "## Base estimator" not in out.read_text()  # only on request


def test_report_safety_table_counts_what_the_layer_did(tmp_path):
    """A stand pushed over (250 N·s) and one left alone, through `evaluate` and `report --safety`:
    the safe stop and its time come from each run's metrics.json, independently of the records."""
    pushed = [
        "--set",
        "push.0.impulse_Ns=[0.0, 250.0, 0.0]",
        "--set",
        "push.0.t_s=0.5",
        "--set",
        "success.fall_tilt_rad=1.5",
    ]
    common = ["--robots", "h1", "--controller", "wbc", "--duration", "2.0", "--quiet"]
    out = tmp_path / "ev"
    r = cli(
        "evaluate",
        "--scenarios",
        "push-stand",
        *common,
        *pushed,
        "--seeds",
        "1",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert r.returncode == 1, r.stderr  # the push topples it
    md = tmp_path / "results.md"
    assert cli("report", str(out), "--markdown", str(md), "--safety").returncode == 0
    head, rows = _table(md.read_text(), "## Safety layer")
    (row,) = rows
    cell = dict(zip(head, row, strict=True))
    (run,) = _runs(out)
    safety = json.loads((out / run["run_dir"] / "metrics.json").read_text())["controller_stats"][
        "safety"
    ]
    stop = safety["safe_stop"]
    assert stop is not None and safety["mode"] == "safe_stop"
    assert cell["scenario"] == "push-stand" and cell["fell"] == "1" and cell["succeeded"] == "0"
    assert cell["safe stops"] == f"1 ({stop['reason']}; first at {stop['t_s']:.2f} s)"
    assert cell["non-finite torque ticks (all runs)"] == "0"
    cli("report", str(out), "--markdown", str(md))
    assert "## Safety layer" not in md.read_text()  # only on request


def test_report_side_by_side_counts_each_evaluation(two_evaluations, tmp_path):
    ok, bad = two_evaluations
    out = tmp_path / "results.md"
    r = cli(
        "report",
        str(ok),
        str(ok),
        str(bad),
        "--markdown",
        str(out),
        "--side-by-side",
        "A",
        "B",
        "C",
    )
    assert r.returncode == 0, r.stderr
    head, rows = _table(out.read_text(), "## Side by side")
    assert head == ["robot", "scenario", "A", "B", "C", "B − A", "C − A"]
    n_ok = sum(x["success"] for x in _runs(ok))
    want = [f"{n_ok}/{len(_runs(ok))}"] * 2 + [f"{sum(x['success'] for x in _runs(bad))}/1"]
    assert rows == [["h1", "stand", *want, "+0", "—"]]  # C ran another number of seeds
    r = cli("report", str(ok), "--side-by-side", "A", "B")
    assert r.returncode == 2 and "one label per OUT_DIR" in r.stderr


def test_report_side_by_side_merges_evaluations_of_one_label(two_evaluations, tmp_path):
    ok, bad = two_evaluations
    out = tmp_path / "results.md"
    r = cli(
        "report",
        str(ok),
        str(bad),
        str(ok),
        "--markdown",
        str(out),
        "--side-by-side",
        "X",
        "X",
        "Y",
    )
    assert r.returncode == 0, r.stderr
    head, rows = _table(out.read_text(), "## Side by side")
    assert head == ["robot", "scenario", "X", "Y", "Y − X"]
    n_ok = sum(x["success"] for x in _runs(ok))
    assert rows == [["h1", "stand", f"{n_ok}/3", f"{n_ok}/2", "—"]]
