// Python bindings of cerebellum::SwingTrajectory and its time scalings (module cerebellum._core).
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <optional>
#include <stdexcept>

#include "cerebellum/swing_trajectory.hpp"
#include "cerebellum/terrain.hpp"

namespace py = pybind11;
using namespace cerebellum;

namespace {

/// Trampoline: Python subclasses of _core.TerrainQuery implement height/normal (and stepped).
class PyTerrainQuery : public TerrainQuery {
 public:
  using TerrainQuery::TerrainQuery;
  double height(double x, double y) const override {
    PYBIND11_OVERRIDE_PURE(double, TerrainQuery, height, x, y);
  }
  Eigen::Vector3d normal(double x, double y) const override {
    PYBIND11_OVERRIDE_PURE(Eigen::Vector3d, TerrainQuery, normal, x, y);
  }
  bool stepped() const override { PYBIND11_OVERRIDE(bool, TerrainQuery, stepped); }
};

/// Any Python object with height(x, y) / normal(x, y) methods (e.g. sim.terrain.Terrain), queried
/// point by point with floats. Lives only for the call that uses it (the GIL is held).
class DuckTerrain : public TerrainQuery {
 public:
  explicit DuckTerrain(py::object obj) : obj_(std::move(obj)) {}
  double height(double x, double y) const override {
    return py::cast<double>(py::float_(obj_.attr("height")(x, y)));
  }
  Eigen::Vector3d normal(double x, double y) const override {
    return py::cast<Eigen::Vector3d>(obj_.attr("normal")(x, y));
  }
  bool stepped() const override {
    if (!py::hasattr(obj_, "stepped")) return false;
    py::object s = obj_.attr("stepped");
    if (PyCallable_Check(s.ptr())) s = s();
    return py::cast<bool>(py::bool_(s));
  }

 private:
  py::object obj_;
};

py::tuple tup(const std::array<double, 3>& a) { return py::make_tuple(a[0], a[1], a[2]); }

void reset_from_python(SwingTrajectory& sw, const Eigen::Vector3d& start, const Eigen::Vector3d& end,
                       double t_liftoff, double t_touchdown, double height_m, double apex_phase,
                       double start_yaw, double end_yaw,
                       const std::optional<Eigen::Matrix3d>& start_rotation,
                       const std::optional<Eigen::Vector3d>& end_normal, const py::object& terrain,
                       double clearance_m,
                       const std::optional<std::array<double, 4>>& sole_rectangle, int samples,
                       double max_apex_m, const std::optional<double>& xy_ramp,
                       double xy_ramp_travel_m) {
  const TerrainQuery* tq = nullptr;
  std::optional<DuckTerrain> duck;
  if (!terrain.is_none()) {
    if (py::isinstance<TerrainQuery>(terrain)) {
      tq = terrain.cast<const TerrainQuery*>();
    } else {
      if (!py::hasattr(terrain, "height"))
        throw std::invalid_argument("terrain must have a height(x, y) method");
      duck.emplace(terrain);
      tq = &*duck;
    }
  }
  sw.reset(start, end, t_liftoff, t_touchdown, height_m, apex_phase, start_yaw, end_yaw,
           start_rotation ? &*start_rotation : nullptr, end_normal ? &*end_normal : nullptr, tq,
           clearance_m, sole_rectangle ? &*sole_rectangle : nullptr, samples, max_apex_m,
           xy_ramp ? *xy_ramp : 0.0, xy_ramp_travel_m);
}

}  // namespace

void register_swing(py::module_& m) {
  py::class_<TerrainQuery, PyTerrainQuery>(
      m, "TerrainQuery", "Terrain query interface: subclass and implement height(x, y), normal(x, y).")
      .def(py::init<>())
      .def("height", &TerrainQuery::height, py::arg("x"), py::arg("y"), "terrain top z (m)")
      .def("normal", &TerrainQuery::normal, py::arg("x"), py::arg("y"), "unit normal (3,)")
      .def("stepped", &TerrainQuery::stepped, "made of steps with vertical edges");

  m.def("quintic", [](double u) { return tup(quintic(u)); }, py::arg("u"),
        "quintic time scaling at u (clipped to [0, 1]): (value, d/du, d2/du2)");
  m.def("ramped", [](double u, double r) { return tup(ramped(u, r)); }, py::arg("u"), py::arg("r"),
        "trapezoidal time scaling at u, ramps of r in (0, 0.5]: (value, d/du, d2/du2)");
  m.def("yaw_matrix", &yaw_matrix, py::arg("yaw"), "(3, 3) rotation about world z");
  m.def("tilt_matrix", &tilt_matrix, py::arg("normal"),
        "(3, 3) smallest rotation taking world z onto normal");

  py::class_<SwingSample>(m, "SwingSample", "Sole reference at one time, world axes.")
      .def_readonly("position", &SwingSample::position, "(3,) m")
      .def_readonly("rotation", &SwingSample::rotation, "(3, 3) world <- sole")
      .def_readonly("velocity", &SwingSample::velocity, "(6,) [m/s; rad/s]")
      .def_readonly("acceleration", &SwingSample::acceleration, "(6,) [m/s^2; rad/s^2]");

  py::class_<SwingTrajectory>(m, "SwingTrajectory",
                              "Swing-foot trajectory: liftoff pose -> touchdown pose, C2-continuous, world "
                              "axes (apex, terrain clearance and rotations: swing_trajectory.hpp).")
      .def(py::init([](const Eigen::Vector3d& start, const Eigen::Vector3d& end, double t_liftoff,
                       double t_touchdown, double height_m, double apex_phase, double start_yaw,
                       double end_yaw, const std::optional<Eigen::Matrix3d>& start_rotation,
                       const std::optional<Eigen::Vector3d>& end_normal, const py::object& terrain,
                       double clearance_m,
                       const std::optional<std::array<double, 4>>& sole_rectangle, int samples,
                       double max_apex_m, const std::optional<double>& xy_ramp,
                       double xy_ramp_travel_m) {
             SwingTrajectory sw;
             reset_from_python(sw, start, end, t_liftoff, t_touchdown, height_m, apex_phase,
                               start_yaw, end_yaw, start_rotation, end_normal, terrain, clearance_m,
                               sole_rectangle, samples, max_apex_m, xy_ramp, xy_ramp_travel_m);
             return sw;
           }),
           py::arg("start"), py::arg("end"), py::arg("t_liftoff"), py::arg("t_touchdown"),
           py::arg("height_m"), py::arg("apex_phase") = 0.5, py::arg("start_yaw") = 0.0,
           py::arg("end_yaw") = 0.0, py::arg("start_rotation") = py::none(),
           py::arg("end_normal") = py::none(), py::arg("terrain") = py::none(),
           py::arg("clearance_m") = 0.03, py::arg("sole_rectangle") = py::none(),
           py::arg("samples") = 32, py::arg("max_apex_m") = 0.5, py::arg("xy_ramp") = py::none(),
           py::arg("xy_ramp_travel_m") = 0.0)
      .def("phase", &SwingTrajectory::phase, py::arg("t"), "swing phase in [0, 1] at time t")
      .def("position", &SwingTrajectory::position, py::arg("t"), "(3,) sole position at time t")
      .def("positions",
           [](const SwingTrajectory& sw,
              py::array_t<double, py::array::c_style | py::array::forcecast> t) {
             const py::ssize_t k = t.size();
             const double* ts = t.data();
             py::array_t<double> out({k, py::ssize_t{3}});
             auto o = out.mutable_unchecked<2>();
             for (py::ssize_t i = 0; i < k; ++i) {
               const Eigen::Vector3d p = sw.position(ts[i]);
               for (int j = 0; j < 3; ++j) o(i, j) = p[j];
             }
             return out;
           },
           py::arg("t"), "(k, 3) sole positions at times t (any shape, flattened)")
      .def("sample", py::overload_cast<double>(&SwingTrajectory::sample, py::const_), py::arg("t"),
           "pose, velocity and acceleration (world axes) at time t")
      .def_property_readonly("start", &SwingTrajectory::start)
      .def_property_readonly("end", &SwingTrajectory::end)
      .def_property_readonly("start_yaw", &SwingTrajectory::start_yaw)
      .def_property_readonly("end_yaw", &SwingTrajectory::end_yaw)
      .def_property_readonly("t_liftoff", &SwingTrajectory::t_liftoff)
      .def_property_readonly("t_touchdown", &SwingTrajectory::t_touchdown)
      .def_property_readonly("duration_s", &SwingTrajectory::duration_s)
      .def_property_readonly("apex_phase", &SwingTrajectory::apex_phase)
      .def_property_readonly("apex_z", &SwingTrajectory::apex_z)
      .def_property_readonly("xy_ramp", &SwingTrajectory::xy_ramp, "0: quintic xy");
}
