// Standing balance on the whole-body QP (see standing_controller.hpp).
#include "cerebellum/standing_controller.hpp"

#include <Eigen/Geometry>
#include <cmath>
#include <stdexcept>

namespace cerebellum {

namespace {

Vector6d vec6(const KeyValueFile& f, const std::string& key) { return f.vector(key, 6); }

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

  WholeBodyQPSettings& s = c.wbc;
  const long nc = f.integer("contacts", 0, 16);
  for (long i = 0; i < nc; ++i) {
    const std::string p = "contact." + std::to_string(i) + ".";
    ContactDescription d;
    d.frame = f.string(p + "frame");
    d.offset = f.vector(p + "offset", 3);
    const Eigen::VectorXd R = f.vector(p + "rotation", 9);  // row-major
    for (int r = 0; r < 3; ++r)
      for (int k = 0; k < 3; ++k) d.rotation(r, k) = R[3 * r + k];
    d.x_back = f.number(p + "x_back");
    d.x_front = f.number(p + "x_front");
    d.y_right = f.number(p + "y_right");
    d.y_left = f.number(p + "y_left");
    d.mu = f.number(p + "mu");
    d.fz_min = f.number(p + "fz_min");
    d.fz_max = f.number(p + "fz_max");
    d.yaw_coeff = f.number(p + "yaw_coeff");
    d.free_roll = f.boolean(p + "free_roll");
    s.contacts.push_back(d);
  }
  const auto& base = f.values("wbc.base_frame");
  if (base.size() > 1) f.fail("wbc.base_frame", "expected at most one frame name");
  s.base_frame = base.empty() ? std::string() : base[0];
  s.hand_frames = f.values("wbc.hand_frames");
  s.torque_limit = f.vector("wbc.torque_limit", nj);
  s.joint_damping = f.vector("wbc.joint_damping");
  s.joint_friction = f.vector("wbc.joint_friction");
  s.friction_velocity = f.number("wbc.friction_velocity");
  s.w_momentum = vec6(f, "wbc.w_momentum");
  s.w_base_orientation = f.number("wbc.w_base_orientation");
  s.w_swing = vec6(f, "wbc.w_swing");
  s.w_posture = f.number("wbc.w_posture");
  s.w_hand = vec6(f, "wbc.w_hand");
  s.w_reg_vdot = f.number("wbc.w_reg_vdot");
  s.w_reg_wrench = f.number("wbc.w_reg_wrench");
  s.w_wrench_ff = f.number("wbc.w_wrench_ff");
  s.kp_com = f.number("wbc.kp_com");
  s.kd_com = f.number("wbc.kd_com");
  s.kd_angular_momentum = f.number("wbc.kd_angular_momentum");
  s.k_dcm = f.number("wbc.k_dcm");
  s.cmp_margin = f.number("wbc.cmp_margin");
  s.kp_base = f.number("wbc.kp_base");
  s.kd_base = f.number("wbc.kd_base");
  s.kp_swing = f.number("wbc.kp_swing");
  s.kd_swing = f.number("wbc.kd_swing");
  s.kp_posture = f.number("wbc.kp_posture");
  s.kd_posture = f.number("wbc.kd_posture");
  s.kp_hand = f.number("wbc.kp_hand");
  s.kd_hand = f.number("wbc.kd_hand");
  s.kd_contact = f.number("wbc.kd_contact");
  s.contact_weight = f.number("wbc.contact_weight");
  s.eps_abs = f.number("wbc.eps_abs");
  s.eps_rel = f.number("wbc.eps_rel");
  s.max_iter = static_cast<int>(f.integer("wbc.max_iter", 1, 1000000));
  if (f.has("wbc.max_iter_in"))  // absent in files exported before the setting existed
    s.max_iter_in = static_cast<int>(f.integer("wbc.max_iter_in", 1, 1000000));
  s.fallback_decay = f.number("wbc.fallback_decay");
  s.fallback_damping = f.number("wbc.fallback_damping");
  f.check_all_used();
  return c;
}

StandingControllerConfig load_standing_controller(const std::string& path) {
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? std::string(".") : path.substr(0, slash);
  return standing_controller_config(KeyValueFile::load(path), dir);
}

StandingController::StandingController(Robot& robot, const WholeBodyQPSettings& settings,
                                       const Eigen::VectorXd& q_stand)
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

const Eigen::VectorXd& StandingController::tick(const RobotState& state, const Command&) {
  load(state);
  return qp_.tick(q_, v_, active_, refs_);
}

}  // namespace cerebellum
