// Python bindings of cerebellum::Robot. Pinocchio stays behind robot.hpp (pimpl).
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "cerebellum/robot.hpp"

namespace py = pybind11;
using cerebellum::Robot;

namespace {

using Array1d = py::array_t<double, py::array::c_style | py::array::forcecast>;
using ConstMap = Eigen::Map<const Eigen::VectorXd>;

/// Checks that x is a 1-D array of n finite-or-not float64 (finiteness is checked in C++).
ConstMap as_vector(const Array1d& x, py::ssize_t n, const char* name) {
  if (x.ndim() != 1 || x.shape(0) != n) {
    std::string got = "(";
    for (py::ssize_t d = 0; d < x.ndim(); ++d) {
      got += std::to_string(x.shape(d)) + (x.ndim() == 1 ? "," : (d + 1 < x.ndim() ? ", " : ""));
    }
    got += ")";
    throw py::value_error(std::string(name) + " must have shape (" + std::to_string(n) +
                          ",), got " + got);
  }
  return ConstMap(x.data(), n);
}

std::size_t frame_index(const Robot& r, py::ssize_t i) {
  const auto n = static_cast<py::ssize_t>(r.frame_names().size());
  if (i < 0) i += n;
  if (i < 0 || i >= n) {
    throw py::index_error("frame index " + std::to_string(i) + " out of range for " +
                          std::to_string(n) + " tracked frames");
  }
  return static_cast<std::size_t>(i);
}

/// Calls f() n times with the GIL released; returns the per-call durations in microseconds.
template <typename F>
py::array_t<double> time_calls(py::ssize_t n, F&& f) {
  if (n < 1) throw py::value_error("n must be >= 1");
  py::array_t<double> out(n);
  double* t = out.mutable_data();
  {
    py::gil_scoped_release release;
    for (py::ssize_t i = 0; i < n; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      f();
      const auto t1 = std::chrono::steady_clock::now();
      t[i] = std::chrono::duration<double, std::micro>(t1 - t0).count();
    }
  }
  return out;
}

constexpr auto kView = py::return_value_policy::reference_internal;

}  // namespace

void register_robot(py::module_& m) {
  py::class_<Robot>(m, "Robot", R"doc(
Floating-base robot on Pinocchio: whole-body quantities at (q, v) in one call.

q (nq,): [base position world (3), base quaternion xyzw (4), joints]; v (nv,): [base linear
velocity local (3), base angular velocity local (3), joint rates]. Array accessors are read-only
views into the robot's buffers, overwritten by the next compute(); copy them to keep them.
)doc")
      .def(py::init([](const py::object& path, const std::vector<std::string>& frames) {
             const std::string p = py::module_::import("os").attr("fspath")(path).cast<std::string>();
             if (!std::ifstream(p).good()) {
               PyErr_SetString(PyExc_FileNotFoundError, ("model file not found: '" + p + "'").c_str());
               throw py::error_already_set();
             }
             return std::make_unique<Robot>(p, frames);
           }),
           py::arg("model_path"), py::arg("frames"),
           "Loads an MJCF (.xml, own free joint) or URDF (.urdf, free-flyer root added); "
           "frames: names of the tracked frames (contacts first).")
      .def_property_readonly("nq", &Robot::nq)
      .def_property_readonly("nv", &Robot::nv)
      .def_property_readonly("mass", &Robot::mass, "Total mass, kg.")
      .def_property_readonly("frame_names", &Robot::frame_names, "Tracked frames, in order.")
      .def(
          "compute",
          [](Robot& r, const Array1d& q, const Array1d& v) {
            const ConstMap qm = as_vector(q, r.nq(), "q");
            const ConstMap vm = as_vector(v, r.nv(), "v");
            py::gil_scoped_release release;
            r.compute(qm, vm);
          },
          py::arg("q"), py::arg("v"),
          "Computes all quantities at q (nq,), v (nv,). ValueError on wrong shape or non-finite "
          "values.")
      .def_property_readonly(
          "M", [](const Robot& r) -> const Eigen::MatrixXd& { return r.quantities().M; }, kView,
          "(nv, nv) joint-space inertia, symmetric, armature included.")
      .def_property_readonly(
          "nle", [](const Robot& r) -> const Eigen::VectorXd& { return r.quantities().nle; },
          kView, "(nv,) Coriolis + centrifugal + gravity, N / N·m.")
      .def_property_readonly(
          "com", [](const Robot& r) -> const Eigen::Vector3d& { return r.quantities().com; },
          kView, "(3,) centre of mass, world, m.")
      .def_property_readonly(
          "vcom", [](const Robot& r) -> const Eigen::Vector3d& { return r.quantities().vcom; },
          kView, "(3,) centre-of-mass velocity, world, m/s.")
      .def_property_readonly(
          "Jcom", [](const Robot& r) -> const Eigen::MatrixXd& { return r.quantities().Jcom; },
          kView, "(3, nv) centre-of-mass Jacobian, world.")
      .def_property_readonly(
          "Ag", [](const Robot& r) -> const Eigen::MatrixXd& { return r.quantities().Ag; }, kView,
          "(6, nv) centroidal momentum matrix [linear; angular] about the CoM, world axes.")
      .def_property_readonly(
          "hg",
          [](const Robot& r) -> const Eigen::Matrix<double, 6, 1>& { return r.quantities().hg; },
          kView, "(6,) centroidal momentum [N·s; N·m·s].")
      .def_property_readonly(
          "dAg_v",
          [](const Robot& r) -> const Eigen::Matrix<double, 6, 1>& {
            return r.quantities().dAg_v;
          },
          kView, "(6,) dAg/dt @ v.")
      .def(
          "frame_pose",
          [](py::object self, py::ssize_t i) {
            const Robot& r = self.cast<const Robot&>();
            const cerebellum::FramePose& f = r.quantities().frames[frame_index(r, i)];
            return py::make_tuple(py::cast(f.R, kView, self), py::cast(f.p, kView, self));
          },
          py::arg("i"), "(R (3, 3) world <- frame, p (3,) world, m) of tracked frame i.")
      .def(
          "J",
          [](const Robot& r, py::ssize_t i) -> const Eigen::MatrixXd& {
            return r.quantities().J[frame_index(r, i)];
          },
          kView, py::arg("i"), "(6, nv) Jacobian of tracked frame i, LOCAL_WORLD_ALIGNED.")
      .def(
          "drift",
          [](const Robot& r, py::ssize_t i) -> const Eigen::Matrix<double, 6, 1>& {
            return r.quantities().drift[frame_index(r, i)];
          },
          kView, py::arg("i"),
          "(6,) classical dJ/dt @ v of tracked frame i, LOCAL_WORLD_ALIGNED, m/s², rad/s².")
      .def(
          "time_compute",
          [](Robot& r, const Array1d& q, const Array1d& v, py::ssize_t n) {
            const ConstMap qm = as_vector(q, r.nq(), "q");
            const ConstMap vm = as_vector(v, r.nv(), "v");
            return time_calls(n, [&] { r.compute(qm, vm); });
          },
          py::arg("q"), py::arg("v"), py::arg("n"),
          "(n,) durations of n compute() calls, µs, timed in C++ (GIL released).")
      .def(
          "time_rnea",
          [](Robot& r, const Array1d& q, const Array1d& v, const Array1d& a, py::ssize_t n) {
            const ConstMap qm = as_vector(q, r.nq(), "q");
            const ConstMap vm = as_vector(v, r.nv(), "v");
            const ConstMap am = as_vector(a, r.nv(), "a");
            return time_calls(n, [&] { r.rnea(qm, vm, am); });
          },
          py::arg("q"), py::arg("v"), py::arg("a"), py::arg("n"),
          "(n,) durations of n Pinocchio RNEA calls, µs (reference kernel).")
      .def(
          "time_crba",
          [](Robot& r, const Array1d& q, py::ssize_t n) {
            const ConstMap qm = as_vector(q, r.nq(), "q");
            return time_calls(n, [&] { r.crba(qm); });
          },
          py::arg("q"), py::arg("n"), "(n,) durations of n Pinocchio CRBA calls, µs (reference kernel).")
      .def("__repr__", [](const Robot& r) {
        return "<cerebellum._core.Robot nq=" + std::to_string(r.nq()) +
               " nv=" + std::to_string(r.nv()) + " frames=" +
               std::to_string(r.frame_names().size()) + ">";
      });
}
