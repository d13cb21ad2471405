// Whole-body QP inverse dynamics on the quantities of a cerebellum::Robot.
//
// Decision variable x = [vdot (nv); w_0 (6); ...; w_{nc-1} (6)]: joint accelerations and one wrench per
// contact, expressed at the sole origin with LOCAL_WORLD_ALIGNED axes, [force N; torque N·m].
// Cost 0.5 x'Hx + g'x. Equalities A x = b: floating-base dynamics (6 rows), then, with rigid
// contacts (contact_weight 0), 6 rows per contact (rigid contact if active, zero wrench if inactive). Inequalities l <= C x <= u: per contact
// friction pyramid (4), unilateral (1), CoP in the sole rectangle (4), optional yaw torque (2); then
// joint torque limits (nv-6). Torques are recovered as tau = (M vdot + nle - sum_c Jc^T w_c)[6:].
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "cerebellum/robot.hpp"
#include "cerebellum/working_set_qp.hpp"

namespace cerebellum {

using Vector6d = Eigen::Matrix<double, 6, 1>;
using RowMatrixXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// A rectangular sole rigidly attached to a tracked frame of the Robot: origin `offset` and axes
/// `rotation` in that frame. The sole z axis is the contact normal, x points forward.
struct ContactDescription {
  std::string frame;                                         // Robot frame name
  Eigen::Vector3d offset = Eigen::Vector3d::Zero();         // sole origin in `frame`, m
  Eigen::Matrix3d rotation = Eigen::Matrix3d::Identity();   // frame <- sole
  double x_back = 0.1;    // sole extent behind the origin along -x, m (>= 0)
  double x_front = 0.1;   // sole extent ahead of the origin along +x, m (>= 0)
  double y_right = 0.05;  // sole extent along -y, m (>= 0)
  double y_left = 0.05;   // sole extent along +y, m (>= 0)
  double mu = 0.7;        // Coulomb friction; the 4-face pyramid uses mu/sqrt(2) (inner approximation)
  double fz_min = 5.0;    // minimum normal force when active, N
  double fz_max = std::numeric_limits<double>::infinity();  // N
  /// |tau_z| <= yaw_coeff * f_z in the sole frame, m; infinity disables the two rows.
  double yaw_coeff = std::numeric_limits<double>::infinity();
  /// Soft contacts only: the sole's roll (about its x axis) is not held, as on a leg without
  /// ankle roll whose flat sole must roll onto an edge to let the hip move sideways. Give it a
  /// narrow rectangle (little roll torque) to match.
  bool free_roll = false;
};

/// Weights, gains and limits of the WholeBodyQP. Gains are per-axis scalars (1/s^2 for kp, 1/s for kd).
struct WholeBodyQPSettings {
  std::vector<ContactDescription> contacts;  // nc contacts (usually the feet)
  std::string base_frame;                    // Robot frame whose orientation is regulated
  std::vector<std::string> hand_frames;      // optional 6D pose tasks (Robot frames)
  Eigen::VectorXd torque_limit;              // (nv-6) |tau_j| <= limit, N·m; infinity allowed
  /// Passive joint forces of the simulated/real drive the torques make up for: viscous damping
  /// (N·m·s/rad, torque d v) and dry friction (N·m, torque f tanh(v / friction_velocity)), each
  /// (nv-6) or empty (none). The QP's dynamics and torque limits include them, each joint's
  /// share capped at half its torque limit.
  Eigen::VectorXd joint_damping;
  Eigen::VectorXd joint_friction;
  double friction_velocity = 0.2;  // rad/s: smooth, so that encoder noise does not chatter

  // Task weights (cost 0.5 * weight * residual^2 per row).
  Vector6d w_momentum = (Vector6d() << 10, 10, 10, 1, 1, 1).finished();  // [linear; angular]
  double w_base_orientation = 10.0;
  Vector6d w_swing = (Vector6d() << 100, 100, 100, 10, 10, 10).finished();  // [linear; angular]
  double w_posture = 1.0;
  Vector6d w_hand = Vector6d::Zero();  // [linear; angular]; 0 disables the hand tasks
  double w_reg_vdot = 1e-4;
  double w_reg_wrench = 1e-6;
  double w_wrench_ff = 0.0;  // tracking of the feed-forward wrenches

  // PD gains.
  double kp_com = 50.0, kd_com = 15.0;
  double kd_angular_momentum = 5.0;  // hdot_ang = -kd * hg_ang (+ reference rate, 0)
  /// > 0: horizontal CoM by capture-point (DCM) feedback instead of the CoM PD, 1/s. With
  /// xi = c + vc/w (w = sqrt(g/h), h = CoM height over the active soles), the CMP
  /// p = xi + (k_dcm/w)(xi - xi_ref) is clamped to the box of the active sole rectangles (world x, y)
  /// (scaled by cmp_margin about its centre) and the CoM acceleration reference is w^2 (c - p):
  /// the linear momentum rate asked for is one the soles can produce, so a push is absorbed
  /// without the QP trading it for angular momentum.
  double k_dcm = 0.0;
  /// Fraction (0, 1] of the box of the active soles (about its centre) the CMP may use: < 1 keeps
  /// some load on both feet in double support, so neither lifts or rolls onto its outer edge.
  double cmp_margin = 1.0;
  double kp_base = 100.0, kd_base = 20.0;
  double kp_swing = 400.0, kd_swing = 40.0;
  double kp_posture = 50.0, kd_posture = 10.0;
  double kp_hand = 100.0, kd_hand = 20.0;
  double kd_contact = 0.0;  // contact stabilisation: Jc vdot + drift = -kd_contact * Jc v
  /// 0: rigid contacts are equality constraints. > 0: they become a task of this weight, which
  /// stays feasible when the stacked contact Jacobian is rank deficient and the velocity not
  /// exactly contact-consistent (e.g. H1's 5-DoF legs in double support); the QP then has only the
  /// 6 floating-base equalities, 11 cone rows per contact, and an inactive contact's wrench is
  /// held at 0 by its cone rows (fz in [0, 0]).
  double contact_weight = 0.0;

  // Solver (proxsuite dense).
  double eps_abs = 1e-9;
  double eps_rel = 0.0;
  /// Outer (proximal-multiplier) iterations of a tick, each running up to max_iter_in + 1 inner
  /// ones: a tick does at most max_iter * (max_iter_in + 1) inner iterations (iterations()), past
  /// which the counted fallback. H1, Apollo, Talos walking, stairs and pushes take <= 15 outer.
  int max_iter = 30;
  /// Inner (semi-smooth Newton) iterations per outer one: 30 changed H1's stairs-up walk by 1.6 cm,
  /// 50 leaves it identical; proxsuite's default 1500 let absurd postures, NaN gains or sensor
  /// noise run 3e5 iterations (0.8 s) in one tick.
  int max_iter_in = 50;
  /// proxsuite's proximal penalty on the equality rows at the start of each tick (its
  /// default_mu_eq; outer iterations divide it by 10): a smaller one trusts the previous tick's
  /// warm start more and takes fewer outer iterations. > 0.
  double mu_eq = 1e-3;
  /// The same on the inequality rows (proxsuite's default_mu_in). > 0.
  double mu_in = 1e-1;
  /// While the contact set stays the same, first solve the QP from the previous tick's active
  /// rows (WorkingSetQP: a primal-dual active-set method, up to 10 working-set changes) and keep
  /// that solution when it meets the whole QP's KKT conditions within eps_abs; proxsuite solves
  /// the other ticks.
  bool working_set = true;

  // Fallback on solver failure: tau = decay * tau_prev - damping * v_joint, clipped to the limits.
  double fallback_decay = 0.9;
  double fallback_damping = 2.0;  // N·m·s/rad
};

/// References of one tick, all in world axes. Sized by WholeBodyQP::make_references().
struct WholeBodyReferences {
  Eigen::Vector3d com = Eigen::Vector3d::Zero();   // m
  Eigen::Vector3d vcom = Eigen::Vector3d::Zero();  // m/s
  Eigen::Vector3d acom = Eigen::Vector3d::Zero();  // m/s^2
  Eigen::Matrix3d base_R = Eigen::Matrix3d::Identity();  // world <- base frame
  Eigen::Vector3d base_omega = Eigen::Vector3d::Zero();  // rad/s
  Eigen::Vector3d base_omega_dot = Eigen::Vector3d::Zero();  // rad/s^2
  std::vector<FramePose> swing_pose;     // per contact: sole pose tracked while the contact is inactive
  std::vector<Vector6d> swing_velocity;  // per contact: [m/s; rad/s] LOCAL_WORLD_ALIGNED
  std::vector<Vector6d> swing_acceleration;  // per contact: [m/s^2; rad/s^2]
  Eigen::VectorXd posture;                   // (nv-6) joint positions, rad
  std::vector<FramePose> hand_pose;          // per hand frame
  std::vector<Vector6d> hand_velocity;
  std::vector<Vector6d> hand_acceleration;
  Eigen::VectorXd wrench_ff;  // (6 nc) feed-forward contact wrenches, same layout as the solution
};

enum class WbcStatus : std::uint8_t {
  kOk = 0,
  kNotRun,          // no tick yet
  kMaxIterReached,  // fallback used
  kInfeasible,      // primal or dual infeasible; fallback used
  kNonFinite,       // the solver returned NaN/inf; fallback used
};

const char* to_string(WbcStatus s);

struct WholeBodyQPImpl;

/// Weighted QP inverse dynamics. Construct once (all memory allocated there); tick() allocates
/// nothing. Holds a reference to `robot`, which must outlive it. Not thread-safe.
class WholeBodyQP {
 public:
  /// Throws std::invalid_argument on unknown frames, wrong sizes or invalid sole/friction data.
  WholeBodyQP(Robot& robot, const WholeBodyQPSettings& settings);
  ~WholeBodyQP();
  WholeBodyQP(const WholeBodyQP&) = delete;
  WholeBodyQP& operator=(const WholeBodyQP&) = delete;

  /// References sized for this problem, initialised to the state (q) given, with v = 0.
  WholeBodyReferences make_references(const Eigen::Ref<const Eigen::VectorXd>& q);

  /// One control step: robot.compute(q, v), build and solve the QP, recover torques.
  /// q (nq), v (nv) in Pinocchio conventions; active (nc) contact flags.
  /// Throws std::invalid_argument on wrong sizes or non-finite q, v, references (before solving).
  /// Never throws on solver failure: returns the fallback and sets status() != kOk.
  /// Returns tau (nv-6), N·m.
  const Eigen::VectorXd& tick(const Eigen::Ref<const Eigen::VectorXd>& q,
                              const Eigen::Ref<const Eigen::VectorXd>& v,
                              const Eigen::Ref<const Eigen::Array<bool, Eigen::Dynamic, 1>>& active,
                              const WholeBodyReferences& refs);
  /// tick() without robot.compute(q, v): for a caller that has just made that call on the same
  /// robot (the walking controller's kinematics), so that the tick does not compute it twice.
  const Eigen::VectorXd& tick_computed(
      const Eigen::Ref<const Eigen::VectorXd>& q, const Eigen::Ref<const Eigen::VectorXd>& v,
      const Eigen::Ref<const Eigen::Array<bool, Eigen::Dynamic, 1>>& active,
      const WholeBodyReferences& refs);

  int nv() const;
  int num_contacts() const;
  int num_variables() const;    // nv + 6 nc
  int num_equalities() const;   // 6 + 6 nc (rigid contacts), 6 (soft contacts)
  int num_inequalities() const;
  const WholeBodyQPSettings& settings() const;

  const Eigen::VectorXd& tau() const;       // (nv-6) N·m
  const Eigen::VectorXd& vdot() const;      // (nv) solution accelerations (0 after a failure)
  const Eigen::VectorXd& wrenches() const;  // (6 nc) contact wrenches (0 after a failure)
  WbcStatus status() const;
  int iterations() const;          // solver (inner) iterations of the last tick
  int outer_iterations() const;    // of which outer iterations (<= settings.max_iter)
  std::uint64_t failures() const;  // ticks that returned the fallback
  std::uint64_t working_set_ticks() const;  // ticks solved on the previous active set
  const WorkingSetQP& working_set_qp() const;  // its last attempt (outcome, changes, rows held)
  double last_tick_us() const;     // wall time of the last tick (steady_clock), µs

  /// Last assembled QP: min 0.5 x'Hx + g'x s.t. A x = b, l <= C x <= u (|bound| >= 1e20: none).
  const RowMatrixXd& H() const;
  const Eigen::VectorXd& g() const;
  const RowMatrixXd& A() const;
  const Eigen::VectorXd& b() const;
  const RowMatrixXd& C() const;
  const Eigen::VectorXd& l() const;
  const Eigen::VectorXd& u() const;
  const Eigen::VectorXd& x() const;  // (nv + 6 nc) last QP solution

 private:
  const Eigen::VectorXd& tick_impl(const Eigen::Ref<const Eigen::VectorXd>& q,
                                   const Eigen::Ref<const Eigen::VectorXd>& v,
                                   const Eigen::Ref<const Eigen::Array<bool, Eigen::Dynamic, 1>>& active,
                                   const WholeBodyReferences& refs, bool compute);
  std::unique_ptr<WholeBodyQPImpl> impl_;
};

}  // namespace cerebellum
