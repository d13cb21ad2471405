// CoP reference of walking: the sole geometry of the CoP commands, the support area a CoP command
// is clipped to, and the piecewise-linear CoP waypoints of the LIPM/DCM plan (with the first
// segment anchored to the measured DCM).
//
// All positions are world x, y (m) unless said otherwise; a sole pose is its sole frame origin
// (world, m) and yaw (rad). Nothing allocates after construction.
#pragma once

#include <Eigen/Core>
#include <array>
#include <cmath>
#include <optional>
#include <vector>

#include "cerebellum/com_plan.hpp"
#include "cerebellum/foothold.hpp"
#include "cerebellum/gait_settings.hpp"

namespace cerebellum {

/// Sole frame origin (m, world) and yaw (rad) of one foot.
struct SolePose {
  Eigen::Vector3d position = Eigen::Vector3d::Zero();
  double yaw = 0.0;
};
using FeetPoses = std::array<SolePose, 2>;  // indexed kLeft, kRight

/// A touchdown that happened: which foot, when (s).
struct Touchdown {
  int foot = kLeft;
  double t_s = 0.0;
};

/// Axis-aligned box, world x, y (m).
struct Box2 {
  Eigen::Vector2d lo, hi;
};

/// (2,) `xy` turned by `yaw` (rad) about z.
inline Eigen::Vector2d rotate_yaw(double yaw, const Eigen::Vector2d& xy) {
  const double c = std::cos(yaw), s = std::sin(yaw);
  return Eigen::Vector2d(c * xy[0] - s * xy[1], s * xy[0] + c * xy[1]);
}

/// Sole centre and CoP command bounds, both in the sole frame (m), as WalkingController computes
/// them from GaitSettings::sole_rectangle (x_min, x_max, y_min, y_max), WalkingOptions::cop_margin
/// and the lateral scale of the sole (1, or no_ankle_roll_width_scale for legs without ankle
/// roll).
struct SoleGeometry {
  Eigen::Vector2d centre = Eigen::Vector2d::Zero();  // sole frame, m
  std::array<double, 4> cop_box{-0.08, 0.08, -0.032, 0.032};  // x_min, x_max, y_min, y_max, m

  /// Throws std::invalid_argument unless cop_margin and lateral_scale are finite and > 0 and the
  /// rectangle is finite with x_min < x_max, y_min < y_max.
  static SoleGeometry from_sole_rectangle(const std::array<double, 4>& sole_rectangle,
                                          double cop_margin, double lateral_scale);
  /// World x, y of the centre of a sole at `pose`.
  Eigen::Vector2d centre_at(const SolePose& pose) const {
    return pose.position.head<2>() + rotate_yaw(pose.yaw, centre);
  }
  /// World box spanned by the CoP command bounds of both soles at `poses`.
  Box2 support_box(const FeetPoses& poses) const;
  /// True when `dcm` lies more than margin_m outside support_box(feet) (margin inf: never).
  bool dcm_outside(const Eigen::Vector2d& dcm, const FeetPoses& feet, double margin_m) const;
};

/// The support area of the current plan: which foot swings when (the plan's footholds) and the
/// sole poses measured at planning time. clip() is the CoP command bound of every tick.
class SupportArea {
 public:
  explicit SupportArea(const SoleGeometry& geometry = {}, int max_swings = 16);
  /// The plan's footholds (swing intervals; n <= max_swings, else std::invalid_argument) and the
  /// stance sole poses.
  void set(const Foothold* swings, int n, const FeetPoses& stance);
  /// The CoP command `cop` clipped into the support at t (s): the stance sole's bounds (sole
  /// frame) in single support, the box spanned by both soles (world axes) otherwise.
  Eigen::Vector2d clip(const Eigen::Vector2d& cop, double t) const;

  const SoleGeometry& geometry() const { return geometry_; }
  const FeetPoses& stance() const { return stance_; }
  int size() const { return n_; }
  int capacity() const { return static_cast<int>(swings_.size()); }

 private:
  struct Interval {
    int foot;
    double t_liftoff, t_touchdown;
  };
  SoleGeometry geometry_;
  std::vector<Interval> swings_;
  int n_ = 0;
  FeetPoses stance_{};
};

/// CoP waypoints of the LIPM/DCM plan. Storage for 3 * max_footholds + 2 waypoints is allocated at
/// construction.
class CopPlan {
 public:
  /// Timing (double supports, start double support) from `gait`, centres from `geometry`.
  CopPlan(const GaitSettings& gait, const SoleGeometry& geometry, int max_footholds = 16);

  /// _cop_waypoints: the waypoints at time t (s) for the planned `footholds` (n, time order; those
  /// with t_touchdown <= t are skipped; more than max_footholds: std::invalid_argument), the sole
  /// poses `feet` now and the last touchdown (nullopt: none). Returns the count K >= 1: the CoP
  /// over the stance sole in single support, moving linearly across each double support (from the
  /// sole landed last), at rest between the feet after the last step.
  int waypoints(double t, const Foothold* footholds, int n, const FeetPoses& feet,
                const std::optional<Touchdown>& last_touchdown);
  const double* times() const { return times_.data(); }          // (K) s
  const Eigen::Vector2d* cops() const { return cops_.data(); }   // (K) m
  int size() const { return k_; }

  /// _anchor_cop: waypoints from t on whose first CoP (clipped by `support` at t) makes the
  /// DCM plan start at the measured `dcm` (m), for the waypoints `times`, `cops` (K) and omega
  /// (1/s). Returns false (nothing anchored) when t is before times[0], at or after the last
  /// waypoint, or less than 0.05 s before the next one; else fills anchored_* (t, then the
  /// waypoints after t). Non-increasing times: std::invalid_argument (from ComPlan::plan).
  bool anchor(double t, const double* times, const Eigen::Vector2d* cops, int K,
              const Eigen::Vector2d& dcm, double omega, const SupportArea& support);
  /// anchor() on this plan's waypoints.
  bool anchor(double t, const Eigen::Vector2d& dcm, double omega, const SupportArea& support) {
    return anchor(t, times_.data(), cops_.data(), k_, dcm, omega, support);
  }
  const double* anchored_times() const { return a_times_.data(); }
  const Eigen::Vector2d* anchored_cops() const { return a_cops_.data(); }
  int anchored_size() const { return ak_; }

  int capacity() const { return static_cast<int>(times_.size()); }
  int max_footholds() const { return max_footholds_; }

 private:
  SoleGeometry geometry_;
  double longest_ds_s_, start_ds_s_;
  int max_footholds_;
  int k_ = 0, ak_ = 0;
  std::vector<double> times_, a_times_;
  std::vector<Eigen::Vector2d> cops_, a_cops_;
  std::vector<const Foothold*> swings_;  // the footholds after t
  ComPlan scratch_;                      // the DCM recursion of anchor()
};

}  // namespace cerebellum
