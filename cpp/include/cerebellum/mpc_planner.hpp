// The kinodynamic MPC as the walking controller's planning stage: references over the horizon
// from a gait plan and the CoM plan, one SQP-RTI solve of KinodynamicMPC, and the solve's knot
// trajectories as a time-indexed plan that the tick samples (the parameter layout of
// controllers/mpc.py, checked by a test).
#pragma once

#include <Eigen/Core>
#include <atomic>
#include <cstdint>
#include <memory>

#include "cerebellum/com_plan.hpp"
#include "cerebellum/gait_planner.hpp"
#include "cerebellum/mpc.hpp"

namespace cerebellum {

/// Per-knot parameter layout of the OCP (controllers/mpc.py P_CONTACT ... P_POSTURE0).
struct MpcParameterLayout {
  static constexpr int kContact = 0;  // (2) stance flags
  static constexpr int kFoot = 2;     // (6) sole positions, m, world
  static constexpr int kBasePos = 8;  // (3) m
  static constexpr int kYaw = 11;     // (1) rad, unwrapped about the state's yaw
  static constexpr int kVel = 12;     // (3) [vx, vy m/s world, yaw rate rad/s]
  static constexpr int kNormal = 15;  // (6) terrain normal under each foot
  static constexpr int kPosture = 21; // (nj) rad
};

/// What keeps the horizontal CoM while the MPC plans (the WBC tracks the MPC's CoM height,
/// contact wrenches and, optionally, posture and base in every case).
enum class MpcBalance {
  kLipm = 0,  // the DCM law around the LIPM/DCM plan anchored to the footholds
  kMpc = 1,   // the DCM law around the MPC's own CoM plan (its CoM, velocity and wrenches)
  kNone = 2,  // no balance law: the WBC's PD on the MPC's CoM
};

struct MpcPlannerSettings {
  KinodynamicMPCSettings solver;  // needs `mpc_out` in the library; solver.N + 1 <= gait knots
  Eigen::VectorXi joint_index;    // (nj) the MPC's joints in the robot's joint vector
  Eigen::VectorXd posture;        // (nj) posture reference, rad (standing)
  double dt_s = 0.04;             // knot spacing, s (the OCP's; = the gait plan's)
  double mass_kg = 0.0;           // total mass (weight split of the first guess)
  double base_above_com_m = 0.0;  // standing base height above the CoM, m
  MpcBalance balance = MpcBalance::kLipm;  // what keeps the horizontal CoM
  bool track_posture = false;     // WBC posture reference = the MPC's joint positions
  bool track_base = false;        // WBC base orientation = the MPC's (else upright)

  /// Throws std::invalid_argument naming the first invalid field.
  void validate() const;
};

/// The knot trajectories of one solve; knot k at t_solve + k * dt_s.
struct MpcTrajectory {
  bool valid = false;
  double t_solve = 0.0;  // s, the state's time of the solve
  double dt_s = 0.04;
  MPCStatus status = MPCStatus::kNotRun;
  MPCTrajectory knots;
};

/// The trajectory interpolated linearly at one time (MPCPlan.at).
struct MpcSample {
  Eigen::Vector3d com = Eigen::Vector3d::Zero(), vcom = Eigen::Vector3d::Zero();
  Eigen::VectorXd q, v;      // (nq), (nv); the base quaternion renormalised
  Eigen::VectorXd wrenches;  // (6 num_feet) at the soles, world axes
};

/// `since_s`: time since the solve, clamped to the horizon. No allocation when `out` comes from
/// MpcPlanner::make_sample().
void sample(const MpcTrajectory& traj, double since_s, MpcSample& out);

/// Owns the solver; one solve per planning cycle. Not thread-safe (the planning side's), except
/// the counters, which any thread may read.
class MpcPlanner {
 public:
  /// Loads the library (KinodynamicMPC); throws std::invalid_argument on invalid settings or a
  /// library without `mpc_out`.
  explicit MpcPlanner(const MpcPlannerSettings& settings);

  /// Forgets the warm start: the next solve starts from its state repeated.
  void reset();
  /// Whether a solve past solver.deadline_us (wall time) is cut short, keeping the previous plan
  /// (the threaded mode, what a robot runs). Off (the default, deterministic mode): every solve
  /// runs to its end, so that a simulation reproduces bit for bit, and a solve that took longer
  /// than the deadline is counted as a deadline miss all the same.
  void set_enforce_deadline(bool on);
  /// Fault injection: while on, every solve misses its deadline (a deadline of 0 µs): the shifted
  /// previous plan is kept and counted as a failure and a deadline miss. No allocation.
  void force_deadline_miss(bool on);
  /// One solve at the state's time t: q (nq), hg (6) centroidal momentum about the CoM, com (3)
  /// m; references from the first N+1 knots of gp (same knot spacing): footholds, contact flags,
  /// velocities, yaw, normals; base x, y from com_plan + the measured base-CoM offset; base z
  /// from the ground under the CoM as `ground` (a copy of the tick's filter) brings it to
  /// ground_z over the horizon, + com_height_m + base_above_com_m. Writes out (from
  /// make_trajectory()). No allocation.
  void solve(double t, const Eigen::VectorXd& q, const Eigen::Matrix<double, 6, 1>& hg,
             const Eigen::Vector3d& com, const GaitPlan& gp, const ComPlan& com_plan,
             DescentFilter ground, double ground_z, double com_height_m, MpcTrajectory& out);

  MpcTrajectory make_trajectory() const;
  MpcSample make_sample() const;
  /// The last solve's inputs: the state x0 (nx), the parameters (np, N+1) and the warm-start
  /// guess it started from, X (nx, N+1), U (nu, N) (the shifted previous plan, or the initial
  /// guess after reset()). Zeros before the first solve.
  const Eigen::VectorXd& last_x0() const { return x0_; }
  const Eigen::MatrixXd& last_parameters() const { return P_; }
  const Eigen::MatrixXd& last_guess_X() const { return X_; }
  const Eigen::MatrixXd& last_guess_U() const { return U_; }
  const MpcPlannerSettings& settings() const { return s_; }
  int knots() const { return s_.solver.N + 1; }
  int nq() const { return mpc_->out_nq(); }
  int nv() const { return mpc_->out_nv(); }

  struct Counters {
    std::uint64_t solves = 0, failures = 0, deadline_misses = 0;
    double last_solve_us = 0.0;
  };
  /// The solver's, since construction (any thread).
  Counters counters() const;

 private:
  void state(const Eigen::VectorXd& q, const Eigen::Matrix<double, 6, 1>& hg);
  MpcPlannerSettings s_;
  std::unique_ptr<KinodynamicMPC> mpc_;
  Eigen::MatrixXd P_, X_, U_;
  Eigen::VectorXd x0_, dyaw_;
  bool has_guess_ = false;
  bool enforce_deadline_ = true;
  bool forced_miss_ = false;
  std::uint64_t overruns_ = 0;  // solves past the deadline while not enforced
  double t_solve_ = 0.0;
  std::atomic<std::uint64_t> solves_{0}, failures_{0}, misses_{0};
  std::atomic<double> last_us_{0.0};
};

}  // namespace cerebellum
