"""The simulation loop: a robot on a terrain in MuJoCo, driven by a controller at its own rate.

Physics: ``implicitfast`` integrator at the scenario's ``physics.timestep_s`` (default 1 ms). 1 ms
because (a) the WBC runs at 1 kHz and each tick must see a fresh physics state, so the physics rate
must be a whole multiple of it, and (b) 50-140 kg humanoids on small box soles make stiff contacts
whose solver transients ring at 2 ms with push-level forces, while 1 ms stays well damped.

Each control tick (every ``round(1 / (wbc_hz * timestep_s))`` physics steps):

1. ``mj_step1``: positions/velocities, encoder-like and IMU orientation/gyro sensors at time t;
2. the controller gets a :class:`RobotState` (noisy sensors; accelerometer and foot force/torque
   are from the previous physics step, as on a robot) and the scenario's current command;
3. its torques (nu,) go to the motors now, or at the next tick with ``actuation_delay_ticks = 1``,
   through the robot file's motor models when it has them (``[actuators]``: first-order response,
   torque-speed line; :mod:`cerebellum.sim.actuators`; ``physics.actuator_model = false`` turns
   them off); MuJoCo clamps them to each motor's ``ctrlrange`` (the model's effort limits);
4. pushes are applied with ``xfrc_applied`` at the body's centre of mass; ``mj_step2`` integrates.

With ``controller.ground_truth_base = false`` the base state in :class:`RobotState` is the
estimate of ``_core.BaseEstimator`` (IMU + leg kinematics, started at the true initial pose,
settings from ``[controller.estimator]``): the C++ ``walk`` controller runs it inside its tick
(``attach_estimator``); for other controllers the harness updates it before each tick. The
estimate is logged beside the truth (``est_*`` keys, see ``docs/estimator.md``).

Faults (``[[fault]]``, :mod:`cerebellum.sim.faults`) act on the readings of step 2, on the
command the controller gets and on the torques of step 3 (an actuator's scale multiplies the
torque after its effort limit); ``SimResult.faults`` records what was injected and when.

Falls (base height above the terrain < ``fall_height_fraction`` x its initial value, or base tilt
> ``fall_tilt_rad``) end the run. Controllers come from a registry (:func:`register_controller`).
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mujoco
import numpy as np

from cerebellum.dynamics.conventions import ConventionMap, mujoco_to_pinocchio_q
from cerebellum.errors import CerebellumError, ConfigError, UnknownNameError
from cerebellum.interfaces import BaseState, Controller, RobotState
from cerebellum.robots import ActuatorModel, RobotConfig, load_robot
from cerebellum.sim import metrics as walking
from cerebellum.sim.actuators import MotorModel
from cerebellum.sim.faults import FaultInjector, limb_joints
from cerebellum.sim.run_log import RunLog, add_base_fields
from cerebellum.sim.scenario import Command, ControllerSettings, Scenario
from cerebellum.sim.schedule import commands_per_tick, height_bound, push_schedule
from cerebellum.sim.sensors import SensorModel
from cerebellum.sim.terrain import Terrain, make_terrain

__all__ = [
    "Controller",
    "ControllerContext",
    "ControllerUnavailableError",
    "JointPDController",
    "SimResult",
    "Simulation",
    "build_model",
    "build_spec",
    "default_controller",
    "list_controllers",
    "make_controller",
    "register_controller",
]

# Longest run, s (as a scenario file's duration_s): the log is held in memory, ~1 kB per tick.
MAX_DURATION_S = 3600.0


# ---------------------------------------------------------------------------------------------
# controllers


@dataclass(frozen=True)
class ControllerContext:
    """What a controller factory gets: robot, model file, joint order, limits, rates, options."""

    robot: RobotConfig
    model_path: Path  # MJCF loaded by both MuJoCo and Pinocchio
    joint_names: tuple[str, ...]  # (nu,) actuator k drives joint_names[k]
    effort_limit: np.ndarray  # (nu,) N·m
    dt_s: float  # control period
    settings: ControllerSettings
    options: dict[str, Any] = field(default_factory=dict)
    terrain: Terrain | None = None  # ground with height(x, y) / normal(x, y); None: unknown


ControllerFactory = Callable[[ControllerContext], Controller]


class ControllerUnavailableError(CerebellumError, ImportError):
    """A registered controller whose module cannot be imported (e.g. the C++ core is not built)."""


_CONTROLLERS: dict[str, ControllerFactory | str] = {}


def register_controller(name: str, factory: ControllerFactory | str) -> None:
    """Registers a factory, or a lazy ``"module:attribute"`` path to one (imported on first use)."""
    _CONTROLLERS[name] = factory


def list_controllers() -> list[str]:
    return sorted(_CONTROLLERS)


def _factory(name: str) -> ControllerFactory:
    if name not in _CONTROLLERS:
        raise UnknownNameError("controller", name, list(_CONTROLLERS))
    f = _CONTROLLERS[name]
    if isinstance(f, str):
        module, _, attr = f.partition(":")
        try:
            f = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as e:
            raise ControllerUnavailableError(
                f"controller '{name}' is not available yet: it cannot be loaded from "
                f"'{module}:{attr}' ({e}); available now: {', '.join(_loadable())}"
            ) from None
        _CONTROLLERS[name] = f
    return f


def _loadable() -> list[str]:
    """Registered controllers that are already loaded or whose module can be found."""
    out = []
    for name, f in _CONTROLLERS.items():
        if not isinstance(f, str):
            out.append(name)
            continue
        try:
            if importlib.util.find_spec(f.partition(":")[0]) is not None:
                out.append(name)
        except (ImportError, ValueError):
            pass
    return sorted(out)


def default_controller() -> str:
    """``wbc`` when it can be loaded, else ``pd``."""
    try:
        _factory("wbc")
        return "wbc"
    except ControllerUnavailableError:
        return "pd"


def make_controller(name: str, ctx: ControllerContext) -> Controller:
    return _factory(name)(ctx)


class JointPDController:
    """Joint-space PD to the standing posture: ``tau = kp (q_ref - q) - kd qdot [+ tau_g]``.

    ``q_ref``: ``standing_configuration`` (the config's standing joints, soles flat). Gains: the
    robot config's ``gains``, scaled by the options ``kp_scale``/``kd_scale``. With the option
    ``gravity_compensation`` (default true), ``tau_g`` is the quasi-static torque that holds the
    robot on both soles: ``g = pin.rnea(q, 0, 0)`` on the Pinocchio model of the same MJCF, the
    base rows of ``g = J_c^T f`` solved for the minimum-norm sole wrenches ``f`` (12), then
    ``tau_g = g[6:] - J_c[:, 6:]^T f`` (a fixed-base ``g[6:]`` alone would pull the stance legs the
    wrong way), refreshed at ``feedforward_hz`` (default 100). Base orientation: the ground-truth
    base when enabled, else the IMU. No balance feedback: a baseline, not a balance controller.
    """

    def __init__(self, ctx: ControllerContext):
        from cerebellum.dynamics.model import RobotModel, standing_configuration

        opts = dict(ctx.options)
        valid = {"gravity_compensation", "feedforward_hz", "kp_scale", "kd_scale"}
        for k in opts:
            if k not in valid:
                raise ConfigError(
                    ctx.robot.config_path,
                    f"controller.options.{k}",
                    f"unknown option for 'pd'; valid: {sorted(valid)}",
                )
        self.rm = RobotModel(ctx.robot)
        self.joint_names = list(ctx.joint_names)
        kp, kd = ctx.robot.gains(self.joint_names)
        self.kp = kp * float(opts.get("kp_scale", 1.0))  # (nu,)
        self.kd = kd * float(opts.get("kd_scale", 1.0))
        self.gravity = bool(opts.get("gravity_compensation", True))
        self._feet = [self.rm.frame_id(f) for f in self.rm.foot_frames]
        self._ff_every = max(
            1, int(round(1.0 / (float(opts.get("feedforward_hz", 100.0)) * ctx.dt_s)))
        )
        self._tau_g = np.zeros(len(self.joint_names))
        self.q_ref = standing_configuration(self.rm)[7:]  # (nu,) rad
        self._v0 = np.zeros(self.rm.nv)
        self._data = self.rm.model.createData()
        self._ticks = 0

    def reset(self, state: RobotState) -> None:
        self._ticks = 0

    def compute(self, state: RobotState, command: Command) -> np.ndarray:
        tau = self.kp * (self.q_ref - state.joint_pos) - self.kd * state.joint_vel
        if self.gravity and self._ticks % self._ff_every == 0:
            import pinocchio as pin

            model, data = self.rm.model, self._data
            q = np.empty(self.rm.nq)
            q[:3] = 0.0
            q[3:7] = state.base.quat_xyzw if state.base is not None else state.imu_quat_xyzw
            q[7:] = state.joint_pos
            g = pin.computeGeneralizedGravity(model, data, q)  # (nv,) = rnea(q, 0, 0)
            pin.computeJointJacobians(model, data, q)
            pin.updateFramePlacements(model, data)
            Jc = np.vstack(
                [pin.getFrameJacobian(model, data, f, pin.LOCAL) for f in self._feet]
            )  # (12, nv)
            Jb = Jc[:, :6]  # (12, 6)
            f = Jb @ np.linalg.solve(Jb.T @ Jb, g[:6])  # (12,) minimum-norm sole wrenches
            self._tau_g = g[6:] - Jc[:, 6:].T @ f
        if self.gravity:
            tau += self._tau_g
        self._ticks += 1
        return tau

    def stats(self) -> dict[str, Any]:
        return {"failures": 0, "ticks": self._ticks}


register_controller("pd", JointPDController)
# The whole-body QP (C++ ``_core.WholeBodyQP`` behind ``cerebellum.controllers``): one entry.
register_controller("wbc", "cerebellum.controllers.wbc:WholeBodyController")
# Walking (gait + MPC + WBC), named by the walking scenarios' [controller] table.
register_controller("walk", "cerebellum.controllers.walking:CppWalkingController")


# ---------------------------------------------------------------------------------------------
# model


def build_model(cfg: RobotConfig, terrain: Terrain, timestep_s: float) -> mujoco.MjModel:
    """Robot MJCF + terrain + light; ``implicitfast`` at ``timestep_s``; 640x480 offscreen."""
    try:
        return build_spec(cfg, terrain, timestep_s).compile()
    except ValueError as e:  # MuJoCo's compile errors (the robot file's numbers, the terrain's)
        raise ConfigError(
            cfg.config_path, "<model>", f"MuJoCo cannot compile the robot on this terrain: {e}"
        ) from None


def build_spec(cfg: RobotConfig, terrain: Terrain, timestep_s: float) -> mujoco.MjSpec:
    """The uncompiled :func:`build_model` (for ``to_xml``)."""
    spec = mujoco.MjSpec.from_file(str(cfg.model_path()))
    spec.option.timestep = timestep_s
    spec.option.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    terrain.add_to(spec)
    # ground-truth base linear velocity in the base frame (the IMU site sits at the base origin)
    spec.add_sensor(
        name="base_velocimeter",
        type=mujoco.mjtSensor.mjSENS_VELOCIMETER,
        objtype=mujoco.mjtObj.mjOBJ_SITE,
        objname="base_imu",
    )
    for side in ("left", "right"):  # net contact force on each sole: force bit, reduce = netforce
        spec.add_sensor(
            name=f"{side}_sole_contact",
            type=mujoco.mjtSensor.mjSENS_CONTACT,
            objtype=mujoco.mjtObj.mjOBJ_GEOM,
            objname=f"{side}_sole_box",
            intprm=[2, 3, 1],
        )
    spec.worldbody.add_light(
        name="sun",
        pos=[0, 0, 6],
        dir=[0.3, 0.2, -1],
        type=mujoco.mjtLightType.mjLIGHT_DIRECTIONAL,
        diffuse=[0.8, 0.8, 0.8],
        castshadow=0,
    )
    spec.visual.global_.offwidth = max(spec.visual.global_.offwidth, 640)
    spec.visual.global_.offheight = max(spec.visual.global_.offheight, 480)
    spec.visual.quality.offsamples = 0  # no MSAA: headless software GL renders 5x faster
    return spec


def _quat_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(4)
    mujoco.mju_mulQuat(out, a, b)
    return out


# ---------------------------------------------------------------------------------------------
# simulation


@dataclass
class SimResult:
    """Outcome of a run. ``log`` holds arrays with one row per control tick (see ``Simulation``)."""

    scenario: str
    robot: str
    seed: int
    controller: str
    fell: bool
    fall_time_s: float | None
    success: bool
    failed_criteria: list[str]
    sim_time_s: float
    wall_time_s: float
    tick_us: np.ndarray  # (ticks,) wall time of compute(), µs
    controller_stats: dict[str, Any]
    pushes: list[dict[str, Any]]  # applied pushes: t_s, duration_s, body, force_N, impulse_Ns
    log: dict[str, np.ndarray]
    faults: list[dict[str, Any]] = field(default_factory=list)  # see FaultInjector.record

    @property
    def real_time_factor(self) -> float:
        return self.sim_time_s / max(self.wall_time_s, 1e-9)


class Simulation:
    """One run of a scenario. ``seed`` (default: the scenario's) drives every random element
    through independent streams: terrain, sensor noise, initial perturbation, push jitter.

    Log (``SimResult.log``, saved by :func:`cerebellum.sim.report.save_log`), one row per tick k at
    time t_k; forces act over [t_k, t_k + control period):
    ``t`` (n,), ``qpos`` (n, nq) MuJoCo order (quat wxyz, world linear velocity in ``qvel``),
    ``qvel`` (n, nv), ``tau_cmd`` (n, nu) controller output, ``tau`` (n, nu) applied after delay and
    limits, ``contact_force`` (n, 2, 3) world-frame total contact force on [left, right] sole, N,
    ``com`` (n, 3) m, ``base_pos`` (n, 3), ``base_quat_xyzw`` (n, 4), ``base_rpy`` (n, 3) rad,
    ``base_height`` (n,) above the terrain, ``tilt`` (n,) rad, ``push_force`` (n, 3) N, ``command``
    (n, 3) [vx, vy, yaw_rate]; plus ``joint_names``, ``effort_limit`` (nu,), ``dt_s``. With the
    estimator in the loop also ``est_base_pos`` (n, 3), ``est_base_quat_xyzw`` (n, 4),
    ``est_base_vel_world`` (n, 3), ``est_contact`` / ``est_slipping`` (n, 2) bool,
    ``est_gyro_bias`` / ``est_acc_bias`` (n, 3), ``est_status`` (n,) (BaseEstimator status bits).
    With ``[[fault]]`` entries also ``fault_active`` (n, faults) bool.
    """

    def __init__(
        self,
        scenario: Scenario,
        robot: str | None = None,
        seed: int | None = None,
        controller: str | None = None,
        duration_s: float | None = None,
        estimator_in_controller: bool = True,
    ):
        """``estimator_in_controller``: a controller with ``attach_estimator`` (the C++ walk)
        runs the base estimator inside its tick; False: the harness updates it before each tick
        and hands the controller the estimate (the same operations, for comparison)."""
        self.scenario = scenario
        self.cfg = load_robot(robot or scenario.robot)
        self.seed = scenario.seed if seed is None else int(seed)
        if self.seed < 0:
            raise ConfigError(scenario.path, "scenario.seed", f"expected >= 0, got {self.seed}")
        self.duration_s = scenario.duration_s if duration_s is None else float(duration_s)
        if not (math.isfinite(self.duration_s) and 0 < self.duration_s <= MAX_DURATION_S):
            raise ConfigError(
                scenario.path,
                "scenario.duration_s",
                f"expected a finite number of seconds in (0, {MAX_DURATION_S:g}], "
                f"got {self.duration_s}",
            )
        self.controller_name = controller or scenario.controller.name or default_controller()
        ss = np.random.SeedSequence(self.seed)
        terrain_seq, noise_seq, init_seq, push_seq = ss.spawn(4)
        params = dict(scenario.terrain_params)
        if "seed" in _terrain_params(scenario.terrain) and "seed" not in params:
            params["seed"] = int(terrain_seq.generate_state(1)[0])
        self.terrain = make_terrain(scenario.terrain, **params)
        self._noise_seq, self._init_seq = noise_seq, init_seq
        self.rng_push = np.random.default_rng(push_seq)

        self.model = build_model(self.cfg, self.terrain, scenario.timestep_s)
        self.data = mujoco.MjData(self.model)
        m = self.model
        self.substeps = int(round(1.0 / (scenario.controller.wbc_hz * scenario.timestep_s)))
        self.dt_ctrl = self.substeps * scenario.timestep_s
        if int(round(self.duration_s / self.dt_ctrl)) < 1:  # a run of no tick proves nothing
            raise ConfigError(
                scenario.path,
                "scenario.duration_s",
                f"expected at least one control period ({self.dt_ctrl:g} s), got {self.duration_s}",
            )
        self.mpc_every = max(1, int(round(1.0 / (scenario.controller.mpc_hz * self.dt_ctrl))))
        self.joint_names = tuple(m.joint(m.actuator_trnid[k][0]).name for k in range(m.nu))
        self.effort_limit = np.abs(m.actuator_ctrlrange[:, 1]).copy()
        self.root_body = int(m.jnt_bodyid[0])
        # qpos/qvel address of each actuated joint, in actuator order
        jids = m.actuator_trnid[:, 0]
        self._qadr = m.jnt_qposadr[jids].copy()
        self._vadr = m.jnt_dofadr[jids].copy()
        self._sole_sites = [
            mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_SITE, f"{s}_sole") for s in ("left", "right")
        ]
        self._pushes = self._jittered_pushes()
        # the robot file's motor models ([actuators]), unless the scenario turns them off
        self.motors = MotorModel(
            self.cfg.actuator_models(list(self.joint_names))
            if scenario.actuator_model
            else [ActuatorModel()] * m.nu,
            self.effort_limit,
            self.dt_ctrl,
        )
        self.faults = FaultInjector(
            scenario.faults,
            self.joint_names,
            self.dt_ctrl,
            scenario.path,
            self.cfg.name,
            limb_joints(m, self.cfg),
        )
        import pinocchio as pin

        self._conv = ConventionMap(m, pin.buildModelFromMJCF(str(self.cfg.model_path())))
        ctx = ControllerContext(
            robot=self.cfg,
            model_path=self.cfg.model_path(),
            joint_names=self.joint_names,
            effort_limit=self.effort_limit,
            dt_s=self.dt_ctrl,
            settings=scenario.controller,
            options=dict(scenario.controller.options),
            terrain=self.terrain,
        )
        self.controller_context = ctx
        self.controller = make_controller(self.controller_name, ctx)
        self.estimator = None  # _core.BaseEstimator when the controller gets an estimated base
        if not scenario.controller.ground_truth_base:
            from cerebellum.controllers.estimator import make_estimator

            self.estimator = make_estimator(
                self.cfg, self.cfg.model_path(), scenario.controller.estimator
            )
            # the map the footstep planner reads: the contacts' heights are measured against it
            self.estimator.set_terrain(self.terrain)
        # a C++ controller runs the estimator inside its tick (sensors -> base estimate ->
        # torques, as on a robot); else the harness updates it before each tick
        attach = getattr(self.controller, "attach_estimator", None)
        self._estimator_in_tick = (
            self.estimator is not None and estimator_in_controller and callable(attach)
        )
        if self._estimator_in_tick:
            attach(self.estimator)
        truth = scenario.controller.ground_truth_base or self.estimator is not None
        self.sensors = SensorModel(
            m, self.data, scenario.noise, self._qadr, self._vadr, truth, self.faults, self.dt_ctrl
        )
        c = [m.sensor_adr[m.sensor(f"{s}_sole_contact").id] for s in ("left", "right")]
        self._contact_index = np.concatenate([np.arange(a, a + 3) for a in c])

    # -- set-up --------------------------------------------------------------------------------

    def _jittered_pushes(self) -> list[dict[str, Any]]:
        out = []
        for i, p in enumerate(self.scenario.pushes):
            body = p.body or self.cfg.base_frame
            bid = mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_BODY, body)
            if bid <= 0:  # 0: the world body, which a force does not move
                names = [
                    self.model.body(b).name
                    for b in range(1, self.model.nbody)
                    if self.model.body(b).name
                ]
                raise ConfigError(
                    self.scenario.path,
                    f"push[{i}].body",
                    f"no body '{body}' on {self.cfg.name}; bodies: {names}",
                )
            dt = self.rng_push.uniform(-p.jitter_t_s, p.jitter_t_s) if p.jitter_t_s > 0 else 0.0
            ang = (
                np.radians(self.rng_push.uniform(-p.jitter_angle_deg, p.jitter_angle_deg))
                if p.jitter_angle_deg > 0
                else 0.0
            )
            c, s = np.cos(ang), np.sin(ang)
            f = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]) @ p.force
            out.append(
                {
                    "t_s": max(0.0, p.t_s + dt),
                    "duration_s": p.duration_s,
                    "body": body,
                    "body_id": bid,
                    "force_N": f,
                    "delivered_Ns": np.zeros(3),
                }
            )
        return out

    def initial_qpos(self) -> np.ndarray:
        """(nq,) MuJoCo qpos of the start: standing pose + seeded perturbation, lowest sole
        corner on the terrain. Uses self.data as scratch."""
        from cerebellum.dynamics.conventions import pinocchio_to_mujoco_q
        from cerebellum.dynamics.model import RobotModel, standing_configuration

        m, d = self.model, self.data
        q_pin = standing_configuration(RobotModel(self.cfg))
        qpos = pinocchio_to_mujoco_q(q_pin)
        init = self.scenario.initial
        rng = np.random.default_rng(self._init_seq)
        qpos[self._qadr] += (
            rng.normal(0.0, init.joint_pos_rad, m.nu) if init.joint_pos_rad > 0 else 0.0
        )
        lo, hi = m.jnt_range[m.actuator_trnid[:, 0]].T
        limited = m.jnt_limited[m.actuator_trnid[:, 0]].astype(bool)
        qpos[self._qadr] = np.where(limited, np.clip(qpos[self._qadr], lo, hi), qpos[self._qadr])
        sx, sy = self.terrain.start_xy
        qpos[0] += sx + (rng.normal(0.0, init.base_xy_m) if init.base_xy_m > 0 else 0.0)
        qpos[1] += sy + (rng.normal(0.0, init.base_xy_m) if init.base_xy_m > 0 else 0.0)
        if init.base_yaw_rad > 0:
            yaw = rng.normal(0.0, init.base_yaw_rad)
            qpos[3:7] = _quat_mul(np.array([np.cos(yaw / 2), 0, 0, np.sin(yaw / 2)]), qpos[3:7])
        # put the lowest sole corner on the terrain
        d.qpos[:] = qpos
        mujoco.mj_kinematics(m, d)
        x0, x1, y0, y1 = self.cfg.sole_rectangle
        corners = np.array([[x0, y0, 0], [x0, y1, 0], [x1, y0, 0], [x1, y1, 0]], float)
        gap = np.inf
        for sid in self._sole_sites:
            pts = d.site_xpos[sid] + corners @ d.site_xmat[sid].reshape(3, 3).T
            gap = min(gap, float(np.min(pts[:, 2] - self.terrain.height(pts[:, 0], pts[:, 1]))))
        qpos[2] -= gap
        return qpos

    # -- estimator ----------------------------------------------------------------------------

    @staticmethod
    def _world_velocity(b: BaseState) -> np.ndarray:
        x, y, z, w = b.quat_xyzw
        R = np.array(
            [
                [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
            ]
        )
        return R @ b.linear_velocity

    def _estimated_base(self) -> BaseState:
        e = self.estimator
        return BaseState(
            position=e.position.copy(),
            quat_xyzw=e.quat_xyzw.copy(),
            linear_velocity=e.linear_velocity.copy(),
            angular_velocity=e.angular_velocity.copy(),
        )

    # -- run -----------------------------------------------------------------------------------

    def run(self, progress: Callable[[float, float], None] | None = None) -> SimResult:
        """Runs to the end or to a fall; ``progress(sim_time_s, wall_time_s)`` is called every
        ``progress.interval_s`` (default 0.1 s) of wall time, at most every 16 ticks."""
        m, d, sc = self.model, self.data, self.scenario
        mujoco.mj_resetData(m, d)
        self.sensors.reset(self._noise_seq)  # fresh streams: run() repeats exactly
        # the seed's fifth stream (after terrain, noise, start, pushes): encoder-noise faults
        self.faults.reset(np.random.SeedSequence(self.seed, spawn_key=(4,)))
        d.qpos[:] = self.initial_qpos()
        mujoco.mj_forward(m, d)
        n = int(round(self.duration_s / self.dt_ctrl))
        nu = m.nu
        substeps, dt = self.substeps, self.dt_ctrl
        base_h0 = d.qpos[2] - self.terrain.height(d.qpos[0], d.qpos[1])
        fall_h = sc.success.fall_height_fraction * base_h0
        cos_tilt = float(np.cos(sc.success.fall_tilt_rad))
        top = height_bound(self.terrain)  # base higher than fall_h above it: no fall by height
        # (steps,) index of the active push or -1
        push_sched = push_schedule(self._pushes, n * substeps, sc.timestep_s)
        push_at = push_sched.tolist()
        delayed = np.zeros(nu)
        delay = sc.controller.actuation_delay_ticks
        has_plan = callable(getattr(self.controller, "plan", None))
        force_miss = None
        if self.faults.mpc_deadline:
            force_miss = getattr(self.controller, "force_mpc_deadline_miss", None)
            if force_miss is None:
                raise ConfigError(
                    sc.path,
                    "fault.kind",
                    f"'mpc_deadline' needs a controller with an MPC deadline hook (walk-cpp); "
                    f"'{self.controller_name}' has none",
                )
        fell, fall_time = False, None
        faults, motors = self.faults, self.motors
        faulty = faults.any
        motors.reset()
        vadr = self._vadr
        est = self.estimator
        in_tick = self._estimator_in_tick
        log = RunLog(
            n,
            m.nq,
            m.nv,
            nu,
            len(sc.faults) if faulty else 0,
            est is not None,
            tau_is_cmd=not (delay or motors.any or faulty),
        )
        L_qpos, L_qvel, L_cmd, L_tau, L_cf, L_com = (
            log.qpos,
            log.qvel,
            log.tau_cmd,
            log.tau,
            log.contact,
            log.com,
        )
        log_tau = not log.tau_is_cmd
        commands = None if faulty else commands_per_tick(sc, n, dt)
        lo, hi = m.actuator_ctrlrange[:, 0], m.actuator_ctrlrange[:, 1]
        mujoco.mj_step1(m, d)
        read = self.sensors.read
        if est is not None:
            planned = getattr(self.controller, "planned_contacts", None)
            state0 = read(0.0, 0)
            est.reset(  # from the true start pose (a robot starts from a known place)
                state0.base.position,
                state0.base.quat_xyzw,
                self._world_velocity(state0.base),
                state0.joint_pos,
            )
            state0.base = self._estimated_base()
            self.controller.reset(state0)
            log.watch_estimator(est)
        else:
            self.controller.reset(read(0.0, 0))
        root = self.root_body
        xfrc, qpos, qvel, ctrl, sensordata = d.xfrc_applied, d.qpos, d.qvel, d.ctrl, d.sensordata
        base_z = d.xmat[root]  # (9,) row-major world_R_base: [8] is cos(tilt)
        com = d.subtree_com[root]
        a = self._contact_index
        # the sole contact sensors' readings (6,): a view when they are contiguous
        contact = sensordata[a[0] : a[0] + 6] if np.array_equal(a, a[0] + np.arange(6)) else None
        active = -1
        w_qpos, w_qvel, w_qacc = (
            d.warning[w]
            for w in (
                mujoco.mjtWarning.mjWARN_BADQPOS,
                mujoco.mjtWarning.mjWARN_BADQVEL,
                mujoco.mjtWarning.mjWARN_BADQACC,
            )
        )
        compute, height = self.controller.compute, self.terrain.height
        step1, step2 = mujoco.mj_step1, mujoco.mj_step2
        perf = time.perf_counter
        paced = bool(getattr(self.controller, "paced", False))  # keep to real time
        tick_us = np.zeros(n)
        wall0 = perf()
        report_every_s = float(getattr(progress, "interval_s", 0.1))  # wall time, s
        next_report = wall0 + report_every_s
        k = 0
        for k in range(n):
            t = k * dt
            if k:
                step1(m, d)
            state = read(t, k)
            if est is not None and not in_tick:
                if k:
                    # MuJoCo's F/T sensors give the leg's wrench on the foot: minus the ground
                    # reaction (the foot's inertia aside)
                    est.update(
                        state.imu_gyro,
                        state.imu_acc,
                        state.joint_pos,
                        state.joint_vel,
                        -state.foot_force,
                        -state.foot_torque,
                        dt,
                        state.imu_quat_xyzw,
                        planned(t) if callable(planned) else None,
                    )
                state.base = self._estimated_base()
                log.log_estimate(k, est)
            if faulty:
                log.fault_active[k] = faults.active(k)
                cmd = sc.command_at(faults.command_time(t, k))
            else:
                cmd = commands[k]
            if force_miss is not None:
                force_miss(faults.mpc_deadline_miss(k))
            if has_plan and k % self.mpc_every == 0:
                self.controller.plan(state, cmd)
            if paced and (wait := wall0 + t - perf()) > 0:
                time.sleep(wait)
            t0 = perf()
            tau = compute(state, cmd)
            tick_us[k] = (perf() - t0) * 1e6
            if in_tick:  # the tick updated the estimator
                log.log_estimate(k, est)
            tau = np.asarray(tau, dtype=float)
            if tau.shape != (nu,) or not math.isfinite(float(tau @ tau)):
                raise RuntimeError(
                    f"controller '{self.controller_name}' returned torques of shape {tau.shape} "
                    f"with non-finite entries or a wrong size; expected finite ({nu},)"
                )
            if delay:
                applied, delayed = delayed, tau
            else:
                applied = tau
            if motors.any:  # the motors' response and torque-speed limits
                applied = motors.apply(applied, qvel[vadr])
            if faulty:
                scale = faults.torque_scale(k)
                if scale is not None:  # a weak motor: a fraction of what it can deliver
                    applied = scale * np.clip(applied, lo, hi)
            ctrl[:] = applied
            L_qpos[k] = qpos
            L_qvel[k] = qvel
            L_cmd[k] = tau
            if log_tau:
                L_tau[k] = applied
            L_com[k] = com
            for sub in range(substeps):
                i = push_at[k * substeps + sub]
                if i != active:
                    xfrc[:] = 0.0
                    if i >= 0:
                        p = self._pushes[i]
                        xfrc[p["body_id"], :3] = p["force_N"]
                    active = i
                if sub:
                    step1(m, d)
                step2(m, d)
                if sub == 0:
                    if contact is not None:
                        L_cf[k] = contact
                    else:
                        L_cf[k] = sensordata[a]
            # fall check on the new state; a non-finite or diverged state (MuJoCo resets the
            # data on NaN/huge accelerations) is a fall, never a silently passed run
            if (
                not base_z[8] >= cos_tilt
                or (
                    k % 10 == 0
                    and not qpos[2] - top >= fall_h
                    and not qpos[2] - height(qpos[0], qpos[1]) >= fall_h
                )
                or w_qpos.number > 0
                or w_qvel.number > 0
                or w_qacc.number > 0
            ):
                fell, fall_time = True, t + dt
                k += 1
                break
            if progress is not None and (k & 15) == 0:
                now = perf()
                if now >= next_report:
                    progress(t + dt, now - wall0)
                    next_report = perf() + report_every_s
        else:
            k = n
        wall = time.perf_counter() - wall0
        log = log.arrays(k, lo, hi, self.dt_ctrl)
        cmds = [sc.command_at(t) for t in sorted({c.t_s for c in sc.commands} | {0.0})]
        log["command"] = np.zeros((k, 3))
        for c in cmds:
            log["command"][log["t"] >= c.t_s - 1e-12] = (c.vx, c.vy, c.yaw_rate)
        steps = push_sched[: k * self.substeps].reshape(k, self.substeps)
        log["push_force"] = np.zeros((k, 3))
        for i, p in enumerate(self._pushes):
            count = (steps == i).sum(axis=1)  # (k,) physics steps of push i in each tick
            log["push_force"] += np.outer(count / self.substeps, p["force_N"])
            p["delivered_Ns"] = p["force_N"] * count.sum() * sc.timestep_s
        tick_us = tick_us[:k]
        sim_time = k * self.dt_ctrl
        if progress is not None:  # (a paced viewer waits here for the last stretch)
            progress(sim_time, time.perf_counter() - wall0)
            wall = time.perf_counter() - wall0
        add_base_fields(log, self.terrain, self.joint_names, self.effort_limit, self.dt_ctrl)
        stats = {}
        if callable(getattr(self.controller, "stats", None)):
            stats = dict(self.controller.stats())
        failed = self._check_success(log, fell)
        pushes = [
            {
                "t_s": p["t_s"],
                "duration_s": p["duration_s"],
                "body": p["body"],
                "force_N": p["force_N"].tolist(),
                "impulse_Ns": p["delivered_Ns"].tolist(),
            }
            for p in self._pushes
        ]
        return SimResult(
            scenario=sc.name,
            robot=self.cfg.name,
            seed=self.seed,
            controller=self.controller_name,
            fell=fell,
            fall_time_s=fall_time,
            success=not failed,
            failed_criteria=failed,
            sim_time_s=sim_time,
            wall_time_s=wall,
            tick_us=tick_us,
            controller_stats=stats,
            pushes=pushes,
            log=log,
            faults=faults.record(k),
        )

    def _check_success(self, log: dict[str, np.ndarray], fell: bool) -> list[str]:
        s = self.scenario.success
        failed = []
        if s.no_fall and fell:
            failed.append("no_fall")
        if (
            s.base_height_min_m is not None
            and len(log["t"])
            and log["base_height"].min() < s.base_height_min_m
        ):
            failed.append("base_height_min_m")
        if s.end_position is not None and len(log["t"]):
            err = np.linalg.norm(log["base_pos"][-1, :2] - np.array(s.end_position))
            if err > s.end_position_tol_m:
                failed.append("end_position")
        if s.end_velocity_tol_m_s is not None and len(log["t"]):
            yaw = log["base_rpy"][-1, 2]
            cmd = log["command"][-1]
            c, sn = np.cos(yaw), np.sin(yaw)
            want = np.array([c * cmd[0] - sn * cmd[1], sn * cmd[0] + c * cmd[1]])
            if np.linalg.norm(log["qvel"][-1, :2] - want) > s.end_velocity_tol_m_s:
                failed.append("end_velocity")
        if s.min_distance_m is not None and walking.distance_m(log) < s.min_distance_m:
            failed.append("min_distance_m")
        if s.max_velocity_rmse is not None or s.max_yaw_rate_rmse is not None:
            rmse = walking.velocity_tracking_rmse(log)  # None: too short to judge, a failure
            for key, limit, name in (
                ("linear_mps", s.max_velocity_rmse, "max_velocity_rmse"),
                ("yaw_rate_rad_s", s.max_yaw_rate_rmse, "max_yaw_rate_rmse"),
            ):
                if limit is not None and (rmse is None or rmse[key] > limit):
                    failed.append(name)
        return failed

    def pinocchio_q(self) -> np.ndarray:
        """(nq,) current state in Pinocchio convention (for tools and tests)."""
        return mujoco_to_pinocchio_q(self.data.qpos)


def _terrain_params(name: str) -> dict[str, Any]:
    from cerebellum.sim.terrain import terrain_parameters

    return terrain_parameters(name)
