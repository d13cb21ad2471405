"""
Compiled core of cerebellum (private: use the cerebellum Python API).
"""

from __future__ import annotations

import collections.abc
import typing

import numpy
import numpy.typing

__all__: list[str] = [
    "BaseEstimator",
    "BaseEstimatorSettings",
    "BoxTerrain",
    "ComPlan",
    "ComSample",
    "CommandRamp",
    "CommandShapingSettings",
    "ContactDescription",
    "ContactSchedule",
    "CopPlan",
    "DescentFilter",
    "DriftCorrection",
    "FlatTerrain",
    "Foothold",
    "FootstepPlanner",
    "GaitPlan",
    "GaitPlanner",
    "GridTerrain",
    "KinodynamicMPC",
    "KinodynamicMPCSettings",
    "MPCStatus",
    "MPC_PARAMETER_LAYOUT",
    "MpcBalance",
    "MpcPlannerSettings",
    "Robot",
    "SafetySettings",
    "SlopeTerrain",
    "SoleGeometry",
    "StandingController",
    "StepFeedback",
    "SupportArea",
    "SwingInterval",
    "SwingSample",
    "SwingTrajectory",
    "TerrainQuery",
    "VelocityAverage",
    "WalkingController",
    "WalkingSettings",
    "WbcStatus",
    "WholeBodyQP",
    "WholeBodyQPSettings",
    "WholeBodyReferences",
    "capture_state",
    "dcm_law",
    "dcm_law_about",
    "lipm_com_reference",
    "mpc_com_reference",
    "omega_for",
    "quintic",
    "ramped",
    "support_ground",
    "tilt_matrix",
    "time_ldlt",
    "yaw_matrix",
]

class Robot:
    """
    Floating-base robot on Pinocchio: whole-body quantities at (q, v) in one call.

    q (nq,): [base position world (3), base quaternion xyzw (4), joints]; v (nv,): [base linear
    velocity local (3), base angular velocity local (3), joint rates]. Array accessors are read-only
    views into the robot's buffers, overwritten by the next compute(); copy them to keep them.
    """
    def J(
        self, i: typing.SupportsInt | typing.SupportsIndex
    ) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, n]"]:
        """
        (6, nv) Jacobian of tracked frame i, LOCAL_WORLD_ALIGNED.
        """
    def __init__(self, model_path: typing.Any, frames: collections.abc.Sequence[str]) -> None:
        """
        Loads an MJCF (.xml, own free joint) or URDF (.urdf, free-flyer root added); frames: names of the tracked frames (contacts first).
        """
    def __repr__(self) -> str: ...
    def compute(
        self,
        q: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        v: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    ) -> None:
        """
        Computes all quantities at q (nq,), v (nv,). ValueError on wrong shape or non-finite values.
        """
    def drift(
        self, i: typing.SupportsInt | typing.SupportsIndex
    ) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[6, 1]"]:
        """
        (6,) classical dJ/dt @ v of tracked frame i, LOCAL_WORLD_ALIGNED, m/s², rad/s².
        """
    def frame_pose(
        self, i: typing.SupportsInt | typing.SupportsIndex
    ) -> tuple[typing.Any, typing.Any]:
        """
        (R (3, 3) world <- frame, p (3,) world, m) of tracked frame i.
        """
    def time_compute(
        self,
        q: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        v: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        n: typing.SupportsInt | typing.SupportsIndex,
    ) -> numpy.typing.NDArray[numpy.float64]:
        """
        (n,) durations of n compute() calls, µs, timed in C++ (GIL released).
        """
    def time_crba(
        self,
        q: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        n: typing.SupportsInt | typing.SupportsIndex,
    ) -> numpy.typing.NDArray[numpy.float64]:
        """
        (n,) durations of n Pinocchio CRBA calls, µs (reference kernel).
        """
    def time_rnea(
        self,
        q: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        v: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        a: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        n: typing.SupportsInt | typing.SupportsIndex,
    ) -> numpy.typing.NDArray[numpy.float64]:
        """
        (n,) durations of n Pinocchio RNEA calls, µs (reference kernel).
        """
    @property
    def Ag(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, n]"]:
        """
        (6, nv) centroidal momentum matrix [linear; angular] about the CoM, world axes.
        """
    @property
    def Jcom(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, n]"]:
        """
        (3, nv) centre-of-mass Jacobian, world.
        """
    @property
    def M(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, n]"]:
        """
        (nv, nv) joint-space inertia, symmetric, armature included.
        """
    @property
    def com(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"]:
        """
        (3,) centre of mass, world, m.
        """
    @property
    def dAg_v(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[6, 1]"]:
        """
        (6,) dAg/dt @ v.
        """
    @property
    def frame_names(self) -> list[str]:
        """
        Tracked frames, in order.
        """
    @property
    def hg(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[6, 1]"]:
        """
        (6,) centroidal momentum [N·s; N·m·s].
        """
    @property
    def mass(self) -> float:
        """
        Total mass, kg.
        """
    @property
    def nle(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]:
        """
        (nv,) Coriolis + centrifugal + gravity, N / N·m.
        """
    @property
    def nq(self) -> int: ...
    @property
    def nv(self) -> int: ...
    @property
    def vcom(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"]:
        """
        (3,) centre-of-mass velocity, world, m/s.
        """

class MPCStatus:
    """
    Members:

      ok

      not_run

      qp_failed

      non_finite

      deadline
    """

    __members__: typing.ClassVar[dict[str, MPCStatus]]
    deadline: typing.ClassVar[MPCStatus]
    non_finite: typing.ClassVar[MPCStatus]
    not_run: typing.ClassVar[MPCStatus]
    ok: typing.ClassVar[MPCStatus]
    qp_failed: typing.ClassVar[MPCStatus]
    @typing.overload
    def __eq__(self, other: MPCStatus) -> bool: ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool: ...
    def __getstate__(self) -> int: ...
    def __hash__(self) -> int: ...
    def __index__(self) -> int: ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    def __int__(self) -> int: ...
    @typing.overload
    def __ne__(self, other: MPCStatus) -> bool: ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool: ...
    def __repr__(self) -> str: ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    def __str__(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...

class KinodynamicMPCSettings:
    library: str
    def __init__(self) -> None: ...
    @property
    def N(self) -> int: ...
    @N.setter
    def N(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def contact_index(self) -> int: ...
    @contact_index.setter
    def contact_index(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def deadline_us(self) -> float: ...
    @deadline_us.setter
    def deadline_us(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def ng(self) -> int: ...
    @ng.setter
    def ng(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def np(self) -> int: ...
    @np.setter
    def np(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def nu(self) -> int: ...
    @nu.setter
    def nu(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def num_feet(self) -> int: ...
    @num_feet.setter
    def num_feet(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def num_inequality(self) -> int: ...
    @num_inequality.setter
    def num_inequality(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def nw(self) -> int: ...
    @nw.setter
    def nw(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def nx(self) -> int: ...
    @nx.setter
    def nx(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def qp_accept_residual(self) -> float: ...
    @qp_accept_residual.setter
    def qp_accept_residual(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def qp_cond_horizon(self) -> int: ...
    @qp_cond_horizon.setter
    def qp_cond_horizon(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def qp_eq_band(self) -> float: ...
    @qp_eq_band.setter
    def qp_eq_band(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def qp_max_iter(self) -> int: ...
    @qp_max_iter.setter
    def qp_max_iter(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def qp_mode(self) -> int: ...
    @qp_mode.setter
    def qp_mode(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def qp_pred_corr(self) -> int: ...
    @qp_pred_corr.setter
    def qp_pred_corr(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def qp_ric_alg(self) -> int: ...
    @qp_ric_alg.setter
    def qp_ric_alg(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def qp_split_step(self) -> int: ...
    @qp_split_step.setter
    def qp_split_step(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def qp_tol(self) -> float: ...
    @qp_tol.setter
    def qp_tol(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def qp_warm_start(self) -> int: ...
    @qp_warm_start.setter
    def qp_warm_start(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def rows_per_foot(self) -> int: ...
    @rows_per_foot.setter
    def rows_per_foot(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def sqp_iterations(self) -> int: ...
    @sqp_iterations.setter
    def sqp_iterations(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def w_stage(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]: ...
    @w_stage.setter
    def w_stage(
        self, arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"]
    ) -> None: ...
    @property
    def w_terminal(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]: ...
    @w_terminal.setter
    def w_terminal(
        self, arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"]
    ) -> None: ...
    @property
    def x_lower(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]: ...
    @x_lower.setter
    def x_lower(
        self, arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"]
    ) -> None: ...
    @property
    def x_upper(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]: ...
    @x_upper.setter
    def x_upper(
        self, arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"]
    ) -> None: ...

class KinodynamicMPC:
    def __init__(self, settings: KinodynamicMPCSettings) -> None: ...
    def set_deadline_us(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    def set_guess(
        self,
        X: typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, n]", "flags.f_contiguous"],
        U: typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, n]", "flags.f_contiguous"],
    ) -> None:
        """
        X (nx, N+1), U (nu, N).
        """
    def set_parameters(
        self,
        P: typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, n]", "flags.f_contiguous"],
    ) -> None:
        """
        P (np, N+1): per-knot parameters, column k for knot k.
        """
    def set_qp_max_iter(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    def set_qp_tol(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    def set_sqp_iterations(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    def shift(self, knots: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    def solve(
        self, x0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"]
    ) -> MPCStatus:
        """
        SQP iterations from the current guess; x0 (nx). Returns MPCStatus.
        """
    def time_iteration(
        self, n: typing.SupportsInt | typing.SupportsIndex
    ) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]:
        """
        Times n single SQP iterations (C++ steady_clock), µs each, guess unchanged.
        """
    @property
    def U(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, n]"]: ...
    @property
    def X(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, n]"]: ...
    @property
    def cost(self) -> float: ...
    @property
    def deadline_misses(self) -> int: ...
    @property
    def failures(self) -> int: ...
    @property
    def last_eval_us(self) -> float: ...
    @property
    def last_qp_us(self) -> float: ...
    @property
    def last_solve_us(self) -> float: ...
    @property
    def qp_iterations(self) -> int: ...
    @property
    def qp_status(self) -> int: ...
    @property
    def solves(self) -> int: ...
    @property
    def sqp_iterations_done(self) -> int: ...
    @property
    def status(self) -> MPCStatus: ...
    @property
    def step_norm(self) -> float: ...

class TerrainQuery:
    """
    Terrain query interface: subclass and implement height(x, y), normal(x, y).
    """
    def __init__(self) -> None: ...
    def height(
        self,
        x: typing.SupportsFloat | typing.SupportsIndex,
        y: typing.SupportsFloat | typing.SupportsIndex,
    ) -> float:
        """
        terrain top z (m)
        """
    def normal(
        self,
        x: typing.SupportsFloat | typing.SupportsIndex,
        y: typing.SupportsFloat | typing.SupportsIndex,
    ) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"]:
        """
        unit normal (3,)
        """
    def stepped(self) -> bool:
        """
        made of steps with vertical edges
        """

class SwingSample:
    """
    Sole reference at one time, world axes.
    """
    @property
    def acceleration(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[6, 1]"]:
        """
        (6,) [m/s^2; rad/s^2]
        """
    @property
    def position(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"]:
        """
        (3,) m
        """
    @property
    def rotation(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 3]"]:
        """
        (3, 3) world <- sole
        """
    @property
    def velocity(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[6, 1]"]:
        """
        (6,) [m/s; rad/s]
        """

class SwingTrajectory:
    """
    Swing-foot trajectory: liftoff pose -> touchdown pose, C2-continuous, world axes (apex, terrain clearance and rotations: swing_trajectory.hpp).
    """
    def __init__(
        self,
        start: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[3, 1]"],
        end: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[3, 1]"],
        t_liftoff: typing.SupportsFloat | typing.SupportsIndex,
        t_touchdown: typing.SupportsFloat | typing.SupportsIndex,
        height_m: typing.SupportsFloat | typing.SupportsIndex,
        apex_phase: typing.SupportsFloat | typing.SupportsIndex = 0.5,
        start_yaw: typing.SupportsFloat | typing.SupportsIndex = 0.0,
        end_yaw: typing.SupportsFloat | typing.SupportsIndex = 0.0,
        start_rotation: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[3, 3]"]
        | None = None,
        end_normal: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[3, 1]"] | None = None,
        terrain: typing.Any = None,
        clearance_m: typing.SupportsFloat | typing.SupportsIndex = 0.03,
        sole_rectangle: typing.Annotated[
            collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], "FixedSize(4)"
        ]
        | None = None,
        samples: typing.SupportsInt | typing.SupportsIndex = 32,
        max_apex_m: typing.SupportsFloat | typing.SupportsIndex = 0.5,
        xy_ramp: typing.SupportsFloat | typing.SupportsIndex | None = None,
        xy_ramp_travel_m: typing.SupportsFloat | typing.SupportsIndex = 0.0,
    ) -> None: ...
    def phase(self, t: typing.SupportsFloat | typing.SupportsIndex) -> float:
        """
        swing phase in [0, 1] at time t
        """
    def position(
        self, t: typing.SupportsFloat | typing.SupportsIndex
    ) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"]:
        """
        (3,) sole position at time t
        """
    def positions(
        self, t: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]
    ) -> numpy.typing.NDArray[numpy.float64]:
        """
        (k, 3) sole positions at times t (any shape, flattened)
        """
    def sample(self, t: typing.SupportsFloat | typing.SupportsIndex) -> SwingSample:
        """
        pose, velocity and acceleration (world axes) at time t
        """
    @property
    def apex_phase(self) -> float: ...
    @property
    def apex_z(self) -> float: ...
    @property
    def duration_s(self) -> float: ...
    @property
    def end(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"]: ...
    @property
    def end_yaw(self) -> float: ...
    @property
    def start(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"]: ...
    @property
    def start_yaw(self) -> float: ...
    @property
    def t_liftoff(self) -> float: ...
    @property
    def t_touchdown(self) -> float: ...
    @property
    def xy_ramp(self) -> float:
        """
        0: quintic xy
        """

class ComSample:
    """
    CoM plan at one time, world x, y (see com_plan.hpp).
    """
    @property
    def acom(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]:
        """
        (2,) m/s^2
        """
    @property
    def com(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]:
        """
        (2,) m
        """
    @property
    def cop(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]:
        """
        (2,) m
        """
    @property
    def dcm(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]:
        """
        (2,) m
        """
    @property
    def dcm_dot(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]:
        """
        (2,) m/s
        """
    @property
    def vcom(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]:
        """
        (2,) m/s
        """

class ComPlan:
    """
    LIPM/DCM CoM plan over piecewise-linear CoP waypoints, fixed capacity.
    """
    def __init__(self, capacity: typing.SupportsInt | typing.SupportsIndex = 64) -> None: ...
    def com_at(
        self, t: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]
    ) -> numpy.typing.NDArray[numpy.float64]:
        """
        (n, 2) planned CoM at the times t (n,) s.
        """
    def dcm_waypoint(
        self, i: typing.SupportsInt | typing.SupportsIndex
    ) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]: ...
    def plan(
        self,
        times: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        cops: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        com0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        vcom0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        omega: typing.SupportsFloat | typing.SupportsIndex,
    ) -> None:
        """
        times (K,) s strictly increasing, cops (K, 2) m, com0 / vcom0 (2,) at times[0], omega 1/s.
        """
    def sample(self, t: typing.SupportsFloat | typing.SupportsIndex) -> ComSample: ...
    def size(self) -> int: ...
    @property
    def capacity(self) -> int: ...
    @property
    def dcm_waypoints(self) -> numpy.typing.NDArray[numpy.float64]: ...
    @property
    def omega(self) -> float: ...
    @property
    def vcom0(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]: ...

class DescentFilter:
    """
    Height reference: up at once, down with bounded speed/acceleration.
    """
    def __init__(
        self,
        z: typing.SupportsFloat | typing.SupportsIndex,
        max_speed_mps: typing.SupportsFloat | typing.SupportsIndex = 0.3,
        max_accel_mps2: typing.SupportsFloat | typing.SupportsIndex = 3.0,
        min_drop_m: typing.SupportsFloat | typing.SupportsIndex = 0.0,
    ) -> None: ...
    def reset(
        self,
        z: typing.SupportsFloat | typing.SupportsIndex,
        max_speed_mps: typing.SupportsFloat | typing.SupportsIndex,
        max_accel_mps2: typing.SupportsFloat | typing.SupportsIndex,
        min_drop_m: typing.SupportsFloat | typing.SupportsIndex = 0.0,
    ) -> None: ...
    def step(
        self,
        target: typing.SupportsFloat | typing.SupportsIndex,
        dt: typing.SupportsFloat | typing.SupportsIndex,
    ) -> tuple[float, float, float]: ...
    @property
    def ddz(self) -> float: ...
    @property
    def dz(self) -> float: ...
    @property
    def max_accel_mps2(self) -> float: ...
    @property
    def max_speed_mps(self) -> float: ...
    @property
    def min_drop_m(self) -> float: ...
    @property
    def z(self) -> float: ...

class BaseEstimatorSettings:
    """
    Settings of BaseEstimator (noise densities: continuous std).
    """

    contact_at_cop: bool
    imu_frame: str
    use_orientation: bool
    def __init__(self) -> None: ...
    def validate(self) -> None:
        """
        ValueError naming a field out of range.
        """
    @property
    def acc_bias_walk(self) -> float: ...
    @acc_bias_walk.setter
    def acc_bias_walk(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def acc_noise(self) -> float: ...
    @acc_noise.setter
    def acc_noise(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def contact_noise(self) -> float: ...
    @contact_noise.setter
    def contact_noise(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def cop_limit_m(self) -> float: ...
    @cop_limit_m.setter
    def cop_limit_m(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def encoder_noise_rad(self) -> float: ...
    @encoder_noise_rad.setter
    def encoder_noise_rad(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def foot_frames(self) -> typing.Annotated[list[str], "FixedSize(2)"]: ...
    @foot_frames.setter
    def foot_frames(
        self, arg0: typing.Annotated[collections.abc.Sequence[str], "FixedSize(2)"]
    ) -> None: ...
    @property
    def force_off_N(self) -> float: ...
    @force_off_N.setter
    def force_off_N(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def force_on_N(self) -> float: ...
    @force_on_N.setter
    def force_on_N(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def force_swing_N(self) -> float: ...
    @force_swing_N.setter
    def force_swing_N(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def gravity_mps2(self) -> float: ...
    @gravity_mps2.setter
    def gravity_mps2(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def gyro_bias_walk(self) -> float: ...
    @gyro_bias_walk.setter
    def gyro_bias_walk(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def gyro_noise(self) -> float: ...
    @gyro_noise.setter
    def gyro_noise(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def init_acc_bias(self) -> float: ...
    @init_acc_bias.setter
    def init_acc_bias(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def init_gyro_bias(self) -> float: ...
    @init_gyro_bias.setter
    def init_gyro_bias(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def init_pos_m(self) -> float: ...
    @init_pos_m.setter
    def init_pos_m(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def init_rot_rad(self) -> float: ...
    @init_rot_rad.setter
    def init_rot_rad(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def init_vel_mps(self) -> float: ...
    @init_vel_mps.setter
    def init_vel_mps(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def kinematics_noise_m(self) -> float: ...
    @kinematics_noise_m.setter
    def kinematics_noise_m(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def slip_max_s(self) -> float: ...
    @slip_max_s.setter
    def slip_max_s(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def slip_noise_scale(self) -> float: ...
    @slip_noise_scale.setter
    def slip_noise_scale(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def slip_speed_mps(self) -> float: ...
    @slip_speed_mps.setter
    def slip_speed_mps(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def terrain_edge_m(self) -> float: ...
    @terrain_edge_m.setter
    def terrain_edge_m(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def terrain_gate_m(self) -> float: ...
    @terrain_gate_m.setter
    def terrain_gate_m(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def terrain_noise_m(self) -> float: ...
    @terrain_noise_m.setter
    def terrain_noise_m(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def tilt_noise_rad(self) -> float: ...
    @tilt_noise_rad.setter
    def tilt_noise_rad(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...

class BaseEstimator:
    """
    Contact-aided right-invariant EKF: IMU + leg kinematics of the feet in contact (+ IMU tilt).

    State: IMU orientation/velocity/position, both sole positions, gyro and accelerometer biases.
    Reported base: the model's root joint frame; linear_velocity base frame, linear_velocity_world
    world frame, angular_velocity base frame. Array accessors are read-only views, overwritten by the
    next update().
    """
    def __init__(self, model_path: typing.Any, settings: BaseEstimatorSettings) -> None: ...
    def foot_in_imu(
        self, i: typing.SupportsInt | typing.SupportsIndex
    ) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"]:
        """
        (3,) sole i in the IMU frame from the last kinematics, m.
        """
    def foot_rate_in_imu(
        self, i: typing.SupportsInt | typing.SupportsIndex
    ) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"]:
        """
        (3,) sole i velocity relative to the IMU frame from the joint rates, IMU frame, m/s.
        """
    def reset(
        self,
        base_position: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        base_quat_xyzw: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        base_velocity_world: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        joint_pos: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    ) -> None:
        """
        Starts at a known base pose (world) and world-frame velocity, zero biases.
        """
    def set_terrain(self, terrain: typing.Any) -> None:
        """
        The terrain map the contacts' heights are measured against (terrain_noise_m > 0): None, a _core.TerrainQuery or a sim.terrain.Terrain.
        """
    def time_update(
        self, n: typing.SupportsInt | typing.SupportsIndex
    ) -> numpy.typing.NDArray[numpy.float64]:
        """
        (n,) durations of n update() calls on the last input, µs (C++ timer).
        """
    def time_updates(
        self,
        gyro: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        acc: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        joint_pos: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        joint_vel: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        foot_force: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        foot_torque: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        dt_s: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        imu_quat_xyzw: typing.Any = None,
        schedule: typing.Any = None,
    ) -> numpy.typing.NDArray[numpy.float64]:
        """
        Runs update() on n recorded samples in order (the arguments of update() stacked: (n, 3), (n, 3), (n, nj), (n, nj), (n, 2, 3), (n, 2, 3), dt_s (n,), optional (n, 4) and (n, 2)); returns (n,) durations of each update() call, µs (C++ timer).
        """
    def update(
        self,
        gyro: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        acc: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        joint_pos: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        joint_vel: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        foot_force: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        foot_torque: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        dt_s: typing.SupportsFloat | typing.SupportsIndex,
        imu_quat_xyzw: typing.Any = None,
        schedule: typing.Any = None,
    ) -> int:
        """
        One step: gyro (3,) rad/s and acc (3,) m/s² IMU frame, joints (nj,), ground reaction on each sole foot_force (2, 3) N and foot_torque (2, 3) N·m about the sole origin, sole frame, dt_s; optional IMU orientation (4,) xyzw and the gait plan per foot (1 stance, 0 swing, -1 unknown). Returns the status bits (0: ok; 1: bad dt, nothing done; 2: IMU sample held; 4: no kinematics; 8: not reset).
        """
    @property
    def acc_bias(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"]:
        """
        (3,) m/s², IMU frame.
        """
    @property
    def angular_velocity(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"]:
        """
        (3,) base frame, rad/s.
        """
    @property
    def contact(self) -> tuple[bool, bool]:
        """
        (left, right) detected contact.
        """
    @property
    def cop(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 3]"]:
        """
        (2, 3) contact points in the sole frames, m.
        """
    @property
    def covariance(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[21, 21]"]:
        """
        (21, 21) error covariance [R, v, p, d_l, d_r, b_g, b_a].
        """
    @property
    def foot_position(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 3]"]:
        """
        (2, 3) sole positions in the state, world, m.
        """
    @property
    def foot_speed_mps(self) -> tuple[float, float]:
        """
        (left, right) kinematic sole speed, world, m/s.
        """
    @property
    def gyro_bias(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"]:
        """
        (3,) rad/s, IMU frame.
        """
    @property
    def imu_position(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"]:
        """
        (3,) IMU position, world, m.
        """
    @property
    def imu_rotation(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 3]"]:
        """
        (3, 3) world <- IMU.
        """
    @property
    def imu_velocity(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"]:
        """
        (3,) IMU velocity, world, m/s.
        """
    @property
    def linear_velocity(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"]:
        """
        (3,) base frame, m/s.
        """
    @property
    def linear_velocity_world(
        self,
    ) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"]:
        """
        (3,) world frame, m/s.
        """
    @property
    def n_joints(self) -> int: ...
    @property
    def on_terrain(self) -> tuple[bool, bool]:
        """
        (left, right) contact whose height was fused against the terrain map this update.
        """
    @property
    def position(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"]:
        """
        (3,) base origin, world, m.
        """
    @property
    def quat_xyzw(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[4, 1]"]:
        """
        (4,) world <- base.
        """
    @property
    def rotation(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 3]"]:
        """
        (3, 3) world <- base.
        """
    @property
    def settings(self) -> BaseEstimatorSettings: ...
    @property
    def slipping(self) -> tuple[bool, bool]:
        """
        (left, right) contact whose sole moves faster than slip_speed_mps.
        """
    @property
    def status(self) -> int: ...

class FlatTerrain(TerrainQuery):
    """
    Horizontal plane at z = level_m.
    """
    def __init__(self, level_m: typing.SupportsFloat | typing.SupportsIndex = 0.0) -> None: ...
    def heights(
        self: TerrainQuery,
        x: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        y: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    ) -> numpy.typing.NDArray[numpy.float64]:
        """
        heights (m) at arrays x, y of equal shape
        """
    def normals(
        self: TerrainQuery,
        x: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        y: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    ) -> numpy.typing.NDArray[numpy.float64]:
        """
        unit normals (..., 3) at arrays x, y of equal shape
        """
    @property
    def level_m(self) -> float: ...

class BoxTerrain(TerrainQuery):
    """
    Axis-aligned blocks over a base plane: height = max(base_m, tops of the blocks containing (x, y)); normal z. Stepped.
    """
    def __init__(
        self,
        boxes: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        base_m: typing.SupportsFloat | typing.SupportsIndex,
    ) -> None:
        """
        boxes (n, 5): x0, x1, y0, y1, top (m); base_m: base plane z (-inf: none)
        """
    def heights(
        self: TerrainQuery,
        x: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        y: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    ) -> numpy.typing.NDArray[numpy.float64]:
        """
        heights (m) at arrays x, y of equal shape
        """
    def normals(
        self: TerrainQuery,
        x: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        y: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    ) -> numpy.typing.NDArray[numpy.float64]:
        """
        unit normals (..., 3) at arrays x, y of equal shape
        """
    @property
    def base_m(self) -> float: ...
    @property
    def boxes(self) -> numpy.typing.NDArray[numpy.float64]: ...
    @property
    def index_cell_m(self) -> float: ...
    @property
    def index_shape(self) -> tuple[int, int]: ...

class SlopeTerrain(TerrainQuery):
    """
    Flat, then a plane rising angle_deg along +x over length_m from x0_m, then flat; |y - y_m| <= width_m / 2 (sim.terrain.Slope).
    """
    def __init__(
        self,
        angle_deg: typing.SupportsFloat | typing.SupportsIndex,
        length_m: typing.SupportsFloat | typing.SupportsIndex,
        width_m: typing.SupportsFloat | typing.SupportsIndex,
        x0_m: typing.SupportsFloat | typing.SupportsIndex,
        y_m: typing.SupportsFloat | typing.SupportsIndex,
    ) -> None: ...
    def heights(
        self: TerrainQuery,
        x: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        y: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    ) -> numpy.typing.NDArray[numpy.float64]:
        """
        heights (m) at arrays x, y of equal shape
        """
    def normals(
        self: TerrainQuery,
        x: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        y: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    ) -> numpy.typing.NDArray[numpy.float64]:
        """
        unit normals (..., 3) at arrays x, y of equal shape
        """
    @property
    def angle_deg(self) -> float: ...
    @property
    def length_m(self) -> float: ...
    @property
    def width_m(self) -> float: ...
    @property
    def x0_m(self) -> float: ...
    @property
    def y_m(self) -> float: ...

class GridTerrain(TerrainQuery):
    """
    Heights z[r, c] at (x0_m + c cell_m, y0_m + r cell_m) on MuJoCo's hfield triangles; outside_m beyond the grid.
    """
    def __init__(
        self,
        grid: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        x0_m: typing.SupportsFloat | typing.SupportsIndex,
        y0_m: typing.SupportsFloat | typing.SupportsIndex,
        cell_m: typing.SupportsFloat | typing.SupportsIndex,
        outside_m: typing.SupportsFloat | typing.SupportsIndex,
    ) -> None: ...
    def heights(
        self: TerrainQuery,
        x: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        y: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    ) -> numpy.typing.NDArray[numpy.float64]:
        """
        heights (m) at arrays x, y of equal shape
        """
    def normals(
        self: TerrainQuery,
        x: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        y: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    ) -> numpy.typing.NDArray[numpy.float64]:
        """
        unit normals (..., 3) at arrays x, y of equal shape
        """
    @property
    def cell_m(self) -> float: ...
    @property
    def grid(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, n]"]:
        """
        (nrow, ncol) heights, m
        """
    @property
    def outside_m(self) -> float: ...
    @property
    def x0_m(self) -> float: ...
    @property
    def y0_m(self) -> float: ...

class Foothold:
    """
    A planned touchdown: sole origin position (3,) world m, sole yaw rad, unit terrain normal (3,), swing timing s; feasible False when no candidate met the terrain criteria.
    """
    def __repr__(self) -> str: ...
    @property
    def feasible(self) -> bool: ...
    @property
    def foot(self) -> int: ...
    @property
    def normal(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"]: ...
    @property
    def position(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"]: ...
    @property
    def t_liftoff(self) -> float: ...
    @property
    def t_touchdown(self) -> float: ...
    @property
    def yaw(self) -> float: ...

class FootstepPlanner:
    """
    Raibert + capture-point footholds, step-limit clamps and terrain search. settings: a controllers.gait.GaitSettings, search: a controllers.gait.FootholdSearch or None.
    """

    memo_capacity: typing.ClassVar[int] = 8
    def __init__(self, settings: typing.Any, search: typing.Any = None) -> None: ...
    def clamp(
        self,
        foot: typing.SupportsInt | typing.SupportsIndex,
        xy: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[2, 1]"],
        yaw: typing.SupportsFloat | typing.SupportsIndex,
        stance_xy: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[2, 1]"],
    ) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]: ...
    def clear(self) -> None:
        """
        forgets the reused terrain searches
        """
    def heuristic(
        self,
        foot: typing.SupportsInt | typing.SupportsIndex,
        base_xy: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[2, 1]"],
        yaw: typing.SupportsFloat | typing.SupportsIndex,
        command: typing.Any,
        velocity_error: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[2, 1]"],
        stance_s: typing.SupportsFloat | typing.SupportsIndex | None = None,
    ) -> tuple[typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"], float]:
        """
        (xy (2,) world m, sole yaw rad) before clamping
        """
    def hip_offset(
        self, foot: typing.SupportsInt | typing.SupportsIndex
    ) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]: ...
    def on_terrain(
        self,
        terrain: typing.Any,
        foot: typing.SupportsInt | typing.SupportsIndex,
        xy: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[2, 1]"],
        yaw: typing.SupportsFloat | typing.SupportsIndex,
        stance: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"],
        sole_yaw: typing.SupportsFloat | typing.SupportsIndex | None = None,
    ) -> tuple[
        typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"],
        typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"],
        bool,
    ]:
        """
        (position (3,), normal (3,), feasible); stance (3,) world, or (2,): no step-height bound
        """
    def place(
        self,
        foot: typing.SupportsInt | typing.SupportsIndex,
        t_liftoff: typing.SupportsFloat | typing.SupportsIndex,
        t_touchdown: typing.SupportsFloat | typing.SupportsIndex,
        base_xy: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[2, 1]"],
        yaw: typing.SupportsFloat | typing.SupportsIndex,
        command: typing.Any,
        velocity_error: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[2, 1]"],
        stance_position: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[3, 1]"],
        terrain: typing.Any = None,
    ) -> Foothold:
        """
        Foothold of foot's swing lifting off at t_liftoff, touching down at t_touchdown: the heuristic around the base (x, y) predicted at touchdown, clamped to the step limits about the stance foot, refined on the terrain when given
        """
    def score(
        self,
        terrain: typing.Any,
        candidate: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[2, 1]"],
        xy: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[2, 1]"],
        sole_yaw: typing.SupportsFloat | typing.SupportsIndex,
        stance: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"],
        scale: typing.SupportsFloat | typing.SupportsIndex = 1.0,
    ) -> dict:
        """
        terrain score of one candidate of the search around xy: dict position, normal, cost, violation, feasible
        """
    @property
    def memo_size(self) -> int: ...
    @property
    def offsets(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 2]"]:
        """
        (m, 2) candidate offsets, heading frame, nearest first
        """

class SwingInterval:
    """
    One swing of foot: liftoff, touchdown (s).
    """
    def __repr__(self) -> str: ...
    @property
    def foot(self) -> int: ...
    @property
    def t_liftoff(self) -> float: ...
    @property
    def t_touchdown(self) -> float: ...

class ContactSchedule:
    """
    Which feet are in contact when: standing, or walking (alternating single supports separated by double supports); settings: a controllers.gait.GaitSettings.
    """
    @staticmethod
    def standing(settings: typing.Any) -> ContactSchedule: ...
    @staticmethod
    def walking(
        settings: typing.Any,
        t_start: typing.SupportsFloat | typing.SupportsIndex = 0.0,
        first_swing: typing.SupportsInt | typing.SupportsIndex = 0,
    ) -> ContactSchedule: ...
    def __init__(self, settings: typing.Any) -> None: ...
    def flags(
        self, t: typing.SupportsFloat | typing.SupportsIndex
    ) -> numpy.typing.NDArray[numpy.bool]:
        """
        (2,) bool: (left, right) in contact at t
        """
    def flags_at(
        self, times: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]
    ) -> numpy.typing.NDArray[numpy.bool]:
        """
        (k, 2) bool contact flags at times (k,)
        """
    def horizon(
        self,
        t0: typing.SupportsFloat | typing.SupportsIndex,
        dt: typing.SupportsFloat | typing.SupportsIndex,
        n: typing.SupportsInt | typing.SupportsIndex,
    ) -> numpy.typing.NDArray[numpy.bool]: ...
    def is_walking(self, t: typing.SupportsFloat | typing.SupportsIndex) -> bool: ...
    def next_swings(
        self,
        t: typing.SupportsFloat | typing.SupportsIndex,
        count: typing.SupportsInt | typing.SupportsIndex = 2,
    ) -> list[SwingInterval]: ...
    def start(
        self,
        t: typing.SupportsFloat | typing.SupportsIndex,
        first_swing: typing.SupportsInt | typing.SupportsIndex | None = None,
        double_support_s: typing.SupportsFloat | typing.SupportsIndex | None = None,
    ) -> None: ...
    def stop(self, t: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    def swing_phase(
        self,
        t: typing.SupportsFloat | typing.SupportsIndex,
        foot: typing.SupportsInt | typing.SupportsIndex,
    ) -> typing.Any:
        """
        phase in [0, 1) of foot's swing at t, None in contact
        """
    def swings(
        self,
        t_from: typing.SupportsFloat | typing.SupportsIndex,
        t_to: typing.SupportsFloat | typing.SupportsIndex,
    ) -> list[SwingInterval]:
        """
        swings overlapping [t_from, t_to] in time order
        """
    def update(
        self, t: typing.SupportsFloat | typing.SupportsIndex, command: typing.Any
    ) -> None: ...

class GaitPlan:
    """
    Output of GaitPlanner.plan: per-knot contact flags, foot and base references, swing samples, footholds; arrays are copies of the first n knots.
    """
    @property
    def base_position(self) -> numpy.typing.NDArray[numpy.float64]: ...
    @property
    def base_velocity(self) -> numpy.typing.NDArray[numpy.float64]: ...
    @property
    def base_yaw(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]: ...
    @property
    def base_yaw_rate(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]: ...
    @property
    def contact(self) -> numpy.typing.NDArray[numpy.bool]: ...
    @property
    def foot_normals(self) -> numpy.typing.NDArray[numpy.float64]: ...
    @property
    def foot_positions(self) -> numpy.typing.NDArray[numpy.float64]: ...
    @property
    def footholds(self) -> list[Foothold]: ...
    @property
    def n(self) -> int: ...
    @property
    def swing(self) -> tuple[SwingSample, SwingSample]: ...
    @property
    def swing_phase(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]: ...
    @property
    def times(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]: ...

class GaitPlanner:
    """
    Contact schedule + footholds + swing trajectories + base references. settings: a controllers.gait.GaitSettings; terrain: None, a TerrainQuery or a sim.terrain.Terrain; search: a controllers.gait.FootholdSearch or None.
    """
    def __init__(
        self,
        settings: typing.Any,
        terrain: typing.Any = None,
        search: typing.Any = None,
        follow_command: bool = True,
        capacity: typing.SupportsInt | typing.SupportsIndex = 64,
    ) -> None: ...
    def plan(
        self,
        t: typing.SupportsFloat | typing.SupportsIndex,
        state: typing.Any,
        command: typing.Any,
        n: typing.SupportsInt | typing.SupportsIndex = 25,
        dt: typing.SupportsFloat | typing.SupportsIndex = 0.04,
    ) -> GaitPlan:
        """
        plan n knots dt (s) apart from time t; state: a gait.GaitState, command: a gait.VelocityCommand or (vx, vy, yaw_rate)
        """
    def reset(self) -> None: ...
    @property
    def capacity(self) -> int: ...
    @property
    def follow_command(self) -> bool: ...
    @property
    def schedule(self) -> ContactSchedule: ...

class CommandShapingSettings:
    """
    WalkingOptions fields of command shaping (see command_shaping.hpp).
    """
    def __init__(self) -> None: ...
    def validate(self) -> None: ...
    @property
    def forward_drift_gain(self) -> float: ...
    @forward_drift_gain.setter
    def forward_drift_gain(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def lateral_drift_gain(self) -> float: ...
    @lateral_drift_gain.setter
    def lateral_drift_gain(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def max_accel_mps2(self) -> float: ...
    @max_accel_mps2.setter
    def max_accel_mps2(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def max_forward_correction_mps(self) -> float: ...
    @max_forward_correction_mps.setter
    def max_forward_correction_mps(
        self, arg0: typing.SupportsFloat | typing.SupportsIndex
    ) -> None: ...
    @property
    def max_forward_drift_m(self) -> float: ...
    @max_forward_drift_m.setter
    def max_forward_drift_m(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def max_lateral_correction_mps(self) -> float: ...
    @max_lateral_correction_mps.setter
    def max_lateral_correction_mps(
        self, arg0: typing.SupportsFloat | typing.SupportsIndex
    ) -> None: ...
    @property
    def max_lateral_drift_m(self) -> float: ...
    @max_lateral_drift_m.setter
    def max_lateral_drift_m(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def max_yaw_accel_rad_s2(self) -> float: ...
    @max_yaw_accel_rad_s2.setter
    def max_yaw_accel_rad_s2(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...

class CommandRamp:
    """
    Acceleration-limited velocity command.
    """
    def __init__(self, settings: CommandShapingSettings = ...) -> None: ...
    def reset(self) -> None: ...
    def step(self, t: typing.SupportsFloat | typing.SupportsIndex, target: typing.Any) -> tuple:
        """
        (vx, vy, yaw_rate) moved toward target (object with vx, vy, yaw_rate, or 3 numbers) at the acceleration limits since the previous call.
        """
    @property
    def command(self) -> tuple: ...
    @property
    def t_prev(self) -> float: ...

class VelocityAverage:
    """
    CoM velocity averaged over about one step.
    """
    def __init__(self, window_s: typing.SupportsFloat | typing.SupportsIndex = 0.5) -> None: ...
    def reset(self) -> None: ...
    def update(
        self,
        t: typing.SupportsFloat | typing.SupportsIndex,
        vcom: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    ) -> float:
        """
        Feeds vcom (2,) m/s at t s; returns dt s since the last.
        """
    @property
    def t_prev(self) -> float: ...
    @property
    def value(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]:
        """
        (2,) m/s, world x, y
        """

class DriftCorrection:
    """
    Drift accumulated while walking, fed back into vx, vy.
    """
    def __init__(self, settings: CommandShapingSettings = ...) -> None: ...
    def correct(
        self,
        cmd: typing.Any,
        vcom_avg: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        yaw: typing.SupportsFloat | typing.SupportsIndex,
        dt: typing.SupportsFloat | typing.SupportsIndex,
        walking: bool,
        deadband: typing.SupportsFloat | typing.SupportsIndex,
    ) -> tuple: ...
    def reset(self) -> None: ...
    @property
    def drift(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]:
        """
        (2,) forward, lateral drift, m, heading frame
        """
    @drift.setter
    def drift(self, arg1: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> None: ...

class SoleGeometry:
    """
    Sole centre and CoP command bounds in the sole frame (m).
    """
    @staticmethod
    def from_sole_rectangle(
        sole_rectangle: typing.Annotated[
            collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], "FixedSize(4)"
        ],
        cop_margin: typing.SupportsFloat | typing.SupportsIndex,
        lateral_scale: typing.SupportsFloat | typing.SupportsIndex = 1.0,
    ) -> SoleGeometry: ...
    def __init__(self) -> None: ...
    def centre_at(
        self,
        position: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        yaw: typing.SupportsFloat | typing.SupportsIndex,
    ) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]: ...
    def dcm_outside(
        self,
        dcm: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        feet: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        yaws: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        margin_m: typing.SupportsFloat | typing.SupportsIndex,
    ) -> bool: ...
    def support_box(
        self,
        feet: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        yaws: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    ) -> tuple:
        """
        (lo (2,), hi (2,)) for feet (2, 3), yaws (2,)
        """
    @property
    def centre(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]:
        """
        (2,) sole frame, m
        """
    @centre.setter
    def centre(
        self, arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[2, 1]"]
    ) -> None: ...
    @property
    def cop_box(self) -> typing.Annotated[list[float], "FixedSize(4)"]:
        """
        x_min, x_max, y_min, y_max, m
        """
    @cop_box.setter
    def cop_box(
        self,
        arg0: typing.Annotated[
            collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], "FixedSize(4)"
        ],
    ) -> None: ...

class SupportArea:
    """
    Swing intervals and stance soles of a plan.
    """
    def __init__(
        self, geometry: SoleGeometry, max_swings: typing.SupportsInt | typing.SupportsIndex = 16
    ) -> None: ...
    def clip(
        self,
        cop: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        t: typing.SupportsFloat | typing.SupportsIndex,
    ) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]: ...
    def set(
        self,
        swings: collections.abc.Sequence,
        feet: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        yaws: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    ) -> None:
        """
        swings: the plan's footholds; feet (2, 3) m, yaws (2,) rad: stance soles.
        """
    def size(self) -> int: ...
    @property
    def capacity(self) -> int: ...
    @property
    def geometry(self) -> SoleGeometry: ...

class CopPlan:
    """
    CoP waypoints of the LIPM/DCM plan, fixed capacity.
    """
    def __init__(
        self,
        gait: typing.Any,
        geometry: SoleGeometry,
        max_footholds: typing.SupportsInt | typing.SupportsIndex = 16,
    ) -> None:
        """
        gait: an object with the GaitSettings fields.
        """
    def anchor(
        self,
        t: typing.SupportsFloat | typing.SupportsIndex,
        times: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        cops: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        dcm: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        omega: typing.SupportsFloat | typing.SupportsIndex,
        support: SupportArea,
    ) -> typing.Any:
        """
        (times, cops) anchored to the DCM, or None when not anchored.
        """
    def waypoints(
        self,
        t: typing.SupportsFloat | typing.SupportsIndex,
        footholds: collections.abc.Sequence,
        feet: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        yaws: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
        last_touchdown: tuple[
            typing.SupportsInt | typing.SupportsIndex, typing.SupportsFloat | typing.SupportsIndex
        ]
        | None = None,
    ) -> tuple:
        """
        (times (K,), cops (K, 2)); last_touchdown (foot, t_s) or None.
        """
    @property
    def capacity(self) -> int: ...
    @property
    def max_footholds(self) -> int: ...

class ContactDescription:
    """
    Rectangular sole on a tracked Robot frame (see wbc.hpp).
    """

    frame: str
    @typing.overload
    def __init__(self) -> None: ...
    @typing.overload
    def __init__(
        self,
        frame: str,
        offset: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[3, 1]"] = ...,
        rotation: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[3, 3]"] = ...,
        rectangle: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[4, 1]"] = ...,
        mu: typing.SupportsFloat | typing.SupportsIndex = 0.7,
        fz_min: typing.SupportsFloat | typing.SupportsIndex = 5.0,
        fz_max: typing.SupportsFloat | typing.SupportsIndex = ...,
        yaw_coeff: typing.SupportsFloat | typing.SupportsIndex = ...,
    ) -> None:
        """
        rectangle = [x_min, x_max, y_min, y_max] in the sole frame, m.
        """
    @property
    def free_roll(self) -> bool:
        """
        soft contacts: the sole's roll is not held (legs without ankle roll)
        """
    @free_roll.setter
    def free_roll(self, arg0: bool) -> None: ...
    @property
    def fz_max(self) -> float: ...
    @fz_max.setter
    def fz_max(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def fz_min(self) -> float: ...
    @fz_min.setter
    def fz_min(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def mu(self) -> float: ...
    @mu.setter
    def mu(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def offset(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"]: ...
    @offset.setter
    def offset(
        self, arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[3, 1]"]
    ) -> None: ...
    @property
    def rotation(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 3]"]: ...
    @rotation.setter
    def rotation(
        self, arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[3, 3]"]
    ) -> None: ...
    @property
    def x_back(self) -> float: ...
    @x_back.setter
    def x_back(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def x_front(self) -> float: ...
    @x_front.setter
    def x_front(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def y_left(self) -> float: ...
    @y_left.setter
    def y_left(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def y_right(self) -> float: ...
    @y_right.setter
    def y_right(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def yaw_coeff(self) -> float: ...
    @yaw_coeff.setter
    def yaw_coeff(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...

class WholeBodyQPSettings:
    """
    Weights, gains, limits of WholeBodyQP. Arrays are copied: assign whole arrays, not elements.
    """

    base_frame: str
    working_set: bool
    def __init__(self) -> None: ...
    @property
    def cmp_margin(self) -> float: ...
    @cmp_margin.setter
    def cmp_margin(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def contact_weight(self) -> float: ...
    @contact_weight.setter
    def contact_weight(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def contacts(self) -> list[ContactDescription]: ...
    @contacts.setter
    def contacts(self, arg0: collections.abc.Sequence[ContactDescription]) -> None: ...
    @property
    def eps_abs(self) -> float: ...
    @eps_abs.setter
    def eps_abs(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def eps_rel(self) -> float: ...
    @eps_rel.setter
    def eps_rel(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def fallback_damping(self) -> float: ...
    @fallback_damping.setter
    def fallback_damping(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def fallback_decay(self) -> float: ...
    @fallback_decay.setter
    def fallback_decay(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def friction_velocity(self) -> float:
        """
        rad/s
        """
    @friction_velocity.setter
    def friction_velocity(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def hand_frames(self) -> list[str]: ...
    @hand_frames.setter
    def hand_frames(self, arg0: collections.abc.Sequence[str]) -> None: ...
    @property
    def joint_damping(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]:
        """
        (nv-6,) N·m·s/rad or empty: viscous joint damping the torques make up for
        """
    @joint_damping.setter
    def joint_damping(
        self, arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"]
    ) -> None: ...
    @property
    def joint_friction(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]:
        """
        (nv-6,) N·m or empty: dry joint friction, made up for as f tanh(v / friction_velocity)
        """
    @joint_friction.setter
    def joint_friction(
        self, arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"]
    ) -> None: ...
    @property
    def k_dcm(self) -> float: ...
    @k_dcm.setter
    def k_dcm(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def kd_angular_momentum(self) -> float: ...
    @kd_angular_momentum.setter
    def kd_angular_momentum(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def kd_base(self) -> float: ...
    @kd_base.setter
    def kd_base(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def kd_com(self) -> float: ...
    @kd_com.setter
    def kd_com(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def kd_contact(self) -> float: ...
    @kd_contact.setter
    def kd_contact(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def kd_hand(self) -> float: ...
    @kd_hand.setter
    def kd_hand(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def kd_posture(self) -> float: ...
    @kd_posture.setter
    def kd_posture(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def kd_swing(self) -> float: ...
    @kd_swing.setter
    def kd_swing(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def kp_base(self) -> float: ...
    @kp_base.setter
    def kp_base(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def kp_com(self) -> float: ...
    @kp_com.setter
    def kp_com(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def kp_hand(self) -> float: ...
    @kp_hand.setter
    def kp_hand(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def kp_posture(self) -> float: ...
    @kp_posture.setter
    def kp_posture(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def kp_swing(self) -> float: ...
    @kp_swing.setter
    def kp_swing(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def max_iter(self) -> int: ...
    @max_iter.setter
    def max_iter(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def max_iter_in(self) -> int: ...
    @max_iter_in.setter
    def max_iter_in(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def mu_eq(self) -> float: ...
    @mu_eq.setter
    def mu_eq(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def mu_in(self) -> float: ...
    @mu_in.setter
    def mu_in(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def torque_limit(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]:
        """
        (nv-6,) N·m
        """
    @torque_limit.setter
    def torque_limit(
        self, arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"]
    ) -> None: ...
    @property
    def w_base_orientation(self) -> float: ...
    @w_base_orientation.setter
    def w_base_orientation(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def w_hand(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[6, 1]"]: ...
    @w_hand.setter
    def w_hand(
        self, arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[6, 1]"]
    ) -> None: ...
    @property
    def w_momentum(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[6, 1]"]: ...
    @w_momentum.setter
    def w_momentum(
        self, arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[6, 1]"]
    ) -> None: ...
    @property
    def w_posture(self) -> float: ...
    @w_posture.setter
    def w_posture(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def w_reg_vdot(self) -> float: ...
    @w_reg_vdot.setter
    def w_reg_vdot(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def w_reg_wrench(self) -> float: ...
    @w_reg_wrench.setter
    def w_reg_wrench(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def w_swing(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[6, 1]"]: ...
    @w_swing.setter
    def w_swing(
        self, arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[6, 1]"]
    ) -> None: ...
    @property
    def w_wrench_ff(self) -> float: ...
    @w_wrench_ff.setter
    def w_wrench_ff(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...

class WbcStatus:
    """
    Members:

      OK

      NOT_RUN

      MAX_ITER_REACHED

      INFEASIBLE

      NON_FINITE
    """

    INFEASIBLE: typing.ClassVar[WbcStatus]
    MAX_ITER_REACHED: typing.ClassVar[WbcStatus]
    NON_FINITE: typing.ClassVar[WbcStatus]
    NOT_RUN: typing.ClassVar[WbcStatus]
    OK: typing.ClassVar[WbcStatus]
    __members__: typing.ClassVar[dict[str, WbcStatus]]
    @typing.overload
    def __eq__(self, other: WbcStatus) -> bool: ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool: ...
    def __getstate__(self) -> int: ...
    def __hash__(self) -> int: ...
    def __index__(self) -> int: ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    def __int__(self) -> int: ...
    @typing.overload
    def __ne__(self, other: WbcStatus) -> bool: ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool: ...
    def __repr__(self) -> str: ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    def __str__(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...

class WholeBodyReferences:
    """
    A copy of one tick's references (see WholeBodyQP.references).
    """
    def as_dict(self) -> dict:
        """
        The references as arrays (world axes): com, vcom, acom (3,); base_R (3, 3); base_omega, base_omega_dot (3,); swing_R (nc, 9) row-major, swing_p (nc, 3), swing_velocity, swing_acceleration (nc, 6) [linear; angular]; posture (nv-6,); wrench_ff (6 nc,).
        """
    def copy(self) -> WholeBodyReferences: ...

class WholeBodyQP:
    """
    Weighted QP inverse dynamics. x = [vdot (nv); one wrench (6) per contact at the sole origin,
    LOCAL_WORLD_ALIGNED, force then torque]. tick(q, v, mask) -> tau (nv-6,), N·m.
    References start at the configuration q0 given to the constructor.
    """
    def __init__(
        self,
        robot: Robot,
        settings: WholeBodyQPSettings,
        q0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"],
    ) -> None: ...
    def qp_matrices(self) -> dict:
        """
        Last QP: min 0.5 x'Hx + g'x s.t. A x = b, l <= C x <= u (|bound| >= 1e20: none); x: solution.
        """
    def replay(
        self,
        q: typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, n]", "flags.c_contiguous"],
        v: typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, n]", "flags.c_contiguous"],
        masks: typing.Any,
        references: collections.abc.Sequence[WholeBodyReferences],
    ) -> tuple[
        typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"],
        typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, n]"],
        typing.Annotated[numpy.typing.NDArray[numpy.int32], "[m, 1]"],
    ]:
        """
        Ticks through recorded states in order (q (n, nq), v (n, nv), masks (n, nc), n references): (durations (n,) µs measured in C++, tau (n, nv-6) N·m, status (n,) int). Leaves the last references in place.
        """
    def set_base_reference(
        self,
        R: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, n]"],
        omega: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"] = ...,
        omega_dot: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"] = ...,
    ) -> None:
        """
        Base orientation (3, 3) world <- base, angular velocity rad/s and acceleration rad/s^2.
        """
    def set_com_reference(
        self,
        com: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"],
        vcom: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"] = ...,
        acom: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"] = ...,
    ) -> None:
        """
        CoM position m, velocity m/s, acceleration m/s^2.
        """
    def set_hand_reference(
        self,
        hand: typing.SupportsInt | typing.SupportsIndex,
        R: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, n]"],
        p: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"],
        velocity: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"] = ...,
        acceleration: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"] = ...,
    ) -> None: ...
    def set_posture_reference(
        self, q_joints: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"]
    ) -> None:
        """
        (nv-6,) joint positions, rad.
        """
    def set_swing_reference(
        self,
        contact: typing.SupportsInt | typing.SupportsIndex,
        R: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, n]"],
        p: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"],
        velocity: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"] = ...,
        acceleration: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"] = ...,
    ) -> None:
        """
        Sole pose of contact i while inactive; velocity/acceleration (6,) [linear; angular].
        """
    def set_wrench_feedforward(
        self, wrenches: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, n]"]
    ) -> None:
        """
        (nc, 6) feed-forward wrenches, same layout as `wrenches`.
        """
    def swing_reference(
        self, contact: typing.SupportsInt | typing.SupportsIndex
    ) -> tuple[
        typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 3]"],
        typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"],
    ]:
        """
        (R, p) sole reference of contact i.
        """
    def tick(
        self,
        q: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"],
        v: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"],
        mask: typing.Any,
    ) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]:
        """
        One step: state (q (nq,), v (nv,), contact mask (nc,) bool) -> tau (nv-6,), N·m.
        """
    def time_tick(
        self,
        q: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"],
        v: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"],
        mask: typing.Any,
        n: typing.SupportsInt | typing.SupportsIndex,
    ) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]:
        """
        (n,) durations of n ticks at the same state, µs, measured in C++.
        """
    @property
    def com_reference(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"]: ...
    @property
    def failures(self) -> int: ...
    @property
    def iterations(self) -> int: ...
    @property
    def last_tick_us(self) -> float: ...
    @property
    def num_contacts(self) -> int: ...
    @property
    def num_variables(self) -> int: ...
    @property
    def nv(self) -> int: ...
    @property
    def outer_iterations(self) -> int: ...
    @property
    def references(self) -> WholeBodyReferences:
        """
        A copy of the references the next tick uses (for recording and replay).
        """
    @property
    def status(self) -> WbcStatus: ...
    @property
    def tau(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]: ...
    @property
    def vdot(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]: ...
    @property
    def working_set_changes(self) -> int: ...
    @property
    def working_set_outcome(self) -> str:
        """
        How the last tick's working-set solve ended (also when the contacts changed and it did
        not run: the previous outcome).
        """
    @property
    def working_set_ticks(self) -> int:
        """
        Ticks solved on the previous tick's active set (no proxsuite call).
        """
    @property
    def wrenches(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, n]"]:
        """
        (nc, 6) contact wrenches [f; tau] at the soles, LOCAL_WORLD_ALIGNED, N and N·m.
        """

class SafetySettings:
    """
    Settings of the safety layer of the C++ controller tick (see docs/safety.md); the defaults change nothing in normal walking.
    """

    enabled: bool
    def __init__(self) -> None: ...
    def validate(self) -> None:
        """
        ValueError naming the first invalid field.
        """
    @property
    def damping_s(self) -> float: ...
    @damping_s.setter
    def damping_s(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def damping_torque_fraction(self) -> float: ...
    @damping_torque_fraction.setter
    def damping_torque_fraction(
        self, arg0: typing.SupportsFloat | typing.SupportsIndex
    ) -> None: ...
    @property
    def fall_height_fraction(self) -> float: ...
    @fall_height_fraction.setter
    def fall_height_fraction(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def fall_tilt_rad(self) -> float: ...
    @fall_tilt_rad.setter
    def fall_tilt_rad(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def hold_s(self) -> float: ...
    @hold_s.setter
    def hold_s(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def max_acc_mps2(self) -> float: ...
    @max_acc_mps2.setter
    def max_acc_mps2(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def max_command_age_s(self) -> float: ...
    @max_command_age_s.setter
    def max_command_age_s(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def max_gyro_radps(self) -> float: ...
    @max_gyro_radps.setter
    def max_gyro_radps(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def max_joint_speed_radps(self) -> float: ...
    @max_joint_speed_radps.setter
    def max_joint_speed_radps(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def max_sensor_age_s(self) -> float: ...
    @max_sensor_age_s.setter
    def max_sensor_age_s(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def position_damping_s(self) -> float: ...
    @position_damping_s.setter
    def position_damping_s(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def position_margin_rad(self) -> float: ...
    @position_margin_rad.setter
    def position_margin_rad(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def position_tolerance_rad(self) -> float: ...
    @position_tolerance_rad.setter
    def position_tolerance_rad(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def torque_rate_per_s(self) -> float: ...
    @torque_rate_per_s.setter
    def torque_rate_per_s(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def velocity_damping_s(self) -> float: ...
    @velocity_damping_s.setter
    def velocity_damping_s(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def velocity_limit_radps(self) -> float: ...
    @velocity_limit_radps.setter
    def velocity_limit_radps(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def velocity_margin(self) -> float: ...
    @velocity_margin.setter
    def velocity_margin(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...

class StandingController:
    """
    Double-support balance on the whole-body QP, through the safety layer (docs/safety.md):
    tick(state, command) -> joint torques (nj,) N m. state: a sim.state.RobotState with base; command:
    None or an object with vx, vy, yaw_rate (ignored but for its stamp_s, the command watchdog).
    reset(state) holds the CoM where it is, the base upright at its yaw, the joints at q_stand.
    """
    def __init__(
        self,
        robot: Robot,
        settings: WholeBodyQPSettings,
        q_stand: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"],
        safety: SafetySettings = ...,
        dt_s: typing.SupportsFloat | typing.SupportsIndex = 0.001,
    ) -> None: ...
    def reset(self, state: typing.Any) -> None: ...
    def tick(
        self, state: typing.Any, command: typing.Any = None
    ) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]: ...
    @property
    def failures(self) -> int: ...
    @property
    def last_tick_us(self) -> float: ...
    @property
    def last_wbc_us(self) -> float: ...
    @property
    def safety(self) -> dict:
        """
        The safety layer's counters: {enabled, mode, ticks, safe_stop (None or {t_s, reason}), events {name: {count, first_t_s}}} (docs/safety.md).
        """
    @property
    def safety_mode(self) -> str: ...
    @property
    def status(self) -> WbcStatus: ...
    @property
    def ticks(self) -> int: ...

class StepFeedback:
    """
    Members:

      GAIT

      DCM

      CAPTURE
    """

    CAPTURE: typing.ClassVar[StepFeedback]
    DCM: typing.ClassVar[StepFeedback]
    GAIT: typing.ClassVar[StepFeedback]
    __members__: typing.ClassVar[dict[str, StepFeedback]]
    @typing.overload
    def __eq__(self, other: StepFeedback) -> bool: ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool: ...
    def __getstate__(self) -> int: ...
    def __hash__(self) -> int: ...
    def __index__(self) -> int: ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    def __int__(self) -> int: ...
    @typing.overload
    def __ne__(self, other: StepFeedback) -> bool: ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool: ...
    def __repr__(self) -> str: ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    def __str__(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...

class MpcBalance:
    """
    What keeps the horizontal CoM while the MPC plans.

    Members:

      LIPM

      MPC

      NONE
    """

    LIPM: typing.ClassVar[MpcBalance]
    MPC: typing.ClassVar[MpcBalance]
    NONE: typing.ClassVar[MpcBalance]
    __members__: typing.ClassVar[dict[str, MpcBalance]]
    @typing.overload
    def __eq__(self, other: MpcBalance) -> bool: ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool: ...
    def __getstate__(self) -> int: ...
    def __hash__(self) -> int: ...
    def __index__(self) -> int: ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    def __int__(self) -> int: ...
    @typing.overload
    def __ne__(self, other: MpcBalance) -> bool: ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool: ...
    def __repr__(self) -> str: ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    def __str__(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...

class MpcPlannerSettings:
    """
    The MPC planner stage of the walking controller (planner "mpc").
    """

    balance: MpcBalance
    solver: KinodynamicMPCSettings
    track_base: bool
    track_posture: bool
    def __init__(self) -> None: ...
    def validate(self) -> None: ...
    @property
    def base_above_com_m(self) -> float: ...
    @base_above_com_m.setter
    def base_above_com_m(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def dt_s(self) -> float: ...
    @dt_s.setter
    def dt_s(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def joint_index(self) -> typing.Annotated[numpy.typing.NDArray[numpy.int32], "[m, 1]"]: ...
    @joint_index.setter
    def joint_index(
        self, arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.int32, "[m, 1]"]
    ) -> None: ...
    @property
    def mass_kg(self) -> float: ...
    @mass_kg.setter
    def mass_kg(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def posture(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]: ...
    @posture.setter
    def posture(
        self, arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"]
    ) -> None: ...

class WalkingSettings:
    """
    Resolved settings of the C++ walking controller (see controllers/walking.py, which fills them).
    """

    dcm_replan: bool
    footholds_from_com: bool
    imu_frame: str
    model_path: str
    mpc: MpcPlannerSettings
    safety: SafetySettings
    shaping: CommandShapingSettings
    sole: SoleGeometry
    step_feedback: StepFeedback
    use_mpc: bool
    wbc: WholeBodyQPSettings
    def __init__(self) -> None: ...
    def validate(self) -> None: ...
    @property
    def arm_coeffs(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]: ...
    @arm_coeffs.setter
    def arm_coeffs(
        self, arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"]
    ) -> None: ...
    @property
    def arm_joints(self) -> typing.Annotated[numpy.typing.NDArray[numpy.int32], "[m, 1]"]: ...
    @arm_joints.setter
    def arm_joints(
        self, arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.int32, "[m, 1]"]
    ) -> None: ...
    @property
    def base_minus_com(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]: ...
    @base_minus_com.setter
    def base_minus_com(
        self, arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[2, 1]"]
    ) -> None: ...
    @property
    def com_descent_accel_mps2(self) -> float: ...
    @com_descent_accel_mps2.setter
    def com_descent_accel_mps2(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def com_descent_speed_mps(self) -> float: ...
    @com_descent_speed_mps.setter
    def com_descent_speed_mps(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def com_step_down_min_m(self) -> float: ...
    @com_step_down_min_m.setter
    def com_step_down_min_m(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def dt_s(self) -> float: ...
    @dt_s.setter
    def dt_s(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def foot_frames(self) -> typing.Annotated[list[str], "FixedSize(2)"]: ...
    @foot_frames.setter
    def foot_frames(
        self, arg0: typing.Annotated[collections.abc.Sequence[str], "FixedSize(2)"]
    ) -> None: ...
    @property
    def gait(self) -> ...:
        """
        Set from any object with GaitSettings' fields.
        """
    @gait.setter
    def gait(self, arg1: typing.Any) -> None: ...
    @property
    def k_dcm(self) -> float: ...
    @k_dcm.setter
    def k_dcm(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def knot_dt_s(self) -> float: ...
    @knot_dt_s.setter
    def knot_dt_s(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def max_step_adjust_m(self) -> float: ...
    @max_step_adjust_m.setter
    def max_step_adjust_m(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def max_yaw_lead_rad(self) -> float: ...
    @max_yaw_lead_rad.setter
    def max_yaw_lead_rad(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def n_knots(self) -> int: ...
    @n_knots.setter
    def n_knots(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def plan_every(self) -> int: ...
    @plan_every.setter
    def plan_every(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...
    @property
    def push_step_double_support_s(self) -> float: ...
    @push_step_double_support_s.setter
    def push_step_double_support_s(
        self, arg0: typing.SupportsFloat | typing.SupportsIndex
    ) -> None: ...
    @property
    def push_step_margin_m(self) -> float: ...
    @push_step_margin_m.setter
    def push_step_margin_m(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def q_stand(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]: ...
    @q_stand.setter
    def q_stand(
        self, arg0: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, 1]"]
    ) -> None: ...
    @property
    def search(self) -> ...:
        """
        Set from any object with FootholdSearch's fields (None: defaults).
        """
    @search.setter
    def search(self, arg1: typing.Any) -> None: ...
    @property
    def step_dcm_gain(self) -> float: ...
    @step_dcm_gain.setter
    def step_dcm_gain(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def stop_speed_mps(self) -> float: ...
    @stop_speed_mps.setter
    def stop_speed_mps(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None: ...
    @property
    def terrain_aware(self) -> int: ...
    @terrain_aware.setter
    def terrain_aware(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None: ...

class WalkingController:
    """
    The walking controller (LIPM/DCM or MPC planner) in C++: tick(state, command) -> joint torques (nj,) N m,
    planning itself every plan_every ticks and at contact changes. state: a sim.state.RobotState
    (with base); command: an object with vx, vy, yaw_rate. terrain: None, a _core.TerrainQuery or a
    sim.terrain.Terrain.
    """
    def __init__(self, settings: WalkingSettings, terrain: typing.Any = None) -> None: ...
    def attach_estimator(self, estimator: typing.Any) -> None:
        """
        Runs the BaseEstimator inside tick(): each tick but the first after reset() updates it from the state's IMU, encoders and sole F/T sensors (the leg's wrench on the foot, as MuJoCo's sensors give it) with the planned contacts as prior, and the tick runs on its estimated base (state.base is ignored); reset() takes its current estimate. None detaches.
        """
    def com_plan_sample(
        self, t: typing.SupportsFloat | typing.SupportsIndex
    ) -> tuple[
        typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"],
        typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"],
        typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"],
        typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"],
        typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"],
    ]:
        """
        (com, vcom, acom, dcm, cop) of the tracked CoM plan at t, world x, y.
        """
    def force_mpc_deadline_miss(self, on: bool) -> None:
        """
        Fault injection (planner mpc): while on, every MPC solve misses its deadline.
        """
    def plan(self, state: typing.Any, command: typing.Any) -> None:
        """
        One planning cycle now (tick() plans by itself).
        """
    def planned_contacts(self, t: typing.SupportsFloat | typing.SupportsIndex) -> tuple[int, int]:
        """
        (left, right) at t in the current plan: 1 stance, 0 swing, -1 no plan.
        """
    def reset(self, state: typing.Any) -> None: ...
    def start_planning_thread(self) -> None:
        """
        Threaded mode: plans every plan_every * dt_s of wall time on its own thread.
        """
    def stop_planning_thread(self) -> None: ...
    def tick(
        self, state: typing.Any, command: typing.Any = None
    ) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]: ...
    @property
    def estimator(self) -> typing.Any:
        """
        The attached BaseEstimator, or None.
        """
    @property
    def failures(self) -> int: ...
    @property
    def last_mpc_inputs(self) -> typing.Any:
        """
        Planner "mpc" (else None): copies of the last MPC solve's inputs, x0 (nx,), parameters (np, N+1), warm-start guess X (nx, N+1), U (nu, N) (deterministic mode).
        """
    @property
    def last_plan(self) -> GaitPlan:
        """
        A copy of the last gait plan (deterministic mode; racy while the planning thread runs).
        """
    @property
    def last_qp_inputs(
        self,
    ) -> tuple[
        typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"],
        typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"],
        typing.Annotated[numpy.typing.NDArray[numpy.bool], "[m, 1]"],
        WholeBodyReferences,
    ]:
        """
        Copies of the QP's inputs of the last tick that ran it (see qp_ticks): q (nq,), v (nv,) Pinocchio conventions, contact mask (nc,) bool, WholeBodyReferences.
        """
    @property
    def last_qp_tau(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]:
        """
        A copy of the QP's torques (nj,) N m of the last tick that ran it (before the safety layer).
        """
    @property
    def last_tick_us(self) -> float: ...
    @property
    def last_wbc_us(self) -> float: ...
    @property
    def mpc_solves(self) -> int: ...
    @property
    def mpc_stats(self) -> dict:
        """
        Planner "mpc": the solver's solves, failures, deadline misses, last solve time (µs), fallback ticks.
        """
    @property
    def omega(self) -> float: ...
    @property
    def planning_stats(self) -> dict:
        """
        The planning thread's cycles, failures, deadline misses and longest cycle (s).
        """
    @property
    def planning_thread_running(self) -> bool: ...
    @property
    def plans(self) -> int: ...
    @property
    def push_steps(self) -> int: ...
    @property
    def qp_ticks(self) -> int:
        """
        Ticks that ran the QP (the others returned the safety fallback).
        """
    @property
    def safety(self) -> dict:
        """
        The safety layer's counters: {enabled, mode, ticks, safe_stop (None or {t_s, reason}), events {name: {count, first_t_s}}} (docs/safety.md).
        """
    @property
    def safety_mode(self) -> str:
        """
        normal, hold, damping or safe_stop (the last tick's).
        """
    @property
    def stale_ticks(self) -> int: ...
    @property
    def status(self) -> WbcStatus: ...
    @property
    def terrain_aware(self) -> bool: ...
    @property
    def ticks(self) -> int: ...

def capture_state(
    t: typing.SupportsFloat | typing.SupportsIndex,
    base_position: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    com: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    vcom: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    feet: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    yaws: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    yaw: typing.SupportsFloat | typing.SupportsIndex,
    cmd: typing.Any,
    swing_foot: typing.SupportsInt | typing.SupportsIndex,
    t_liftoff: typing.SupportsFloat | typing.SupportsIndex,
    t_touchdown: typing.SupportsFloat | typing.SupportsIndex,
    gait: typing.Any,
    geometry: SoleGeometry,
    omega: typing.SupportsFloat | typing.SupportsIndex,
) -> tuple[
    typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"],
    typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"],
]:
    """
    (base_position (3,), base_velocity (3,)) for the foothold planner.
    """

def dcm_law(
    t: typing.SupportsFloat | typing.SupportsIndex,
    com: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    vcom: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    plan: ComPlan,
    omega: typing.SupportsFloat | typing.SupportsIndex,
    k_dcm: typing.SupportsFloat | typing.SupportsIndex,
    support: SupportArea,
) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]:
    """
    (2,) horizontal CoM acceleration, m/s^2.
    """

def dcm_law_about(
    t: typing.SupportsFloat | typing.SupportsIndex,
    com: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    vcom: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    com_ref: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    vcom_ref: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    acom_ref: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    omega: typing.SupportsFloat | typing.SupportsIndex,
    k_dcm: typing.SupportsFloat | typing.SupportsIndex,
    support: SupportArea,
) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]:
    """
    (2,) horizontal CoM acceleration of the DCM law around a CoM trajectory, m/s^2.
    """

def lipm_com_reference(
    com: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    vcom: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    acom_xy: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    ground: typing.Annotated[
        collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], "FixedSize(3)"
    ],
    com_height_m: typing.SupportsFloat | typing.SupportsIndex,
) -> tuple:
    """
    (com, vcom, acom) (3,) each; ground = (z, dz, ddz).
    """

def mpc_com_reference(
    com: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    vcom: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    wrenches: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    mass_kg: typing.SupportsFloat | typing.SupportsIndex,
    mpc_com: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    mpc_vcom: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
    dcm_feedback: bool,
    acom_xy: typing.Annotated[numpy.typing.ArrayLike, numpy.float64],
) -> tuple:
    """
    (com, vcom, acom) (3,) each.
    """

def omega_for(com_height_m: typing.SupportsFloat | typing.SupportsIndex) -> float: ...
def quintic(u: typing.SupportsFloat | typing.SupportsIndex) -> tuple:
    """
    quintic time scaling at u (clipped to [0, 1]): (value, d/du, d2/du2)
    """

def ramped(
    u: typing.SupportsFloat | typing.SupportsIndex, r: typing.SupportsFloat | typing.SupportsIndex
) -> tuple:
    """
    trapezoidal time scaling at u, ramps of r in (0, 0.5]: (value, d/du, d2/du2)
    """

def support_ground(
    stance_z: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex],
    swing_z: typing.SupportsFloat | typing.SupportsIndex | None = None,
    landed_z: typing.SupportsFloat | typing.SupportsIndex | None = None,
    min_drop_m: typing.SupportsFloat | typing.SupportsIndex = 0.02,
) -> float: ...
def tilt_matrix(
    normal: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[3, 1]"],
) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 3]"]:
    """
    (3, 3) smallest rotation taking world z onto normal
    """

def time_ldlt(
    matrices: collections.abc.Sequence[
        typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[m, n]"]
    ],
    repeats: typing.SupportsInt | typing.SupportsIndex,
) -> numpy.typing.NDArray[numpy.float64]:
    """
    Durations (len(matrices) * repeats,) µs of dense LDLT factorisations (Eigen, lower triangle read) of each symmetric matrix, `repeats` times each in order, timed in C++.
    """

def yaw_matrix(
    yaw: typing.SupportsFloat | typing.SupportsIndex,
) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 3]"]:
    """
    (3, 3) rotation about world z
    """

MPC_PARAMETER_LAYOUT: dict = {
    "contact": 0,
    "foot": 2,
    "base_pos": 8,
    "yaw": 11,
    "vel": 12,
    "normal": 15,
    "posture": 21,
}
