// cerebellum::BaseEstimator: contact-aided right-invariant EKF (see base_estimator.hpp).
// Pinocchio stays behind cerebellum::Robot (kinematics()).
#include "cerebellum/base_estimator.hpp"

#include <Eigen/Geometry>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "cerebellum/robot.hpp"
#include "cerebellum/terrain.hpp"

namespace cerebellum {

namespace {

using Vec21 = Eigen::Matrix<double, BaseEstimator::kDim, 1>;

Eigen::Matrix3d skew(const Eigen::Vector3d& w) {
  Eigen::Matrix3d S;
  S << 0., -w.z(), w.y(), w.z(), 0., -w.x(), -w.y(), w.x(), 0.;
  return S;
}

/// SO(3) exponential (Rodrigues).
Eigen::Matrix3d exp_so3(const Eigen::Vector3d& w) {
  const double th2 = w.squaredNorm();
  const Eigen::Matrix3d W = skew(w);
  if (th2 < 1e-12) return Eigen::Matrix3d::Identity() + W + 0.5 * W * W;
  const double th = std::sqrt(th2);
  return Eigen::Matrix3d::Identity() + (std::sin(th) / th) * W + ((1. - std::cos(th)) / th2) * W * W;
}

/// Left Jacobian of SO(3).
Eigen::Matrix3d left_jacobian(const Eigen::Vector3d& w) {
  const double th2 = w.squaredNorm();
  const Eigen::Matrix3d W = skew(w);
  if (th2 < 1e-12) return Eigen::Matrix3d::Identity() + 0.5 * W + W * W / 6.;
  const double th = std::sqrt(th2);
  return Eigen::Matrix3d::Identity() + ((1. - std::cos(th)) / th2) * W +
         ((th - std::sin(th)) / (th2 * th)) * W * W;
}

/// SO(3) logarithm (rotation vector), valid away from a half turn.
Eigen::Vector3d log_so3(const Eigen::Matrix3d& R) {
  const double c = std::min(1., std::max(-1., 0.5 * (R.trace() - 1.)));
  const double th = std::acos(c);
  const Eigen::Vector3d a(R(2, 1) - R(1, 2), R(0, 2) - R(2, 0), R(1, 0) - R(0, 1));
  if (th < 1e-6) return 0.5 * a;
  return (th / (2. * std::sin(th))) * a;
}

bool finite3(const Eigen::Vector3d& x) { return std::isfinite(x.x() + x.y() + x.z()); }

void check_positive(const char* name, double x, bool allow_zero = false) {
  if (!std::isfinite(x) || (allow_zero ? x < 0. : x <= 0.)) {
    std::ostringstream m;
    m << "BaseEstimatorSettings." << name << " = " << x << ": expected a finite value "
      << (allow_zero ? ">= 0" : "> 0");
    throw std::invalid_argument(m.str());
  }
}

constexpr int kR = 0, kV = 3, kP = 6, kD = 9, kBg = 15, kBa = 18;

}  // namespace

void BaseEstimatorSettings::validate() const {
  check_positive("gravity_mps2", gravity_mps2);
  check_positive("gyro_noise", gyro_noise);
  check_positive("acc_noise", acc_noise);
  check_positive("gyro_bias_walk", gyro_bias_walk, true);
  check_positive("acc_bias_walk", acc_bias_walk, true);
  check_positive("contact_noise", contact_noise);
  check_positive("encoder_noise_rad", encoder_noise_rad, true);
  check_positive("kinematics_noise_m", kinematics_noise_m);
  check_positive("tilt_noise_rad", tilt_noise_rad);
  check_positive("force_off_N", force_off_N, true);
  check_positive("force_on_N", force_on_N);
  check_positive("force_swing_N", force_swing_N);
  check_positive("slip_speed_mps", slip_speed_mps);
  check_positive("cop_limit_m", cop_limit_m);
  check_positive("slip_max_s", slip_max_s, true);
  check_positive("terrain_noise_m", terrain_noise_m, true);
  check_positive("terrain_gate_m", terrain_gate_m);
  check_positive("terrain_edge_m", terrain_edge_m);
  check_positive("init_rot_rad", init_rot_rad);
  check_positive("init_vel_mps", init_vel_mps);
  check_positive("init_pos_m", init_pos_m);
  check_positive("init_gyro_bias", init_gyro_bias);
  check_positive("init_acc_bias", init_acc_bias);
  if (!(force_off_N < force_on_N)) {
    throw std::invalid_argument(
        "BaseEstimatorSettings.force_off_N must be below force_on_N (hysteresis)");
  }
  if (!(force_swing_N >= force_on_N)) {
    throw std::invalid_argument("BaseEstimatorSettings.force_swing_N must be >= force_on_N");
  }
  if (!(slip_noise_scale >= 1.) || !std::isfinite(slip_noise_scale)) {
    throw std::invalid_argument("BaseEstimatorSettings.slip_noise_scale must be finite and >= 1");
  }
  for (const auto& f : foot_frames) {
    if (f.empty()) throw std::invalid_argument("BaseEstimatorSettings.foot_frames: empty name");
  }
  if (imu_frame.empty()) throw std::invalid_argument("BaseEstimatorSettings.imu_frame: empty name");
}

BaseEstimator::BaseEstimator(const std::string& model_path, const BaseEstimatorSettings& settings)
    : settings_(settings) {
  settings_.validate();
  robot_ = std::make_unique<Robot>(
      model_path,
      std::vector<std::string>{settings_.foot_frames[0], settings_.foot_frames[1], settings_.imu_frame});
  nj_ = robot_->nq() - 7;
  if (robot_->nv() - 6 != nj_) {
    throw std::invalid_argument("BaseEstimator: the model's joints must all be 1-dof (nq - 7 == nv - 6)");
  }
  q_ = Eigen::VectorXd::Zero(robot_->nq());
  q_[6] = 1.;
  Js_.setZero(3, nj_);
  Jtmp_.setZero(3, nj_);
  Q_.setZero();
  P_.setIdentity();
}

BaseEstimator::~BaseEstimator() = default;

BaseEstimatorInput BaseEstimator::make_input() const {
  BaseEstimatorInput in;
  in.joint_pos = Eigen::VectorXd::Zero(nj_);
  in.joint_vel = Eigen::VectorXd::Zero(nj_);
  return in;
}

void BaseEstimator::kinematics(const Eigen::VectorXd& joint_pos, const Eigen::VectorXd& joint_vel) {
  q_.tail(nj_) = joint_pos;
  const WholeBodyQuantities& k = robot_->kinematics(q_);  // base at the origin: base-frame poses
  const FramePose& imu = k.frames[2];
  const Eigen::MatrixXd& JI = k.J[2];  // (6, nv), base axes
  R_base_imu_ = imu.R;
  p_base_imu_ = imu.p;
  pdot_base_imu_.noalias() = JI.block(0, 6, 3, nj_) * joint_vel;
  w_imu_rel_.noalias() = JI.block(3, 6, 3, nj_) * joint_vel;
  for (int i = 0; i < 2; ++i) {
    const Eigen::Vector3d r = k.frames[i].p - imu.p;  // IMU -> sole, base frame
    s_[i].noalias() = imu.R.transpose() * r;
    // d s / d q = R_bi^T (J_f - J_i + [r]x J_i,ang)
    Js_ = k.J[i].block(0, 6, 3, nj_) - JI.block(0, 6, 3, nj_);
    Js_.noalias() += skew(r) * JI.block(3, 6, 3, nj_);
    Jtmp_.noalias() = imu.R.transpose() * Js_;
    sdot_[i].noalias() = Jtmp_ * joint_vel;
    JJt_[i].noalias() = Jtmp_ * Jtmp_.transpose();
    R_imu_sole_[i].noalias() = imu.R.transpose() * k.frames[i].R;
    w_sole_rel_[i].noalias() = k.J[i].block(3, 6, 3, nj_) * joint_vel;
    w_sole_rel_[i] -= w_imu_rel_;
    w_sole_rel_[i] = imu.R.transpose() * w_sole_rel_[i];
  }
}

void BaseEstimator::reset(const Eigen::Vector3d& base_position, const Eigen::Vector4d& base_quat_xyzw,
                          const Eigen::Vector3d& base_velocity_world,
                          const Eigen::VectorXd& joint_pos) {
  if (!finite3(base_position) || !finite3(base_velocity_world) || !base_quat_xyzw.allFinite() ||
      base_quat_xyzw.norm() < 0.5) {
    throw std::invalid_argument("BaseEstimator.reset: non-finite base pose or velocity, or a zero quaternion");
  }
  if (joint_pos.size() != nj_ || !joint_pos.allFinite()) {
    std::ostringstream m;
    m << "BaseEstimator.reset: joint_pos must be " << nj_ << " finite values, got size "
      << joint_pos.size();
    throw std::invalid_argument(m.str());
  }
  kinematics(joint_pos, Eigen::VectorXd::Zero(nj_));
  const Eigen::Quaterniond qb(base_quat_xyzw[3], base_quat_xyzw[0], base_quat_xyzw[1],
                              base_quat_xyzw[2]);
  const Eigen::Matrix3d Rb = qb.normalized().toRotationMatrix();
  R_ = Rb * R_base_imu_;
  p_ = base_position + Rb * p_base_imu_;
  v_ = base_velocity_world;
  bg_.setZero();
  ba_.setZero();
  const BaseEstimatorSettings& s = settings_;
  P_.setZero();
  P_.block<3, 3>(kR, kR).diagonal().setConstant(s.init_rot_rad * s.init_rot_rad);
  P_.block<3, 3>(kV, kV).diagonal().setConstant(s.init_vel_mps * s.init_vel_mps);
  P_.block<3, 3>(kP, kP).diagonal().setConstant(s.init_pos_m * s.init_pos_m);
  P_.block<6, 6>(kD, kD).setIdentity();
  P_.block<3, 3>(kBg, kBg).diagonal().setConstant(s.init_gyro_bias * s.init_gyro_bias);
  P_.block<3, 3>(kBa, kBa).diagonal().setConstant(s.init_acc_bias * s.init_acc_bias);
  for (int i = 0; i < 2; ++i) {
    contact_[i] = in_filter_[i] = false;
    slip_time_[i] = 0.;
    d_[i] = p_ + R_ * s_[i];
    c_[i].setZero();
    sc_[i] = s_[i];
    scdot_[i].setZero();
  }
  gyro_last_.setZero();
  acc_last_ = R_.transpose() * Eigen::Vector3d(0., 0., s.gravity_mps2);  // at rest
  reset_ = true;
  out_ = BaseEstimate{};
  write_output(Eigen::Vector3d::Zero());
}

template <int M>
void BaseEstimator::correct(const Eigen::Matrix<double, M, kDim>& H,
                            const Eigen::Matrix<double, M, 1>& z,
                            const Eigen::Matrix<double, M, M>& N) {
  const Eigen::Matrix<double, kDim, M> PHt = P_ * H.transpose();
  const Eigen::Matrix<double, M, M> S = H * PHt + N;
  const Eigen::Matrix<double, kDim, M> K = PHt * S.inverse();
  apply(K * z);
  // P <- P - K H P, symmetrised (H P: M x 21).
  const Eigen::Matrix<double, M, kDim> HP = PHt.transpose();
  P_.noalias() -= K * HP;
  Q_ = 0.5 * (P_ + P_.transpose());
  P_ = Q_;
}

void BaseEstimator::apply(const Vec21& dx) {
  const Eigen::Vector3d phi = dx.segment<3>(kR);
  const Eigen::Matrix3d dR = exp_so3(phi);
  const Eigen::Matrix3d Jl = left_jacobian(phi);
  R_ = (dR * R_).eval();
  v_ = dR * v_ + Jl * dx.segment<3>(kV);
  p_ = dR * p_ + Jl * dx.segment<3>(kP);
  for (int i = 0; i < 2; ++i) d_[i] = dR * d_[i] + Jl * dx.segment<3>(kD + 3 * i);
  bg_ += dx.segment<3>(kBg);
  ba_ += dx.segment<3>(kBa);
  // Keep R orthonormal against round-off.
  const Eigen::Quaterniond q(R_);
  R_ = q.normalized().toRotationMatrix();
}

int BaseEstimator::update(const BaseEstimatorInput& in) {
  int status = kOk;
  if (!reset_) {
    out_.status = kNotReset;
    return kNotReset;
  }
  const double dt = in.dt_s;
  if (!std::isfinite(dt) || !(dt > 0.)) {
    out_.status = kBadDt;
    return kBadDt;
  }
  const BaseEstimatorSettings& s = settings_;
  // IMU: a non-finite sample is replaced by the last valid one.
  if (finite3(in.gyro) && finite3(in.acc)) {
    gyro_last_ = in.gyro;
    acc_last_ = in.acc;
  } else {
    status |= kImuHeld;
  }
  const bool kin = in.joint_pos.size() == nj_ && in.joint_vel.size() == nj_ &&
                   in.joint_pos.allFinite() && in.joint_vel.allFinite();
  if (kin) {
    kinematics(in.joint_pos, in.joint_vel);
  } else {
    status |= kNoKinematics;
  }
  const Eigen::Vector3d w = gyro_last_ - bg_;  // rad/s, IMU frame
  const Eigen::Vector3d a = acc_last_ - ba_;   // m/s^2, IMU frame

  // Contacts: hysteresis on the sole normal force, gated by the schedule.
  for (int i = 0; i < 2; ++i) {
    const double fz = in.foot_force[i].z();
    const int plan = in.schedule[i];
    if (std::isfinite(fz)) {
      const double on = plan == 0 ? s.force_swing_N : s.force_on_N;
      contact_[i] = contact_[i] ? fz > s.force_off_N : fz > on;
    } else if (plan >= 0) {
      contact_[i] = plan == 1;
    }
    // Contact point: the CoP (sole frame, z = 0) of the ground reaction, else the sole origin.
    const Eigen::Vector3d& f = in.foot_force[i];
    const Eigen::Vector3d& tq = in.foot_torque[i];
    Eigen::Vector3d c = Eigen::Vector3d::Zero();
    if (s.contact_at_cop && contact_[i] && finite3(f) && finite3(tq) && f.z() > s.force_off_N) {
      const double lim = s.cop_limit_m;
      c.x() = std::min(lim, std::max(-lim, -tq.y() / f.z()));
      c.y() = std::min(lim, std::max(-lim, tq.x() / f.z()));
    } else if (contact_[i] && in_filter_[i]) {
      c = c_[i];  // keep the last contact point
    }
    // a CoP moving on the sole moves the material point d with it
    if (in_filter_[i] && contact_[i]) d_[i] += R_ * (R_imu_sole_[i] * (c - c_[i]));
    c_[i] = c;
    const Eigen::Vector3d rc = R_imu_sole_[i] * c;
    sc_[i] = s_[i] + rc;
    scdot_[i] = sdot_[i] + w_sole_rel_[i].cross(rc);
    // Kinematic speed of the contact point (world) with the state at the start of the interval.
    const Eigen::Vector3d vf = v_ + R_ * (w.cross(sc_[i]) + scdot_[i]);
    out_.foot_speed_mps[i] = vf.norm();
    // Slip: faster than slip_speed_mps, for at most slip_max_s per slip: a wrong velocity
    // estimate must not lock the kinematics out.
    const bool fast = contact_[i] && kin && out_.foot_speed_mps[i] > s.slip_speed_mps;
    slip_time_[i] = fast ? slip_time_[i] + dt : 0.;
    const bool was_slipping = out_.slipping[i];
    out_.slipping[i] = fast && slip_time_[i] <= s.slip_max_s;
    // the end of a slip re-anchors the contact where the foot now is
    if (was_slipping && !out_.slipping[i]) in_filter_[i] = false;
    out_.contact[i] = contact_[i];
  }

  // Covariance propagation: P <- Phi (P + Q dt) Phi^T, Phi = I + E, E = A dt; the noise
  // w = [w_g, w_a, 0, w_dl, w_dr, w_bg, w_ba] (IMU frame) maps through G = blockdiag(Ad_X, I),
  // and with isotropic densities G Qc G^T needs no R: its gyro part is sg^2 U U^T with
  // U = [I; [v]x; [p]x; [d_l]x; [d_r]x] (15 x 3).
  const Eigen::Vector3d g(0., 0., -s.gravity_mps2);
  {
    Eigen::Matrix<double, 15, 3> U;
    U.block<3, 3>(kR, 0).setIdentity();
    U.block<3, 3>(kV, 0) = skew(v_);
    U.block<3, 3>(kP, 0) = skew(p_);
    for (int i = 0; i < 2; ++i) U.block<3, 3>(kD + 3 * i, 0) = skew(d_[i]);
    const double sg2 = s.gyro_noise * s.gyro_noise * dt;
    P_.topLeftCorner<15, 15>().noalias() += sg2 * U * U.transpose();
    P_.block<3, 3>(kV, kV).diagonal().array() += s.acc_noise * s.acc_noise * dt;
    for (int i = 0; i < 2; ++i) {
      const double c = s.contact_noise * (out_.slipping[i] ? s.slip_noise_scale : 1.);
      P_.block<3, 3>(kD + 3 * i, kD + 3 * i).diagonal().array() += c * c * dt;
    }
    P_.block<3, 3>(kBg, kBg).diagonal().array() += s.gyro_bias_walk * s.gyro_bias_walk * dt;
    P_.block<3, 3>(kBa, kBa).diagonal().array() += s.acc_bias_walk * s.acc_bias_walk * dt;
    // E is non-zero in the columns of xi_R, xi_v (first 6) and of the biases (last 6) only.
    Eigen::Matrix<double, kDim, 6> E1 = Eigen::Matrix<double, kDim, 6>::Zero();
    Eigen::Matrix<double, kDim, 6> E2 = Eigen::Matrix<double, kDim, 6>::Zero();
    E1.block<3, 3>(kV, 0) = skew(g) * dt;
    E1.block<3, 3>(kP, 3) = Eigen::Matrix3d::Identity() * dt;
    const Eigen::Matrix3d Rdt = R_ * dt;
    E2.block<3, 3>(kR, 0) = -Rdt;
    E2.block<3, 3>(kV, 0) = -skew(v_) * Rdt;
    E2.block<3, 3>(kP, 0) = -skew(p_) * Rdt;
    for (int i = 0; i < 2; ++i) E2.block<3, 3>(kD + 3 * i, 0) = -skew(d_[i]) * Rdt;
    E2.block<3, 3>(kV, 3) = -Rdt;
    Cov& T = Q_;  // T = Phi P
    T = P_;
    T.noalias() += E1 * P_.topRows<6>();
    T.noalias() += E2 * P_.bottomRows<6>();
    P_ = T;  // P = T Phi^T
    P_.noalias() += T.leftCols<6>() * E1.transpose();
    P_.noalias() += T.rightCols<6>() * E2.transpose();
  }

  // Mean propagation (semi-implicit Euler, see the header).
  v_ += (R_ * a + g) * dt;
  p_ += v_ * dt;
  R_ = (R_ * exp_so3(w * dt)).eval();

  // Feet: a new contact enters the state at p + R s; a foot without contact leaves it.
  for (int i = 0; i < 2; ++i) {
    const int o = kD + 3 * i;
    if (contact_[i] && kin) {
      if (!in_filter_[i]) {
        d_[i] = p_ + R_ * sc_[i];
        // xi_d = xi_p + R n_s: copy the p rows/cols, add the kinematic noise.
        P_.block<3, kDim>(o, 0) = P_.block<3, kDim>(kP, 0);
        P_.block<kDim, 3>(0, o) = P_.block<kDim, 3>(0, kP);
        P_.block<3, 3>(o, o) = P_.block<3, 3>(kP, kP) +
                               R_ *
                                   (s.encoder_noise_rad * s.encoder_noise_rad * JJt_[i] +
                                    s.kinematics_noise_m * s.kinematics_noise_m *
                                        Eigen::Matrix3d::Identity()) *
                                   R_.transpose();
        in_filter_[i] = true;
      }
    } else {
      in_filter_[i] = false;
      if (kin) d_[i] = p_ + R_ * sc_[i];
      P_.block<3, kDim>(o, 0).setZero();
      P_.block<kDim, 3>(0, o).setZero();
      P_.block<3, 3>(o, o).setIdentity();
    }
  }

  // Leg kinematics: z = R s + p - d = xi_d - xi_p (right-invariant, state-independent H).
  if (kin) {
    for (int i = 0; i < 2; ++i) {
      if (!in_filter_[i]) continue;
      Eigen::Matrix<double, 3, kDim> H = Eigen::Matrix<double, 3, kDim>::Zero();
      H.block<3, 3>(0, kP) = -Eigen::Matrix3d::Identity();
      H.block<3, 3>(0, kD + 3 * i).setIdentity();
      const Eigen::Vector3d z = R_ * sc_[i] + p_ - d_[i];
      const double scale = out_.slipping[i] ? s.slip_noise_scale * s.slip_noise_scale : 1.;
      const Eigen::Matrix3d N =
          scale * (R_ *
                   (s.encoder_noise_rad * s.encoder_noise_rad * JJt_[i] +
                    s.kinematics_noise_m * s.kinematics_noise_m * Eigen::Matrix3d::Identity()) *
                   R_.transpose());
      correct<3>(H, z, N);
    }
  }

  // Terrain: a contact point in the filter on a level patch of the map (its normal within ~5 deg
  // of vertical and the map within terrain_noise_m of the same height terrain_edge_m around it:
  // no stair or stone edge, no slope, no bump) lies at the map's height: d_z = h. d moves by
  // phi x d + xi_d under a correction, so its height changes by phi_x d_y - phi_y d_x + xi_dz.
  // Slopes are left out: there the position along the slope is unobservable and a horizontal
  // drift would become a height error of the same slope.
  for (int i = 0; i < 2; ++i) {
    out_.on_terrain[i] = false;
    if (terrain_ == nullptr || !(s.terrain_noise_m > 0.) || !in_filter_[i] || out_.slipping[i])
      continue;
    const Eigen::Vector3d& d = d_[i];
    const double h = terrain_->height(d.x(), d.y());
    const double e = h - d.z();
    if (!std::isfinite(e) || std::abs(e) > s.terrain_gate_m) continue;
    if (!(terrain_->normal(d.x(), d.y()).z() > 0.996)) continue;
    const double r = s.terrain_edge_m;
    bool level = true;
    for (const auto& o : {Eigen::Vector2d(r, 0.), Eigen::Vector2d(-r, 0.), Eigen::Vector2d(0., r),
                          Eigen::Vector2d(0., -r)})
      level = level && std::abs(terrain_->height(d.x() + o.x(), d.y() + o.y()) - h) <=
                           s.terrain_noise_m;
    if (!level) continue;
    Eigen::Matrix<double, 1, kDim> H = Eigen::Matrix<double, 1, kDim>::Zero();
    H(0, kR) = d.y();
    H(0, kR + 1) = -d.x();
    H(0, kD + 3 * i + 2) = 1.;
    Eigen::Matrix<double, 1, 1> z, N;
    z(0) = e;
    N(0) = s.terrain_noise_m * s.terrain_noise_m;
    correct<1>(H, z, N);
    out_.on_terrain[i] = true;
  }

  // IMU orientation: tilt only (world x, y of Log(R_meas R^T)).
  if (s.use_orientation && in.has_orientation && in.imu_quat_xyzw.allFinite() &&
      in.imu_quat_xyzw.norm() > 0.5) {
    const Eigen::Quaterniond qm(in.imu_quat_xyzw[3], in.imu_quat_xyzw[0], in.imu_quat_xyzw[1],
                                in.imu_quat_xyzw[2]);
    const Eigen::Vector3d e = log_so3(qm.normalized().toRotationMatrix() * R_.transpose());
    Eigen::Matrix<double, 2, kDim> H = Eigen::Matrix<double, 2, kDim>::Zero();
    H(0, kR) = 1.;
    H(1, kR + 1) = 1.;
    const Eigen::Matrix2d N = Eigen::Matrix2d::Identity() * (s.tilt_noise_rad * s.tilt_noise_rad);
    correct<2>(H, Eigen::Vector2d(e.x(), e.y()), N);
  }

  write_output(gyro_last_ - bg_);
  out_.status = status;
  return status;
}

void BaseEstimator::write_output(const Eigen::Vector3d& w_imu) {
  BaseEstimate& o = out_;
  const Eigen::Matrix3d Rb = R_ * R_base_imu_.transpose();
  o.R = Rb;
  const Eigen::Quaterniond q(Rb);
  o.quat_xyzw << q.x(), q.y(), q.z(), q.w();
  o.position = p_ - Rb * p_base_imu_;
  o.angular_velocity = R_base_imu_ * w_imu - w_imu_rel_;
  o.linear_velocity_world = v_ - Rb * (o.angular_velocity.cross(p_base_imu_) + pdot_base_imu_);
  o.linear_velocity = Rb.transpose() * o.linear_velocity_world;
  o.gyro_bias = bg_;
  o.acc_bias = ba_;
  for (int i = 0; i < 2; ++i) {
    o.foot_position[i] = d_[i];
    o.cop[i] = c_[i];
  }
}

}  // namespace cerebellum
