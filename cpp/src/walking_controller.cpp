#include "cerebellum/walking_controller.hpp"

#include <Eigen/Geometry>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "cerebellum/balance_law.hpp"
#include "cerebellum/base_estimator.hpp"
#include "cerebellum/capture_step.hpp"

namespace cerebellum {

namespace {

void require(bool ok, const char* field, const std::string& problem) {
  if (!ok) throw std::invalid_argument(std::string("WalkingSettings.") + field + ": " + problem);
}

bool positive(double x) { return std::isfinite(x) && x > 0.0; }
bool non_negative(double x) { return std::isfinite(x) && x >= 0.0; }

double clip(double x, double lo, double hi) { return std::min(std::max(x, lo), hi); }

Eigen::Matrix3d rotation_of(const Eigen::Vector4d& xyzw) {
  return Eigen::Quaterniond(xyzw[3], xyzw[0], xyzw[1], xyzw[2]).toRotationMatrix();
}

}  // namespace

void WalkingSettings::validate() const {
  gait.validate();
  shaping.validate();
  search.validate();
  require(!model_path.empty(), "model_path", "empty");
  require(!foot_frames[0].empty() && !foot_frames[1].empty(), "foot_frames", "empty name");
  require(wbc.contacts.size() == 2, "wbc.contacts", "expected 2 (left, right)");
  require(q_stand.size() >= 7 && q_stand.allFinite(), "q_stand", "expected (nq) finite values");
  require(base_minus_com.allFinite(), "base_minus_com", "not finite");
  require(arm_joints.size() == arm_coeffs.size(), "arm_coeffs", "one coefficient per arm joint");
  require(arm_coeffs.allFinite(), "arm_coeffs", "not finite");
  require(positive(dt_s), "dt_s", "expected > 0");
  require(plan_every >= 1, "plan_every", "expected >= 1");
  require(n_knots >= 2, "n_knots", "expected >= 2");
  require(positive(knot_dt_s), "knot_dt_s", "expected > 0");
  require(non_negative(k_dcm), "k_dcm", "expected >= 0");
  require(positive(max_yaw_lead_rad), "max_yaw_lead_rad", "expected > 0");
  require(non_negative(step_dcm_gain), "step_dcm_gain", "expected >= 0");
  require(positive(max_step_adjust_m), "max_step_adjust_m", "expected > 0");
  require(positive(stop_speed_mps), "stop_speed_mps", "expected > 0");
  require(!std::isnan(push_step_margin_m) && push_step_margin_m >= 0.0, "push_step_margin_m",
          "expected >= 0 or inf");
  require(positive(push_step_double_support_s), "push_step_double_support_s", "expected > 0");
  require(positive(com_descent_accel_mps2), "com_descent_accel_mps2", "expected > 0");
  require(positive(com_descent_speed_mps), "com_descent_speed_mps", "expected > 0");
  require(non_negative(com_step_down_min_m), "com_step_down_min_m", "expected >= 0");
  require(terrain_aware >= -1 && terrain_aware <= 1, "terrain_aware", "expected -1, 0 or 1");
  if (use_mpc) {
    mpc.validate();
    require(mpc.solver.N + 1 <= n_knots, "mpc.solver.N", "the MPC needs N + 1 <= n_knots knots");
    require(std::abs(mpc.dt_s - knot_dt_s) <= 1e-12, "mpc.dt_s", "expected the gait plan's knot_dt_s");
  }
  safety.validate();
}

WalkingPlan::WalkingPlan(const SoleGeometry& sole)
    : free(3 * kMax + 2), anchored_plan(3 * kMax + 2), support(sole, kMax) {}

namespace {

/// A plan with every buffer at its size (copies into it allocate nothing).
WalkingPlan plan_prototype(const WalkingSettings& s, const MpcPlanner* mpc) {
  WalkingPlan p(s.sole);
  if (mpc != nullptr) p.mpc = mpc->make_trajectory();
  return p;
}

}  // namespace

WalkingController::WalkingController(const WalkingSettings& s, const TerrainQuery* terrain)
    : settings_((s.validate(), s)),
      terrain_input_(terrain),
      omega_(omega_for(s.gait.com_height_m)),
      gait_plan_(s.n_knots),
      ramp_(s.shaping),
      vavg_(s.gait.step_duration_s),
      drift_(s.shaping),
      cop_(s.gait, s.sole, GaitPlan::kMaxFootholds),
      prev_free_(3 * GaitPlan::kMaxFootholds + 2),
      mpc_(s.use_mpc ? std::make_unique<MpcPlanner>(s.mpc) : nullptr),
      plans_(plan_prototype(s, mpc_.get())),
      inbox_(PlannerInput{make_state(static_cast<int>(s.q_stand.size()) - 7), Command(), {}, DescentFilter()}),
      reset_input_{make_state(static_cast<int>(s.q_stand.size()) - 7), Command(), {}, DescentFilter()},
      cur_(&plans_.front()),
      ground_(0.0, s.com_descent_speed_mps, s.com_descent_accel_mps2, s.com_step_down_min_m) {
  const std::vector<std::string> frames{s.foot_frames[0], s.foot_frames[1], s.imu_frame};
  robot_ = std::make_unique<Robot>(s.model_path, frames);
  plan_robot_ = std::make_unique<Robot>(s.model_path, frames);
  if (robot_->nq() != s.q_stand.size())
    throw std::invalid_argument("WalkingSettings.q_stand: expected " +
                                std::to_string(robot_->nq()) + " entries (the model's nq)");
  for (int i = 0; i < s.arm_joints.size(); ++i)
    if (s.arm_joints[i] < 0 || s.arm_joints[i] >= robot_->nv() - 6)
      throw std::invalid_argument("WalkingSettings.arm_joints: joint index out of range");
  if (mpc_ && (mpc_->nq() != robot_->nq() || mpc_->nv() != robot_->nv()))
    throw std::invalid_argument("WalkingSettings.mpc.solver.library: built for another model (nq " +
                                std::to_string(mpc_->nq()) + ", nv " + std::to_string(mpc_->nv()) + ")");
  mpc_sample_ = mpc_ ? mpc_->make_sample() : MpcSample();
  qp_ = std::make_unique<WholeBodyQP>(*robot_, s.wbc);
  {  // the model's limits; the standing base height over the lower sole
    const JointLimits& jl = robot_->joint_limits();
    const WholeBodyQuantities& w = robot_->compute(s.q_stand, Eigen::VectorXd::Zero(robot_->nv()));
    const double h = s.q_stand[2] - std::min(w.frames[0].p.z(), w.frames[1].p.z());
    safety_ = std::make_unique<SafetyLayer>(
        s.safety, SafetyLimits{jl.lower, jl.upper, jl.velocity, jl.effort, h}, s.dt_s);
  }
  refs_ = qp_->make_references(s.q_stand);
  planner_ = std::make_unique<GaitPlanner>(s.gait, nullptr, s.search, true, s.n_knots);
  q_.setZero(robot_->nq());
  v_.setZero(robot_->nv());
  pq_.setZero(robot_->nq());
  pv_.setZero(robot_->nv());
  posture_ = s.q_stand.tail(robot_->nv() - 6);
  mask_.setConstant(2, true);
}

WalkingController::~WalkingController() { stop_planning_thread(); }

void WalkingController::kinematics(Robot& robot, const RobotState& state, Kinematics& k,
                                   Eigen::VectorXd& q, Eigen::VectorXd& v) {
  if (!state.has_base)
    throw std::invalid_argument("WalkingController: the state has no base (estimate or truth)");
  if (state.joint_pos.size() != robot.nq() - 7 || state.joint_vel.size() != robot.nv() - 6)
    throw std::invalid_argument("WalkingController: state joint arrays of the wrong size");
  state.q(q);
  state.v(v);
  const WholeBodyQuantities& w = robot.compute(q, v);
  k.com = w.com;
  k.vcom = w.vcom;
  for (int f = 0; f < 2; ++f) {
    const FramePose& p = w.frames[static_cast<size_t>(f)];
    k.feet[static_cast<size_t>(f)].position = p.p;
    k.feet[static_cast<size_t>(f)].yaw = std::atan2(p.R(1, 0), p.R(0, 0));
  }
  k.R = rotation_of(state.base.quat_xyzw);
  k.yaw = std::atan2(k.R(1, 0), k.R(0, 0));
}

void WalkingController::reset(const RobotState& measured) {
  const RobotState& state = with_estimated_base(measured, false);
  est_fresh_ = true;
  const bool threaded = planning_thread_running();
  stop_planning_thread();
  const WalkingSettings& s = settings_;
  const int aware = s.terrain_aware;
  const bool use = terrain_input_ != nullptr &&
                   (aware == 1 || (aware == -1 && terrain_input_->stepped()));
  terrain_ = use ? terrain_input_ : nullptr;
  planner_ = std::make_unique<GaitPlanner>(s.gait, terrain_, s.search, true, s.n_knots);
  kinematics(*robot_, state, kin_, q_, v_);
  yaw_ref_ = kin_.yaw;
  refs_.posture = s.q_stand.tail(robot_->nv() - 6);
  refs_.com = kin_.com;
  refs_.vcom.setZero();
  refs_.acom.setZero();
  refs_.base_R = yaw_matrix(yaw_ref_);
  refs_.base_omega.setZero();
  refs_.base_omega_dot.setZero();
  ground_.reset(kin_.com.z() - s.gait.com_height_m, s.com_descent_speed_mps,
                s.com_descent_accel_mps2, s.com_step_down_min_m);
  has_prev_ = false;
  if (mpc_) mpc_->reset();
  last_touchdown_.reset();
  ramp_.reset();
  vavg_.reset();
  drift_.reset();
  plans_count_.store(0);
  push_steps_.store(0);
  stats_ = WalkingStats();
  safety_->reset();
  // no plan yet: the first tick plans (deterministic), or plans here for the thread's first
  // ticks; a plan that is not valid makes the first tick plan
  WalkingPlan& none = plans_.back();
  none.valid = false;
  none.mpc.valid = false;
  none.ground_z = ground_.z;
  plans_.publish();
  take_plan();
  reset_input_.state = state;
  reset_input_.command = Command();
  reset_input_.last_touchdown.reset();
  reset_input_.ground = ground_;
  reset_done_ = true;
  if (threaded) start_planning_thread();
}

void WalkingController::plan(const RobotState& state, const Command& command) {
  if (!reset_done_) throw std::logic_error("WalkingController::plan before reset");
  if (planning_thread_running())
    throw std::logic_error("WalkingController::plan while the planning thread runs");
  plan_now(state, command);
}

void WalkingController::plan_now(const RobotState& state, const Command& command) {
  PlannerInput& in = inbox_.back();
  in.state = state;  // same sizes: no allocation
  in.command = command;
  in.last_touchdown = last_touchdown_;
  in.ground = ground_;
  plan_into(in, plans_.back());
  plans_.publish();
  take_plan();
}

bool WalkingController::take_plan() {
  if (!plans_.update()) return false;
  cur_ = &plans_.front();
  if (cur_->valid) last_touchdown_ = cur_->last_touchdown;
  return true;
}

void WalkingController::plan_into(const PlannerInput& in, WalkingPlan& out) {
  const WalkingSettings& s = settings_;
  const GaitSettings& g = s.gait;
  const RobotState& state = in.state;
  const double t = state.t_s;
  std::optional<Touchdown> last_td = in.last_touchdown;
  kinematics(*plan_robot_, state, pkin_, pq_, pv_);
  const Eigen::Vector2d com = pkin_.com.head<2>(), vcom = pkin_.vcom.head<2>();
  const double yaw = pkin_.yaw;
  VelocityCommand cmd = ramp_.step(t, in.command.velocity);
  const double dt_plan = vavg_.update(t, vcom);
  ContactSchedule& schedule = planner_->schedule();
  cmd = drift_.correct(cmd, vavg_.value(), yaw, dt_plan, schedule.is_walking(t),
                       g.command_deadband);
  if (cmd.is_zero(g.command_deadband)) {
    // keep stepping until the CoM has slowed down; standing, a DCM outside the feet steps
    const Eigen::Vector2d dcm = com + vcom / omega_;
    const bool outside = s.sole.dcm_outside(dcm, pkin_.feet, s.push_step_margin_m);
    if (schedule.is_walking(t)) {
      if (outside || vavg_.value().norm() > s.stop_speed_mps)
        cmd = VelocityCommand{2.0 * g.command_deadband, 0.0, 0.0};
    } else if (outside) {
      double d[2];
      for (int f = 0; f < 2; ++f)
        d[f] = (dcm - s.sole.centre_at(pkin_.feet[static_cast<size_t>(f)])).norm();
      const int far = d[1] > d[0] ? kRight : kLeft;  // argmax: the first on ties
      schedule.start(t, far, s.push_step_double_support_s);
      cmd = VelocityCommand{2.0 * g.command_deadband, 0.0, 0.0};
      push_steps_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  SwingInterval nxt;
  const bool has_next = schedule.next_swings(t, 1, &nxt) > 0;
  GaitState gs;
  gs.base_yaw = yaw;
  for (int f = 0; f < 2; ++f) {
    gs.foot_positions[static_cast<size_t>(f)] = pkin_.feet[static_cast<size_t>(f)].position;
    gs.foot_yaw[static_cast<size_t>(f)] = pkin_.feet[static_cast<size_t>(f)].yaw;
  }
  if (s.step_feedback == StepFeedback::kCapture && has_next && t >= nxt.t_liftoff) {
    const CaptureState cs =
        capture_state(t, state.base.position, com, vcom, pkin_.feet, yaw, cmd, nxt.foot,
                      nxt.t_liftoff, nxt.t_touchdown, g, s.sole, omega_);
    gs.base_position = cs.base_position;
    gs.base_velocity = cs.base_velocity;
  } else if (s.step_feedback == StepFeedback::kDcm) {
    gs.base_position = state.base.position;
    gs.base_position.head<2>() += vcom / omega_;
    const auto vw = cmd.world_velocity(yaw);
    gs.base_velocity = Eigen::Vector3d(vw[0], vw[1], 0.0);
  } else {
    gs.base_position = state.base.position;
    if (s.footholds_from_com) gs.base_position.head<2>() = com + rotate_yaw(yaw, s.base_minus_com);
    if (has_next) {
      // sideways walking: the foot on the side of motion steps out by a whole cycle
      const double c = std::cos(yaw), sn = std::sin(yaw);
      const double side = nxt.foot == kLeft ? 1.0 : -1.0;
      if (side * cmd.vy > 0) {
        const double dy = cmd.vy * g.step_duration_s;
        gs.base_position.x() -= sn * dy;
        gs.base_position.y() += c * dy;
      }
      if (has_prev_ && s.step_dcm_gain > 0) {
        // DCM step adjustment against the footholds' own (unanchored) plan
        const Eigen::Vector2d err = com + vcom / omega_ - prev_free_.sample(t).dcm;
        const double grow = std::exp(omega_ * std::max(nxt.t_touchdown - t, 0.0));
        const double lim = s.max_step_adjust_m;
        for (int i = 0; i < 2; ++i)
          gs.base_position[i] += clip(s.step_dcm_gain * grow * err[i], -lim, lim);
      }
    }
    gs.base_velocity = pkin_.R * state.base.linear_velocity;
  }
  planner_->plan(t, gs, cmd, s.n_knots, s.knot_dt_s, gait_plan_);
  const GaitPlan& gp = gait_plan_;
  // the last touchdown (for the double support that follows it)
  const int ns = schedule.swings(t - g.step_duration_s, t, sched_swings_.data(),
                                 static_cast<int>(sched_swings_.size()));
  for (int i = 0; i < ns; ++i)
    if (sched_swings_[static_cast<size_t>(i)].t_touchdown <= t)
      last_td = Touchdown{sched_swings_[static_cast<size_t>(i)].foot,
                          sched_swings_[static_cast<size_t>(i)].t_touchdown};
  const int K = cop_.waypoints(t, gp.footholds.data(), gp.n_footholds, pkin_.feet, last_td);
  out.n_swings = gp.n_footholds;
  for (int i = 0; i < out.n_swings; ++i) {
    const Foothold& fh = gp.footholds[static_cast<size_t>(i)];
    out.swing_fh[static_cast<size_t>(i)] = fh;
    const SwingTrajectory* traj = planner_->trajectory_for(fh.foot, fh.t_liftoff);
    out.has_traj[static_cast<size_t>(i)] = traj != nullptr;
    if (traj != nullptr) out.swing_traj[static_cast<size_t>(i)] = *traj;
  }
  out.support.set(gp.footholds.data(), gp.n_footholds, pkin_.feet);
  out.free.plan(cop_.times(), cop_.cops(), K, com, vcom, omega_);
  prev_free_ = out.free;  // same capacity: no allocation
  has_prev_ = true;
  out.anchored = false;
  if (s.dcm_replan && cop_.anchor(t, com + vcom / omega_, omega_, out.support)) {
    out.anchored_plan.plan(cop_.anchored_times(), cop_.anchored_cops(), cop_.anchored_size(),
                           com, vcom, omega_);
    out.anchored = true;
  }
  double stance_z[2];
  int n_stance = 0;
  for (int f = 0; f < 2; ++f)
    if (gp.contact(0, f)) stance_z[n_stance++] = pkin_.feet[static_cast<size_t>(f)].position.z();
  if (n_stance == 0) {
    stance_z[0] = 0.5 * (pkin_.feet[0].position.z() + pkin_.feet[1].position.z());
    n_stance = 1;
  }
  double swing_z = std::numeric_limits<double>::quiet_NaN();
  for (int i = 0; i < gp.n_footholds; ++i) {
    const Foothold& fh = gp.footholds[static_cast<size_t>(i)];
    if (fh.t_liftoff <= t && t < fh.t_touchdown && !gp.contact(0, fh.foot)) {
      swing_z = fh.position.z();
      break;
    }
  }
  const double landed_z = last_td ? pkin_.feet[static_cast<size_t>(last_td->foot)].position.z()
                                  : std::numeric_limits<double>::quiet_NaN();
  out.ground_z = support_ground(stance_z, n_stance, swing_z, landed_z, s.com_step_down_min_m);
  out.yaw_rate = cmd.yaw_rate;
  out.t_plan = t;
  out.last_touchdown = last_td;
  // the first liftoff or touchdown after this plan: the tick plans again once it is reached
  out.next_event = std::numeric_limits<double>::infinity();
  for (int i = 0; i < out.n_swings; ++i) {
    const Foothold& fh = out.swing_fh[static_cast<size_t>(i)];
    if (fh.t_liftoff > t) out.next_event = std::min(out.next_event, fh.t_liftoff);
    if (fh.t_touchdown > t) out.next_event = std::min(out.next_event, fh.t_touchdown);
  }
  if (mpc_)
    mpc_->solve(t, pq_, plan_robot_->quantities().hg, pkin_.com, gp, out.com(), in.ground,
                out.ground_z, g.com_height_m, out.mpc);
  out.valid = true;
  plans_count_.fetch_add(1, std::memory_order_relaxed);
}

void WalkingController::start_planning_thread() {
  if (planning_thread_running()) return;
  if (!reset_done_) throw std::logic_error("WalkingController::start_planning_thread before reset");
  if (!cur_->valid) {  // the first plan, at the reset state, before the thread takes over
    plan_into(reset_input_, plans_.back());
    plans_.publish();
    take_plan();
  }
  if (!thread_) {
    thread_ = std::make_unique<PlanningThread>(settings_.plan_every * settings_.dt_s, [this] {
      if (!inbox_.update()) return true;  // no new state since the last cycle
      plan_into(inbox_.front(), plans_.back());
      plans_.publish();
      return true;
    });
  }
  if (mpc_) mpc_->set_enforce_deadline(true);
  thread_->start();
}

void WalkingController::stop_planning_thread() {
  if (thread_) thread_->stop();
  if (mpc_) mpc_->set_enforce_deadline(false);
}

std::array<int, 2> WalkingController::planned_contacts(double t) const {
  if (!cur_->valid) return {-1, -1};
  std::array<int, 2> c{1, 1};
  for (int i = 0; i < cur_->n_swings; ++i) {
    const Foothold& fh = cur_->swing_fh[static_cast<size_t>(i)];
    if (fh.t_liftoff <= t && t < fh.t_touchdown) c[static_cast<size_t>(fh.foot)] = 0;
  }
  return c;
}

PlanningThread::Stats WalkingController::planning_stats() const {
  return thread_ ? thread_->stats() : PlanningThread::Stats();
}

WalkingStats WalkingController::stats() const {
  WalkingStats s = stats_;
  s.plans = plans_count_.load(std::memory_order_relaxed);
  s.push_steps = push_steps_.load(std::memory_order_relaxed);
  if (mpc_) {
    const MpcPlanner::Counters c = mpc_->counters();
    s.mpc_solves = c.solves;
    s.mpc_failures = c.failures;
    s.mpc_deadline_misses = c.deadline_misses;
    s.last_mpc_solve_us = c.last_solve_us;
  }
  return s;
}

void WalkingController::track_mpc(double t, const WalkingPlan& p, const Eigen::Vector2d& acom_xy) {
  const MpcPlannerSettings& m = settings_.mpc;
  MpcSample& r = mpc_sample_;
  sample(p.mpc, t - p.mpc.t_solve, r);
  // the CoM acceleration of the contact forces
  Eigen::Vector3d acom = Eigen::Vector3d::Zero();
  for (int f = 0; f < 2; ++f) acom += r.wrenches.segment<3>(6 * f);
  acom /= robot_->mass();
  acom.z() -= kGravity;
  if (m.balance != MpcBalance::kNone) {
    // the DCM law sets the horizontal CoM acceleration, around the LIPM/DCM plan (anchored to
    // the footholds; acom_xy) or around the MPC's plan; the MPC the height and the wrenches
    const Eigen::Vector2d law_xy =
        m.balance == MpcBalance::kLipm
            ? acom_xy
            : dcm_law_about(t, kin_.com.head<2>(), kin_.vcom.head<2>(), r.com.head<2>(),
                            r.vcom.head<2>(), acom.head<2>(), omega_, settings_.k_dcm, p.support);
    acom.head<2>() = law_xy;
    refs_.com = Eigen::Vector3d(kin_.com.x(), kin_.com.y(), r.com.z());
    refs_.vcom = Eigen::Vector3d(kin_.vcom.x(), kin_.vcom.y(), r.vcom.z());
  } else {
    refs_.com = r.com;
    refs_.vcom = r.vcom;
  }
  refs_.acom = acom;
  refs_.wrench_ff = r.wrenches;
  if (m.track_posture) refs_.posture = r.q.tail(robot_->nq() - 7);
  if (m.track_base) {
    const Eigen::Matrix3d Rb = rotation_of(r.q.segment<4>(3));
    refs_.base_R = Rb;
    refs_.base_omega = Rb * r.v.segment<3>(3);
  } else {
    refs_.base_R = yaw_matrix(yaw_ref_);
    refs_.base_omega = Eigen::Vector3d(0.0, 0.0, p.yaw_rate);
  }
  refs_.base_omega_dot.setZero();
}

void WalkingController::attach_estimator(BaseEstimator* estimator) {
  est_ = estimator;
  est_fresh_ = true;
  if (estimator == nullptr) return;
  const int nj = robot_->nv() - 6;
  if (estimator->n_joints() != nj)
    throw std::invalid_argument("WalkingController::attach_estimator: the estimator has " +
                                std::to_string(estimator->n_joints()) + " joints, the model " +
                                std::to_string(nj));
  est_in_ = std::make_unique<BaseEstimatorInput>(estimator->make_input());
  est_state_ = make_state(nj);
}

const RobotState& WalkingController::with_estimated_base(const RobotState& state, bool update) {
  if (est_ == nullptr) return state;
  if (state.joint_pos.size() != est_state_.joint_pos.size() ||
      state.joint_vel.size() != est_state_.joint_vel.size())
    throw std::invalid_argument("WalkingController: the state's joint arrays have " +
                                std::to_string(state.joint_pos.size()) + " / " +
                                std::to_string(state.joint_vel.size()) + " entries, expected " +
                                std::to_string(est_state_.joint_pos.size()));
  if (update) {
    BaseEstimatorInput& in = *est_in_;
    in.gyro = state.imu_gyro;
    in.acc = state.imu_acc;
    in.imu_quat_xyzw = state.imu_quat_xyzw;
    in.has_orientation = true;
    in.joint_pos = state.joint_pos;
    in.joint_vel = state.joint_vel;
    for (int i = 0; i < 2; ++i) {  // the ground reaction: minus the leg's wrench on the foot
      in.foot_force[static_cast<size_t>(i)] = -state.foot_force[static_cast<size_t>(i)];
      in.foot_torque[static_cast<size_t>(i)] = -state.foot_torque[static_cast<size_t>(i)];
    }
    in.schedule = planned_contacts(state.t_s);
    in.dt_s = settings_.dt_s;
    est_->update(in);
  }
  est_state_ = state;  // same sizes: no allocation
  const BaseEstimate& e = est_->estimate();
  est_state_.has_base = true;
  est_state_.base.position = e.position;
  est_state_.base.quat_xyzw = e.quat_xyzw;
  est_state_.base.linear_velocity = e.linear_velocity;
  est_state_.base.angular_velocity = e.angular_velocity;
  return est_state_;
}

const Eigen::VectorXd& WalkingController::tick(const RobotState& measured, const Command& input) {
  if (!reset_done_) throw std::logic_error("WalkingController::tick before reset");
  const auto t0 = std::chrono::steady_clock::now();
  const RobotState& state = with_estimated_base(measured, !est_fresh_);
  est_fresh_ = false;
  if (!state.has_base)
    throw std::invalid_argument("WalkingController: the state has no base (estimate or truth)");
  if (!safety_->check_input(state, input)) {  // no planning, no QP on it
    ++stats_.ticks;
    const Eigen::VectorXd& tau = safety_->fallback(state);
    stats_.last_wbc_us = 0.0;
    stats_.last_tick_us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    return tau;
  }
  const Command& command = safety_->command();  // a zero velocity if non-finite or stale
  const WalkingSettings& s = settings_;
  const double t = state.t_s;
  if (planning_thread_running()) {
    PlannerInput& in = inbox_.back();
    in.state = state;  // same sizes: no allocation
    in.command = command;
    in.last_touchdown = last_touchdown_;
    in.ground = ground_;
    inbox_.publish();
    take_plan();
    if (!cur_->valid) throw std::logic_error("WalkingController: no plan (reset first)");
    if (t - cur_->t_plan > 0.1 || t >= cur_->next_event) ++stats_.stale_ticks;
  } else {
    if (stats_.ticks % static_cast<std::uint64_t>(s.plan_every) == 0) plan_now(state, command);
    if (!cur_->valid || t - cur_->t_plan > 0.1 || t >= cur_->next_event) plan_now(state, command);
  }
  const WalkingPlan& p = *cur_;
  kinematics(*robot_, state, kin_, q_, v_);
  yaw_ref_ += p.yaw_rate * s.dt_s;
  const double err = std::remainder(yaw_ref_ - kin_.yaw, 2.0 * M_PI);
  if (std::abs(err) > s.max_yaw_lead_rad)
    yaw_ref_ = kin_.yaw + std::copysign(s.max_yaw_lead_rad, err);
  const Eigen::Vector2d acom_xy = dcm_law(t, kin_.com.head<2>(), kin_.vcom.head<2>(), p.com(),
                                          omega_, s.k_dcm, p.support);
  const std::array<double, 3> ground = ground_.step(p.ground_z, s.dt_s);
  if (p.mpc.valid) {
    track_mpc(t, p, acom_xy);
  } else {
    if (mpc_) ++stats_.mpc_fallback_ticks;  // planner "lipm", or the MPC's fallback
    const ComReference cr =
        lipm_com_reference(kin_.com, kin_.vcom, acom_xy, ground, s.gait.com_height_m);
    refs_.com = cr.com;
    refs_.vcom = cr.vcom;
    refs_.acom = cr.acom;
    refs_.base_R = yaw_matrix(yaw_ref_);
    refs_.base_omega = Eigen::Vector3d(0.0, 0.0, p.yaw_rate);
    refs_.base_omega_dot.setZero();
  }
  mask_.setConstant(true);
  std::array<Eigen::Vector2d, 2> sole_xy{p.support.stance()[0].position.head<2>(),
                                         p.support.stance()[1].position.head<2>()};
  SwingSample sample;
  for (int i = 0; i < p.n_swings; ++i) {
    const Foothold& fh = p.swing_fh[static_cast<size_t>(i)];
    const int f = fh.foot;
    if (fh.t_liftoff <= t && t < fh.t_touchdown && p.has_traj[static_cast<size_t>(i)]) {
      mask_[f] = false;
      p.swing_traj[static_cast<size_t>(i)].sample(t, sample);
      refs_.swing_pose[static_cast<size_t>(f)].R = sample.rotation;
      refs_.swing_pose[static_cast<size_t>(f)].p = sample.position;
      refs_.swing_velocity[static_cast<size_t>(f)] = sample.velocity;
      refs_.swing_acceleration[static_cast<size_t>(f)] = sample.acceleration;
      sole_xy[static_cast<size_t>(f)] = sample.position.head<2>();
    } else if (fh.t_touchdown <= t &&
               (!last_touchdown_ || fh.t_touchdown > last_touchdown_->t_s)) {
      last_touchdown_ = Touchdown{f, fh.t_touchdown};
    }
  }
  if (s.arm_joints.size() > 0) {
    const double lead = rotate_yaw(-yaw_ref_, sole_xy[kLeft] - sole_xy[kRight])[0];  // m
    posture_ = s.q_stand.tail(robot_->nv() - 6);
    for (int i = 0; i < s.arm_joints.size(); ++i) posture_[s.arm_joints[i]] += s.arm_coeffs[i] * lead;
    refs_.posture = posture_;
  }
  const double h = state.base.position.z() -
                   std::min(kin_.feet[0].position.z(), kin_.feet[1].position.z());
  // the kinematics above computed robot_ at (q_, v_): the QP's robot
  const Eigen::VectorXd& qp_tau = qp_->tick_computed(q_, v_, mask_, refs_);
  const Eigen::VectorXd& tau = safety_->limit(qp_tau, qp_->status() != WbcStatus::kOk, state, h);
  stats_.wbc_failures = qp_->failures();
  stats_.last_wbc_us = qp_->last_tick_us();
  ++stats_.qp_ticks;
  ++stats_.ticks;
  stats_.last_tick_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  return tau;
}

}  // namespace cerebellum
