// Python bindings of cerebellum::Foothold and FootstepPlanner (module cerebellum._core).
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>

#include "cerebellum/footstep_planner.hpp"
#include "gait_convert.hpp"

namespace py = pybind11;
using namespace cerebellum;
using namespace cerebellum_bindings;

namespace {

Eigen::Vector3d stance3(const Eigen::VectorXd& v, bool& has_z) {
  if (v.size() != 2 && v.size() != 3)
    throw std::invalid_argument("stance: expected 2 or 3 entries, got " + std::to_string(v.size()));
  has_z = v.size() == 3;
  return Eigen::Vector3d(v[0], v[1], has_z ? v[2] : 0.0);
}

}  // namespace

void register_footsteps(py::module_& m) {
  py::class_<Foothold>(m, "Foothold",
                       "A planned touchdown: sole origin position (3,) world m, sole yaw rad, unit "
                       "terrain normal (3,), swing timing s; feasible False when no candidate met "
                       "the terrain criteria.")
      .def_readonly("foot", &Foothold::foot)
      .def_readonly("position", &Foothold::position)
      .def_readonly("yaw", &Foothold::yaw)
      .def_readonly("normal", &Foothold::normal)
      .def_readonly("t_liftoff", &Foothold::t_liftoff)
      .def_readonly("t_touchdown", &Foothold::t_touchdown)
      .def_readonly("feasible", &Foothold::feasible)
      .def("__repr__", [](const Foothold& f) {
        return "Foothold(foot=" + std::to_string(f.foot) + ", position=[" +
               std::to_string(f.position[0]) + ", " + std::to_string(f.position[1]) + ", " +
               std::to_string(f.position[2]) + "], yaw=" + std::to_string(f.yaw) +
               ", feasible=" + (f.feasible ? "True" : "False") + ")";
      });

  py::class_<FootstepPlanner>(
      m, "FootstepPlanner",
      "Raibert + capture-point footholds, step-limit clamps and terrain search. settings: a "
      "controllers.gait.GaitSettings, search: a controllers.gait.FootholdSearch or None.")
      .def(py::init([](const py::object& settings, const py::object& search) {
             return FootstepPlanner(gait_settings_from(settings), foothold_search_from(search));
           }),
           py::arg("settings"), py::arg("search") = py::none())
      .def("hip_offset", &FootstepPlanner::hip_offset, py::arg("foot"))
      .def(
          "heuristic",
          [](const FootstepPlanner& p, int foot, const Eigen::Vector2d& base_xy, double yaw,
             const py::object& command, const Eigen::Vector2d& velocity_error,
             std::optional<double> stance_s) {
            Eigen::Vector2d xy;
            double foot_yaw = 0.0;
            p.heuristic(foot, base_xy, yaw, command_from(command), velocity_error,
                        stance_s ? *stance_s : std::numeric_limits<double>::quiet_NaN(), xy,
                        foot_yaw);
            return py::make_tuple(xy, foot_yaw);
          },
          py::arg("foot"), py::arg("base_xy"), py::arg("yaw"), py::arg("command"),
          py::arg("velocity_error"), py::arg("stance_s") = py::none(),
          "(xy (2,) world m, sole yaw rad) before clamping")
      .def("clamp", &FootstepPlanner::clamp, py::arg("foot"), py::arg("xy"), py::arg("yaw"),
           py::arg("stance_xy"))
      .def(
          "on_terrain",
          [](const FootstepPlanner& p, const py::object& terrain, int foot,
             const Eigen::Vector2d& xy, double yaw, const Eigen::VectorXd& stance,
             std::optional<double> sole_yaw) {
            py::object keep;
            const TerrainQuery* tq = terrain_from(terrain, keep);
            if (tq == nullptr) throw std::invalid_argument("terrain: required");
            bool has_z = false;
            const Eigen::Vector3d st = stance3(stance, has_z);
            const TerrainFoothold r = p.on_terrain(
                *tq, foot, xy, yaw, st,
                sole_yaw ? *sole_yaw : std::numeric_limits<double>::quiet_NaN(), has_z);
            return py::make_tuple(r.position, r.normal, r.feasible);
          },
          py::arg("terrain"), py::arg("foot"), py::arg("xy"), py::arg("yaw"), py::arg("stance"),
          py::arg("sole_yaw") = py::none(),
          "(position (3,), normal (3,), feasible); stance (3,) world, or (2,): no step-height "
          "bound")
      .def(
          "score",
          [](const FootstepPlanner& p, const py::object& terrain, const Eigen::Vector2d& candidate,
             const Eigen::Vector2d& xy, double sole_yaw, const Eigen::VectorXd& stance,
             double scale) {
            py::object keep;
            const TerrainQuery* tq = terrain_from(terrain, keep);
            if (tq == nullptr) throw std::invalid_argument("terrain: required");
            bool has_z = false;
            const Eigen::Vector3d st = stance3(stance, has_z);
            const CandidateScore r = p.score(*tq, candidate, xy, sole_yaw, st, has_z, scale);
            py::dict d;
            d["position"] = r.position;
            d["normal"] = r.normal;
            d["cost"] = r.cost;
            d["violation"] = r.violation;
            d["feasible"] = r.feasible;
            return d;
          },
          py::arg("terrain"), py::arg("candidate"), py::arg("xy"), py::arg("sole_yaw"),
          py::arg("stance"), py::arg("scale") = 1.0,
          "terrain score of one candidate of the search around xy: dict position, normal, cost, "
          "violation, feasible")
      .def(
          "place",
          [](FootstepPlanner& p, int foot, double t_liftoff, double t_touchdown,
             const Eigen::Vector2d& base_xy, double yaw, const py::object& command,
             const Eigen::Vector2d& velocity_error, const Eigen::Vector3d& stance_position,
             const py::object& terrain) {
            if (foot != kLeft && foot != kRight)
              throw std::invalid_argument("foot: expected 0 (left) or 1 (right)");
            py::object keep;
            const TerrainQuery* tq = terrain_from(terrain, keep);
            return p.place(foot, t_liftoff, t_touchdown, base_xy, yaw, command_from(command),
                           velocity_error, stance_position, tq);
          },
          py::arg("foot"), py::arg("t_liftoff"), py::arg("t_touchdown"), py::arg("base_xy"),
          py::arg("yaw"), py::arg("command"), py::arg("velocity_error"),
          py::arg("stance_position"), py::arg("terrain") = py::none(),
          "Foothold of foot's swing lifting off at t_liftoff, touching down at t_touchdown: the "
          "heuristic around the base (x, y) predicted at touchdown, clamped to the step limits "
          "about the stance foot, refined on the terrain when given")
      .def("clear", &FootstepPlanner::clear, "forgets the reused terrain searches")
      .def_property_readonly("offsets", &FootstepPlanner::candidate_offsets,
                             "(m, 2) candidate offsets, heading frame, nearest first")
      .def_property_readonly("memo_size", &FootstepPlanner::memo_size)
      .def_property_readonly_static(
          "memo_capacity", [](const py::object&) { return FootstepPlanner::kMemoCapacity; });
}
