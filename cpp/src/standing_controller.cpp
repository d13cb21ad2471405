// Standing balance on the whole-body QP (see standing_controller.hpp).
#include "cerebellum/standing_controller.hpp"

#include "cerebellum/controller_config.hpp"

#include <Eigen/Geometry>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

namespace cerebellum {

namespace {

/// The lowest of the first n tracked frames' heights (the contacts: the soles), m.
double lowest_contact_z(const WholeBodyQuantities& w, int n) {
  double z = w.frames[0].p.z();
  for (int i = 1; i < n; ++i) z = std::min(z, w.frames[static_cast<size_t>(i)].p.z());
  return z;
}

}  // namespace

StandingControllerConfig standing_controller_config(const KeyValueFile& f, const std::string& dir) {
  if (f.integer("format", 1, 1) != 1) f.fail("format", "expected 1");
  if (f.string("controller") != "wbc")
    f.fail("controller", "expected 'wbc' (the only C++ controller so far), got '" +
                             f.string("controller") + "'");
  StandingControllerConfig c;
  c.model_path = f.string("model");
  if (!c.model_path.empty() && c.model_path[0] != '/' && !dir.empty())
    c.model_path = dir + "/" + c.model_path;
  c.frames = f.values("frames");
  const long nq = f.integer("nq", 8, 1000);
  const long nv = f.integer("nv", 7, 1000);
  c.q_stand = f.vector("q_stand", static_cast<int>(nq));
  const int nj = static_cast<int>(nv - 6);

  c.wbc = read_wbc_settings(f, nj);
  read_safety_settings(f, c.safety);
  if (f.has("dt_s")) c.dt_s = f.number("dt_s");
  if (!(c.dt_s > 0.0) || !std::isfinite(c.dt_s)) f.fail("dt_s", "expected a period > 0 s");
  f.check_all_used();
  try {
    c.safety.validate();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(f.name() + ": " + e.what());
  }
  return c;
}

StandingControllerConfig load_standing_controller(const std::string& path) {
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? std::string(".") : path.substr(0, slash);
  return standing_controller_config(KeyValueFile::load(path), dir);
}

StandingController::StandingController(Robot& robot, const WholeBodyQPSettings& settings,
                                       const Eigen::VectorXd& q_stand,
                                       const SafetySettings& safety, double dt_s)
    : robot_(robot), qp_(robot, settings) {
  if (q_stand.size() != robot.nq())
    throw std::invalid_argument("StandingController: q_stand has " +
                                std::to_string(q_stand.size()) + " entries, the robot nq " +
                                std::to_string(robot.nq()));
  if (!q_stand.allFinite()) throw std::invalid_argument("StandingController: q_stand not finite");
  q_stand_ = q_stand;
  refs_ = qp_.make_references(q_stand_);
  refs_.posture = q_stand_.tail(robot.nv() - 6);
  q_ = Eigen::VectorXd::Zero(robot.nq());
  v_ = Eigen::VectorXd::Zero(robot.nv());
  v_zero_ = Eigen::VectorXd::Zero(robot.nv());
  active_ = Eigen::Array<bool, Eigen::Dynamic, 1>::Constant(qp_.num_contacts(), true);
  if (qp_.num_contacts() < 1)
    throw std::invalid_argument("StandingController: the QP settings have no contacts");
  // The model's limits; the standing base height over the lower sole (contacts first in the
  // robot's frames).
  const JointLimits& jl = robot.joint_limits();
  const double sole_z = lowest_contact_z(robot.compute(q_stand_, v_zero_), qp_.num_contacts());
  safety_ = std::make_unique<SafetyLayer>(
      safety, SafetyLimits{jl.lower, jl.upper, jl.velocity, jl.effort, q_stand_[2] - sole_z}, dt_s);
}

void StandingController::load(const RobotState& state) {
  if (!state.has_base)
    throw std::invalid_argument(
        "StandingController needs the base state (ground truth or an estimate): has_base is false");
  const Eigen::Index nj = robot_.nv() - 6;
  if (state.joint_pos.size() != nj || state.joint_vel.size() != nj)
    throw std::invalid_argument("StandingController: state has " +
                                std::to_string(state.joint_pos.size()) + " joints, the robot " +
                                std::to_string(nj));
  state.q(q_);
  state.v(v_);
}

void StandingController::reset(const RobotState& state) {
  load(state);
  safety_->reset();
  ticks_ = 0;
  // Hold the CoM where it starts (the standing pose is balanced by construction).
  refs_.com = robot_.compute(q_, v_zero_).com;
  refs_.vcom.setZero();
  refs_.acom.setZero();
  // Upright at the initial heading: Rz(yaw) composed as pinocchio::rpy::rpyToMatrix(0, 0, yaw).
  const Eigen::Quaterniond quat(q_[6], q_[3], q_[4], q_[5]);
  const Eigen::Matrix3d R = quat.toRotationMatrix();
  const double yaw = std::atan2(R(1, 0), R(0, 0));
  refs_.base_R = (Eigen::AngleAxisd(yaw, Eigen::Vector3d::UnitZ()) *
                  Eigen::AngleAxisd(0.0, Eigen::Vector3d::UnitY()) *
                  Eigen::AngleAxisd(0.0, Eigen::Vector3d::UnitX()))
                     .toRotationMatrix();
  refs_.base_omega.setZero();
  refs_.base_omega_dot.setZero();
  refs_.posture = q_stand_.tail(robot_.nv() - 6);
}

const Eigen::VectorXd& StandingController::tick(const RobotState& state, const Command& command) {
  const auto t0 = std::chrono::steady_clock::now();
  load(state);
  ++ticks_;
  if (!safety_->check_input(state, command)) {  // no QP tick on it
    const Eigen::VectorXd& tau = safety_->fallback(state);
    last_tick_us_ =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    return tau;
  }
  const Eigen::VectorXd& qp_tau = qp_.tick(q_, v_, active_, refs_);
  // the QP computed robot_ at (q_, v_): its contact frames are the soles
  const double sole_z = lowest_contact_z(robot_.quantities(), qp_.num_contacts());
  const Eigen::VectorXd& tau =
      safety_->limit(qp_tau, qp_.status() != WbcStatus::kOk, state, state.base.position.z() - sole_z);
  last_tick_us_ =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  return tau;
}

}  // namespace cerebellum
