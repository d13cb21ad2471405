// Python bindings of cerebellum::SafetySettings (module cerebellum._core); the layer's counters
// come with the controller that runs it (safety_convert.hpp).
#include <pybind11/pybind11.h>

#include "cerebellum/safety_layer.hpp"

namespace py = pybind11;
using cerebellum::SafetySettings;

void register_safety(py::module_& m) {
  py::class_<SafetySettings>(m, "SafetySettings",
                             "Settings of the safety layer of the C++ controller tick (see "
                             "docs/safety.md); the defaults change nothing in normal walking.")
      .def(py::init<>())
      .def_readwrite("enabled", &SafetySettings::enabled)
      .def_readwrite("max_sensor_age_s", &SafetySettings::max_sensor_age_s)
      .def_readwrite("max_command_age_s", &SafetySettings::max_command_age_s)
      .def_readwrite("position_tolerance_rad", &SafetySettings::position_tolerance_rad)
      .def_readwrite("max_joint_speed_radps", &SafetySettings::max_joint_speed_radps)
      .def_readwrite("max_gyro_radps", &SafetySettings::max_gyro_radps)
      .def_readwrite("max_acc_mps2", &SafetySettings::max_acc_mps2)
      .def_readwrite("torque_rate_per_s", &SafetySettings::torque_rate_per_s)
      .def_readwrite("position_margin_rad", &SafetySettings::position_margin_rad)
      .def_readwrite("position_damping_s", &SafetySettings::position_damping_s)
      .def_readwrite("velocity_limit_radps", &SafetySettings::velocity_limit_radps)
      .def_readwrite("velocity_margin", &SafetySettings::velocity_margin)
      .def_readwrite("velocity_damping_s", &SafetySettings::velocity_damping_s)
      .def_readwrite("fall_tilt_rad", &SafetySettings::fall_tilt_rad)
      .def_readwrite("fall_height_fraction", &SafetySettings::fall_height_fraction)
      .def_readwrite("hold_s", &SafetySettings::hold_s)
      .def_readwrite("damping_s", &SafetySettings::damping_s)
      .def_readwrite("damping_torque_fraction", &SafetySettings::damping_torque_fraction)
      .def("validate", &SafetySettings::validate, "ValueError naming the first invalid field.");
}
