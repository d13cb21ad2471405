// Python bindings of cerebellum::ComPlan, DescentFilter, support_ground (module cerebellum._core).
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cerebellum/com_plan.hpp"

namespace py = pybind11;
using namespace cerebellum;

namespace {

using DArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

Eigen::Vector2d vec2(const DArray& a, const char* name) {
  if (a.size() != 2) throw std::invalid_argument(std::string(name) + ": expected 2 entries");
  return Eigen::Vector2d(a.data()[0], a.data()[1]);
}

void plan_np(ComPlan& p, const DArray& times, const DArray& cops, const DArray& com0,
             const DArray& vcom0, double omega) {
  if (times.ndim() != 1 || times.shape(0) == 0)
    throw std::invalid_argument("times: expected a non-empty 1-D array");
  const auto K = times.shape(0);
  if (cops.ndim() != 2 || cops.shape(0) != K || cops.shape(1) != 2)
    throw std::invalid_argument("cops: expected shape (" + std::to_string(K) + ", 2)");
  if (K > p.capacity())
    throw std::invalid_argument("ComPlan: " + std::to_string(K) + " waypoints exceed the capacity " +
                                std::to_string(p.capacity()));
  // Contiguous (K, 2) row-major doubles have the layout of K Eigen::Vector2d.
  p.plan(times.data(), reinterpret_cast<const Eigen::Vector2d*>(cops.data()), static_cast<int>(K),
         vec2(com0, "com0"), vec2(vcom0, "vcom0"), omega);
}

}  // namespace

void register_com(py::module_& m) {
  py::class_<ComSample>(m, "ComSample", "CoM plan at one time, world x, y (see com_plan.hpp).")
      .def_readonly("com", &ComSample::com, "(2,) m")
      .def_readonly("vcom", &ComSample::vcom, "(2,) m/s")
      .def_readonly("acom", &ComSample::acom, "(2,) m/s^2")
      .def_readonly("dcm", &ComSample::dcm, "(2,) m")
      .def_readonly("dcm_dot", &ComSample::dcm_dot, "(2,) m/s")
      .def_readonly("cop", &ComSample::cop, "(2,) m");

  py::class_<ComPlan>(m, "ComPlan",
                      "LIPM/DCM CoM plan over piecewise-linear CoP waypoints, fixed capacity.")
      .def(py::init<int>(), py::arg("capacity") = 64)
      .def("plan", &plan_np, py::arg("times"), py::arg("cops"), py::arg("com0"), py::arg("vcom0"),
           py::arg("omega"),
           "times (K,) s strictly increasing, cops (K, 2) m, com0 / vcom0 (2,) at times[0], "
           "omega 1/s.")
      .def("sample", &ComPlan::sample, py::arg("t"))
      .def(
          "com_at",
          [](const ComPlan& p, const DArray& t) {
            if (t.ndim() != 1) throw std::invalid_argument("t: expected a 1-D array");
            const auto n = t.shape(0);
            py::array_t<double> out({n, static_cast<py::ssize_t>(2)});
            auto o = out.mutable_unchecked<2>();
            for (py::ssize_t j = 0; j < n; ++j) {
              const Eigen::Vector2d c = p.com_at(t.data()[j]);
              o(j, 0) = c[0];
              o(j, 1) = c[1];
            }
            return out;
          },
          py::arg("t"), "(n, 2) planned CoM at the times t (n,) s.")
      .def("dcm_waypoint", &ComPlan::dcm_waypoint, py::arg("i"))
      .def_property_readonly("dcm_waypoints",
                             [](const ComPlan& p) {
                               py::array_t<double> out(
                                   {static_cast<py::ssize_t>(p.size()), static_cast<py::ssize_t>(2)});
                               auto o = out.mutable_unchecked<2>();
                               for (int i = 0; i < p.size(); ++i) {
                                 o(i, 0) = p.dcm_waypoint(i)[0];
                                 o(i, 1) = p.dcm_waypoint(i)[1];
                               }
                               return out;
                             })
      .def("size", &ComPlan::size)
      .def_property_readonly("capacity", &ComPlan::capacity)
      .def_property_readonly("omega", &ComPlan::omega)
      .def_property_readonly("vcom0", &ComPlan::vcom0);

  py::class_<DescentFilter>(m, "DescentFilter",
                            "Height reference: up at once, down with bounded speed/acceleration.")
      .def(py::init<double, double, double, double>(), py::arg("z"), py::arg("max_speed_mps") = 0.3,
           py::arg("max_accel_mps2") = 3.0, py::arg("min_drop_m") = 0.0)
      .def("reset", &DescentFilter::reset, py::arg("z"), py::arg("max_speed_mps"),
           py::arg("max_accel_mps2"), py::arg("min_drop_m") = 0.0)
      .def(
          "step",
          [](DescentFilter& f, double target, double dt) {
            const auto r = f.step(target, dt);
            return py::make_tuple(r[0], r[1], r[2]);
          },
          py::arg("target"), py::arg("dt"))
      .def_readonly("z", &DescentFilter::z)
      .def_readonly("dz", &DescentFilter::dz)
      .def_readonly("ddz", &DescentFilter::ddz)
      .def_readonly("max_speed_mps", &DescentFilter::max_speed_mps)
      .def_readonly("max_accel_mps2", &DescentFilter::max_accel_mps2)
      .def_readonly("min_drop_m", &DescentFilter::min_drop_m);

  m.def(
      "support_ground",
      [](const std::vector<double>& stance_z, std::optional<double> swing_z,
         std::optional<double> landed_z, double min_drop_m) {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        return support_ground(stance_z.data(), static_cast<int>(stance_z.size()),
                              swing_z.value_or(nan), landed_z.value_or(nan), min_drop_m);
      },
      py::arg("stance_z"), py::arg("swing_z") = py::none(), py::arg("landed_z") = py::none(),
      py::arg("min_drop_m") = 0.02);
  m.def("omega_for", &omega_for, py::arg("com_height_m"));
}
