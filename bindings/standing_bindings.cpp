// Python bindings of cerebellum::StandingController (module cerebellum._core): the `wbc`
// controller of `cerebellum run` (controllers/wbc.py) ticks it, safety layer included.
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "cerebellum/standing_controller.hpp"
#include "safety_convert.hpp"
#include "state_convert.hpp"

namespace py = pybind11;
using namespace cerebellum;
using cerebellum_bindings::safety_report;
using cerebellum_bindings::StateBuffer;

namespace {

/// A StandingController with the state buffer it reads Python states into; the Robot is kept
/// alive by the Python object (keep_alive).
struct PyStandingController : StateBuffer {
  PyStandingController(Robot& robot, const WholeBodyQPSettings& s, const Eigen::VectorXd& q_stand,
                       const SafetySettings& safety, double dt_s)
      : StateBuffer(robot.nv() - 6), ctl(robot, s, q_stand, safety, dt_s) {}
  StandingController ctl;
};

}  // namespace

void register_standing(py::module_& m) {
  py::class_<PyStandingController> cls(m, "StandingController", R"doc(
Double-support balance on the whole-body QP, through the safety layer (docs/safety.md):
tick(state, command) -> joint torques (nj,) N m. state: a sim.state.RobotState with base; command:
None or an object with vx, vy, yaw_rate (ignored but for its stamp_s, the command watchdog).
reset(state) holds the CoM where it is, the base upright at its yaw, the joints at q_stand.)doc");
  cls.def(py::init([](Robot& robot, const WholeBodyQPSettings& s, const Eigen::VectorXd& q_stand,
                       const SafetySettings& safety, double dt_s) {
             return new PyStandingController(robot, s, q_stand, safety, dt_s);
           }),
           py::arg("robot"), py::arg("settings"), py::arg("q_stand"),
           py::arg("safety") = SafetySettings(), py::arg("dt_s") = 0.001, py::keep_alive<1, 2>());
  cerebellum_bindings::def_reset_tick(cls);
  cls.def_property_readonly("ticks", [](const PyStandingController& w) { return w.ctl.ticks(); })
      .def_property_readonly("failures",
                             [](const PyStandingController& w) { return w.ctl.qp().failures(); })
      .def_property_readonly("status",
                             [](const PyStandingController& w) { return w.ctl.qp().status(); })
      .def_property_readonly("last_tick_us",
                             [](const PyStandingController& w) { return w.ctl.last_tick_us(); })
      .def_property_readonly("last_wbc_us",
                             [](const PyStandingController& w) { return w.ctl.qp().last_tick_us(); })
      .def_property_readonly(
          "safety", [](const PyStandingController& w) { return safety_report(w.ctl.safety()); },
          "The safety layer's counters: {enabled, mode, ticks, safe_stop (None or {t_s, reason}), "
          "events {name: {count, first_t_s}}} (docs/safety.md).")
      .def_property_readonly("safety_mode", [](const PyStandingController& w) {
        return std::string(to_string(w.ctl.safety().mode()));
      });
}
