// Python bindings of the command shaping, CoP plan, balance law and capture step of walking
// (command_shaping.hpp, cop_plan.hpp, balance_law.hpp, capture_step.hpp; module cerebellum._core).
//
// Footholds, velocity commands and gait settings are read from any Python object with the fields
// of cerebellum.controllers.gait.Foothold, VelocityCommand and GaitSettings.
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cerebellum/balance_law.hpp"
#include "cerebellum/capture_step.hpp"
#include "cerebellum/command_shaping.hpp"
#include "cerebellum/com_plan.hpp"
#include "cerebellum/cop_plan.hpp"
#include "gait_convert.hpp"

namespace py = pybind11;
using namespace cerebellum;
using cerebellum_bindings::command_from;
using cerebellum_bindings::gait_settings_from;

namespace {

using DArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

const double* checked(const DArray& a, py::ssize_t n, const char* name) {
  if (a.size() != n)
    throw std::invalid_argument(std::string(name) + ": expected " + std::to_string(n) +
                                " entries, got " + std::to_string(a.size()));
  return a.data();
}
Eigen::Vector2d vec2(const DArray& a, const char* name) {
  const double* d = checked(a, 2, name);
  return Eigen::Vector2d(d[0], d[1]);
}
Eigen::Vector3d vec3(const DArray& a, const char* name) {
  const double* d = checked(a, 3, name);
  return Eigen::Vector3d(d[0], d[1], d[2]);
}

/// feet (2, 3) sole origins m, yaws (2,) rad.
FeetPoses feet_poses(const DArray& feet, const DArray& yaws) {
  const double* p = checked(feet, 6, "feet (2, 3)");
  const double* y = checked(yaws, 2, "yaws (2,)");
  FeetPoses out;
  for (int f = 0; f < 2; ++f)
    out[f] = {Eigen::Vector3d(p[3 * f], p[3 * f + 1], p[3 * f + 2]), y[f]};
  return out;
}

double number(const py::handle& obj, const char* name) {
  return py::cast<double>(py::float_(obj.attr(name)));
}

py::tuple command_tuple(const VelocityCommand& c) { return py::make_tuple(c.vx, c.vy, c.yaw_rate); }

std::vector<Foothold> footholds_from(const py::sequence& seq) {
  std::vector<Foothold> out;
  out.reserve(seq.size());
  for (const py::handle& o : seq) {
    Foothold f;
    f.foot = py::cast<int>(o.attr("foot"));
    f.position = vec3(DArray::ensure(o.attr("position")), "foothold position");
    f.yaw = number(o, "yaw");
    f.t_liftoff = number(o, "t_liftoff");
    f.t_touchdown = number(o, "t_touchdown");
    if (py::hasattr(o, "normal") && !o.attr("normal").is_none())
      f.normal = vec3(DArray::ensure(o.attr("normal")), "foothold normal");
    if (py::hasattr(o, "feasible")) f.feasible = py::cast<bool>(o.attr("feasible"));
    out.push_back(f);
  }
  return out;
}

py::tuple waypoints_tuple(const double* times, const Eigen::Vector2d* cops, int k) {
  py::array_t<double> t(k), c({static_cast<py::ssize_t>(k), static_cast<py::ssize_t>(2)});
  auto tv = t.mutable_unchecked<1>();
  auto cv = c.mutable_unchecked<2>();
  for (int i = 0; i < k; ++i) {
    tv(i) = times[i];
    cv(i, 0) = cops[i][0];
    cv(i, 1) = cops[i][1];
  }
  return py::make_tuple(t, c);
}

py::tuple box_tuple(const Box2& b) { return py::make_tuple(b.lo, b.hi); }
py::tuple reference_tuple(const ComReference& r) { return py::make_tuple(r.com, r.vcom, r.acom); }

}  // namespace

void register_balance(py::module_& m) {
  // -- command shaping ----------------------------------------------------------------------
  py::class_<CommandShapingSettings>(m, "CommandShapingSettings",
                                     "WalkingOptions fields of command shaping (see "
                                     "command_shaping.hpp).")
      .def(py::init<>())
      .def_readwrite("max_accel_mps2", &CommandShapingSettings::max_accel_mps2)
      .def_readwrite("max_yaw_accel_rad_s2", &CommandShapingSettings::max_yaw_accel_rad_s2)
      .def_readwrite("forward_drift_gain", &CommandShapingSettings::forward_drift_gain)
      .def_readwrite("max_forward_drift_m", &CommandShapingSettings::max_forward_drift_m)
      .def_readwrite("max_forward_correction_mps",
                     &CommandShapingSettings::max_forward_correction_mps)
      .def_readwrite("lateral_drift_gain", &CommandShapingSettings::lateral_drift_gain)
      .def_readwrite("max_lateral_drift_m", &CommandShapingSettings::max_lateral_drift_m)
      .def_readwrite("max_lateral_correction_mps",
                     &CommandShapingSettings::max_lateral_correction_mps)
      .def("validate", &CommandShapingSettings::validate);

  py::class_<CommandRamp>(m, "CommandRamp", "Acceleration-limited velocity command.")
      .def(py::init<const CommandShapingSettings&>(),
           py::arg_v("settings", CommandShapingSettings{}, "CommandShapingSettings()"))
      .def("reset", &CommandRamp::reset)
      .def(
          "step",
          [](CommandRamp& r, double t, const py::object& target) {
            return command_tuple(r.step(t, command_from(target)));
          },
          py::arg("t"), py::arg("target"),
          "(vx, vy, yaw_rate) moved toward target (object with vx, vy, yaw_rate, or 3 numbers) "
          "at the acceleration limits since the previous call.")
      .def_property_readonly("command",
                             [](const CommandRamp& r) { return command_tuple(r.command()); })
      .def_property_readonly("t_prev", &CommandRamp::t_prev);

  py::class_<VelocityAverage>(m, "VelocityAverage", "CoM velocity averaged over about one step.")
      .def(py::init<double>(), py::arg("window_s") = 0.5)
      .def("reset", &VelocityAverage::reset)
      .def(
          "update",
          [](VelocityAverage& a, double t, const DArray& vcom) {
            return a.update(t, vec2(vcom, "vcom"));
          },
          py::arg("t"), py::arg("vcom"), "Feeds vcom (2,) m/s at t s; returns dt s since the last.")
      .def_property_readonly("value", &VelocityAverage::value, "(2,) m/s, world x, y")
      .def_property_readonly("t_prev", &VelocityAverage::t_prev);

  py::class_<DriftCorrection>(m, "DriftCorrection",
                              "Drift accumulated while walking, fed back into vx, vy.")
      .def(py::init<const CommandShapingSettings&>(),
           py::arg_v("settings", CommandShapingSettings{}, "CommandShapingSettings()"))
      .def("reset", &DriftCorrection::reset)
      .def(
          "correct",
          [](DriftCorrection& d, const py::object& cmd, const DArray& vcom_avg, double yaw,
             double dt, bool walking, double deadband) {
            return command_tuple(d.correct(command_from(cmd), vec2(vcom_avg, "vcom_avg"), yaw, dt,
                                           walking, deadband));
          },
          py::arg("cmd"), py::arg("vcom_avg"), py::arg("yaw"), py::arg("dt"), py::arg("walking"),
          py::arg("deadband"))
      .def_property(
          "drift", &DriftCorrection::drift,
          [](DriftCorrection& d, const DArray& v) { d.set_drift(vec2(v, "drift")); },
          "(2,) forward, lateral drift, m, heading frame");

  // -- CoP plan -------------------------------------------------------------------------------
  py::class_<SoleGeometry>(m, "SoleGeometry",
                           "Sole centre and CoP command bounds in the sole frame (m).")
      .def(py::init<>())
      .def_static("from_sole_rectangle", &SoleGeometry::from_sole_rectangle,
                  py::arg("sole_rectangle"), py::arg("cop_margin"), py::arg("lateral_scale") = 1.0)
      .def_readwrite("centre", &SoleGeometry::centre, "(2,) sole frame, m")
      .def_readwrite("cop_box", &SoleGeometry::cop_box, "x_min, x_max, y_min, y_max, m")
      .def(
          "centre_at",
          [](const SoleGeometry& g, const DArray& position, double yaw) {
            return g.centre_at({vec3(position, "position"), yaw});
          },
          py::arg("position"), py::arg("yaw"))
      .def(
          "support_box",
          [](const SoleGeometry& g, const DArray& feet, const DArray& yaws) {
            return box_tuple(g.support_box(feet_poses(feet, yaws)));
          },
          py::arg("feet"), py::arg("yaws"), "(lo (2,), hi (2,)) for feet (2, 3), yaws (2,)")
      .def(
          "dcm_outside",
          [](const SoleGeometry& g, const DArray& dcm, const DArray& feet, const DArray& yaws,
             double margin_m) {
            return g.dcm_outside(vec2(dcm, "dcm"), feet_poses(feet, yaws), margin_m);
          },
          py::arg("dcm"), py::arg("feet"), py::arg("yaws"), py::arg("margin_m"));

  py::class_<SupportArea>(m, "SupportArea", "Swing intervals and stance soles of a plan.")
      .def(py::init<const SoleGeometry&, int>(), py::arg("geometry"), py::arg("max_swings") = 16)
      .def(
          "set",
          [](SupportArea& s, const py::sequence& swings, const DArray& feet, const DArray& yaws) {
            const auto f = footholds_from(swings);
            s.set(f.data(), static_cast<int>(f.size()), feet_poses(feet, yaws));
          },
          py::arg("swings"), py::arg("feet"), py::arg("yaws"),
          "swings: the plan's footholds; feet (2, 3) m, yaws (2,) rad: stance soles.")
      .def(
          "clip",
          [](const SupportArea& s, const DArray& cop, double t) {
            return s.clip(vec2(cop, "cop"), t);
          },
          py::arg("cop"), py::arg("t"))
      .def_property_readonly("geometry", &SupportArea::geometry)
      .def("size", &SupportArea::size)
      .def_property_readonly("capacity", &SupportArea::capacity);

  py::class_<CopPlan>(m, "CopPlan", "CoP waypoints of the LIPM/DCM plan, fixed capacity.")
      .def(py::init([](const py::object& gait, const SoleGeometry& g, int max_footholds) {
             return CopPlan(gait_settings_from(gait), g, max_footholds);
           }),
           py::arg("gait"), py::arg("geometry"), py::arg("max_footholds") = 16,
           "gait: an object with the GaitSettings fields.")
      .def(
          "waypoints",
          [](CopPlan& p, double t, const py::sequence& footholds, const DArray& feet,
             const DArray& yaws, const std::optional<std::pair<int, double>>& last) {
            const auto f = footholds_from(footholds);
            std::optional<Touchdown> td;
            if (last) td = Touchdown{last->first, last->second};
            const int k =
                p.waypoints(t, f.data(), static_cast<int>(f.size()), feet_poses(feet, yaws), td);
            return waypoints_tuple(p.times(), p.cops(), k);
          },
          py::arg("t"), py::arg("footholds"), py::arg("feet"), py::arg("yaws"),
          py::arg("last_touchdown") = py::none(),
          "(times (K,), cops (K, 2)); last_touchdown (foot, t_s) or None.")
      .def(
          "anchor",
          [](CopPlan& p, double t, const DArray& times, const DArray& cops, const DArray& dcm,
             double omega, const SupportArea& support) -> py::object {
            if (times.ndim() != 1) throw std::invalid_argument("times: expected a 1-D array");
            const auto K = times.shape(0);
            if (cops.ndim() != 2 || cops.shape(0) != K || cops.shape(1) != 2)
              throw std::invalid_argument("cops: expected shape (" + std::to_string(K) + ", 2)");
            if (!p.anchor(t, times.data(), reinterpret_cast<const Eigen::Vector2d*>(cops.data()),
                          static_cast<int>(K), vec2(dcm, "dcm"), omega, support))
              return py::none();
            return waypoints_tuple(p.anchored_times(), p.anchored_cops(), p.anchored_size());
          },
          py::arg("t"), py::arg("times"), py::arg("cops"), py::arg("dcm"), py::arg("omega"),
          py::arg("support"), "(times, cops) anchored to the DCM, or None when not anchored.")
      .def_property_readonly("capacity", &CopPlan::capacity)
      .def_property_readonly("max_footholds", &CopPlan::max_footholds);

  // -- balance law, capture step ----------------------------------------------------------------
  m.def(
      "dcm_law",
      [](double t, const DArray& com, const DArray& vcom, const ComPlan& plan, double omega,
         double k_dcm, const SupportArea& support) {
        if (plan.size() == 0) throw std::invalid_argument("dcm_law: the ComPlan has no plan");
        return dcm_law(t, vec2(com, "com"), vec2(vcom, "vcom"), plan, omega, k_dcm, support);
      },
      py::arg("t"), py::arg("com"), py::arg("vcom"), py::arg("plan"), py::arg("omega"),
      py::arg("k_dcm"), py::arg("support"), "(2,) horizontal CoM acceleration, m/s^2.");
  m.def(
      "dcm_law_about",
      [](double t, const DArray& com, const DArray& vcom, const DArray& com_ref,
         const DArray& vcom_ref, const DArray& acom_ref, double omega, double k_dcm,
         const SupportArea& support) {
        return dcm_law_about(t, vec2(com, "com"), vec2(vcom, "vcom"), vec2(com_ref, "com_ref"),
                             vec2(vcom_ref, "vcom_ref"), vec2(acom_ref, "acom_ref"), omega, k_dcm,
                             support);
      },
      py::arg("t"), py::arg("com"), py::arg("vcom"), py::arg("com_ref"), py::arg("vcom_ref"),
      py::arg("acom_ref"), py::arg("omega"), py::arg("k_dcm"), py::arg("support"),
      "(2,) horizontal CoM acceleration of the DCM law around a CoM trajectory, m/s^2.");
  m.def(
      "lipm_com_reference",
      [](const DArray& com, const DArray& vcom, const DArray& acom_xy,
         const std::array<double, 3>& ground, double com_height_m) {
        return reference_tuple(lipm_com_reference(vec3(com, "com"), vec3(vcom, "vcom"),
                                                  vec2(acom_xy, "acom_xy"), ground, com_height_m));
      },
      py::arg("com"), py::arg("vcom"), py::arg("acom_xy"), py::arg("ground"),
      py::arg("com_height_m"), "(com, vcom, acom) (3,) each; ground = (z, dz, ddz).");
  m.def(
      "mpc_com_reference",
      [](const DArray& com, const DArray& vcom, const DArray& wrenches, double mass_kg,
         const DArray& mpc_com, const DArray& mpc_vcom, bool dcm_feedback,
         const DArray& acom_xy) {
        const double* w = checked(wrenches, 12, "wrenches (2, 6)");
        Eigen::Matrix<double, 2, 6> W;
        for (int i = 0; i < 2; ++i)
          for (int j = 0; j < 6; ++j) W(i, j) = w[6 * i + j];
        return reference_tuple(mpc_com_reference(
            vec3(com, "com"), vec3(vcom, "vcom"), W, mass_kg, vec3(mpc_com, "mpc_com"),
            vec3(mpc_vcom, "mpc_vcom"), dcm_feedback, vec2(acom_xy, "acom_xy")));
      },
      py::arg("com"), py::arg("vcom"), py::arg("wrenches"), py::arg("mass_kg"), py::arg("mpc_com"),
      py::arg("mpc_vcom"), py::arg("dcm_feedback"), py::arg("acom_xy"),
      "(com, vcom, acom) (3,) each.");
  m.def(
      "capture_state",
      [](double t, const DArray& base_position, const DArray& com, const DArray& vcom,
         const DArray& feet, const DArray& yaws, double yaw, const py::object& cmd, int swing_foot,
         double t_liftoff, double t_touchdown, const py::object& gait, const SoleGeometry& g,
         double omega) {
        const CaptureState s = capture_state(
            t, vec3(base_position, "base_position"), vec2(com, "com"), vec2(vcom, "vcom"),
            feet_poses(feet, yaws), yaw, command_from(cmd), swing_foot, t_liftoff, t_touchdown,
            gait_settings_from(gait), g, omega);
        return py::make_tuple(s.base_position, s.base_velocity);
      },
      py::arg("t"), py::arg("base_position"), py::arg("com"), py::arg("vcom"), py::arg("feet"),
      py::arg("yaws"), py::arg("yaw"), py::arg("cmd"), py::arg("swing_foot"), py::arg("t_liftoff"),
      py::arg("t_touchdown"), py::arg("gait"), py::arg("geometry"), py::arg("omega"),
      "(base_position (3,), base_velocity (3,)) for the foothold planner.");
}
