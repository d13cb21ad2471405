// BaseEstimator on a two-leg URDF whose kinematics are known in closed form: soles in the IMU
// frame, dead reckoning against the closed-form motion of a body at constant acceleration and
// rotation rate, a standing robot that stays put, and the status of bad input.
#include <Eigen/Geometry>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>

#include "cerebellum/base_estimator.hpp"
#include "check.hpp"

using namespace cerebellum;

namespace {

// base -> hip (revolute y, at (0, +-0.1, 0)) -> sole link 0.5 m below; IMU 0.2 m above the base.
const char* kUrdf = R"(<?xml version="1.0"?>
<robot name="biped">
  <link name="base"><inertial><mass value="10"/><inertia ixx="1" iyy="1" izz="1" ixy="0" ixz="0" iyz="0"/></inertial></link>
  <link name="left_leg"><inertial><mass value="1"/><inertia ixx="0.1" iyy="0.1" izz="0.1" ixy="0" ixz="0" iyz="0"/></inertial></link>
  <link name="right_leg"><inertial><mass value="1"/><inertia ixx="0.1" iyy="0.1" izz="0.1" ixy="0" ixz="0" iyz="0"/></inertial></link>
  <link name="left_sole"/><link name="right_sole"/><link name="base_imu"/>
  <joint name="left_hip" type="revolute"><parent link="base"/><child link="left_leg"/>
    <origin xyz="0 0.1 0"/><axis xyz="0 1 0"/><limit lower="-1" upper="1" effort="100" velocity="10"/></joint>
  <joint name="right_hip" type="revolute"><parent link="base"/><child link="right_leg"/>
    <origin xyz="0 -0.1 0"/><axis xyz="0 1 0"/><limit lower="-1" upper="1" effort="100" velocity="10"/></joint>
  <joint name="left_ankle_fixed" type="fixed"><parent link="left_leg"/><child link="left_sole"/><origin xyz="0 0 -0.5"/></joint>
  <joint name="right_ankle_fixed" type="fixed"><parent link="right_leg"/><child link="right_sole"/><origin xyz="0 0 -0.5"/></joint>
  <joint name="imu_fixed" type="fixed"><parent link="base"/><child link="base_imu"/><origin xyz="0 0 0.2"/></joint>
</robot>
)";

Eigen::Vector3d sole(double q, double y) {  // sole in the IMU frame, m
  return Eigen::Vector3d(-0.5 * std::sin(q), y, -0.5 * std::cos(q) - 0.2);
}

}  // namespace

int main() {
  const std::string path = "test_base_estimator_biped.urdf";
  std::ofstream(path) << kUrdf;
  BaseEstimatorSettings s;
  s.foot_frames = {"left_sole", "right_sole"};
  s.imu_frame = "base_imu";
  BaseEstimator est(path, s);
  CHECK(est.n_joints() == 2);
  BaseEstimatorInput in = est.make_input();
  const Eigen::Vector3d up(0., 0., s.gravity_mps2);

  // closed-form kinematics
  in.joint_pos << 0.3, -0.2;
  est.reset(Eigen::Vector3d(0, 0, 1), Eigen::Vector4d(0, 0, 0, 1), Eigen::Vector3d::Zero(), in.joint_pos);
  CHECK((est.foot_in_imu(0) - sole(0.3, 0.1)).norm() < 1e-12);
  CHECK((est.foot_in_imu(1) - sole(-0.2, -0.1)).norm() < 1e-12);
  CHECK((est.imu_position() - Eigen::Vector3d(0, 0, 1.2)).norm() < 1e-12);
  CHECK((est.estimate().position - Eigen::Vector3d(0, 0, 1)).norm() < 1e-12);

  // dead reckoning, no contacts: constant world acceleration, constant body rate
  const Eigen::Vector3d acc_w(0.5, -0.2, 0.1), w(0.0, 0.0, 0.3), v0(0.2, 0.0, 0.0);
  const double dt = 1e-3;
  est.reset(Eigen::Vector3d::Zero(), Eigen::Vector4d(0, 0, 0, 1), v0, in.joint_pos);
  in.joint_vel.setZero();
  in.has_orientation = false;
  in.dt_s = dt;
  Eigen::Matrix3d R = Eigen::Matrix3d::Identity();  // IMU = base axes here
  for (int k = 1; k <= 1000; ++k) {
    in.gyro = w;
    in.acc = R.transpose() * (acc_w + up);  // sample of the previous interval
    CHECK(est.update(in) == BaseEstimator::kOk);
    R = R * Eigen::AngleAxisd(w.norm() * dt, w.normalized()).toRotationMatrix();
  }
  const double T = 1.0;
  const Eigen::Vector3d v_true = v0 + acc_w * T;
  const Eigen::Vector3d p_true = v0 * T + 0.5 * acc_w * T * T;  // of the IMU (started at 0.2 m)
  CHECK((est.imu_velocity() - v_true).norm() < 1e-9);
  CHECK((est.imu_position() - Eigen::Vector3d(0, 0, 0.2) - p_true).norm() < 0.5 * acc_w.norm() * dt * T + 1e-9);
  CHECK((est.imu_rotation() - R).norm() < 1e-9);
  CHECK(!est.estimate().contact[0] && !est.estimate().contact[1]);

  // standing on both soles with a noisy IMU: the estimate stays put, contacts detected
  // (0.3 m/s of initial error: the soles look slipping for slip_max_s, then are re-anchored)
  est.reset(Eigen::Vector3d(0, 0, 0.7), Eigen::Vector4d(0, 0, 0, 1), Eigen::Vector3d(0.3, 0, 0), in.joint_pos);
  in.foot_force = {Eigen::Vector3d(0, 0, 100.), Eigen::Vector3d(0, 0, 100.)};  // > force_on_N
  in.has_orientation = true;
  in.imu_quat_xyzw << 0, 0, 0, 1;
  unsigned seed = 1;
  auto noise = [&seed] { seed = seed * 1103515245u + 12345u; return ((seed >> 8) / 16777216.0 - 0.5) * 0.02; };
  for (int k = 0; k < 2000; ++k) {
    in.gyro = Eigen::Vector3d(noise(), noise(), noise());
    in.acc = up + Eigen::Vector3d(noise(), noise(), noise());
    CHECK(est.update(in) == BaseEstimator::kOk);
  }
  const BaseEstimate& e = est.estimate();
  CHECK(e.contact[0] && e.contact[1]);
  CHECK(e.linear_velocity_world.norm() < 0.01);
  CHECK(!e.slipping[0] && !e.slipping[1]);
  CHECK(std::abs(e.position.z() - 0.7) < 0.01);
  CHECK(e.position.x() < 0.1);

  // bad input: nothing NaN, statuses as documented
  const Eigen::Vector3d p_before = e.position;
  in.dt_s = -1.;
  CHECK(est.update(in) == BaseEstimator::kBadDt);
  CHECK((est.estimate().position - p_before).norm() == 0.);
  in.dt_s = dt;
  in.gyro.x() = std::numeric_limits<double>::quiet_NaN();
  CHECK(est.update(in) == BaseEstimator::kImuHeld);
  in.gyro.x() = 0.;
  in.joint_pos[1] = std::numeric_limits<double>::infinity();
  CHECK(est.update(in) == BaseEstimator::kNoKinematics);
  CHECK(est.estimate().position.allFinite() && est.covariance().allFinite());
  BaseEstimatorSettings bad = s;
  bad.force_off_N = 2. * bad.force_on_N;
  CHECK_THROWS(BaseEstimator(path, bad));
  bad = s;
  bad.imu_frame = "nowhere";
  CHECK_THROWS(BaseEstimator(path, bad));
  std::remove(path.c_str());
  return TEST_MAIN_RETURN();
}
