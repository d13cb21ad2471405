// Python bindings of cerebellum::WholeBodyQP (module cerebellum._core).
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "cerebellum/robot.hpp"
#include "cerebellum/wbc.hpp"

namespace py = pybind11;
using namespace cerebellum;

namespace {

using BoolArray = Eigen::Array<bool, Eigen::Dynamic, 1>;

/// A WholeBodyQP with its references; the Robot is kept alive by the Python object.
struct PyWholeBodyQP {
  PyWholeBodyQP(Robot& robot, const WholeBodyQPSettings& s, const Eigen::VectorXd& q)
      : qp(robot, s), refs(qp.make_references(q)), active(BoolArray::Constant(qp.num_contacts(), true)) {}
  WholeBodyQP qp;
  WholeBodyReferences refs;
  BoolArray active;

  void set_active(const py::object& mask) {
    auto m = py::array_t<bool, py::array::c_style | py::array::forcecast>::ensure(mask);
    if (!m || m.ndim() != 1 || m.shape(0) != qp.num_contacts())
      throw std::invalid_argument("mask must be a 1-D bool array with one flag per contact (" +
                                  std::to_string(qp.num_contacts()) + ")");
    for (int i = 0; i < qp.num_contacts(); ++i) active(i) = m.at(i);
  }
  int contact(int i) const {
    if (i < 0 || i >= qp.num_contacts()) throw py::index_error("contact index out of range");
    return i;
  }
  int hand(int i) const {
    if (i < 0 || i >= static_cast<int>(refs.hand_pose.size()))
      throw py::index_error("hand index out of range");
    return i;
  }
};

template <int N>
Eigen::Matrix<double, N, 1> vec(const Eigen::VectorXd& x, const char* name) {
  if (x.size() != N) throw std::invalid_argument(std::string(name) + " must have " + std::to_string(N) + " entries");
  return x;
}

Eigen::Matrix3d rot(const Eigen::MatrixXd& R, const char* name) {
  if (R.rows() != 3 || R.cols() != 3) throw std::invalid_argument(std::string(name) + " must be (3, 3)");
  return R;
}

}  // namespace

void register_wbc(py::module_& m) {
  py::class_<ContactDescription>(m, "ContactDescription",
                                 "Rectangular sole on a tracked Robot frame (see wbc.hpp).")
      .def(py::init<>())
      .def(py::init([](const std::string& frame, const Eigen::Vector3d& offset,
                       const Eigen::Matrix3d& rotation, const Eigen::Vector4d& rectangle, double mu,
                       double fz_min, double fz_max, double yaw_coeff) {
             ContactDescription c;
             c.frame = frame;
             c.offset = offset;
             c.rotation = rotation;
             c.x_back = -rectangle[0];
             c.x_front = rectangle[1];
             c.y_right = -rectangle[2];
             c.y_left = rectangle[3];
             c.mu = mu;
             c.fz_min = fz_min;
             c.fz_max = fz_max;
             c.yaw_coeff = yaw_coeff;
             return c;
           }),
           py::arg("frame"), py::arg("offset") = Eigen::Vector3d::Zero(),
           py::arg("rotation") = Eigen::Matrix3d::Identity(),
           py::arg("rectangle") = Eigen::Vector4d(-0.1, 0.1, -0.05, 0.05), py::arg("mu") = 0.7,
           py::arg("fz_min") = 5.0, py::arg("fz_max") = std::numeric_limits<double>::infinity(),
           py::arg("yaw_coeff") = std::numeric_limits<double>::infinity(),
           "rectangle = [x_min, x_max, y_min, y_max] in the sole frame, m.")
      .def_readwrite("frame", &ContactDescription::frame)
      .def_readwrite("offset", &ContactDescription::offset)
      .def_readwrite("rotation", &ContactDescription::rotation)
      .def_readwrite("x_back", &ContactDescription::x_back)
      .def_readwrite("x_front", &ContactDescription::x_front)
      .def_readwrite("y_right", &ContactDescription::y_right)
      .def_readwrite("y_left", &ContactDescription::y_left)
      .def_readwrite("mu", &ContactDescription::mu)
      .def_readwrite("fz_min", &ContactDescription::fz_min)
      .def_readwrite("fz_max", &ContactDescription::fz_max)
      .def_readwrite("yaw_coeff", &ContactDescription::yaw_coeff)
      .def_readwrite("free_roll", &ContactDescription::free_roll,
                     "soft contacts: the sole's roll is not held (legs without ankle roll)");

  py::class_<WholeBodyQPSettings> s(m, "WholeBodyQPSettings",
                                    "Weights, gains, limits of WholeBodyQP. Arrays are copied: "
                                    "assign whole arrays, not elements.");
  s.def(py::init<>())
      .def_readwrite("contacts", &WholeBodyQPSettings::contacts)
      .def_readwrite("base_frame", &WholeBodyQPSettings::base_frame)
      .def_readwrite("hand_frames", &WholeBodyQPSettings::hand_frames)
      .def_readwrite("torque_limit", &WholeBodyQPSettings::torque_limit, "(nv-6,) N·m")
      .def_readwrite("joint_damping", &WholeBodyQPSettings::joint_damping,
                     "(nv-6,) N·m·s/rad or empty: viscous joint damping the torques make up for")
      .def_readwrite("joint_friction", &WholeBodyQPSettings::joint_friction,
                     "(nv-6,) N·m or empty: dry joint friction, made up for as f tanh(v / "
                     "friction_velocity)")
      .def_readwrite("friction_velocity", &WholeBodyQPSettings::friction_velocity, "rad/s")
#define CB_RW(name) .def_readwrite(#name, &WholeBodyQPSettings::name)
          CB_RW(w_momentum) CB_RW(w_base_orientation) CB_RW(w_swing) CB_RW(w_posture) CB_RW(w_hand)
              CB_RW(w_reg_vdot) CB_RW(w_reg_wrench) CB_RW(w_wrench_ff) CB_RW(kp_com) CB_RW(kd_com)
                  CB_RW(kd_angular_momentum) CB_RW(k_dcm) CB_RW(cmp_margin) CB_RW(kp_base) CB_RW(kd_base) CB_RW(kp_swing)
                      CB_RW(kd_swing) CB_RW(kp_posture) CB_RW(kd_posture) CB_RW(kp_hand)
                          CB_RW(kd_hand) CB_RW(kd_contact) CB_RW(contact_weight) CB_RW(eps_abs) CB_RW(eps_rel)
                              CB_RW(max_iter) CB_RW(max_iter_in) CB_RW(mu_eq) CB_RW(mu_in) CB_RW(working_set) CB_RW(fallback_decay) CB_RW(fallback_damping);
#undef CB_RW

  py::enum_<WbcStatus>(m, "WbcStatus")
      .value("OK", WbcStatus::kOk)
      .value("NOT_RUN", WbcStatus::kNotRun)
      .value("MAX_ITER_REACHED", WbcStatus::kMaxIterReached)
      .value("INFEASIBLE", WbcStatus::kInfeasible)
      .value("NON_FINITE", WbcStatus::kNonFinite);

  py::class_<WholeBodyReferences>(m, "WholeBodyReferences",
                                  "A copy of one tick's references (see WholeBodyQP.references).")
      .def("copy", [](const WholeBodyReferences& r) { return WholeBodyReferences(r); })
      .def(
          "as_dict",
          [](const WholeBodyReferences& r) {
            const auto nc = static_cast<Eigen::Index>(r.swing_pose.size());
            Eigen::MatrixXd swing_R(nc, 9), swing_p(nc, 3), swing_v(nc, 6), swing_a(nc, 6);
            for (Eigen::Index c = 0; c < nc; ++c) {
              const auto& pose = r.swing_pose[static_cast<std::size_t>(c)];
              swing_R.row(c) = Eigen::Map<const Eigen::Matrix<double, 1, 9>>(
                  Eigen::Matrix3d(pose.R.transpose()).data());  // row-major R
              swing_p.row(c) = pose.p.transpose();
              swing_v.row(c) = r.swing_velocity[static_cast<std::size_t>(c)].transpose();
              swing_a.row(c) = r.swing_acceleration[static_cast<std::size_t>(c)].transpose();
            }
            py::dict d;
            d["com"] = Eigen::Vector3d(r.com);
            d["vcom"] = Eigen::Vector3d(r.vcom);
            d["acom"] = Eigen::Vector3d(r.acom);
            d["base_R"] = Eigen::Matrix3d(r.base_R);
            d["base_omega"] = Eigen::Vector3d(r.base_omega);
            d["base_omega_dot"] = Eigen::Vector3d(r.base_omega_dot);
            d["swing_R"] = swing_R;
            d["swing_p"] = swing_p;
            d["swing_velocity"] = swing_v;
            d["swing_acceleration"] = swing_a;
            d["posture"] = Eigen::VectorXd(r.posture);
            d["wrench_ff"] = Eigen::VectorXd(r.wrench_ff);
            return d;
          },
          "The references as arrays (world axes): com, vcom, acom (3,); base_R (3, 3); base_omega, "
          "base_omega_dot (3,); swing_R (nc, 9) row-major, swing_p (nc, 3), swing_velocity, "
          "swing_acceleration (nc, 6) [linear; angular]; posture (nv-6,); wrench_ff (6 nc,).");

  py::class_<PyWholeBodyQP>(m, "WholeBodyQP", R"doc(
Weighted QP inverse dynamics. x = [vdot (nv); one wrench (6) per contact at the sole origin,
LOCAL_WORLD_ALIGNED, force then torque]. tick(q, v, mask) -> tau (nv-6,), N·m.
References start at the configuration q0 given to the constructor.)doc")
      .def(py::init([](Robot& robot, const WholeBodyQPSettings& s, const Eigen::VectorXd& q0) {
             return new PyWholeBodyQP(robot, s, q0);
           }),
           py::arg("robot"), py::arg("settings"), py::arg("q0"), py::keep_alive<1, 2>())
      .def_property_readonly("nv", [](const PyWholeBodyQP& w) { return w.qp.nv(); })
      .def_property_readonly("num_contacts", [](const PyWholeBodyQP& w) { return w.qp.num_contacts(); })
      .def_property_readonly("num_variables", [](const PyWholeBodyQP& w) { return w.qp.num_variables(); })
      .def(
          "tick",
          [](PyWholeBodyQP& w, const Eigen::VectorXd& q, const Eigen::VectorXd& v, const py::object& mask) {
            w.set_active(mask);
            {
              py::gil_scoped_release release;
              w.qp.tick(q, v, w.active, w.refs);
            }
            return Eigen::VectorXd(w.qp.tau());
          },
          py::arg("q"), py::arg("v"), py::arg("mask"),
          "One step: state (q (nq,), v (nv,), contact mask (nc,) bool) -> tau (nv-6,), N·m.")
      .def(
          "time_tick",
          [](PyWholeBodyQP& w, const Eigen::VectorXd& q, const Eigen::VectorXd& v, const py::object& mask,
             int n) {
            if (n <= 0) throw std::invalid_argument("n must be positive");
            w.set_active(mask);
            Eigen::VectorXd t(n);
            {
              py::gil_scoped_release release;
              for (int i = 0; i < n; ++i) {
                w.qp.tick(q, v, w.active, w.refs);
                t[i] = w.qp.last_tick_us();
              }
            }
            return t;
          },
          py::arg("q"), py::arg("v"), py::arg("mask"), py::arg("n"),
          "(n,) durations of n ticks at the same state, µs, measured in C++.")
      .def_property_readonly(
          "references", [](const PyWholeBodyQP& w) { return WholeBodyReferences(w.refs); },
          "A copy of the references the next tick uses (for recording and replay).")
      .def(
          "replay",
          [](PyWholeBodyQP& w, const Eigen::Ref<const RowMatrixXd>& Q, const Eigen::Ref<const RowMatrixXd>& V,
             const py::object& masks, const std::vector<WholeBodyReferences>& refs) {
            const Eigen::Index n = Q.rows();
            auto M = py::array_t<bool, py::array::c_style | py::array::forcecast>::ensure(masks);
            if (n == 0 || V.rows() != n || static_cast<Eigen::Index>(refs.size()) != n || !M ||
                M.ndim() != 2 || M.shape(0) != n || M.shape(1) != w.qp.num_contacts())
              throw std::invalid_argument(
                  "replay: q (n, nq), v (n, nv), masks (n, nc) bool and n references, n >= 1");
            const WholeBodyReferences& proto = w.refs;
            for (const auto& r : refs)
              if (r.swing_pose.size() != proto.swing_pose.size() ||
                  r.hand_pose.size() != proto.hand_pose.size() || r.posture.size() != proto.posture.size() ||
                  r.wrench_ff.size() != proto.wrench_ff.size())
                throw std::invalid_argument("replay: references of another problem");
            Eigen::VectorXd t(n);
            RowMatrixXd tau(n, w.qp.nv() - 6);
            Eigen::VectorXi status(n);
            auto m = M.unchecked<2>();
            {
              py::gil_scoped_release release;
              for (Eigen::Index i = 0; i < n; ++i) {
                for (int c = 0; c < w.qp.num_contacts(); ++c) w.active(c) = m(i, c);
                w.refs = refs[static_cast<size_t>(i)];  // same sizes: no allocation
                w.qp.tick(Q.row(i).transpose(), V.row(i).transpose(), w.active, w.refs);
                t[i] = w.qp.last_tick_us();
                tau.row(i) = w.qp.tau().transpose();
                status[i] = static_cast<int>(w.qp.status());
              }
            }
            return py::make_tuple(t, tau, status);
          },
          py::arg("q"), py::arg("v"), py::arg("masks"), py::arg("references"),
          "Ticks through recorded states in order (q (n, nq), v (n, nv), masks (n, nc), n "
          "references): (durations (n,) µs measured in C++, tau (n, nv-6) N·m, status (n,) int). "
          "Leaves the last references in place.")
      .def_property_readonly("tau", [](const PyWholeBodyQP& w) { return Eigen::VectorXd(w.qp.tau()); })
      .def_property_readonly("vdot", [](const PyWholeBodyQP& w) { return Eigen::VectorXd(w.qp.vdot()); })
      .def_property_readonly("wrenches", [](const PyWholeBodyQP& w) {
        const Eigen::VectorXd& x = w.qp.wrenches();
        Eigen::MatrixXd W(w.qp.num_contacts(), 6);
        for (int c = 0; c < w.qp.num_contacts(); ++c) W.row(c) = x.segment<6>(6 * c).transpose();
        return W;
      }, "(nc, 6) contact wrenches [f; tau] at the soles, LOCAL_WORLD_ALIGNED, N and N·m.")
      .def_property_readonly("status", [](const PyWholeBodyQP& w) { return w.qp.status(); })
      .def_property_readonly("failures", [](const PyWholeBodyQP& w) { return w.qp.failures(); })
      .def_property_readonly("working_set_ticks", [](const PyWholeBodyQP& w) { return w.qp.working_set_ticks(); },
                             "Ticks solved on the previous tick's active set (no proxsuite call).")
      .def_property_readonly("working_set_outcome", [](const PyWholeBodyQP& w) {
            static const char* names[] = {"solved", "not_positive_definite", "infinite_bound",
                                          "too_many_rows", "dependent_rows", "too_many_changes",
                                          "inaccurate"};
            return std::string(names[static_cast<int>(w.qp.working_set_qp().outcome())]);
          }, "How the last tick's working-set solve ended (also when the contacts changed and it did not run: the previous outcome).")
      .def_property_readonly("working_set_changes", [](const PyWholeBodyQP& w) { return w.qp.working_set_qp().changes(); })
      .def_property_readonly("iterations", [](const PyWholeBodyQP& w) { return w.qp.iterations(); })
      .def_property_readonly("outer_iterations", [](const PyWholeBodyQP& w) { return w.qp.outer_iterations(); })
      .def_property_readonly("last_tick_us", [](const PyWholeBodyQP& w) { return w.qp.last_tick_us(); })
      .def(
          "qp_matrices",
          [](const PyWholeBodyQP& w) {
            const auto& q = w.qp;
            py::dict d;
            d["H"] = Eigen::MatrixXd(q.H());
            d["g"] = Eigen::VectorXd(q.g());
            d["A"] = Eigen::MatrixXd(q.A());
            d["b"] = Eigen::VectorXd(q.b());
            d["C"] = Eigen::MatrixXd(q.C());
            d["l"] = Eigen::VectorXd(q.l());
            d["u"] = Eigen::VectorXd(q.u());
            d["x"] = Eigen::VectorXd(q.x());
            return d;
          },
          "Last QP: min 0.5 x'Hx + g'x s.t. A x = b, l <= C x <= u (|bound| >= 1e20: none); x: solution.")
      // References (world axes).
      .def(
          "set_com_reference",
          [](PyWholeBodyQP& w, const Eigen::VectorXd& com, const Eigen::VectorXd& vcom, const Eigen::VectorXd& acom) {
            w.refs.com = vec<3>(com, "com");
            w.refs.vcom = vec<3>(vcom, "vcom");
            w.refs.acom = vec<3>(acom, "acom");
          },
          py::arg("com"), py::arg("vcom") = Eigen::Vector3d::Zero(), py::arg("acom") = Eigen::Vector3d::Zero(),
          "CoM position m, velocity m/s, acceleration m/s^2.")
      .def(
          "set_base_reference",
          [](PyWholeBodyQP& w, const Eigen::MatrixXd& R, const Eigen::VectorXd& omega, const Eigen::VectorXd& omega_dot) {
            w.refs.base_R = rot(R, "R");
            w.refs.base_omega = vec<3>(omega, "omega");
            w.refs.base_omega_dot = vec<3>(omega_dot, "omega_dot");
          },
          py::arg("R"), py::arg("omega") = Eigen::Vector3d::Zero(), py::arg("omega_dot") = Eigen::Vector3d::Zero(),
          "Base orientation (3, 3) world <- base, angular velocity rad/s and acceleration rad/s^2.")
      .def(
          "set_swing_reference",
          [](PyWholeBodyQP& w, int i, const Eigen::MatrixXd& R, const Eigen::VectorXd& p, const Eigen::VectorXd& vel,
             const Eigen::VectorXd& acc) {
            const int c = w.contact(i);
            w.refs.swing_pose[c].R = rot(R, "R");
            w.refs.swing_pose[c].p = vec<3>(p, "p");
            w.refs.swing_velocity[c] = vec<6>(vel, "velocity");
            w.refs.swing_acceleration[c] = vec<6>(acc, "acceleration");
          },
          py::arg("contact"), py::arg("R"), py::arg("p"), py::arg("velocity") = Vector6d::Zero(),
          py::arg("acceleration") = Vector6d::Zero(),
          "Sole pose of contact i while inactive; velocity/acceleration (6,) [linear; angular].")
      .def(
          "set_hand_reference",
          [](PyWholeBodyQP& w, int i, const Eigen::MatrixXd& R, const Eigen::VectorXd& p, const Eigen::VectorXd& vel,
             const Eigen::VectorXd& acc) {
            const int h = w.hand(i);
            w.refs.hand_pose[h].R = rot(R, "R");
            w.refs.hand_pose[h].p = vec<3>(p, "p");
            w.refs.hand_velocity[h] = vec<6>(vel, "velocity");
            w.refs.hand_acceleration[h] = vec<6>(acc, "acceleration");
          },
          py::arg("hand"), py::arg("R"), py::arg("p"), py::arg("velocity") = Vector6d::Zero(),
          py::arg("acceleration") = Vector6d::Zero())
      .def(
          "set_posture_reference",
          [](PyWholeBodyQP& w, const Eigen::VectorXd& q_joints) {
            if (q_joints.size() != w.refs.posture.size())
              throw std::invalid_argument("posture must have nv-6 entries");
            w.refs.posture = q_joints;
          },
          py::arg("q_joints"), "(nv-6,) joint positions, rad.")
      .def(
          "set_wrench_feedforward",
          [](PyWholeBodyQP& w, const Eigen::MatrixXd& W) {
            const int nc = w.qp.num_contacts();
            if (W.rows() != nc || W.cols() != 6) throw std::invalid_argument("wrenches must be (nc, 6)");
            for (int c = 0; c < nc; ++c) w.refs.wrench_ff.segment<6>(6 * c) = W.row(c).transpose();
          },
          py::arg("wrenches"), "(nc, 6) feed-forward wrenches, same layout as `wrenches`.")
      .def_property_readonly("com_reference", [](const PyWholeBodyQP& w) { return Eigen::Vector3d(w.refs.com); })
      .def("swing_reference", [](const PyWholeBodyQP& w, int i) {
        const int c = w.contact(i);
        return py::make_tuple(Eigen::Matrix3d(w.refs.swing_pose[c].R), Eigen::Vector3d(w.refs.swing_pose[c].p));
      }, py::arg("contact"), "(R, p) sole reference of contact i.");
}
