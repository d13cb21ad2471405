// The walking controller: velocity command -> gait plan (schedule, footholds, swings) -> CoP and
// CoM/DCM plan -> DCM balance law -> whole-body QP -> joint torques. Composes the pieces of
// command_shaping.hpp, gait_planner.hpp, cop_plan.hpp, com_plan.hpp, balance_law.hpp,
// capture_step.hpp and wbc.hpp as controllers/walking.py does (LIPM planner), operation for
// operation, so that both give the same torques on the same states.
//
// Two rates: plan() (gait and CoM plans) every plan_period_s and at every contact change, tick()
// at dt_s. tick() runs plan() itself when one is due (deterministic: the same states give the same
// torques). Nothing allocates after construction.
#pragma once

#include <Eigen/Core>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cerebellum/com_plan.hpp"
#include "cerebellum/command_shaping.hpp"
#include "cerebellum/controller.hpp"
#include "cerebellum/cop_plan.hpp"
#include "cerebellum/footstep_planner.hpp"
#include "cerebellum/gait_planner.hpp"
#include "cerebellum/gait_settings.hpp"
#include "cerebellum/robot.hpp"
#include "cerebellum/swing_trajectory.hpp"
#include "cerebellum/terrain.hpp"
#include "cerebellum/wbc.hpp"

namespace cerebellum {

/// Where the footholds are planned around (controllers/walking.py WalkingOptions.step_feedback).
enum class StepFeedback : std::uint8_t {
  kGait = 0,     // the gait heuristic around the measured CoM / base, DCM step adjustment
  kDcm = 1,      // the heuristic around the capture point
  kCapture = 2,  // the capture foothold once the swing has lifted off (capture_step.hpp)
};

/// Everything the controller needs, resolved (Python's WalkingController.__init__ computes the
/// same values from the robot file, its [walking] table and the scenario's options).
struct WalkingSettings {
  std::string model_path;                // MJCF or URDF of the robot
  std::array<std::string, 2> foot_frames;  // left, right sole frames
  std::string imu_frame = "base_imu";    // tracked too (the Robot's third frame)
  GaitSettings gait;                     // com_height_m is the walking CoM height
  FootholdSearch search;
  WholeBodyQPSettings wbc;               // contacts: left, right
  CommandShapingSettings shaping;
  SoleGeometry sole;                     // CoP bounds and sole centre, sole frame
  Eigen::VectorXd q_stand;               // (nq) standing configuration, Pinocchio order
  Eigen::Vector2d base_minus_com = Eigen::Vector2d::Zero();  // heading frame, m
  Eigen::VectorXi arm_joints;            // posture indices (joint order) of the arm swing
  Eigen::VectorXd arm_coeffs;            // rad per metre of left-sole lead
  double dt_s = 0.001;                   // tick period, s
  int plan_every = 20;                   // ticks between periodic plans (1 / mpc_hz)
  int n_knots = 41;                      // gait plan knots
  double knot_dt_s = 0.04;               // s
  double k_dcm = 2.0;                    // 1/s
  double max_yaw_lead_rad = 0.3;
  StepFeedback step_feedback = StepFeedback::kGait;
  bool footholds_from_com = true;
  double step_dcm_gain = 0.5;
  double max_step_adjust_m = 0.15;
  double stop_speed_mps = 0.1;
  double push_step_margin_m = 0.0;       // inf: no push stepping
  double push_step_double_support_s = 0.1;
  bool dcm_replan = true;
  double com_descent_accel_mps2 = 3.0;
  double com_descent_speed_mps = 0.3;
  double com_step_down_min_m = 0.02;
  /// -1: terrain-aware when the terrain is stepped; 0: never; 1: always (with a terrain).
  int terrain_aware = -1;

  /// Throws std::invalid_argument naming the first invalid field.
  void validate() const;
};

/// Counters and timings since reset().
struct WalkingStats {
  std::uint64_t ticks = 0;
  std::uint64_t plans = 0;
  std::uint64_t push_steps = 0;      // stepping episodes started by a push
  std::uint64_t wbc_failures = 0;    // ticks that returned the QP's fallback
  double last_tick_us = 0.0;         // whole tick (plan included when one ran), µs
  double last_wbc_us = 0.0;          // the QP's share, µs
};

class WalkingController final : public Controller {
 public:
  /// `terrain`: not owned, may be null (flat ground at the feet's heights); must outlive the
  /// controller. Throws std::invalid_argument on invalid settings or model.
  explicit WalkingController(const WalkingSettings& settings,
                             const TerrainQuery* terrain = nullptr);
  ~WalkingController() override;
  WalkingController(const WalkingController&) = delete;
  WalkingController& operator=(const WalkingController&) = delete;

  /// Starts at the measured state (needs state.has_base): references at the state, standing.
  void reset(const RobotState& state) override;
  /// One control tick at state.t_s: plans when due, then the balance law and the QP. Returns the
  /// joint torques (nj) N m. Throws std::invalid_argument on a state without base or of the wrong
  /// size, std::logic_error before reset().
  const Eigen::VectorXd& tick(const RobotState& state, const Command& command) override;
  /// One planning cycle at state.t_s (gait plan, CoP waypoints, CoM plans, ground height).
  void plan(const RobotState& state, const Command& command);

  const WalkingSettings& settings() const { return settings_; }
  const WalkingStats& stats() const { return stats_; }
  const GaitPlan& last_plan() const { return gait_plan_; }
  const WholeBodyQP& qp() const { return *qp_; }
  /// The CoM plan the balance law tracks (anchored to the measured DCM when dcm_replan).
  const ComPlan& com_plan() const { return anchored_ ? plan_anchored_ : plan_free_; }
  double omega() const { return omega_; }
  bool terrain_aware() const { return terrain_ != nullptr; }

 private:
  struct Kinematics {
    Eigen::Vector3d com, vcom;
    FeetPoses feet;
    double yaw = 0.0;
    Eigen::Matrix3d R;
  };
  void kinematics(const RobotState& state, Kinematics& k);

  WalkingSettings settings_;
  const TerrainQuery* terrain_input_;
  const TerrainQuery* terrain_ = nullptr;  // the planner's (null: not terrain-aware)
  double omega_;
  std::unique_ptr<Robot> robot_;       // the QP's
  std::unique_ptr<WholeBodyQP> qp_;
  WholeBodyReferences refs_;
  std::unique_ptr<GaitPlanner> planner_;
  GaitPlan gait_plan_;
  CommandRamp ramp_;
  VelocityAverage vavg_;
  DriftCorrection drift_;
  CopPlan cop_;
  SupportArea support_;
  ComPlan plan_free_, plan_anchored_;
  bool anchored_ = false, has_plan_ = false, reset_done_ = false;
  DescentFilter ground_;
  double ground_z_ = 0.0;
  double yaw_ref_ = 0.0, yaw_rate_ = 0.0;
  double t_plan_ = 0.0, next_event_ = 0.0;
  std::optional<Touchdown> last_touchdown_;
  // the swings of the last plan: foot, timing, trajectory (copies: valid until the next plan)
  std::array<Foothold, GaitPlan::kMaxFootholds> swing_fh_;
  std::array<SwingTrajectory, GaitPlan::kMaxFootholds> swing_traj_;
  std::array<bool, GaitPlan::kMaxFootholds> swing_has_traj_{};
  int n_swings_ = 0;
  // scratch
  Kinematics kin_;
  Eigen::VectorXd q_, v_, posture_;
  Eigen::Array<bool, Eigen::Dynamic, 1> mask_;
  std::array<SwingInterval, GaitPlan::kMaxFootholds + 1> sched_swings_;
  WalkingStats stats_;
};

}  // namespace cerebellum
