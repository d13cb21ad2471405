// Whole-body QP inverse dynamics (see wbc.hpp). Uses only Robot's quantities: no Pinocchio here.
#include "cerebellum/wbc.hpp"
#include "cerebellum/working_set_qp.hpp"

#include <Eigen/Geometry>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <proxsuite/linalg/dense/core.hpp>
#include <stdexcept>
#include <string>
#include <utility>

// proxsuite 0.8's dense LDLT row insertion (active-set changes) computes dst += f * lhs * rhs with
// this helper. When dst has a single row, Eigen evaluates the row of (f * lhs) into a heap
// temporary before its matrix-vector kernel (seen with gdb in cerebellum_rt_check). This explicit
// specialisation, declared before proxsuite's solver is instantiated, computes that case with dot
// products and leaves every other shape to the original expression, so a tick never allocates.
// Keep proxsuite's solver in this translation unit only: an explicit specialisation must be
// visible wherever the template is instantiated.
namespace proxsuite::linalg::dense::_detail {
using ProxMapMut = Eigen::Map<Eigen::MatrixXd, 0, Eigen::Stride<-1, 1>>;
using ProxMap = Eigen::Map<const Eigen::MatrixXd, 0, Eigen::Stride<-1, 1>>;
template <>
inline void noalias_mul_add_impl<ProxMapMut, ProxMap, ProxMap, double>(ProxMapMut dst, ProxMap lhs,
                                                                      ProxMap rhs, double factor) {
  if (dst.rows() == 0 || dst.cols() == 0 || lhs.cols() == 0) return;
  if (dst.rows() == 1) {
    for (Eigen::Index j = 0; j < dst.cols(); ++j)
      dst(0, j) += factor * lhs.row(0).dot(rhs.col(j));
    return;
  }
  dst.noalias() += factor * (lhs * rhs);
}
}  // namespace proxsuite::linalg::dense::_detail

#include <proxsuite/proxqp/dense/dense.hpp>

namespace cerebellum {

namespace {

constexpr double kInf = 1e20;  // proxsuite treats |bound| >= 1e20 as infinite
// Working-set changes a tick may make before proxsuite solves it instead (WorkingSetQP).
constexpr int kWorkingSetChanges = 10;
constexpr double kGravity = 9.81;  // m/s^2, capture-point feedback on flat ground

using RowMat6 = Eigen::Matrix<double, Eigen::Dynamic, 6, Eigen::RowMajor, 11, 6>;
using Matrix6Xd = Eigen::Matrix<double, 6, Eigen::Dynamic>;

Eigen::Matrix3d skew(const Eigen::Vector3d& r) {
  Eigen::Matrix3d S;
  S << 0, -r.z(), r.y(), r.z(), 0, -r.x(), -r.y(), r.x(), 0;
  return S;
}

/// Rotation vector e with R = exp([e]x), rad.
Eigen::Vector3d log3(const Eigen::Matrix3d& R) {
  Eigen::Quaterniond qt(R);
  if (qt.w() < 0) qt.coeffs() = -qt.coeffs();
  const double s = qt.vec().norm();
  if (s < 1e-9) return 2.0 * qt.vec() / qt.w();
  return (2.0 * std::atan2(s, qt.w()) / s) * qt.vec();
}

}  // namespace

const char* to_string(WbcStatus s) {
  switch (s) {
    case WbcStatus::kOk: return "ok";
    case WbcStatus::kNotRun: return "not_run";
    case WbcStatus::kMaxIterReached: return "max_iter_reached";
    case WbcStatus::kInfeasible: return "infeasible";
    case WbcStatus::kNonFinite: return "non_finite";
  }
  return "unknown";
}

struct WholeBodyQPImpl {
  Robot& robot;
  WholeBodyQPSettings s;
  int nq, nv, nj, nc, nh, n, neq, nin, nin_contacts;
  std::vector<int> contact_idx, hand_idx, contact_row;  // frame indices; first C row of each contact
  int base_idx = -1;
  double mass = 0.0;  // kg
  std::vector<RowMat6> L;  // per contact: constraint rows in the sole frame, (k, 6)
  std::vector<Eigen::VectorXd> L_lo, L_hi;  // bounds of the rows of an active contact
  std::vector<Eigen::VectorXd> Z_lo, Z_hi;  // soft contacts: bounds forcing an inactive wrench to 0
  bool soft = false;                        // contact_weight > 0: no contact equality rows

  // Per-tick buffers.
  std::vector<Eigen::MatrixXd> Js;  // (6, nv) sole Jacobians, LOCAL_WORLD_ALIGNED
  Eigen::MatrixXd J6;               // (6, nv) scratch: a sole Jacobian, angular rows in the sole frame
  std::vector<Vector6d> drift_s, vel_s;
  std::vector<Eigen::Matrix3d> R_s;
  std::vector<Eigen::Vector3d> p_s;
  Matrix6Xd Jc, JWc;     // (6, nv) a task Jacobian's nonzero columns, unweighted and weighted
  Eigen::VectorXi cols;  // (nv) their indices
  RowMatrixXd H, A, C;
  Eigen::VectorXd g, b, l, u, l_solver, u_solver;
  Eigen::VectorXd x, y, z, tau, tau_prev, vdot, wrenches;  // y (neq), z (nin): multipliers
  Eigen::VectorXd Cx;       // (nin) inequality rows at the solution
  Eigen::VectorXd nle_j;    // (nj) joint rows of the bias forces + passive joint forces
  Eigen::VectorXd passive;  // (nj) passive joint forces made up for, N·m
  Vector6d r6;

  proxsuite::proxqp::dense::QP<double> qp;
  WorkingSetQP ws;
  Eigen::VectorXi side;  // (nin) the previous tick's active bounds: +1 upper, -1 lower, 0 none
  std::uint64_t working_set_ticks = 0;
  bool warm = false;
  bool scaled = false;
  Eigen::Array<bool, Eigen::Dynamic, 1> last_active;

  WbcStatus status = WbcStatus::kNotRun;
  int iterations = 0;
  int outer_iterations = 0;
  std::uint64_t failures = 0;
  double tick_us = 0.0;

  WholeBodyQPImpl(Robot& r, const WholeBodyQPSettings& st, int n_, int neq_, int nin_)
      : robot(r),
        s(st),
        qp(n_, neq_, nin_, false, proxsuite::proxqp::HessianType::Dense,
           proxsuite::proxqp::DenseBackend::PrimalDualLDLT),
        ws(n_, neq_, nin_),
        side(Eigen::VectorXi::Zero(nin_)) {}

  /// Solver failure: decaying previous torque plus joint damping, clipped; counted.
  void fallback(const Eigen::Ref<const Eigen::VectorXd>& v) {
    ++failures;
    warm = false;
    vdot.setZero();
    wrenches.setZero();
    tau = s.fallback_decay * tau_prev - s.fallback_damping * v.tail(nj);
    tau = tau.cwiseMax(-s.torque_limit).cwiseMin(s.torque_limit);
    tau_prev = tau;
  }

  static int find_frame(const Robot& robot, const std::string& name) {
    const auto& names = robot.frame_names();
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      std::string msg = "WholeBodyQP: frame '" + name + "' is not tracked by the Robot; tracked:";
      for (const auto& f : names) msg += " " + f;
      throw std::invalid_argument(msg);
    }
    return static_cast<int>(it - names.begin());
  }

  /// Sole Jacobian, drift, velocity and pose of contact c from the frame quantities.
  void sole_kinematics(const WholeBodyQuantities& wq, const Eigen::Ref<const Eigen::VectorXd>& v,
                       int c) {
    const int f = contact_idx[c];
    const FramePose& P = wq.frames[f];
    const Eigen::Vector3d r = P.R * s.contacts[c].offset;  // frame origin -> sole origin, world
    const Eigen::Matrix3d S = skew(r);
    Eigen::MatrixXd& J = Js[c];
    J = wq.J[f];
    J.topRows<3>().noalias() -= S * wq.J[f].bottomRows<3>();
    Eigen::Vector3d omega;
    omega.noalias() = wq.J[f].bottomRows<3>() * v;
    const Vector6d& d = wq.drift[f];
    drift_s[c].head<3>() = d.head<3>() + d.tail<3>().cross(r) + omega.cross(omega.cross(r));
    drift_s[c].tail<3>() = d.tail<3>();
    vel_s[c].noalias() = J * v;
    R_s[c].noalias() = P.R * s.contacts[c].rotation;
    p_s[c] = P.p + r;
  }

  /// Replaces the horizontal rows of r (linear momentum rate, N) by capture-point feedback.
  void capture_point_feedback(const WholeBodyQuantities& wq,
                              const Eigen::Ref<const Eigen::Array<bool, Eigen::Dynamic, 1>>& active,
                              const WholeBodyReferences& refs, Vector6d& r) const {
    Eigen::Vector2d lo = Eigen::Vector2d::Constant(1e9), hi = Eigen::Vector2d::Constant(-1e9);
    double z = 0.0;
    int na = 0;
    for (int c = 0; c < nc; ++c) {
      if (!active(c)) continue;
      const ContactDescription& d = s.contacts[c];
      for (int k = 0; k < 4; ++k) {
        const Eigen::Vector3d corner(k < 2 ? d.x_front : -d.x_back, k % 2 ? d.y_left : -d.y_right,
                                     0.0);
        const Eigen::Vector2d pw = (p_s[c] + R_s[c] * corner).head<2>();
        lo = lo.cwiseMin(pw);
        hi = hi.cwiseMax(pw);
      }
      z += p_s[c].z();
      ++na;
    }
    if (na == 0) return;
    const double h = std::max(wq.com.z() - z / na, 0.1);
    const double w = std::sqrt(kGravity / h);
    const Eigen::Vector2d xi = wq.com.head<2>() + wq.vcom.head<2>() / w;
    const Eigen::Vector2d xi_ref = refs.com.head<2>() + refs.vcom.head<2>() / w;
    const Eigen::Vector2d mid = 0.5 * (lo + hi), half = (0.5 * s.cmp_margin) * (hi - lo);
    const Eigen::Vector2d cmp =
        (xi + (s.k_dcm / w) * (xi - xi_ref)).cwiseMax(mid - half).cwiseMin(mid + half);
    r.head<2>() = mass * (w * w * (wq.com.head<2>() - cmp) + refs.acom.head<2>());
  }

  /// Adds 0.5 * || J vdot - r ||^2_W to the vdot block of the cost. J (k <= 6, nv), W diagonal
  /// (k). Only the lower triangle of H's vdot block is accumulated (mirror_cost() completes it),
  /// and only over the columns where J is nonzero: a frame Jacobian is zero outside the joints
  /// that move the frame (H1 sole: 11 of 25 columns, base orientation: 3).
  template <typename JT, typename RT, typename WT>
  void add_task(const JT& J, const RT& r, const WT& w) {
    const int k = static_cast<int>(J.rows());
    Vector6d wk = Vector6d::Zero(), rk = Vector6d::Zero();  // rows k..5: weight 0
    wk.head(k) = w;
    rk.head(k) = r;
    int s = 0;
    for (int j = 0; j < nv; ++j) {
      if ((J.col(j).array() == 0.0).all()) continue;
      cols[s] = j;
      Jc.col(s).head(k) = J.col(j);
      Jc.col(s).tail(6 - k).setZero();
      JWc.col(s) = wk.cwiseProduct(Jc.col(s));
      ++s;
    }
    for (int a = 0; a < s; ++a) {
      const int i = cols[a];
      for (int b = 0; b <= a; ++b) H(i, cols[b]) += Jc.col(a).dot(JWc.col(b));
      g[i] -= JWc.col(a).dot(rk);
    }
  }

  /// Copies the lower triangle of H's vdot block to its upper triangle.
  void mirror_cost() {
    for (int i = 0; i < nv; ++i)
      for (int j = 0; j < i; ++j) H(j, i) = H(i, j);
  }

  /// 6D pose task on a point with Jacobian J (6, nv), drift d, velocity vel, pose (R, p).
  void add_pose_task(const Eigen::MatrixXd& J, const Vector6d& d, const Vector6d& vel,
                     const Eigen::Matrix3d& R, const Eigen::Vector3d& p, const FramePose& ref,
                     const Vector6d& v_ref, const Vector6d& a_ref, double kp, double kd,
                     const Vector6d& w) {
    r6.head<3>() = ref.p - p;
    r6.tail<3>() = log3(ref.R * R.transpose());
    r6 = a_ref + kp * r6 + kd * (v_ref - vel) - d;
    add_task(J, r6, w);
  }
};

WholeBodyQP::WholeBodyQP(Robot& robot, const WholeBodyQPSettings& settings) {
  const int nv = robot.nv();
  const int nc = static_cast<int>(settings.contacts.size());
  if (robot.nq() - 7 != nv - 6)
    throw std::invalid_argument("WholeBodyQP: only 1-DoF joints below a free flyer are supported");
  if (settings.torque_limit.size() != nv - 6)
    throw std::invalid_argument("WholeBodyQP: torque_limit must have nv-6 = " +
                                std::to_string(nv - 6) + " entries, got " +
                                std::to_string(settings.torque_limit.size()));
  if ((settings.torque_limit.array() < 0).any() || settings.torque_limit.hasNaN())
    throw std::invalid_argument("WholeBodyQP: torque_limit must be >= 0");
  for (const Eigen::VectorXd* p : {&settings.joint_damping, &settings.joint_friction})
    if ((p->size() != 0 && p->size() != nv - 6) || !p->allFinite() || (p->array() < 0).any())
      throw std::invalid_argument(
          "WholeBodyQP: joint_damping and joint_friction must be empty or have nv-6 = " +
          std::to_string(nv - 6) + " finite entries >= 0");
  if (!(settings.friction_velocity > 0 && std::isfinite(settings.friction_velocity)))
    throw std::invalid_argument("WholeBodyQP: friction_velocity must be finite > 0");
  if (!(settings.contact_weight >= 0 && std::isfinite(settings.contact_weight) &&
        settings.eps_abs > 0 && settings.eps_rel >= 0 && settings.max_iter > 0 &&
        settings.max_iter_in > 0 && settings.k_dcm >= 0 && settings.cmp_margin > 0 &&
        settings.cmp_margin <= 1 && settings.mu_eq > 0 && settings.mu_in > 0))
    throw std::invalid_argument(
        "WholeBodyQP: contact_weight must be finite >= 0, eps_abs, max_iter, max_iter_in, mu_eq "
        "and mu_in > 0, eps_rel and k_dcm >= 0, cmp_margin in (0, 1]");
  // Every weight, gain and solver number finite and >= 0 (NaN gains made proxsuite run its whole
  // iteration budget on NaN data every tick).
  const std::pair<const char*, double> scalars[] = {
      {"w_base_orientation", settings.w_base_orientation}, {"w_posture", settings.w_posture},
      {"w_reg_vdot", settings.w_reg_vdot}, {"w_reg_wrench", settings.w_reg_wrench},
      {"w_wrench_ff", settings.w_wrench_ff}, {"kp_com", settings.kp_com},
      {"kd_com", settings.kd_com}, {"kd_angular_momentum", settings.kd_angular_momentum},
      {"k_dcm", settings.k_dcm}, {"kp_base", settings.kp_base}, {"kd_base", settings.kd_base},
      {"kp_swing", settings.kp_swing}, {"kd_swing", settings.kd_swing},
      {"kp_posture", settings.kp_posture}, {"kd_posture", settings.kd_posture},
      {"kp_hand", settings.kp_hand}, {"kd_hand", settings.kd_hand},
      {"kd_contact", settings.kd_contact}, {"eps_abs", settings.eps_abs},
      {"eps_rel", settings.eps_rel}, {"fallback_decay", settings.fallback_decay},
      {"fallback_damping", settings.fallback_damping}, {"mu_eq", settings.mu_eq},
      {"mu_in", settings.mu_in}};
  for (const auto& [name, value] : scalars)
    if (!(std::isfinite(value) && value >= 0))
      throw std::invalid_argument(std::string("WholeBodyQP: ") + name +
                                  " must be finite and >= 0, got " + std::to_string(value));
  const std::pair<const char*, const Vector6d*> weights6[] = {
      {"w_momentum", &settings.w_momentum}, {"w_swing", &settings.w_swing},
      {"w_hand", &settings.w_hand}};
  for (const auto& [name, w] : weights6)
    if (!w->allFinite() || (w->array() < 0).any())
      throw std::invalid_argument(std::string("WholeBodyQP: ") + name +
                                  " must have 6 finite entries >= 0");
  if (settings.fallback_decay > 1)
    throw std::invalid_argument("WholeBodyQP: fallback_decay must be in [0, 1], got " +
                                std::to_string(settings.fallback_decay));
  // Soft contacts: the zero wrench of an inactive contact comes from its cone rows (fz in [0, 0],
  // yaw rows always present) instead of 6 equality rows, which keeps proxsuite's KKT 6 nc rows
  // smaller in double support.
  const bool soft = settings.contact_weight > 0;
  int nin_contacts = 0;
  for (const auto& c : settings.contacts) {
    if (!(c.x_back >= 0 && c.x_front >= 0 && c.y_left >= 0 && c.y_right >= 0 && c.mu > 0 &&
          c.fz_min >= 0 && c.fz_max >= c.fz_min && c.yaw_coeff >= 0 && c.offset.allFinite() &&
          c.rotation.allFinite() &&
          (c.rotation.transpose() * c.rotation - Eigen::Matrix3d::Identity()).norm() < 1e-6))
      throw std::invalid_argument("WholeBodyQP: invalid contact description for frame '" +
                                  c.frame + "'");
    nin_contacts += (std::isinf(c.yaw_coeff) && !soft) ? 9 : 11;
  }
  const int n = nv + 6 * nc, neq = soft ? 6 : 6 + 6 * nc, nin = nin_contacts + nv - 6;
  impl_ = std::make_unique<WholeBodyQPImpl>(robot, settings, n, neq, nin);
  auto& I = *impl_;
  I.nq = robot.nq();
  I.mass = robot.mass();
  I.nv = nv;
  I.nj = nv - 6;
  I.nc = nc;
  I.nh = static_cast<int>(settings.hand_frames.size());
  I.n = n;
  I.neq = neq;
  I.nin = nin;
  I.nin_contacts = nin_contacts;
  for (const auto& c : settings.contacts) I.contact_idx.push_back(I.find_frame(robot, c.frame));
  for (const auto& h : settings.hand_frames) I.hand_idx.push_back(I.find_frame(robot, h));
  if (!settings.base_frame.empty()) I.base_idx = I.find_frame(robot, settings.base_frame);

  I.soft = soft;
  int row = 0;
  for (const auto& c : settings.contacts) {
    const bool yaw_limited = !std::isinf(c.yaw_coeff);
    const bool yaw = yaw_limited || soft;
    const int k = yaw ? 11 : 9;
    const double m = c.mu / std::sqrt(2.0);
    RowMat6 L(k, 6);
    L.setZero();
    // [fx fy fz tx ty tz] in the sole frame.
    L.row(0) << 1, 0, -m, 0, 0, 0;   // fx <= m fz
    L.row(1) << -1, 0, -m, 0, 0, 0;  // -fx <= m fz
    L.row(2) << 0, 1, -m, 0, 0, 0;
    L.row(3) << 0, -1, -m, 0, 0, 0;
    L.row(4) << 0, 0, 1, 0, 0, 0;                 // fz_min <= fz <= fz_max
    L.row(5) << 0, 0, -c.x_front, 0, -1, 0;       // cop_x = -ty/fz <= x_front
    L.row(6) << 0, 0, -c.x_back, 0, 1, 0;         // cop_x >= -x_back
    L.row(7) << 0, 0, -c.y_left, 1, 0, 0;         // cop_y = tx/fz <= y_left
    L.row(8) << 0, 0, -c.y_right, -1, 0, 0;       // cop_y >= -y_right
    if (yaw) {  // |tz| <= yaw_coeff fz; without a yaw limit: tz <= 0, -tz <= 0 when inactive only
      const double cy = yaw_limited ? c.yaw_coeff : 0.0;
      L.row(9) << 0, 0, -cy, 0, 0, 1;
      L.row(10) << 0, 0, -cy, 0, 0, -1;
    }
    Eigen::VectorXd lo = Eigen::VectorXd::Constant(k, -kInf), hi = Eigen::VectorXd::Zero(k);
    Eigen::VectorXd zlo = lo, zhi = hi;  // inactive: fz = 0 forces f = 0, tx = ty = 0, tz = 0
    zlo(4) = 0.0;
    lo(4) = c.fz_min;
    hi(4) = std::min(c.fz_max, kInf);
    if (yaw && !yaw_limited) hi.tail<2>().setConstant(kInf);
    I.L.push_back(L);
    I.L_lo.push_back(lo);
    I.L_hi.push_back(hi);
    I.Z_lo.push_back(zlo);
    I.Z_hi.push_back(zhi);
    I.contact_row.push_back(row);
    row += k;
  }

  I.Js.assign(nc, Eigen::MatrixXd::Zero(6, nv));
  I.J6 = Eigen::MatrixXd::Zero(6, nv);
  I.drift_s.assign(nc, Vector6d::Zero());
  I.vel_s.assign(nc, Vector6d::Zero());
  I.R_s.assign(nc, Eigen::Matrix3d::Identity());
  I.p_s.assign(nc, Eigen::Vector3d::Zero());
  I.Jc = Matrix6Xd::Zero(6, nv);
  I.JWc = Matrix6Xd::Zero(6, nv);
  I.cols = Eigen::VectorXi::Zero(nv);
  I.H = RowMatrixXd::Zero(n, n);
  I.g = Eigen::VectorXd::Zero(n);
  I.A = RowMatrixXd::Zero(neq, n);
  I.b = Eigen::VectorXd::Zero(neq);
  I.C = RowMatrixXd::Zero(nin, n);
  I.l = Eigen::VectorXd::Zero(nin);
  I.u = Eigen::VectorXd::Zero(nin);
  I.l_solver = Eigen::VectorXd::Zero(nin);
  I.u_solver = Eigen::VectorXd::Zero(nin);
  I.x = Eigen::VectorXd::Zero(n);
  I.y = Eigen::VectorXd::Zero(neq);
  I.z = Eigen::VectorXd::Zero(nin);
  I.Cx = Eigen::VectorXd::Zero(nin);
  I.last_active = Eigen::Array<bool, Eigen::Dynamic, 1>::Constant(nc, true);
  I.tau = Eigen::VectorXd::Zero(nv - 6);
  I.tau_prev = Eigen::VectorXd::Zero(nv - 6);
  I.nle_j = Eigen::VectorXd::Zero(nv - 6);
  I.passive = Eigen::VectorXd::Zero(nv - 6);
  I.vdot = Eigen::VectorXd::Zero(nv);
  I.wrenches = Eigen::VectorXd::Zero(6 * nc);
  I.r6.setZero();

  I.qp.settings.eps_abs = settings.eps_abs;
  I.qp.settings.eps_rel = settings.eps_rel;
  I.qp.settings.max_iter = settings.max_iter;
  I.qp.settings.max_iter_in = settings.max_iter_in;
  I.qp.settings.default_mu_eq = settings.mu_eq;
  I.qp.settings.default_mu_in = settings.mu_in;
  // proxsuite's infeasibility certificates default to 1e-4: on H1's walking QP (soft contacts,
  // cond(H) ~ 6e11) that declared feasible problems infeasible, cold as well as warm (HiGHS finds
  // them feasible; at 1e-6 to 1e-10 proxsuite solves them in 10-12 iterations).
  I.qp.settings.eps_primal_inf = 1e-8;
  I.qp.settings.eps_dual_inf = 1e-8;
  I.qp.settings.verbose = false;
  I.qp.settings.compute_timings = false;
  I.qp.settings.initial_guess = proxsuite::proxqp::InitialGuessStatus::NO_INITIAL_GUESS;
  // Initialise the solver once on a trivially feasible problem so that tick() never allocates.
  I.H.diagonal().setOnes();
  for (int i = 0; i < neq; ++i) I.A(i, i % n) = 1.0;
  for (int i = 0; i < nin; ++i) I.C(i, i % n) = 1.0;
  I.l.setConstant(-kInf);
  I.u.setConstant(kInf);
  I.qp.init(I.H, I.g, I.A, I.b, I.C, I.l, I.u, true);
  I.qp.solve();
  I.H.setZero();
  I.A.setZero();
  I.C.setZero();
  I.status = WbcStatus::kNotRun;
}

WholeBodyQP::~WholeBodyQP() = default;

WholeBodyReferences WholeBodyQP::make_references(const Eigen::Ref<const Eigen::VectorXd>& q) {
  auto& I = *impl_;
  if (q.size() != I.nq || !q.allFinite())
    throw std::invalid_argument("WholeBodyQP::make_references: q must be finite with nq = " +
                                std::to_string(I.nq) + " entries");
  const Eigen::VectorXd v0 = Eigen::VectorXd::Zero(I.nv);
  const WholeBodyQuantities& wq = I.robot.compute(q, v0);
  WholeBodyReferences r;
  r.com = wq.com;
  if (I.base_idx >= 0) r.base_R = wq.frames[I.base_idx].R;
  for (int c = 0; c < I.nc; ++c) {
    I.sole_kinematics(wq, v0, c);
    FramePose P;
    P.R = I.R_s[c];
    P.p = I.p_s[c];
    r.swing_pose.push_back(P);
  }
  r.swing_velocity.assign(I.nc, Vector6d::Zero());
  r.swing_acceleration.assign(I.nc, Vector6d::Zero());
  r.posture = q.tail(I.nj);
  for (int h = 0; h < I.nh; ++h) r.hand_pose.push_back(wq.frames[I.hand_idx[h]]);
  r.hand_velocity.assign(I.nh, Vector6d::Zero());
  r.hand_acceleration.assign(I.nh, Vector6d::Zero());
  r.wrench_ff = Eigen::VectorXd::Zero(6 * I.nc);
  return r;
}

const Eigen::VectorXd& WholeBodyQP::tick(
    const Eigen::Ref<const Eigen::VectorXd>& q, const Eigen::Ref<const Eigen::VectorXd>& v,
    const Eigen::Ref<const Eigen::Array<bool, Eigen::Dynamic, 1>>& active,
    const WholeBodyReferences& refs) {
  return tick_impl(q, v, active, refs, true);
}

const Eigen::VectorXd& WholeBodyQP::tick_computed(
    const Eigen::Ref<const Eigen::VectorXd>& q, const Eigen::Ref<const Eigen::VectorXd>& v,
    const Eigen::Ref<const Eigen::Array<bool, Eigen::Dynamic, 1>>& active,
    const WholeBodyReferences& refs) {
  return tick_impl(q, v, active, refs, false);
}

const Eigen::VectorXd& WholeBodyQP::tick_impl(
    const Eigen::Ref<const Eigen::VectorXd>& q, const Eigen::Ref<const Eigen::VectorXd>& v,
    const Eigen::Ref<const Eigen::Array<bool, Eigen::Dynamic, 1>>& active,
    const WholeBodyReferences& refs, bool compute) {
  auto& I = *impl_;
  const auto t0 = std::chrono::steady_clock::now();
  const int nv = I.nv, nj = I.nj, nc = I.nc;

  // ---- Validation (before anything is modified).
  if (q.size() != I.nq) throw std::invalid_argument("WholeBodyQP::tick: q must have nq entries");
  if (v.size() != nv) throw std::invalid_argument("WholeBodyQP::tick: v must have nv entries");
  if (active.size() != nc)
    throw std::invalid_argument("WholeBodyQP::tick: active must have one flag per contact");
  if (!q.allFinite() || !v.allFinite())
    throw std::invalid_argument("WholeBodyQP::tick: non-finite q or v");
  if (static_cast<int>(refs.swing_pose.size()) != nc ||
      static_cast<int>(refs.swing_velocity.size()) != nc ||
      static_cast<int>(refs.swing_acceleration.size()) != nc ||
      static_cast<int>(refs.hand_pose.size()) != I.nh ||
      static_cast<int>(refs.hand_velocity.size()) != I.nh ||
      static_cast<int>(refs.hand_acceleration.size()) != I.nh || refs.posture.size() != nj ||
      refs.wrench_ff.size() != 6 * nc)
    throw std::invalid_argument("WholeBodyQP::tick: references not sized for this problem");
  bool ok = refs.com.allFinite() && refs.vcom.allFinite() && refs.acom.allFinite() &&
            refs.base_R.allFinite() && refs.base_omega.allFinite() &&
            refs.base_omega_dot.allFinite() && refs.posture.allFinite() &&
            refs.wrench_ff.allFinite();
  for (int c = 0; c < nc; ++c)
    ok = ok && refs.swing_pose[c].R.allFinite() && refs.swing_pose[c].p.allFinite() &&
         refs.swing_velocity[c].allFinite() && refs.swing_acceleration[c].allFinite();
  for (int h = 0; h < I.nh; ++h)
    ok = ok && refs.hand_pose[h].R.allFinite() && refs.hand_pose[h].p.allFinite() &&
         refs.hand_velocity[h].allFinite() && refs.hand_acceleration[h].allFinite();
  if (!ok) throw std::invalid_argument("WholeBodyQP::tick: non-finite references");

  const WholeBodyQuantities& wq = compute ? I.robot.compute(q, v) : I.robot.quantities();
  for (int c = 0; c < nc; ++c) I.sole_kinematics(wq, v, c);

  // ---- Cost.
  const auto& s = I.s;
  I.H.setZero();
  I.g.setZero();
  {  // centroidal momentum rate
    Vector6d& r = I.r6;
    r.head<3>() = I.mass * (refs.acom + s.kp_com * (refs.com - wq.com) +
                                   s.kd_com * (refs.vcom - wq.vcom));
    if (s.k_dcm > 0) I.capture_point_feedback(wq, active, refs, r);
    r.tail<3>() = -s.kd_angular_momentum * wq.hg.tail<3>();
    r -= wq.dAg_v;
    I.add_task(wq.Ag, r, s.w_momentum);
  }
  if (I.base_idx >= 0 && s.w_base_orientation > 0) {
    const int f = I.base_idx;
    const auto Jw = wq.J[f].bottomRows<3>();
    Eigen::Vector3d omega;
    omega.noalias() = Jw * v;
    Eigen::Vector3d r = refs.base_omega_dot +
                        s.kp_base * log3(refs.base_R * wq.frames[f].R.transpose()) +
                        s.kd_base * (refs.base_omega - omega) - wq.drift[f].tail<3>();
    I.add_task(Jw, r, Eigen::Vector3d::Constant(s.w_base_orientation));
  }
  for (int c = 0; c < nc; ++c) {
    if (active(c)) continue;
    I.add_pose_task(I.Js[c], I.drift_s[c], I.vel_s[c], I.R_s[c], I.p_s[c], refs.swing_pose[c],
                    refs.swing_velocity[c], refs.swing_acceleration[c], s.kp_swing, s.kd_swing,
                    s.w_swing);
  }
  if ((s.w_hand.array() > 0).any()) {
    for (int h = 0; h < I.nh; ++h) {
      const int f = I.hand_idx[h];
      Vector6d vel;
      vel.noalias() = wq.J[f] * v;
      I.add_pose_task(wq.J[f], wq.drift[f], vel, wq.frames[f].R, wq.frames[f].p,
                      refs.hand_pose[h], refs.hand_velocity[h], refs.hand_acceleration[h],
                      s.kp_hand, s.kd_hand, s.w_hand);
    }
  }
  // posture (diagonal), regularisation, wrench tracking
  I.H.diagonal().segment(6, nj).array() += s.w_posture;
  I.g.segment(6, nj).noalias() -=
      s.w_posture * (s.kp_posture * (refs.posture - q.tail(nj)) - s.kd_posture * v.tail(nj));
  I.H.diagonal().head(nv).array() += s.w_reg_vdot;
  I.H.diagonal().tail(6 * nc).array() += s.w_reg_wrench + s.w_wrench_ff;
  I.g.tail(6 * nc).noalias() -= s.w_wrench_ff * refs.wrench_ff;

  // ---- Joint bias forces, with the passive forces the torques must overcome.
  // At most half of a joint's torque limit goes to them (Talos' grippers: 1 N·m friction, 1 N·m
  // limit), so the QP keeps room to act.
  I.passive.setZero();
  if (s.joint_damping.size() == nj) I.passive.array() += s.joint_damping.array() * v.tail(nj).array();
  if (s.joint_friction.size() == nj)
    I.passive.array() +=
        s.joint_friction.array() * (v.tail(nj).array() / s.friction_velocity).tanh();
  I.passive = I.passive.cwiseMax(-0.5 * s.torque_limit).cwiseMin(0.5 * s.torque_limit);
  I.nle_j = wq.nle.tail(nj) + I.passive;

  // ---- Equalities: floating base, then (rigid contacts only) 6 rows per contact.
  I.A.setZero();
  I.A.topLeftCorner(6, nv) = wq.M.topRows<6>();
  I.b.head<6>() = -wq.nle.head<6>();
  for (int c = 0; c < nc; ++c) {
    I.A.block(0, nv + 6 * c, 6, 6).noalias() = -I.Js[c].leftCols<6>().transpose();
    if (I.soft) {
      if (active(c)) {
        I.r6 = -I.drift_s[c] - s.kd_contact * I.vel_s[c];
        if (s.contacts[c].free_roll) {  // angular rows in the sole frame, roll row weight 0
          I.J6.topRows<3>() = I.Js[c].topRows<3>();
          I.J6.bottomRows<3>().noalias() = I.R_s[c].transpose() * I.Js[c].bottomRows<3>();
          I.r6.tail<3>() = I.R_s[c].transpose() * I.r6.tail<3>().eval();
          Vector6d w = Vector6d::Constant(s.contact_weight);
          w(3) = 0.0;
          I.add_task(I.J6, I.r6, w);
        } else {
          I.add_task(I.Js[c], I.r6, Vector6d::Constant(s.contact_weight));
        }
      }
    } else if (active(c)) {
      I.A.block(6 + 6 * c, 0, 6, nv) = I.Js[c];
      I.b.segment<6>(6 + 6 * c) = -I.drift_s[c] - s.kd_contact * I.vel_s[c];
    } else {
      I.A.block<6, 6>(6 + 6 * c, nv + 6 * c).setIdentity();
      I.b.segment<6>(6 + 6 * c).setZero();
    }
  }

  // ---- Inequalities: contact wrench cones, then torque limits.
  I.C.setZero();
  for (int c = 0; c < nc; ++c) {
    const int r0 = I.contact_row[c];
    const auto& L = I.L[c];
    const int k = static_cast<int>(L.rows());
    const Eigen::Matrix3d Rt = I.R_s[c].transpose();
    I.C.block(r0, nv + 6 * c, k, 3).noalias() = L.leftCols<3>() * Rt;
    I.C.block(r0, nv + 6 * c + 3, k, 3).noalias() = L.rightCols<3>() * Rt;
    if (active(c)) {
      I.l.segment(r0, k) = I.L_lo[c];
      I.u.segment(r0, k) = I.L_hi[c];
    } else if (I.soft) {
      I.l.segment(r0, k) = I.Z_lo[c];
      I.u.segment(r0, k) = I.Z_hi[c];
    } else {
      I.l.segment(r0, k).setConstant(-kInf);
      I.u.segment(r0, k).setConstant(kInf);
    }
  }
  const int rt = I.nin_contacts;
  I.C.block(rt, 0, nj, nv) = wq.M.bottomRows(nj);
  for (int c = 0; c < nc; ++c)
    I.C.block(rt, nv + 6 * c, nj, 6).noalias() = -I.Js[c].rightCols(nj).transpose();
  I.l.tail(nj) = -s.torque_limit - I.nle_j;
  I.u.tail(nj) = s.torque_limit - I.nle_j;
  I.l_solver = I.l.cwiseMax(-kInf);
  I.u_solver = I.u.cwiseMin(kInf);

  I.mirror_cost();

  // ---- Solve. A state or reference far outside the model's range (e.g. huge velocities) can
  // overflow the QP data: proxsuite would then iterate on NaN up to its budget.
  if (!(I.H.allFinite() && I.g.allFinite() && I.A.allFinite() && I.b.allFinite() &&
        I.C.allFinite() && !I.l_solver.hasNaN() && !I.u_solver.hasNaN())) {
    I.iterations = I.outer_iterations = 0;
    I.status = WbcStatus::kNonFinite;
    I.fallback(v);
    I.tick_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                    .count();
    return I.tau;
  }
  // Ruiz equilibration is recomputed when the contact set changes, and kept otherwise.
  const bool new_contacts = !I.scaled || (active != I.last_active).any();
  I.last_active = active;
  I.scaled = true;

  // The previous tick's active set first (same contacts): one KKT solve, kept if it satisfies
  // the whole QP's KKT conditions within eps_abs (working_set_qp.hpp); otherwise proxsuite.
  bool solved = false;
  if (s.working_set && I.warm && !new_contacts) {
    solved = I.ws.solve(I.H, I.g, I.A, I.b, I.C, I.l_solver, I.u_solver, I.side, s.eps_abs, kInf,
                        kWorkingSetChanges, I.x, I.y, I.z);
    if (solved) {
      I.iterations = I.outer_iterations = 0;
      ++I.working_set_ticks;
    }
  }
  if (!solved) {
    I.qp.settings.initial_guess = I.warm ? proxsuite::proxqp::InitialGuessStatus::WARM_START
                                         : proxsuite::proxqp::InitialGuessStatus::NO_INITIAL_GUESS;
    // Vectors go straight into the solver's model (its update() copies them through
    // temporaries); passing the row-major matrices by reference marks the problem for
    // refactorisation.
    I.qp.model.g = I.g;
    I.qp.model.b = I.b;
    I.qp.model.l = I.l_solver;
    I.qp.model.u = I.u_solver;
    I.qp.update(I.H, std::nullopt, I.A, std::nullopt, I.C, std::nullopt, std::nullopt,
                new_contacts);
    if (I.warm) {  // previous solution (what QP::solve(x, y, z) does, without its temporaries)
      I.qp.results.x = I.x;
      I.qp.results.y = I.y;
      I.qp.results.z = I.z;
    }
    I.qp.solve();
    const auto out = I.qp.results.info.status;
    I.iterations = static_cast<int>(I.qp.results.info.iter);
    I.outer_iterations = static_cast<int>(I.qp.results.info.iter_ext);
    const Eigen::VectorXd& xs = I.qp.results.x;
    solved = out == proxsuite::proxqp::QPSolverOutput::PROXQP_SOLVED;
    if (solved && !xs.allFinite()) {
      solved = false;
      I.status = WbcStatus::kNonFinite;
    } else if (!solved) {
      I.status = out == proxsuite::proxqp::QPSolverOutput::PROXQP_MAX_ITER_REACHED
                     ? WbcStatus::kMaxIterReached
                     : WbcStatus::kInfeasible;
      if (!xs.allFinite()) I.status = WbcStatus::kNonFinite;
    }
    if (solved) {
      I.x = xs;
      I.y = I.qp.results.y;
      // Warm start of the next tick. proxsuite puts every row whose multiplier is nonzero into
      // its first KKT factorisation, one LDLT row insertion each (z > 0: upper bound active,
      // z < 0: lower). It returns ~1e-35 on inactive rows (standing: 18 of 41 rows on H1, of 54
      // on Apollo), of either sign. By complementarity a row whose bound is not active has a
      // zero multiplier: keep z only where its bound is within 1e3 eps_abs of C x.
      I.Cx.noalias() = I.C * xs;
      const double tol = 1e3 * s.eps_abs;
      for (int i = 0; i < I.nin; ++i) {
        const double zi = I.qp.results.z[i];
        const bool at_bound =
            zi > 0 ? I.u_solver[i] - I.Cx[i] <= tol : I.Cx[i] - I.l_solver[i] <= tol;
        I.z[i] = at_bound ? zi : 0.0;
        I.side[i] = I.z[i] > 0 ? 1 : (I.z[i] < 0 ? -1 : 0);
      }
    }
  }

  if (solved) {
    I.status = WbcStatus::kOk;
    I.warm = true;
    I.vdot = I.x.head(nv);
    I.wrenches = I.x.tail(6 * nc);
    I.tau.noalias() = wq.M.bottomRows(nj) * I.vdot;
    I.tau += I.nle_j;
    for (int c = 0; c < nc; ++c)
      I.tau.noalias() -= I.Js[c].rightCols(nj).transpose() * I.wrenches.segment<6>(6 * c);
    I.tau_prev = I.tau;
  }
  if (solved && !I.tau.allFinite()) {
    solved = false;
    I.status = WbcStatus::kNonFinite;
  }
  if (!solved) I.fallback(v);
  I.tick_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                  .count();
  return I.tau;
}

int WholeBodyQP::nv() const { return impl_->nv; }
int WholeBodyQP::num_contacts() const { return impl_->nc; }
int WholeBodyQP::num_variables() const { return impl_->n; }
int WholeBodyQP::num_equalities() const { return impl_->neq; }
int WholeBodyQP::num_inequalities() const { return impl_->nin; }
const WholeBodyQPSettings& WholeBodyQP::settings() const { return impl_->s; }
const Eigen::VectorXd& WholeBodyQP::tau() const { return impl_->tau; }
const Eigen::VectorXd& WholeBodyQP::vdot() const { return impl_->vdot; }
const Eigen::VectorXd& WholeBodyQP::wrenches() const { return impl_->wrenches; }
WbcStatus WholeBodyQP::status() const { return impl_->status; }
int WholeBodyQP::iterations() const { return impl_->iterations; }
int WholeBodyQP::outer_iterations() const { return impl_->outer_iterations; }
std::uint64_t WholeBodyQP::failures() const { return impl_->failures; }
std::uint64_t WholeBodyQP::working_set_ticks() const { return impl_->working_set_ticks; }
const WorkingSetQP& WholeBodyQP::working_set_qp() const { return impl_->ws; }
double WholeBodyQP::last_tick_us() const { return impl_->tick_us; }
const RowMatrixXd& WholeBodyQP::H() const { return impl_->H; }
const Eigen::VectorXd& WholeBodyQP::g() const { return impl_->g; }
const RowMatrixXd& WholeBodyQP::A() const { return impl_->A; }
const Eigen::VectorXd& WholeBodyQP::b() const { return impl_->b; }
const RowMatrixXd& WholeBodyQP::C() const { return impl_->C; }
const Eigen::VectorXd& WholeBodyQP::l() const { return impl_->l; }
const Eigen::VectorXd& WholeBodyQP::u() const { return impl_->u; }
const Eigen::VectorXd& WholeBodyQP::x() const { return impl_->x; }

}  // namespace cerebellum
