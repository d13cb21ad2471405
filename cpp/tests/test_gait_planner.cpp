// GaitPlanner on flat ground: a forward command starts walking (alternating swings, footholds ahead
// of the stance foot, swing feet off the ground), the base reference follows the command, a zero
// command stops; bad n / dt throw.
#include <cmath>
#include <stdexcept>

#include "cerebellum/gait_planner.hpp"
#include "cerebellum/terrains.hpp"
#include "check.hpp"

using namespace cerebellum;

int main() {
  GaitSettings s;
  GaitPlanner planner(s);
  GaitPlan plan = planner.make_plan();
  GaitState state;
  state.base_position = Eigen::Vector3d(0.0, 0.0, s.base_height_m);
  state.foot_positions = {Eigen::Vector3d(0.0, 0.125, 0.0), Eigen::Vector3d(0.0, -0.125, 0.0)};
  const VelocityCommand walk{0.4, 0.0, 0.0};
  int swings_seen = 0, last_foot = -1;
  double max_swing_z = 0.0;
  for (int k = 0; k < 200; ++k) {
    const double t = 0.02 * k;
    planner.plan(t, state, walk, 25, 0.04, plan);
    CHECK(plan.n == 25);
    CHECK_NEAR(plan.base_position(24, 0) - plan.base_position(0, 0), 0.4 * 0.96, 1e-12);
    CHECK_NEAR(plan.base_position(0, 2), s.base_height_m, 1e-15);
    for (int f = 0; f < 2; ++f)
      if (!plan.contact(0, f)) {
        CHECK(!std::isnan(plan.swing_phase[f]));
        max_swing_z = std::max(max_swing_z, plan.swing[f].position[2]);
      }
    if (plan.n_footholds > 0 && plan.footholds[0].foot != last_foot &&
        plan.footholds[0].t_liftoff <= t) {
      last_foot = plan.footholds[0].foot;
      ++swings_seen;
    }
    // ideal tracking: the state at the next call is half way to knot 1
    state.base_position = 0.5 * (plan.base_position.row(0) + plan.base_position.row(1)).transpose();
    state.base_velocity = plan.base_velocity.row(0).transpose();
    for (int f = 0; f < 2; ++f)
      state.foot_positions[f] =
          0.5 * (plan.foot_positions.row(0).segment<3>(3 * f) +
                 plan.foot_positions.row(1).segment<3>(3 * f)).transpose();
  }
  CHECK(swings_seen >= 6);
  CHECK(max_swing_z > 0.5 * s.step_height_m);
  CHECK(state.base_position[0] > 1.2);
  // Footholds alternate between the feet.
  for (int k = 1; k < plan.n_footholds; ++k)
    CHECK(plan.footholds[k].foot != plan.footholds[k - 1].foot);
  // A zero command held past stop_delay_s returns to double support.
  for (int k = 0; k < 100; ++k)
    planner.plan(4.0 + 0.02 * k, state, VelocityCommand{}, 25, 0.04, plan);
  CHECK(plan.contact(0, 0) && plan.contact(0, 1) && plan.n_footholds == 0);

  CHECK_THROWS(planner.plan(6.0, state, walk, 65, 0.04, plan));
  CHECK_THROWS(planner.plan(6.0, state, walk, 10, 0.0, plan));
  return TEST_MAIN_RETURN();
}
