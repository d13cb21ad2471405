// GaitSettings::validate(): the checks of controllers/gait.py's GaitSettings.__post_init__, in order.
#include "cerebellum/gait_settings.hpp"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace cerebellum {
namespace {

/// Shortest decimal that reads back as v (like Python's repr of a float).
std::string num(double v) {
  char buf[64];
  for (int p = 1; p <= 17; ++p) {
    std::snprintf(buf, sizeof buf, "%.*g", p, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s(buf);
  if (std::isfinite(v) && s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

std::string fixed3(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

void require(bool cond, const char* field, const std::string& problem) {
  if (!cond) throw std::invalid_argument(std::string("gait setting '") + field + "': " + problem);
}

}  // namespace

void GaitSettings::validate() const {
  const struct {
    const char* name;
    double v;
    bool optional;
  } fields[] = {
      {"step_duration_s", step_duration_s, false},
      {"double_support_ratio", double_support_ratio, false},
      {"step_height_m", step_height_m, false},
      {"max_step_length_m", max_step_length_m, false},
      {"max_step_width_m", max_step_width_m, false},
      {"min_step_width_m", min_step_width_m, false},
      {"nominal_width_m", nominal_width_m, false},
      {"nominal_foot_x_m", nominal_foot_x_m, false},
      {"base_height_m", base_height_m, false},
      {"com_height_m", com_height_m, false},
      {"sole_rectangle", 0.0, false},
      {"fast_double_support_ratio", fast_double_support_ratio, true},
      {"fast_speed_mps", fast_speed_mps, false},
      {"swing_apex_phase", swing_apex_phase, false},
      {"swing_clearance_m", swing_clearance_m, false},
      {"swing_xy_ramp", swing_xy_ramp, false},
      {"swing_xy_ramp_travel_m", swing_xy_ramp_travel_m, false},
      {"velocity_feedback_gain", velocity_feedback_gain, false},
      {"touchdown_freeze_phase", touchdown_freeze_phase, false},
      {"initial_double_support_s", initial_double_support_s, true},
      {"stop_delay_s", stop_delay_s, false},
      {"command_deadband", command_deadband, false},
  };
  for (const auto& f : fields) {
    if (std::string(f.name) == "sole_rectangle") {
      bool ok = true;
      for (double x : sole_rectangle) ok = ok && std::isfinite(x);
      require(ok, f.name, "expected 4 finite numbers");
      continue;
    }
    if (f.optional && std::isnan(f.v)) continue;  // None
    require(std::isfinite(f.v), f.name, "expected a finite number, got " + num(f.v));
  }
  require(0.1 <= step_duration_s && step_duration_s <= 5.0, "step_duration_s",
          "expected 0.1..5 s, got " + num(step_duration_s));
  require(0.0 <= double_support_ratio && double_support_ratio <= 0.8, "double_support_ratio",
          "expected 0..0.8, got " + num(double_support_ratio));
  require(single_support_s() >= 0.08, "double_support_ratio",
          "leaves a swing of " + fixed3(single_support_s()) + " s (< 0.08 s)");
  if (!std::isnan(fast_double_support_ratio)) {
    const double r = fast_double_support_ratio;
    require(0.0 <= r && r <= 0.8, "fast_double_support_ratio", "expected 0..0.8, got " + num(r));
    require(step_duration_s * (1.0 - r) >= 0.08, "fast_double_support_ratio",
            "leaves a swing of " + fixed3(step_duration_s * (1.0 - r)) + " s (< 0.08 s)");
  }
  require(fast_speed_mps > 0, "fast_speed_mps", "expected > 0 m/s, got " + num(fast_speed_mps));
  require(0.0 < step_height_m && step_height_m <= 0.5, "step_height_m",
          "expected 0 < h <= 0.5 m, got " + num(step_height_m));
  require(0.0 < max_step_length_m && max_step_length_m <= 2.0, "max_step_length_m",
          "expected 0 < L <= 2 m, got " + num(max_step_length_m));
  const double x0 = sole_rectangle[0], x1 = sole_rectangle[1], y0 = sole_rectangle[2],
               y1 = sole_rectangle[3];
  require(x0 < 0 && 0 < x1 && y0 < 0 && 0 < y1, "sole_rectangle",
          "expected x_min < 0 < x_max and y_min < 0 < y_max");
  const double sole_w = y1 - y0;
  require(min_step_width_m >= sole_w, "min_step_width_m",
          "must be >= the sole width " + fixed3(sole_w) + " m (feet would overlap), got " +
              num(min_step_width_m));
  require(max_step_width_m > min_step_width_m, "max_step_width_m",
          "must exceed min_step_width_m = " + num(min_step_width_m) + ", got " +
              num(max_step_width_m));
  require(min_step_width_m <= nominal_width_m && nominal_width_m <= max_step_width_m,
          "nominal_width_m",
          "must lie in [min_step_width_m, max_step_width_m] = [" + num(min_step_width_m) + ", " +
              num(max_step_width_m) + "], got " + num(nominal_width_m));
  require(base_height_m > 0, "base_height_m", "expected > 0, got " + num(base_height_m));
  require(com_height_m > 0, "com_height_m", "expected > 0, got " + num(com_height_m));
  require(0.2 <= swing_apex_phase && swing_apex_phase <= 0.8, "swing_apex_phase",
          "expected 0.2..0.8, got " + num(swing_apex_phase));
  require(0.0 <= swing_xy_ramp && swing_xy_ramp <= 0.5, "swing_xy_ramp",
          "expected 0..0.5 (0: quintic), got " + num(swing_xy_ramp));
  require(swing_xy_ramp_travel_m >= 0, "swing_xy_ramp_travel_m",
          "expected >= 0 m, got " + num(swing_xy_ramp_travel_m));
  require(swing_clearance_m >= 0, "swing_clearance_m",
          "expected >= 0, got " + num(swing_clearance_m));
  require(velocity_feedback_gain >= 0, "velocity_feedback_gain",
          "expected >= 0, got " + num(velocity_feedback_gain));
  require(0.0 <= touchdown_freeze_phase && touchdown_freeze_phase <= 1.0, "touchdown_freeze_phase",
          "expected 0..1, got " + num(touchdown_freeze_phase));
  if (!std::isnan(initial_double_support_s))
    require(initial_double_support_s >= 0, "initial_double_support_s",
            "expected >= 0 s, got " + num(initial_double_support_s));
  require(stop_delay_s >= 0, "stop_delay_s", "expected >= 0 s, got " + num(stop_delay_s));
  require(command_deadband >= 0, "command_deadband",
          "expected >= 0, got " + num(command_deadband));
}

}  // namespace cerebellum
