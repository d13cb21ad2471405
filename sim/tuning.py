"""Controller tuning: an Optuna study whose trials are evaluations (:mod:`cerebellum.sim.evaluate`).

Needs the optional ``optuna`` (``pip install 'cerebellum[tune]'``). A trial samples the options
of a :class:`SearchSpace` (by their dotted names, ``gait.step_duration_s``), passes them to every
run as ``controller.options.SECTION.NAME=VALUE``, runs the
robot x scenario x seed matrix through :func:`~cerebellum.sim.evaluate.run_evaluation` (into
``OUT/trials/<hash of the options>/``: the results files of ``cerebellum evaluate``) and scores
it with :func:`trial_objective`, reported to the pruner after every run.

Objective (minimised), over the n runs of a trial::

    J = failures / n + mean(c) / n,  each run's c in [0, 1]:
      failed run:     c = 1 - 0.5 * progress   (progress: fall time / duration; 1 without a fall)
      succeeded run:  c = 0.5 * (0.5 * min(velocity RMSE / 0.5 m/s, 1)
                                 + 0.25 * min(max torque / limit, 1)
                                 + 0.25 * min(max base tilt / 0.5 rad, 1))

so one more failure always costs more than any tracking, torque or margin (success first); among
failures, a later fall scores better; among successes, tracking weighs most. Layout of ``OUT``::

    study.db        the Optuna study (default storage: SQLite); re-running resumes it
    best.toml       the best trial's options as [walking.SECTION] tables for the robot's file
    summary.md      trials by state, the best trials with their metrics, the table
    history.png     objective per trial and best so far; importances.png: parameter importances
    trials/<hash>/  one evaluation per set of options (runs.jsonl, results.md, runs/)
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import socket
import statistics
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from cerebellum.errors import CerebellumError, ConfigError

__all__ = [
    "DEFAULT_SPACES",
    "Param",
    "SAMPLERS",
    "SearchSpace",
    "TuneInputError",
    "TuneResult",
    "TuneUnavailableError",
    "load_space",
    "optuna_module",
    "run_cost",
    "trial_objective",
    "tune",
    "walking_table",
]

SAMPLERS = ("tpe", "cmaes", "nsga2")
# Scales of the success terms of the objective (a run at or past them scores as the worst).
VELOCITY_RMSE_SCALE_MPS = 0.5
TILT_SCALE_RAD = 0.5


class TuneUnavailableError(CerebellumError, ImportError):
    """The optional optuna package is not installed."""


class TuneInputError(CerebellumError, ValueError):
    """Bad tuning settings (sampler, trials, a study made with other settings)."""


def optuna_module():
    """The ``optuna`` module, or :class:`TuneUnavailableError` saying which extra to install."""
    try:
        import optuna
    except ImportError:
        raise TuneUnavailableError(
            "cerebellum tune needs the optional package optuna: pip install 'cerebellum[tune]'"
        ) from None
    return optuna


# ---------------------------------------------------------------------------------------------
# the search space


@dataclass(frozen=True)
class Param:
    """One tuned option: a float or int range (``log``: sampled in log scale; ``step``: a grid)
    or a list of ``choices``."""

    name: str
    kind: str  # "float", "int" or "categorical"
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None
    choices: tuple[Any, ...] = ()

    def suggest(self, trial) -> Any:
        if self.kind == "categorical":
            return trial.suggest_categorical(self.name, list(self.choices))
        if self.kind == "int":
            return trial.suggest_int(
                self.name, int(self.low), int(self.high), step=int(self.step or 1), log=self.log
            )
        return trial.suggest_float(self.name, self.low, self.high, step=self.step, log=self.log)

    def describe(self) -> str:
        if self.kind == "categorical":
            return "one of " + ", ".join(_toml_value(c) for c in self.choices)
        text = f"{self.kind} in [{self.low:g}, {self.high:g}]"
        if self.log:
            text += ", log scale"
        if self.step:
            text += f", step {self.step:g}"
        return text

    def as_dict(self) -> dict[str, Any]:
        if self.kind == "categorical":
            return {"choices": list(self.choices)}
        d: dict[str, Any] = {"low": self.low, "high": self.high}
        if self.kind == "int":
            d["type"] = "int"
        if self.log:
            d["log"] = True
        if self.step:
            d["step"] = self.step
        return d


@dataclass(frozen=True)
class SearchSpace:
    """The tuned options of a controller, in order; ``source``: the file or "built-in"."""

    controller: str
    params: tuple[Param, ...]
    source: str = "built-in"

    def suggest(self, trial) -> dict[str, Any]:
        return {p.name: p.suggest(trial) for p in self.params}

    def as_dict(self) -> dict[str, Any]:
        return {p.name: p.as_dict() for p in self.params}


def _space(controller: str, params: dict[str, dict[str, Any]]) -> SearchSpace:
    return SearchSpace(controller, tuple(_param("<built-in>", k, v) for k, v in params.items()))


# The built-in space of the walk controller: the gait timing and footholds, the balance law and
# the drift feedback that the shipped robots' [walking] tables set (docs/tuning.md).
_WALK_SPACE = {
    "gait.step_duration_s": {"low": 0.3, "high": 0.5},
    "gait.double_support_ratio": {"low": 0.1, "high": 0.3},
    "footholds.step_feedback": {"choices": ["gait", "dcm", "capture"]},
    "gait.max_step_length_m": {"low": 0.3, "high": 0.7},
    "gait.step_height_m": {"low": 0.05, "high": 0.12},
    "balance.k_dcm": {"low": 1.0, "high": 4.0, "log": True},
    "command.lateral_drift_gain": {"low": 0.0, "high": 2.0},
    "command.forward_drift_gain": {"low": 0.0, "high": 2.0},
}

_PARAM_KEYS = ("low", "high", "log", "step", "type", "choices")


def _param(path: str, name: str, spec: Any) -> Param:
    where = f"params.{name}"
    if not isinstance(spec, dict):
        raise ConfigError(
            path,
            where,
            f"expected a table ({{ low = .., high = .. }} or {{ choices = [..] }}), got {spec!r}",
        )
    bad = sorted(set(spec) - set(_PARAM_KEYS))
    if bad:
        raise ConfigError(
            path, f"{where}.{bad[0]}", f"unknown key; valid: {', '.join(_PARAM_KEYS)}"
        )
    if "choices" in spec:
        extra = sorted(set(spec) - {"choices"})
        if extra:
            raise ConfigError(path, f"{where}.{extra[0]}", "choices take no range keys")
        ch = spec["choices"]
        ok = isinstance(ch, list) and ch and all(isinstance(c, (bool, int, float, str)) for c in ch)
        if not ok:
            raise ConfigError(
                path,
                f"{where}.choices",
                f"expected a non-empty list of numbers, booleans or strings, got {ch!r}",
            )
        return Param(name, "categorical", choices=tuple(ch))
    for k in ("low", "high"):
        v = spec.get(k)
        if v is None:
            raise ConfigError(
                path, f"{where}.{k}", "missing (a range needs low and high, or give choices)"
            )
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ConfigError(path, f"{where}.{k}", f"expected a finite number, got {v!r}")
    kind = spec.get("type", "float")
    if kind not in ("float", "int"):
        raise ConfigError(path, f"{where}.type", f"expected 'float' or 'int', got {kind!r}")
    low, high = spec["low"], spec["high"]
    if not low < high:
        raise ConfigError(path, where, f"expected low < high, got low = {low!r}, high = {high!r}")
    log = spec.get("log", False)
    if not isinstance(log, bool):
        raise ConfigError(path, f"{where}.log", f"expected true or false, got {log!r}")
    if log and low <= 0:
        raise ConfigError(path, f"{where}.low", f"log scale needs low > 0, got {low!r}")
    step = spec.get("step")
    if step is not None:
        if (
            isinstance(step, bool)
            or not isinstance(step, (int, float))
            or not (math.isfinite(step) and 0 < step <= high - low)
        ):
            raise ConfigError(
                path, f"{where}.step", f"expected a number in (0, high - low], got {step!r}"
            )
        if log:
            raise ConfigError(path, f"{where}.step", "a step and log scale do not go together")
    if kind == "int" and not all(float(v).is_integer() for v in (low, high, step or 1)):
        raise ConfigError(path, where, "type 'int' needs integer low, high and step")
    return Param(name, kind, float(low), float(high), log, None if step is None else float(step))


def _walk_option_names() -> list[str]:
    """Every dotted setting name of the walk controller (controllers/walking_config.py)."""
    from cerebellum.controllers.walking_config import setting_names

    return setting_names()


def _check_names(space: SearchSpace, path: str) -> None:
    """Unknown option names, and bounds the controller rejects, as ConfigError."""
    from cerebellum.controllers.walking_config import FORMER_NAMES, check_setting

    valid = _walk_option_names()
    for p in space.params:
        if p.name not in valid and p.name in FORMER_NAMES:
            raise ConfigError(
                path, f"params.{p.name}", f"params.{p.name} is now params.{FORMER_NAMES[p.name]}"
            )
        if p.name not in valid:
            raise ConfigError(
                path,
                f"params.{p.name}",
                f"unknown option of '{space.controller}'; valid: {', '.join(valid)}",
            )
        values = list(p.choices) if p.kind == "categorical" else [p.low, p.high]
        for v in values:
            try:
                check_setting(path, p.name, v, prefix="params")
            except ConfigError as e:
                raise ConfigError(
                    path, f"params.{p.name}", f"the controller rejects {v!r}: {e.problem}"
                ) from None


def _flat_params(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``[params]`` with its dotted keys (``gait.step_duration_s = {..}``, which TOML nests)
    flattened back to dotted names; a table with none of the range keys is a section."""
    out: dict[str, Any] = {}
    for k, v in table.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict) and v and not set(v) & set(_PARAM_KEYS):
            out.update(_flat_params(v, f"{name}."))
        else:
            out[name] = v
    return out


DEFAULT_SPACES: dict[str, dict[str, dict[str, Any]]] = {"walk": _WALK_SPACE}


def load_space(path: str | os.PathLike | None = None, controller: str = "walk") -> SearchSpace:
    """The space in the TOML file ``path`` (None: the built-in one of ``controller``)::

        [params]
        gait.step_duration_s = { low = 0.3, high = 0.5 }
        balance.k_dcm = { low = 1.0, high = 4.0, log = true }
        footholds.step_feedback = { choices = ["gait", "capture"] }
        gait.max_step_length_m = { low = 0.3, high = 0.7, step = 0.05 }

    Raises ConfigError naming the file and the field (unknown option names list the valid ones).
    """
    if controller not in DEFAULT_SPACES:
        raise TuneInputError(
            f"no tuning space for controller '{controller}'; known: {', '.join(DEFAULT_SPACES)}"
        )
    if path is None:
        space = _space(controller, DEFAULT_SPACES[controller])
        _check_names(space, "<built-in space>")
        return space
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text())
    except OSError as e:
        raise ConfigError(path, "<file>", f"cannot read: {e.strerror or e}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(path, "<syntax>", str(e)) from None
    bad = sorted(set(doc) - {"params"})
    if bad:
        raise ConfigError(path, bad[0], "unknown table; valid: params")
    params = doc.get("params")
    if not isinstance(params, dict) or not params:
        raise ConfigError(path, "params", "expected a table of at least one option")
    space = SearchSpace(
        controller,
        tuple(_param(str(path), k, v) for k, v in _flat_params(params).items()),
        str(path),
    )
    _check_names(space, str(path))
    return space


# ---------------------------------------------------------------------------------------------
# the objective


def _clip01(x: float | None) -> float:
    """x clipped to [0, 1]; None or NaN (not measured) scores as the worst, 1."""
    if x is None or not math.isfinite(float(x)):
        return 1.0
    return min(max(float(x), 0.0), 1.0)


def run_cost(rec: dict[str, Any], duration_s: float) -> float:
    """The cost c in [0, 1] of one run record (see the module docstring)."""
    m = rec.get("metrics") or {}
    if not rec["success"]:
        progress = 1.0
        if rec.get("fell") and rec.get("fall_time_s") is not None:
            progress = _clip01(rec["fall_time_s"] / duration_s)
        elif rec.get("error"):
            progress = 0.0
        return 1.0 - 0.5 * progress
    return 0.5 * (
        0.5 * _clip01((m.get("velocity_rmse_mps") or 0.0) / VELOCITY_RMSE_SCALE_MPS)
        + 0.25 * _clip01(m.get("max_torque_ratio"))
        + 0.25 * _clip01(m.get("max_base_tilt_rad", math.inf) / TILT_SCALE_RAD)
    )


def trial_objective(records: Sequence[dict[str, Any]], durations: dict[str, float]) -> float:
    """J = failures / n + mean(run_cost) / n over ``records`` (minimised; inf for none).
    ``durations``: simulated time of each scenario name, s."""
    n = len(records)
    if n == 0:
        return math.inf
    fails = sum(not r["success"] for r in records)
    mean_c = statistics.fmean(run_cost(r, durations[r["scenario"]]) for r in records)
    return fails / n + mean_c / n


def _trial_metrics(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """What the summary shows of a trial: successes per scenario, medians, failures."""

    def med(key: str) -> float | None:
        xs = [(r["metrics"] or {}).get(key) for r in records]
        xs = [float(x) for x in xs if x is not None and math.isfinite(float(x))]
        return statistics.median(xs) if xs else None

    per: dict[str, list[int]] = {}
    for r in records:
        ok_n = per.setdefault(r["scenario"], [0, 0])
        ok_n[0] += bool(r["success"])
        ok_n[1] += 1
    return {
        "runs": len(records),
        "successes": sum(bool(r["success"]) for r in records),
        "per_scenario": per,
        "velocity_rmse_mps": med("velocity_rmse_mps"),
        "max_torque_ratio": med("max_torque_ratio"),
        "max_base_tilt_rad": med("max_base_tilt_rad"),
        "failures": [
            f"{r['scenario']} seed {r['seed']}: {(r['reason'] or '')[:120]}"
            for r in records
            if not r["success"]
        ][:10],
    }


# ---------------------------------------------------------------------------------------------
# output


def _toml_value(v: Any) -> str:
    """``v`` as a TOML literal (also the VALUE of --set)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(round(v, 4)) if abs(v) >= 1e-3 else f"{v:.4g}"
    return json.dumps(str(v))


def walking_table(params: dict[str, Any], comment: Sequence[str] = ()) -> str:
    """``params`` (dotted names) as ``[walking]`` TOML tables, one per section (``comment``:
    lines above them)."""
    lines = [f"# {c}" for c in comment]
    top = {k: v for k, v in params.items() if "." not in k}
    lines.append("[walking]")
    lines += [f"{k} = {_toml_value(v)}" for k, v in top.items()]
    sections: dict[str, list[str]] = {}
    for k, v in params.items():
        if "." in k:
            sec, name = k.rsplit(".", 1)
            sections.setdefault(sec, []).append(f"{name} = {_toml_value(v)}")
    for sec, body in sections.items():
        lines += ["", f"[walking.{sec}]", *body]
    return "\n".join(lines) + "\n"


def _fmt(v: float | None, f: str) -> str:
    return "—" if v is None else f.format(v)


def _summary_rows(trials) -> list[list[str]]:
    rows = []
    for t in trials:
        m = t.user_attrs.get("metrics") or {}
        per = m.get("per_scenario") or {}
        rows.append(
            [
                str(t.number),
                t.state.name.lower(),
                _fmt(_trial_value(t), "{:.4f}"),
                f"{m.get('successes', 0)}/{m.get('runs', 0)}",
                " ".join(f"{k} {a}/{b}" for k, (a, b) in per.items()),
                _fmt(m.get("velocity_rmse_mps"), "{:.3f}"),
                _fmt(m.get("max_torque_ratio"), "{:.2f}"),
                _fmt(m.get("max_base_tilt_rad"), "{:.3f}"),
                ", ".join(f"{k}={_toml_value(v)}" for k, v in t.params.items()),
            ]
        )
    return rows


def _trial_value(t) -> float | None:
    if t.value is not None:
        return float(t.value)
    if t.intermediate_values:  # pruned: the last reported value
        return float(t.intermediate_values[max(t.intermediate_values)])
    return None


def _plot_history(trials, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    done = [t for t in trials if _trial_value(t) is not None]
    for state, style in (("COMPLETE", "o"), ("PRUNED", "x")):
        xs = [t.number for t in done if t.state.name == state]
        ys = [_trial_value(t) for t in done if t.state.name == state]
        if xs:
            ax.plot(
                xs,
                ys,
                style,
                label=f"{state.lower()} (last reported value)"
                if state == "PRUNED"
                else state.lower(),
            )
    best, xs, ys = math.inf, [], []
    for t in sorted(done, key=lambda t: t.number):
        if t.state.name == "COMPLETE":
            best = min(best, float(t.value))
        if math.isfinite(best):
            xs.append(t.number)
            ys.append(best)
    if xs:
        ax.step(xs, ys, where="post", color="C3", label="best so far")
    ax.set_xlabel("trial")
    ax.set_ylabel("objective J (lower is better)")
    ax.set_title("Optimisation history")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _plot_importances(importances: dict[str, float], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(importances)[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(names) + 1.2))
    ax.barh(names, [importances[n] for n in names], color="C0")
    ax.set_xlabel("importance (Optuna's default evaluator, sums to 1)")
    ax.set_title("Parameter importances (completed trials)")
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# ---------------------------------------------------------------------------------------------
# the study


@dataclass
class TuneResult:
    """What :func:`tune` did and wrote."""

    study_name: str
    storage: str
    trials: int  # finished (complete + pruned) trials in the study
    new_trials: int  # finished by this call
    best_params: dict[str, Any] | None
    best_value: float | None
    best_number: int | None
    summary_md: Path
    best_toml: Path | None
    plots: list[Path] = field(default_factory=list)
    interrupted: bool = False
    wall_time_s: float = 0.0


def _sampler(optuna, name: str, seed: int):
    if name == "tpe":
        # multivariate: the options interact (step timing with the foothold law)
        return optuna.samplers.TPESampler(seed=seed, multivariate=True)
    if name == "cmaes":
        try:
            import cmaes  # noqa: F401
        except ImportError:
            raise TuneUnavailableError(
                "--sampler cmaes needs the optional package cmaes: pip install 'cerebellum[tune]'"
            ) from None
        # categorical options go to the independent (random) sampler
        return optuna.samplers.CmaEsSampler(
            seed=seed, warn_independent_sampling=False, consider_pruned_trials=True
        )
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed)
    raise TuneInputError(f"unknown sampler '{name}'; known: {', '.join(SAMPLERS)}")


def _storage(optuna, url: str):
    """An Optuna storage for ``url``: RDB URLs (sqlite://, postgresql://, ...) with a heartbeat
    (a trial whose process died is failed and run again by the next tune after 2 min)."""
    if "://" not in url:
        raise TuneInputError(
            f"--storage must be an Optuna storage URL (sqlite:///PATH, postgresql://...), got {url!r}"
        )
    if hasattr(optuna.storages, "RetryHeartbeatStaleTrialCallback"):  # Optuna >= 4.9
        retry = {
            "heartbeat_stale_trial_callback": optuna.storages.RetryHeartbeatStaleTrialCallback(
                max_retry=1
            )
        }
    else:
        retry = {"failed_trial_callback": optuna.storages.RetryFailedTrialCallback(max_retry=1)}
    try:
        return optuna.storages.RDBStorage(url, heartbeat_interval=30, grace_period=120, **retry)
    except Exception as e:  # noqa: BLE001 - SQLAlchemy's errors: a bad URL or unreachable DB
        raise TuneInputError(f"cannot open the storage {url!r}: {type(e).__name__}: {e}") from None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _recover_trials(optuna, study) -> int:
    """Trials left RUNNING by a tune process of this machine that is gone (killed) are failed,
    and every failed trial (interrupted or killed) is queued again once with its options (its finished
    runs are on disk and are not simulated again). Returns how many were queued."""
    TrialState = optuna.trial.TrialState
    host = socket.gethostname()
    trials = study.get_trials(deepcopy=False)
    for t in trials:
        owner = t.user_attrs.get("owner") or {}
        if (
            t.state == TrialState.RUNNING
            and owner.get("host") == host
            and not _pid_alive(int(owner.get("pid", -1)))
        ):
            # the storage API that Optuna's own heartbeat check uses to fail a stale trial
            study._storage.set_trial_user_attr(t._trial_id, "interrupted", True)
            study._storage.set_trial_state_values(t._trial_id, state=TrialState.FAIL)
    retried = {t.user_attrs.get("retry_of") for t in trials}
    queued = 0
    for t in study.get_trials(deepcopy=False, states=(TrialState.FAIL,)):
        # failed trials come from interruptions and kills (a failed run is a record, not an exception)
        if t.number not in retried and t.params:
            study.enqueue_trial(t.params, user_attrs={"retry_of": t.number})
            queued += 1
    return queued


def _robot_values(space: SearchSpace, robot: str) -> dict[str, Any]:
    """The values the robot runs today (controller defaults, its standing-pose geometry, its
    [walking] tables) of the options in ``space`` that lie inside it."""
    import dataclasses

    from cerebellum.controllers.gait import GaitSettings
    from cerebellum.controllers.walking_config import WalkingConfig
    from cerebellum.dynamics.model import RobotModel
    from cerebellum.robots import load_robot

    rc = load_robot(robot)
    table = WalkingConfig.from_table(str(rc.config_path), rc.walking, "walking").table()
    geometry = dataclasses.asdict(GaitSettings.for_robot(RobotModel(rc)))
    table["gait"] = {**geometry, **table["gait"]}
    values: dict[str, Any] = {}
    for k, v in table.items():
        if isinstance(v, dict):
            values.update({f"{k}.{n}": x for n, x in v.items()})
        else:
            values[k] = v
    out = {}
    for p in space.params:
        v = values.get(p.name)
        if p.kind == "categorical":
            if v in p.choices:
                out[p.name] = v
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and p.low <= v <= p.high:
            out[p.name] = int(v) if p.kind == "int" else float(v)
    return out


def _startup_trials(space: SearchSpace, robot: str) -> list[dict[str, Any]]:
    """The first trials of a new study: the robot's current values, then each other choice of
    every categorical option once with the rest at those values (options whose value lies
    outside the space are sampled). A random start-up can miss a choice: on H1 without its
    [walking] table, 30 trials of TPE (seed 0) never tried step_feedback = "capture", the one
    that walks at 1 m/s."""
    base = _robot_values(space, robot)
    trials = [base]
    for p in space.params:
        if p.kind == "categorical":
            trials += [{**base, p.name: c} for c in p.choices if c != base.get(p.name)]
    return trials


def _settings_key(settings: dict[str, Any]) -> dict[str, Any]:
    return {
        k: settings[k]
        for k in (
            "robot",
            "robot_config",
            "scenarios",
            "seeds",
            "seed_start",
            "duration_s",
            "overrides",
            "space",
        )
    }


def _params_hash(params: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:12]


def tune(
    robot: str,
    scenarios: Sequence[str],
    seeds: int = 2,
    trials: int = 30,
    space: SearchSpace | None = None,
    out_dir: str | os.PathLike = "tuning",
    storage: str | None = None,
    study_name: str | None = None,
    workers: int = 1,
    sampler: str = "tpe",
    sampler_seed: int = 0,
    prune: bool = True,
    seed_start: int = 0,
    duration_s: float | None = None,
    overrides: Sequence[str] = (),
    timeout_s: float | None = None,
    backend: Any = "process",
    address: str | None = None,
    progress: TextIO | None = sys.stderr,
    command: str = "",
) -> TuneResult:
    """Runs the study until it has ``trials`` finished (complete or pruned) trials; re-running with
    the same storage and study name resumes it (a study made with other robot, scenarios, seeds
    or space is an error). Writes summary.md, best.toml and the plots into ``out_dir``."""
    from cerebellum.robots import load_robot
    from cerebellum.sim.evaluate import load_runs, plan_tasks, run_evaluation, write_results
    from cerebellum.sim.report import prepare_output_dir
    from cerebellum.sim.scenario import load_scenario

    optuna = optuna_module()
    if trials < 1:
        raise TuneInputError(f"--trials must be >= 1, got {trials}")
    if sampler not in SAMPLERS:
        raise TuneInputError(f"unknown sampler '{sampler}'; known: {', '.join(SAMPLERS)}")
    space = space or load_space(None)
    scenarios = list(dict.fromkeys(scenarios))
    # validates robot, scenarios, seeds, duration and overrides before any study is touched
    n_runs = len(
        plan_tasks(
            [robot],
            scenarios,
            seeds,
            seed_start,
            controller=space.controller,
            overrides=overrides,
            duration_s=duration_s,
        )
    )
    durations = {}
    for s in scenarios:
        sc = load_scenario(s, tuple(overrides))
        durations[sc.name] = float(duration_s or sc.duration_s)
    out = prepare_output_dir(out_dir).resolve()
    storage = storage or f"sqlite:///{out / 'study.db'}"
    robot_label = Path(robot).stem if robot.endswith(".toml") else robot
    study_name = study_name or f"{robot_label}-{space.controller}"
    settings = {
        "robot": robot,
        "robot_config": hashlib.sha256(load_robot(robot).config_path.read_bytes()).hexdigest()[:16],
        "scenarios": scenarios,
        "seeds": seeds,
        "seed_start": seed_start,
        "duration_s": duration_s,
        "overrides": list(overrides),
        "space": space.as_dict(),
        "controller": space.controller,
    }
    # ERROR: an interrupted trial is reported by this module, not as Optuna's traceback
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    pruner = (
        optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=0)
        if prune
        else optuna.pruners.NopPruner()
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        rdb = _storage(optuna, storage)
        # a resumed study's sampler is seeded past its trials: it does not draw the same points
        try:
            known = optuna.load_study(study_name=study_name, storage=rdb)
            n_before = len(known.get_trials(deepcopy=False))
        except KeyError:  # a new study
            n_before = 0
        study = optuna.create_study(
            study_name=study_name,
            storage=rdb,
            sampler=_sampler(optuna, sampler, sampler_seed + n_before),
            pruner=pruner,
            direction="minimize",
            load_if_exists=True,
        )
    old = study.user_attrs.get("settings")
    if old is None:
        study.set_user_attr("settings", settings)
        for params in _startup_trials(space, robot):
            study.enqueue_trial(params, user_attrs={"startup": True})
    elif _settings_key(old) != _settings_key(settings):
        diff = [k for k in _settings_key(settings) if old.get(k) != settings[k]]
        raise TuneInputError(
            f"study '{study_name}' in {storage} was made with other settings ({', '.join(diff)} "
            "differ); use the same ones to resume it, or another --study / --out"
        )
    queued = _recover_trials(optuna, study)
    if queued and progress is not None:
        print(f"{queued} interrupted trial(s) queued again with their options", file=progress)
    TrialState = optuna.trial.TrialState
    finished_states = (TrialState.COMPLETE, TrialState.PRUNED)

    def n_finished() -> int:
        return len(study.get_trials(deepcopy=False, states=finished_states))

    start_finished = n_finished()
    cluster = None
    if backend == "ray":
        from cerebellum.sim.ray_backend import RayCluster

        cluster = RayCluster(address=address, num_cpus=workers)
    run_backend = cluster if cluster is not None else backend

    def objective(trial) -> float:
        trial.set_user_attr("owner", {"host": socket.gethostname(), "pid": os.getpid()})
        params = space.suggest(trial)
        sets = [f"controller.options.{k}={_toml_value(v)}" for k, v in params.items()]
        tasks = plan_tasks(
            [robot],
            scenarios,
            seeds,
            seed_start,
            controller=space.controller,
            overrides=[*overrides, *sets],
            duration_s=duration_s,
        )
        tdir = out / "trials" / _params_hash(params)
        trial.set_user_attr("dir", str(tdir.relative_to(out)))
        keys = {t.key for t in tasks}
        done = [r for k, r in load_runs(tdir / "runs.jsonl").items() if k in keys]
        step = [0]

        def report(recs) -> bool:
            step[0] += 1
            trial.report(trial_objective(recs, durations), step[0])
            return prune and trial.should_prune()

        for i in range(1, len(done) + 1):  # a resumed trial replays what finished
            if report(done[:i]):
                trial.set_user_attr("metrics", _trial_metrics(done[:i]))
                raise optuna.TrialPruned()

        def on_record(rec) -> bool:
            done.append(rec)
            return report(done)

        ev = run_evaluation(
            tasks,
            tdir,
            workers=workers,
            progress=None,
            on_record=on_record,
            timeout_s=timeout_s,
            backend=run_backend,
        )
        ev.settings = {"trial": trial.number, "params": params}
        write_results(ev, tdir, command=command)
        recs = ev.finished
        trial.set_user_attr("metrics", _trial_metrics(recs))
        if ev.interrupted:
            trial.set_user_attr("interrupted", True)
            raise KeyboardInterrupt
        value = trial_objective(recs, durations)
        # a trial whose runs all finished is complete, even if its last run asked to prune
        if len(recs) < len(tasks) and (ev.stopped or (prune and trial.should_prune())):
            if progress is not None:
                print(
                    f"trial {trial.number}: pruned after {len(recs)} of {len(tasks)} runs (J so far {value:.4f})",
                    file=progress,
                )
            raise optuna.TrialPruned()
        if progress is not None:
            m = trial.user_attrs["metrics"]
            print(
                f"trial {trial.number}: J = {value:.4f}, {m['successes']}/{m['runs']} runs succeeded ({', '.join(f'{k}={_toml_value(v)}' for k, v in params.items())})",
                file=progress,
            )
        return value

    t0 = time.perf_counter()
    interrupted = False
    remaining = trials - start_finished
    if progress is not None:
        print(
            f"study '{study_name}' ({storage}): {start_finished} of {trials} trials finished, "
            f"{n_runs} runs per trial",
            file=progress,
        )
    try:
        if remaining > 0:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                study.optimize(
                    objective,
                    n_trials=remaining,
                    callbacks=[optuna.study.MaxTrialsCallback(trials, states=finished_states)],
                    catch=(),
                )
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if cluster is not None:
            cluster.close()
    res = _write_outputs(optuna, study, out, storage, space, robot_label, command)
    res.new_trials = n_finished() - start_finished
    res.interrupted = interrupted
    res.wall_time_s = time.perf_counter() - t0
    return res


def _write_outputs(
    optuna, study, out: Path, storage: str, space: SearchSpace, robot_label: str, command: str
) -> TuneResult:
    from cerebellum.errors import OutputError

    TrialState = optuna.trial.TrialState
    trials = study.get_trials(deepcopy=False)
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    counts = {s.name.lower(): sum(t.state == s for t in trials) for s in TrialState}
    best = min(complete, key=lambda t: t.value) if complete else None
    ranked = sorted(
        (t for t in trials if _trial_value(t) is not None),
        key=lambda t: (t.state != TrialState.COMPLETE, _trial_value(t)),
    )
    lines = ["# Tuning results", ""]
    if command:
        lines += ["```", command, "```", ""]
    lines += [
        f"Study `{study.study_name}` in `{storage}`: "
        + ", ".join(f"{n} {k}" for k, n in counts.items() if n)
        + " trials.",
        "",
        f"Search space ({space.source}): "
        + "; ".join(f"`{p.name}` {p.describe()}" for p in space.params)
        + ".",
        "",
        "Objective J (lower is better) = failures / n + mean run cost / n; run cost: a failed run "
        "1 - 0.5 x its progress, a succeeded one 0.5 x (0.5 velocity RMSE / 0.5 m/s + 0.25 max "
        "torque ratio + 0.25 max tilt / 0.5 rad), each clipped to 1. Pruned trials show their last "
        "reported J. Medians over the trial's runs.",
        "",
    ]
    head = [
        "trial",
        "state",
        "J",
        "success",
        "per scenario",
        "vel RMSE m/s",
        "torque ratio",
        "max tilt rad",
        "options",
    ]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in _summary_rows(ranked[:15])]
    startup = [t for t in trials if t.user_attrs.get("startup")]
    if startup:
        lines += [
            "",
            "Start-up trials: the robot's current values (the first), then each other choice of "
            "the categorical options.",
            "",
            "| " + " | ".join(head) + " |",
            "|" + "---|" * len(head),
        ]
        lines += ["| " + " | ".join(r) + " |" for r in _summary_rows(startup)]
    best_toml = None
    if best is not None:
        m = best.user_attrs.get("metrics") or {}
        per = m.get("per_scenario") or {}
        comment = [
            f"Tuned by cerebellum tune: study {study.study_name}, trial {best.number}, J = {best.value:.4f};",
            f"{m.get('successes')}/{m.get('runs')} runs succeeded ("
            + ", ".join(f"{k} {a}/{b}" for k, (a, b) in per.items())
            + f"), median velocity RMSE {_fmt(m.get('velocity_rmse_mps'), '{:.3f}')} m/s.",
        ]
        table = walking_table(best.params, comment)
        best_toml = out / "best.toml"
        lines += [
            "",
            f"## Best trial: {best.number}",
            "",
            f"Paste into the robot's file ({robot_label}):",
            "",
            "```toml",
            table.rstrip(),
            "```",
        ]
    else:
        lines += ["", "No trial has completed yet: no best options."]
    plots = []
    try:
        if any(_trial_value(t) is not None for t in trials):
            _plot_history(trials, out / "history.png")
            plots.append(out / "history.png")
        importances = None
        if len(complete) >= 2:
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    importances = optuna.importance.get_param_importances(study)
                notes = list(dict.fromkeys(str(w.message) for w in caught))
                if notes:  # e.g. too few distinct trials: every option equally important
                    lines += ["", "Parameter importances: " + " ".join(notes)]
            except (RuntimeError, ValueError) as e:
                lines += ["", f"Parameter importances not computed: {e}"]
        if importances:
            _plot_importances(importances, out / "importances.png")
            plots.append(out / "importances.png")
            lines += ["", "## Parameter importances", ""]
            lines += [f"- `{k}`: {v:.3f}" for k, v in importances.items()]
        if plots:
            lines += ["", "Plots: " + ", ".join(f"[{p.name}]({p.name})" for p in plots)]
        md = out / "summary.md"
        md.write_text("\n".join(lines) + "\n")
        if best_toml is not None:
            best_toml.write_text(table)
    except OSError as e:
        raise OutputError(out, e.strerror or str(e)) from None
    return TuneResult(
        study_name=study.study_name,
        storage=storage,
        trials=sum(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials),
        new_trials=0,
        best_params=dict(best.params) if best else None,
        best_value=float(best.value) if best else None,
        best_number=best.number if best else None,
        summary_md=out / "summary.md",
        best_toml=best_toml,
        plots=plots,
    )
