// Linear inverted pendulum (LIPM) CoM planning through the divergent component of motion (DCM).
//
// Horizontal dynamics at constant CoM height z0 above the CoP: acom = w^2 (com - cop),
// w = sqrt(g / z0). The DCM xi = com + vcom / w obeys xi' = w (xi - cop). Over a piecewise-linear
// CoP reference (waypoints), the DCM comes from the exact backward recursion from the last
// waypoint (at rest there, xi = cop), the CoM from the exact forward solution from com0.
// All positions are world x, y (m).
#pragma once

#include <Eigen/Core>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "cerebellum/gait_settings.hpp"

namespace cerebellum {

/// w = sqrt(kGravity / com_height_m), 1/s. Throws std::invalid_argument unless the height is
/// finite and > 0.
double omega_for(double com_height_m);

/// CoM plan at one time, world x, y.
struct ComSample {
  Eigen::Vector2d com;      // m
  Eigen::Vector2d vcom;     // m/s
  Eigen::Vector2d acom;     // m/s^2
  Eigen::Vector2d dcm;      // m
  Eigen::Vector2d dcm_dot;  // m/s
  Eigen::Vector2d cop;      // m
};

/// A CoM/DCM trajectory over piecewise-linear CoP segments; constant CoP after the last waypoint,
/// the first segment extrapolated before times[0]. Storage for `capacity` waypoints is allocated
/// at construction; plan() does not allocate.
class ComPlan {
 public:
  explicit ComPlan(int capacity = 64);

  /// Recomputes the plan for K waypoints: times (K) s strictly increasing, cops (K) m, the CoM
  /// com0 (m) at times[0] (vcom0 m/s kept for diagnostics), omega 1/s. Throws
  /// std::invalid_argument on K == 0, K > capacity, non-finite or non-increasing times,
  /// non-finite cops / com0, or omega not finite and > 0; the previous plan is then kept.
  void plan(const double* times, const Eigen::Vector2d* cops, int K, const Eigen::Vector2d& com0,
            const Eigen::Vector2d& vcom0, double omega);

  /// The plan at time t (s). Requires a plan (size() > 0), else throws std::logic_error.
  ComSample sample(double t) const;
  /// sample(t).com, cheaper.
  Eigen::Vector2d com_at(double t) const;

  /// DCM at waypoint i (m); throws std::out_of_range.
  const Eigen::Vector2d& dcm_waypoint(int i) const;
  int size() const { return k_; }
  int capacity() const { return static_cast<int>(times_.size()); }
  double omega() const { return w_; }
  const Eigen::Vector2d& vcom0() const { return vcom0_; }

 private:
  int segment(double t) const;  // searchsorted(times, t, side="right") - 1, clipped to [0, K-1]

  int k_ = 0;
  double w_ = 0.0;
  Eigen::Vector2d vcom0_ = Eigen::Vector2d::Zero();
  std::vector<double> times_;
  std::vector<Eigen::Vector2d> cops_, slope_, xi_, B_, C_;
};

/// A height reference (m) that follows its target up at once and down with bounded acceleration
/// and speed (time-optimal rest to rest): a step down of the ground becomes a smooth lowering.
/// A descent toward a target less than min_drop_m below its start is no level change (the soles'
/// height moving on continuous ground): the same height, but rate and acceleration reported 0.
class DescentFilter {
 public:
  explicit DescentFilter(double z = 0.0, double max_speed_mps = 0.3, double max_accel_mps2 = 3.0,
                         double min_drop_m = 0.0) {
    reset(z, max_speed_mps, max_accel_mps2, min_drop_m);
  }
  /// Restarts at rest at z; throws std::invalid_argument unless both bounds are > 0 and
  /// min_drop_m is finite and >= 0.
  void reset(double z, double max_speed_mps, double max_accel_mps2, double min_drop_m = 0.0);
  /// Advances dt (s) toward target (m): {height m, rate m/s, acceleration m/s^2}.
  std::array<double, 3> step(double target, double dt);

  double z = 0.0, dz = 0.0, ddz = 0.0;
  double max_speed_mps = 0.3, max_accel_mps2 = 3.0, min_drop_m = 0.0;
  double start_z = 0.0;  // m, where the descent in progress started
};

/// Ground height (m) the CoM height reference rides on: the mean of the stance soles' heights,
/// except stepping down: in single support (n_stance == 1) the swing foothold swing_z when more
/// than min_drop_m below; in double support (n_stance == 2) the last landed sole landed_z when
/// that much below the higher one. NaN swing_z / landed_z: none.
double support_ground(const double* stance_z, int n_stance,
                      double swing_z = std::numeric_limits<double>::quiet_NaN(),
                      double landed_z = std::numeric_limits<double>::quiet_NaN(),
                      double min_drop_m = 0.02);

}  // namespace cerebellum
