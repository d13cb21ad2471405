// The safety layer of a controller tick: inputs checked before the controller reads them,
// outputs limited before they reach the drives, falls detected and answered by a safe stop.
//
// Per tick (see docs/safety.md):
//   check_input(state, command) -> false: do not run the controller, send fallback(state).
//     Non-finite or out-of-range joints or base, and a state whose time stamp has not advanced
//     for longer than max_sensor_age_s, are bad input. A non-finite or stale command is replaced
//     by a zero velocity (command()). IMU samples are checked and counted only (the controller
//     reads the base state, estimated in front of it).
//   limit(tau, qp_failed, state, base_height_over_soles_m) -> the torques to send: fall check,
//     soft position and velocity limits (damping ramps), torque limits, torque-rate limit.
// Bad ticks (bad input, non-finite torques, the QP's fallback) hold the last torques sent for
// hold_s (the QP's own fallback is kept as it is), then give joint damping until a good tick.
// A fall latches the safe stop (joint damping, clipped) until reset(). Every event is counted
// with the time of its first tick. Settings immutable; everything preallocated; no allocation
// after construction.
#pragma once

#include <Eigen/Core>
#include <array>
#include <cstdint>

#include "cerebellum/controller.hpp"

namespace cerebellum {

/// Immutable settings; the defaults change nothing in normal walking (docs/safety.md).
struct SafetySettings {
  bool enabled = true;  // false: inputs passed through and torques returned unchanged
  // -- inputs
  double max_sensor_age_s = 0.02;   // a state stamp that has not advanced for longer: stale
  double max_command_age_s = 0.5;   // a stamped command older than this (state time): stale
  double position_tolerance_rad = 0.2;  // a joint beyond its range by more: out of range
                                        // (the walks run ankles up to 0.05 rad past theirs)
  double max_joint_speed_radps = 100.0;  // |joint velocity| above: out of range (sensor fault)
  double max_gyro_radps = 35.0;     // IMU range (2000 deg/s), counted only
  double max_acc_mps2 = 160.0;      // IMU range (16 g), counted only
  // -- outputs
  /// |d tau / dt| <= this x the joint's torque limit, 1/s. The walks need up to 1458 (Apollo
  /// walk-flat; H1 1290 on stairs-up): ankles swing most of their range in one 1 ms tick.
  double torque_rate_per_s = 2000.0;
  /// Soft position limits: within position_margin_rad of a limit and moving towards it, a
  /// damping torque -s Kd v, s ramping 0 -> 1 over the margin, Kd = position_damping_s x the
  /// torque limit. Off by default (0): H1's, Apollo's, Talos' ankles walk on their limits.
  double position_margin_rad = 0.05;
  double position_damping_s = 0.0;
  /// Soft velocity limits: the model's, or this where it gives none (MJCF: none), rad/s; above
  /// (1 - velocity_margin) of it a damping ramp to Kd = velocity_damping_s x the torque limit at
  /// the limit. The walks reach 33 rad/s (a Talos ankle, walk-flat; H1 13.7 on stairs-up).
  double velocity_limit_radps = 50.0;
  double velocity_margin = 0.2;
  double velocity_damping_s = 0.1;
  // -- falls and fallbacks
  double fall_tilt_rad = 0.7;  // base z from world z beyond this: fall (walking: <= 0.22)
  /// Base height over the lower sole below this fraction of the standing one: fall (0: off).
  double fall_height_fraction = 0.6;
  double hold_s = 0.02;  // bad ticks hold the last torques this long, then damping
  /// Damping of the fallback and of the safe stop: tau = -Kd v, Kd = damping_s x the torque
  /// limit (the limit at 1 / damping_s rad/s), clipped to damping_torque_fraction of the limit.
  double damping_s = 0.1;
  double damping_torque_fraction = 0.5;

  /// Throws std::invalid_argument naming the first invalid field.
  void validate() const;
};

/// What the layer did on a tick; the safe stop latches.
enum class SafetyMode : std::uint8_t {
  kNormal = 0,  // the controller's torques, limited
  kHold,        // a bad tick: the last torques sent
  kDamping,     // bad ticks past hold_s: joint damping
  kSafeStop,    // after a fall: joint damping until reset()
};
const char* to_string(SafetyMode m);

/// Counted events (one count per tick on which it happened).
enum class SafetyEvent : std::uint8_t {
  kNonFiniteState = 0,  // NaN/inf in the joints or the base
  kOutOfRangeState,     // joints beyond range + tolerance, too fast, base quaternion not unit
  kStaleState,          // the state stamp has not advanced for max_sensor_age_s
  kNonFiniteImu,
  kOutOfRangeImu,
  kNonFiniteCommand,    // replaced by a zero velocity
  kStaleCommand,        // replaced by a zero velocity
  kQpFallback,          // the QP returned its fallback
  kNonFiniteTorque,     // the controller's torques were not finite
  kTorqueClipped,       // a torque was beyond its limit
  kTorqueRateLimited,
  kPositionLimit,       // the soft position limit acted
  kVelocityLimit,       // the soft velocity limit acted
  kHold,
  kDamping,
  kFallTilt,
  kFallHeight,
  kSafeStop,            // ticks in the safe stop
  kCount
};
const char* to_string(SafetyEvent e);

/// Counters since reset().
struct SafetyStats {
  static constexpr int kEvents = static_cast<int>(SafetyEvent::kCount);
  std::uint64_t ticks = 0;
  std::array<std::uint64_t, kEvents> count{};
  std::array<double, kEvents> first_t_s{};  // NaN: never
  SafetyMode mode = SafetyMode::kNormal;
  double safe_stop_t_s = 0.0;  // NaN: no safe stop
  SafetyEvent safe_stop_reason = SafetyEvent::kCount;  // kFallTilt | kFallHeight

  std::uint64_t operator[](SafetyEvent e) const { return count[static_cast<int>(e)]; }
};

/// The model's limits the layer enforces, joint order (nj each).
struct SafetyLimits {
  Eigen::VectorXd lower, upper;  // rad
  Eigen::VectorXd velocity;      // rad/s (inf: velocity_limit_radps)
  Eigen::VectorXd torque;        // N·m (> 0; inf allowed: no clipping, no rate limit)
  double standing_height_m = 1.0;  // base height over the lower sole when standing
};

class SafetyLayer {
 public:
  /// dt_s: the tick period. Throws std::invalid_argument on invalid settings or limits.
  SafetyLayer(const SafetySettings& settings, const SafetyLimits& limits, double dt_s);

  /// Back to normal, counters cleared, last torques zero.
  void reset();
  /// Checks one tick's input. false: the controller must not run on it; send fallback(). The
  /// state's joint arrays must have nj entries (std::invalid_argument otherwise).
  bool check_input(const RobotState& state, const Command& command);
  /// The command to use this tick: the input one, or a zero velocity if it was non-finite or
  /// stale. Valid after check_input().
  const Command& command() const { return command_; }
  /// The torques of a tick check_input() refused: hold, damping or the safe stop.
  const Eigen::VectorXd& fallback(const RobotState& state);
  /// The torques to send for the controller's tau (nj) N m; qp_failed: tau is the QP's fallback.
  /// base_height_over_soles_m: base z minus the lower sole's z (NaN: not checked).
  const Eigen::VectorXd& limit(const Eigen::Ref<const Eigen::VectorXd>& tau, bool qp_failed,
                               const RobotState& state, double base_height_over_soles_m);

  const SafetySettings& settings() const { return settings_; }
  const SafetyLimits& limits() const { return limits_; }
  const SafetyStats& stats() const { return stats_; }
  SafetyMode mode() const { return stats_.mode; }
  bool safe_stop() const { return stats_.mode == SafetyMode::kSafeStop; }
  const Eigen::VectorXd& tau() const { return out_; }  // the last torques returned
  int hold_ticks() const { return hold_ticks_; }

 private:
  void event(SafetyEvent e, double t);
  void remember_velocities(const RobotState& state);
  const Eigen::VectorXd& bad_tick(double t);  // hold, then damping
  const Eigen::VectorXd& damping();           // into out_, rate-limited
  void clip_and_rate_limit(double t);         // target_ -> out_

  SafetySettings settings_;
  SafetyLimits limits_;
  double dt_s_;
  int nj_;
  int hold_ticks_;
  Eigen::VectorXd vel_limit_, kd_pos_, kd_vel_, kd_damp_, damp_max_, max_step_;
  Eigen::VectorXd v_good_;  // last finite joint velocities
  Eigen::VectorXd target_, out_;
  Command command_;
  bool has_stamp_ = false;
  double last_stamp_ = 0.0;
  long stale_ticks_ = 0, max_stale_ticks_ = 0;
  int bad_ticks_ = 0;
  SafetyStats stats_;
};

}  // namespace cerebellum
