// CoP reference of walking (see cop_plan.hpp).
#include "cerebellum/cop_plan.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace cerebellum {
namespace {

double clipd(double x, double lo, double hi) { return std::min(std::max(x, lo), hi); }

}  // namespace

SoleGeometry SoleGeometry::from_sole_rectangle(const std::array<double, 4>& r, double cop_margin,
                                               double lateral_scale) {
  for (double v : r)
    if (!std::isfinite(v)) throw std::invalid_argument("sole_rectangle: expected finite values");
  if (!(r[0] < r[1] && r[2] < r[3]))
    throw std::invalid_argument("sole_rectangle: expected x_min < x_max and y_min < y_max");
  if (!(std::isfinite(cop_margin) && cop_margin > 0.0))
    throw std::invalid_argument("cop_margin: expected > 0, got " + std::to_string(cop_margin));
  if (!(std::isfinite(lateral_scale) && lateral_scale > 0.0))
    throw std::invalid_argument("lateral_scale: expected > 0, got " +
                                std::to_string(lateral_scale));
  SoleGeometry g;
  const double x0 = r[0], x1 = r[1], y0 = r[2], y1 = r[3];
  g.centre = Eigen::Vector2d(0.5 * (x0 + x1), 0.5 * (y0 + y1));
  const double m = cop_margin, ml = m * lateral_scale;
  g.cop_box = {x0 * m, x1 * m, y0 * ml, y1 * ml};
  return g;
}

Box2 SoleGeometry::support_box(const FeetPoses& poses) const {
  const double x0 = cop_box[0], x1 = cop_box[1], y0 = cop_box[2], y1 = cop_box[3];
  const double corners[4][2] = {{x0, y0}, {x0, y1}, {x1, y0}, {x1, y1}};
  const double inf = std::numeric_limits<double>::infinity();
  Box2 b{Eigen::Vector2d::Constant(inf), Eigen::Vector2d::Constant(-inf)};
  for (const SolePose& p : poses) {
    const double c = std::cos(p.yaw), s = std::sin(p.yaw);
    for (const auto& l : corners) {
      const double x = p.position[0] + c * l[0] - s * l[1];
      const double y = p.position[1] + s * l[0] + c * l[1];
      b.lo[0] = std::min(b.lo[0], x);
      b.lo[1] = std::min(b.lo[1], y);
      b.hi[0] = std::max(b.hi[0], x);
      b.hi[1] = std::max(b.hi[1], y);
    }
  }
  return b;
}

bool SoleGeometry::dcm_outside(const Eigen::Vector2d& dcm, const FeetPoses& feet,
                               double margin_m) const {
  const Box2 b = support_box(feet);
  const double gx = dcm[0] - clipd(dcm[0], b.lo[0], b.hi[0]);
  const double gy = dcm[1] - clipd(dcm[1], b.lo[1], b.hi[1]);
  return std::hypot(gx, gy) > margin_m;
}

SupportArea::SupportArea(const SoleGeometry& geometry, int max_swings) : geometry_(geometry) {
  if (max_swings < 0) throw std::invalid_argument("SupportArea: max_swings: expected >= 0");
  swings_.resize(static_cast<std::size_t>(max_swings));
}

void SupportArea::set(const Foothold* swings, int n, const FeetPoses& stance) {
  if (n < 0 || n > capacity())
    throw std::invalid_argument("SupportArea: " + std::to_string(n) +
                                " swings exceed the capacity " + std::to_string(capacity()));
  for (int i = 0; i < n; ++i) {
    if (swings[i].foot != kLeft && swings[i].foot != kRight)
      throw std::invalid_argument("SupportArea: foothold foot: expected 0 (left) or 1 (right)");
    swings_[i] = {swings[i].foot, swings[i].t_liftoff, swings[i].t_touchdown};
  }
  n_ = n;
  stance_ = stance;
}

Eigen::Vector2d SupportArea::clip(const Eigen::Vector2d& cop, double t) const {
  bool swinging[2] = {false, false};
  for (int i = 0; i < n_; ++i)
    if (swings_[i].t_liftoff <= t && t < swings_[i].t_touchdown) swinging[swings_[i].foot] = true;
  if (swinging[kLeft] != swinging[kRight]) {  // single support on the other foot
    const SolePose& p = stance_[swinging[kLeft] ? kRight : kLeft];
    const auto& bx = geometry_.cop_box;
    const double c = std::cos(p.yaw), s = std::sin(p.yaw);
    const double d0 = cop[0] - p.position[0], d1 = cop[1] - p.position[1];
    double lx = c * d0 + s * d1, ly = -s * d0 + c * d1;
    lx = std::min(std::max(lx, bx[0]), bx[1]);
    ly = std::min(std::max(ly, bx[2]), bx[3]);
    return Eigen::Vector2d(p.position[0] + c * lx - s * ly, p.position[1] + s * lx + c * ly);
  }
  const Box2 b = geometry_.support_box(stance_);
  return Eigen::Vector2d(clipd(cop[0], b.lo[0], b.hi[0]),
                         clipd(cop[1], b.lo[1], b.hi[1]));
}

CopPlan::CopPlan(const GaitSettings& gait, const SoleGeometry& geometry, int max_footholds)
    : geometry_(geometry), max_footholds_(max_footholds), scratch_(3 * max_footholds + 2) {
  if (max_footholds < 1) throw std::invalid_argument("CopPlan: max_footholds: expected >= 1");
  longest_ds_s_ = gait.double_support_s();  // the longest double support walking may have
  if (!std::isnan(gait.fast_double_support_ratio))
    longest_ds_s_ = std::max(longest_ds_s_, gait.fast_double_support_ratio * gait.step_duration_s);
  start_ds_s_ = gait.start_double_support_s();
  const auto cap = static_cast<std::size_t>(3 * max_footholds + 2);
  times_.resize(cap);
  a_times_.resize(cap);
  cops_.resize(cap);
  a_cops_.resize(cap);
  swings_.resize(static_cast<std::size_t>(max_footholds));
}

int CopPlan::waypoints(double t, const Foothold* footholds, int n, const FeetPoses& feet,
                       const std::optional<Touchdown>& last) {
  if (n < 0 || n > max_footholds_)
    throw std::invalid_argument("CopPlan: " + std::to_string(n) +
                                " footholds exceed the capacity " + std::to_string(max_footholds_));
  const Eigen::Vector2d centre[2] = {geometry_.centre_at(feet[kLeft]),
                                     geometry_.centre_at(feet[kRight])};
  const Eigen::Vector2d mid = 0.5 * (centre[kLeft] + centre[kRight]);
  int ns = 0;
  for (int i = 0; i < n; ++i) {
    if (footholds[i].foot != kLeft && footholds[i].foot != kRight)
      throw std::invalid_argument("CopPlan: foothold foot: expected 0 (left) or 1 (right)");
    if (footholds[i].t_touchdown > t) swings_[ns++] = &footholds[i];
  }
  if (ns == 0) {
    times_[0] = t;
    cops_[0] = mid;
    k_ = 1;
    return k_;
  }
  int k = 0;
  auto push = [&](double time, const Eigen::Vector2d& cop) {
    times_[k] = time;
    cops_[k] = cop;
    ++k;
  };
  const Foothold& first = *swings_[0];
  if (t < first.t_liftoff) {  // double support: shift onto the first stance foot
    const Eigen::Vector2d stance = centre[1 - first.foot];
    double start_t;
    Eigen::Vector2d start_p;
    if (last && first.t_liftoff - last->t_s <= longest_ds_s_ + 1e-6) {
      start_t = last->t_s;
      start_p = centre[first.foot];
    } else {  // start of walking: from between the feet
      start_t = std::min(t, first.t_liftoff - start_ds_s_);
      start_p = mid;
    }
    start_t = std::min(start_t, first.t_liftoff - 1e-3);
    push(start_t, start_p);
    push(first.t_liftoff, stance);
  }
  Eigen::Vector2d pos[2] = {centre[kLeft], centre[kRight]};
  for (int i = 0; i < ns; ++i) {
    const Foothold& fh = *swings_[i];
    const Eigen::Vector2d stance = pos[1 - fh.foot];
    if (i > 0 && fh.t_liftoff - times_[k - 1] < 1e-6) {  // no double support
      times_[k - 1] = fh.t_liftoff;
    } else if (k == 0 || fh.t_liftoff > times_[k - 1]) {
      push(fh.t_liftoff, stance);
    }
    push(fh.t_touchdown, stance);
    pos[fh.foot] = geometry_.centre_at(SolePose{fh.position, fh.yaw});
    if (i + 1 == ns) {  // last planned step: come to rest between the feet
      push(fh.t_touchdown + std::max(longest_ds_s_, 0.1), 0.5 * (pos[kLeft] + pos[kRight]));
    } else {  // double support: onto the next stance foot (the one just landed)
      const Foothold& nxt = *swings_[i + 1];
      push(std::max(nxt.t_liftoff, fh.t_touchdown + 1e-3), pos[1 - nxt.foot]);
    }
  }
  // drop waypoints within 1e-6 s of the one before them (in the list before dropping)
  int kept = 1;
  double prev = times_[0];
  for (int i = 1; i < k; ++i) {
    const double ti = times_[i];
    if (ti - prev > 1e-6) {
      times_[kept] = ti;
      cops_[kept] = cops_[i];
      ++kept;
    }
    prev = ti;
  }
  k_ = kept;
  return k_;
}

bool CopPlan::anchor(double t, const double* times, const Eigen::Vector2d* cops, int K,
                     const Eigen::Vector2d& dcm, double omega, const SupportArea& support) {
  ak_ = 0;
  if (K > capacity())
    throw std::invalid_argument("CopPlan::anchor: " + std::to_string(K) +
                                " waypoints exceed the capacity " + std::to_string(capacity()));
  const int i = static_cast<int>(std::upper_bound(times, times + K, t) - times) - 1;
  if (i < 0 || i + 1 >= K || times[i + 1] - t < 0.05) return false;
  int k = 0;
  a_times_[k] = t;
  a_cops_[k++] = cops[i];
  for (int j = i + 1; j < K; ++j) {
    a_times_[k] = times[j];
    a_cops_[k++] = cops[j];
  }
  const double w = omega, T = a_times_[1] - a_times_[0];
  scratch_.plan(a_times_.data(), a_cops_.data(), k, a_cops_[0], Eigen::Vector2d::Zero(), w);
  const Eigen::Vector2d xi_b = scratch_.dcm_waypoint(1);
  const double E = std::exp(-w * T), c = 1.0 / (w * T);
  const Eigen::Vector2d p_a =
      (dcm - E * xi_b - a_cops_[1] * (c - E - E * c)) / (1.0 - c * (1.0 - E));
  a_cops_[0] = support.clip(p_a, t);
  ak_ = k;
  return true;
}

}  // namespace cerebellum
