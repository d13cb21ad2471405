#include "cerebellum/working_set_qp.hpp"

#include <algorithm>
#include <cmath>

namespace cerebellum {

WorkingSetQP::WorkingSetQP(int n, int neq, int nin)
    : n_(n),
      neq_(neq),
      nin_(nin),
      d_(Eigen::VectorXd::Zero(n)),
      Hs_(Eigen::MatrixXd::Zero(n, n)),
      llt_(n),
      Y_(Eigen::MatrixXd::Zero(n, neq + nin)),
      S_(Eigen::MatrixXd::Zero(neq + nin, neq + nin)),
      r_(Eigen::VectorXd::Zero(neq + nin)),
      e_(Eigen::VectorXd::Zero(neq + nin)),
      lam_(Eigen::VectorXd::Zero(neq + nin)),
      w_(Eigen::VectorXd::Zero(n)),
      t_(Eigen::VectorXd::Zero(n)),
      x_(Eigen::VectorXd::Zero(n)),
      Cx_(Eigen::VectorXd::Zero(nin)),
      Ax_(Eigen::VectorXd::Zero(neq)),
      rows_(Eigen::VectorXi::Zero(nin)),
      sgn_(Eigen::VectorXi::Zero(nin)),
      pos_(Eigen::VectorXi::Constant(nin, -1)) {}

bool WorkingSetQP::factor_column(int j) {
  // Row j of the Cholesky factor Ls of S = Y'Y (columns 0..j of Y): Ls(0:j, 0:j) e = Y(:, 0:j)' y_j,
  // Ls(j, 0:j) = e', Ls(j, j) = sqrt(y_j'y_j - e'e). A column (nearly) in the span of the
  // previous ones has no pivot left: dependent.
  const auto yj = Y_.col(j);
  const double yy = yj.squaredNorm();
  auto e = e_.head(j);
  e.noalias() = Y_.leftCols(j).transpose() * yj;
  S_.topLeftCorner(j, j).triangularView<Eigen::Lower>().solveInPlace(e);
  const double piv = yy - e.squaredNorm();
  if (!(piv > kDependent * yy)) return false;
  S_.row(j).head(j) = e.transpose();
  S_(j, j) = std::sqrt(piv);
  return true;
}

bool WorkingSetQP::add_row(const RowMatrixXd& C, int i, int sgn, double bound, int k) {
  auto y = Y_.col(neq_ + k);
  y = d_.cwiseProduct(C.row(i).transpose());
  llt_.matrixL().solveInPlace(y);
  if (!factor_column(neq_ + k)) return false;
  rows_[k] = i;
  sgn_[k] = sgn;
  r_[neq_ + k] = bound;
  pos_[i] = k;
  return true;
}

bool WorkingSetQP::solve(const RowMatrixXd& H, const Eigen::VectorXd& g, const RowMatrixXd& A,
                         const Eigen::VectorXd& b, const RowMatrixXd& C, const Eigen::VectorXd& l,
                         const Eigen::VectorXd& u, Eigen::VectorXi& side, double tol, double inf,
                         int max_changes, Eigen::VectorXd& x, Eigen::VectorXd& y,
                         Eigen::VectorXd& z) {
  held_ = changes_ = 0;
  // H~ = D H D and its Cholesky factor.
  for (int j = 0; j < n_; ++j) {
    const double h = H(j, j);
    if (!(h > 0.0) || !std::isfinite(h)) return fail(Outcome::kNotPositiveDefinite);
    d_[j] = 1.0 / std::sqrt(h);
  }
  for (int j = 0; j < n_; ++j)
    for (int i = 0; i < n_; ++i) Hs_(i, j) = d_[i] * H(i, j) * d_[j];
  llt_.compute(Hs_);
  if (llt_.info() != Eigen::Success) return fail(Outcome::kNotPositiveDefinite);
  w_ = d_.cwiseProduct(g);
  llt_.matrixL().solveInPlace(w_);  // w = L^-1 g~

  // Y = L^-1 G~': A's rows, then the working set (rows with l = u, and the rows given a side).
  // A held row dependent on the rows before it is implied by them (an inactive contact's 11 rows
  // on its 6 wrench components): it is left out and checked with the free rows.
  for (int c = 0; c < neq_; ++c) {
    auto yc = Y_.col(c);
    yc = d_.cwiseProduct(A.row(c).transpose());
    llt_.matrixL().solveInPlace(yc);
    r_[c] = b[c];
    if (!factor_column(c)) return fail(Outcome::kDependentRows);
  }
  int k = 0;
  pos_.setConstant(-1);
  for (int i = 0; i < nin_; ++i) {
    if (l[i] == u[i] || side[i] != 0) {
      const double bound = l[i] == u[i] ? l[i] : (side[i] > 0 ? u[i] : l[i]);
      if (!(std::abs(bound) < inf)) return fail(Outcome::kInfiniteBound);
      if (neq_ + k >= n_) break;  // full rank already: the rest are dependent
      if (add_row(C, i, l[i] == u[i] ? 0 : (side[i] > 0 ? 1 : -1), bound, k)) ++k;
    }
  }

  for (;;) {
    const int m = neq_ + k;
    // S lambda = -r - Y'w, S = Ls Ls'.
    auto Y = Y_.leftCols(m);
    auto lam = lam_.head(m);
    lam = -r_.head(m);
    lam.noalias() -= Y.transpose() * w_;
    const auto Ls = S_.topLeftCorner(m, m).triangularView<Eigen::Lower>();
    Ls.solveInPlace(lam);
    Ls.transpose().solveInPlace(lam);
    if (!lam.allFinite()) return fail(Outcome::kInaccurate);

    // A held row whose multiplier has the wrong sign leaves the working set.
    int worst = -1;
    double wv = tol;
    for (int c = 0; c < k; ++c) {
      const double v = sgn_[c] > 0 ? -lam[neq_ + c] : (sgn_[c] < 0 ? lam[neq_ + c] : 0.0);
      if (v > wv) {
        wv = v;
        worst = c;
      }
    }
    if (worst >= 0) {
      if (++changes_ > max_changes) return fail(Outcome::kTooManyChanges);
      --k;
      pos_[rows_[worst]] = -1;
      if (worst != k) {  // the last held row takes its column; Ls from there on is redone
        Y_.col(neq_ + worst) = Y_.col(neq_ + k);
        rows_[worst] = rows_[k];
        sgn_[worst] = sgn_[k];
        r_[neq_ + worst] = r_[neq_ + k];
        pos_[rows_[worst]] = worst;
        for (int j = neq_ + worst; j < neq_ + k; ++j)
          if (!factor_column(j)) return fail(Outcome::kDependentRows);
      }
      continue;
    }

    // x~ = -L'^-1 (w + Y lambda), x = D x~.
    t_ = w_;
    t_.noalias() += Y * lam;
    llt_.matrixU().solveInPlace(t_);
    x_ = -d_.cwiseProduct(t_);
    if (!x_.allFinite()) return fail(Outcome::kInaccurate);

    // The row furthest outside its bounds joins the working set.
    Cx_.noalias() = C * x_;
    int add = -1;
    double av = tol;
    for (int i = 0; i < nin_; ++i) {
      if (pos_[i] >= 0) continue;
      const double v = std::max(Cx_[i] - u[i], l[i] - Cx_[i]);
      if (v > av) {
        av = v;
        add = i;
      }
    }
    if (add >= 0) {
      if (++changes_ > max_changes) return fail(Outcome::kTooManyChanges);
      if (neq_ + k >= n_) return fail(Outcome::kTooManyRows);
      const bool upper = Cx_[add] > u[add];
      const double bound = upper ? u[add] : l[add];
      if (!(std::abs(bound) < inf)) return fail(Outcome::kInfiniteBound);
      const int sgn = l[add] == u[add] ? 0 : (upper ? 1 : -1);
      if (!add_row(C, add, sgn, bound, k)) return fail(Outcome::kDependentRows);
      ++k;
      continue;
    }
    break;
  }

  // The KKT conditions hold (stationarity by construction, signs and bounds above); check that
  // the solve met A x = b and the held rows.
  Ax_.noalias() = A * x_;
  if (neq_ > 0 && !((Ax_ - b).cwiseAbs().maxCoeff() <= tol)) return fail(Outcome::kInaccurate);
  for (int c = 0; c < k; ++c)
    if (!(std::abs(Cx_[rows_[c]] - r_[neq_ + c]) <= tol)) return fail(Outcome::kInaccurate);

  held_ = k;
  outcome_ = Outcome::kSolved;
  x = x_;
  y = lam_.head(neq_);
  z.setZero();
  side.setZero();
  for (int c = 0; c < k; ++c) {
    z[rows_[c]] = lam_[neq_ + c];
    side[rows_[c]] = sgn_[c];
  }
  return true;
}

}  // namespace cerebellum
