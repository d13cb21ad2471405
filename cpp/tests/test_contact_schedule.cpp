// ContactSchedule against the closed-form timing of a walk: start double support, alternating
// swings of single_support_s every step_duration_s, stop after a zero command held stop_delay_s;
// GaitSettings::validate names the offending field.
#include <stdexcept>
#include <string>

#include "cerebellum/contact_schedule.hpp"
#include "check.hpp"

using namespace cerebellum;

int main() {
  GaitSettings s;
  s.step_duration_s = 0.4;
  s.double_support_ratio = 0.2;  // swing 0.32 s
  s.initial_double_support_s = 0.3;
  s.validate();
  ContactSchedule sched(s);
  CHECK(!sched.is_walking(0.0));
  auto f = sched.flags(0.5);
  CHECK(f[kLeft] && f[kRight]);

  // a forward command at t = 1 starts walking: the first swing (left) lifts off at 1.3 s
  sched.update(1.0, VelocityCommand{0.5, 0.0, 0.0});
  CHECK(sched.is_walking(1.0));
  SwingInterval sw[8];
  const int n = sched.swings(1.0, 2.5, sw, 8);
  CHECK(n >= 3);
  for (int k = 0; k < n; ++k) {
    CHECK(sw[k].foot == (k % 2 == 0 ? kLeft : kRight));
    CHECK_NEAR(sw[k].t_liftoff, 1.3 + 0.4 * k, 1e-12);
    CHECK_NEAR(sw[k].t_touchdown, 1.3 + 0.4 * k + 0.32, 1e-12);
  }
  f = sched.flags(1.29);
  CHECK(f[kLeft] && f[kRight]);
  f = sched.flags(1.31);
  CHECK(!f[kLeft] && f[kRight]);
  f = sched.flags(1.70);  // double support between the first two swings
  CHECK(f[kLeft] && f[kRight]);
  f = sched.flags(1.75);
  CHECK(f[kLeft] && !f[kRight]);
  CHECK_NEAR(sched.swing_phase(1.3 + 0.16, kLeft), 0.5, 1e-12);
  CHECK(std::isnan(sched.swing_phase(1.3 + 0.16, kRight)));
  double times[3] = {1.29, 1.31, 1.75};
  bool out[6];
  sched.flags_at(times, 3, out);
  CHECK(out[0] && out[1] && !out[2] && out[3] && out[4] && !out[5]);

  // a zero command from t = 2.0, held 0.2 s: the swing in progress at 2.2 (left, 2.1-2.42)
  // finishes, then double support for good
  sched.update(2.0, VelocityCommand{});
  sched.update(2.2, VelocityCommand{});
  CHECK(!sched.is_walking(2.5));
  f = sched.flags(2.3);
  CHECK(!f[kLeft] && f[kRight]);
  for (double t = 2.43; t < 4.0; t += 0.01) {
    f = sched.flags(t);
    CHECK(f[kLeft] && f[kRight]);
  }

  // invalid settings name their field
  GaitSettings bad = s;
  bad.step_duration_s = 0.05;
  try {
    bad.validate();
    CHECK(false && "validate accepted step_duration_s = 0.05");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("'step_duration_s'") != std::string::npos);
  }
  bad = s;
  bad.min_step_width_m = 0.01;  // below the sole width
  CHECK_THROWS(bad.validate());
  return TEST_MAIN_RETURN();
}
