// Analytic terrains implementing TerrainQuery, built from plain parameters (the data a simulator
// exports): the ground queries of sim/terrain.py's Flat, Stairs / SteppingStones (boxes), Slope and
// Rough / Heightmap (height grid), with the same arithmetic. World frame, z up, metres.
#pragma once

#include <Eigen/Core>
#include <limits>
#include <vector>

#include "cerebellum/terrain.hpp"

namespace cerebellum {

/// Horizontal plane at z = level_m.
class FlatTerrain : public TerrainQuery {
 public:
  explicit FlatTerrain(double level_m = 0.0);
  double height(double, double) const override { return level_m_; }
  Eigen::Vector3d normal(double, double) const override { return Eigen::Vector3d::UnitZ(); }
  double level_m() const { return level_m_; }

 private:
  double level_m_;
};

/// Axis-aligned block: x0 <= x <= x1, y0 <= y <= y1 (m, inclusive), top face at z = top (m).
struct TerrainBox {
  double x0 = 0.0, x1 = 0.0, y0 = 0.0, y1 = 0.0, top = 0.0;
};

/// Blocks over a base plane (sim/terrain.py _BoxTerrain): height = max(base_m, tops of the blocks
/// containing (x, y)); the normal is z everywhere (flat tops, vertical sides). A uniform grid of
/// block indices, built at construction, keeps queries local. base_m = -inf: no plane.
class BoxTerrain : public TerrainQuery {
 public:
  /// Throws std::invalid_argument on non-finite values, x1 < x0 or y1 < y0, or a NaN base.
  BoxTerrain(std::vector<TerrainBox> boxes, double base_m);
  double height(double x, double y) const override;
  Eigen::Vector3d normal(double, double) const override { return Eigen::Vector3d::UnitZ(); }
  bool stepped() const override { return true; }

  const std::vector<TerrainBox>& boxes() const { return boxes_; }
  double base_m() const { return base_m_; }
  /// Index grid: cells of cell_m() (m), nx() x ny() of them.
  double cell_m() const { return cell_m_; }
  int nx() const { return nx_; }
  int ny() const { return ny_; }

 private:
  std::vector<TerrainBox> boxes_;
  double base_m_;
  double gx0_ = 0.0, gy0_ = 0.0, gx1_ = 0.0, gy1_ = 0.0;  // bounding box of all blocks
  double cell_m_ = 1.0;
  int nx_ = 0, ny_ = 0;
  std::vector<int> cell_start_;  // (nx ny + 1) offsets into cell_boxes_, cell ix * ny + iy
  std::vector<int> cell_boxes_;  // block indices overlapping each cell
};

/// sim/terrain.py Slope: flat at z = 0 for x <= x0_m, a plane rising angle_deg along +x over
/// length_m (horizontal), then flat at length_m tan(angle); |y - y_m| <= width_m / 2 and
/// x0_m - 3 <= x <= x0_m + length_m + 3, else a plane at min(0, rise) - 1.
class SlopeTerrain : public TerrainQuery {
 public:
  /// Throws std::invalid_argument unless 0 < |angle_deg| < 90 and length_m, width_m > 0 (finite).
  SlopeTerrain(double angle_deg, double length_m, double width_m, double x0_m, double y_m);
  double height(double x, double y) const override;
  Eigen::Vector3d normal(double x, double y) const override;

  double angle_deg() const { return angle_deg_; }
  double length_m() const { return length_m_; }
  double width_m() const { return width_m_; }
  double x0_m() const { return x0_m_; }
  double y_m() const { return y_m_; }

 private:
  bool inside(double y) const;
  double angle_deg_, length_m_, width_m_, x0_m_, y_m_;
  double tan_, rise_, outside_m_;
  Eigen::Vector3d incline_normal_;
};

/// Heights on a regular grid (sim/terrain.py _HeightfieldTerrain): z[r, c] (m) at
/// (x0_m + c cell_m, y0_m + r cell_m), row r along y, column c along x. Each cell is split along
/// its (r, c)-(r+1, c+1) diagonal (as MuJoCo's hfield) and interpolated linearly on the triangles;
/// outside the grid a plane at outside_m.
class GridTerrain : public TerrainQuery {
 public:
  using Grid = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  /// grid (nrow >= 2, ncol >= 2) finite; cell_m > 0. Throws std::invalid_argument.
  GridTerrain(const Eigen::Ref<const Grid>& grid, double x0_m, double y0_m, double cell_m,
              double outside_m);
  double height(double x, double y) const override;
  Eigen::Vector3d normal(double x, double y) const override;

  const Grid& grid() const { return z_; }
  double x0_m() const { return x0_m_; }
  double y0_m() const { return y0_m_; }
  double cell_m() const { return cell_m_; }
  double outside_m() const { return outside_m_; }

 private:
  struct Cell {
    bool inside;
    double u, v, z00, dzdu, dzdv;
  };
  Cell locate(double x, double y) const;
  Grid z_;
  double x0_m_, y0_m_, cell_m_, outside_m_;
};

}  // namespace cerebellum
