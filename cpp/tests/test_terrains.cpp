// BoxTerrain's index grid against a brute-force scan of its blocks; Slope and Grid terrains against
// closed forms; bad parameters throw std::invalid_argument.
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "cerebellum/terrains.hpp"
#include "check.hpp"

using namespace cerebellum;

int main() {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  std::vector<TerrainBox> boxes;
  for (int i = 0; i < 400; ++i) {
    const double x = -5.0 + 10.0 * uni(rng), y = -5.0 + 10.0 * uni(rng);
    boxes.push_back({x, x + 0.05 + 2.0 * uni(rng) * uni(rng), y, y + 0.05 + 0.5 * uni(rng),
                     0.3 * uni(rng) - 0.1});
  }
  const BoxTerrain t(boxes, -0.5);
  CHECK(t.stepped());
  CHECK(t.nx() * t.ny() > 1);
  int mismatches = 0;
  for (int k = 0; k < 20000; ++k) {
    double x = -6.0 + 12.0 * uni(rng), y = -6.0 + 12.0 * uni(rng);
    if (k % 4 == 1) x = boxes[k % boxes.size()].x1;  // exactly on an edge
    if (k % 4 == 2) y = boxes[k % boxes.size()].y0;
    double h = -0.5;
    for (const TerrainBox& b : boxes)
      if (x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1) h = std::max(h, b.top);
    if (t.height(x, y) != h) ++mismatches;
  }
  CHECK(mismatches == 0);
  CHECK(t.normal(0.3, 0.2) == Eigen::Vector3d::UnitZ());
  const BoxTerrain none({}, -std::numeric_limits<double>::infinity());
  CHECK(std::isinf(none.height(0.0, 0.0)));

  const SlopeTerrain s(10.0, 4.0, 2.0, 1.0, 0.5);
  const double tn = std::tan(10.0 * M_PI / 180.0);
  CHECK_NEAR(s.height(3.0, 0.5), 2.0 * tn, 1e-14);
  CHECK_NEAR(s.height(0.0, 0.5), 0.0, 1e-14);
  CHECK_NEAR(s.height(6.0, 0.5), 4.0 * tn, 1e-14);
  CHECK_NEAR(s.height(3.0, 2.0), -1.0, 1e-14);
  CHECK_NEAR(s.normal(3.0, 0.5).dot(Eigen::Vector3d(1.0, 0.0, tn)), 0.0, 1e-14);

  GridTerrain::Grid z(3, 4);  // a plane z = 0.1 x + 0.2 y sampled on the grid is reproduced
  const double x0 = -0.3, y0 = 0.2, cell = 0.1;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) z(r, c) = 0.1 * (x0 + c * cell) + 0.2 * (y0 + r * cell);
  const GridTerrain g(z, x0, y0, cell, -1.0);
  for (int k = 0; k < 1000; ++k) {
    const double x = x0 + 0.3 * uni(rng), y = y0 + 0.2 * uni(rng);
    CHECK_NEAR(g.height(x, y), 0.1 * x + 0.2 * y, 1e-14);
    CHECK((g.normal(x, y) - Eigen::Vector3d(-0.1, -0.2, 1.0).normalized()).norm() < 1e-14);
  }
  CHECK(g.height(5.0, 0.0) == -1.0);

  CHECK_THROWS(BoxTerrain({{1.0, 0.0, 0.0, 1.0, 0.0}}, 0.0));
  CHECK_THROWS(SlopeTerrain(95.0, 1.0, 1.0, 0.0, 0.0));
  CHECK_THROWS(GridTerrain(GridTerrain::Grid::Zero(1, 3), 0.0, 0.0, 0.1, 0.0));
  return TEST_MAIN_RETURN();
}
