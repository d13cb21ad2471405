// Base references under a constant velocity command (base_reference uses the array formula of
// advance_base).
#pragma once

#include <Eigen/Core>
#include <array>
#include <cmath>

#include "cerebellum/gait_settings.hpp"

namespace cerebellum {

/// Base (x, y, yaw) after holding `command` for tau (s), exact for a constant heading-frame
/// velocity and yaw rate (arc of a circle). The scalar branch of the Python.
inline std::array<double, 3> advance_base(double x, double y, double yaw,
                                          const VelocityCommand& command, double tau) {
  const double w = command.yaw_rate;
  const double half = 0.5 * w * tau;
  const double sc = tau * (std::abs(half) > 1e-9 ? std::sin(half) / half : 1.0 - half * half / 6.0);
  const double c = std::cos(yaw + half), s = std::sin(yaw + half);
  return {x + sc * (c * command.vx - s * command.vy), y + sc * (s * command.vx + c * command.vy),
          yaw + 2.0 * half};
}

/// Base trajectory from (x, y, yaw) under `command` over n knots dt apart (knot 0 = now) into
/// preallocated outputs: position (n, 3) m, yaw (n) rad, velocity (n, 3) m/s, yaw_rate (n) rad/s.
/// z = base_height_m + ground_z[i] (ground_z nullptr: 0, and zero vertical velocity).
inline void base_reference(double x, double y, double yaw, const VelocityCommand& command, int n,
                           double dt, double base_height_m, const double* ground_z,
                           Eigen::Ref<Eigen::MatrixXd> position, Eigen::Ref<Eigen::VectorXd> yaw_out,
                           Eigen::Ref<Eigen::MatrixXd> velocity,
                           Eigen::Ref<Eigen::VectorXd> yaw_rate) {
  const double w = command.yaw_rate;
  for (int i = 0; i < n; ++i) {
    const double tau = dt * static_cast<double>(i);
    const double half = (0.5 * w) * tau;
    const double sc = std::abs(w) < 1e-12 ? tau : std::sin(half) * (2.0 / w);
    const double c = std::cos(yaw + half), s = std::sin(yaw + half);
    position(i, 0) = x + sc * (c * command.vx - s * command.vy);
    position(i, 1) = y + sc * (s * command.vx + c * command.vy);
    position(i, 2) = base_height_m + (ground_z ? ground_z[i] : 0.0);
    const double psi = yaw + 2.0 * half;
    yaw_out(i) = psi;
    const double cp = std::cos(psi), sp = std::sin(psi);
    velocity(i, 0) = cp * command.vx - sp * command.vy;
    velocity(i, 1) = sp * command.vx + cp * command.vy;
    velocity(i, 2) = 0.0;
    yaw_rate(i) = w;
  }
  if (n > 1 && ground_z) {  // central differences, one-sided at the ends
    for (int i = 1; i < n - 1; ++i)
      velocity(i, 2) = (position(i + 1, 2) - position(i - 1, 2)) * (0.5 / dt);
    velocity(0, 2) = (position(1, 2) - position(0, 2)) / dt;
    velocity(n - 1, 2) = (position(n - 1, 2) - position(n - 2, 2)) / dt;
  }
}

}  // namespace cerebellum
