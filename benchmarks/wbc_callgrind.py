"""WholeBodyQP ticks for instruction counting (valgrind --tool=callgrind).

    valgrind --tool=callgrind --toggle-collect='cerebellum::WholeBodyQP::tick*' \
        python benchmarks/wbc_callgrind.py --robot h1 --ticks 300 [--core PATH] [--log LOG]

Without ``--log``: the ticks of ``cerebellum bench --stages wbc.tick`` (balance settings, standing
pose, v = 0.1 N(0, 1) with seed 0, both feet), after 20 ticks of warm-up. With ``--log``: the
first ``--ticks`` recorded states of a ``cerebellum run`` log (``log.npz``) in double support,
with the balance controller's references at the first state. ``--core`` loads another build of
``cerebellum._core`` (an unstripped one: callgrind finds ``tick`` by its symbol; the installed
module is stripped, ``build/<wheel tag>/_core*.so`` is not). Prints the mean solver iterations.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys

import numpy as np
import pinocchio as pin


def _load_core(path: str) -> None:
    spec = importlib.util.spec_from_file_location("cerebellum._core", path)
    core = importlib.util.module_from_spec(spec)
    sys.modules["cerebellum._core"] = core
    spec.loader.exec_module(core)
    import cerebellum  # noqa: PLC0415

    cerebellum._core = core


def _pinocchio_state(qpos: np.ndarray, qvel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """MuJoCo free-joint state (quaternion wxyz, world linear velocity) -> Pinocchio (q, v)."""
    w, x, y, z = qpos[3:7]
    quat = np.array([x, y, z, w])
    R = pin.Quaternion(quat).matrix()
    q = np.concatenate([qpos[:3], quat, qpos[7:]])
    v = np.concatenate([R.T @ qvel[:3], qvel[3:6], qvel[6:]])
    return q, v


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--robot", default="h1")
    p.add_argument("--ticks", type=int, default=300)
    p.add_argument("--core", help="path of a cerebellum._core build to load instead")
    p.add_argument("--log", help="log.npz of `cerebellum run` whose states are replayed")
    a = p.parse_args()
    if a.core:
        _load_core(a.core)
    from cerebellum.controllers.wbc import make_wbc  # noqa: PLC0415
    from cerebellum.dynamics.model import robot_model, standing_configuration  # noqa: PLC0415

    rm = robot_model(a.robot)
    q0 = standing_configuration(rm)
    wbc = make_wbc(rm, q0=q0)
    both = np.array([True, True])
    iterations = []
    if a.log is None:
        v = 0.1 * np.random.default_rng(0).normal(size=rm.nv)
        wbc.time_tick(q0, v, both, 20)
        for _ in range(a.ticks):
            wbc.tick(q0, v, both)
            iterations.append(wbc.iterations)
    else:
        log = np.load(a.log)
        qpos, qvel = log["qpos"], log["qvel"]  # (n, nq), (n, nv) MuJoCo
        q, _ = _pinocchio_state(qpos[0], qvel[0])
        data = rm.model.createData()
        pin.framesForwardKinematics(rm.model, data, q)
        wbc.set_com_reference(pin.centerOfMass(rm.model, data, q))
        R = pin.Quaternion(q[3:7]).matrix()
        wbc.set_base_reference(pin.rpy.rpyToMatrix(0.0, 0.0, np.arctan2(R[1, 0], R[0, 0])))
        for k in range(min(a.ticks, len(qpos))):
            wbc.tick(*_pinocchio_state(qpos[k], qvel[k]), both)
            iterations.append(wbc.iterations)
    print(f"{len(iterations)} ticks, mean iterations {np.mean(iterations):.2f}")


if __name__ == "__main__":
    main()
