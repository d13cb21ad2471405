// Python states and commands into the C++ controllers' RobotState / Command (a buffer sized once,
// refilled every tick): sim.state.RobotState-like objects (t_s, joint_pos, joint_vel, imu_*,
// base None or with position, quat_xyzw, linear_velocity, angular_velocity), commands with vx,
// vy, yaw_rate and an optional stamp_s.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <array>
#include <limits>
#include <stdexcept>
#include <string>

#include "cerebellum/controller.hpp"
#include "gait_convert.hpp"

namespace cerebellum_bindings {

template <int N>
void copy_into(const pybind11::handle& obj, const char* name, Eigen::Matrix<double, N, 1>& out) {
  namespace py = pybind11;
  auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(obj.attr(name));
  if (!a || a.size() != N)
    throw std::invalid_argument(std::string("state.") + name + ": expected " + std::to_string(N) +
                                " numbers");
  const double* p = a.data();
  for (int i = 0; i < N; ++i) out[i] = p[i];
}

inline void copy_into(const pybind11::handle& obj, const char* name, Eigen::VectorXd& out) {
  namespace py = pybind11;
  auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(obj.attr(name));
  if (!a || a.size() != out.size())
    throw std::invalid_argument(std::string("state.") + name + ": expected " +
                                std::to_string(out.size()) + " numbers");
  const double* p = a.data();
  for (Eigen::Index i = 0; i < out.size(); ++i) out[i] = p[i];
}

/// [left, right] 3-vectors from the (2, 3) array obj.name (zeros when obj has no such field:
/// a state without sole F/T sensors).
inline void copy_pair_into(const pybind11::handle& obj, const char* name,
                           std::array<Eigen::Vector3d, 2>& out) {
  namespace py = pybind11;
  if (!py::hasattr(obj, name)) {
    out[0].setZero();
    out[1].setZero();
    return;
  }
  auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(obj.attr(name));
  if (!a || a.size() != 6)
    throw std::invalid_argument(std::string("state.") + name + ": expected (2, 3) numbers");
  const double* p = a.data();
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 3; ++k) out[static_cast<size_t>(i)][k] = p[3 * i + k];
}

/// The state and command a bound controller ticks on.
struct StateBuffer {
  explicit StateBuffer(int nj) : state(cerebellum::make_state(nj)) {}

  /// The command's velocity and its time stamp `stamp_s` when it has one (else NaN: never
  /// stale; a scenario's command, held from its t_s on, has none). None: zero velocity.
  void read_command(const pybind11::handle& c) {
    namespace py = pybind11;
    command.stamp_s = std::numeric_limits<double>::quiet_NaN();
    if (c.is_none()) {
      command.velocity = cerebellum::VelocityCommand{};
      return;
    }
    command.velocity = command_from(c);
    if (py::hasattr(c, "stamp_s")) command.stamp_s = py::cast<double>(c.attr("stamp_s"));
  }

  void read(const pybind11::handle& st) {
    namespace py = pybind11;
    state.t_s = py::cast<double>(st.attr("t_s"));
    copy_into(st, "joint_pos", state.joint_pos);
    copy_into(st, "joint_vel", state.joint_vel);
    copy_into(st, "imu_quat_xyzw", state.imu_quat_xyzw);
    copy_into(st, "imu_gyro", state.imu_gyro);
    copy_into(st, "imu_acc", state.imu_acc);
    copy_pair_into(st, "foot_force", state.foot_force);
    copy_pair_into(st, "foot_torque", state.foot_torque);
    py::object base = st.attr("base");
    state.has_base = !base.is_none();
    if (state.has_base) {
      copy_into(base, "position", state.base.position);
      copy_into(base, "quat_xyzw", state.base.quat_xyzw);
      copy_into(base, "linear_velocity", state.base.linear_velocity);
      copy_into(base, "angular_velocity", state.base.angular_velocity);
    }
  }

  cerebellum::RobotState state;
  cerebellum::Command command;
};

/// reset(state) and tick(state, command=None) -> torques (a copy) on a bound controller `Py`: a
/// StateBuffer with the C++ controller in `ctl`; the GIL is released around the C++ call.
template <class Py, class... Options>
void def_reset_tick(pybind11::class_<Py, Options...>& cls) {
  namespace py = pybind11;
  cls.def(
         "reset",
         [](Py& w, const py::object& state) {
           w.read(state);
           py::gil_scoped_release release;
           w.ctl.reset(w.state);
         },
         py::arg("state"))
      .def(
          "tick",
          [](Py& w, const py::object& state, const py::object& command) {
            w.read(state);
            w.read_command(command);
            const Eigen::VectorXd* tau = nullptr;
            {
              py::gil_scoped_release release;
              tau = &w.ctl.tick(w.state, w.command);
            }
            return Eigen::VectorXd(*tau);
          },
          py::arg("state"), py::arg("command") = py::none());
}

}  // namespace cerebellum_bindings
