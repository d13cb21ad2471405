// Python bindings of cerebellum::BaseEstimator (contact-aided invariant EKF).
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>

#include "cerebellum/base_estimator.hpp"
#include "estimator_convert.hpp"
#include "gait_convert.hpp"

namespace py = pybind11;
using cerebellum::BaseEstimate;
using cerebellum::BaseEstimator;
using cerebellum::BaseEstimatorInput;
using cerebellum::BaseEstimatorSettings;
using cerebellum_bindings::PyEstimator;

namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

void copy_to(const Array& x, double* out, py::ssize_t n, const char* name) {
  if (x.size() != n) {
    throw py::value_error(std::string(name) + " must have " + std::to_string(n) +
                          " values, got " + std::to_string(x.size()));
  }
  std::copy(x.data(), x.data() + n, out);
}


constexpr auto kView = py::return_value_policy::reference_internal;

}  // namespace

void register_estimator(py::module_& m) {
  py::class_<BaseEstimatorSettings>(m, "BaseEstimatorSettings",
                                    "Settings of BaseEstimator (noise densities: continuous std).")
      .def(py::init<>())
      .def_readwrite("foot_frames", &BaseEstimatorSettings::foot_frames)
      .def_readwrite("imu_frame", &BaseEstimatorSettings::imu_frame)
      .def_readwrite("gravity_mps2", &BaseEstimatorSettings::gravity_mps2)
      .def_readwrite("gyro_noise", &BaseEstimatorSettings::gyro_noise)
      .def_readwrite("acc_noise", &BaseEstimatorSettings::acc_noise)
      .def_readwrite("gyro_bias_walk", &BaseEstimatorSettings::gyro_bias_walk)
      .def_readwrite("acc_bias_walk", &BaseEstimatorSettings::acc_bias_walk)
      .def_readwrite("contact_noise", &BaseEstimatorSettings::contact_noise)
      .def_readwrite("encoder_noise_rad", &BaseEstimatorSettings::encoder_noise_rad)
      .def_readwrite("kinematics_noise_m", &BaseEstimatorSettings::kinematics_noise_m)
      .def_readwrite("use_orientation", &BaseEstimatorSettings::use_orientation)
      .def_readwrite("tilt_noise_rad", &BaseEstimatorSettings::tilt_noise_rad)
      .def_readwrite("force_on_N", &BaseEstimatorSettings::force_on_N)
      .def_readwrite("force_off_N", &BaseEstimatorSettings::force_off_N)
      .def_readwrite("force_swing_N", &BaseEstimatorSettings::force_swing_N)
      .def_readwrite("slip_speed_mps", &BaseEstimatorSettings::slip_speed_mps)
      .def_readwrite("slip_noise_scale", &BaseEstimatorSettings::slip_noise_scale)
      .def_readwrite("slip_max_s", &BaseEstimatorSettings::slip_max_s)
      .def_readwrite("contact_at_cop", &BaseEstimatorSettings::contact_at_cop)
      .def_readwrite("cop_limit_m", &BaseEstimatorSettings::cop_limit_m)
      .def_readwrite("terrain_noise_m", &BaseEstimatorSettings::terrain_noise_m)
      .def_readwrite("terrain_gate_m", &BaseEstimatorSettings::terrain_gate_m)
      .def_readwrite("terrain_edge_m", &BaseEstimatorSettings::terrain_edge_m)
      .def_readwrite("init_rot_rad", &BaseEstimatorSettings::init_rot_rad)
      .def_readwrite("init_vel_mps", &BaseEstimatorSettings::init_vel_mps)
      .def_readwrite("init_pos_m", &BaseEstimatorSettings::init_pos_m)
      .def_readwrite("init_gyro_bias", &BaseEstimatorSettings::init_gyro_bias)
      .def_readwrite("init_acc_bias", &BaseEstimatorSettings::init_acc_bias)
      .def("validate", &BaseEstimatorSettings::validate, "ValueError naming a field out of range.");

  py::class_<PyEstimator>(m, "BaseEstimator", R"doc(
Contact-aided right-invariant EKF: IMU + leg kinematics of the feet in contact (+ IMU tilt).

State: IMU orientation/velocity/position, both sole positions, gyro and accelerometer biases.
Reported base: the model's root joint frame; linear_velocity base frame, linear_velocity_world
world frame, angular_velocity base frame. Array accessors are read-only views, overwritten by the
next update().
)doc")
      .def(py::init([](const py::object& path, const BaseEstimatorSettings& s) {
             const std::string p = py::module_::import("os").attr("fspath")(path).cast<std::string>();
             if (!std::ifstream(p).good()) {
               PyErr_SetString(PyExc_FileNotFoundError, ("model file not found: '" + p + "'").c_str());
               throw py::error_already_set();
             }
             auto e = std::make_unique<PyEstimator>();
             e->est = std::make_unique<BaseEstimator>(p, s);
             e->in = e->est->make_input();
             return e;
           }),
           py::arg("model_path"), py::arg("settings"))
      .def_property_readonly("n_joints", [](const PyEstimator& e) { return e.est->n_joints(); })
      .def_property_readonly("settings",
                             [](const PyEstimator& e) { return e.est->settings(); })
      .def(
          "reset",
          [](PyEstimator& e, const Array& p, const Array& quat, const Array& v, const Array& qj) {
            Eigen::Vector3d pp, vv;
            Eigen::Vector4d qq;
            copy_to(p, pp.data(), 3, "base_position");
            copy_to(quat, qq.data(), 4, "base_quat_xyzw");
            copy_to(v, vv.data(), 3, "base_velocity_world");
            copy_to(qj, e.in.joint_pos.data(), e.est->n_joints(), "joint_pos");
            e.est->reset(pp, qq, vv, e.in.joint_pos);
          },
          py::arg("base_position"), py::arg("base_quat_xyzw"), py::arg("base_velocity_world"),
          py::arg("joint_pos"),
          "Starts at a known base pose (world) and world-frame velocity, zero biases.")
      .def(
          "update",
          [](PyEstimator& e, const Array& gyro, const Array& acc, const Array& qj, const Array& vj,
             const Array& force, const Array& torque, double dt, const py::object& quat,
             const py::object& schedule) {
            BaseEstimatorInput& in = e.in;
            const py::ssize_t nj = e.est->n_joints();
            copy_to(gyro, in.gyro.data(), 3, "gyro");
            copy_to(acc, in.acc.data(), 3, "acc");
            copy_to(qj, in.joint_pos.data(), nj, "joint_pos");
            copy_to(vj, in.joint_vel.data(), nj, "joint_vel");
            if (force.size() != 6) {
              throw py::value_error("foot_force must have shape (2, 3), got " +
                                    std::to_string(force.size()) + " values");
            }
            if (torque.size() != 6) {
              throw py::value_error("foot_torque must have shape (2, 3), got " +
                                    std::to_string(torque.size()) + " values");
            }
            for (int i = 0; i < 2; ++i) {
              for (int k = 0; k < 3; ++k) {
                in.foot_force[i][k] = force.data()[3 * i + k];
                in.foot_torque[i][k] = torque.data()[3 * i + k];
              }
            }
            in.dt_s = dt;
            in.has_orientation = !quat.is_none();
            if (in.has_orientation) copy_to(quat.cast<Array>(), in.imu_quat_xyzw.data(), 4, "imu_quat_xyzw");
            in.schedule = {-1, -1};
            if (!schedule.is_none()) {
              const auto sch = schedule.cast<std::array<int, 2>>();
              for (int i = 0; i < 2; ++i) {
                if (sch[i] < -1 || sch[i] > 1) {
                  throw py::value_error("schedule entries must be 1 (stance), 0 (swing) or -1 (unknown)");
                }
              }
              in.schedule = sch;
            }
            py::gil_scoped_release release;
            return e.est->update(in);
          },
          py::arg("gyro"), py::arg("acc"), py::arg("joint_pos"), py::arg("joint_vel"),
          py::arg("foot_force"), py::arg("foot_torque"), py::arg("dt_s"), py::arg("imu_quat_xyzw") = py::none(),
          py::arg("schedule") = py::none(),
          "One step: gyro (3,) rad/s and acc (3,) m/s² IMU frame, joints (nj,), ground reaction "
          "on each sole foot_force (2, 3) N and foot_torque (2, 3) N·m about the sole origin, sole "
          "frame, dt_s; optional IMU orientation (4,) xyzw and the gait plan per foot "
          "(1 stance, 0 swing, -1 unknown). Returns the status bits (0: ok; 1: bad dt, nothing "
          "done; 2: IMU sample held; 4: no kinematics; 8: not reset).")
      .def(
          "time_update", [](PyEstimator& e, py::ssize_t n) {
            if (n < 1) throw py::value_error("n must be >= 1");
            py::array_t<double> out(n);
            double* t = out.mutable_data();
            py::gil_scoped_release release;
            for (py::ssize_t i = 0; i < n; ++i) {
              const auto t0 = std::chrono::steady_clock::now();
              e.est->update(e.in);
              t[i] = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
            }
            return out;
          },
          py::arg("n"), "(n,) durations of n update() calls on the last input, µs (C++ timer).")
      .def(
          "time_updates",
          [](PyEstimator& e, const Array& gyro, const Array& acc, const Array& qj, const Array& vj,
             const Array& force, const Array& torque, const Array& dt, const py::object& quat,
             const py::object& schedule) {
            const py::ssize_t n = dt.size(), nj = e.est->n_joints();
            auto rows = [n](const Array& a, py::ssize_t cols, const char* name) {
              if (a.size() != n * cols)
                throw py::value_error(std::string(name) + " must have shape (n, " +
                                      std::to_string(cols) + ") with n = len(dt_s) = " +
                                      std::to_string(n));
              return a.data();
            };
            const double *g = rows(gyro, 3, "gyro"), *a = rows(acc, 3, "acc"),
                         *p = rows(qj, nj, "joint_pos"), *v = rows(vj, nj, "joint_vel"),
                         *f = rows(force, 6, "foot_force"), *m = rows(torque, 6, "foot_torque");
            Array qa, sa;
            const double *q = nullptr, *sc = nullptr;
            if (!quat.is_none()) q = rows(qa = quat.cast<Array>(), 4, "imu_quat_xyzw");
            if (!schedule.is_none()) sc = rows(sa = schedule.cast<Array>(), 2, "schedule");
            py::array_t<double> out(n);
            double* t = out.mutable_data();
            BaseEstimatorInput& in = e.in;
            py::gil_scoped_release release;
            for (py::ssize_t i = 0; i < n; ++i) {  // fill the input untimed, then time update()
              in.gyro = Eigen::Map<const Eigen::Vector3d>(g + 3 * i);
              in.acc = Eigen::Map<const Eigen::Vector3d>(a + 3 * i);
              in.joint_pos = Eigen::Map<const Eigen::VectorXd>(p + nj * i, nj);
              in.joint_vel = Eigen::Map<const Eigen::VectorXd>(v + nj * i, nj);
              for (int k = 0; k < 2; ++k) {
                in.foot_force[k] = Eigen::Map<const Eigen::Vector3d>(f + 6 * i + 3 * k);
                in.foot_torque[k] = Eigen::Map<const Eigen::Vector3d>(m + 6 * i + 3 * k);
              }
              in.dt_s = dt.data()[i];
              in.has_orientation = q != nullptr;
              if (q) in.imu_quat_xyzw = Eigen::Map<const Eigen::Vector4d>(q + 4 * i);
              in.schedule = {-1, -1};
              if (sc) in.schedule = {static_cast<int>(sc[2 * i]), static_cast<int>(sc[2 * i + 1])};
              const auto t0 = std::chrono::steady_clock::now();
              e.est->update(in);
              t[i] = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
            }
            return out;
          },
          py::arg("gyro"), py::arg("acc"), py::arg("joint_pos"), py::arg("joint_vel"),
          py::arg("foot_force"), py::arg("foot_torque"), py::arg("dt_s"),
          py::arg("imu_quat_xyzw") = py::none(), py::arg("schedule") = py::none(),
          "Runs update() on n recorded samples in order (the arguments of update() stacked: "
          "(n, 3), (n, 3), (n, nj), (n, nj), (n, 2, 3), (n, 2, 3), dt_s (n,), optional (n, 4) "
          "and (n, 2)); returns (n,) durations of each update() call, µs (C++ timer).")
      .def_property_readonly("position", [](const PyEstimator& e) -> const Eigen::Vector3d& { return e.est->estimate().position; }, kView, "(3,) base origin, world, m.")
      .def_property_readonly("quat_xyzw", [](const PyEstimator& e) -> const Eigen::Vector4d& { return e.est->estimate().quat_xyzw; }, kView, "(4,) world <- base.")
      .def_property_readonly("rotation", [](const PyEstimator& e) -> const Eigen::Matrix3d& { return e.est->estimate().R; }, kView, "(3, 3) world <- base.")
      .def_property_readonly("linear_velocity", [](const PyEstimator& e) -> const Eigen::Vector3d& { return e.est->estimate().linear_velocity; }, kView, "(3,) base frame, m/s.")
      .def_property_readonly("linear_velocity_world", [](const PyEstimator& e) -> const Eigen::Vector3d& { return e.est->estimate().linear_velocity_world; }, kView, "(3,) world frame, m/s.")
      .def_property_readonly("angular_velocity", [](const PyEstimator& e) -> const Eigen::Vector3d& { return e.est->estimate().angular_velocity; }, kView, "(3,) base frame, rad/s.")
      .def_property_readonly("gyro_bias", [](const PyEstimator& e) -> const Eigen::Vector3d& { return e.est->estimate().gyro_bias; }, kView, "(3,) rad/s, IMU frame.")
      .def_property_readonly("acc_bias", [](const PyEstimator& e) -> const Eigen::Vector3d& { return e.est->estimate().acc_bias; }, kView, "(3,) m/s², IMU frame.")
      .def_property_readonly("contact", [](const PyEstimator& e) { const auto& x = e.est->estimate().contact; return py::make_tuple(x[0], x[1]); }, "(left, right) detected contact.")
      .def(
          "set_terrain",
          [](PyEstimator& e, const py::object& terrain) {
            py::object keep = py::none();
            const cerebellum::TerrainQuery* t = cerebellum_bindings::terrain_from(terrain, keep);
            e.terrain = keep;
            e.est->set_terrain(t);
          },
          py::arg("terrain"),
          "The terrain map the contacts' heights are measured against (terrain_noise_m > 0): "
          "None, a _core.TerrainQuery or a sim.terrain.Terrain.")
      .def_property_readonly("on_terrain", [](const PyEstimator& e) { const auto& x = e.est->estimate().on_terrain; return py::make_tuple(x[0], x[1]); }, "(left, right) contact whose height was fused against the terrain map this update.")
      .def_property_readonly("slipping", [](const PyEstimator& e) { const auto& x = e.est->estimate().slipping; return py::make_tuple(x[0], x[1]); }, "(left, right) contact whose sole moves faster than slip_speed_mps.")
      .def_property_readonly("foot_speed_mps", [](const PyEstimator& e) { const auto& x = e.est->estimate().foot_speed_mps; return py::make_tuple(x[0], x[1]); }, "(left, right) kinematic sole speed, world, m/s.")
      .def_property_readonly("foot_position", [](const PyEstimator& e) { const auto& f = e.est->estimate().foot_position; Eigen::Matrix<double, 2, 3, Eigen::RowMajor> o; o.row(0) = f[0]; o.row(1) = f[1]; return o; }, "(2, 3) sole positions in the state, world, m.")
      .def_property_readonly("cop", [](const PyEstimator& e) { const auto& f = e.est->estimate().cop; Eigen::Matrix<double, 2, 3, Eigen::RowMajor> o; o.row(0) = f[0]; o.row(1) = f[1]; return o; }, "(2, 3) contact points in the sole frames, m.")
      .def_property_readonly("status", [](const PyEstimator& e) { return e.est->estimate().status; })
      .def_property_readonly("covariance", [](const PyEstimator& e) -> const BaseEstimator::Cov& { return e.est->covariance(); }, kView, "(21, 21) error covariance [R, v, p, d_l, d_r, b_g, b_a].")
      .def_property_readonly("imu_rotation", [](const PyEstimator& e) -> const Eigen::Matrix3d& { return e.est->imu_rotation(); }, kView, "(3, 3) world <- IMU.")
      .def_property_readonly("imu_velocity", [](const PyEstimator& e) -> const Eigen::Vector3d& { return e.est->imu_velocity(); }, kView, "(3,) IMU velocity, world, m/s.")
      .def_property_readonly("imu_position", [](const PyEstimator& e) -> const Eigen::Vector3d& { return e.est->imu_position(); }, kView, "(3,) IMU position, world, m.")
      .def("foot_in_imu", [](const PyEstimator& e, int i) -> Eigen::Vector3d {
             if (i < 0 || i > 1) throw py::index_error("foot index must be 0 or 1");
             return e.est->foot_in_imu(i); }, py::arg("i"), "(3,) sole i in the IMU frame from the last kinematics, m.")
      .def("foot_rate_in_imu", [](const PyEstimator& e, int i) -> Eigen::Vector3d {
             if (i < 0 || i > 1) throw py::index_error("foot index must be 0 or 1");
             return e.est->foot_rate_in_imu(i); }, py::arg("i"), "(3,) sole i velocity relative to the IMU frame from the joint rates, IMU frame, m/s.");
}
