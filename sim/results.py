"""Results tables from ``cerebellum evaluate`` output folders (``cerebellum report``).

Each folder holds the ``results.json`` an evaluation wrote (see :mod:`cerebellum.sim.evaluate`).
The report lists the evaluations with their commands, then one table of every robot x scenario
cell (success k/n and medians over the finished runs, recomputed from the run records), then every
failed run with its seed and reason; it is stamped with the commit, date and command line that
made it. ``docs/results.md`` is such a report.
"""

from __future__ import annotations

import json
import math
import os
import re
import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cerebellum.errors import CerebellumError

__all__ = [
    "ReportInputError",
    "EvaluationResults",
    "TABLE_COLUMNS",
    "SUMMARY_BEGIN",
    "SUMMARY_END",
    "load_results",
    "report_markdown",
    "summary_markdown",
    "insert_summary",
    "source_commit",
]

# (run metrics key, column title, format) of the medians in the cell table
TABLE_COLUMNS = (
    ("distance_m", "distance m", "{:.2f}"),
    ("mean_speed_mps", "speed m/s", "{:.2f}"),
    ("velocity_rmse_mps", "vel RMSE m/s", "{:.3f}"),
    ("yaw_rate_rmse_rad_s", "yaw RMSE rad/s", "{:.3f}"),
    ("max_base_tilt_rad", "max tilt rad", "{:.3f}"),
    ("real_time_factor", "RTF", "{:.2f}"),
    ("wbc_tick_p99_us", "tick p99 µs", "{:.0f}"),
    ("mpc_solve_p99_ms", "MPC p99 ms", "{:.2f}"),
)
# (metrics.json estimator key, column title, format) of the estimator table: mean / worst
ESTIMATOR_COLUMNS = (
    ("velocity_rmse_mps", "velocity RMSE m/s", "{:.4f}"),
    ("tilt_rmse_rad", "tilt RMSE rad", "{:.4f}"),
    ("drift_fraction", "drift fraction", "{:.4f}"),
    ("contact_errors", "contact errors", "{:.0f}"),
)
CELL_HEAD = ("eval", "robot", "scenario", "controller", "success") + tuple(
    c[1] for c in TABLE_COLUMNS
)
# Markers of the summary table inside another Markdown file (README.md)
SUMMARY_BEGIN = "<!-- cerebellum report: summary begin -->"
SUMMARY_END = "<!-- cerebellum report: summary end -->"


class ReportInputError(CerebellumError, ValueError):
    """An output folder that is not an evaluation's (no or malformed results.json)."""


@dataclass
class EvaluationResults:
    """One evaluation folder: its command, commit, settings and run records (plan order)."""

    path: Path
    command: str
    commit: str | None
    written_at: str
    planned: int
    cells: list[dict[str, Any]]  # robot, scenario, controller, planned (evaluate's order)
    runs: list[dict[str, Any]]
    overrides: list[str]


def load_results(folder: str | os.PathLike) -> EvaluationResults:
    """Reads ``folder/results.json``; raises :class:`ReportInputError` naming the folder."""
    path = Path(folder)
    f = path / "results.json"
    if not f.is_file():
        raise ReportInputError(
            f"{path}: no results.json (expected the --out folder of `cerebellum evaluate`)"
        )
    try:
        doc = json.loads(f.read_text())
        cells = [
            {k: c[k] for k in ("robot", "scenario", "controller", "planned")} for c in doc["cells"]
        ]
        runs = list(doc["runs"])
        for r in runs:
            _ = r["robot"], r["scenario"], r["seed"], r["success"], r["controller"]
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        raise ReportInputError(
            f"{f}: not a results.json of `cerebellum evaluate` ({e!r})"
        ) from None
    settings = doc.get("settings") or {}
    return EvaluationResults(
        path=path,
        command=str(doc.get("command") or ""),
        commit=doc.get("commit"),
        written_at=str(doc.get("written_at") or ""),
        planned=int(doc.get("planned", len(runs))),
        cells=cells,
        runs=runs,
        overrides=list(settings.get("overrides") or []),
    )


def source_commit() -> str | None:
    """The git commit of the Cerebellum sources (``-dirty`` with uncommitted changes to tracked
    files), or None outside a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        rev = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "--short=10", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if rev.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return rev.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def _median(values: Sequence[Any]) -> float | None:
    xs = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return statistics.median(xs) if xs else None


def _label(robot: str) -> str:
    return Path(robot).stem if robot.endswith(".toml") else robot


def _cells(ev: EvaluationResults) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(cell, its finished runs sorted by seed) in the evaluation's order; a run's robot is the
    robot's name, a cell's may be a .toml path."""
    out, used = [], set()
    for c in ev.cells:
        names = {c["robot"], _label(c["robot"])}
        runs = [
            r
            for r in ev.runs
            if r["scenario"] == c["scenario"]
            and r["controller"] == c["controller"]
            and r["robot"] in names
        ]
        used.update(id(r) for r in runs)
        out.append((c, sorted(runs, key=lambda r: r["seed"])))
    rest: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in ev.runs:
        if id(r) not in used:
            rest.setdefault((r["robot"], r["scenario"], r["controller"]), []).append(r)
    for (robot, scenario, controller), runs in rest.items():
        cell = {"robot": robot, "scenario": scenario, "controller": controller}
        out.append(({**cell, "planned": len(runs)}, sorted(runs, key=lambda r: r["seed"])))
    return out


def _rate(cell: dict[str, Any], runs: list[dict[str, Any]]) -> str:
    ok = sum(bool(r["success"]) for r in runs)
    rate = f"{ok}/{len(runs)}"
    if len(runs) < cell["planned"]:
        rate += f" (of {cell['planned']})"
    return rate


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def report_markdown(
    evaluations: Sequence[EvaluationResults],
    command: str,
    commit: str | None,
    date: str | None = None,
    estimator: bool = False,
    safety: bool = False,
    side_by_side: Sequence[str] | None = None,
) -> str:
    """The report of ``evaluations`` (in order) as Markdown; ``date`` default: now (UTC);
    ``estimator``: with the base estimator table (:func:`estimator_markdown`); ``safety``: with
    the safety layer's table (:func:`safety_markdown`); ``side_by_side``: the evaluations'
    labels, with the table comparing them cell by cell (:func:`side_by_side_markdown`)."""
    date = date or time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        "# Results",
        "",
        "Generated by `cerebellum report` from `cerebellum evaluate` output; do not edit by hand.",
        "",
        f"- commit: `{commit or 'unknown'}`",
        f"- date: {date}",
        f"- command: `{command}`",
        "",
        "## Evaluations",
        "",
    ]
    for i, ev in enumerate(evaluations, 1):
        done = len(ev.runs)
        ok = sum(bool(r["success"]) for r in ev.runs)
        lines.append(
            f"{i}. `{ev.command or '(command not recorded)'}`: {done} of {ev.planned} runs "
            f"finished, {ok} succeeded (commit `{ev.commit or 'not recorded'}`, "
            f"{ev.written_at or 'date not recorded'})"
        )
    lines += [
        "",
        "## Success and medians per cell",
        "",
        "Success over the seeds run; medians over the finished runs of the cell (— where not "
        "measured). Distance: net base displacement; speed: distance over the run time; vel "
        "RMSE, yaw RMSE: velocity tracking on gait-cycle means; tick p99: controller tick; MPC "
        "p99: MPC solve (planner `mpc` only). RTF and tick times depend on the machine and on what else "
        "ran on it.",
        "",
        _row(CELL_HEAD),
        "|" + "---|" * 5 + "---:|" * len(TABLE_COLUMNS),
    ]
    failures = []
    for i, ev in enumerate(evaluations, 1):
        for c, runs in _cells(ev):
            row = [str(i), c["robot"], c["scenario"], c["controller"], _rate(c, runs)]
            for key, _, fmt in TABLE_COLUMNS:
                v = _median([(r.get("metrics") or {}).get(key) for r in runs])
                row.append("—" if v is None else fmt.format(v))
            lines.append(_row([_cell(x) for x in row]))
            failures += [(i, r) for r in runs if not r["success"]]
    if estimator:
        lines += estimator_markdown(evaluations)
    if safety:
        lines += safety_markdown(evaluations)
    if side_by_side is not None:
        lines += side_by_side_markdown(evaluations, side_by_side or None)
    lines += ["", "## Failures", ""]
    if not failures:
        lines.append("None.")
    else:
        lines += [_row(("eval", "robot", "scenario", "seed", "reason")), "|---|---|---|---:|---|"]
        for i, r in failures:
            reason = r.get("reason") or ", ".join(r.get("failed_criteria") or []) or "failed"
            row = [str(i), r["robot"], r["scenario"], str(r["seed"]), reason]
            lines.append(_row([_cell(x) for x in row]))
    return "\n".join(lines) + "\n"


def _estimator_metrics(ev: EvaluationResults, run: dict[str, Any]) -> dict[str, Any] | None:
    """A run's metrics.json ``estimator`` block: from its record, else from its run folder."""
    m = run.get("metrics") or {}
    if "estimator" in m:
        return m["estimator"]
    f = ev.path / str(run.get("run_dir") or "") / "metrics.json"
    if run.get("run_dir") and f.is_file():
        try:
            return json.loads(f.read_text()).get("estimator")
        except (json.JSONDecodeError, OSError):
            return None
    return None


def estimator_markdown(evaluations: Sequence[EvaluationResults]) -> list[str]:
    """Lines of the estimator table: per cell run on the estimator, mean / worst over its finished
    runs of each of ESTIMATOR_COLUMNS (worst = largest); no lines when no run used it."""
    rows = []
    for i, ev in enumerate(evaluations, 1):
        for c, runs in _cells(ev):
            blocks = [b for b in (_estimator_metrics(ev, r) for r in runs) if b]
            if not blocks:
                continue
            row = [str(i), c["robot"], c["scenario"], f"{len(blocks)}"]
            for key, _, fmt in ESTIMATOR_COLUMNS:
                xs = [float(b[key]) for b in blocks if b.get(key) is not None]
                xs = [x for x in xs if math.isfinite(x)]
                row.append(
                    f"{fmt.format(statistics.fmean(xs))} / {fmt.format(max(xs))}" if xs else "—"
                )
            rows.append(_row([_cell(x) for x in row]))
    if not rows:
        return []
    head = ("eval", "robot", "scenario", "runs") + tuple(c[1] for c in ESTIMATOR_COLUMNS)
    return [
        "",
        "## Base estimator",
        "",
        "Estimate against the simulator's truth (metrics.json `estimator`), mean / worst over the "
        "finished runs of each cell run on the estimator. Velocity and tilt RMSE over the run; "
        "drift fraction: final horizontal position error over the distance walked; contact errors: "
        "ticks x feet whose detected contact differs from MuJoCo's.",
        "",
        _row(head),
        "|---|---|---|---:|" + "---:|" * len(ESTIMATOR_COLUMNS),
        *rows,
    ]


def safety_markdown(evaluations: Sequence[EvaluationResults]) -> list[str]:
    """Lines of the safety layer's table: per cell of a C++ controller, what the layer did over
    the finished runs (metrics ``safety``, ``non_finite_torque_ticks`` of ``cerebellum evaluate``);
    no lines when no run reported it."""
    rows = []
    for i, ev in enumerate(evaluations, 1):
        for c, runs in _cells(ev):
            got = [r for r in runs if (r.get("metrics") or {}).get("safety")]
            if not got:
                continue
            blocks = [r["metrics"]["safety"] for r in got]
            stops = [b["safe_stop"] for b in blocks if b.get("safe_stop")]
            fell = [r for r in got if r.get("fell")]

            def most(name, blocks=blocks):
                return max(int(b["events"].get(name, 0)) for b in blocks)

            non_finite = sum(int(r["metrics"].get("non_finite_torque_ticks") or 0) for r in got)
            reasons = sorted({s["reason"] for s in stops})
            stop_text = (
                "0"
                if not stops
                else (
                    f"{len(stops)} ({', '.join(reasons)}; first at "
                    f"{min(s['t_s'] for s in stops):.2f} s)"
                )
            )
            row = [
                str(i),
                c["robot"],
                c["scenario"],
                str(len(got)),
                f"{sum(bool(r['success']) for r in got)}",
                f"{len(fell)}",
                stop_text,
                f"{most('hold')} / {most('damping')}",
                f"{most('qp_fallback')}",
                f"{most('non_finite_state') + most('out_of_range_state') + most('stale_state')}",
                f"{most('torque_clipped')} / {most('torque_rate_limited')}",
                str(non_finite),
            ]
            rows.append(_row([_cell(x) for x in row]))
    if not rows:
        return []
    head = (
        "eval",
        "robot",
        "scenario",
        "runs",
        "succeeded",
        "fell",
        "safe stops",
        "hold / damping ticks (max)",
        "QP fallback ticks (max)",
        "refused inputs (max)",
        "torque clipped / rate-limited ticks (max)",
        "non-finite torque ticks (all runs)",
    )
    return [
        "",
        "## Safety layer",
        "",
        "What the C++ controller's safety layer did (docs/safety.md), over the finished runs of "
        "each cell: runs that succeeded and that fell (the harness's criteria); safe stops (a "
        "fall detected by the layer: damped joints until the end); the most ticks of one run held "
        "or damped, on the QP's fallback, refused as bad input, clipped to the torque limits or "
        "rate-limited; ticks whose torques were not finite, summed over the runs.",
        "",
        _row(head),
        "|---|---|---|" + "---:|" * (len(head) - 3),
        *rows,
    ]


def side_by_side_markdown(
    evaluations: Sequence[EvaluationResults], labels: Sequence[str] | None = None
) -> list[str]:
    """Lines of a table with one row per robot x scenario and one success column per label
    (``labels``, one per evaluation, default ``eval 1``, ``eval 2``...; evaluations with the same
    label share a column, e.g. the same setting measured on two robot sets), and, for each label
    after the first, its successes minus the first's on the same number of runs (— where the
    counts differ or a cell is missing)."""
    labels = list(labels or [f"eval {i}" for i in range(1, len(evaluations) + 1)])
    if len(labels) != len(evaluations):
        raise ValueError(f"{len(labels)} labels for {len(evaluations)} evaluations")
    columns = list(dict.fromkeys(labels))
    keys: list[tuple[str, str]] = []
    got: dict[str, dict[tuple[str, str], tuple[int, int]]] = {x: {} for x in columns}
    for ev, label in zip(evaluations, labels, strict=True):
        cells = got[label]
        for c, runs in _cells(ev):
            k = (_label(c["robot"]), c["scenario"])
            ok, n = cells.get(k, (0, 0))
            cells[k] = (ok + sum(bool(r["success"]) for r in runs), n + len(runs))
            if k not in keys:
                keys.append(k)
    head = ["robot", "scenario", *columns, *(f"{x} − {columns[0]}" for x in columns[1:])]
    lines = [
        "",
        "## Side by side",
        "",
        "Successes per cell in each evaluation; the difference columns count runs (same number "
        "of runs in both; — otherwise).",
        "",
        _row(head),
        "|---|---|" + "---:|" * (len(head) - 2),
    ]
    first = got[columns[0]]
    for k in keys:
        rates = [f"{got[x][k][0]}/{got[x][k][1]}" if k in got[x] else "—" for x in columns]
        diffs = []
        for x in columns[1:]:
            a, b = first.get(k), got[x].get(k)
            diffs.append(f"{b[0] - a[0]:+d}" if a and b and a[1] == b[1] else "—")
        lines.append(_row([_cell(x) for x in (*k, *rates, *diffs)]))
    return lines


def summary_markdown(evaluations: Sequence[EvaluationResults]) -> str:
    """A scenario x robot table of success k/n (the README's summary), with a line naming the
    source; cells of several evaluations are listed in evaluation order."""
    robots: list[str] = []
    scenarios: list[str] = []
    table: dict[tuple[str, str], list[str]] = {}
    for ev in evaluations:
        for c, runs in _cells(ev):
            if c["robot"] not in robots:
                robots.append(c["robot"])
            if c["scenario"] not in scenarios:
                scenarios.append(c["scenario"])
            rate = _rate(c, runs)
            dist = _median([(r.get("metrics") or {}).get("distance_m") for r in runs])
            if dist is not None and dist >= 0.5:
                rate += f" ({dist:.2f} m)"
            table.setdefault((c["scenario"], c["robot"]), []).append(rate)
    lines = [_row(["scenario", *robots]), "|---|" + "---|" * len(robots)]
    for s in scenarios:
        lines.append(_row([s] + [", ".join(table.get((s, r), [])) or "" for r in robots]))
    return "\n".join(lines) + "\n"


def insert_summary(path: str | os.PathLike, summary: str) -> Path:
    """Replaces the text between SUMMARY_BEGIN and SUMMARY_END in the file at ``path``."""
    path = Path(path)
    text = path.read_text()
    pattern = re.compile(re.escape(SUMMARY_BEGIN) + r".*?" + re.escape(SUMMARY_END), re.S)
    if not pattern.search(text):
        raise ReportInputError(
            f"{path}: no summary markers; add the lines {SUMMARY_BEGIN!r} and {SUMMARY_END!r}"
        )
    block = f"{SUMMARY_BEGIN}\n{summary}{SUMMARY_END}"
    path.write_text(pattern.sub(lambda _: block, text, count=1))
    return path
