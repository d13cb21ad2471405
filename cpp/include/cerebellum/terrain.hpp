// What the gait layer needs from the ground: its top height and unit normal at a world (x, y).
// The controller knows no simulator; the harness (or a robot's perception) provides a query.
#pragma once

#include <Eigen/Core>

namespace cerebellum {

/// Terrain query interface. Implementations must be cheap, allocation-free and thread-compatible
/// (const methods may be called from the planning thread).
class TerrainQuery {
 public:
  virtual ~TerrainQuery() = default;
  /// Terrain top z (m) at world (x, y).
  virtual double height(double x, double y) const = 0;
  /// Unit surface normal (world frame) at (x, y).
  virtual Eigen::Vector3d normal(double x, double y) const = 0;
  /// Made of steps with vertical edges (stairs, stepping stones): planners that assume a
  /// continuous ground should consult the terrain.
  virtual bool stepped() const { return false; }
};

}  // namespace cerebellum
