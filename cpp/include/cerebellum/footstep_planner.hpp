// Footstep placement: Raibert heuristic with capture-point feedback, kinematic clamps, and a
// terrain-aware search for a flat-enough patch near the heuristic foothold.
//
// World frame z up; feet kLeft = 0, kRight = 1; lateral/forward distances are measured in the
// heading frame at touchdown (world turned by the predicted base yaw).
#pragma once

#include <Eigen/Core>
#include <array>
#include <limits>
#include <vector>

#include "cerebellum/foothold.hpp"
#include "cerebellum/gait_settings.hpp"
#include "cerebellum/terrain.hpp"

namespace cerebellum {

/// Terrain-aware foothold selection around the heuristic foothold (its settings: controllers/gait.py
/// FootholdSearch): candidates on a grid of grid_step_m within search_radius_m (heading frame)
/// inside the step limits; acceptable when the normal is within max_slope_rad of z, the RMS
/// residual of the 3 x 3 sole points about the plane of that normal is <= max_roughness_m, no
/// point of the sole rectangle grown by edge_margin_m leaves that plane by more than
/// max_edge_step_m, and |z - stance z| <= max_step_height_m. Lowest cost wins: distance_weight
/// (d / radius)^2 + roughness_weight rms / max_roughness_m + slope_weight angle / max_slope_rad.
struct FootholdSearch {
  double search_radius_m = 0.15;
  double grid_step_m = 0.03;
  double max_slope_rad = 0.35;
  double max_roughness_m = 0.01;
  double edge_margin_m = 0.03;
  double max_edge_step_m = 0.02;
  double max_step_height_m = 0.3;   // reachability; rejects pits
  double replan_tolerance_m = 0.01;  // a search is reused while its inputs move less than this
  double distance_weight = 1.0;
  double roughness_weight = 0.3;
  double slope_weight = 0.2;

  /// Throws std::invalid_argument("foothold search setting 'FIELD': PROBLEM") on the first invalid
  /// field (the checks of controllers/gait.py FootholdSearch.__post_init__).
  void validate() const;
  /// Candidate offsets (heading frame, m), nearest first (the zero offset first): (m, 2),
  /// m <= 41^2.
  Eigen::Matrix<double, Eigen::Dynamic, 2> offsets() const;
};

/// Result of a terrain search: sole origin (world, z on the terrain), unit normal, feasible.
struct TerrainFoothold {
  Eigen::Vector3d position = Eigen::Vector3d::Zero();
  Eigen::Vector3d normal = Eigen::Vector3d::UnitZ();
  bool feasible = true;
};

/// Terrain score of one candidate: position (z on the terrain), unit normal, the search cost, the
/// violation of the criteria (0 when feasible) and feasible.
struct CandidateScore {
  Eigen::Vector3d position = Eigen::Vector3d::Zero();
  Eigen::Vector3d normal = Eigen::Vector3d::UnitZ();
  double cost = 0.0;
  double violation = 0.0;
  bool feasible = true;
};

/// Footholds from the Raibert heuristic + capture-point feedback, clamped to the step limits and
/// optionally refined on a terrain. place() allocates nothing: the candidate offsets are built at
/// construction, and searches are remembered in a fixed memo of kMemoCapacity swings, keyed by
/// (foot, t_liftoff) and evicted in insertion order (a re-searched swing keeps its place).
class FootstepPlanner {
 public:
  static constexpr int kMemoCapacity = 8;
  static constexpr double kReplanYawTolerance = 0.02;  // rad

  /// Throws std::invalid_argument on invalid settings or search.
  explicit FootstepPlanner(const GaitSettings& settings, const FootholdSearch& search = {});

  /// Nominal sole position relative to the base, heading frame (m).
  Eigen::Vector2d hip_offset(int foot) const;
  /// Raibert + capture-point foothold (world xy, m) and sole yaw (rad), before clamping, into
  /// xy / foot_yaw. base_xy, yaw: predicted base at touchdown; velocity_error: measured minus
  /// commanded base velocity, world m/s; stance_s: how long the foot will stand (NaN: the steady
  /// stance_duration_s).
  void heuristic(int foot, const Eigen::Vector2d& base_xy, double yaw,
                 const VelocityCommand& command, const Eigen::Vector2d& velocity_error,
                 double stance_s, Eigen::Vector2d& xy, double& foot_yaw) const;
  /// Foothold within the step limits relative to the stance foot (heading frame at yaw).
  Eigen::Vector2d clamp(int foot, const Eigen::Vector2d& xy, double yaw,
                        const Eigen::Vector2d& stance_xy) const;
  /// Best patch near xy for a sole turned by sole_yaw (NaN: yaw, the heading of the step limits),
  /// the other foot at `stance` (world; use_stance_z false skips the step-height bound). If no
  /// candidate is acceptable a grid twice as wide and coarse is tried; failing that, the
  /// least-violating candidate of the first grid is returned as infeasible.
  TerrainFoothold on_terrain(const TerrainQuery& terrain, int foot, const Eigen::Vector2d& xy,
                             double yaw, const Eigen::Vector3d& stance,
                             double sole_yaw = std::numeric_limits<double>::quiet_NaN(),
                             bool use_stance_z = true) const;
  /// Score of the candidate sole origin `candidate` (world xy) of the search around `xy` on the
  /// grid of `scale` (1, or 2 for the wider fallback grid), sole turned by sole_yaw (rad).
  CandidateScore score(const TerrainQuery& terrain, const Eigen::Vector2d& candidate,
                       const Eigen::Vector2d& xy, double sole_yaw, const Eigen::Vector3d& stance,
                       bool use_stance_z = true, double scale = 1.0) const;
  /// Foothold of foot's swing [t_liftoff, t_touchdown]: heuristic (standing until its next
  /// liftoff, two steps after this one's), clamped against the other foot's stance_position
  /// (world), then refined on `terrain` if not null (z from the terrain); without a terrain z is
  /// the stance foot's. A search is reused (the remembered Foothold, timing included) while the
  /// clamped xy and the stance xy move less than replan_tolerance_m and the yaw less than
  /// kReplanYawTolerance.
  Foothold place(int foot, double t_liftoff, double t_touchdown, const Eigen::Vector2d& base_xy,
                 double yaw, const VelocityCommand& command,
                 const Eigen::Vector2d& velocity_error, const Eigen::Vector3d& stance_position,
                 const TerrainQuery* terrain = nullptr);
  /// Forgets the reused terrain searches.
  void clear() { memo_size_ = 0; }

  const GaitSettings& settings() const { return settings_; }
  const FootholdSearch& search() const { return search_; }
  const Eigen::Matrix<double, Eigen::Dynamic, 2>& candidate_offsets() const { return offsets_; }
  int memo_size() const { return memo_size_; }

 private:
  using Points = std::array<Eigen::Vector2d, 17>;  // sole then ring points, world offsets
  Points points(double sole_yaw) const;
  CandidateScore score(const TerrainQuery& terrain, double cx, double cy,
                       const Eigen::Vector2d& xy, const Points& pts, const Eigen::Vector3d& stance,
                       bool use_stance_z, double r2) const;
  struct MemoEntry {
    int foot = kLeft;
    double t_liftoff = 0.0;
    std::array<double, 4> inputs{};  // clamped xy, stance xy
    double yaw = 0.0;
    Foothold foothold;
  };
  CandidateScore evaluate(const TerrainQuery& terrain, int foot, const Eigen::Vector2d& xy,
                          double c, double s, const Points& pts, const Eigen::Vector3d& stance,
                          bool use_stance_z, double scale) const;
  bool within_limits(int foot, double x, double y, double c, double s,
                     const Eigen::Vector3d& stance) const;

  GaitSettings settings_;
  FootholdSearch search_;
  Eigen::Matrix<double, Eigen::Dynamic, 2> offsets_;
  std::array<Eigen::Vector2d, 9> sole_pts_;  // sole frame; [4] = origin
  std::array<Eigen::Vector2d, 8> ring_pts_;  // grown sole rectangle
  std::array<MemoEntry, kMemoCapacity> memo_{};
  int memo_size_ = 0;
};

}  // namespace cerebellum
