"""Helpers shared by the peer scripts (run in the peer venv, next to them on ``sys.path``)."""

from __future__ import annotations

import numpy as np
import pinocchio as pin

__all__ = ["load_model", "percentiles_us"]


def load_model(w: dict) -> pin.Model:
    """The model as ours builds it (MJCF: its free joint; URDF: a free-flyer root)."""
    if w["model_kind"] == "mjcf":
        model = pin.buildModelFromMJCF(w["model_path"])
    else:
        model = pin.buildModelFromUrdf(w["model_path"], pin.JointModelFreeFlyer())
    model.names[1] = "root_joint"  # crocoddyl 3.0 finds the floating base by this name
    # Pinocchio 3.4 puts the MJCF root body's pos (H1: 1.06 m up) into the free joint's
    # placement; ours (4.1) does not: q's base pose is the body's pose in both after this
    model.jointPlacements[1] = pin.SE3.Identity()
    return model


def percentiles_us(durations_ns: np.ndarray) -> dict[str, float]:
    """p50 and p99 of per-call durations given in ns, in µs."""
    return {
        "p50": float(np.percentile(durations_ns, 50)) / 1e3,
        "p99": float(np.percentile(durations_ns, 99)) / 1e3,
    }
