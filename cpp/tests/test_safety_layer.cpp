// SafetyLayer against hand-computed expectations on the limits a two-joint URDF declares: the
// model's limits as the file gives them, NaN input -> hold then damping, torques clipped to the
// model's limits, the torque-rate limit, the soft velocity and position limits, the watchdogs,
// and a fall -> the latched safe stop (joint damping, clipped).
#include <Eigen/Geometry>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>

#include "cerebellum/robot.hpp"
#include "cerebellum/safety_layer.hpp"
#include "check.hpp"

using namespace cerebellum;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// base -> two hips (revolute y) with the limits the checks below expect.
const char* kUrdf = R"(<?xml version="1.0"?>
<robot name="biped">
  <link name="base"><inertial><mass value="10"/><inertia ixx="1" iyy="1" izz="1" ixy="0" ixz="0" iyz="0"/></inertial></link>
  <link name="left_leg"><inertial><mass value="1"/><inertia ixx="0.1" iyy="0.1" izz="0.1" ixy="0" ixz="0" iyz="0"/></inertial></link>
  <link name="right_leg"><inertial><mass value="1"/><inertia ixx="0.1" iyy="0.1" izz="0.1" ixy="0" ixz="0" iyz="0"/></inertial></link>
  <joint name="left_hip" type="revolute"><parent link="base"/><child link="left_leg"/>
    <origin xyz="0 0.1 0"/><axis xyz="0 1 0"/><limit lower="-1" upper="1" effort="100" velocity="10"/></joint>
  <joint name="right_hip" type="revolute"><parent link="base"/><child link="right_leg"/>
    <origin xyz="0 -0.1 0"/><axis xyz="0 1 0"/><limit lower="-0.5" upper="2" effort="40" velocity="20"/></joint>
</robot>
)";

SafetyLimits limits_of(const Robot& robot) {
  const JointLimits& j = robot.joint_limits();
  return SafetyLimits{j.lower, j.upper, j.velocity, j.effort, 1.0};
}

RobotState upright_state(double t) {
  RobotState s = make_state(2);
  s.t_s = t;
  s.has_base = true;
  s.base.position = Eigen::Vector3d(0, 0, 1.0);
  return s;
}

Eigen::Vector4d tilted(double angle) {  // about x, xyzw
  const Eigen::Quaterniond q(Eigen::AngleAxisd(angle, Eigen::Vector3d::UnitX()));
  return Eigen::Vector4d(q.x(), q.y(), q.z(), q.w());
}

}  // namespace

int main() {
  const std::string path = "/tmp/cerebellum_test_safety_layer.urdf";
  std::ofstream(path) << kUrdf;
  Robot robot(path, {});
  const SafetyLimits lim = limits_of(robot);
  const double dt = 1e-3;

  // the model's limits, as the file gives them
  CHECK(lim.lower.size() == 2);
  CHECK(lim.lower[0] == -1.0 && lim.upper[0] == 1.0 && lim.lower[1] == -0.5 && lim.upper[1] == 2.0);
  CHECK(lim.velocity[0] == 10.0 && lim.velocity[1] == 20.0);
  CHECK(lim.torque[0] == 100.0 && lim.torque[1] == 40.0);

  SafetySettings s;
  {  // torques beyond the model's limits are clipped to them; within them, untouched
    SafetyLayer layer(s, lim, dt);
    RobotState st = upright_state(0.0);
    CHECK(layer.check_input(st, Command()));
    const Eigen::VectorXd& out = layer.limit(Eigen::Vector2d(150.0, -30.0), false, st, 1.0);
    CHECK(out[0] == 100.0 && out[1] == -30.0);
    CHECK(layer.stats()[SafetyEvent::kTorqueClipped] == 1);
    st.t_s = dt;
    CHECK(layer.check_input(st, Command()));
    const Eigen::VectorXd& out2 = layer.limit(Eigen::Vector2d(-1e6, 1e6), false, st, 1.0);
    CHECK(out2[0] == -100.0 && out2[1] == 40.0);  // one step of 2000 x limit x dt = 2 limits
    CHECK(layer.stats()[SafetyEvent::kTorqueClipped] == 2);
    CHECK(layer.stats().first_t_s[static_cast<int>(SafetyEvent::kTorqueClipped)] == 0.0);
    CHECK(layer.mode() == SafetyMode::kNormal);
  }
  {  // the rate limit: |d tau| <= torque_rate_per_s x limit x dt per tick
    SafetySettings r = s;
    r.torque_rate_per_s = 100.0;  // joint 0: 10 N m per tick; joint 1: 4 N m per tick
    SafetyLayer layer(r, lim, dt);
    Eigen::Vector2d prev(0.0, 0.0);
    int limited = 0;
    for (int k = 0; k < 30; ++k) {
      RobotState st = upright_state(k * dt);
      CHECK(layer.check_input(st, Command()));
      const Eigen::Vector2d target = k < 20 ? Eigen::Vector2d(80.0, -35.0) : Eigen::Vector2d(-80.0, 0.0);
      const Eigen::VectorXd& out = layer.limit(target, false, st, 1.0);
      CHECK(std::abs(out[0] - prev[0]) <= 10.0 + 1e-12);
      CHECK(std::abs(out[1] - prev[1]) <= 4.0 + 1e-12);
      if ((out - target).norm() > 1e-12) ++limited;
      prev = out;
    }
    CHECK_NEAR(prev[0], 80.0 - 10 * 10.0, 1e-9);  // 10 ticks down from 80
    CHECK_NEAR(prev[1], 0.0, 1e-9);               // -35 -> 0 in 9 ticks
    CHECK(layer.stats()[SafetyEvent::kTorqueRateLimited] == static_cast<std::uint64_t>(limited));
    CHECK(limited == 8 + 10);  // -35 in 4 N m steps: 8 ticks short; then 10 of the 16 down
  }
  {  // NaN input: refused; the last torques held for hold_s, then damping; back on a good tick
    SafetyLayer layer(s, lim, dt);
    RobotState st = upright_state(0.0);
    st.joint_vel = Eigen::Vector2d(2.0, -1.0);
    CHECK(layer.check_input(st, Command()));
    layer.limit(Eigen::Vector2d(20.0, -10.0), false, st, 1.0);
    const int hold = layer.hold_ticks();
    CHECK(hold == 20);
    for (int k = 1; k <= hold + 5; ++k) {
      st.t_s = k * dt;
      st.joint_pos[0] = kNaN;
      st.joint_vel[1] = k % 2 ? kNaN : -1.0;
      CHECK(!layer.check_input(st, Command()));
      const Eigen::VectorXd& out = layer.fallback(st);
      CHECK(out.allFinite());
      if (k <= hold) {
        CHECK(layer.mode() == SafetyMode::kHold);
        CHECK(out[0] == 20.0 && out[1] == -10.0);
      } else {  // tau = -Kd v clipped, Kd = damping_s x limit, v the last finite velocities
        CHECK(layer.mode() == SafetyMode::kDamping);
        CHECK_NEAR(out[0], -0.1 * 100.0 * 2.0, 1e-12);
        CHECK_NEAR(out[1], 0.1 * 40.0 * 1.0, 1e-12);
      }
    }
    CHECK(layer.stats()[SafetyEvent::kNonFiniteState] == static_cast<std::uint64_t>(hold + 5));
    CHECK(layer.stats()[SafetyEvent::kHold] == static_cast<std::uint64_t>(hold));
    CHECK(layer.stats()[SafetyEvent::kDamping] == 5);
    CHECK(layer.stats().first_t_s[static_cast<int>(SafetyEvent::kNonFiniteState)] == dt);
    st = upright_state((hold + 6) * dt);
    CHECK(layer.check_input(st, Command()));
    layer.limit(Eigen::Vector2d(1.0, 1.0), false, st, 1.0);
    CHECK(layer.mode() == SafetyMode::kNormal);
    // the damping is clipped to damping_torque_fraction of the limit
    st.t_s += dt;
    st.joint_vel = Eigen::Vector2d(1e3, -1e3);  // too fast: out of range
    CHECK(!layer.check_input(st, Command()));
    CHECK(layer.stats()[SafetyEvent::kOutOfRangeState] == 1);
  }
  {  // a non-finite QP result, then the QP's fallback for longer than hold_s
    SafetyLayer layer(s, lim, dt);
    RobotState st = upright_state(0.0);
    CHECK(layer.check_input(st, Command()));
    layer.limit(Eigen::Vector2d(5.0, 5.0), false, st, 1.0);
    st.t_s = dt;
    CHECK(layer.check_input(st, Command()));
    const Eigen::VectorXd& held = layer.limit(Eigen::Vector2d(kNaN, 1.0), false, st, 1.0);
    CHECK(held[0] == 5.0 && held[1] == 5.0 && layer.mode() == SafetyMode::kHold);
    CHECK(layer.stats()[SafetyEvent::kNonFiniteTorque] == 1);
    for (int k = 2; k < 2 + layer.hold_ticks() + 3; ++k) {
      st.t_s = k * dt;
      CHECK(layer.check_input(st, Command()));
      const Eigen::VectorXd& out = layer.limit(Eigen::Vector2d(3.0, 3.0), true, st, 1.0);
      CHECK(out.allFinite());
    }
    CHECK(layer.mode() == SafetyMode::kDamping);  // v = 0: zero torques
    CHECK(layer.tau().norm() == 0.0);
  }
  {  // a fall (tilt): the latched safe stop, joint damping clipped; reset() clears it
    SafetyLayer layer(s, lim, dt);
    RobotState st = upright_state(0.0);
    st.joint_vel = Eigen::Vector2d(-50.0, 5.0);
    CHECK(layer.check_input(st, Command()));
    layer.limit(Eigen::Vector2d(10.0, 0.0), false, st, 1.0);
    CHECK(layer.mode() == SafetyMode::kNormal);
    st.t_s = dt;
    st.base.quat_xyzw = tilted(0.75);
    CHECK(layer.check_input(st, Command()));
    const Eigen::VectorXd& out = layer.limit(Eigen::Vector2d(10.0, 0.0), false, st, 1.0);
    CHECK(layer.safe_stop() && layer.stats().safe_stop_reason == SafetyEvent::kFallTilt);
    CHECK(layer.stats().safe_stop_t_s == dt);
    CHECK_NEAR(out[0], 50.0, 1e-12);       // -0.1 x 100 x -50 = 500, clipped to 0.5 x 100
    CHECK_NEAR(out[1], -0.1 * 40.0 * 5.0, 1e-12);
    st.t_s = 2 * dt;
    st.base.quat_xyzw = tilted(0.0);  // latched
    CHECK(!layer.check_input(st, Command()));
    CHECK_NEAR(layer.fallback(st)[0], 50.0, 1e-12);
    CHECK(layer.stats()[SafetyEvent::kSafeStop] == 2);
    layer.reset();
    CHECK(layer.mode() == SafetyMode::kNormal && layer.stats().ticks == 0);
    // tilt below the threshold: no fall
    st = upright_state(0.0);
    st.base.quat_xyzw = tilted(0.65);
    CHECK(layer.check_input(st, Command()));
    layer.limit(Eigen::Vector2d(1.0, 1.0), false, st, 1.0);
    CHECK(!layer.safe_stop());
    // the base height over the soles below 0.6 x standing
    st.t_s = dt;
    layer.check_input(st, Command());
    layer.limit(Eigen::Vector2d(1.0, 1.0), false, st, 0.61);
    CHECK(!layer.safe_stop());
    st.t_s = 2 * dt;
    layer.check_input(st, Command());
    layer.limit(Eigen::Vector2d(1.0, 1.0), false, st, 0.59);
    CHECK(layer.safe_stop() && layer.stats().safe_stop_reason == SafetyEvent::kFallHeight);
  }
  {  // watchdogs: a stamp that does not advance; stale and non-finite commands
    SafetyLayer layer(s, lim, dt);
    RobotState st = upright_state(1.0);
    int refused = 0;
    for (int k = 0; k < 30; ++k) refused += !layer.check_input(st, Command());
    CHECK(refused == 30 - 21);  // 20 repeats (0.02 s) allowed, the later ones refused
    CHECK(layer.stats()[SafetyEvent::kStaleState] == 9);
    st.t_s = 1.001;
    Command c;
    c.velocity = VelocityCommand{0.5, 0.0, 0.1};
    c.stamp_s = 0.4;  // 0.601 s old
    CHECK(layer.check_input(st, c));
    CHECK(layer.command().velocity.vx == 0.0 && layer.command().velocity.yaw_rate == 0.0);
    CHECK(layer.stats()[SafetyEvent::kStaleCommand] == 1);
    st.t_s = 1.002;
    c.stamp_s = 0.6;  // 0.402 s old: fresh
    CHECK(layer.check_input(st, c));
    CHECK(layer.command().velocity.vx == 0.5);
    c.stamp_s = kNaN;  // not stamped: never stale
    st.t_s = 100.0;
    CHECK(layer.check_input(st, c) && layer.command().velocity.vx == 0.5);
    c.velocity.vy = std::numeric_limits<double>::infinity();
    st.t_s = 100.001;
    CHECK(layer.check_input(st, c) && layer.command().velocity.vx == 0.0);
    CHECK(layer.stats()[SafetyEvent::kNonFiniteCommand] == 1);
    // IMU faults are counted, not refused
    st.t_s = 100.002;
    st.imu_gyro[2] = kNaN;
    CHECK(layer.check_input(st, Command()));
    CHECK(layer.stats()[SafetyEvent::kNonFiniteImu] == 1);
    // a joint beyond its range by more than the tolerance, a base quaternion that is not unit
    st = upright_state(100.003);
    st.joint_pos[1] = 2.0 + 0.19;
    CHECK(layer.check_input(st, Command()));
    st.t_s += dt;
    st.joint_pos[1] = 2.0 + 0.21;
    CHECK(!layer.check_input(st, Command()));
    st = upright_state(100.005);
    st.base.quat_xyzw *= 2.0;
    CHECK(!layer.check_input(st, Command()));
    CHECK(layer.stats()[SafetyEvent::kOutOfRangeState] == 2);
    CHECK_THROWS(layer.check_input(make_state(3), Command()));
  }
  {  // soft limits: velocity (the model's 10 rad/s; ramp from 8) and position (when enabled)
    SafetySettings v = s;
    v.position_damping_s = 0.2;
    SafetyLayer layer(v, lim, dt);
    RobotState st = upright_state(0.0);
    st.joint_vel = Eigen::Vector2d(9.0, 15.0);  // joint 0: half-way up the ramp; joint 1: below
    CHECK(layer.check_input(st, Command()));
    const Eigen::VectorXd& out = layer.limit(Eigen::Vector2d(0.0, 0.0), false, st, 1.0);
    CHECK_NEAR(out[0], -0.5 * 0.1 * 100.0 * 9.0, 1e-9);
    CHECK(out[1] == 0.0);
    CHECK(layer.stats()[SafetyEvent::kVelocityLimit] == 1);
    // joint 1 at 1.99 rad (0.01 from its upper limit, margin 0.05) moving up at 1 rad/s
    st.t_s = dt;
    st.joint_vel = Eigen::Vector2d(0.0, 1.0);
    st.joint_pos[1] = 1.99;
    CHECK(layer.check_input(st, Command()));
    const Eigen::VectorXd& out2 = layer.limit(Eigen::Vector2d(0.0, 0.0), false, st, 1.0);
    CHECK_NEAR(out2[1], -0.8 * 0.2 * 40.0 * 1.0, 1e-9);
    // moving away from it: nothing
    st.t_s = 2 * dt;
    st.joint_vel[1] = -1.0;
    layer.check_input(st, Command());
    CHECK(layer.limit(Eigen::Vector2d(0.0, 0.0), false, st, 1.0)[1] == 0.0);
    CHECK(layer.stats()[SafetyEvent::kPositionLimit] == 1);
  }
  {  // disabled: everything passes
    SafetySettings d = s;
    d.enabled = false;
    SafetyLayer layer(d, lim, dt);
    RobotState st = upright_state(0.0);
    st.joint_pos[0] = kNaN;
    CHECK(layer.check_input(st, Command()));
    CHECK(layer.limit(Eigen::Vector2d(500.0, 0.0), false, st, 0.0)[0] == 500.0);
  }
  {  // invalid settings and limits are refused
    SafetySettings b = s;
    b.fall_tilt_rad = kNaN;
    CHECK_THROWS(SafetyLayer(b, lim, dt));
    b = s;
    b.velocity_margin = 0.0;
    CHECK_THROWS(SafetyLayer(b, lim, dt));
    b = s;
    b.hold_s = -1.0;
    CHECK_THROWS(SafetyLayer(b, lim, dt));
    CHECK_THROWS(SafetyLayer(s, lim, 0.0));
    SafetyLimits l = lim;
    l.torque[0] = 0.0;
    CHECK_THROWS(SafetyLayer(s, l, dt));
  }
  std::remove(path.c_str());
  return TEST_MAIN_RETURN();
}
