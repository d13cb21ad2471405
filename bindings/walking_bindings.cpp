// Python bindings of cerebellum::WalkingController and WalkingSettings (module cerebellum._core).
// States come from sim.state.RobotState-like objects (attributes read each tick into a buffer
// sized once), commands from objects with vx, vy, yaw_rate.
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <limits>
#include <stdexcept>
#include <string>

#include "cerebellum/walking_controller.hpp"
#include "estimator_convert.hpp"
#include "gait_convert.hpp"
#include "safety_convert.hpp"
#include "state_convert.hpp"

namespace py = pybind11;
using namespace cerebellum;
using cerebellum_bindings::command_from;
using cerebellum_bindings::PyEstimator;
using cerebellum_bindings::foothold_search_from;
using cerebellum_bindings::gait_settings_from;
using cerebellum_bindings::safety_report;
using cerebellum_bindings::StateBuffer;
using cerebellum_bindings::terrain_from;

namespace {

/// A WalkingController with the state buffer it reads Python states into.
struct PyWalkingController : StateBuffer {
  PyWalkingController(const WalkingSettings& s, const py::object& terrain)
      : StateBuffer(static_cast<int>(s.q_stand.size()) - 7),
        terrain_obj(py::none()),
        ctl(s, terrain_from(terrain, terrain_obj)) {}

  py::object terrain_obj;  // keeps the compiled terrain alive
  py::object estimator_obj = py::none();  // keeps the attached estimator alive
  WalkingController ctl;
};

}  // namespace

void register_walking(py::module_& m) {
  py::enum_<StepFeedback>(m, "StepFeedback")
      .value("GAIT", StepFeedback::kGait)
      .value("DCM", StepFeedback::kDcm)
      .value("CAPTURE", StepFeedback::kCapture);

  py::enum_<MpcBalance>(m, "MpcBalance", "What keeps the horizontal CoM while the MPC plans.")
      .value("LIPM", MpcBalance::kLipm)
      .value("MPC", MpcBalance::kMpc)
      .value("NONE", MpcBalance::kNone);

  py::class_<MpcPlannerSettings>(m, "MpcPlannerSettings",
                                 "The MPC planner stage of the walking controller (planner \"mpc\").")
      .def(py::init<>())
      .def_readwrite("solver", &MpcPlannerSettings::solver)
      .def_readwrite("joint_index", &MpcPlannerSettings::joint_index)
      .def_readwrite("posture", &MpcPlannerSettings::posture)
      .def_readwrite("dt_s", &MpcPlannerSettings::dt_s)
      .def_readwrite("mass_kg", &MpcPlannerSettings::mass_kg)
      .def_readwrite("base_above_com_m", &MpcPlannerSettings::base_above_com_m)
      .def_readwrite("balance", &MpcPlannerSettings::balance)
      .def_readwrite("track_posture", &MpcPlannerSettings::track_posture)
      .def_readwrite("track_base", &MpcPlannerSettings::track_base)
      .def("validate", &MpcPlannerSettings::validate);
  m.attr("MPC_PARAMETER_LAYOUT") = py::dict(
      py::arg("contact") = MpcParameterLayout::kContact, py::arg("foot") = MpcParameterLayout::kFoot,
      py::arg("base_pos") = MpcParameterLayout::kBasePos, py::arg("yaw") = MpcParameterLayout::kYaw,
      py::arg("vel") = MpcParameterLayout::kVel, py::arg("normal") = MpcParameterLayout::kNormal,
      py::arg("posture") = MpcParameterLayout::kPosture);

  py::class_<WalkingSettings>(m, "WalkingSettings",
                              "Resolved settings of the C++ walking controller (see "
                              "controllers/walking.py, which fills them).")
      .def(py::init<>())
      .def_readwrite("model_path", &WalkingSettings::model_path)
      .def_readwrite("foot_frames", &WalkingSettings::foot_frames)
      .def_readwrite("imu_frame", &WalkingSettings::imu_frame)
      .def_property(
          "gait", [](const WalkingSettings& s) { return s.gait; },
          [](WalkingSettings& s, const py::object& g) { s.gait = gait_settings_from(g); },
          "Set from any object with GaitSettings' fields.")
      .def_property(
          "search", [](const WalkingSettings& s) { return s.search; },
          [](WalkingSettings& s, const py::object& q) { s.search = foothold_search_from(q); },
          "Set from any object with FootholdSearch's fields (None: defaults).")
      .def_readwrite("wbc", &WalkingSettings::wbc)
      .def_readwrite("shaping", &WalkingSettings::shaping)
      .def_readwrite("sole", &WalkingSettings::sole)
      .def_readwrite("q_stand", &WalkingSettings::q_stand)
      .def_readwrite("base_minus_com", &WalkingSettings::base_minus_com)
      .def_readwrite("arm_joints", &WalkingSettings::arm_joints)
      .def_readwrite("arm_coeffs", &WalkingSettings::arm_coeffs)
      .def_readwrite("dt_s", &WalkingSettings::dt_s)
      .def_readwrite("plan_every", &WalkingSettings::plan_every)
      .def_readwrite("n_knots", &WalkingSettings::n_knots)
      .def_readwrite("knot_dt_s", &WalkingSettings::knot_dt_s)
      .def_readwrite("k_dcm", &WalkingSettings::k_dcm)
      .def_readwrite("max_yaw_lead_rad", &WalkingSettings::max_yaw_lead_rad)
      .def_readwrite("step_feedback", &WalkingSettings::step_feedback)
      .def_readwrite("footholds_from_com", &WalkingSettings::footholds_from_com)
      .def_readwrite("step_dcm_gain", &WalkingSettings::step_dcm_gain)
      .def_readwrite("max_step_adjust_m", &WalkingSettings::max_step_adjust_m)
      .def_readwrite("stop_speed_mps", &WalkingSettings::stop_speed_mps)
      .def_readwrite("push_step_margin_m", &WalkingSettings::push_step_margin_m)
      .def_readwrite("push_step_double_support_s", &WalkingSettings::push_step_double_support_s)
      .def_readwrite("dcm_replan", &WalkingSettings::dcm_replan)
      .def_readwrite("com_descent_accel_mps2", &WalkingSettings::com_descent_accel_mps2)
      .def_readwrite("com_descent_speed_mps", &WalkingSettings::com_descent_speed_mps)
      .def_readwrite("com_step_down_min_m", &WalkingSettings::com_step_down_min_m)
      .def_readwrite("terrain_aware", &WalkingSettings::terrain_aware)
      .def_readwrite("use_mpc", &WalkingSettings::use_mpc)
      .def_readwrite("mpc", &WalkingSettings::mpc)
      .def_readwrite("safety", &WalkingSettings::safety)
      .def("validate", &WalkingSettings::validate);

  py::class_<PyWalkingController> walking(m, "WalkingController", R"doc(
The walking controller (LIPM/DCM or MPC planner) in C++: tick(state, command) -> joint torques (nj,) N m,
planning itself every plan_every ticks and at contact changes. state: a sim.state.RobotState
(with base); command: an object with vx, vy, yaw_rate. terrain: None, a _core.TerrainQuery or a
sim.terrain.Terrain.)doc");
  walking.def(py::init([](const WalkingSettings& s, const py::object& terrain) {
                return new PyWalkingController(s, terrain);
              }),
              py::arg("settings"), py::arg("terrain") = py::none());
  cerebellum_bindings::def_reset_tick(walking);
  walking
      .def(
          "plan",
          [](PyWalkingController& w, const py::object& state, const py::object& command) {
            w.read(state);
            w.read_command(command);
            w.ctl.plan(w.state, w.command);
          },
          py::arg("state"), py::arg("command"), "One planning cycle now (tick() plans by itself).")
      .def(
          "start_planning_thread",
          [](PyWalkingController& w) { w.ctl.start_planning_thread(); },
          "Threaded mode: plans every plan_every * dt_s of wall time on its own thread.")
      .def(
          "stop_planning_thread",
          [](PyWalkingController& w) {
            py::gil_scoped_release release;
            w.ctl.stop_planning_thread();
          })
      .def(
          "force_mpc_deadline_miss",
          [](PyWalkingController& w, bool on) { w.ctl.force_mpc_deadline_miss(on); }, py::arg("on"),
          "Fault injection (planner mpc): while on, every MPC solve misses its deadline.")
      .def_property_readonly("planning_thread_running",
                             [](const PyWalkingController& w) { return w.ctl.planning_thread_running(); })
      .def_property_readonly(
          "planning_stats",
          [](const PyWalkingController& w) {
            const PlanningThread::Stats s = w.ctl.planning_stats();
            py::dict d;
            d["cycles"] = s.cycles;
            d["failures"] = s.failures;
            d["deadline_misses"] = s.deadline_misses;
            d["max_cycle_s"] = s.max_cycle_s;
            return d;
          },
          "The planning thread's cycles, failures, deadline misses and longest cycle (s).")
      .def_property_readonly("stale_ticks",
                             [](const PyWalkingController& w) { return w.ctl.stats().stale_ticks; })
      .def(
          "attach_estimator",
          [](PyWalkingController& w, const py::object& est) {
            if (est.is_none()) {
              w.ctl.attach_estimator(nullptr);
            } else {
              PyEstimator& e = est.cast<PyEstimator&>();
              w.ctl.attach_estimator(e.est.get());
            }
            w.estimator_obj = est;
          },
          py::arg("estimator"),
          "Runs the BaseEstimator inside tick(): each tick but the first after reset() updates it "
          "from the state's IMU, encoders and sole F/T sensors (the leg's wrench on the foot, as "
          "MuJoCo's sensors give it) with the planned contacts as prior, and the tick runs on its "
          "estimated base (state.base is ignored); reset() takes its current estimate. None "
          "detaches.")
      .def_property_readonly(
          "estimator", [](const PyWalkingController& w) { return w.estimator_obj; },
          "The attached BaseEstimator, or None.")
      .def(
          "planned_contacts",
          [](const PyWalkingController& w, double t) {
            const auto c = w.ctl.planned_contacts(t);
            return py::make_tuple(c[0], c[1]);
          },
          py::arg("t"), "(left, right) at t in the current plan: 1 stance, 0 swing, -1 no plan.")
      .def_property_readonly(
          "last_plan", [](const PyWalkingController& w) { return GaitPlan(w.ctl.last_plan()); },
          "A copy of the last gait plan (deterministic mode; racy while the planning thread runs).")
      .def_property_readonly("omega", [](const PyWalkingController& w) { return w.ctl.omega(); })
      .def_property_readonly("terrain_aware",
                             [](const PyWalkingController& w) { return w.ctl.terrain_aware(); })
      .def_property_readonly("ticks", [](const PyWalkingController& w) { return w.ctl.stats().ticks; })
      .def_property_readonly("plans", [](const PyWalkingController& w) { return w.ctl.stats().plans; })
      .def_property_readonly("push_steps",
                             [](const PyWalkingController& w) { return w.ctl.stats().push_steps; })
      .def_property_readonly("failures",
                             [](const PyWalkingController& w) { return w.ctl.stats().wbc_failures; })
      .def_property_readonly("last_tick_us",
                             [](const PyWalkingController& w) { return w.ctl.stats().last_tick_us; })
      .def_property_readonly("last_wbc_us",
                             [](const PyWalkingController& w) { return w.ctl.stats().last_wbc_us; })
      .def_property_readonly("status", [](const PyWalkingController& w) { return w.ctl.qp().status(); })
      .def_property_readonly("qp_ticks",
                             [](const PyWalkingController& w) { return w.ctl.stats().qp_ticks; },
                             "Ticks that ran the QP (the others returned the safety fallback).")
      .def_property_readonly(
          "last_qp_inputs",
          [](const PyWalkingController& w) {
            return py::make_tuple(Eigen::VectorXd(w.ctl.qp_q()), Eigen::VectorXd(w.ctl.qp_v()),
                                  Eigen::Array<bool, Eigen::Dynamic, 1>(w.ctl.qp_mask()),
                                  WholeBodyReferences(w.ctl.qp_references()));
          },
          "Copies of the QP's inputs of the last tick that ran it (see qp_ticks): q (nq,), v (nv,) "
          "Pinocchio conventions, contact mask (nc,) bool, WholeBodyReferences.")
      .def_property_readonly(
          "last_mpc_inputs",
          [](const PyWalkingController& w) -> py::object {
            const MpcPlanner* m = w.ctl.mpc();
            if (m == nullptr) return py::none();
            return py::make_tuple(Eigen::VectorXd(m->last_x0()), Eigen::MatrixXd(m->last_parameters()),
                                  Eigen::MatrixXd(m->last_guess_X()), Eigen::MatrixXd(m->last_guess_U()));
          },
          "Planner \"mpc\" (else None): copies of the last MPC solve's inputs, x0 (nx,), parameters "
          "(np, N+1), warm-start guess X (nx, N+1), U (nu, N) (deterministic mode).")
      .def_property_readonly(
          "last_qp_tau", [](const PyWalkingController& w) { return Eigen::VectorXd(w.ctl.qp().tau()); },
          "A copy of the QP's torques (nj,) N m of the last tick that ran it (before the safety "
          "layer).")
      .def_property_readonly("mpc_solves",
                             [](const PyWalkingController& w) { return w.ctl.stats().mpc_solves; })
      .def_property_readonly(
          "mpc_stats",
          [](const PyWalkingController& w) {
            const WalkingStats s = w.ctl.stats();
            py::dict d;
            d["solves"] = s.mpc_solves;
            d["failures"] = s.mpc_failures;
            d["deadline_misses"] = s.mpc_deadline_misses;
            d["last_solve_us"] = s.last_mpc_solve_us;
            d["fallback_ticks"] = s.mpc_fallback_ticks;
            return d;
          },
          "Planner \"mpc\": the solver's solves, failures, deadline misses, last solve time (µs), fallback ticks.")
      .def_property_readonly(
          "safety", [](const PyWalkingController& w) { return safety_report(w.ctl.safety()); },
          "The safety layer's counters: {enabled, mode, ticks, safe_stop (None or {t_s, reason}), "
          "events {name: {count, first_t_s}}} (docs/safety.md).")
      .def_property_readonly(
          "safety_mode",
          [](const PyWalkingController& w) { return std::string(to_string(w.ctl.safety().mode())); },
          "normal, hold, damping or safe_stop (the last tick's).")
      .def(
          "com_plan_sample",
          [](const PyWalkingController& w, double t) {
            const ComSample c = w.ctl.com_plan().sample(t);
            return py::make_tuple(c.com, c.vcom, c.acom, c.dcm, c.cop);
          },
          py::arg("t"), "(com, vcom, acom, dcm, cop) of the tracked CoM plan at t, world x, y.");
}
