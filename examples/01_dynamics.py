"""Whole-body quantities of a humanoid in one C++ call, checked against Pinocchio."""

import numpy as np
import pinocchio as pin

from cerebellum import _core
from cerebellum.dynamics import robot_model, standing_configuration

rm = robot_model("h1")  # Pinocchio model of the MJCF that MuJoCo also simulates
q = standing_configuration(rm)  # (nq,) soles flat on the ground
v = np.zeros(rm.nv)

robot = _core.Robot(str(rm.path), rm.foot_frames)
robot.compute(q, v)  # mass matrix, bias forces, CoM, centroidal map, sole poses and Jacobians
M = pin.crba(rm.model, rm.data, q)
print("nq, nv:", rm.nq, rm.nv, " mass:", round(rm.mass, 2), "kg")
print("CoM (m):", np.round(robot.com, 4))
print("max |M_core - M_pinocchio|:", np.abs(robot.M - np.triu(M) - np.triu(M, 1).T).max())
R, p = robot.frame_pose(0)
print("left sole at", np.round(p, 4), "; Jacobian shape", robot.J(0).shape)
