#include "cerebellum/mpc_planner.hpp"

#include <Eigen/Geometry>
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "cerebellum/gait_settings.hpp"

namespace cerebellum {

namespace {

using L = MpcParameterLayout;

/// (a + pi) mod 2 pi - pi with Python's floor modulo (numpy's `%`), as controllers/mpc.py _wrap.
double wrap(double a) {
  constexpr double two_pi = 2.0 * M_PI;
  double r = std::fmod(a + M_PI, two_pi);
  if (r < 0.0) r += two_pi;
  return r - M_PI;
}

/// ZYX Euler angles [roll, pitch, yaw] of a quaternion (x, y, z, w) (controllers/mpc.py
/// quat_to_rpy; pitch in [-pi/2, pi/2]).
Eigen::Vector3d quat_to_rpy(double x, double y, double z, double w) {
  const Eigen::Matrix3d R = Eigen::Quaterniond(w, x, y, z).normalized().toRotationMatrix();
  const double pitch = std::asin(std::max(-1.0, std::min(1.0, -R(2, 0))));
  return {std::atan2(R(2, 1), R(2, 2)), pitch, std::atan2(R(1, 0), R(0, 0))};
}

}  // namespace

void MpcPlannerSettings::validate() const {
  auto fail = [](const std::string& field, const std::string& problem) {
    throw std::invalid_argument("MpcPlannerSettings." + field + ": " + problem);
  };
  const int nj = solver.nx - 12;
  if (solver.library.empty()) fail("solver.library", "empty");
  if (solver.np != L::kPosture + nj) fail("solver.np", "does not match the parameter layout");
  if (solver.num_feet != 2 || solver.contact_index != L::kContact)
    fail("solver.num_feet", "expected 2 feet, contact flags first");
  if (joint_index.size() != nj) fail("joint_index", "expected nx - 12 entries");
  if (posture.size() != nj || !posture.allFinite()) fail("posture", "expected nx - 12 finite values");
  if (!(std::isfinite(mass_kg) && mass_kg > 0)) fail("mass_kg", "expected > 0");
  if (!std::isfinite(base_above_com_m)) fail("base_above_com_m", "not finite");
  if (!(std::isfinite(dt_s) && dt_s > 0)) fail("dt_s", "expected > 0");
}

void sample(const MpcTrajectory& traj, double since_s, MpcSample& out) {
  const MPCTrajectory& k = traj.knots;
  const int K = static_cast<int>(k.q.cols());
  const double dt = traj.dt_s;
  const double t = std::min(std::max(since_s, 0.0), (K - 1) * dt);
  // searchsorted(t_s, t, "right") - 1 on t_s[i] = i * dt, at most K - 2
  int i = std::min(static_cast<int>(t / dt), K - 1);
  while (i + 1 <= K - 1 && (i + 1) * dt <= t) ++i;
  while (i > 0 && i * dt > t) --i;
  i = std::min(i, K - 2);
  const double a = (t - i * dt) / ((i + 1) * dt - i * dt);
  auto lerp = [&](const Eigen::MatrixXd& m, auto& dst) {
    dst = m.col(i) + a * (m.col(i + 1) - m.col(i));
  };
  lerp(k.com, out.com);
  lerp(k.vcom, out.vcom);
  lerp(k.q, out.q);
  lerp(k.v, out.v);
  lerp(k.wrenches, out.wrenches);
  if (k.q.col(i).segment<4>(3).dot(k.q.col(i + 1).segment<4>(3)) < 0) {
    // opposite hemispheres: interpolate with a flipped end
    out.q.segment<4>(3) = (1 - a) * k.q.col(i).segment<4>(3) - a * k.q.col(i + 1).segment<4>(3);
  }
  out.q.segment<4>(3) /= out.q.segment<4>(3).norm();
}

MpcPlanner::MpcPlanner(const MpcPlannerSettings& settings) : s_((settings.validate(), settings)) {
  mpc_ = std::make_unique<KinodynamicMPC>(s_.solver);
  set_enforce_deadline(false);
  if (!mpc_->has_outputs())
    throw std::invalid_argument("MpcPlannerSettings.solver.library: no mpc_out function in " +
                                s_.solver.library);
  if ((s_.joint_index.array() < 0).any() || (s_.joint_index.array() >= nq() - 7).any())
    throw std::invalid_argument("MpcPlannerSettings.joint_index: out of the model's joints");
  const int N = s_.solver.N;
  P_.setZero(s_.solver.np, N + 1);
  X_.setZero(s_.solver.nx, N + 1);
  U_.setZero(s_.solver.nu, N);
  x0_.setZero(s_.solver.nx);
  dyaw_.setZero(N + 1);
}

void MpcPlanner::set_enforce_deadline(bool on) {
  enforce_deadline_ = on;
  if (!forced_miss_)
    mpc_->set_deadline_us(on ? s_.solver.deadline_us : std::numeric_limits<double>::infinity());
}

void MpcPlanner::force_deadline_miss(bool on) {
  if (on == forced_miss_) return;
  forced_miss_ = on;
  if (on)
    mpc_->set_deadline_us(0.0);
  else
    set_enforce_deadline(enforce_deadline_);
}

void MpcPlanner::reset() {
  has_guess_ = false;
  t_solve_ = 0.0;
}

MpcTrajectory MpcPlanner::make_trajectory() const {
  MpcTrajectory t;
  t.dt_s = s_.dt_s;
  t.knots = mpc_->make_trajectory();
  return t;
}

MpcSample MpcPlanner::make_sample() const {
  MpcSample s;
  s.q.setZero(nq());
  s.v.setZero(nv());
  s.wrenches.setZero(6 * s_.solver.num_feet);
  return s;
}

MpcPlanner::Counters MpcPlanner::counters() const {
  Counters c;
  c.solves = solves_.load(std::memory_order_relaxed);
  c.failures = failures_.load(std::memory_order_relaxed);
  c.deadline_misses = misses_.load(std::memory_order_relaxed);
  c.last_solve_us = last_us_.load(std::memory_order_relaxed);
  return c;
}

void MpcPlanner::state(const Eigen::VectorXd& q, const Eigen::Matrix<double, 6, 1>& hg) {
  // [h_lin (3), h_ang (3), base position (3), rpy (3), the MPC's joints] (KinodynamicOCP.x_of_qv)
  x0_.head<6>() = hg;
  x0_.segment<3>(6) = q.head<3>();
  x0_.segment<3>(9) = quat_to_rpy(q[3], q[4], q[5], q[6]);
  for (int i = 0; i < s_.joint_index.size(); ++i) x0_[12 + i] = q[7 + s_.joint_index[i]];
}

void MpcPlanner::solve(double t, const Eigen::VectorXd& q, const Eigen::Matrix<double, 6, 1>& hg,
                       const Eigen::Vector3d& com, const GaitPlan& gp, const ComPlan& com_plan,
                       DescentFilter ground, double ground_z, double com_height_m,
                       MpcTrajectory& out) {
  const int N = s_.solver.N, K = N + 1;
  if (gp.n < K) throw std::logic_error("MpcPlanner::solve: the gait plan has fewer knots than the MPC");
  const double dt = gp.times[1] - gp.times[0];
  state(q, hg);
  if (has_guess_) {
    mpc_->shift(std::max(0.0, t - t_solve_) / s_.dt_s);
    const double yaw_guess = mpc_->X()(11, 0);
    x0_[11] = yaw_guess + wrap(x0_[11] - yaw_guess);
  }
  // yaw references unwrapped about the state's yaw (np.unwrap of the wrapped differences)
  double correction = 0.0, prev = 0.0;
  for (int k = 0; k < K; ++k) {
    const double raw = wrap(gp.base_yaw[k] - x0_[11]);
    if (k > 0) {
      const double dd = raw - prev;
      if (std::abs(dd) >= M_PI) {
        const double ddmod = dd > 0 && wrap(dd) == -M_PI ? M_PI : wrap(dd);
        correction += ddmod - dd;
      }
    }
    prev = raw;
    dyaw_[k] = raw + correction;
  }
  const Eigen::Vector2d offset = q.head<2>() - com.head<2>();
  for (int k = 0; k < K; ++k) {
    auto p = P_.col(k);
    for (int f = 0; f < 2; ++f) p[L::kContact + f] = gp.contact(k, f) ? 1.0 : 0.0;
    p.segment<6>(L::kFoot) = gp.foot_positions.row(k).transpose();
    const double z = k == 0 ? ground.z : ground.step(ground_z, dt)[0];
    p.segment<2>(L::kBasePos) = com_plan.com_at(gp.times[k]) + offset;
    p[L::kBasePos + 2] = z + com_height_m + s_.base_above_com_m;
    p[L::kYaw] = x0_[11] + dyaw_[k];
    p[L::kVel] = gp.base_velocity(k, 0);
    p[L::kVel + 1] = gp.base_velocity(k, 1);
    p[L::kVel + 2] = gp.base_yaw_rate[k];
    p.segment<6>(L::kNormal) = gp.foot_normals.row(k).transpose();
    p.tail(s_.posture.size()) = s_.posture;
  }
  mpc_->set_parameters(P_);
  if (!has_guess_) {
    // x0 repeated; the weight split over the stance feet, joint rates 0 (initial_guess)
    X_.colwise() = x0_;
    U_.setZero();
    for (int k = 0; k < N; ++k) {
      const double c0 = P_(L::kContact, k), c1 = P_(L::kContact + 1, k);
      const double n = std::max(c0 + c1, 1.0);
      U_(2, k) = c0 / n * s_.mass_kg * kGravity;
      U_(8, k) = c1 / n * s_.mass_kg * kGravity;
    }
    mpc_->set_guess(X_, U_);
    has_guess_ = true;
  } else {
    X_ = mpc_->X();  // same sizes: no allocation
    U_ = mpc_->U();
  }
  const MPCStatus status = mpc_->solve(x0_);
  t_solve_ = t;
  out.valid = mpc_->trajectory(out.knots) || out.valid;
  out.t_solve = t;
  out.dt_s = s_.dt_s;
  out.status = status;
  solves_.store(mpc_->solves(), std::memory_order_relaxed);
  failures_.store(mpc_->failures(), std::memory_order_relaxed);
  if (!enforce_deadline_ && !forced_miss_ && mpc_->last_solve_us() > s_.solver.deadline_us) ++overruns_;
  misses_.store(mpc_->deadline_misses() + overruns_, std::memory_order_relaxed);
  last_us_.store(mpc_->last_solve_us(), std::memory_order_relaxed);
}

}  // namespace cerebellum
