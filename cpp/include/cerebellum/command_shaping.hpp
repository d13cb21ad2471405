// Command shaping of walking: the acceleration-limited velocity command, the step-averaged CoM
// velocity, and the correction of the drift accumulated while walking.
//
// Frames: the command is in the heading frame (world turned by the base yaw); CoM velocities are
// world x, y. Nothing allocates after construction.
#pragma once

#include <Eigen/Core>
#include <limits>

#include "cerebellum/gait_settings.hpp"

namespace cerebellum {

/// The WalkingOptions fields of command shaping. validate() throws
/// std::invalid_argument("command shaping setting 'FIELD': expected ...") on the first bad one.
struct CommandShapingSettings {
  double max_accel_mps2 = 0.5;        // vx, vy reach their target at this rate, m/s^2
  double max_yaw_accel_rad_s2 = 1.0;  // the yaw rate reaches its target at this rate, rad/s^2
  double forward_drift_gain = 0.0;    // 1/s (0: off)
  double max_forward_drift_m = 0.3;
  double max_forward_correction_mps = 0.1;
  double lateral_drift_gain = 0.0;  // 1/s (0: off)
  double max_lateral_drift_m = 0.3;
  double max_lateral_correction_mps = 0.1;

  void validate() const;
};

/// The command moved toward its target at the acceleration limits since the previous call
/// (_ramp). Starts from zero; the first call moves nothing (no previous time).
class CommandRamp {
 public:
  explicit CommandRamp(const CommandShapingSettings& settings = {});
  /// Zero command, no previous call.
  void reset();
  /// The ramped command at time t (s) toward `target` (heading frame).
  VelocityCommand step(double t, const VelocityCommand& target);
  const VelocityCommand& command() const { return cmd_; }
  double t_prev() const { return t_prev_; }  // s, -inf before the first call

 private:
  double max_accel_mps2_, max_yaw_accel_rad_s2_;
  double t_prev_ = -std::numeric_limits<double>::infinity();
  VelocityCommand cmd_;
};

/// CoM velocity averaged over about one step (the sway cancels): each update moves the average
/// by min(dt / window_s, 1) toward the measurement, dt the time since the previous update.
class VelocityAverage {
 public:
  /// window_s > 0 (walking: GaitSettings::step_duration_s), else std::invalid_argument.
  explicit VelocityAverage(double window_s = 0.5);
  /// Zero average, no previous update.
  void reset();
  /// Feeds the CoM velocity vcom (m/s, world x, y) measured at time t (s); returns dt (s), the
  /// time since the previous update (0 at the first one, and for t before it).
  double update(double t, const Eigen::Vector2d& vcom);
  const Eigen::Vector2d& value() const { return avg_; }  // m/s, world x, y
  double t_prev() const { return t_prev_; }

 private:
  double window_s_;
  double t_prev_ = -std::numeric_limits<double>::infinity();
  Eigen::Vector2d avg_ = Eigen::Vector2d::Zero();
};

/// Drift accumulated while walking (_correct_drift): the heading-frame CoM displacement beyond
/// the commanded one, integrated from the averaged CoM velocity and bounded per axis, is fed back
/// into vx, vy with clipped corrections. Standing, or with a zero command, it is forgotten.
class DriftCorrection {
 public:
  explicit DriftCorrection(const CommandShapingSettings& settings = {});
  void reset() { drift_.setZero(); }
  /// `cmd` corrected: vcom_avg (m/s, world x, y), base yaw (rad), dt (s) since the previous
  /// call, walking = the contact schedule walks at t, deadband of the zero command (m/s, rad/s).
  VelocityCommand correct(const VelocityCommand& cmd, const Eigen::Vector2d& vcom_avg, double yaw,
                          double dt, bool walking, double deadband);
  /// Forward, lateral drift (m, heading frame).
  const Eigen::Vector2d& drift() const { return drift_; }
  void set_drift(const Eigen::Vector2d& d) { drift_ = d; }

 private:
  Eigen::Vector2d lim_, gain_, max_corr_;
  Eigen::Vector2d drift_ = Eigen::Vector2d::Zero();
};

}  // namespace cerebellum
