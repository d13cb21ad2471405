// The walking controller: velocity command -> gait plan (schedule, footholds, swings) -> CoP and
// CoM/DCM plan -> DCM balance law -> whole-body QP -> joint torques. Composes the pieces of
// command_shaping.hpp, gait_planner.hpp, cop_plan.hpp, com_plan.hpp, balance_law.hpp,
// capture_step.hpp and wbc.hpp (and mpc_planner.hpp for planner "mpc").
//
// Two rates: planning (gait and CoM plans) and the tick at dt_s. A planning cycle writes one
// WalkingPlan, time-indexed (CoM/DCM plan, swings with their trajectories, support area, ground
// height), handed to the tick through a PlanBuffer. Deterministic mode (the default, for
// simulation): tick() plans itself every plan_every ticks and at every contact change, so the
// same states give the same torques. Threaded mode (start_planning_thread, what a robot runs):
// a PlanningThread plans every plan_every * dt_s of wall time from the latest state the tick
// published; the tick only interpolates the latest plan and solves the QP, and a late or failed
// cycle leaves the previous plan in use (counted). Nothing allocates after construction.
#pragma once

#include <Eigen/Core>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cerebellum/plan_buffer.hpp"
#include "cerebellum/planning_thread.hpp"

#include "cerebellum/com_plan.hpp"
#include "cerebellum/command_shaping.hpp"
#include "cerebellum/controller.hpp"
#include "cerebellum/cop_plan.hpp"
#include "cerebellum/footstep_planner.hpp"
#include "cerebellum/gait_planner.hpp"
#include "cerebellum/gait_settings.hpp"
#include "cerebellum/mpc_planner.hpp"
#include "cerebellum/robot.hpp"
#include "cerebellum/safety_layer.hpp"
#include "cerebellum/swing_trajectory.hpp"
#include "cerebellum/terrain.hpp"
#include "cerebellum/wbc.hpp"

namespace cerebellum {

class BaseEstimator;
struct BaseEstimatorInput;

/// Where the footholds are planned around (controllers/walking_config.py footholds.step_feedback).
enum class StepFeedback : std::uint8_t {
  kGait = 0,     // the gait heuristic around the measured CoM / base, DCM step adjustment
  kDcm = 1,      // the heuristic around the capture point
  kCapture = 2,  // the capture foothold once the swing has lifted off (capture_step.hpp)
};

/// Everything the controller needs, resolved (controllers/walk_setup.py and walking.py compute
/// them from the robot file, its [walking] table and the scenario's options).
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
  /// planner "mpc": the kinodynamic MPC solves at every plan on the gait plan's first knots and
  /// the tick tracks its CoM height, wrenches (and, as set, posture, base); else "lipm".
  bool use_mpc = false;
  MpcPlannerSettings mpc;
  SafetySettings safety;  // checks of each tick's input and output (safety_layer.hpp)

  /// Throws std::invalid_argument naming the first invalid field.
  void validate() const;
};

/// Counters and timings since reset().
struct WalkingStats {
  std::uint64_t ticks = 0;
  std::uint64_t qp_ticks = 0;        // ticks that ran the QP (the others: the safety fallback)
  std::uint64_t plans = 0;
  std::uint64_t push_steps = 0;      // stepping episodes started by a push
  std::uint64_t wbc_failures = 0;    // ticks that returned the QP's fallback
  std::uint64_t stale_ticks = 0;     // threaded: ticks on a plan older than 0.1 s or past its
                                     // next contact change
  double last_tick_us = 0.0;         // whole tick (plan included when one ran), µs
  double last_wbc_us = 0.0;          // the QP's share, µs
  std::uint64_t mpc_solves = 0;      // planner "mpc": solves, failures (the shifted previous
  std::uint64_t mpc_failures = 0;    // plan kept), of which deadline misses
  std::uint64_t mpc_deadline_misses = 0;
  std::uint64_t mpc_fallback_ticks = 0;  // ticks on the LIPM plan: the MPC's was not finite
  double last_mpc_solve_us = 0.0;
};

/// What one planning cycle hands to the tick (time-indexed: the tick samples it at its own t).
struct WalkingPlan {
  static constexpr int kMax = GaitPlan::kMaxFootholds;
  explicit WalkingPlan(const SoleGeometry& sole = {});

  bool valid = false;
  double t_plan = 0.0;                  // s, the state's time the plan was made at
  bool anchored = false;                // com() is the plan anchored to the measured DCM
  ComPlan free, anchored_plan;          // CoM/DCM plans (footholds' own; anchored)
  SupportArea support;                  // CoP bounds over the plan's swings and stance soles
  std::array<Foothold, kMax> swing_fh;  // the plan's swings in time order
  std::array<SwingTrajectory, kMax> swing_traj;
  std::array<bool, kMax> has_traj{};
  int n_swings = 0;
  double ground_z = 0.0;                // m, the ground the CoM height reference rides on
  double yaw_rate = 0.0;                // rad/s, the shaped command's
  double next_event = 0.0;              // s, the first liftoff or touchdown after t_plan
  std::optional<Touchdown> last_touchdown;

  MpcTrajectory mpc;                    // planner "mpc": the solve of this plan

  const ComPlan& com() const { return anchored ? anchored_plan : free; }
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
  /// joint torques (nj) N m, through the safety layer (a refused input: its fallback, without
  /// planning or QP). Throws std::invalid_argument on a state without base or of the wrong
  /// size, std::logic_error before reset().
  const Eigen::VectorXd& tick(const RobotState& state, const Command& command) override;
  /// One planning cycle at state.t_s, used by the next tick (deterministic mode only; throws
  /// std::logic_error while the planning thread runs).
  void plan(const RobotState& state, const Command& command);

  /// Threaded mode: planning every plan_every * dt_s (wall time) on its own thread from the
  /// latest state a tick published; reset() keeps it running. No effect when running.
  void start_planning_thread();
  void stop_planning_thread();
  bool planning_thread_running() const { return thread_ && thread_->running(); }
  /// Fault injection (planner "mpc"; no effect otherwise): while on, every MPC solve misses its
  /// deadline and the shifted previous plan is kept (MpcPlanner::force_deadline_miss).
  void force_mpc_deadline_miss(bool on) {
    if (mpc_) mpc_->force_deadline_miss(on);
  }
  /// The planning thread's cycles, failures and deadline misses (zeros when never started).
  PlanningThread::Stats planning_stats() const;

  /// The current plan at t per foot [left, right]: 1 stance, 0 swing; -1 before the first plan
  /// (the base estimator's contact prior). Tick side: safe beside the planning thread.
  std::array<int, 2> planned_contacts(double t) const;

  /// Runs `estimator` inside tick(): every tick but the first after reset() first updates it
  /// from the state's IMU (gyro, accelerometer, orientation), encoders and sole F/T sensors
  /// (RobotState's convention: the leg's wrench on the foot, as MuJoCo's sensors give it; the
  /// estimator takes the ground reaction, its negative), over dt_s, with planned_contacts(t) as
  /// the contact prior; the tick then runs on the estimated base (state.base is ignored).
  /// reset() takes the estimator's current estimate as the base: reset the estimator at the
  /// start pose first. Not owned (it must outlive this controller or be detached with nullptr);
  /// the same model's joints. Nothing allocates per tick.
  void attach_estimator(BaseEstimator* estimator);
  const BaseEstimator* estimator() const { return est_; }

  const WalkingSettings& settings() const { return settings_; }
  /// Counters (plans and push_steps are counted by the planning side, read atomically).
  WalkingStats stats() const;
  const GaitPlan& last_plan() const { return gait_plan_; }
  const WholeBodyQP& qp() const { return *qp_; }
  /// The QP's inputs of the last tick that ran it (stats().qp_ticks counts those ticks): q (nq),
  /// v (nv) in Pinocchio conventions, the contact mask (nc) and the references. The tick's own
  /// buffers: valid until the next tick.
  const Eigen::VectorXd& qp_q() const { return q_; }
  const Eigen::VectorXd& qp_v() const { return v_; }
  const Eigen::Array<bool, Eigen::Dynamic, 1>& qp_mask() const { return mask_; }
  const WholeBodyReferences& qp_references() const { return refs_; }
  const SafetyLayer& safety() const { return *safety_; }
  /// Planner "mpc": the MPC stage (null otherwise); the planning side's (deterministic mode).
  const MpcPlanner* mpc() const { return mpc_.get(); }
  /// The CoM plan the balance law tracks (anchored to the measured DCM when dcm_replan).
  const ComPlan& com_plan() const { return cur_->com(); }
  double omega() const { return omega_; }
  bool terrain_aware() const { return terrain_ != nullptr; }

 private:
  /// `state` with the attached estimator's base (updated first when `update`), else `state`.
  const RobotState& with_estimated_base(const RobotState& state, bool update);

  struct Kinematics {
    Eigen::Vector3d com, vcom;
    FeetPoses feet;
    double yaw = 0.0;
    Eigen::Matrix3d R;
  };
  /// What the tick hands to the planner: the state, the command, the tick's last touchdown and
  /// height filter (the MPC's height references continue it).
  struct PlannerInput {
    RobotState state;
    Command command;
    std::optional<Touchdown> last_touchdown;
    DescentFilter ground;
  };
  void kinematics(Robot& robot, const RobotState& state, Kinematics& k, Eigen::VectorXd& q,
                  Eigen::VectorXd& v);
  void plan_into(const PlannerInput& in, WalkingPlan& out);  // the planning side
  void plan_now(const RobotState& state, const Command& command);  // deterministic
  bool take_plan();  // the tick adopts the newest published plan
  void track_mpc(double t, const WalkingPlan& p, const Eigen::Vector2d& acom_xy);

  WalkingSettings settings_;
  const TerrainQuery* terrain_input_;
  const TerrainQuery* terrain_ = nullptr;  // the planner's (null: not terrain-aware)
  double omega_;
  bool reset_done_ = false;
  // planning side (the planning thread's, or the tick's in deterministic mode)
  std::unique_ptr<Robot> plan_robot_;
  std::unique_ptr<GaitPlanner> planner_;
  GaitPlan gait_plan_;
  CommandRamp ramp_;
  VelocityAverage vavg_;
  DriftCorrection drift_;
  CopPlan cop_;
  ComPlan prev_free_;  // the previous cycle's footholds plan (DCM step adjustment)
  bool has_prev_ = false;
  Kinematics pkin_;
  Eigen::VectorXd pq_, pv_;
  std::array<SwingInterval, GaitPlan::kMaxFootholds + 1> sched_swings_;
  std::unique_ptr<MpcPlanner> mpc_;  // planner "mpc"
  std::atomic<std::uint64_t> plans_count_{0}, push_steps_{0};
  // hand-over
  PlanBuffer<WalkingPlan> plans_;
  PlanBuffer<PlannerInput> inbox_;
  PlannerInput reset_input_;  // the reset state: the threaded mode's first plan
  std::unique_ptr<PlanningThread> thread_;
  // tick side
  const WalkingPlan* cur_;
  std::unique_ptr<Robot> robot_;  // the QP's
  std::unique_ptr<WholeBodyQP> qp_;
  std::unique_ptr<SafetyLayer> safety_;
  WholeBodyReferences refs_;
  DescentFilter ground_;
  double yaw_ref_ = 0.0;
  std::optional<Touchdown> last_touchdown_;
  Kinematics kin_;
  Eigen::VectorXd q_, v_, posture_;
  Eigen::Array<bool, Eigen::Dynamic, 1> mask_;
  MpcSample mpc_sample_;
  WalkingStats stats_;
  // the attached base estimator (attach_estimator), its input and the state on its base
  BaseEstimator* est_ = nullptr;
  std::unique_ptr<BaseEstimatorInput> est_in_;
  RobotState est_state_;
  bool est_fresh_ = true;  // no update on the first tick after reset (the reset's state)
};

}  // namespace cerebellum
