#include "cerebellum/safety_layer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace cerebellum {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void require(bool ok, const char* field, const std::string& problem) {
  if (!ok) throw std::invalid_argument(std::string("SafetySettings.") + field + ": " + problem);
}

bool positive(double x) { return std::isfinite(x) && x > 0.0; }
bool non_negative(double x) { return std::isfinite(x) && x >= 0.0; }
bool positive_or_inf(double x) { return !std::isnan(x) && x > 0.0; }

template <typename V>
bool all_finite(const V& x) {
  return x.allFinite();
}

}  // namespace

const char* to_string(SafetyMode m) {
  switch (m) {
    case SafetyMode::kNormal: return "normal";
    case SafetyMode::kHold: return "hold";
    case SafetyMode::kDamping: return "damping";
    case SafetyMode::kSafeStop: return "safe_stop";
  }
  return "?";
}

const char* to_string(SafetyEvent e) {
  switch (e) {
    case SafetyEvent::kNonFiniteState: return "non_finite_state";
    case SafetyEvent::kOutOfRangeState: return "out_of_range_state";
    case SafetyEvent::kStaleState: return "stale_state";
    case SafetyEvent::kNonFiniteImu: return "non_finite_imu";
    case SafetyEvent::kOutOfRangeImu: return "out_of_range_imu";
    case SafetyEvent::kNonFiniteCommand: return "non_finite_command";
    case SafetyEvent::kStaleCommand: return "stale_command";
    case SafetyEvent::kQpFallback: return "qp_fallback";
    case SafetyEvent::kNonFiniteTorque: return "non_finite_torque";
    case SafetyEvent::kTorqueClipped: return "torque_clipped";
    case SafetyEvent::kTorqueRateLimited: return "torque_rate_limited";
    case SafetyEvent::kPositionLimit: return "position_limit";
    case SafetyEvent::kVelocityLimit: return "velocity_limit";
    case SafetyEvent::kHold: return "hold";
    case SafetyEvent::kDamping: return "damping";
    case SafetyEvent::kFallTilt: return "fall_tilt";
    case SafetyEvent::kFallHeight: return "fall_height";
    case SafetyEvent::kSafeStop: return "safe_stop";
    case SafetyEvent::kCount: break;
  }
  return "?";
}

void SafetySettings::validate() const {
  require(positive(max_sensor_age_s), "max_sensor_age_s", "expected > 0");
  require(positive_or_inf(max_command_age_s), "max_command_age_s", "expected > 0 or inf");
  require(!std::isnan(position_tolerance_rad) && position_tolerance_rad >= 0.0,
          "position_tolerance_rad", "expected >= 0 or inf");
  require(positive_or_inf(max_joint_speed_radps), "max_joint_speed_radps", "expected > 0 or inf");
  require(positive_or_inf(max_gyro_radps), "max_gyro_radps", "expected > 0 or inf");
  require(positive_or_inf(max_acc_mps2), "max_acc_mps2", "expected > 0 or inf");
  require(positive_or_inf(torque_rate_per_s), "torque_rate_per_s", "expected > 0 or inf");
  require(positive(position_margin_rad), "position_margin_rad", "expected > 0");
  require(non_negative(position_damping_s), "position_damping_s", "expected >= 0");
  require(positive_or_inf(velocity_limit_radps), "velocity_limit_radps", "expected > 0 or inf");
  require(std::isfinite(velocity_margin) && velocity_margin > 0.0 && velocity_margin <= 1.0,
          "velocity_margin", "expected in (0, 1]");
  require(non_negative(velocity_damping_s), "velocity_damping_s", "expected >= 0");
  require(positive_or_inf(fall_tilt_rad), "fall_tilt_rad", "expected > 0 (inf: off)");
  require(std::isfinite(fall_height_fraction) && fall_height_fraction >= 0.0 &&
              fall_height_fraction < 1.0,
          "fall_height_fraction", "expected in [0, 1) (0: off)");
  require(non_negative(hold_s), "hold_s", "expected >= 0");
  require(non_negative(damping_s), "damping_s", "expected >= 0");
  require(std::isfinite(damping_torque_fraction) && damping_torque_fraction >= 0.0 &&
              damping_torque_fraction <= 1.0,
          "damping_torque_fraction", "expected in [0, 1]");
}

SafetyLayer::SafetyLayer(const SafetySettings& s, const SafetyLimits& limits, double dt_s)
    : settings_((s.validate(), s)), limits_(limits), dt_s_(dt_s) {
  nj_ = static_cast<int>(limits.torque.size());
  if (!positive(dt_s)) throw std::invalid_argument("SafetyLayer: dt_s: expected > 0");
  if (limits.lower.size() != nj_ || limits.upper.size() != nj_ || limits.velocity.size() != nj_)
    throw std::invalid_argument("SafetyLayer: limits: lower, upper, velocity, torque of one size");
  if (limits.lower.hasNaN() || limits.upper.hasNaN() || (limits.lower.array() > limits.upper.array()).any())
    throw std::invalid_argument("SafetyLayer: limits: expected lower <= upper");
  if (limits.velocity.hasNaN() || (limits.velocity.array() <= 0.0).any())
    throw std::invalid_argument("SafetyLayer: limits.velocity: expected > 0 or inf");
  if (limits.torque.hasNaN() || (limits.torque.array() <= 0.0).any())
    throw std::invalid_argument("SafetyLayer: limits.torque: expected > 0 or inf");
  if (!positive(limits.standing_height_m))
    throw std::invalid_argument("SafetyLayer: limits.standing_height_m: expected > 0");
  hold_ticks_ = static_cast<int>(std::lround(s.hold_s / dt_s));
  max_stale_ticks_ = static_cast<long>(std::min(std::floor(s.max_sensor_age_s / dt_s + 1e-9), 1e15));
  vel_limit_ = limits.velocity.cwiseMin(s.velocity_limit_radps);
  // gains from the torque limits (an infinite limit: a joint without one gets none)
  const Eigen::VectorXd lim = limits.torque.array().isInf().select(0.0, limits.torque);
  kd_pos_ = s.position_damping_s * lim;
  kd_vel_ = s.velocity_damping_s * lim;
  kd_damp_ = s.damping_s * lim;
  damp_max_ = limits.torque.array().isInf().select(
      s.damping_torque_fraction > 0.0 ? limits.torque : Eigen::VectorXd::Zero(nj_),
      s.damping_torque_fraction * limits.torque);
  max_step_ = limits.torque * (s.torque_rate_per_s * dt_s);  // inf: no rate limit
  v_good_.setZero(nj_);
  target_.setZero(nj_);
  out_.setZero(nj_);
  reset();
}

void SafetyLayer::reset() {
  stats_ = SafetyStats();
  stats_.first_t_s.fill(kNaN);
  stats_.safe_stop_t_s = kNaN;
  out_.setZero();
  v_good_.setZero();
  has_stamp_ = false;
  stale_ticks_ = 0;
  bad_ticks_ = 0;
  command_ = Command();
}

void SafetyLayer::event(SafetyEvent e, double t) {
  const int i = static_cast<int>(e);
  if (stats_.count[static_cast<size_t>(i)]++ == 0) stats_.first_t_s[static_cast<size_t>(i)] = t;
}

void SafetyLayer::remember_velocities(const RobotState& state) {
  for (int j = 0; j < nj_; ++j)
    if (std::isfinite(state.joint_vel[j])) v_good_[j] = state.joint_vel[j];
}

bool SafetyLayer::check_input(const RobotState& state, const Command& command) {
  if (state.joint_pos.size() != nj_ || state.joint_vel.size() != nj_)
    throw std::invalid_argument("SafetyLayer: state joint arrays of the wrong size (expected " +
                                std::to_string(nj_) + ")");
  ++stats_.ticks;
  const double t = state.t_s;
  command_ = command;
  if (!settings_.enabled) return true;
  remember_velocities(state);
  // the command: a zero velocity when non-finite or stale
  const VelocityCommand& c = command.velocity;
  if (!(std::isfinite(c.vx) && std::isfinite(c.vy) && std::isfinite(c.yaw_rate))) {
    event(SafetyEvent::kNonFiniteCommand, t);
    command_.velocity = VelocityCommand{0.0, 0.0, 0.0};
  } else if (std::isfinite(command.stamp_s) && std::isfinite(t) &&
             t - command.stamp_s > settings_.max_command_age_s) {
    event(SafetyEvent::kStaleCommand, t);
    command_.velocity = VelocityCommand{0.0, 0.0, 0.0};
  }
  // IMU: counted only
  if (!(all_finite(state.imu_gyro) && all_finite(state.imu_acc) && all_finite(state.imu_quat_xyzw)))
    event(SafetyEvent::kNonFiniteImu, t);
  else if (state.imu_gyro.cwiseAbs().maxCoeff() > settings_.max_gyro_radps ||
           state.imu_acc.cwiseAbs().maxCoeff() > settings_.max_acc_mps2)
    event(SafetyEvent::kOutOfRangeImu, t);
  // the watchdog: the stamp must advance
  bool ok = true, finite = std::isfinite(t);
  if (finite) {
    if (has_stamp_ && !(t > last_stamp_)) {
      ++stale_ticks_;
    } else {
      stale_ticks_ = 0;
      last_stamp_ = t;
      has_stamp_ = true;
    }
    if (stale_ticks_ > max_stale_ticks_) {
      ok = false;
      event(SafetyEvent::kStaleState, t);
    }
  }
  // joints and base
  const BaseState& b = state.base;
  finite = finite && all_finite(state.joint_pos) && all_finite(state.joint_vel) &&
           (!state.has_base || (all_finite(b.position) && all_finite(b.quat_xyzw) &&
                                all_finite(b.linear_velocity) && all_finite(b.angular_velocity)));
  if (!finite) {
    ok = false;
    event(SafetyEvent::kNonFiniteState, t);
  } else {
    const double tol = settings_.position_tolerance_rad;
    const double qn = b.quat_xyzw.norm();
    const bool in_range =
        (state.joint_pos.array() >= limits_.lower.array() - tol).all() &&
        (state.joint_pos.array() <= limits_.upper.array() + tol).all() &&
        state.joint_vel.cwiseAbs().maxCoeff() <= settings_.max_joint_speed_radps &&
        (!state.has_base || std::abs(qn - 1.0) < 0.1);  // a unit quaternion, not garbage
    if (!in_range) {
      ok = false;
      event(SafetyEvent::kOutOfRangeState, t);
    }
  }
  if (stats_.mode == SafetyMode::kSafeStop) return false;
  return ok;
}

const Eigen::VectorXd& SafetyLayer::fallback(const RobotState& state) {
  (void)state;  // its finite joint velocities were taken by check_input
  if (!settings_.enabled) return out_;
  if (stats_.mode == SafetyMode::kSafeStop) {
    event(SafetyEvent::kSafeStop, state.t_s);
    return damping();
  }
  return bad_tick(state.t_s);
}

const Eigen::VectorXd& SafetyLayer::bad_tick(double t) {
  ++bad_ticks_;
  if (bad_ticks_ <= hold_ticks_) {
    stats_.mode = SafetyMode::kHold;
    event(SafetyEvent::kHold, t);
    return out_;  // the last torques sent
  }
  stats_.mode = SafetyMode::kDamping;
  event(SafetyEvent::kDamping, t);
  return damping();
}

const Eigen::VectorXd& SafetyLayer::damping() {
  target_ = (-kd_damp_.cwiseProduct(v_good_)).cwiseMax(-damp_max_).cwiseMin(damp_max_);
  for (int j = 0; j < nj_; ++j)  // rate-limited (an infinite limit: no damping from it)
    out_[j] = std::isfinite(max_step_[j])
                  ? out_[j] + std::clamp(target_[j] - out_[j], -max_step_[j], max_step_[j])
                  : target_[j];
  return out_;
}

void SafetyLayer::clip_and_rate_limit(double t) {
  bool clipped = false, limited = false;
  for (int j = 0; j < nj_; ++j) {
    const double lim = limits_.torque[j];
    double x = target_[j];
    if (std::abs(x) > lim * (1.0 + 1e-6)) {  // within: the QP's tolerance, passed as it is
      x = std::clamp(x, -lim, lim);
      clipped = true;
    }
    const double step = max_step_[j];
    const double d = x - out_[j];
    if (d > step || d < -step) {
      x = out_[j] + std::clamp(d, -step, step);
      limited = true;
    }
    out_[j] = x;
  }
  if (clipped) event(SafetyEvent::kTorqueClipped, t);
  if (limited) event(SafetyEvent::kTorqueRateLimited, t);
}

const Eigen::VectorXd& SafetyLayer::limit(const Eigen::Ref<const Eigen::VectorXd>& tau,
                                          bool qp_failed, const RobotState& state,
                                          double base_height_over_soles_m) {
  if (tau.size() != nj_)
    throw std::invalid_argument("SafetyLayer::limit: tau of the wrong size (expected " +
                                std::to_string(nj_) + ")");
  const double t = state.t_s;
  if (!settings_.enabled) {
    out_ = tau;
    return out_;
  }
  // falls: the safe stop latches
  if (stats_.mode != SafetyMode::kSafeStop && state.has_base) {
    const Eigen::Vector4d& q = state.base.quat_xyzw;
    const double n2 = q.squaredNorm();
    const double cos_tilt = 1.0 - 2.0 * (q[0] * q[0] + q[1] * q[1]) / n2;  // world z . base z
    SafetyEvent fall = SafetyEvent::kCount;
    if (cos_tilt < std::cos(std::min(settings_.fall_tilt_rad, M_PI)))
      fall = SafetyEvent::kFallTilt;
    else if (base_height_over_soles_m <
             settings_.fall_height_fraction * limits_.standing_height_m)  // false for NaN
      fall = SafetyEvent::kFallHeight;
    if (fall != SafetyEvent::kCount) {
      event(fall, t);
      stats_.mode = SafetyMode::kSafeStop;
      stats_.safe_stop_t_s = t;
      stats_.safe_stop_reason = fall;
    }
  }
  if (stats_.mode == SafetyMode::kSafeStop) {
    event(SafetyEvent::kSafeStop, t);
    return damping();
  }
  if (!tau.allFinite()) {
    event(SafetyEvent::kNonFiniteTorque, t);
    return bad_tick(t);
  }
  if (qp_failed) {
    event(SafetyEvent::kQpFallback, t);
    if (++bad_ticks_ > hold_ticks_) {  // the QP's own fallback for hold_s, then damping
      stats_.mode = SafetyMode::kDamping;
      event(SafetyEvent::kDamping, t);
      return damping();
    }
  } else {
    bad_ticks_ = 0;
  }
  stats_.mode = SafetyMode::kNormal;
  target_ = tau;
  // soft position and velocity limits: damping ramps
  bool pos = false, vel = false;
  const double m = settings_.position_margin_rad;
  for (int j = 0; j < nj_; ++j) {
    const double q = state.joint_pos[j], v = state.joint_vel[j];
    if (kd_pos_[j] > 0.0) {
      double s = 0.0;
      if (v > 0.0) s = (q - (limits_.upper[j] - m)) / m;
      else if (v < 0.0) s = ((limits_.lower[j] + m) - q) / m;
      if (s > 0.0) {
        target_[j] -= std::min(s, 1.0) * kd_pos_[j] * v;
        pos = true;
      }
    }
    const double vl = vel_limit_[j];
    if (kd_vel_[j] > 0.0 && std::isfinite(vl)) {
      const double band = settings_.velocity_margin * vl;
      const double s = (std::abs(v) - (vl - band)) / band;
      if (s > 0.0) {
        target_[j] -= std::min(s, 1.0) * kd_vel_[j] * v;
        vel = true;
      }
    }
  }
  if (pos) event(SafetyEvent::kPositionLimit, t);
  if (vel) event(SafetyEvent::kVelocityLimit, t);
  clip_and_rate_limit(t);
  return out_;
}

}  // namespace cerebellum
