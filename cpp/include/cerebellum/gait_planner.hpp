// Gait planner: contact schedule + footholds + swing trajectories + base references for a velocity
// command, over a horizon of knots: liftoff poses latched, touchdown targets held after
// touchdown_freeze_phase, swing trajectories reused while their ends stay; plan() allocates
// nothing after construction.
#pragma once

#include <Eigen/Core>
#include <array>
#include <limits>

#include "cerebellum/contact_schedule.hpp"
#include "cerebellum/foothold.hpp"
#include "cerebellum/footstep_planner.hpp"
#include "cerebellum/gait_settings.hpp"
#include "cerebellum/swing_trajectory.hpp"
#include "cerebellum/terrain.hpp"

namespace cerebellum {

/// Measured state the planner needs, world frame: base position (m), base yaw (rad), base linear
/// velocity (m/s), sole origins (m) and sole yaws (rad) of the left and right feet.
struct GaitState {
  Eigen::Vector3d base_position = Eigen::Vector3d::Zero();
  double base_yaw = 0.0;
  Eigen::Vector3d base_velocity = Eigen::Vector3d::Zero();
  std::array<Eigen::Vector3d, 2> foot_positions{Eigen::Vector3d::Zero(), Eigen::Vector3d::Zero()};
  std::array<double, 2> foot_yaw{0.0, 0.0};
};

/// Output of GaitPlanner::plan for knots times[0..n) (knot 0 = now), world frame, preallocated
/// at `capacity` knots (rows past n are stale). Per knot i: contact(i, foot); foot_positions row
/// i = [left xyz, right xyz] (m): stance feet at their current or planned footholds, swing feet on
/// their trajectories; foot_normals the same layout: terrain normal under each foot's current or
/// planned foothold; base_position (m), base_yaw (rad), base_velocity (m/s), base_yaw_rate
/// (rad/s). swing[foot]: the sole reference at times[0] (stance feet: their pose, zero rates);
/// swing_phase[foot] in [0, 1] (NaN in contact); footholds[0..n_footholds): the touchdowns planned
/// in the horizon in time order (including the one of a swing in progress).
struct GaitPlan {
  static constexpr int kMaxFootholds = 16;
  using Contact = Eigen::Matrix<bool, Eigen::Dynamic, 2, Eigen::RowMajor>;

  explicit GaitPlan(int capacity = 64);
  int capacity() const { return static_cast<int>(times.size()); }

  int n = 0;
  Eigen::VectorXd times;                                                  // (capacity)
  Contact contact;                                                        // (capacity, 2)
  Eigen::Matrix<double, Eigen::Dynamic, 6, Eigen::RowMajor> foot_positions;  // (capacity, 6)
  Eigen::Matrix<double, Eigen::Dynamic, 6, Eigen::RowMajor> foot_normals;    // (capacity, 6)
  Eigen::MatrixXd base_position;                                          // (capacity, 3)
  Eigen::VectorXd base_yaw;                                               // (capacity)
  Eigen::MatrixXd base_velocity;                                          // (capacity, 3)
  Eigen::VectorXd base_yaw_rate;                                          // (capacity)
  std::array<SwingSample, 2> swing;
  std::array<double, 2> swing_phase{std::numeric_limits<double>::quiet_NaN(),
                                    std::numeric_limits<double>::quiet_NaN()};
  std::array<Foothold, kMaxFootholds> footholds;
  int n_footholds = 0;
};

/// Stateful (the schedule's start/stop, the liftoff pose of each swing, the touchdown target held
/// after touchdown_freeze_phase): call plan() with non-decreasing t. `terrain` (not owned; null:
/// flat ground at the feet's heights) enables terrain-aware footholds, terrain-clearing swings and
/// a base height that follows the ground under the feet. follow_command false: the schedule is
/// driven from outside (schedule().start / stop).
class GaitPlanner {
 public:
  static constexpr int kKeptTrajectories = 8;  // swing trajectories reused across plans

  /// capacity: most knots of a plan. Throws std::invalid_argument on invalid settings.
  GaitPlanner(const GaitSettings& settings, const TerrainQuery* terrain = nullptr,
              const FootholdSearch& search = {}, bool follow_command = true, int capacity = 64);

  /// Plans n knots dt (s) apart from time t (s) into `out` (capacity >= n). Throws
  /// std::invalid_argument on n outside [1, capacity], dt <= 0, or more than kMaxFootholds swings
  /// in the horizon.
  void plan(double t, const GaitState& state, const VelocityCommand& command, int n, double dt,
            GaitPlan& out);
  /// Forgets the latched liftoff poses, touchdown targets and reused searches (not the schedule).
  void reset();
  /// A plan preallocated at this planner's capacity.
  GaitPlan make_plan() const { return GaitPlan(capacity_); }

  /// The swing trajectory kept for (foot, t_liftoff) by the last plan(), or nullptr; valid until
  /// the next plan().
  const SwingTrajectory* trajectory_for(int foot, double t_liftoff) const;
  ContactSchedule& schedule() { return schedule_; }
  const ContactSchedule& schedule() const { return schedule_; }
  FootstepPlanner& footsteps() { return footsteps_; }
  const GaitSettings& settings() const { return settings_; }
  const TerrainQuery* terrain() const { return terrain_; }
  bool follow_command() const { return follow_command_; }
  int capacity() const { return capacity_; }

 private:
  struct Stance {  // a foot's latched pose (liftoff pose while it swings)
    bool valid = false;
    Eigen::Vector3d position = Eigen::Vector3d::Zero();
    double yaw = 0.0;
    Eigen::Vector3d normal = Eigen::Vector3d::UnitZ();
  };
  struct Kept {  // a swing trajectory, keyed by (foot, t_liftoff)
    int foot = kLeft;
    double t_liftoff = 0.0;
    SwingTrajectory trajectory;
  };
  Eigen::Vector3d normal_at(const Eigen::Vector3d& p) const;
  const SwingTrajectory& trajectory(const Stance& start, const Foothold& fh);

  GaitSettings settings_;
  const TerrainQuery* terrain_;
  bool follow_command_;
  int capacity_;
  ContactSchedule schedule_;
  FootstepPlanner footsteps_;
  std::array<Stance, 2> stance_;
  std::array<bool, 2> has_target_{false, false};
  std::array<Foothold, 2> targets_;
  std::array<Kept, kKeptTrajectories> kept_;
  int n_kept_ = 0;
  // scratch
  std::array<SwingInterval, GaitPlan::kMaxFootholds + 1> swings_;
  Eigen::VectorXd ground_;  // (capacity) mean ground height under the feet
  Eigen::Matrix<double, Eigen::Dynamic, 2, Eigen::RowMajor> ground_feet_;  // (capacity, 2)
};

}  // namespace cerebellum
