// Gait planner (see gait_planner.hpp).
#include "cerebellum/gait_planner.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "cerebellum/base_reference.hpp"

namespace cerebellum {

GaitPlan::GaitPlan(int capacity) {
  if (capacity < 1) throw std::invalid_argument("GaitPlan: capacity must be >= 1");
  times = Eigen::VectorXd::Zero(capacity);
  contact = Contact::Constant(capacity, 2, true);
  foot_positions.setZero(capacity, 6);
  foot_normals.setZero(capacity, 6);
  base_position = Eigen::MatrixXd::Zero(capacity, 3);
  base_yaw = Eigen::VectorXd::Zero(capacity);
  base_velocity = Eigen::MatrixXd::Zero(capacity, 3);
  base_yaw_rate = Eigen::VectorXd::Zero(capacity);
}

GaitPlanner::GaitPlanner(const GaitSettings& settings, const TerrainQuery* terrain,
                         const FootholdSearch& search, bool follow_command, int capacity)
    : settings_(settings),
      terrain_(terrain),
      follow_command_(follow_command),
      capacity_(capacity),
      schedule_(settings),
      footsteps_(settings, search) {
  if (capacity < 1) throw std::invalid_argument("GaitPlanner: capacity must be >= 1");
  ground_ = Eigen::VectorXd::Zero(capacity);
  ground_feet_.setZero(capacity, 2);
  reset();
}

void GaitPlanner::reset() {
  stance_ = {};
  has_target_ = {false, false};
  n_kept_ = 0;
  footsteps_.clear();
}

Eigen::Vector3d GaitPlanner::normal_at(const Eigen::Vector3d& p) const {
  if (terrain_ == nullptr) return Eigen::Vector3d::UnitZ();
  const Eigen::Vector3d n = terrain_->normal(p[0], p[1]);
  return n / std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
}

const SwingTrajectory* GaitPlanner::trajectory_for(int foot, double t_liftoff) const {
  for (int k = 0; k < n_kept_; ++k)
    if (kept_[k].foot == foot && kept_[k].t_liftoff == t_liftoff) return &kept_[k].trajectory;
  return nullptr;
}

const SwingTrajectory& GaitPlanner::trajectory(const Stance& start, const Foothold& fh) {
  int slot = -1;
  for (int k = 0; k < n_kept_; ++k)
    if (kept_[k].foot == fh.foot && kept_[k].t_liftoff == fh.t_liftoff) slot = k;
  if (slot >= 0) {
    const SwingTrajectory& tr = kept_[slot].trajectory;
    if (tr.start() == start.position && tr.end() == fh.position && tr.start_yaw() == start.yaw &&
        tr.end_yaw() == fh.yaw)
      return tr;
  } else {  // a new swing: evict the oldest when full (insertion order)
    if (n_kept_ == kKeptTrajectories) {
      std::rotate(kept_.begin(), kept_.begin() + 1, kept_.end());
      --n_kept_;
    }
    slot = n_kept_++;
    kept_[slot].foot = fh.foot;
    kept_[slot].t_liftoff = fh.t_liftoff;
  }
  const GaitSettings& st = settings_;
  Eigen::Matrix3d R0;
  if (terrain_ != nullptr) R0 = tilt_matrix(start.normal) * yaw_matrix(start.yaw);
  kept_[slot].trajectory.reset(start.position, fh.position, fh.t_liftoff, fh.t_touchdown,
                               st.step_height_m, st.swing_apex_phase, start.yaw, fh.yaw,
                               terrain_ != nullptr ? &R0 : nullptr,
                               terrain_ != nullptr ? &fh.normal : nullptr, terrain_,
                               st.swing_clearance_m, &st.sole_rectangle, 32, 0.5, st.swing_xy_ramp,
                               st.swing_xy_ramp_travel_m);
  return kept_[slot].trajectory;
}

void GaitPlanner::plan(double t, const GaitState& state, const VelocityCommand& command, int n,
                       double dt, GaitPlan& out) {
  if (n < 1 || n > capacity_ || n > out.capacity())
    throw std::invalid_argument("GaitPlanner::plan: n = " + std::to_string(n) +
                                " knots, expected 1.." +
                                std::to_string(std::min(capacity_, out.capacity())));
  if (!(dt > 0.0)) throw std::invalid_argument("GaitPlanner::plan: dt must be > 0");
  const GaitSettings& st = settings_;
  if (follow_command_) schedule_.update(t, command);
  out.n = n;
  for (int i = 0; i < n; ++i) out.times[i] = t + dt * static_cast<double>(i);
  schedule_.flags_at(out.times.data(), n, out.contact.data());
  const auto& feet = state.foot_positions;
  for (int f = 0; f < 2; ++f) {
    Stance& s = stance_[f];
    if (out.contact(0, f)) {
      const bool same_patch = s.valid && (s.position - feet[f]).cwiseAbs().maxCoeff() < 0.005;
      const Eigen::Vector3d normal = same_patch ? s.normal : normal_at(feet[f]);
      s = {true, feet[f], state.foot_yaw[f], normal};
    } else if (!s.valid) {  // first call mid-swing: the current pose is the liftoff pose
      s = {true, feet[f], state.foot_yaw[f], normal_at(feet[f])};
    }
  }
  std::array<Stance, 2> planned = stance_;
  for (int f = 0; f < 2; ++f) {
    const Eigen::Vector3d& p = out.contact(0, f) ? feet[f] : planned[f].position;
    for (int i = 0; i < n; ++i) {
      out.foot_positions.row(i).segment<3>(3 * f) = p.transpose();
      out.foot_normals.row(i).segment<3>(3 * f) = planned[f].normal.transpose();
    }
  }
  const bool terrain = terrain_ != nullptr;
  if (terrain)
    for (int i = 0; i < n; ++i)
      for (int f = 0; f < 2; ++f) ground_feet_(i, f) = out.foot_positions(i, 3 * f + 2);

  const std::array<double, 2> vw = command.world_velocity(state.base_yaw);
  const Eigen::Vector2d v_err(state.base_velocity[0] - vw[0], state.base_velocity[1] - vw[1]);
  const double bx = state.base_position[0], by = state.base_position[1];
  bool feedback = true;  // velocity feedback goes to the first foothold planned now (capture step)
  const int ns = schedule_.swings(t, out.times[n - 1], swings_.data(),
                                  static_cast<int>(swings_.size()));
  if (ns > GaitPlan::kMaxFootholds)
    throw std::invalid_argument("GaitPlanner::plan: more than " +
                                std::to_string(GaitPlan::kMaxFootholds) +
                                " swings in the horizon");
  std::array<const SwingTrajectory*, 2> current{nullptr, nullptr};
  std::array<SwingTrajectory, 2> current_copy;  // kept_ may shift while later swings are planned
  out.n_footholds = 0;
  for (int k = 0; k < ns; ++k) {
    const int f = swings_[k].foot;
    const double lo = swings_[k].t_liftoff, td = swings_[k].t_touchdown;
    const bool in_progress = lo <= t;
    Foothold fh;
    if (in_progress && has_target_[f] && targets_[f].t_liftoff == lo &&
        (t - lo) / (td - lo) >= st.touchdown_freeze_phase) {
      fh = targets_[f];
    } else {
      const std::array<double, 3> b = advance_base(bx, by, state.base_yaw, command, td - t);
      const Eigen::Vector2d v_fb = feedback ? v_err : Eigen::Vector2d::Zero();
      feedback = false;
      fh = footsteps_.place(f, lo, td, Eigen::Vector2d(b[0], b[1]), b[2], command, v_fb,
                            planned[1 - f].position, terrain_);
      if (in_progress) {
        targets_[f] = fh;
        has_target_[f] = true;
      }
    }
    const Stance start = planned[f];
    const SwingTrajectory& traj = trajectory(start, fh);
    for (int i = 0; i < n; ++i) {
      const double ti = out.times[i];
      const bool in_swing = ti >= lo && ti < td, after = ti >= td;
      if (in_swing) out.foot_positions.row(i).segment<3>(3 * f) = traj.position(ti).transpose();
      if (after) out.foot_positions.row(i).segment<3>(3 * f) = fh.position.transpose();
      if (in_swing || after) out.foot_normals.row(i).segment<3>(3 * f) = fh.normal.transpose();
      if (terrain) {
        if (in_swing) {
          const double u = (ti - lo) / (td - lo);
          ground_feet_(i, f) = start.position[2] + (fh.position[2] - start.position[2]) * u;
        }
        if (after) ground_feet_(i, f) = fh.position[2];
      }
    }
    planned[f] = {true, fh.position, fh.yaw, fh.normal};
    if (in_progress) {
      current_copy[f] = traj;
      current[f] = &current_copy[f];
    }
    out.footholds[out.n_footholds++] = fh;
  }
  if (terrain)
    for (int i = 0; i < n; ++i) ground_[i] = (ground_feet_(i, 0) + ground_feet_(i, 1)) / 2.0;
  base_reference(bx, by, state.base_yaw, command, n, dt, st.base_height_m,
                 terrain ? ground_.data() : nullptr, out.base_position.topRows(n),
                 out.base_yaw.head(n), out.base_velocity.topRows(n), out.base_yaw_rate.head(n));
  for (int f = 0; f < 2; ++f) {
    if (current[f] != nullptr && !out.contact(0, f)) {
      current[f]->sample(t, out.swing[f]);
      out.swing_phase[f] = current[f]->phase(t);
    } else {
      out.swing[f].position = feet[f];
      out.swing[f].rotation = yaw_matrix(state.foot_yaw[f]);
      out.swing[f].velocity.setZero();
      out.swing[f].acceleration.setZero();
      out.swing_phase[f] = std::numeric_limits<double>::quiet_NaN();
    }
  }
}

}  // namespace cerebellum
