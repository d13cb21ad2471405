#include "cerebellum/swing_trajectory.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace cerebellum {

namespace {

constexpr double kPi = 3.14159265358979323846;

inline double clip01(double u) { return std::min(std::max(u, 0.0), 1.0); }

/// max(a, b) that returns the first argument unless the second is larger.
inline double pymax(double a, double b) { return b > a ? b : a; }

Eigen::Matrix3d skew(const Eigen::Vector3d& w) {
  Eigen::Matrix3d K;
  K << 0.0, -w[2], w[1], w[2], 0.0, -w[0], -w[1], w[0], 0.0;
  return K;
}

}  // namespace

std::array<double, 3> quintic(double u) {
  u = clip01(u);
  const double u2 = u * u;
  const double v = 1.0 - u;
  return {u2 * u * (10.0 - 15.0 * u + 6.0 * u2), 30.0 * u2 * v * v,
          60.0 * u * v * (1.0 - 2.0 * u)};
}

std::array<double, 3> ramped(double u, double r) {
  if (!(r > 0.0 && r <= 0.5))
    throw std::invalid_argument("ramped: r must be in (0, 0.5], got " + std::to_string(r));
  u = clip01(u);
  const double vp = 1.0 / (1.0 - r);
  const double k = kPi / r;
  if (u < r) {
    return {vp * (0.5 * u - std::sin(k * u) / (2.0 * k)), 0.5 * vp * (1.0 - std::cos(k * u)),
            (0.5 * vp * k * std::sin(k * u))};
  }
  if (u > 1.0 - r) {
    const double w = 1.0 - u;
    return {1.0 - vp * (0.5 * w - std::sin(k * w) / (2.0 * k)),
            0.5 * vp * (1.0 - std::cos(k * w)), -0.5 * vp * k * std::sin(k * w)};
  }
  return {vp * (u - 0.5 * r), vp, 0.0};
}

Eigen::Matrix3d yaw_matrix(double yaw) {
  const double c = std::cos(yaw), s = std::sin(yaw);
  Eigen::Matrix3d R;
  R << c, -s, 0.0, s, c, 0.0, 0.0, 0.0, 1.0;
  return R;
}

Eigen::Matrix3d exp3(const Eigen::Vector3d& w) {
  const double th = std::sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
  const Eigen::Matrix3d K = skew(w);
  if (th < 1e-9) return Eigen::Matrix3d::Identity() + K;
  const Eigen::Matrix3d K2 = K * K;
  return (Eigen::Matrix3d::Identity() + (std::sin(th) / th) * K) +
         ((1.0 - std::cos(th)) / (th * th)) * K2;
}

Eigen::Vector3d log3(const Eigen::Matrix3d& R) {
  const double c = std::min(std::max((R(0, 0) + R(1, 1) + R(2, 2) - 1.0) * 0.5, -1.0), 1.0);
  const double th = std::acos(c);
  const Eigen::Vector3d v(R(2, 1) - R(1, 2), R(0, 2) - R(2, 0), R(1, 0) - R(0, 1));
  if (th < 1e-9) return 0.5 * v;
  if (th > kPi - 1e-6) {
    const Eigen::Matrix3d B = 0.5 * (R + Eigen::Matrix3d::Identity());
    int i = 0;  // numpy argmax: the first maximum
    for (int j = 1; j < 3; ++j)
      if (B(j, j) > B(i, i)) i = j;
    const Eigen::Vector3d axis = B.col(i) / std::sqrt(std::max(B(i, i), 1e-300));
    return th * axis;
  }
  return (th / (2.0 * std::sin(th))) * v;
}

Eigen::Matrix3d tilt_matrix(const Eigen::Vector3d& normal) {
  const Eigen::Vector3d n =
      normal / std::sqrt(normal[0] * normal[0] + normal[1] * normal[1] + normal[2] * normal[2]);
  const Eigen::Vector3d axis(-n[1], n[0], 0.0);
  const double s = std::sqrt(axis[0] * axis[0] + axis[1] * axis[1] + axis[2] * axis[2]);
  if (s < 1e-12) return Eigen::Matrix3d::Identity();
  return exp3(axis * (std::atan2(s, n[2]) / s));
}

SwingTrajectory::SwingTrajectory() = default;

void SwingTrajectory::reset(const Eigen::Vector3d& start, const Eigen::Vector3d& end,
                            double t_liftoff, double t_touchdown, double height_m,
                            double apex_phase, double start_yaw, double end_yaw,
                            const Eigen::Matrix3d* start_rotation,
                            const Eigen::Vector3d* end_normal, const TerrainQuery* terrain,
                            double clearance_m, const std::array<double, 4>* sole_rectangle,
                            int samples, double max_apex_m, double xy_ramp,
                            double xy_ramp_travel_m) {
  if (!(t_touchdown > t_liftoff))
    throw std::invalid_argument("swing needs t_touchdown > t_liftoff, got " +
                                std::to_string(t_liftoff) + " -> " + std::to_string(t_touchdown));
  if (!(0.0 < apex_phase && apex_phase < 1.0))
    throw std::invalid_argument("apex_phase must be in (0, 1), got " + std::to_string(apex_phase));
  if (!(0.0 <= xy_ramp && xy_ramp <= 0.5))
    throw std::invalid_argument("xy_ramp must be in [0, 0.5], got " + std::to_string(xy_ramp));
  if (terrain != nullptr && samples < 1)
    throw std::invalid_argument("samples must be >= 1 with a terrain, got " +
                                std::to_string(samples));
  xy_ramp_ = xy_ramp;
  const double dx = end[0] - start[0], dy = end[1] - start[1];
  const double travel = std::sqrt(dx * dx + dy * dy);
  ramp_share_ = xy_ramp_travel_m <= 0.0
                    ? 1.0
                    : std::min(std::max(travel / xy_ramp_travel_m - 1.0, 0.0), 1.0);
  if (ramp_share_ == 0.0) xy_ramp_ = 0.0;
  start_ = start;
  end_ = end;
  t_liftoff_ = t_liftoff;
  t_touchdown_ = t_touchdown;
  duration_s_ = t_touchdown_ - t_liftoff_;
  apex_phase_ = apex_phase;
  const double base = pymax(start_[2], end_[2]);
  apex_z_ = base + height_m;
  if (terrain != nullptr)
    apex_z_ = clear_terrain(*terrain, height_m, clearance_m, sole_rectangle, samples, start_yaw,
                            end_yaw, base + max_apex_m);
  start_yaw_ = start_yaw;
  end_yaw_ = end_yaw;
  // Orientation: R(s) = R0 exp(u q(s)).
  has_start_rotation_ = start_rotation != nullptr;
  R0_ = has_start_rotation_ ? *start_rotation : yaw_matrix(start_yaw_);
  R1_ = yaw_matrix(end_yaw_);
  if (end_normal != nullptr) R1_ = tilt_matrix(*end_normal) * yaw_matrix(end_yaw_);
  u_ = log3(R0_.transpose() * R1_);
  w_ = R0_ * u_;
}

std::array<double, 3> SwingTrajectory::xy_scaling(double s) const {
  if (xy_ramp_ == 0.0) return quintic(s);
  const std::array<double, 3> r = ramped(s, xy_ramp_);
  const double a = ramp_share_;
  if (a == 1.0) return r;
  const std::array<double, 3> q = quintic(s);
  return {a * r[0] + (1.0 - a) * q[0], a * r[1] + (1.0 - a) * q[1], a * r[2] + (1.0 - a) * q[2]};
}

std::array<double, 3> SwingTrajectory::z_scalar(double s) const {
  const double za = apex_z_, sa = apex_phase_;
  double z_end, u, du;
  if (s < sa) {
    z_end = start_[2];
    u = s / sa;
    du = 1.0 / sa;
  } else {
    z_end = end_[2];
    u = (1.0 - s) / (1.0 - sa);
    du = -1.0 / (1.0 - sa);
  }
  const std::array<double, 3> q = quintic(u);
  const double amp = za - z_end;
  return {z_end + amp * q[0], amp * q[1] * du, amp * q[2] * du * du};
}

double SwingTrajectory::clear_terrain(const TerrainQuery& terrain, double height_m,
                                      double clearance_m, const std::array<double, 4>* rect,
                                      int samples, double yaw0, double yaw1, double cap) const {
  const int k = samples;                    // interior samples of linspace(0, 1, samples + 2)
  const double step = 1.0 / (samples + 1);  // numpy linspace: i * step
  // Footprint points in the sole frame: the origin, or the corners and the side midpoints.
  double px[7] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
  double py[7] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
  int np_ = 1;
  if (rect != nullptr) {
    const double x0 = (*rect)[0], x1 = (*rect)[1], y0 = (*rect)[2], y1 = (*rect)[3];
    const double xs[7] = {0.0, x0, x0, x1, x1, 0.0, 0.0};
    const double ys[7] = {0.0, y0, y1, y0, y1, y0, y1};
    for (int p = 0; p < 7; ++p) {
      px[p] = xs[p];
      py[p] = ys[p];
    }
    np_ = 7;
  }
  const double dyaw = std::remainder(yaw1 - yaw0, 2.0 * kPi);
  const double sx = start_[0], sy = start_[1];
  const double ddx = end_[0] - start_[0], ddy = end_[1] - start_[1];
  const bool quintic_xy = xy_ramp_ == 0.0;
  // Highest ground under the sole at sample i.
  auto ground = [&](int i) {
    const double s = i * step;
    const double q = quintic_xy ? quintic(s)[0] : xy_scaling(s)[0];
    const double x = sx + q * ddx, y = sy + q * ddy;
    const double yaw = yaw0 + dyaw * q;
    const double c = std::cos(yaw), sn = std::sin(yaw);
    double h = -std::numeric_limits<double>::infinity();
    for (int p = 0; p < np_; ++p) {
      const double X = x + c * px[p] - sn * py[p];
      const double Y = y + sn * px[p] + c * py[p];
      h = std::max(h, terrain.height(X, Y));
    }
    return h;
  };
  const double z0 = start_[2], z1 = end_[2];
  const double sa = apex_phase_;
  const double tol = 0.005;
  double h_max = -std::numeric_limits<double>::infinity();
  double req_max = -std::numeric_limits<double>::infinity();
  bool any_need = false;
  // Sliding window over the samples: ground swept until the next sample (rising) or since the
  // previous one (falling).
  double h_cur = ground(1), h_prev = h_cur, h_next;
  for (int j = 0; j < k; ++j) {
    const int i = j + 1;  // index into linspace
    h_next = j + 1 < k ? ground(i + 1) : h_cur;
    h_max = std::max(h_max, h_cur);
    const double s = i * step;
    const bool rising = s < sa;
    const double hs = rising ? std::max(h_cur, h_next) : std::max(h_cur, h_prev);
    const double g = rising ? quintic(s / sa)[0] : quintic((1.0 - s) / (1.0 - sa))[0];
    const double z_end = rising ? z0 : z1;
    if (hs > z_end + tol && g > 0.05) {
      const double req = z_end + (hs + clearance_m - z_end) / g;
      req_max = any_need ? std::max(req_max, req) : req;
      any_need = true;
    }
    h_prev = h_cur;
    h_cur = h_next;
  }
  double za = pymax(pymax(z0, z1), h_max) + height_m;
  if (any_need) za = pymax(za, req_max);
  return std::min(za, cap);
}

double SwingTrajectory::phase(double t) const {
  return std::min(std::max((t - t_liftoff_) / duration_s_, 0.0), 1.0);
}

Eigen::Vector3d SwingTrajectory::position(double t) const {
  const double lo = t_liftoff_, inv = 1.0 / duration_s_;
  const double x0 = start_[0], y0 = start_[1], z0 = start_[2];
  const double x1 = end_[0], y1 = end_[1], z1 = end_[2];
  const double dx = x1 - x0, dy = y1 - y0;
  const double sa = apex_phase_, za = apex_z_;
  const double ir = 1.0 / sa, jf = 1.0 / (1.0 - sa);
  const double s = std::min(std::max((t - lo) * inv, 0.0), 1.0);
  double q;
  if (xy_ramp_ == 0.0)
    q = s * s * s * (10.0 + s * (-15.0 + 6.0 * s));
  else
    q = xy_scaling(s)[0];
  double z;
  if (s < sa) {
    const double u = s * ir;
    z = z0 + (za - z0) * u * u * u * (10.0 + u * (-15.0 + 6.0 * u));
  } else {
    const double u = (1.0 - s) * jf;
    z = z1 + (za - z1) * u * u * u * (10.0 + u * (-15.0 + 6.0 * u));
  }
  return Eigen::Vector3d(x0 + q * dx, y0 + q * dy, z);
}

SwingSample SwingTrajectory::sample(double t) const {
  SwingSample out;
  sample(t, out);
  return out;
}

void SwingTrajectory::sample(double t, SwingSample& out) const {
  const double T = duration_s_;
  const bool inside = t_liftoff_ < t && t < t_touchdown_;
  const double s = phase(t);
  const std::array<double, 3> xy = xy_scaling(s);
  const double q = xy[0], dq = xy[1], ddq = xy[2];
  const Eigen::Vector3d d = end_ - start_;
  const std::array<double, 3> zz = z_scalar(s);
  out.position = Eigen::Vector3d(start_[0] + q * d[0], start_[1] + q * d[1], zz[0]);
  out.velocity.setZero();
  out.acceleration.setZero();
  if (inside) {
    const double a = dq / T, b = ddq / (T * T);
    out.velocity[0] = d[0] * a;
    out.velocity[1] = d[1] * a;
    out.velocity[2] = zz[1] / T;
    out.velocity.tail<3>() = w_ * a;
    out.acceleration[0] = d[0] * b;
    out.acceleration[1] = d[1] * b;
    out.acceleration[2] = zz[2] / (T * T);
    out.acceleration.tail<3>() = w_ * b;
  }
  if (u_[0] == 0.0 && u_[1] == 0.0 && !has_start_rotation_)
    out.rotation = yaw_matrix(start_yaw_ + u_[2] * q);  // flat soles: pure yaw interpolation
  else
    out.rotation = R0_ * exp3(u_ * q);
}

}  // namespace cerebellum
