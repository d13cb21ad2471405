// LIPM/DCM CoM planner: see cerebellum/com_plan.hpp.
#include "cerebellum/com_plan.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace cerebellum {

double omega_for(double com_height_m) {
  if (!(std::isfinite(com_height_m) && com_height_m > 0))
    throw std::invalid_argument("com_height_m: expected > 0, got " + std::to_string(com_height_m));
  return std::sqrt(kGravity / com_height_m);
}

ComPlan::ComPlan(int capacity) {
  if (capacity < 1) throw std::invalid_argument("ComPlan: capacity must be >= 1");
  const auto n = static_cast<std::size_t>(capacity);
  times_.assign(n, 0.0);
  cops_.assign(n, Eigen::Vector2d::Zero());
  slope_ = xi_ = B_ = C_ = cops_;
}

void ComPlan::plan(const double* times, const Eigen::Vector2d* cops, int K,
                   const Eigen::Vector2d& com0, const Eigen::Vector2d& vcom0, double omega) {
  if (K <= 0) throw std::invalid_argument("times: expected a non-empty array, got 0 waypoints");
  if (K > capacity())
    throw std::invalid_argument("ComPlan: " + std::to_string(K) + " waypoints exceed the capacity " +
                                std::to_string(capacity()));
  for (int i = 0; i < K; ++i)
    if (!(std::isfinite(times[i]) && cops[i].allFinite()))
      throw std::invalid_argument("times and cops must be finite");
  for (int i = 0; i + 1 < K; ++i)
    if (!(times[i + 1] - times[i] > 0)) throw std::invalid_argument("times must be strictly increasing");
  if (!com0.allFinite()) throw std::invalid_argument("com0 must be finite");
  if (!(std::isfinite(omega) && omega > 0))
    throw std::invalid_argument("omega: expected > 0, got " + std::to_string(omega));

  k_ = K;
  w_ = omega;
  vcom0_ = vcom0;
  const double w = omega;
  for (int i = 0; i < K; ++i) {
    times_[i] = times[i];
    cops_[i] = cops[i];
  }
  // DCM at the waypoints, backwards from rest at the last one.
  xi_[K - 1] = cops_[K - 1];
  slope_[K - 1].setZero();
  for (int i = K - 2; i >= 0; --i) {
    const double dt = times_[i + 1] - times_[i];
    const Eigen::Vector2d s = (cops_[i + 1] - cops_[i]) / dt;
    slope_[i] = s;
    xi_[i] = cops_[i] + s / w + std::exp(-w * dt) * (xi_[i + 1] - cops_[i + 1] - s / w);
  }
  // CoM forward from com0: on segment i, com = cop(t) + B_i e^{w tau} + C_i e^{-w tau}.
  for (int i = 0; i < K; ++i) B_[i] = 0.5 * (xi_[i] - cops_[i] - slope_[i] / w);
  Eigen::Vector2d c = com0;
  for (int i = 0; i < K; ++i) {
    C_[i] = c - cops_[i] - B_[i];
    if (i + 1 < K) {
      const double dt = times_[i + 1] - times_[i];
      const Eigen::Vector2d& s = slope_[i];
      c = cops_[i] + s * dt + B_[i] * std::exp(w * dt) + C_[i] * std::exp(-w * dt);
    }
  }
}

int ComPlan::segment(double t) const {
  if (k_ == 0) throw std::logic_error("ComPlan: no plan yet");
  const int i = static_cast<int>(std::upper_bound(times_.begin(), times_.begin() + k_, t) -
                                 times_.begin()) - 1;
  return std::min(std::max(i, 0), k_ - 1);
}

ComSample ComPlan::sample(double t) const {
  const int i = segment(t);
  const double w = w_;
  const double tau = t - times_[i];
  const Eigen::Vector2d& s = slope_[i];
  ComSample out;
  out.cop = cops_[i] + s * tau;
  if (i + 1 < k_) {
    const Eigen::Vector2d a = xi_[i + 1] - cops_[i + 1] - s / w;
    out.dcm = out.cop + s / w + std::exp(w * (t - times_[i + 1])) * a;
  } else {
    out.dcm = out.cop;
  }
  const double e = std::exp(w * tau), ei = std::exp(-w * tau);
  const Eigen::Vector2d& B = B_[i];
  const Eigen::Vector2d& C = C_[i];
  out.com = out.cop + B * e + C * ei;
  out.vcom = s + w * (B * e - C * ei);
  out.acom = w * w * (B * e + C * ei);
  out.dcm_dot = w * (out.dcm - out.cop);
  return out;
}

Eigen::Vector2d ComPlan::com_at(double t) const {
  const int i = segment(t);
  const double tau = t - times_[i];
  const double e = std::exp(w_ * tau), ei = std::exp(-w_ * tau);
  return cops_[i] + slope_[i] * tau + B_[i] * e + C_[i] * ei;
}

const Eigen::Vector2d& ComPlan::dcm_waypoint(int i) const {
  if (i < 0 || i >= k_) throw std::out_of_range("ComPlan: waypoint index out of range");
  return xi_[i];
}

void DescentFilter::reset(double z0, double max_speed, double max_accel, double min_drop) {
  if (!(max_speed > 0 && max_accel > 0))
    throw std::invalid_argument("DescentFilter: speed and acceleration bounds must be > 0");
  if (!(min_drop >= 0 && std::isfinite(min_drop)))
    throw std::invalid_argument("DescentFilter: min_drop_m must be finite and >= 0");
  min_drop_m = min_drop;
  z = z0;
  start_z = z0;
  dz = 0.0;
  ddz = 0.0;
  max_speed_mps = max_speed;
  max_accel_mps2 = max_accel;
}

std::array<double, 3> DescentFilter::step(double target, double dt) {
  const double e = target - z;
  if (e >= 0.0 && dz >= 0.0) {  // up (or there): at once
    z = target;
    dz = 0.0;
    ddz = 0.0;
    return {z, dz, ddz};
  }
  if (dz >= 0.0) start_z = z;  // a descent starts
  const double a = max_accel_mps2;
  const double h = 0.5 * a * dt;
  const double v_des = -std::min(max_speed_mps, std::sqrt(h * h + 2.0 * a * std::max(-e, 0.0)) - h);
  const double dd = std::min(std::max((v_des - dz) / dt, -a), a);
  double dz1 = dz + dd * dt;
  double z1 = z + 0.5 * (dz + dz1) * dt;
  if (z1 <= target && dz1 <= 0.0) {  // arrived
    z1 = target;
    dz1 = 0.0;
  }
  z = z1;
  dz = dz1;
  ddz = dd;
  if (start_z - target < min_drop_m) return {z, 0.0, 0.0};  // no level change: no feed-forward
  return {z, dz, ddz};
}

double support_ground(const double* stance_z, int n_stance, double swing_z, double landed_z,
                      double min_drop_m) {
  if (n_stance < 1) throw std::invalid_argument("support_ground: no stance sole");
  double sum = 0.0, top = -std::numeric_limits<double>::infinity();
  for (int i = 0; i < n_stance; ++i) {
    sum += stance_z[i];
    top = std::max(top, stance_z[i]);
  }
  const double ground = sum / n_stance;
  if (!std::isnan(swing_z) && n_stance == 1 && swing_z < ground - min_drop_m) return swing_z;
  if (!std::isnan(landed_z) && n_stance == 2 && landed_z < top - min_drop_m) return landed_z;
  return ground;
}

}  // namespace cerebellum
