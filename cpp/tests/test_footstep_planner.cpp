// FootstepPlanner: on flat ground the foothold is the closed-form Raibert + capture-point point
// clamped to the step limits; the terrain search avoids a step edge; the memo holds 8 swings and
// reuses a search only within the replan tolerance; invalid settings name the field.
#include <cmath>
#include <stdexcept>
#include <string>

#include "cerebellum/footstep_planner.hpp"
#include "cerebellum/terrains.hpp"
#include "check.hpp"

using namespace cerebellum;

int main() {
  GaitSettings s;
  FootstepPlanner p(s);
  CHECK(p.candidate_offsets().rows() > 1);
  CHECK(p.candidate_offsets().row(0).norm() == 0.0);

  // Standing still, facing +x: the left foot lands at the hip, z of the stance foot.
  const Eigen::Vector3d stance(0.0, -0.125, 0.05);
  Foothold f = p.place(kLeft, 1.0, 1.4, Eigen::Vector2d::Zero(), 0.0, VelocityCommand{},
                       Eigen::Vector2d::Zero(), stance);
  CHECK_NEAR(f.position[0], 0.0, 1e-15);
  CHECK_NEAR(f.position[1], 0.125, 1e-15);
  CHECK_NEAR(f.position[2], 0.05, 1e-15);
  CHECK(f.feasible && f.foot == kLeft && f.t_touchdown == 1.4);

  // Walking at 0.6 m/s: x = v T / 2 + K v_err, T the stance until the next liftoff.
  const double T = 1.0 + 2.0 * s.step_duration_s - 1.4;
  f = p.place(kLeft, 1.0, 1.4, Eigen::Vector2d::Zero(), 0.0, VelocityCommand{0.6, 0.0, 0.0},
              Eigen::Vector2d(0.1, 0.0), stance);
  CHECK_NEAR(f.position[0], 0.6 * T / 2 + s.feedback_gain_s() * 0.1, 1e-14);
  // Far too fast: clamped to the step length.
  f = p.place(kLeft, 1.0, 1.4, Eigen::Vector2d::Zero(), 0.0, VelocityCommand{5.0, 0.0, 0.0},
              Eigen::Vector2d::Zero(), stance);
  CHECK_NEAR(f.position[0], s.max_step_length_m, 1e-14);
  // The right foot never crosses to the left of the stance foot.
  f = p.place(kRight, 1.0, 1.4, Eigen::Vector2d(0.0, 1.0), 0.0, VelocityCommand{},
              Eigen::Vector2d::Zero(), Eigen::Vector3d(0.0, 0.1, 0.0));
  CHECK_NEAR(f.position[1], 0.1 - s.min_step_width_m, 1e-14);

  // A step edge at x = 0.02 under the heuristic foothold: the search moves off the edge.
  const BoxTerrain step({{0.02, 5.0, -2.0, 2.0, 0.1}}, 0.0);
  FootstepPlanner q(s);
  f = q.place(kLeft, 2.0, 2.4, Eigen::Vector2d::Zero(), 0.0, VelocityCommand{},
              Eigen::Vector2d::Zero(), stance, &step);
  CHECK(f.feasible);
  const double front = f.position[0] + s.sole_rectangle[1] + 0.03;  // grown by the edge margin
  const double back = f.position[0] + s.sole_rectangle[0] - 0.03;
  CHECK(front < 0.02 || back > 0.02);
  CHECK_NEAR(f.position[2], step.height(f.position[0], f.position[1]), 0.0);
  CHECK(q.memo_size() == 1);
  // Re-planned with a 5 mm move: the remembered foothold (touchdown time included) comes back.
  const Foothold g = q.place(kLeft, 2.0, 2.5, Eigen::Vector2d(0.005, 0.0), 0.0, VelocityCommand{},
                             Eigen::Vector2d::Zero(), stance, &step);
  CHECK(g.position == f.position && g.t_touchdown == 2.4);
  // 2 cm: a new search, same slot.
  const Foothold h = q.place(kLeft, 2.0, 2.5, Eigen::Vector2d(0.02, 0.0), 0.0, VelocityCommand{},
                             Eigen::Vector2d::Zero(), stance, &step);
  CHECK(h.t_touchdown == 2.5 && q.memo_size() == 1);
  for (int k = 0; k < 20; ++k)
    q.place(k % 2, 3.0 + k, 3.4 + k, Eigen::Vector2d::Zero(), 0.0, VelocityCommand{},
            Eigen::Vector2d::Zero(), stance, &step);
  CHECK(q.memo_size() == FootstepPlanner::kMemoCapacity);
  q.clear();
  CHECK(q.memo_size() == 0);

  FootholdSearch bad;
  bad.grid_step_m = 0.0;
  try {
    FootstepPlanner r(s, bad);
    CHECK(false);
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("grid_step_m") != std::string::npos);
  }
  bad = FootholdSearch{};
  bad.max_slope_rad = 2.0;
  CHECK_THROWS(FootstepPlanner(s, bad));
  return TEST_MAIN_RETURN();
}
