"""Hypothesis cases against ``cerebellum._core`` (Robot, WholeBodyQP, KinodynamicMPC), run by
tests/test_fuzz.py in a subprocess: ``python fuzz_core_cases.py robot|wbc|mpc``. A segfault or an
abort ends the process with a signal; any exception other than ValueError/TypeError (or a
CerebellumError from the Python wrappers, FileNotFoundError for a model path that does not exist)
fails the property. Prints ``examples: N`` (distinct inputs tried)."""

from __future__ import annotations

import math
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cerebellum import _core, load_robot
from cerebellum.errors import CerebellumError

CLEAN = (ValueError, TypeError, CerebellumError, FileNotFoundError)
FUZZ = settings(
    max_examples=50,
    deadline=timedelta(seconds=10),
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
SEEN: set[str] = set()

SPECIAL = st.sampled_from(
    [0.0, -0.0, 1.0, -1.0, math.nan, math.inf, -math.inf, 1e300, -1e300, 1e-310, 2.0**31, 2.0**63]
)
NUMBERS = SPECIAL | st.floats(-1e6, 1e6, allow_nan=False)


def record(*parts) -> None:
    SEEN.add(repr(parts))


@st.composite
def vectors(draw, n: int):
    """Mostly (n,) arrays, sometimes of a wrong size or rank, with special values mixed in."""
    size = draw(st.sampled_from([n, n, n, n - 1, n + 1, 0]))
    base = draw(st.sampled_from(["normal", "zeros", "huge"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = {"normal": 1.0, "zeros": 0.0, "huge": 1e8}[base]
    x = rng.normal(0.0, 1.0, max(size, 0)) * scale
    for _ in range(draw(st.integers(0, 2))):
        if x.size:
            x[draw(st.integers(0, x.size - 1))] = draw(SPECIAL)
    if draw(st.integers(0, 9)) == 0:
        x = x.reshape(1, -1)
    return x


# --------------------------------------------------------------------------- Robot

CFG = load_robot("h1")
MODEL = str(CFG.model_path())
FRAMES = [CFG.feet["left"].body, CFG.feet["right"].body, CFG.base_frame]
TMP = Path(tempfile.mkdtemp())
(TMP / "garbage.xml").write_text("<mujoco><worldbody><body>")
(TMP / "garbage.urdf").write_text("<robot name='x'><link name='a'/><joint/></robot>")
(TMP / "empty.xml").write_text("")
(TMP / "binary.xml").write_bytes(b"\x00\xff\xfe" * 50)
PATHS = [MODEL, MODEL, "", "/nonexistent.xml", str(TMP), str(TMP / "garbage.xml"),
         str(TMP / "garbage.urdf"), str(TMP / "empty.xml"), str(TMP / "binary.xml"),
         MODEL + ".stl"]  # fmt: skip


@FUZZ
@given(
    path=st.sampled_from(PATHS),
    frames=st.lists(st.sampled_from([*FRAMES, "", "world", "nope", "pelvis\x00"]), max_size=4),
)
def robot_constructor(path, frames):
    record("robot", path, frames)
    try:
        r = _core.Robot(path, frames)
    except CLEAN:
        return
    assert r.nq > 7 and r.mass > 0


ROBOT = _core.Robot(MODEL, FRAMES)


@FUZZ
@given(q=vectors(ROBOT.nq), v=vectors(ROBOT.nv), unit=st.booleans())
def robot_compute(q, v, unit):
    record("compute", q.tobytes(), v.tobytes(), unit)
    if unit and q.ndim == 1 and q.size == ROBOT.nq and np.isfinite(q[3:7]).all():
        n = np.linalg.norm(q[3:7])
        q[3:7] = q[3:7] / n if n > 0 else [0, 0, 0, 1]
    try:
        ROBOT.compute(q, v)
    except CLEAN:
        return
    for a in (ROBOT.M, ROBOT.nle, ROBOT.com):
        assert np.isfinite(a).all()


# --------------------------------------------------------------------------- WholeBodyQP

WBC_FIELDS = ["kp_com", "kd_com", "kp_base", "kd_base", "kp_posture", "kd_posture", "kp_swing",
              "w_posture", "w_reg_vdot", "w_reg_wrench", "eps_abs", "eps_rel", "max_iter",
              "max_iter_in", "k_dcm", "cmp_margin", "contact_weight", "fallback_decay",
              "fallback_damping", "friction_velocity", "kd_contact", "w_momentum"]  # fmt: skip


def _wbc(**over):
    from cerebellum.controllers.wbc import make_wbc
    from cerebellum.dynamics import robot_model

    return make_wbc(robot_model("h1"), **over)


@FUZZ
@given(
    over=st.dictionaries(
        st.sampled_from(WBC_FIELDS), NUMBERS | st.integers(-5, 5), min_size=1, max_size=3
    )
)
def wbc_constructor(over):
    record("wbc", sorted(over.items()))
    if "w_momentum" in over:
        over["w_momentum"] = np.full(6, over["w_momentum"])
    for k in ("max_iter", "max_iter_in"):
        if k in over:
            v = over[k]
            over[k] = int(v) if isinstance(v, int) or (math.isfinite(v) and abs(v) < 1e6) else -1
    try:
        _wbc(**over)
    except CLEAN:
        return


WBC = _wbc()
_s = _core.WholeBodyQPSettings()
BUDGET = _s.max_iter * (_s.max_iter_in + 1)  # inner iterations a tick may take
Q0 = None


@FUZZ
@given(
    dq=vectors(ROBOT.nq),
    v=vectors(ROBOT.nv),
    mask=st.sampled_from([[True, True], [True, False], [False, False], [True], [1, 0, 1]]),
    posture=st.none() | vectors(ROBOT.nv - 6),
    com=st.none() | vectors(3),
)
def wbc_tick(dq, v, mask, posture, com):
    from cerebellum.dynamics import robot_model
    from cerebellum.dynamics.model import standing_configuration

    global Q0
    if Q0 is None:
        Q0 = standing_configuration(robot_model("h1"))
    record("tick", dq.tobytes(), v.tobytes(), mask, None if posture is None else posture.tobytes())
    q = Q0.copy()
    if dq.shape == q.shape:
        with np.errstate(all="ignore"):
            q[7:] += dq[7:] * 1e-2
            q[:3] += dq[:3] * 1e-2
    else:
        q = dq
    try:
        if posture is not None:
            WBC.set_posture_reference(posture)
        if com is not None:
            WBC.set_com_reference(com)
        tau = WBC.tick(q, v, np.array(mask, dtype=bool))
    except CLEAN:
        WBC.set_posture_reference(Q0[7:])
        WBC.set_com_reference(np.array([0.0, 0.0, 0.9]))
        return
    assert np.isfinite(tau).all()
    assert WBC.iterations <= BUDGET


# --------------------------------------------------------------------------- KinodynamicMPC

MPC_SETTINGS = {
    "qp_tol": NUMBERS, "qp_accept_residual": NUMBERS, "qp_eq_band": NUMBERS,
    "deadline_us": NUMBERS, "sqp_iterations": st.integers(-3, 4), "qp_max_iter": st.integers(-3, 50),
    "qp_mode": st.integers(-2, 5), "qp_warm_start": st.integers(-2, 4),
    "qp_pred_corr": st.integers(-3, 3), "qp_ric_alg": st.integers(-3, 3),
    "qp_split_step": st.integers(-3, 3), "qp_cond_horizon": st.integers(-3, 40),
}  # fmt: skip


def _mpc():
    from cerebellum.controllers.mpc import KinodynamicMPC, MPCSettings
    from cerebellum.dynamics import robot_model

    return KinodynamicMPC(robot_model("h1"), MPCSettings())


MPC = None


def mpc():
    global MPC
    if MPC is None:
        MPC = _mpc()
    return MPC


NX = mpc().ocp.nx if sys.argv[1:] == ["mpc"] else 1


@FUZZ
@given(
    data=st.data(), fields=st.lists(st.sampled_from(sorted(MPC_SETTINGS)), min_size=1, max_size=3)
)
def mpc_constructor(data, fields):
    cs = mpc().core_settings
    saved = {f: getattr(cs, f) for f in fields}
    values = {f: data.draw(MPC_SETTINGS[f], label=f) for f in fields}
    record("mpc", sorted(values.items()))
    try:
        for f, v in values.items():
            setattr(cs, f, v)
        solver = _core.KinodynamicMPC(cs)
    except CLEAN:
        return
    finally:
        for f, v in saved.items():
            setattr(cs, f, v)
    x0 = mpc().ocp.standing_state()
    solver.set_guess(np.tile(x0[:, None], (1, cs.N + 1)), np.zeros((cs.nu, cs.N)))
    solver.solve(x0)
    assert solver.status.name == "ok" or np.isfinite(solver.X).all()


@FUZZ
@given(
    knots=st.lists(NUMBERS, min_size=1, max_size=4),
    x0=vectors(NX),
    P=st.sampled_from(["ok", "nan", "shape"]),
)
def mpc_calls(knots, x0, P):
    m = mpc()
    s = m._solver
    record("mpc_calls", knots, x0.tobytes(), P)
    N = m.settings.knots
    base = m.ocp.standing_state()
    s.set_guess(np.tile(base[:, None], (1, N + 1)), np.zeros((m.ocp.nu, N)))
    Pm = np.zeros((m.ocp.np, N + 1))
    if P == "nan":
        Pm[0, 0] = np.nan
    elif P == "shape":
        Pm = Pm[:, :-1]
    for k in knots:
        try:
            s.shift(k)
        except CLEAN:
            pass
    try:
        s.set_parameters(Pm)
        s.solve(x0)
    except CLEAN:
        return
    assert s.status.name == "ok" or np.isfinite(s.X).all()


GROUPS = {
    "robot": [robot_constructor, robot_compute],
    "wbc": [wbc_constructor, wbc_tick],
    "mpc": [mpc_constructor, mpc_calls],
}

if __name__ == "__main__":
    for case in GROUPS[sys.argv[1]]:
        case()
    print(f"examples: {len(SEEN)}")
