// Kinodynamic MPC solved by SQP real-time iteration with HPIPM.
//
// The optimal control problem is defined in CasADi (controllers/mpc.py) and code-generated to a
// shared library holding two functions (dense, column-major outputs):
//   mpc_stage(x (nx), u (nu), p (np), w (nw)) -> x_next (nx), A (nx,nx), B (nx,nu),
//       g (ng), C (ng,nx), D (ng,nu), l (1), Q (nx,nx), R (nu,nu), q (nx), r (nu)
//   mpc_terminal(x, p, w) -> l (1), Q (nx,nx), q (nx)
// with discrete dynamics x_{k+1} = x_next(x_k, u_k), path constraints on g and a Gauss-Newton cost
// l = 0.5 |res|^2 (Q = J'J, q = J' res). The QP of one iteration is, in deltas (dx, du):
//   min sum 0.5 dx'Q dx + q'dx + 0.5 du'R du + r'du
//   dx_{k+1} = A dx_k + B du_k + (x_next - x_{k+1}),  dx_0 = x0 - x_0,
//   per foot i with contact flag p[contact_index + i]:
//     stance: g rows [i*rows_per_foot, +num_inequality) <= 0 (friction pyramid, CoP),
//             g rows [.. + num_inequality, (i+1)*rows_per_foot) == 0 (sole twist, knots >= 1),
//     swing:  wrench inputs u[6i, 6i+6) == 0,
//   x_lower <= x <= x_upper (finite entries, knots 1..N).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

namespace cerebellum {

/// Problem dimensions, weights and solver options of KinodynamicMPC.
struct KinodynamicMPCSettings {
  std::string library;  // path of the generated shared library
  int N = 25;           // shooting intervals (knots 0..N)
  int nx = 0, nu = 0, np = 0, ng = 0, nw = 0;
  int num_feet = 2;
  int contact_index = 0;   // p[contact_index + i] > 0.5: foot i in stance
  int rows_per_foot = 14;  // g rows per foot
  int num_inequality = 8;  // first rows of a foot's block: <= 0 in stance
  Eigen::VectorXd x_lower, x_upper;  // (nx) state bounds; +-inf: none
  Eigen::VectorXd w_stage, w_terminal;  // (nw) weight vectors passed to the functions

  int sqp_iterations = 1;   // per solve(); 1 = real-time iteration
  int qp_max_iter = 30;     // HPIPM iterations; 0 forces a failure (testing)
  double qp_tol = 1e-6;     // HPIPM tolerances (stationarity, equality, inequality, complementarity)
  int qp_mode = 2;          // 0 speed_abs, 1 speed, 2 balance, 3 robust
  int qp_warm_start = 0;     // HPIPM warm start: 0 cold, 1 primal, 2 primal + dual (previous QP)
  int qp_pred_corr = -1;    // Mehrotra predictor-corrector 0/1; -1: the mode's default
  int qp_ric_alg = -1;      // Riccati: 0 classical, 1 square-root; -1: the mode's default
  int qp_split_step = -1;   // separate primal/dual step lengths 0/1; -1: the mode's default
  int qp_cond_horizon = 0;  // partial condensing to this many stages (0 or >= N: none)
  double qp_accept_residual = 0.0;  // a MAX_ITER exit with residuals below this is accepted
  double qp_eq_band = 1e-6;  // equality rows as bounds +-this apart (0: exact); as in Python
  double deadline_us = std::numeric_limits<double>::infinity();  // per solve()
};

enum class MPCStatus : std::uint8_t {
  kOk = 0,
  kNotRun,      // solve() not called yet
  kQPFailed,    // HPIPM did not converge; previous (shifted) plan kept
  kNonFinite,   // NaN/inf in the model functions or the step; previous plan kept
  kDeadline,    // deadline exceeded; previous plan kept
};

const char* to_string(MPCStatus s);

/// Knot trajectories of the current plan in Pinocchio conventions, from the library's optional
/// `mpc_out(x (nx), u (nu)) -> q (nq), v (nv), com (3), vcom (3), feet (3 num_feet)` (knot N
/// reuses u_{N-1}). Sized by KinodynamicMPC::make_trajectory(); every column is knot k.
struct MPCTrajectory {
  Eigen::MatrixXd q;         // (nq, N+1), v with the base twist in the base frame
  Eigen::MatrixXd v;         // (nv, N+1)
  Eigen::MatrixXd com;       // (3, N+1) m, world
  Eigen::MatrixXd vcom;      // (3, N+1) m/s
  Eigen::MatrixXd feet;      // (3 num_feet, N+1) sole positions, m
  Eigen::MatrixXd wrenches;  // (6 num_feet, N+1) [N; N m] at the soles, world axes
};

struct KinodynamicMPCImpl;

/// SQP-RTI solver. All memory is allocated in the constructor; solve(), shift() and the setters
/// do not allocate. Not thread-safe.
class KinodynamicMPC {
 public:
  /// Loads the library (dlopen) and checks the function signatures against the dimensions.
  /// Throws std::invalid_argument / std::runtime_error on mismatch or a missing library, and
  /// std::invalid_argument naming the first setting out of range (NaN tolerances, bounds, modes).
  explicit KinodynamicMPC(const KinodynamicMPCSettings& settings);
  ~KinodynamicMPC();
  KinodynamicMPC(const KinodynamicMPC&) = delete;
  KinodynamicMPC& operator=(const KinodynamicMPC&) = delete;

  /// Per-knot parameters P (np, N+1), column k for knot k.
  void set_parameters(const Eigen::Ref<const Eigen::MatrixXd>& P);
  /// Initial guess X (nx, N+1), U (nu, N).
  void set_guess(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::Ref<const Eigen::MatrixXd>& U);
  /// Shift the guess by `knots` (>= 0, fractional: linear interpolation; the tail is held; N or
  /// more, +inf included: every knot becomes the last). Throws std::invalid_argument on NaN or < 0.
  void shift(double knots);
  /// Runs settings.sqp_iterations SQP iterations from the current guess with x_0 fixed to x0 (nx).
  /// Never throws on solver failure: restores the guess of entry and sets status() != kOk.
  /// Throws std::invalid_argument if x0 has the wrong size.
  MPCStatus solve(const Eigen::Ref<const Eigen::VectorXd>& x0);
  /// Times n single iterations from the current guess (restored before each), µs per iteration
  /// into out (n). Uses the last x0 (or x_0 of the guess). Leaves the guess unchanged.
  void time_iteration(int n, Eigen::Ref<Eigen::VectorXd> out_us);

  const KinodynamicMPCSettings& settings() const;
  void set_deadline_us(double us);
  void set_qp_max_iter(int n);
  /// HPIPM iteration cap and tolerance at run time (e.g. a looser QP in the real-time loop).
  void set_qp_tol(double tol);
  void set_sqp_iterations(int n);

  /// Whether the library has `mpc_out`; its nq, nv (0 without it).
  bool has_outputs() const;
  int out_nq() const;
  int out_nv() const;
  /// A trajectory sized for trajectory() (throws std::logic_error without `mpc_out`).
  MPCTrajectory make_trajectory() const;
  /// The current plan (X, U) through `mpc_out` into out (sized by make_trajectory(): no
  /// allocation). Returns false if an output is not finite.
  bool trajectory(MPCTrajectory& out);

  const Eigen::MatrixXd& X() const;  // (nx, N+1) current plan
  const Eigen::MatrixXd& U() const;  // (nu, N)
  MPCStatus status() const;
  int qp_status() const;        // HPIPM status of the last QP
  int qp_iterations() const;    // HPIPM iterations of the last QP
  int sqp_iterations_done() const;
  double cost() const;          // objective at the last linearisation point
  double step_norm() const;     // max |dx|, |du| of the last step
  std::uint64_t failures() const;         // solves that kept the previous plan
  std::uint64_t deadline_misses() const;  // of which deadline exceeded
  std::uint64_t solves() const;
  double last_solve_us() const;  // wall time of the last solve(), steady_clock
  double last_eval_us() const;   // of which model function evaluation + QP setup (last iteration)
  double last_qp_us() const;     // of which HPIPM (last iteration)

 private:
  std::unique_ptr<KinodynamicMPCImpl> impl_;
};

}  // namespace cerebellum
