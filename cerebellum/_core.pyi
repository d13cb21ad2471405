"""
Compiled core of cerebellum (private: use the cerebellum Python API).
"""

from __future__ import annotations

import collections.abc
import typing

import numpy
import numpy.typing

__all__: list[str] = [
    "ComPlan",
    "ComSample",
    "ContactDescription",
    "DescentFilter",
    "KinodynamicMPC",
    "KinodynamicMPCSettings",
    "MPCStatus",
    "Robot",
    "SwingSample",
    "SwingTrajectory",
    "TerrainQuery",
    "WbcStatus",
    "WholeBodyQP",
    "WholeBodyQPSettings",
    "quintic",
    "ramped",
    "tilt_matrix",
    "yaw_matrix",
    "omega_for",
    "support_ground",
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
    def outer_iterations(self) -> int: ...
    @property
    def last_tick_us(self) -> float: ...
    @property
    def num_contacts(self) -> int: ...
    @property
    def num_variables(self) -> int: ...
    @property
    def nv(self) -> int: ...
    @property
    def status(self) -> WbcStatus: ...
    @property
    def tau(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]: ...
    @property
    def vdot(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, 1]"]: ...
    @property
    def wrenches(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[m, n]"]:
        """
        (nc, 6) contact wrenches [f; tau] at the soles, LOCAL_WORLD_ALIGNED, N and N·m.
        """

class TerrainQuery:
    """
    Terrain query interface: subclass and implement height(x, y), normal(x, y).
    """
    def __init__(self) -> None: ...
    def height(self, x: float, y: float) -> float:
        """
        terrain top z (m)
        """
    def normal(
        self, x: float, y: float
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
    Swing-foot trajectory (C++ port of controllers.swing.SwingTrajectory).
    """
    def __init__(
        self,
        start: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[3, 1]"],
        end: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[3, 1]"],
        t_liftoff: float,
        t_touchdown: float,
        height_m: float,
        apex_phase: float = 0.5,
        start_yaw: float = 0.0,
        end_yaw: float = 0.0,
        start_rotation: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[3, 3]"]
        | None = None,
        end_normal: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[3, 1]"] | None = None,
        terrain: typing.Any = None,
        clearance_m: float = 0.03,
        sole_rectangle: tuple[float, float, float, float] | None = None,
        samples: int = 32,
        max_apex_m: float = 0.5,
        xy_ramp: float | None = None,
        xy_ramp_travel_m: float = 0.0,
    ) -> None: ...
    def phase(self, t: float) -> float:
        """
        swing phase in [0, 1] at time t
        """
    def position(self, t: float) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 1]"]:
        """
        (3,) sole position at time t
        """
    def positions(self, t: numpy.typing.ArrayLike) -> numpy.typing.NDArray[numpy.float64]:
        """
        (k, 3) sole positions at times t (any shape, flattened)
        """
    def sample(self, t: float) -> SwingSample:
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

def quintic(u: float) -> tuple[float, float, float]:
    """
    quintic time scaling at u (clipped to [0, 1]): (value, d/du, d2/du2)
    """

def ramped(u: float, r: float) -> tuple[float, float, float]:
    """
    trapezoidal time scaling at u, ramps of r in (0, 0.5]: (value, d/du, d2/du2)
    """

def tilt_matrix(
    normal: typing.Annotated[numpy.typing.ArrayLike, numpy.float64, "[3, 1]"],
) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 3]"]:
    """
    (3, 3) smallest rotation taking world z onto normal
    """

def yaw_matrix(yaw: float) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[3, 3]"]:
    """
    (3, 3) rotation about world z
    """

class ComSample:
    """
    CoM plan at one time, world x, y (see com_plan.hpp).
    """
    @property
    def com(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]:
        """(2,) m"""
    @property
    def vcom(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]:
        """(2,) m/s"""
    @property
    def acom(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]:
        """(2,) m/s^2"""
    @property
    def dcm(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]:
        """(2,) m"""
    @property
    def dcm_dot(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]:
        """(2,) m/s"""
    @property
    def cop(self) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]:
        """(2,) m"""

class ComPlan:
    """
    LIPM/DCM CoM plan over piecewise-linear CoP waypoints, fixed capacity.
    """
    def __init__(self, capacity: typing.SupportsInt = 64) -> None: ...
    def plan(
        self,
        times: numpy.typing.ArrayLike,
        cops: numpy.typing.ArrayLike,
        com0: numpy.typing.ArrayLike,
        vcom0: numpy.typing.ArrayLike,
        omega: typing.SupportsFloat,
    ) -> None:
        """
        times (K,) s strictly increasing, cops (K, 2) m, com0 / vcom0 (2,) at times[0], omega 1/s.
        """
    def sample(self, t: typing.SupportsFloat) -> ComSample: ...
    def com_at(self, t: numpy.typing.ArrayLike) -> numpy.typing.NDArray[numpy.float64]:
        """
        (n, 2) planned CoM at the times t (n,) s.
        """
    def dcm_waypoint(
        self, i: typing.SupportsInt
    ) -> typing.Annotated[numpy.typing.NDArray[numpy.float64], "[2, 1]"]: ...
    def size(self) -> int: ...
    @property
    def dcm_waypoints(self) -> numpy.typing.NDArray[numpy.float64]: ...
    @property
    def capacity(self) -> int: ...
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
        z: typing.SupportsFloat,
        max_speed_mps: typing.SupportsFloat = 0.3,
        max_accel_mps2: typing.SupportsFloat = 3.0,
    ) -> None: ...
    def reset(
        self,
        z: typing.SupportsFloat,
        max_speed_mps: typing.SupportsFloat,
        max_accel_mps2: typing.SupportsFloat,
    ) -> None: ...
    def step(
        self, target: typing.SupportsFloat, dt: typing.SupportsFloat
    ) -> tuple[float, float, float]: ...
    @property
    def z(self) -> float: ...
    @property
    def dz(self) -> float: ...
    @property
    def ddz(self) -> float: ...
    @property
    def max_speed_mps(self) -> float: ...
    @property
    def max_accel_mps2(self) -> float: ...

def support_ground(
    stance_z: collections.abc.Sequence[typing.SupportsFloat],
    swing_z: typing.SupportsFloat | None = None,
    landed_z: typing.SupportsFloat | None = None,
    min_drop_m: typing.SupportsFloat = 0.02,
) -> float: ...
def omega_for(com_height_m: typing.SupportsFloat) -> float: ...
