// The equality-constrained QP of a guessed active set, and the test that its solution solves the
// whole inequality-constrained QP.
//
//   min 0.5 x'Hx + g'x   s.t.   A x = b,   l <= C x <= u,           H (n, n) positive definite
//
// A working set W names rows of C held at one of their bounds (side +1: u, -1: l; a row with
// l = u is held at that value whichever side). WorkingSetQP solves
//
//   min 0.5 x'Hx + g'x   s.t.   A x = b,   C_i x = bound_i (i in W)
//
// by a Schur complement on the Jacobi-scaled H (H~ = D H D, D = diag(H)^-1/2, Cholesky L L' = H~;
// S = G~ H~^-1 G~', G~ = [A; C_W] D, Cholesky of S grown one row at a time; a held row dependent
// on the ones before it is implied by them and left out). Then, up to max_changes times, it changes
// the working set by one row, as a primal-dual active-set method: a held row whose multiplier has
// the wrong sign (proxsuite's convention: H x + g + A'y + C'z = 0, z > 0 at an upper bound, z < 0
// at a lower one) leaves it, else the row of C furthest outside its bounds joins it; H's factor
// is reused, one column of L^-1 G~' is added or removed. It accepts the solution only when it
// meets the KKT conditions of the whole QP within `tol` (every row of C within its bounds, the
// multipliers' signs, the held rows and A x = b); otherwise (more changes needed, dependent
// rows, H not positive definite) it reports failure and the caller solves the QP itself. A
// whole-body QP's active set changes little from one tick of a walk to the next, so most ticks
// take this path: one factorisation of H and a few small ones in place of an iterative solver's
// several of the whole KKT system.
//
// All memory is allocated by the constructor; solve() allocates nothing.
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <cstdint>

namespace cerebellum {

class WorkingSetQP {
 public:
  /// What the last solve() ended on.
  enum class Outcome : std::uint8_t {
    kSolved = 0,
    kNotPositiveDefinite,  // H (no Cholesky factor, or a diagonal entry <= 0)
    kInfiniteBound,        // a held row without a finite bound
    kTooManyRows,          // neq + held > n
    kDependentRows,        // the held rows and A's (nearly) linearly dependent
    kTooManyChanges,       // more than max_changes working-set changes
    kInaccurate,           // A x = b or a held row missed by more than tol, or non-finite
  };

  using RowMatrixXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

  /// n variables, neq equality rows, nin inequality rows.
  WorkingSetQP(int n, int neq, int nin);

  /// Starts from the working set `side` (nin: +1 upper bound held, -1 lower, 0 free; rows with
  /// l = u are held regardless), makes at most max_changes changes to it and checks the KKT
  /// conditions of the whole QP (tol: the bounds, the held rows and A x = b in the rows' units,
  /// the multipliers' signs). On success writes x (n), y (neq), z (nin, 0 off the working set),
  /// the final working set into `side`, and returns true; on failure leaves all of them
  /// untouched. Infinite bounds (|bound| >= inf) are never held.
  bool solve(const RowMatrixXd& H, const Eigen::VectorXd& g, const RowMatrixXd& A,
             const Eigen::VectorXd& b, const RowMatrixXd& C, const Eigen::VectorXd& l,
             const Eigen::VectorXd& u, Eigen::VectorXi& side, double tol, double inf,
             int max_changes, Eigen::VectorXd& x, Eigen::VectorXd& y, Eigen::VectorXd& z);

  /// Rows of C held at the end of the last solve() (neq + held <= n is required).
  int held() const { return held_; }
  /// Working-set changes the last solve() made.
  int changes() const { return changes_; }
  Outcome outcome() const { return outcome_; }

 private:
  /// A column (pivot squared over the column's squared norm) this small is dependent.
  static constexpr double kDependent = 1e-10;
  /// Row j of S's Cholesky factor from column j of Y_; false if that column is dependent.
  bool factor_column(int j);
  /// Holds row i of C (column neq + k of Y_: L^-1 D C_i'); false (nothing held) if dependent.
  bool add_row(const RowMatrixXd& C, int i, int sgn, double bound, int k);

  int n_, neq_, nin_;
  int held_ = 0;
  int changes_ = 0;
  Outcome outcome_ = Outcome::kSolved;
  bool fail(Outcome o) {
    outcome_ = o;
    return false;
  }
  Eigen::VectorXd d_;               // (n) D
  Eigen::MatrixXd Hs_;              // (n, n) D H D
  Eigen::LLT<Eigen::MatrixXd> llt_;  // of Hs_
  Eigen::MatrixXd Y_;               // (n, neq + nin) L^-1 G~'
  Eigen::MatrixXd S_;               // (neq + nin)^2 lower: Cholesky factor of S = Y'Y
  Eigen::VectorXd r_, e_, lam_, w_, t_, x_, Cx_, Ax_;
  Eigen::VectorXi rows_, sgn_;  // (nin) the held rows of C, in Y_'s column order, and their side
  Eigen::VectorXi pos_;         // (nin) column of a row of C in Y_ - neq, -1 when not held
};

}  // namespace cerebellum
