// WorkingSetQP against closed-form solutions: the projection of a point onto a box
// (min 0.5 |x - p|^2_W, l <= x <= u: x = clip(p)) from right, wrong and empty working sets,
// with a redundant duplicate row, with an equality row (a box-and-hyperplane projection
// solved by hand), and the failures it must report instead of a wrong answer.
#include <cmath>

#include "cerebellum/working_set_qp.hpp"
#include "check.hpp"

using namespace cerebellum;
using Mat = WorkingSetQP::RowMatrixXd;

namespace {

constexpr double kInf = 1e20;

struct Box {
  int n;
  Mat H, A, C;
  Eigen::VectorXd g, b, l, u, p, w;
  Box(int n_, int neq, int extra) : n(n_) {
    w = Eigen::VectorXd::LinSpaced(n, 1.0, 1e4);  // badly scaled weights
    p = Eigen::VectorXd::LinSpaced(n, -3.0, 3.0);
    H = w.asDiagonal();
    g = -w.cwiseProduct(p);
    A = Mat::Zero(neq, n);
    b = Eigen::VectorXd::Zero(neq);
    C = Mat::Zero(n + extra, n);
    C.topRows(n).setIdentity();
    l = Eigen::VectorXd::Constant(n + extra, -1.0);
    u = Eigen::VectorXd::Constant(n + extra, 1.0);
  }
};

void projection_from_any_start() {
  Box q(6, 0, 0);
  const Eigen::VectorXd expect = q.p.cwiseMax(-1.0).cwiseMin(1.0);
  WorkingSetQP ws(q.n, 0, q.n);
  Eigen::VectorXd x(q.n), y(0), z(q.n);
  const Eigen::VectorXi starts[3] = {
      Eigen::VectorXi::Zero(6),                              // empty
      (Eigen::VectorXi(6) << -1, -1, 0, 0, 1, 1).finished(),  // the solution's
      (Eigen::VectorXi(6) << 1, 0, -1, 1, 0, -1).finished(),  // wrong sides
  };
  for (const auto& start : starts) {
    Eigen::VectorXi side = start;
    CHECK(ws.solve(q.H, q.g, q.A, q.b, q.C, q.l, q.u, side, 1e-9, kInf, 20, x, y, z));
    CHECK((x - expect).cwiseAbs().maxCoeff() < 1e-12);
    // multipliers: H x + g + z = 0 on the held rows, sign of the bound
    for (int i = 0; i < q.n; ++i) {
      const double zi = -(q.w[i] * x[i] + q.g[i]);
      CHECK(std::abs(z[i] - zi) < 1e-9 * q.w[i]);
      CHECK(side[i] == (q.p[i] > 1 ? 1 : (q.p[i] < -1 ? -1 : 0)));
    }
    CHECK(ws.outcome() == WorkingSetQP::Outcome::kSolved);
  }
  // from the solution's own working set: no change
  Eigen::VectorXi side = starts[1];
  CHECK(ws.solve(q.H, q.g, q.A, q.b, q.C, q.l, q.u, side, 1e-9, kInf, 20, x, y, z));
  CHECK(ws.changes() == 0 && ws.held() == 4);
  // too few changes allowed from the wrong start: failure, outputs untouched
  side = starts[2];
  x.setConstant(7.0);
  CHECK(!ws.solve(q.H, q.g, q.A, q.b, q.C, q.l, q.u, side, 1e-9, kInf, 1, x, y, z));
  CHECK(ws.outcome() == WorkingSetQP::Outcome::kTooManyChanges);
  CHECK(x.cwiseEqual(7.0).all() && side == starts[2]);
}

void redundant_and_fixed_rows() {
  // Row 6 duplicates row 0 (x0 <= 1 twice) and row 7 fixes x1 = 0.5 (l = u): the duplicate is
  // implied and left out, the fixed row held.
  Box q(6, 0, 2);
  q.C(6, 0) = 1.0;
  q.C(7, 1) = 1.0;
  q.l[7] = q.u[7] = 0.5;
  q.l[1] = -kInf;
  q.u[1] = kInf;
  WorkingSetQP ws(q.n, 0, q.n + 2);
  Eigen::VectorXd x(q.n), y(0), z(q.n + 2);
  Eigen::VectorXi side = Eigen::VectorXi::Zero(q.n + 2);
  side[0] = side[6] = -1;  // both copies held at the lower bound
  CHECK(ws.solve(q.H, q.g, q.A, q.b, q.C, q.l, q.u, side, 1e-9, kInf, 20, x, y, z));
  Eigen::VectorXd expect = q.p.cwiseMax(-1.0).cwiseMin(1.0);
  expect[1] = 0.5;
  CHECK((x - expect).cwiseAbs().maxCoeff() < 1e-12);
  CHECK(side[0] + side[6] == -1);  // one copy held
}

void equality_row() {
  // min 0.5 |x - p|^2 s.t. sum x = 0, -1 <= x <= 1, p = (-2, -0.8, 0.4, 1.6, 2.8, 4): the
  // solution is x = clip(p - c) with the c that makes sum x = 0, and y = c.
  Box q(6, 1, 0);
  q.w.setOnes();
  q.H = Mat::Identity(6, 6);
  q.p.array() += 1.0;  // -2, -0.8, 0.4, 1.6, 2.8, 4
  q.g = -q.p;
  q.A.setOnes();
  WorkingSetQP ws(q.n, 1, q.n);
  Eigen::VectorXd x(q.n), y(1), z(q.n);
  Eigen::VectorXi side = Eigen::VectorXi::Zero(6);
  CHECK(ws.solve(q.H, q.g, q.A, q.b, q.C, q.l, q.u, side, 1e-9, kInf, 20, x, y, z));
  // c = 1: p - c = (-3, -1.8, -0.6, 0.6, 1.8, 3), clipped (-1, -1, -0.6, 0.6, 1, 1), sum 0
  const Eigen::VectorXd expect = (Eigen::VectorXd(6) << -1, -1, -0.6, 0.6, 1, 1).finished();
  CHECK((x - expect).cwiseAbs().maxCoeff() < 1e-12);
  CHECK(std::abs(y[0] - 1.0) < 1e-12);  // H x + g + A'y = 0 on a free coordinate: y = c
}

void failures_reported() {
  Box q(3, 0, 0);
  WorkingSetQP ws(3, 0, 3);
  Eigen::VectorXd x(3), y(0), z(3);
  Eigen::VectorXi side = Eigen::VectorXi::Zero(3);
  Mat Hbad = q.H;
  Hbad(1, 1) = -1.0;
  CHECK(!ws.solve(Hbad, q.g, q.A, q.b, q.C, q.l, q.u, side, 1e-9, kInf, 20, x, y, z));
  CHECK(ws.outcome() == WorkingSetQP::Outcome::kNotPositiveDefinite);
  Eigen::VectorXd u = q.u;
  u[0] = kInf;
  side[0] = 1;  // held at an infinite bound
  CHECK(!ws.solve(q.H, q.g, q.A, q.b, q.C, q.l, u, side, 1e-9, kInf, 20, x, y, z));
  CHECK(ws.outcome() == WorkingSetQP::Outcome::kInfiniteBound);
}

}  // namespace

int main() {
  projection_from_any_start();
  redundant_and_fixed_rows();
  equality_row();
  failures_reported();
  return TEST_MAIN_RETURN();
}
