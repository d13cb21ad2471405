// Footstep placement (see footstep_planner.hpp).
#include "cerebellum/footstep_planner.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace cerebellum {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kInf = std::numeric_limits<double>::infinity();

[[noreturn]] void fail(const char* field, const std::string& problem) {
  throw std::invalid_argument(std::string("foothold search setting '") + field + "': " + problem);
}

/// numpy's pairwise sum of 9 values (8 partial sums, then the ninth): np.mean over a row of 9.
double sum9(const double* a) {
  return (((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))) + a[8];
}
}  // namespace

void FootholdSearch::validate() const {
  const std::array<std::pair<const char*, double>, 11> fields{{
      {"search_radius_m", search_radius_m},
      {"grid_step_m", grid_step_m},
      {"max_slope_rad", max_slope_rad},
      {"max_roughness_m", max_roughness_m},
      {"edge_margin_m", edge_margin_m},
      {"max_edge_step_m", max_edge_step_m},
      {"max_step_height_m", max_step_height_m},
      {"replan_tolerance_m", replan_tolerance_m},
      {"distance_weight", distance_weight},
      {"roughness_weight", roughness_weight},
      {"slope_weight", slope_weight},
  }};
  for (const auto& [name, v] : fields)
    if (!(std::isfinite(v) && v >= 0.0))
      fail(name, "expected a finite number >= 0, got " + std::to_string(v));
  if (grid_step_m <= 0.0) fail("grid_step_m", "expected > 0, got " + std::to_string(grid_step_m));
  if (search_radius_m / grid_step_m > 20.0)
    fail("grid_step_m", "more than 20 steps per radius: too many candidates");
  if (!(max_slope_rad > 0.0 && max_slope_rad < kPi / 2))
    fail("max_slope_rad", "expected 0 < slope < pi/2, got " + std::to_string(max_slope_rad));
  if (max_roughness_m <= 0.0) fail("max_roughness_m", "expected > 0");
  if (max_edge_step_m <= 0.0) fail("max_edge_step_m", "expected > 0");
}

Eigen::Matrix<double, Eigen::Dynamic, 2> FootholdSearch::offsets() const {
  validate();
  const int k = static_cast<int>(std::floor(search_radius_m / grid_step_m + 1e-9));
  struct Off {
    double d, x, y;
  };
  std::vector<Off> off;
  for (int i = -k; i <= k; ++i)
    for (int j = -k; j <= k; ++j) {
      const double x = grid_step_m * i, y = grid_step_m * j;
      const double d = std::hypot(x, y);
      if (d <= search_radius_m + 1e-9) off.push_back({d, x, y});
    }
  std::sort(off.begin(), off.end(), [](const Off& a, const Off& b) {
    if (a.d != b.d) return a.d < b.d;
    if (a.x != b.x) return a.x < b.x;
    return a.y < b.y;
  });
  Eigen::Matrix<double, Eigen::Dynamic, 2> out(static_cast<Eigen::Index>(off.size()), 2);
  for (std::size_t i = 0; i < off.size(); ++i)
    out.row(static_cast<Eigen::Index>(i)) << off[i].x, off[i].y;
  return out;
}

FootstepPlanner::FootstepPlanner(const GaitSettings& settings, const FootholdSearch& search)
    : settings_(settings), search_(search) {
  settings_.validate();
  offsets_ = search_.offsets();  // validates the search
  const auto& r = settings_.sole_rectangle;
  const double x0 = r[0], x1 = r[1], y0 = r[2], y1 = r[3];
  const std::array<double, 3> xs{x0, 0.0, x1}, ys{y0, 0.0, y1};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) sole_pts_[3 * i + j] = Eigen::Vector2d(xs[i], ys[j]);
  const double e = search_.edge_margin_m;
  const double gx0 = x0 - e, gx1 = x1 + e, gy0 = y0 - e, gy1 = y1 + e;
  const double mx = 0.5 * (gx0 + gx1), my = 0.5 * (gy0 + gy1);
  ring_pts_ = {Eigen::Vector2d(gx0, gy0), Eigen::Vector2d(gx0, my), Eigen::Vector2d(gx0, gy1),
               Eigen::Vector2d(mx, gy1),  Eigen::Vector2d(gx1, gy1), Eigen::Vector2d(gx1, my),
               Eigen::Vector2d(gx1, gy0), Eigen::Vector2d(mx, gy0)};
}

Eigen::Vector2d FootstepPlanner::hip_offset(int foot) const {
  const double side = foot == kLeft ? 0.5 : -0.5;
  return Eigen::Vector2d(settings_.nominal_foot_x_m, side * settings_.nominal_width_m);
}

void FootstepPlanner::heuristic(int foot, const Eigen::Vector2d& base_xy, double yaw,
                                const VelocityCommand& command,
                                const Eigen::Vector2d& velocity_error, double stance_s,
                                Eigen::Vector2d& xy, double& foot_yaw) const {
  const double c = std::cos(yaw), s = std::sin(yaw);
  const Eigen::Vector2d o = hip_offset(foot);
  const double rx = c * o[0] - s * o[1], ry = s * o[0] + c * o[1];  // hip offset, world
  const double w = command.yaw_rate;
  const double vx = c * command.vx - s * command.vy - w * ry;
  const double vy = s * command.vx + c * command.vy + w * rx;
  const double half = 0.5 * (std::isnan(stance_s) ? settings_.stance_duration_s() : stance_s);
  const double K = settings_.feedback_gain_s();
  xy[0] = base_xy[0] + rx + vx * half + K * velocity_error[0];
  xy[1] = base_xy[1] + ry + vy * half + K * velocity_error[1];
  foot_yaw = yaw + w * half;
}

Eigen::Vector2d FootstepPlanner::clamp(int foot, const Eigen::Vector2d& xy, double yaw,
                                       const Eigen::Vector2d& stance_xy) const {
  const GaitSettings& st = settings_;
  const double c = std::cos(yaw), s = std::sin(yaw);
  const double ex = xy[0] - stance_xy[0], ey = xy[1] - stance_xy[1];
  double dx = c * ex + s * ey, dy = -s * ex + c * ey;
  dx = std::min(std::max(dx, -st.max_step_length_m), st.max_step_length_m);
  if (foot == kLeft)
    dy = std::min(std::max(dy, st.min_step_width_m), st.max_step_width_m);
  else
    dy = std::min(std::max(dy, -st.max_step_width_m), -st.min_step_width_m);
  return Eigen::Vector2d(stance_xy[0] + c * dx - s * dy, stance_xy[1] + s * dx + c * dy);
}

bool FootstepPlanner::within_limits(int foot, double x, double y, double c, double s,
                                    const Eigen::Vector3d& stance) const {
  const GaitSettings& st = settings_;
  const double e0 = x - stance[0], e1 = y - stance[1];
  const double dx = c * e0 + s * e1;
  double dy = -s * e0 + c * e1;
  if (foot == kRight) dy = -dy;
  constexpr double tol = 1e-9;
  return std::abs(dx) <= st.max_step_length_m + tol && dy >= st.min_step_width_m - tol &&
         dy <= st.max_step_width_m + tol;
}

FootstepPlanner::Points FootstepPlanner::points(double sole_yaw) const {
  const double cs = std::cos(sole_yaw), ss = std::sin(sole_yaw);
  Points pts;
  for (int j = 0; j < 17; ++j) {
    const Eigen::Vector2d& p = j < 9 ? sole_pts_[j] : ring_pts_[j - 9];
    pts[j] = Eigen::Vector2d(p[0] * cs + p[1] * (-ss), p[0] * ss + p[1] * cs);
  }
  return pts;
}

CandidateScore FootstepPlanner::score(const TerrainQuery& terrain, double cx, double cy,
                                      const Eigen::Vector2d& xy, const Points& pts,
                                      const Eigen::Vector3d& stance, bool use_stance_z,
                                      double r2) const {
  const FootholdSearch& q = search_;
  std::array<double, 17> h, res;
  for (int j = 0; j < 17; ++j) h[j] = terrain.height(cx + pts[j][0], cy + pts[j][1]);
  Eigen::Vector3d n = terrain.normal(cx, cy);
  n = n / std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  const double hc = h[4];
  const double nz = std::max(n[2], 1e-6);
  for (int j = 0; j < 17; ++j) {
    const double pred = hc - (n[0] * pts[j][0] + n[1] * pts[j][1]) / nz;  // the plane
    res[j] = h[j] - pred;
  }
  std::array<double, 9> sq;
  for (int j = 0; j < 9; ++j) sq[j] = res[j] * res[j];
  const double rough = std::sqrt(sum9(sq.data()) / 9.0);
  double edge = 0.0;
  for (int j = 9; j < 17; ++j) edge = std::max(edge, std::abs(res[j]));
  const double slope = std::acos(std::min(std::max(n[2], -1.0), 1.0));
  const double ddx = cx - xy[0], ddy = cy - xy[1];
  const double d2 = (ddx * ddx + ddy * ddy) / r2;
  CandidateScore out;
  out.position = Eigen::Vector3d(cx, cy, hc);
  out.normal = n;
  out.cost = q.distance_weight * d2 + q.roughness_weight * rough / q.max_roughness_m +
             q.slope_weight * slope / q.max_slope_rad;
  const double rise = use_stance_z ? std::abs(hc - stance[2]) : 0.0;
  out.feasible = slope <= q.max_slope_rad && rough <= q.max_roughness_m &&
                 edge <= q.max_edge_step_m && rise <= q.max_step_height_m;
  out.violation = std::max(slope / q.max_slope_rad - 1.0, 0.0) +
                  std::max(rough / q.max_roughness_m - 1.0, 0.0) +
                  std::max(edge / q.max_edge_step_m - 1.0, 0.0) +
                  10.0 * std::max(rise / q.max_step_height_m - 1.0, 0.0);
  return out;
}

CandidateScore FootstepPlanner::score(const TerrainQuery& terrain, const Eigen::Vector2d& candidate,
                                      const Eigen::Vector2d& xy, double sole_yaw,
                                      const Eigen::Vector3d& stance, bool use_stance_z,
                                      double scale) const {
  const double radius = std::max(scale * search_.search_radius_m, 1e-9);
  return score(terrain, candidate[0], candidate[1], xy, points(sole_yaw), stance, use_stance_z,
               radius * radius);
}

CandidateScore FootstepPlanner::evaluate(const TerrainQuery& terrain, int foot,
                                         const Eigen::Vector2d& xy, double c, double s,
                                         const Points& pts, const Eigen::Vector3d& stance,
                                         bool use_stance_z, double scale) const {
  const double radius = std::max(scale * search_.search_radius_m, 1e-9);
  const double r2 = radius * radius;
  // Argmin of the cost over feasible candidates, else of violation + 1e-3 cost; the first of
  // equal minima wins, as numpy's argmin.
  CandidateScore ok_best, viol_best;
  double viol_key = kInf;
  bool any_ok = false, any = false;
  auto consider = [&](double cx, double cy) {
    const CandidateScore sc = score(terrain, cx, cy, xy, pts, stance, use_stance_z, r2);
    if (sc.feasible && (!any_ok || sc.cost < ok_best.cost)) {
      any_ok = true;
      ok_best = sc;
    }
    if (!any_ok) {  // only needed while nothing is feasible
      const double key = sc.violation + 1e-3 * sc.cost;
      if (!any || key < viol_key) {
        viol_key = key;
        viol_best = sc;
      }
    }
    any = true;
  };
  int n_in = 0;
  for (Eigen::Index i = 0; i < offsets_.rows(); ++i) {
    const double ox = scale * offsets_(i, 0), oy = scale * offsets_(i, 1);
    const double cx = xy[0] + (ox * c + oy * (-s)), cy = xy[1] + (ox * s + oy * c);
    if (!within_limits(foot, cx, cy, c, s, stance)) continue;
    ++n_in;
    consider(cx, cy);
  }
  if (n_in == 0) consider(xy[0], xy[1]);
  return any_ok ? ok_best : viol_best;
}

TerrainFoothold FootstepPlanner::on_terrain(const TerrainQuery& terrain, int foot,
                                            const Eigen::Vector2d& xy, double yaw,
                                            const Eigen::Vector3d& stance, double sole_yaw,
                                            bool use_stance_z) const {
  const double c = std::cos(yaw), s = std::sin(yaw);
  const Points pts = points(std::isnan(sole_yaw) ? yaw : sole_yaw);
  CandidateScore first;
  for (int k = 0; k < 2; ++k) {
    const double scale = k == 0 ? 1.0 : 2.0;
    const CandidateScore b = evaluate(terrain, foot, xy, c, s, pts, stance, use_stance_z, scale);
    if (b.feasible) return {b.position, b.normal, true};
    if (k == 0) first = b;
  }
  return {first.position, first.normal, false};
}

Foothold FootstepPlanner::place(int foot, double t_liftoff, double t_touchdown,
                                const Eigen::Vector2d& base_xy, double yaw,
                                const VelocityCommand& command,
                                const Eigen::Vector2d& velocity_error,
                                const Eigen::Vector3d& stance_position,
                                const TerrainQuery* terrain) {
  const double stance_s = t_liftoff + 2.0 * settings_.step_duration_s - t_touchdown;
  Eigen::Vector2d xy;
  double foot_yaw = 0.0;
  heuristic(foot, base_xy, yaw, command, velocity_error, stance_s, xy, foot_yaw);
  xy = clamp(foot, xy, yaw, stance_position.head<2>());
  Foothold fh;
  fh.foot = foot;
  fh.yaw = foot_yaw;
  fh.t_liftoff = t_liftoff;
  fh.t_touchdown = t_touchdown;
  if (terrain == nullptr) {
    fh.position = Eigen::Vector3d(xy[0], xy[1], stance_position[2]);
    fh.normal = Eigen::Vector3d::UnitZ();
    fh.feasible = true;
    return fh;
  }
  const std::array<double, 4> inputs{xy[0], xy[1], stance_position[0], stance_position[1]};
  int slot = -1;
  for (int i = 0; i < memo_size_; ++i)
    if (memo_[i].foot == foot && memo_[i].t_liftoff == t_liftoff) slot = i;
  if (slot >= 0) {
    const MemoEntry& m = memo_[slot];
    double dmax = 0.0;
    for (int k = 0; k < 4; ++k) dmax = std::max(dmax, std::abs(inputs[k] - m.inputs[k]));
    if (dmax < search_.replan_tolerance_m && std::abs(foot_yaw - m.yaw) < kReplanYawTolerance)
      return m.foothold;
  }
  const TerrainFoothold tf = on_terrain(*terrain, foot, xy, yaw, stance_position, foot_yaw);
  fh.position = tf.position;
  fh.normal = tf.normal;
  fh.feasible = tf.feasible;
  if (slot < 0) {  // a new swing: evict the oldest when full (insertion order)
    if (memo_size_ == kMemoCapacity) {
      std::rotate(memo_.begin(), memo_.begin() + 1, memo_.end());
      --memo_size_;
    }
    slot = memo_size_++;
  }
  memo_[slot] = {foot, t_liftoff, inputs, foot_yaw, fh};
  return fh;
}

}  // namespace cerebellum
