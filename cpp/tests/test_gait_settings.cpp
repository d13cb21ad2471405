// GaitSettings' derived timing and VelocityCommand against their closed forms.
#include <cmath>

#include "cerebellum/gait_settings.hpp"
#include "check.hpp"

using namespace cerebellum;

int main() {
  GaitSettings s;
  s.step_duration_s = 0.4;
  s.double_support_ratio = 0.2;
  CHECK_NEAR(s.double_support_s(), 0.08, 1e-15);
  CHECK_NEAR(s.single_support_s(), 0.32, 1e-15);
  CHECK_NEAR(s.stance_duration_s(), 0.48, 1e-15);
  CHECK_NEAR(s.start_double_support_s(), 0.1, 1e-15);  // max(double support, 0.1) by default
  s.initial_double_support_s = 0.3;
  CHECK_NEAR(s.start_double_support_s(), 0.3, 1e-15);
  // without a fast ratio every speed has the same swing; with one, linear in |vx| up to the speed
  CHECK_NEAR(s.single_support_at(2.0), s.single_support_s(), 1e-15);
  s.fast_double_support_ratio = 0.05;
  s.fast_speed_mps = 1.0;
  CHECK_NEAR(s.single_support_at(0.0), 0.32, 1e-15);
  CHECK_NEAR(s.single_support_at(-0.5), 0.4 - 0.125 * 0.4, 1e-15);
  CHECK_NEAR(s.single_support_at(3.0), 0.38, 1e-15);
  s.com_height_m = 0.981;
  s.velocity_feedback_gain = 0.05;
  CHECK_NEAR(s.feedback_gain_s(), 0.05 + std::sqrt(0.1), 1e-15);
  s.capture_point_feedback = false;
  CHECK_NEAR(s.feedback_gain_s(), 0.05, 1e-15);

  VelocityCommand c{1.0, 0.5, 0.0};
  CHECK(!c.is_zero());
  CHECK((VelocityCommand{1e-4, -1e-4, 0.0}.is_zero()));
  const auto w = c.world_velocity(M_PI / 2);
  CHECK_NEAR(w[0], -0.5, 1e-15);
  CHECK_NEAR(w[1], 1.0, 1e-15);
  return TEST_MAIN_RETURN();
}
