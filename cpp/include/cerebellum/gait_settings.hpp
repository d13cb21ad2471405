// Settings of walking shared by the gait layer: timing, step geometry, feedback gains, and the
// velocity command. Mirrors controllers/gait.py's GaitSettings / VelocityCommand field for field.
//
// Conventions: world frame z up; feet are indexed kLeft = 0, kRight = 1; the heading frame is the
// world frame turned by the base yaw. A foot position is its sole frame origin.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace cerebellum {

constexpr int kLeft = 0;
constexpr int kRight = 1;
constexpr double kGravity = 9.81;  // m/s^2

/// Timing, step geometry and feedback gains of walking. A step lasts step_duration_s: one single
/// support (one foot swings) followed by a double support of double_support_ratio *
/// step_duration_s. Optional values (Python None) are NaN here. validate() throws
/// std::invalid_argument("gait setting 'FIELD': PROBLEM") on the first invalid field.
struct GaitSettings {
  double step_duration_s = 0.5;
  double double_support_ratio = 0.2;
  double step_height_m = 0.08;
  double max_step_length_m = 0.4;
  double max_step_width_m = 0.5;
  double min_step_width_m = 0.15;
  double nominal_width_m = 0.25;
  double nominal_foot_x_m = 0.0;  // sole x ahead of the base, standing, m
  double base_height_m = 0.95;
  double com_height_m = 0.9;
  std::array<double, 4> sole_rectangle{-0.1, 0.1, -0.04, 0.04};  // x_min, x_max, y_min, y_max, m
  double fast_double_support_ratio = std::numeric_limits<double>::quiet_NaN();  // NaN: none
  double fast_speed_mps = 1.0;
  double swing_apex_phase = 0.5;
  double swing_clearance_m = 0.03;
  double swing_xy_ramp = 0.0;
  double swing_xy_ramp_travel_m = 0.0;
  double velocity_feedback_gain = 0.05;  // s
  bool capture_point_feedback = true;
  double touchdown_freeze_phase = 0.8;
  double initial_double_support_s = std::numeric_limits<double>::quiet_NaN();  // NaN: default
  double stop_delay_s = 0.2;
  double command_deadband = 1e-3;

  void validate() const;  // defined in gait_settings.cpp

  double double_support_s() const { return double_support_ratio * step_duration_s; }
  /// Swing duration of one foot, s.
  double single_support_s() const { return step_duration_s - double_support_s(); }
  /// Swing duration (s) of a step taken at forward speed vx (m/s, heading frame).
  double single_support_at(double vx) const {
    if (std::isnan(fast_double_support_ratio)) return single_support_s();
    double r = double_support_ratio;
    const double u = std::min(std::abs(vx) / fast_speed_mps, 1.0);
    r += u * (fast_double_support_ratio - r);
    return step_duration_s - r * step_duration_s;
  }
  /// Stance of one foot between its touchdown and its next liftoff in steady walking, s.
  double stance_duration_s() const { return step_duration_s + double_support_s(); }
  double start_double_support_s() const {
    return std::isnan(initial_double_support_s) ? std::max(double_support_s(), 0.1)
                                                : initial_double_support_s;
  }
  /// Total gain on the velocity error, s: k (+ sqrt(h/g) with capture-point feedback).
  double feedback_gain_s() const {
    return capture_point_feedback ? velocity_feedback_gain + std::sqrt(com_height_m / kGravity)
                                  : velocity_feedback_gain;
  }
};

/// Desired base velocity in the heading frame: vx forward, vy left (m/s), yaw_rate (rad/s).
struct VelocityCommand {
  double vx = 0.0;
  double vy = 0.0;
  double yaw_rate = 0.0;

  bool is_zero(double tol = 1e-3) const {
    return std::abs(vx) <= tol && std::abs(vy) <= tol && std::abs(yaw_rate) <= tol;
  }
  /// Commanded base velocity in world axes (x, y) at base yaw `yaw` (rad).
  std::array<double, 2> world_velocity(double yaw) const {
    const double c = std::cos(yaw), s = std::sin(yaw);
    return {c * vx - s * vy, s * vx + c * vy};
  }
};

}  // namespace cerebellum
