// Command shaping of walking (see command_shaping.hpp).
#include "cerebellum/command_shaping.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace cerebellum {
namespace {

double clip(double x, double lo, double hi) { return std::min(std::max(x, lo), hi); }

void require(bool cond, const char* field, const char* problem, double v) {
  if (!cond)
    throw std::invalid_argument(std::string("command shaping setting '") + field + "': expected " +
                                problem + ", got " + std::to_string(v));
}

}  // namespace

void CommandShapingSettings::validate() const {
  const struct {
    const char* name;
    double v;
  } positive[] = {{"max_accel_mps2", max_accel_mps2},
                  {"max_yaw_accel_rad_s2", max_yaw_accel_rad_s2},
                  {"max_forward_drift_m", max_forward_drift_m},
                  {"max_forward_correction_mps", max_forward_correction_mps},
                  {"max_lateral_drift_m", max_lateral_drift_m},
                  {"max_lateral_correction_mps", max_lateral_correction_mps}};
  for (const auto& f : positive) require(std::isfinite(f.v) && f.v > 0.0, f.name, "> 0", f.v);
  require(std::isfinite(forward_drift_gain) && forward_drift_gain >= 0.0, "forward_drift_gain",
          ">= 0", forward_drift_gain);
  require(std::isfinite(lateral_drift_gain) && lateral_drift_gain >= 0.0, "lateral_drift_gain",
          ">= 0", lateral_drift_gain);
}

CommandRamp::CommandRamp(const CommandShapingSettings& s)
    : max_accel_mps2_(s.max_accel_mps2), max_yaw_accel_rad_s2_(s.max_yaw_accel_rad_s2) {
  s.validate();
}

void CommandRamp::reset() {
  t_prev_ = -std::numeric_limits<double>::infinity();
  cmd_ = VelocityCommand{};
}

VelocityCommand CommandRamp::step(double t, const VelocityCommand& target) {
  const double dt = std::isfinite(t_prev_) ? std::max(t - t_prev_, 0.0) : 0.0;
  t_prev_ = t;
  const double a = max_accel_mps2_ * dt, ay = max_yaw_accel_rad_s2_ * dt;
  cmd_.vx = cmd_.vx + clip(target.vx - cmd_.vx, -a, a);
  cmd_.vy = cmd_.vy + clip(target.vy - cmd_.vy, -a, a);
  cmd_.yaw_rate = cmd_.yaw_rate + clip(target.yaw_rate - cmd_.yaw_rate, -ay, ay);
  return cmd_;
}

VelocityAverage::VelocityAverage(double window_s) : window_s_(window_s) {
  if (!(std::isfinite(window_s) && window_s > 0.0))
    throw std::invalid_argument("VelocityAverage: window_s: expected > 0, got " +
                                std::to_string(window_s));
}

void VelocityAverage::reset() {
  t_prev_ = -std::numeric_limits<double>::infinity();
  avg_.setZero();
}

double VelocityAverage::update(double t, const Eigen::Vector2d& vcom) {
  const double dt = std::isfinite(t_prev_) ? std::max(t - t_prev_, 0.0) : 0.0;
  t_prev_ = t;
  const double a = std::min(dt / window_s_, 1.0);
  avg_ += a * (vcom - avg_);
  return dt;
}

DriftCorrection::DriftCorrection(const CommandShapingSettings& s)
    : lim_(s.max_forward_drift_m, s.max_lateral_drift_m),
      gain_(s.forward_drift_gain, s.lateral_drift_gain),
      max_corr_(s.max_forward_correction_mps, s.max_lateral_correction_mps) {
  s.validate();
}

VelocityCommand DriftCorrection::correct(const VelocityCommand& cmd,
                                         const Eigen::Vector2d& vcom_avg, double yaw, double dt,
                                         bool walking, double deadband) {
  if (cmd.is_zero(deadband) || !walking) {
    drift_.setZero();
    return cmd;
  }
  // the averaged CoM velocity in the heading frame (rotation by -yaw)
  const double c = std::cos(-yaw), s = std::sin(-yaw);
  const double v[2] = {c * vcom_avg[0] - s * vcom_avg[1], s * vcom_avg[0] + c * vcom_avg[1]};
  const double u[2] = {cmd.vx, cmd.vy};
  double corr[2];
  for (int i = 0; i < 2; ++i) {
    drift_[i] = clip(drift_[i] + (v[i] - u[i]) * dt, -lim_[i], lim_[i]);
    corr[i] = clip(-gain_[i] * drift_[i], -max_corr_[i], max_corr_[i]);
  }
  return VelocityCommand{cmd.vx + corr[0], cmd.vy + corr[1], cmd.yaw_rate};
}

}  // namespace cerebellum
