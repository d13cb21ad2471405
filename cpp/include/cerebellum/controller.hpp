// What a controller sees each tick and the interface every C++ controller implements: the
// C++ counterpart of sim/state.py's RobotState and of the simulator's Controller protocol.
// A robot's driver loop, the MuJoCo C API loop (cerebellum_sim) and the Python harness all drive
// a controller through this interface.
#pragma once

#include <Eigen/Core>
#include <array>
#include <limits>

#include "cerebellum/gait_settings.hpp"  // VelocityCommand

namespace cerebellum {

/// Floating-base state (ground truth from a simulator, or an estimator's output).
/// position (3) m world; quat_xyzw (4) world_R_base; linear_velocity (3) m/s and
/// angular_velocity (3) rad/s in the BASE frame (Pinocchio's free-flyer v[:6]).
struct BaseState {
  Eigen::Vector3d position = Eigen::Vector3d::Zero();
  Eigen::Vector4d quat_xyzw = Eigen::Vector4d(0, 0, 0, 1);
  Eigen::Vector3d linear_velocity = Eigen::Vector3d::Zero();
  Eigen::Vector3d angular_velocity = Eigen::Vector3d::Zero();
};

/// Sensor readings at time t_s. Joint arrays (nj) in the model's joint order (the MJCF order,
/// the same in Pinocchio and MuJoCo). Sized once (make_state) and refilled every tick.
struct RobotState {
  double t_s = 0.0;
  Eigen::VectorXd joint_pos;  // (nj) rad, encoders
  Eigen::VectorXd joint_vel;  // (nj) rad/s
  Eigen::Vector4d imu_quat_xyzw = Eigen::Vector4d(0, 0, 0, 1);  // world_R_imu
  Eigen::Vector3d imu_gyro = Eigen::Vector3d::Zero();  // rad/s, IMU frame
  Eigen::Vector3d imu_acc = Eigen::Vector3d::Zero();   // m/s^2 specific force, IMU frame
  /// [left, right] sole force/torque sensors, sole frame: force N, torque N m.
  std::array<Eigen::Vector3d, 2> foot_force{Eigen::Vector3d::Zero(), Eigen::Vector3d::Zero()};
  std::array<Eigen::Vector3d, 2> foot_torque{Eigen::Vector3d::Zero(), Eigen::Vector3d::Zero()};
  bool has_base = false;  // base holds ground truth (or an estimate) when true
  BaseState base;

  /// Pinocchio configuration (nq = 7 + nj) [p, quat xyzw, joints] into q (sized by the caller).
  void q(Eigen::Ref<Eigen::VectorXd> out) const {
    out.head<3>() = base.position;
    out.segment<4>(3) = base.quat_xyzw;
    out.tail(joint_pos.size()) = joint_pos;
  }
  /// Pinocchio velocity (nv = 6 + nj) [v_lin base, omega base, joints] into out.
  void v(Eigen::Ref<Eigen::VectorXd> out) const {
    out.head<3>() = base.linear_velocity;
    out.segment<3>(3) = base.angular_velocity;
    out.tail(joint_vel.size()) = joint_vel;
  }
};

/// A state sized for nj joints.
inline RobotState make_state(int nj) {
  RobotState s;
  s.joint_pos = Eigen::VectorXd::Zero(nj);
  s.joint_vel = Eigen::VectorXd::Zero(nj);
  return s;
}

/// What the controller is asked to do: a base velocity now (hand targets and payloads will sit
/// beside it).
struct Command {
  VelocityCommand velocity;
  /// When it was issued, s, on the state's clock (RobotState::t_s); NaN: not stamped, never
  /// stale (the safety layer's command watchdog, safety_layer.hpp).
  double stamp_s = std::numeric_limits<double>::quiet_NaN();
};

/// A controller: reset once at the initial state, then tick at its rate. tick() returns the
/// joint torques (nj) N m and must not allocate; the reference stays valid until the next call.
class Controller {
 public:
  virtual ~Controller() = default;
  virtual void reset(const RobotState& state) = 0;
  virtual const Eigen::VectorXd& tick(const RobotState& state, const Command& command) = 0;
};

}  // namespace cerebellum
