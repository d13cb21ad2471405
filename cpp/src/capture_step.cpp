// Capture stepping (see capture_step.hpp).
#include "cerebellum/capture_step.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace cerebellum {

CaptureState capture_state(double t, const Eigen::Vector3d& base_position,
                           const Eigen::Vector2d& com, const Eigen::Vector2d& vcom,
                           const FeetPoses& feet, double yaw, const VelocityCommand& cmd,
                           int swing_foot, double t_liftoff, double t_touchdown,
                           const GaitSettings& gait, const SoleGeometry& geometry, double omega) {
  if (swing_foot != kLeft && swing_foot != kRight)
    throw std::invalid_argument("capture_state: swing_foot: expected 0 (left) or 1 (right)");
  const double w = omega;
  // periodic LIPM gait, CoP moving linearly across each double support (tds) and held on the
  // stance sole over each single support (tss): offset of the DCM from the sole that just landed,
  // per metre of step (forward) and of width (sideways)
  const double tss = t_touchdown - t_liftoff;
  const double tds = gait.step_duration_s - tss;
  const double a = std::exp(w * std::max(tds, 1e-6));
  const double b = std::exp(w * tss);
  const double cc = (a - 1.0) / (w * std::max(tds, 1e-6));  // -> 1 without double support
  const double k_fwd = (1.0 - a * b + b * cc) / (a * b - 1.0);
  const double k_side = (1.0 + a * b - b * cc) / (a * b + 1.0);
  const Eigen::Vector2d p = geometry.centre_at(feet[1 - swing_foot]);
  const Eigen::Vector2d xi = com + vcom / w;
  const double to_td = std::max(t_touchdown - t, 0.0);
  const Eigen::Vector2d xi_td = p + std::exp(w * to_td) * (xi - p);
  const Eigen::Vector2d L(cmd.vx * gait.step_duration_s, cmd.vy * gait.step_duration_s);
  const double side = swing_foot == kLeft ? 1.0 : -1.0;
  const Eigen::Vector2d off_h(-k_fwd * L[0] + 0.0,
                              -k_fwd * L[1] + side * k_side * gait.nominal_width_m);
  const Eigen::Vector2d target = xi_td + rotate_yaw(yaw, off_h);
  // what the heuristic adds to the base now: advance to touchdown, hip offset, v T_st / 2, and
  // the sole centre in the sole frame
  const auto vw_a = cmd.world_velocity(yaw);
  const Eigen::Vector2d vw(vw_a[0], vw_a[1]);
  const double hx = gait.nominal_foot_x_m, hy = 0.5 * side * gait.nominal_width_m;
  Eigen::Vector2d add =
      rotate_yaw(yaw, Eigen::Vector2d(hx + geometry.centre[0], hy + geometry.centre[1]));
  add += vw * (to_td + 0.5 * (gait.step_duration_s + tds));
  CaptureState s;
  s.base_position = base_position;
  s.base_position.head<2>() = target - add;
  s.base_velocity = Eigen::Vector3d(vw[0], vw[1], 0.0);
  return s;
}

}  // namespace cerebellum
