// Swing-foot trajectories: liftoff pose -> touchdown pose, C2-continuous, world axes (z up).
//
// xy follows a quintic time scaling, or with xy_ramp a trapezoidal one whose speed ramps up and
// down on half-cosines over that fraction of the swing at each end; z rises to an apex with one
// quintic and falls with another (zero velocity and acceleration at liftoff, apex, touchdown); the
// sole orientation follows the geodesic from the liftoff to the touchdown rotation on the xy time
// scaling (a pure yaw interpolation when both soles are flat).
#pragma once

#include <Eigen/Core>
#include <array>

#include "cerebellum/terrain.hpp"
#include "cerebellum/wbc.hpp"  // Vector6d

namespace cerebellum {

/// Quintic time scaling on u in [0, 1] (clipped): value, d/du, d2/du2.
std::array<double, 3> quintic(double u);
/// Trapezoidal time scaling on u in [0, 1] (clipped): value, d/du, d2/du2; the slope rises on a
/// half-cosine over [0, r] to 1 / (1 - r) and falls the same way over [1 - r, 1]. r in (0, 0.5]
/// (std::invalid_argument otherwise).
std::array<double, 3> ramped(double u, double r);
/// Rotation about world z by yaw (rad).
Eigen::Matrix3d yaw_matrix(double yaw);
/// Smallest rotation taking world z onto the (normalised) `normal`.
Eigen::Matrix3d tilt_matrix(const Eigen::Vector3d& normal);
/// Rodrigues: rotation of the rotation vector w.
Eigen::Matrix3d exp3(const Eigen::Vector3d& w);
/// Rotation vector of a rotation matrix (angle in [0, pi]).
Eigen::Vector3d log3(const Eigen::Matrix3d& R);

/// Sole reference at one time, world axes.
struct SwingSample {
  Eigen::Vector3d position = Eigen::Vector3d::Zero();      // m
  Eigen::Matrix3d rotation = Eigen::Matrix3d::Identity();  // world <- sole
  Vector6d velocity = Vector6d::Zero();      // [m/s; rad/s], LOCAL_WORLD_ALIGNED
  Vector6d acceleration = Vector6d::Zero();  // [m/s^2; rad/s^2]
};

/// Sole trajectory from `start` at t_liftoff to `end` at t_touchdown (world, m, s).
///
/// The apex, at phase apex_phase, lies height_m above the higher endpoint and, with a terrain,
/// height_m above the highest terrain under the sole along the straight xy path; it is raised
/// further until every sampled sole footprint over ground higher than the nearer endpoint clears
/// it by clearance_m (at most max_apex_m above the higher endpoint). Rotations: the liftoff one
/// defaults to a yaw of start_yaw; the touchdown one is the yaw end_yaw tilted onto end_normal
/// (default flat). xy and the rotation follow the quintic time scaling, or ramped() with
/// xy_ramp > 0, blended in from an xy travel of xy_ramp_travel_m (quintic below) to twice that
/// (all ramped) when xy_ramp_travel_m > 0.
class SwingTrajectory {
 public:
  /// A still swing at the origin over [0, 1] s (call reset before use).
  SwingTrajectory();

  /// Re-plans the swing (allocation-free). The terrain, if any, is only queried here.
  /// sole_rectangle = (x_min, x_max, y_min, y_max) in the sole frame (nullptr: sole origin only).
  /// xy_ramp = 0: quintic xy. Throws std::invalid_argument on t_touchdown <= t_liftoff,
  /// apex_phase outside (0, 1), xy_ramp outside [0, 0.5], or samples < 1 with a terrain.
  void reset(const Eigen::Vector3d& start, const Eigen::Vector3d& end, double t_liftoff,
             double t_touchdown, double height_m, double apex_phase = 0.5, double start_yaw = 0.0,
             double end_yaw = 0.0, const Eigen::Matrix3d* start_rotation = nullptr,
             const Eigen::Vector3d* end_normal = nullptr, const TerrainQuery* terrain = nullptr,
             double clearance_m = 0.03, const std::array<double, 4>* sole_rectangle = nullptr,
             int samples = 32, double max_apex_m = 0.5, double xy_ramp = 0.0,
             double xy_ramp_travel_m = 0.0);

  /// Swing phase s in [0, 1] at time t (s).
  double phase(double t) const;
  /// Sole position at time t (clamped to the swing interval).
  Eigen::Vector3d position(double t) const;
  /// Pose, velocity and acceleration (world axes) at time t; held at the ends.
  SwingSample sample(double t) const;
  void sample(double t, SwingSample& out) const;

  const Eigen::Vector3d& start() const { return start_; }
  const Eigen::Vector3d& end() const { return end_; }
  double start_yaw() const { return start_yaw_; }
  double end_yaw() const { return end_yaw_; }
  double t_liftoff() const { return t_liftoff_; }
  double t_touchdown() const { return t_touchdown_; }
  double duration_s() const { return duration_s_; }
  double apex_phase() const { return apex_phase_; }
  double apex_z() const { return apex_z_; }
  /// 0 when xy follows the quintic scaling.
  double xy_ramp() const { return xy_ramp_; }
  const Eigen::Matrix3d& start_rotation() const { return R0_; }
  const Eigen::Matrix3d& end_rotation() const { return R1_; }

 private:
  std::array<double, 3> xy_scaling(double s) const;
  std::array<double, 3> z_scalar(double s) const;
  double clear_terrain(const TerrainQuery& terrain, double height_m, double clearance_m,
                       const std::array<double, 4>* rect, int samples, double yaw0, double yaw1,
                       double cap) const;

  Eigen::Vector3d start_ = Eigen::Vector3d::Zero(), end_ = Eigen::Vector3d::Zero();
  double t_liftoff_ = 0.0, t_touchdown_ = 1.0, duration_s_ = 1.0;
  double apex_phase_ = 0.5, apex_z_ = 0.0;
  double start_yaw_ = 0.0, end_yaw_ = 0.0;
  double xy_ramp_ = 0.0;     // 0: quintic
  double ramp_share_ = 1.0;  // share of the ramped profile (the rest quintic)
  bool has_start_rotation_ = false;
  Eigen::Matrix3d R0_ = Eigen::Matrix3d::Identity(), R1_ = Eigen::Matrix3d::Identity();
  Eigen::Vector3d u_ = Eigen::Vector3d::Zero();  // rotation vector in the liftoff sole frame
  Eigen::Vector3d w_ = Eigen::Vector3d::Zero();  // the same in world axes
};

}  // namespace cerebellum
