// Python bindings of cerebellum::KinodynamicMPC (used through cerebellum.controllers.mpc).
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "cerebellum/mpc.hpp"

namespace py = pybind11;
using cerebellum::KinodynamicMPC;
using cerebellum::KinodynamicMPCSettings;
using cerebellum::MPCStatus;

void register_mpc(py::module_& m) {
  py::enum_<MPCStatus>(m, "MPCStatus")
      .value("ok", MPCStatus::kOk)
      .value("not_run", MPCStatus::kNotRun)
      .value("qp_failed", MPCStatus::kQPFailed)
      .value("non_finite", MPCStatus::kNonFinite)
      .value("deadline", MPCStatus::kDeadline);

  py::class_<KinodynamicMPCSettings>(m, "KinodynamicMPCSettings")
      .def(py::init<>())
      .def_readwrite("library", &KinodynamicMPCSettings::library)
      .def_readwrite("N", &KinodynamicMPCSettings::N)
      .def_readwrite("nx", &KinodynamicMPCSettings::nx)
      .def_readwrite("nu", &KinodynamicMPCSettings::nu)
      .def_readwrite("np", &KinodynamicMPCSettings::np)
      .def_readwrite("ng", &KinodynamicMPCSettings::ng)
      .def_readwrite("nw", &KinodynamicMPCSettings::nw)
      .def_readwrite("num_feet", &KinodynamicMPCSettings::num_feet)
      .def_readwrite("contact_index", &KinodynamicMPCSettings::contact_index)
      .def_readwrite("rows_per_foot", &KinodynamicMPCSettings::rows_per_foot)
      .def_readwrite("num_inequality", &KinodynamicMPCSettings::num_inequality)
      .def_readwrite("x_lower", &KinodynamicMPCSettings::x_lower)
      .def_readwrite("x_upper", &KinodynamicMPCSettings::x_upper)
      .def_readwrite("w_stage", &KinodynamicMPCSettings::w_stage)
      .def_readwrite("w_terminal", &KinodynamicMPCSettings::w_terminal)
      .def_readwrite("sqp_iterations", &KinodynamicMPCSettings::sqp_iterations)
      .def_readwrite("qp_max_iter", &KinodynamicMPCSettings::qp_max_iter)
      .def_readwrite("qp_tol", &KinodynamicMPCSettings::qp_tol)
      .def_readwrite("qp_mode", &KinodynamicMPCSettings::qp_mode)
      .def_readwrite("qp_warm_start", &KinodynamicMPCSettings::qp_warm_start)
      .def_readwrite("qp_pred_corr", &KinodynamicMPCSettings::qp_pred_corr)
      .def_readwrite("qp_ric_alg", &KinodynamicMPCSettings::qp_ric_alg)
      .def_readwrite("qp_split_step", &KinodynamicMPCSettings::qp_split_step)
      .def_readwrite("qp_cond_horizon", &KinodynamicMPCSettings::qp_cond_horizon)
      .def_readwrite("qp_accept_residual", &KinodynamicMPCSettings::qp_accept_residual)
      .def_readwrite("qp_eq_band", &KinodynamicMPCSettings::qp_eq_band)
      .def_readwrite("deadline_us", &KinodynamicMPCSettings::deadline_us);

  py::class_<KinodynamicMPC>(m, "KinodynamicMPC")
      .def(py::init<const KinodynamicMPCSettings&>(), py::arg("settings"))
      .def("set_parameters", &KinodynamicMPC::set_parameters, py::arg("P"),
           "P (np, N+1): per-knot parameters, column k for knot k.")
      .def("set_guess", &KinodynamicMPC::set_guess, py::arg("X"), py::arg("U"),
           "X (nx, N+1), U (nu, N).")
      .def("shift", &KinodynamicMPC::shift, py::arg("knots"))
      .def(
          "solve",
          [](KinodynamicMPC& self, const Eigen::VectorXd& x0) {
            py::gil_scoped_release release;
            return self.solve(x0);
          },
          py::arg("x0"), "SQP iterations from the current guess; x0 (nx). Returns MPCStatus.")
      .def(
          "time_iteration",
          [](KinodynamicMPC& self, int n) {
            if (n < 1) throw py::value_error("n must be >= 1");
            Eigen::VectorXd out(n);
            {
              py::gil_scoped_release release;
              self.time_iteration(n, out);
            }
            return out;
          },
          py::arg("n"), "Times n single SQP iterations (C++ steady_clock), µs each, guess unchanged.")
      .def("set_deadline_us", &KinodynamicMPC::set_deadline_us)
      .def("set_qp_max_iter", &KinodynamicMPC::set_qp_max_iter)
      .def("set_qp_tol", &KinodynamicMPC::set_qp_tol)
      .def("set_sqp_iterations", &KinodynamicMPC::set_sqp_iterations)
      .def_property_readonly("X", &KinodynamicMPC::X, py::return_value_policy::copy)
      .def_property_readonly("U", &KinodynamicMPC::U, py::return_value_policy::copy)
      .def_property_readonly("status", &KinodynamicMPC::status)
      .def_property_readonly("qp_status", &KinodynamicMPC::qp_status)
      .def_property_readonly("qp_iterations", &KinodynamicMPC::qp_iterations)
      .def_property_readonly("sqp_iterations_done", &KinodynamicMPC::sqp_iterations_done)
      .def_property_readonly("cost", &KinodynamicMPC::cost)
      .def_property_readonly("step_norm", &KinodynamicMPC::step_norm)
      .def_property_readonly("failures", &KinodynamicMPC::failures)
      .def_property_readonly("deadline_misses", &KinodynamicMPC::deadline_misses)
      .def_property_readonly("solves", &KinodynamicMPC::solves)
      .def_property_readonly("last_solve_us", &KinodynamicMPC::last_solve_us)
      .def_property_readonly("last_eval_us", &KinodynamicMPC::last_eval_us)
      .def_property_readonly("last_qp_us", &KinodynamicMPC::last_qp_us);
}
