// Analytic terrains (see terrains.hpp); the arithmetic follows sim/terrain.py.
#include "cerebellum/terrains.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace cerebellum {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kInf = std::numeric_limits<double>::infinity();

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}
}  // namespace

FlatTerrain::FlatTerrain(double level_m) : level_m_(level_m) {
  require(std::isfinite(level_m), "FlatTerrain: level_m must be finite");
}

BoxTerrain::BoxTerrain(std::vector<TerrainBox> boxes, double base_m)
    : boxes_(std::move(boxes)), base_m_(base_m) {
  require(!std::isnan(base_m) && base_m != kInf, "BoxTerrain: base_m must be finite or -inf");
  for (std::size_t i = 0; i < boxes_.size(); ++i) {
    const TerrainBox& b = boxes_[i];
    const std::string at = "BoxTerrain: box " + std::to_string(i) + ": ";
    require(std::isfinite(b.x0) && std::isfinite(b.x1) && std::isfinite(b.y0) &&
                std::isfinite(b.y1) && std::isfinite(b.top),
            at + "values must be finite");
    require(b.x0 <= b.x1, at + "expected x0 <= x1");
    require(b.y0 <= b.y1, at + "expected y0 <= y1");
  }
  if (boxes_.empty()) return;
  gx0_ = gy0_ = kInf;
  gx1_ = gy1_ = -kInf;
  std::vector<double> sides;
  sides.reserve(boxes_.size());
  for (const TerrainBox& b : boxes_) {
    gx0_ = std::min(gx0_, b.x0), gx1_ = std::max(gx1_, b.x1);
    gy0_ = std::min(gy0_, b.y0), gy1_ = std::max(gy1_, b.y1);
    sides.push_back(std::min(b.x1 - b.x0, b.y1 - b.y0));
  }
  // Cells about the size of a typical block (median of the shorter sides), at most 1024 per side.
  std::nth_element(sides.begin(), sides.begin() + sides.size() / 2, sides.end());
  const double extent = std::max(gx1_ - gx0_, gy1_ - gy0_);
  cell_m_ = std::max(sides[sides.size() / 2], extent / 1024.0);
  if (!(cell_m_ > 0.0)) cell_m_ = 1.0;
  nx_ = static_cast<int>(std::floor((gx1_ - gx0_) / cell_m_)) + 1;
  ny_ = static_cast<int>(std::floor((gy1_ - gy0_) / cell_m_)) + 1;
  auto ix = [&](double x) {
    return std::clamp(static_cast<int>(std::floor((x - gx0_) / cell_m_)), 0, nx_ - 1);
  };
  auto iy = [&](double y) {
    return std::clamp(static_cast<int>(std::floor((y - gy0_) / cell_m_)), 0, ny_ - 1);
  };
  std::vector<int> count(static_cast<std::size_t>(nx_) * ny_ + 1, 0);
  for (const TerrainBox& b : boxes_)
    for (int i = ix(b.x0); i <= ix(b.x1); ++i)
      for (int j = iy(b.y0); j <= iy(b.y1); ++j) ++count[static_cast<std::size_t>(i) * ny_ + j + 1];
  for (std::size_t k = 1; k < count.size(); ++k) count[k] += count[k - 1];
  cell_start_ = count;
  cell_boxes_.resize(static_cast<std::size_t>(count.back()));
  for (std::size_t n = 0; n < boxes_.size(); ++n) {
    const TerrainBox& b = boxes_[n];
    for (int i = ix(b.x0); i <= ix(b.x1); ++i)
      for (int j = iy(b.y0); j <= iy(b.y1); ++j)
        cell_boxes_[static_cast<std::size_t>(count[static_cast<std::size_t>(i) * ny_ + j]++)] =
            static_cast<int>(n);
  }
}

double BoxTerrain::height(double x, double y) const {
  if (!(x >= gx0_ && x <= gx1_ && y >= gy0_ && y <= gy1_) || boxes_.empty()) return base_m_;
  const int i = std::clamp(static_cast<int>(std::floor((x - gx0_) / cell_m_)), 0, nx_ - 1);
  const int j = std::clamp(static_cast<int>(std::floor((y - gy0_) / cell_m_)), 0, ny_ - 1);
  const std::size_t c = static_cast<std::size_t>(i) * ny_ + j;
  double h = -kInf;
  for (int k = cell_start_[c]; k < cell_start_[c + 1]; ++k) {
    const auto n = static_cast<std::size_t>(cell_boxes_[static_cast<std::size_t>(k)]);
    const TerrainBox& b = boxes_[n];
    if (x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1) h = std::max(h, b.top);
  }
  return std::max(h, base_m_);
}

SlopeTerrain::SlopeTerrain(double angle_deg, double length_m, double width_m, double x0_m,
                           double y_m)
    : angle_deg_(angle_deg), length_m_(length_m), width_m_(width_m), x0_m_(x0_m), y_m_(y_m) {
  require(std::isfinite(angle_deg) && angle_deg != 0.0 && std::abs(angle_deg) < 90.0,
          "SlopeTerrain: angle_deg: expected 0 < |angle_deg| < 90, got " +
              std::to_string(angle_deg));
  require(std::isfinite(length_m) && length_m > 0.0, "SlopeTerrain: length_m: expected > 0");
  require(std::isfinite(width_m) && width_m > 0.0, "SlopeTerrain: width_m: expected > 0");
  require(std::isfinite(x0_m) && std::isfinite(y_m), "SlopeTerrain: x0_m, y_m must be finite");
  const double a = angle_deg * (kPi / 180.0);  // numpy's radians()
  tan_ = std::tan(a);
  rise_ = length_m * tan_;
  outside_m_ = std::min(0.0, rise_) - 1.0;
  incline_normal_ = Eigen::Vector3d(-std::sin(a), 0.0, std::cos(a));
}

bool SlopeTerrain::inside(double y) const { return std::abs(y - y_m_) <= width_m_ / 2; }

double SlopeTerrain::height(double x, double y) const {
  const double s = std::min(std::max(x - x0_m_, 0.0), length_m_) * tan_;
  const bool in = inside(y) && x >= x0_m_ - 3.0 && x <= x0_m_ + length_m_ + 3.0;
  return in ? s : outside_m_;
}

Eigen::Vector3d SlopeTerrain::normal(double x, double y) const {
  if (inside(y) && x > x0_m_ && x < x0_m_ + length_m_) return incline_normal_;
  return Eigen::Vector3d::UnitZ();
}

GridTerrain::GridTerrain(const Eigen::Ref<const Grid>& grid, double x0_m, double y0_m,
                         double cell_m, double outside_m)
    : z_(grid), x0_m_(x0_m), y0_m_(y0_m), cell_m_(cell_m), outside_m_(outside_m) {
  require(z_.rows() >= 2 && z_.cols() >= 2,
          "GridTerrain: grid: expected at least 2 x 2 heights, got " + std::to_string(z_.rows()) +
              " x " + std::to_string(z_.cols()));
  require(z_.allFinite(), "GridTerrain: grid: heights must be finite");
  require(std::isfinite(cell_m) && cell_m > 0.0, "GridTerrain: cell_m: expected > 0");
  require(std::isfinite(x0_m) && std::isfinite(y0_m) && std::isfinite(outside_m),
          "GridTerrain: x0_m, y0_m, outside_m must be finite");
}

GridTerrain::Cell GridTerrain::locate(double x, double y) const {
  const int nrow = static_cast<int>(z_.rows()), ncol = static_cast<int>(z_.cols());
  const double gx = (x - x0_m_) / cell_m_, gy = (y - y0_m_) / cell_m_;
  Cell k{};
  k.inside = gx >= 0 && gx <= ncol - 1 && gy >= 0 && gy <= nrow - 1;
  if (!k.inside) return k;
  const int c = std::clamp(static_cast<int>(std::floor(gx)), 0, ncol - 2);
  const int r = std::clamp(static_cast<int>(std::floor(gy)), 0, nrow - 2);
  k.u = gx - c;
  k.v = gy - r;
  const double z00 = z_(r, c), z01 = z_(r, c + 1), z10 = z_(r + 1, c), z11 = z_(r + 1, c + 1);
  const bool lower = k.u >= k.v;  // triangle (0,0)-(1,0)-(1,1) in (u, v)
  k.z00 = z00;
  k.dzdu = lower ? z01 - z00 : z11 - z10;
  k.dzdv = lower ? z11 - z01 : z10 - z00;
  return k;
}

double GridTerrain::height(double x, double y) const {
  const Cell k = locate(x, y);
  return k.inside ? k.z00 + k.u * k.dzdu + k.v * k.dzdv : outside_m_;
}

Eigen::Vector3d GridTerrain::normal(double x, double y) const {
  const Cell k = locate(x, y);
  if (!k.inside) return Eigen::Vector3d::UnitZ();
  const Eigen::Vector3d n(-k.dzdu / cell_m_, -k.dzdv / cell_m_, 1.0);
  return n / std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
}

}  // namespace cerebellum
