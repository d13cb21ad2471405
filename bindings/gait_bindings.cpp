// Python bindings of cerebellum::ContactSchedule, GaitPlanner, GaitPlan (module cerebellum._core).
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include "cerebellum/contact_schedule.hpp"
#include "cerebellum/gait_planner.hpp"
#include "gait_convert.hpp"

namespace py = pybind11;
using namespace cerebellum;
using namespace cerebellum_bindings;

namespace {

using DArray = py::array_t<double, py::array::c_style | py::array::forcecast>;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

py::array_t<bool> flags_np(const ContactSchedule& s, const DArray& times) {
  const auto k = static_cast<int>(times.size());
  py::array_t<bool> out({static_cast<py::ssize_t>(k), py::ssize_t{2}});
  s.flags_at(times.data(), k, out.mutable_data());
  return out;
}

std::vector<SwingInterval> swings_list(const ContactSchedule& s, double t_from, double t_to) {
  std::vector<SwingInterval> out(64);
  for (;;) {  // grow until every swing fits
    const int k = s.swings(t_from, t_to, out.data(), static_cast<int>(out.size()));
    if (k < static_cast<int>(out.size())) {
      out.resize(static_cast<std::size_t>(k));
      return out;
    }
    out.resize(out.size() * 4);
  }
}

/// GaitState from an object with GaitState's attributes (foot_yaw None: the base yaw).
GaitState state_from(const py::handle& obj) {
  GaitState s;
  s.base_position = py::cast<Eigen::Vector3d>(obj.attr("base_position"));
  s.base_yaw = py::cast<double>(obj.attr("base_yaw"));
  s.base_velocity = py::cast<Eigen::Vector3d>(obj.attr("base_velocity"));
  const DArray feet = py::cast<DArray>(obj.attr("foot_positions"));
  if (feet.size() != 6) throw std::invalid_argument("state.foot_positions: expected shape (2, 3)");
  for (int f = 0; f < 2; ++f)
    s.foot_positions[f] = Eigen::Vector3d(feet.data()[3 * f], feet.data()[3 * f + 1],
                                          feet.data()[3 * f + 2]);
  py::object yaw = obj.attr("foot_yaw");
  if (yaw.is_none()) {
    s.foot_yaw = {s.base_yaw, s.base_yaw};
  } else {
    const DArray y = py::cast<DArray>(yaw);
    if (y.size() != 2) throw std::invalid_argument("state.foot_yaw: expected 2 entries");
    s.foot_yaw = {y.data()[0], y.data()[1]};
  }
  return s;
}

/// The planner with the Python terrain object it queries (kept alive) and its plan buffer.
struct PyGaitPlanner {
  py::object terrain_keep;
  std::unique_ptr<GaitPlanner> planner;
  std::unique_ptr<GaitPlan> buffer;
};

py::array_t<double> rows(const Eigen::Ref<const Eigen::MatrixXd>& m, int n, int cols) {
  py::array_t<double> out({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(cols)});
  auto o = out.mutable_unchecked<2>();
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < cols; ++j) o(i, j) = m(i, j);
  return out;
}

Eigen::VectorXd head(const Eigen::VectorXd& v, int n) { return v.head(n); }

py::array_t<double> feet3(const Eigen::Matrix<double, Eigen::Dynamic, 6, Eigen::RowMajor>& m,
                          int n) {
  py::array_t<double> out({static_cast<py::ssize_t>(n), py::ssize_t{2}, py::ssize_t{3}});
  std::copy(m.data(), m.data() + 6 * n, out.mutable_data());
  return out;
}

}  // namespace

void register_gait(py::module_& m) {
  py::class_<SwingInterval>(m, "SwingInterval", "One swing of foot: liftoff, touchdown (s).")
      .def_readonly("foot", &SwingInterval::foot)
      .def_readonly("t_liftoff", &SwingInterval::t_liftoff)
      .def_readonly("t_touchdown", &SwingInterval::t_touchdown)
      .def("__repr__", [](const SwingInterval& s) {
        return "SwingInterval(foot=" + std::to_string(s.foot) +
               ", t_liftoff=" + std::to_string(s.t_liftoff) +
               ", t_touchdown=" + std::to_string(s.t_touchdown) + ")";
      });

  py::class_<ContactSchedule>(
      m, "ContactSchedule",
      "Which feet are in contact when: standing, or walking (alternating single supports "
      "separated by double supports); settings: a controllers.gait.GaitSettings.")
      .def(py::init([](const py::object& settings) {
             return ContactSchedule(gait_settings_from(settings));
           }),
           py::arg("settings"))
      .def_static(
          "standing",
          [](const py::object& settings) { return ContactSchedule(gait_settings_from(settings)); },
          py::arg("settings"))
      .def_static(
          "walking",
          [](const py::object& settings, double t_start, int first_swing) {
            ContactSchedule s(gait_settings_from(settings));
            s.start(t_start, first_swing);
            return s;
          },
          py::arg("settings"), py::arg("t_start") = 0.0, py::arg("first_swing") = kLeft)
      .def(
          "start",
          [](ContactSchedule& s, double t, std::optional<int> first_swing,
             std::optional<double> double_support_s) {
            s.start(t, first_swing ? *first_swing : -1,
                    double_support_s ? *double_support_s : kNaN);
          },
          py::arg("t"), py::arg("first_swing") = py::none(),
          py::arg("double_support_s") = py::none())
      .def("stop", &ContactSchedule::stop, py::arg("t"))
      .def(
          "update",
          [](ContactSchedule& s, double t, const py::object& command) {
            s.update(t, command_from(command));
          },
          py::arg("t"), py::arg("command"))
      .def("is_walking", &ContactSchedule::is_walking, py::arg("t"))
      .def(
          "flags",
          [](const ContactSchedule& s, double t) {
            const auto f = s.flags(t);
            py::array_t<bool> out(2);
            out.mutable_data()[0] = f[0], out.mutable_data()[1] = f[1];
            return out;
          },
          py::arg("t"), "(2,) bool: (left, right) in contact at t")
      .def("flags_at", &flags_np, py::arg("times"), "(k, 2) bool contact flags at times (k,)")
      .def(
          "horizon",
          [](const ContactSchedule& s, double t0, double dt, int n) {
            DArray times(n);
            for (int i = 0; i < n; ++i) times.mutable_data()[i] = t0 + dt * static_cast<double>(i);
            return flags_np(s, times);
          },
          py::arg("t0"), py::arg("dt"), py::arg("n"))
      .def("swings", &swings_list, py::arg("t_from"), py::arg("t_to"),
           "swings overlapping [t_from, t_to] in time order")
      .def(
          "next_swings",
          [](const ContactSchedule& s, double t, int count) {
            std::vector<SwingInterval> out(static_cast<std::size_t>(std::max(count, 0)));
            out.resize(static_cast<std::size_t>(s.next_swings(t, count, out.data())));
            return out;
          },
          py::arg("t"), py::arg("count") = 2)
      .def(
          "swing_phase",
          [](const ContactSchedule& s, double t, int foot) -> py::object {
            const double p = s.swing_phase(t, foot);
            return std::isnan(p) ? py::object(py::none()) : py::object(py::float_(p));
          },
          py::arg("t"), py::arg("foot"), "phase in [0, 1) of foot's swing at t, None in contact");

  py::class_<GaitPlan> plan(m, "GaitPlan",
                            "Output of GaitPlanner.plan: per-knot contact flags, foot and base "
                            "references, swing samples, footholds; arrays are copies of the first "
                            "n knots.");
  plan.def_readonly("n", &GaitPlan::n);
  plan.def_property_readonly("times", [](const GaitPlan& p) { return head(p.times, p.n); });
  plan.def_property_readonly("contact", [](const GaitPlan& p) {
    py::array_t<bool> out({static_cast<py::ssize_t>(p.n), py::ssize_t{2}});
    std::copy(p.contact.data(), p.contact.data() + 2 * p.n, out.mutable_data());
    return out;
  });
  plan.def_property_readonly("foot_positions",
                             [](const GaitPlan& p) { return feet3(p.foot_positions, p.n); });
  plan.def_property_readonly("foot_normals",
                             [](const GaitPlan& p) { return feet3(p.foot_normals, p.n); });
  plan.def_property_readonly("base_position",
                             [](const GaitPlan& p) { return rows(p.base_position, p.n, 3); });
  plan.def_property_readonly("base_yaw", [](const GaitPlan& p) { return head(p.base_yaw, p.n); });
  plan.def_property_readonly("base_velocity",
                             [](const GaitPlan& p) { return rows(p.base_velocity, p.n, 3); });
  plan.def_property_readonly("base_yaw_rate",
                             [](const GaitPlan& p) { return head(p.base_yaw_rate, p.n); });
  plan.def_property_readonly(
      "swing", [](const GaitPlan& p) { return py::make_tuple(p.swing[0], p.swing[1]); });
  plan.def_property_readonly("swing_phase", [](const GaitPlan& p) {
    return Eigen::Vector2d(p.swing_phase[0], p.swing_phase[1]);
  });
  plan.def_property_readonly("footholds", [](const GaitPlan& p) {
    return std::vector<Foothold>(p.footholds.begin(), p.footholds.begin() + p.n_footholds);
  });

  py::class_<PyGaitPlanner>(
      m, "GaitPlanner",
      "Contact schedule + footholds + swing trajectories + base references. settings: a "
      "controllers.gait.GaitSettings; terrain: None, a TerrainQuery or a sim.terrain.Terrain; "
      "search: a controllers.gait.FootholdSearch or None.")
      .def(py::init([](const py::object& settings, const py::object& terrain,
                       const py::object& search, bool follow_command, int capacity) {
             PyGaitPlanner p;
             const TerrainQuery* tq = terrain_from(terrain, p.terrain_keep);
             p.planner = std::make_unique<GaitPlanner>(gait_settings_from(settings), tq,
                                                       foothold_search_from(search),
                                                       follow_command, capacity);
             p.buffer = std::make_unique<GaitPlan>(capacity);
             return p;
           }),
           py::arg("settings"), py::arg("terrain") = py::none(), py::arg("search") = py::none(),
           py::arg("follow_command") = true, py::arg("capacity") = 64)
      .def(
          "plan",
          [](PyGaitPlanner& p, double t, const py::object& state, const py::object& command,
             int n, double dt) {
            p.planner->plan(t, state_from(state), command_from(command), n, dt, *p.buffer);
            return *p.buffer;
          },
          py::arg("t"), py::arg("state"), py::arg("command"), py::arg("n") = 25,
          py::arg("dt") = 0.04,
          "plan n knots dt (s) apart from time t; state: a gait.GaitState, command: a "
          "gait.VelocityCommand or (vx, vy, yaw_rate)")
      .def("reset", [](PyGaitPlanner& p) { p.planner->reset(); })
      .def_property_readonly(
          "schedule", [](PyGaitPlanner& p) -> ContactSchedule& { return p.planner->schedule(); },
          py::return_value_policy::reference_internal)
      .def_property_readonly("capacity",
                             [](const PyGaitPlanner& p) { return p.planner->capacity(); })
      .def_property_readonly("follow_command",
                             [](const PyGaitPlanner& p) { return p.planner->follow_command(); });
}
