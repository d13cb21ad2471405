// The safety layer's counters as a Python dict (the `safety` entry of the C++ controller's stats).
#pragma once

#include <pybind11/pybind11.h>

#include <cmath>

#include "cerebellum/safety_layer.hpp"

namespace cerebellum_bindings {

/// {"enabled", "mode", "ticks", "safe_stop": None | {"t_s", "reason"},
///  "events": {name: {"count", "first_t_s" (None: never)}}}, every event listed.
inline pybind11::dict safety_report(const cerebellum::SafetyLayer& layer) {
  namespace py = pybind11;
  using cerebellum::SafetyEvent;
  const cerebellum::SafetyStats& s = layer.stats();
  py::dict events;
  for (int i = 0; i < cerebellum::SafetyStats::kEvents; ++i) {
    py::dict e;
    e["count"] = s.count[static_cast<size_t>(i)];
    const double t = s.first_t_s[static_cast<size_t>(i)];
    e["first_t_s"] = s.count[static_cast<size_t>(i)] && std::isfinite(t) ? py::object(py::float_(t))
                                                                          : py::object(py::none());
    events[to_string(static_cast<SafetyEvent>(i))] = e;
  }
  py::dict d;
  d["enabled"] = layer.settings().enabled;
  d["mode"] = to_string(s.mode);
  d["ticks"] = s.ticks;
  if (s.safe_stop_reason != SafetyEvent::kCount) {
    py::dict stop;
    stop["t_s"] = s.safe_stop_t_s;
    stop["reason"] = to_string(s.safe_stop_reason);
    d["safe_stop"] = stop;
  } else {
    d["safe_stop"] = py::none();
  }
  d["events"] = events;
  return d;
}

}  // namespace cerebellum_bindings
