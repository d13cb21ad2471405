// A planned touchdown of one foot: what the footstep planner produces and the gait, CoP and swing
// layers consume (read from controllers/gait.py Foothold in the bindings).
#pragma once

#include <Eigen/Core>

namespace cerebellum {

/// Sole origin `position` (m, world), sole `yaw` (rad), unit terrain `normal` (world), swing
/// timing (s). `feasible` is false when no candidate met the terrain criteria (the least-bad one
/// is kept).
struct Foothold {
  int foot = 0;  // kLeft or kRight
  Eigen::Vector3d position = Eigen::Vector3d::Zero();
  double yaw = 0.0;
  Eigen::Vector3d normal = Eigen::Vector3d::UnitZ();
  double t_liftoff = 0.0;
  double t_touchdown = 0.0;
  bool feasible = true;
};

}  // namespace cerebellum
