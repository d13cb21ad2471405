"""``cerebellum export SCENARIO --robot R --out DIR``: everything ``cerebellum_sim`` needs to run a
scenario's closed loop in C++ against MuJoCo's C API, without Python.

DIR gets:

- ``model.mjb``: the compiled MuJoCo model of the Python harness (``sim.simulation.build_model``:
  robot, terrain, sensors, actuators), saved with ``mj_saveModel``, so the C++ loop steps the very
  same model; ``model.xml``: its MJCF (``MjSpec.to_xml``; it prints 6 significant digits, which
  changes heightfield terrains slightly: the C++ loop loads ``model.mjb``);
- ``robot.xml``: the MJCF the controller's Pinocchio model is built from;
- ``controller.txt``: the ``wbc`` controller's resolved ``WholeBodyQPSettings`` (wbc_settings +
  BALANCE_DEFAULTS + the scenario's options), its Robot frames, the standing posture, the tick
  period ``dt_s`` and the safety layer's ``safety.*`` settings;
- ``scenario.txt``: duration, rates, command timeline, pushes (after the seed's jitter, with their
  physics steps), the initial state (seeded perturbation included), where each sensor reading sits
  in MuJoCo's ``[qpos, qvel, sensordata]``, fall and success criteria;
- ``noise.bin``: the sensor noise the Python harness draws for this seed (float64, row 0 for the
  reset state, row k + 1 for tick k), so that both loops see the same readings.

Text files are ``key value ...`` lines (``cpp/include/cerebellum/key_value_file.hpp``).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from cerebellum.commands import add_overrides_argument
from cerebellum.controllers.gait import FootholdSearch, GaitSettings
from cerebellum.controllers.walking import SHAPING_FIELDS, cpp_settings
from cerebellum.errors import CerebellumError, ConfigError, UnknownNameError

__all__ = ["EXPORTABLE_CONTROLLERS", "WBC_SETTINGS_FIELDS", "add_parser", "export_scenario", "main"]

# Controllers with a C++ port that cerebellum_sim runs.
EXPORTABLE_CONTROLLERS = ("wbc", "walk")
FORMAT = 1

# Every scalar/vector field of WholeBodyQPSettings, in the order of controller.txt (contacts,
# base_frame, hand_frames are written separately). tests/test_cpp_sim.py checks this against the
# bound type, so a new setting cannot be left out silently.
WBC_SETTINGS_FIELDS = (
    "torque_limit",
    "joint_damping",
    "joint_friction",
    "friction_velocity",
    "w_momentum",
    "w_base_orientation",
    "w_swing",
    "w_posture",
    "w_hand",
    "w_reg_vdot",
    "w_reg_wrench",
    "w_wrench_ff",
    "kp_com",
    "kd_com",
    "kd_angular_momentum",
    "k_dcm",
    "cmp_margin",
    "kp_base",
    "kd_base",
    "kp_swing",
    "kd_swing",
    "kp_posture",
    "kd_posture",
    "kp_hand",
    "kd_hand",
    "kd_contact",
    "contact_weight",
    "eps_abs",
    "eps_rel",
    "max_iter",
    "max_iter_in",
    "mu_eq",
    "mu_in",
    "working_set",
    "fallback_decay",
    "fallback_damping",
)
_CONTACT_FIELDS = (
    "offset",
    "rotation",
    "x_back",
    "x_front",
    "y_right",
    "y_left",
    "mu",
    "fz_min",
    "fz_max",
    "yaw_coeff",
    "free_roll",
)


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "export",
        help="write what cerebellum_sim needs to run a scenario in C++ (no Python)",
        description="Write DIR/model.mjb, model.xml, robot.xml, controller.txt, scenario.txt "
        "(and noise.bin) for `cerebellum_sim DIR`.",
    )
    p.add_argument("scenario", help="built-in scenario name (e.g. stand) or a .toml file")
    p.add_argument("--robot", help="robot name or .toml config (default: the scenario's)")
    p.add_argument(
        "--seed", type=int, help="seed of every random element (default: the scenario's)"
    )
    p.add_argument("--duration", type=float, metavar="S", help="simulated time, s")
    p.add_argument("--out", type=Path, metavar="DIR", required=True, help="output folder")
    p.add_argument(
        "--controller",
        help=f"controller with a C++ port: {', '.join(EXPORTABLE_CONTROLLERS)} "
        "(default: the scenario's)",
    )
    add_overrides_argument(p)
    p.set_defaults(func=main)
    return p


def _fmt(x: Any) -> str:
    """A value as text C++ reads back exactly: repr of float64 (``inf``, ``nan``), ints, names."""
    if isinstance(x, (bool, np.bool_)):
        return "1" if x else "0"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        return repr(float(x))
    if isinstance(x, str):
        if not x or any(c.isspace() for c in x) or "#" in x:
            raise CerebellumError(f"cannot export the name {x!r}: empty, or with spaces or '#'")
        return x
    a = np.asarray(x)
    if a.dtype == bool:
        return " ".join("1" if v else "0" for v in a.reshape(-1))
    return " ".join(_fmt(float(v)) if a.dtype.kind == "f" else _fmt(v) for v in a.reshape(-1))


class _Writer:
    def __init__(self, header: str):
        self.lines = [f"# {line}" if line else "#" for line in header.splitlines()]

    def __call__(self, key: str, *values: Any) -> None:
        self.lines.append(" ".join([key, *(_fmt(v) for v in values)]).rstrip())

    def save(self, path: Path) -> None:
        path.write_text("\n".join(self.lines) + "\n")


# WalkingSettings scalars written as they are (see cpp/src/walking_config.cpp).
WALKING_FIELDS = (
    "dt_s",
    "plan_every",
    "n_knots",
    "knot_dt_s",
    "k_dcm",
    "max_yaw_lead_rad",
    "footholds_from_com",
    "step_dcm_gain",
    "max_step_adjust_m",
    "stop_speed_mps",
    "push_step_margin_m",
    "push_step_double_support_s",
    "dcm_replan",
    "com_descent_accel_mps2",
    "com_descent_speed_mps",
    "com_step_down_min_m",
    "terrain_aware",
)
# GaitSettings and FootholdSearch fields, as the dataclasses define them (the C++ reader,
# cpp/src/controller_config.cpp, requires each key once and refuses unknown ones).
GAIT_FIELDS = tuple(
    f.name
    for f in dataclasses.fields(GaitSettings)
    if f.name not in ("sole_rectangle", "capture_point_feedback")  # written on their own
)
SEARCH_FIELDS = tuple(f.name for f in dataclasses.fields(FootholdSearch))


# KinodynamicMPCSettings and MpcPlannerSettings fields (planner "mpc"; cpp/src/controller_config.cpp).
MPC_SOLVER_INTS = (
    "N",
    "nx",
    "nu",
    "np",
    "ng",
    "nw",
    "num_feet",
    "contact_index",
    "rows_per_foot",
    "num_inequality",
    "sqp_iterations",
    "qp_max_iter",
    "qp_mode",
    "qp_warm_start",
    "qp_pred_corr",
    "qp_ric_alg",
    "qp_split_step",
    "qp_cond_horizon",
)
MPC_SOLVER_FLOATS = ("qp_tol", "qp_accept_residual", "qp_eq_band", "deadline_us")
MPC_SOLVER_VECTORS = ("x_lower", "x_upper", "w_stage", "w_terminal")
MPC_PLANNER_FIELDS = (
    "dt_s",
    "mass_kg",
    "base_above_com_m",
    "track_posture",
    "track_base",
)


def _write_mpc(w: _Writer, ws, out: Path) -> None:
    """Planner "mpc": the solver's settings, and its generated library copied into ``out``."""
    w("mpc", bool(ws.use_mpc))
    if not ws.use_mpc:
        return
    m = ws.mpc
    sv = m.solver
    shutil.copyfile(sv.library, out / "mpc.so")
    w("mpc.library", "mpc.so")
    for f in MPC_SOLVER_INTS:
        w(f"mpc.{f}", int(getattr(sv, f)))
    for f in MPC_SOLVER_FLOATS:
        w(f"mpc.{f}", float(getattr(sv, f)))
    for f in MPC_SOLVER_VECTORS:
        w(f"mpc.{f}", np.asarray(getattr(sv, f), float))
    w("mpc.joint_index", *[int(i) for i in np.asarray(m.joint_index).reshape(-1)])
    w("mpc.posture", np.asarray(m.posture, float))
    for f in MPC_PLANNER_FIELDS:
        w(f"mpc.{f}", getattr(m, f))
    w("mpc.balance", int(m.balance))


def _write_walking(w: _Writer, py, ws, terrain) -> None:
    """The walking controller's own settings and the terrain its planner queries."""
    w("imu_frame", ws.imu_frame)
    g = py.gait
    for f in GAIT_FIELDS:
        v = getattr(g, f)
        w(f"gait.{f}", "none" if v is None else float(v))
    w("gait.capture_point_feedback", bool(g.capture_point_feedback))
    w("gait.sole_rectangle", np.asarray(g.sole_rectangle, float))
    search = FootholdSearch()
    for f in SEARCH_FIELDS:
        w(f"search.{f}", float(getattr(search, f)))
    for f in SHAPING_FIELDS:
        w(f"shaping.{f}", float(getattr(ws.shaping, f)))
    w("sole.centre", np.asarray(ws.sole.centre, float))
    w("sole.cop_box", np.asarray(ws.sole.cop_box, float))
    w("base_minus_com", np.asarray(ws.base_minus_com, float))
    w("arm_joints", *[int(i) for i in np.asarray(ws.arm_joints).reshape(-1)])
    w("arm_coeffs", *[float(c) for c in np.asarray(ws.arm_coeffs).reshape(-1)])
    w("step_feedback", int(ws.step_feedback))
    for f in WALKING_FIELDS:
        w(f, getattr(ws, f))
    from cerebellum.controllers.safety import SAFETY_FIELDS  # noqa: PLC0415

    for f in SAFETY_FIELDS:
        w(f"safety.{f}", getattr(ws.safety, f))
    w("planning_thread", bool(py.config.planning_thread))
    kind, data = terrain.query_data()
    w("terrain.kind", kind)
    for k, v in data.items():
        a = np.asarray(v, float)
        if a.ndim == 2:
            w(f"terrain.{k}.shape", *a.shape)
        w(f"terrain.{k}", a.reshape(-1) if a.ndim else float(a))


def _write_estimator(w: _Writer, sim) -> None:
    """Base estimator (``controller.ground_truth_base = false``): every BaseEstimatorSettings
    field, as the harness builds it (cpp/src/controller_config.cpp reads them back)."""
    from cerebellum.controllers.estimator import (  # noqa: PLC0415
        ESTIMATOR_SETTINGS,
        estimator_settings,
    )

    w("estimator", sim.estimator is not None)
    if sim.estimator is None:
        return
    e = estimator_settings(sim.cfg, sim.scenario.controller.estimator)
    w("estimator.foot_frames", *list(e.foot_frames))
    for f in ESTIMATOR_SETTINGS:
        v = getattr(e, f)
        w(f"estimator.{f}", v if isinstance(v, (bool, str)) else float(v))


def export_scenario(
    scenario: str,
    out: str | Path,
    robot: str | None = None,
    seed: int | None = None,
    duration_s: float | None = None,
    overrides: list[str] | tuple[str, ...] = (),
    controller: str | None = None,
) -> Path:
    """Writes DIR (see the module docstring) and returns it."""
    import mujoco

    from cerebellum.sim.scenario import load_scenario
    from cerebellum.sim.sensors import NOISE_BLOCK_ROWS
    from cerebellum.sim.simulation import Simulation, build_spec
    from cerebellum.sim.terrain import TERRAIN_GROUP, Flat

    sc = load_scenario(scenario, overrides)
    controller = controller or sc.controller.name or "wbc"  # the harness default
    if controller not in EXPORTABLE_CONTROLLERS:
        raise UnknownNameError("controller with a C++ port", controller, EXPORTABLE_CONTROLLERS)
    if not sc.controller.ground_truth_base and controller != "walk":
        raise ConfigError(
            sc.path,
            "controller.ground_truth_base",
            f"controller '{controller}' needs the ground-truth base: expected true "
            "(--set controller.ground_truth_base=true)",
        )
    if sc.faults:
        raise ConfigError(
            sc.path, "fault", "the C++ closed loop injects no faults: remove the [[fault]] entries"
        )
    sim = Simulation(sc, robot=robot, seed=seed, controller=controller, duration_s=duration_s)
    if sim.motors.any:
        raise ConfigError(
            sim.cfg.config_path,
            "actuators",
            "the C++ closed loop has ideal motors: set physics.actuator_model = false",
        )
    n = int(round(sim.duration_s / sim.dt_ctrl))
    if n < 1:
        raise ConfigError(
            sc.path,
            "scenario.duration_s",
            f"expected at least one control period ({sim.dt_ctrl} s)",
        )
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CerebellumError(f"--out {out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    m, cfg = sim.model, sim.cfg
    ctrl = sim.controller
    rm = ctrl.rm

    # -- models
    spec = build_spec(cfg, sim.terrain, sc.timestep_s)
    (out / "model.xml").write_text(spec.to_xml())
    mujoco.mj_saveModel(m, str(out / "model.mjb"), None)
    shutil.copyfile(rm.path, out / "robot.xml")

    # -- controller
    if controller == "walk":
        py = ctrl.setup  # WalkSetup
        s = py.wbc
        q_stand = py.q_stand
        header = (
            f"cerebellum export: controller 'walk' (controllers/walking.py)\n"
            f"robot {cfg.name}, scenario {sc.name}: the resolved WalkingSettings"
        )
    else:
        s = ctrl.settings  # wbc_settings + BALANCE_DEFAULTS + controller.options
        q_stand = ctrl.q_stand
        header = (
            f"cerebellum export: controller '{controller}' (controllers/wbc.py "
            f"WholeBodyController)\nrobot {cfg.name}, scenario {sc.name}: resolved "
            "WholeBodyQPSettings (wbc_settings +\nBALANCE_DEFAULTS + controller.options); q_stand: "
            "Pinocchio q (quat xyzw)"
        )
    w = _Writer(header)
    w("format", FORMAT)
    w("controller", controller)
    w("model", "robot.xml")
    w("frames", *(list(rm.foot_frames) + ["base_imu"]))
    w("nq", rm.nq)
    w("nv", rm.nv)
    w("q_stand", np.asarray(q_stand, dtype=float))
    w("contacts", len(s.contacts))
    for i, c in enumerate(s.contacts):
        w(f"contact.{i}.frame", c.frame)
        for f in _CONTACT_FIELDS:
            v = getattr(c, f)
            w(f"contact.{i}.{f}", *([v] if not isinstance(v, np.ndarray) else [v]))
    w("wbc.base_frame", *([s.base_frame] if s.base_frame else []))
    w("wbc.hand_frames", *list(s.hand_frames))
    for f in WBC_SETTINGS_FIELDS:
        v = getattr(s, f)
        if isinstance(v, np.ndarray):
            w(f"wbc.{f}", *([v] if v.size else []))
        else:
            w(f"wbc.{f}", v)
    if controller == "walk":
        ws = cpp_settings(py, sim.mpc_every)
        _write_walking(w, py, ws, sim.terrain)
        _write_mpc(w, ws, out)
        _write_estimator(w, sim)
    else:
        from cerebellum.controllers.safety import SAFETY_FIELDS  # noqa: PLC0415

        w("dt_s", float(sim.dt_ctrl))
        for f in SAFETY_FIELDS:  # as the controller resolved them
            w(f"safety.{f}", getattr(ctrl.safety_settings, f))
    w.save(out / "controller.txt")

    # -- scenario
    h = sc.timestep_s
    w = _Writer(
        f"cerebellum export: scenario {sc.name} on {cfg.name}, seed {sim.seed}, for cerebellum_sim\n"
        "state_index: [joint_pos, joint_vel, imu quat xyzw, gyro, acc, force l r, torque l r,\n"
        "(base pos, quat xyzw, base-frame lin vel, ang vel)] in [qpos, qvel, sensordata]"
    )
    w("format", FORMAT)
    w("scenario", sc.name)
    w("robot", cfg.name)
    w("seed", sim.seed)
    w("controller", controller)
    w("model", "model.mjb")
    w("duration_s", float(sim.duration_s))
    w("timestep_s", float(h))
    w("substeps", sim.substeps)
    w("dt_ctrl_s", float(sim.dt_ctrl))
    w("ticks", n)
    w("actuation_delay_ticks", sc.controller.actuation_delay_ticks)
    w("ground_truth_base", sc.controller.ground_truth_base)
    w("root_body", sim.root_body)
    if isinstance(sim.terrain, Flat):
        w("terrain_height", "flat")
        w("terrain_geoms")
    else:  # height under the base: a ray cast down onto the terrain's geoms
        geoms = [
            g for g in range(m.ngeom) if m.geom_bodyid[g] == 0 and m.geom_group[g] == TERRAIN_GROUP
        ]
        w("terrain_height", "ray")
        w("terrain_geoms", *geoms)
    w("initial_qpos", sim.initial_qpos())
    y_index = np.asarray(sim.sensors.y_index, dtype=np.int64)
    w("state_index", y_index)
    cols = y_index.size + 3
    if sim.sensors.noise_any:
        # The Python loop draws NOISE_BLOCK_ROWS rows at a time from the noise stream; one row
        # per state read (the reset state, then one per tick).
        rng = np.random.default_rng(sim._noise_seq)
        rows = n + 1
        blocks = [
            rng.standard_normal((NOISE_BLOCK_ROWS, cols)) * sim.sensors.noise_std
            for _ in range(math.ceil(rows / NOISE_BLOCK_ROWS))
        ]
        noise = np.ascontiguousarray(np.concatenate(blocks)[:rows], dtype="<f8")
        noise.tofile(out / "noise.bin")
        w("noise_file", "noise.bin")
        w("noise_rows", rows)
    else:
        (out / "noise.bin").unlink(missing_ok=True)
        w("noise_file", "none")
        w("noise_rows", 0)
    w("noise_cols", cols)
    w("orientation_std", float(sim.sensors.orientation_std))
    cmds = list(sc.commands)
    w("commands", len(cmds))
    for i, c in enumerate(cmds):
        w(f"command.{i}", float(c.t_s), float(c.vx), float(c.vy), float(c.yaw_rate))
    w("pushes", len(sim._pushes))
    for i, p in enumerate(sim._pushes):
        w(f"push.{i}.t_s", float(p["t_s"]))
        w(f"push.{i}.duration_s", float(p["duration_s"]))
        w(f"push.{i}.body", p["body"])
        w(f"push.{i}.body_id", int(p["body_id"]))
        w(f"push.{i}.first_step", int(math.ceil(p["t_s"] / h - 1e-9)))
        w(f"push.{i}.steps", int(round(p["duration_s"] / h)))
        w(f"push.{i}.force_N", np.asarray(p["force_N"], dtype=float))
    ok = sc.success

    def opt(v: float | None) -> Any:
        return "none" if v is None else float(v)

    w("no_fall", ok.no_fall)
    w("fall_height_fraction", float(ok.fall_height_fraction))
    w("cos_fall_tilt", float(np.cos(ok.fall_tilt_rad)))
    w("base_height_min_m", opt(ok.base_height_min_m))
    w(
        "end_position",
        *(["none"] if ok.end_position is None else [float(x) for x in ok.end_position]),
    )
    w("end_position_tol_m", float(ok.end_position_tol_m))
    w("end_velocity_tol_m_s", opt(ok.end_velocity_tol_m_s))
    w("min_distance_m", opt(ok.min_distance_m))
    w("max_velocity_rmse", opt(ok.max_velocity_rmse))
    w("max_yaw_rate_rmse", opt(ok.max_yaw_rate_rmse))
    w.save(out / "scenario.txt")
    return out


def main(args: argparse.Namespace) -> int:
    out = export_scenario(
        args.scenario,
        args.out,
        robot=args.robot,
        seed=args.seed,
        duration_s=args.duration,
        overrides=args.overrides,
        controller=args.controller,
    )
    print(f"exported to {out}: run it with `cerebellum_sim {out}`")
    return 0
