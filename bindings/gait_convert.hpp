// Conversions from the Python gait types (controllers/gait.py GaitSettings, VelocityCommand,
// FootholdSearch; sim.terrain.Terrain) to their C++ counterparts, and the
// binding of cerebellum::Foothold. Shared by the gait-layer binding files.
#pragma once

#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "cerebellum/footstep_planner.hpp"
#include "cerebellum/gait_settings.hpp"
#include "cerebellum/terrain.hpp"

namespace cerebellum_bindings {

namespace py = pybind11;

inline double attr_or_nan(py::handle obj, const char* name) {
  py::object v = obj.attr(name);
  return v.is_none() ? std::numeric_limits<double>::quiet_NaN() : py::cast<double>(v);
}

/// C++ GaitSettings from any object with GaitSettings' attributes (None: NaN); validated.
inline cerebellum::GaitSettings gait_settings_from(py::handle obj) {
  cerebellum::GaitSettings s;
#define CB_FIELD(f) s.f = attr_or_nan(obj, #f)
  CB_FIELD(step_duration_s);
  CB_FIELD(double_support_ratio);
  CB_FIELD(step_height_m);
  CB_FIELD(max_step_length_m);
  CB_FIELD(max_step_width_m);
  CB_FIELD(min_step_width_m);
  CB_FIELD(nominal_width_m);
  CB_FIELD(nominal_foot_x_m);
  CB_FIELD(base_height_m);
  CB_FIELD(com_height_m);
  CB_FIELD(fast_double_support_ratio);
  CB_FIELD(fast_speed_mps);
  CB_FIELD(swing_apex_phase);
  CB_FIELD(swing_clearance_m);
  CB_FIELD(swing_xy_ramp);
  CB_FIELD(swing_xy_ramp_travel_m);
  CB_FIELD(velocity_feedback_gain);
  CB_FIELD(touchdown_freeze_phase);
  CB_FIELD(initial_double_support_s);
  CB_FIELD(stop_delay_s);
  CB_FIELD(command_deadband);
#undef CB_FIELD
  s.capture_point_feedback = py::cast<bool>(obj.attr("capture_point_feedback"));
  s.sole_rectangle = py::cast<std::array<double, 4>>(obj.attr("sole_rectangle"));
  s.validate();
  return s;
}

/// C++ FootholdSearch from any object with FootholdSearch's attributes (None: the defaults).
inline cerebellum::FootholdSearch foothold_search_from(py::handle obj) {
  cerebellum::FootholdSearch q;
  if (obj.is_none()) return q;
#define CB_FIELD(f) q.f = py::cast<double>(obj.attr(#f))
  CB_FIELD(search_radius_m);
  CB_FIELD(grid_step_m);
  CB_FIELD(max_slope_rad);
  CB_FIELD(max_roughness_m);
  CB_FIELD(edge_margin_m);
  CB_FIELD(max_edge_step_m);
  CB_FIELD(max_step_height_m);
  CB_FIELD(replan_tolerance_m);
  CB_FIELD(distance_weight);
  CB_FIELD(roughness_weight);
  CB_FIELD(slope_weight);
#undef CB_FIELD
  q.validate();
  return q;
}

/// VelocityCommand from an object with vx, vy, yaw_rate, or a sequence of 3 numbers.
inline cerebellum::VelocityCommand command_from(py::handle obj) {
  if (py::hasattr(obj, "vx"))
    return {py::cast<double>(obj.attr("vx")), py::cast<double>(obj.attr("vy")),
            py::cast<double>(obj.attr("yaw_rate"))};
  const auto v = py::cast<std::vector<double>>(obj);
  if (v.size() != 3)
    throw std::invalid_argument("command: expected vx, vy, yaw_rate (an object or 3 numbers)");
  return {v[0], v[1], v[2]};
}

/// The compiled terrain of `obj`: None -> nullptr, a _core.TerrainQuery, or an object whose
/// query() returns one (sim.terrain.Terrain); `keep` holds the Python object for the call.
inline const cerebellum::TerrainQuery* terrain_from(py::handle obj, py::object& keep) {
  if (obj.is_none()) return nullptr;
  keep = py::reinterpret_borrow<py::object>(obj);
  if (!py::isinstance<cerebellum::TerrainQuery>(keep)) {
    if (!py::hasattr(keep, "query"))
      throw std::invalid_argument(
          "terrain: expected None, a _core.TerrainQuery, or a sim.terrain.Terrain (with query())");
    keep = keep.attr("query")();
    if (!py::isinstance<cerebellum::TerrainQuery>(keep))
      throw std::invalid_argument("terrain: query() did not return a _core.TerrainQuery");
  }
  return keep.cast<const cerebellum::TerrainQuery*>();
}

}  // namespace cerebellum_bindings
