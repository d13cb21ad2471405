#include "cerebellum/controller_config.hpp"

#include <cmath>
#include <stdexcept>
#include <vector>

#include "cerebellum/terrains.hpp"

namespace cerebellum {

namespace {

Vector6d vec6(const KeyValueFile& f, const std::string& key) { return f.vector(key, 6); }

Eigen::MatrixXd matrix(const KeyValueFile& f, const std::string& key) {
  const Eigen::VectorXd shape = f.vector(key + ".shape", 2);
  const long r = static_cast<long>(shape[0]), c = static_cast<long>(shape[1]);
  if (r < 1 || c < 1 || shape[0] != r || shape[1] != c) f.fail(key + ".shape", "expected 2 sizes >= 1");
  const Eigen::VectorXd v = f.vector(key, static_cast<int>(r * c));
  Eigen::MatrixXd m(r, c);
  for (long i = 0; i < r; ++i)
    for (long j = 0; j < c; ++j) m(i, j) = v[i * c + j];  // row-major
  return m;
}

}  // namespace

WholeBodyQPSettings read_wbc_settings(const KeyValueFile& f, int nj) {
  WholeBodyQPSettings s;
  const long nc = f.integer("contacts", 0, 16);
  for (long i = 0; i < nc; ++i) {
    const std::string p = "contact." + std::to_string(i) + ".";
    ContactDescription d;
    d.frame = f.string(p + "frame");
    d.offset = f.vector(p + "offset", 3);
    const Eigen::VectorXd R = f.vector(p + "rotation", 9);  // row-major
    for (int r = 0; r < 3; ++r)
      for (int k = 0; k < 3; ++k) d.rotation(r, k) = R[3 * r + k];
    d.x_back = f.number(p + "x_back");
    d.x_front = f.number(p + "x_front");
    d.y_right = f.number(p + "y_right");
    d.y_left = f.number(p + "y_left");
    d.mu = f.number(p + "mu");
    d.fz_min = f.number(p + "fz_min");
    d.fz_max = f.number(p + "fz_max");
    d.yaw_coeff = f.number(p + "yaw_coeff");
    d.free_roll = f.boolean(p + "free_roll");
    s.contacts.push_back(d);
  }
  const auto& base = f.values("wbc.base_frame");
  if (base.size() > 1) f.fail("wbc.base_frame", "expected at most one frame name");
  s.base_frame = base.empty() ? std::string() : base[0];
  s.hand_frames = f.values("wbc.hand_frames");
  s.torque_limit = f.vector("wbc.torque_limit", nj);
  s.joint_damping = f.vector("wbc.joint_damping");
  s.joint_friction = f.vector("wbc.joint_friction");
  s.friction_velocity = f.number("wbc.friction_velocity");
  s.w_momentum = vec6(f, "wbc.w_momentum");
  s.w_base_orientation = f.number("wbc.w_base_orientation");
  s.w_swing = vec6(f, "wbc.w_swing");
  s.w_posture = f.number("wbc.w_posture");
  s.w_hand = vec6(f, "wbc.w_hand");
  s.w_reg_vdot = f.number("wbc.w_reg_vdot");
  s.w_reg_wrench = f.number("wbc.w_reg_wrench");
  s.w_wrench_ff = f.number("wbc.w_wrench_ff");
  s.kp_com = f.number("wbc.kp_com");
  s.kd_com = f.number("wbc.kd_com");
  s.kd_angular_momentum = f.number("wbc.kd_angular_momentum");
  s.k_dcm = f.number("wbc.k_dcm");
  s.cmp_margin = f.number("wbc.cmp_margin");
  s.kp_base = f.number("wbc.kp_base");
  s.kd_base = f.number("wbc.kd_base");
  s.kp_swing = f.number("wbc.kp_swing");
  s.kd_swing = f.number("wbc.kd_swing");
  s.kp_posture = f.number("wbc.kp_posture");
  s.kd_posture = f.number("wbc.kd_posture");
  s.kp_hand = f.number("wbc.kp_hand");
  s.kd_hand = f.number("wbc.kd_hand");
  s.kd_contact = f.number("wbc.kd_contact");
  s.contact_weight = f.number("wbc.contact_weight");
  s.eps_abs = f.number("wbc.eps_abs");
  s.eps_rel = f.number("wbc.eps_rel");
  s.max_iter = static_cast<int>(f.integer("wbc.max_iter", 1, 1000000));
  if (f.has("wbc.max_iter_in"))  // absent in files exported before the setting existed
    s.max_iter_in = static_cast<int>(f.integer("wbc.max_iter_in", 1, 1000000));
  if (f.has("wbc.mu_eq")) s.mu_eq = f.number("wbc.mu_eq");  // absent in older exports
  if (f.has("wbc.mu_in")) s.mu_in = f.number("wbc.mu_in");
  if (f.has("wbc.working_set")) s.working_set = f.boolean("wbc.working_set");
  s.fallback_decay = f.number("wbc.fallback_decay");
  s.fallback_damping = f.number("wbc.fallback_damping");
  return s;
}

std::unique_ptr<TerrainQuery> read_terrain(const KeyValueFile& f) {
  const std::string kind = f.string("terrain.kind");
  if (kind == "flat") return std::make_unique<FlatTerrain>(f.number("terrain.level_m"));
  if (kind == "boxes") {
    const Eigen::MatrixXd b = matrix(f, "terrain.boxes");
    if (b.cols() != 5) f.fail("terrain.boxes.shape", "expected (n, 5): x0 x1 y0 y1 top");
    std::vector<TerrainBox> boxes(static_cast<size_t>(b.rows()));
    for (long i = 0; i < b.rows(); ++i)
      boxes[static_cast<size_t>(i)] = TerrainBox{b(i, 0), b(i, 1), b(i, 2), b(i, 3), b(i, 4)};
    return std::make_unique<BoxTerrain>(std::move(boxes), f.number("terrain.base_m"));
  }
  if (kind == "slope")
    return std::make_unique<SlopeTerrain>(f.number("terrain.angle_deg"), f.number("terrain.length_m"),
                                          f.number("terrain.width_m"), f.number("terrain.x0_m"),
                                          f.number("terrain.y_m"));
  if (kind == "grid")
    return std::make_unique<GridTerrain>(matrix(f, "terrain.grid"), f.number("terrain.x0_m"),
                                         f.number("terrain.y0_m"), f.number("terrain.cell_m"),
                                         f.number("terrain.outside_m"));
  f.fail("terrain.kind", "expected flat, boxes, slope or grid, got '" + kind + "'");
  return nullptr;
}

void read_safety_settings(const KeyValueFile& f, SafetySettings& y) {
  // each key optional: files exported before they existed
  if (f.has("safety.enabled")) y.enabled = f.boolean("safety.enabled");
#define CB_SAFETY(x) \
  if (f.has("safety." #x)) y.x = f.number("safety." #x)
  CB_SAFETY(max_sensor_age_s);
  CB_SAFETY(max_command_age_s);
  CB_SAFETY(position_tolerance_rad);
  CB_SAFETY(max_joint_speed_radps);
  CB_SAFETY(max_gyro_radps);
  CB_SAFETY(max_acc_mps2);
  CB_SAFETY(torque_rate_per_s);
  CB_SAFETY(position_margin_rad);
  CB_SAFETY(position_damping_s);
  CB_SAFETY(velocity_limit_radps);
  CB_SAFETY(velocity_margin);
  CB_SAFETY(velocity_damping_s);
  CB_SAFETY(fall_tilt_rad);
  CB_SAFETY(fall_height_fraction);
  CB_SAFETY(hold_s);
  CB_SAFETY(damping_s);
  CB_SAFETY(damping_torque_fraction);
#undef CB_SAFETY
}

BaseEstimatorSettings read_estimator_settings(const KeyValueFile& f) {
  BaseEstimatorSettings e;
  const auto& feet = f.values("estimator.foot_frames");
  if (feet.size() != 2) f.fail("estimator.foot_frames", "expected the left and right sole frames");
  e.foot_frames = {feet[0], feet[1]};
  e.imu_frame = f.string("estimator.imu_frame");
  e.use_orientation = f.boolean("estimator.use_orientation");
  e.contact_at_cop = f.boolean("estimator.contact_at_cop");
#define CB_EST(x) e.x = f.number("estimator." #x)
  CB_EST(gravity_mps2);
  CB_EST(gyro_noise);
  CB_EST(acc_noise);
  CB_EST(gyro_bias_walk);
  CB_EST(acc_bias_walk);
  CB_EST(contact_noise);
  CB_EST(encoder_noise_rad);
  CB_EST(kinematics_noise_m);
  CB_EST(tilt_noise_rad);
  CB_EST(force_on_N);
  CB_EST(force_off_N);
  CB_EST(force_swing_N);
  CB_EST(slip_speed_mps);
  CB_EST(slip_noise_scale);
  CB_EST(slip_max_s);
  CB_EST(cop_limit_m);
  if (f.has("estimator.terrain_noise_m")) e.terrain_noise_m = f.number("estimator.terrain_noise_m");
  if (f.has("estimator.terrain_gate_m")) e.terrain_gate_m = f.number("estimator.terrain_gate_m");
  if (f.has("estimator.terrain_edge_m")) e.terrain_edge_m = f.number("estimator.terrain_edge_m");
  CB_EST(init_rot_rad);
  CB_EST(init_vel_mps);
  CB_EST(init_pos_m);
  CB_EST(init_gyro_bias);
  CB_EST(init_acc_bias);
#undef CB_EST
  try {
    e.validate();
  } catch (const std::invalid_argument& err) {
    f.fail("estimator", err.what());
  }
  return e;
}

WalkingConfig walking_config(const KeyValueFile& f, const std::string& dir) {
  if (f.integer("format", 1, 1) != 1) f.fail("format", "expected 1");
  if (f.string("controller") != "walk")
    f.fail("controller", "expected 'walk', got '" + f.string("controller") + "'");
  WalkingConfig c;
  WalkingSettings& s = c.settings;
  s.model_path = f.string("model");
  if (!s.model_path.empty() && s.model_path[0] != '/' && !dir.empty())
    s.model_path = dir + "/" + s.model_path;
  const auto& frames = f.values("frames");
  if (frames.size() != 3) f.fail("frames", "expected left sole, right sole, IMU frames");
  s.foot_frames = {frames[0], frames[1]};
  s.imu_frame = f.string("imu_frame");
  if (frames[2] != s.imu_frame) f.fail("imu_frame", "expected the third of frames");
  const long nq = f.integer("nq", 8, 1000);
  const long nv = f.integer("nv", 7, 1000);
  s.q_stand = f.vector("q_stand", static_cast<int>(nq));
  s.wbc = read_wbc_settings(f, static_cast<int>(nv - 6));
  GaitSettings& g = s.gait;
#define CB_GAIT(x) g.x = f.optional_number("gait." #x)
  CB_GAIT(step_duration_s);
  CB_GAIT(double_support_ratio);
  CB_GAIT(step_height_m);
  CB_GAIT(max_step_length_m);
  CB_GAIT(max_step_width_m);
  CB_GAIT(min_step_width_m);
  CB_GAIT(nominal_width_m);
  CB_GAIT(nominal_foot_x_m);
  CB_GAIT(base_height_m);
  CB_GAIT(com_height_m);
  CB_GAIT(fast_double_support_ratio);
  CB_GAIT(fast_speed_mps);
  CB_GAIT(swing_apex_phase);
  CB_GAIT(swing_clearance_m);
  CB_GAIT(swing_xy_ramp);
  CB_GAIT(swing_xy_ramp_travel_m);
  CB_GAIT(velocity_feedback_gain);
  CB_GAIT(touchdown_freeze_phase);
  CB_GAIT(initial_double_support_s);
  CB_GAIT(stop_delay_s);
  CB_GAIT(command_deadband);
#undef CB_GAIT
  g.capture_point_feedback = f.boolean("gait.capture_point_feedback");
  const Eigen::VectorXd rect = f.vector("gait.sole_rectangle", 4);
  g.sole_rectangle = {rect[0], rect[1], rect[2], rect[3]};
  FootholdSearch& q = s.search;
#define CB_SEARCH(x) q.x = f.number("search." #x)
  CB_SEARCH(search_radius_m);
  CB_SEARCH(grid_step_m);
  CB_SEARCH(max_slope_rad);
  CB_SEARCH(max_roughness_m);
  CB_SEARCH(edge_margin_m);
  CB_SEARCH(max_edge_step_m);
  CB_SEARCH(max_step_height_m);
  CB_SEARCH(replan_tolerance_m);
  CB_SEARCH(distance_weight);
  CB_SEARCH(roughness_weight);
  CB_SEARCH(slope_weight);
#undef CB_SEARCH
  CommandShapingSettings& h = s.shaping;
#define CB_SHAPE(x) h.x = f.number("shaping." #x)
  CB_SHAPE(max_accel_mps2);
  CB_SHAPE(max_yaw_accel_rad_s2);
  CB_SHAPE(forward_drift_gain);
  CB_SHAPE(max_forward_drift_m);
  CB_SHAPE(max_forward_correction_mps);
  CB_SHAPE(lateral_drift_gain);
  CB_SHAPE(max_lateral_drift_m);
  CB_SHAPE(max_lateral_correction_mps);
#undef CB_SHAPE
  s.sole.centre = f.vector("sole.centre", 2);
  const Eigen::VectorXd box = f.vector("sole.cop_box", 4);
  s.sole.cop_box = {box[0], box[1], box[2], box[3]};
  s.base_minus_com = f.vector("base_minus_com", 2);
  const Eigen::VectorXd arm = f.vector("arm_joints");
  s.arm_joints.resize(arm.size());
  for (Eigen::Index i = 0; i < arm.size(); ++i) {
    if (arm[i] != std::floor(arm[i])) f.fail("arm_joints", "expected joint indices");
    s.arm_joints[i] = static_cast<int>(arm[i]);
  }
  s.arm_coeffs = f.vector("arm_coeffs", static_cast<int>(arm.size()));
  s.step_feedback = static_cast<StepFeedback>(f.integer("step_feedback", 0, 2));
  s.dt_s = f.number("dt_s");
  s.plan_every = static_cast<int>(f.integer("plan_every", 1, 1000000));
  s.n_knots = static_cast<int>(f.integer("n_knots", 2, 1000));
  s.knot_dt_s = f.number("knot_dt_s");
  s.k_dcm = f.number("k_dcm");
  s.max_yaw_lead_rad = f.number("max_yaw_lead_rad");
  s.footholds_from_com = f.boolean("footholds_from_com");
  s.step_dcm_gain = f.number("step_dcm_gain");
  s.max_step_adjust_m = f.number("max_step_adjust_m");
  s.stop_speed_mps = f.number("stop_speed_mps");
  s.push_step_margin_m = f.number("push_step_margin_m");
  s.push_step_double_support_s = f.number("push_step_double_support_s");
  s.dcm_replan = f.boolean("dcm_replan");
  s.com_descent_accel_mps2 = f.number("com_descent_accel_mps2");
  s.com_descent_speed_mps = f.number("com_descent_speed_mps");
  s.com_step_down_min_m = f.number("com_step_down_min_m");
  s.terrain_aware = static_cast<int>(f.integer("terrain_aware", -1, 1));
  s.use_mpc = f.boolean("mpc");
  if (s.use_mpc) {
    MpcPlannerSettings& m = s.mpc;
    KinodynamicMPCSettings& v = m.solver;
    v.library = f.string("mpc.library");
    if (!v.library.empty() && v.library[0] != '/' && !dir.empty()) v.library = dir + "/" + v.library;
    const long big = 1000000;
#define CB_MPC_INT(x, lo) v.x = static_cast<int>(f.integer("mpc." #x, lo, big))
    CB_MPC_INT(N, 1);
    CB_MPC_INT(nx, 1);
    CB_MPC_INT(nu, 1);
    CB_MPC_INT(np, 1);
    CB_MPC_INT(ng, 0);
    CB_MPC_INT(nw, 0);
    CB_MPC_INT(num_feet, 1);
    CB_MPC_INT(contact_index, 0);
    CB_MPC_INT(rows_per_foot, 0);
    CB_MPC_INT(num_inequality, 0);
    CB_MPC_INT(sqp_iterations, 1);
    CB_MPC_INT(qp_max_iter, 0);
    CB_MPC_INT(qp_mode, 0);
    CB_MPC_INT(qp_warm_start, 0);
    CB_MPC_INT(qp_pred_corr, -1);
    CB_MPC_INT(qp_ric_alg, -1);
    CB_MPC_INT(qp_split_step, -1);
    CB_MPC_INT(qp_cond_horizon, 0);
#undef CB_MPC_INT
    v.qp_tol = f.number("mpc.qp_tol");
    v.qp_accept_residual = f.number("mpc.qp_accept_residual");
    v.qp_eq_band = f.number("mpc.qp_eq_band");
    v.deadline_us = f.number("mpc.deadline_us");
    v.x_lower = f.vector("mpc.x_lower", v.nx);
    v.x_upper = f.vector("mpc.x_upper", v.nx);
    v.w_stage = f.vector("mpc.w_stage", v.nw);
    v.w_terminal = f.vector("mpc.w_terminal", v.nw);
    const Eigen::VectorXd idx = f.vector("mpc.joint_index", v.nx - 12);
    m.joint_index.resize(idx.size());
    for (Eigen::Index i = 0; i < idx.size(); ++i) {
      if (idx[i] != std::floor(idx[i])) f.fail("mpc.joint_index", "expected joint indices");
      m.joint_index[i] = static_cast<int>(idx[i]);
    }
    m.posture = f.vector("mpc.posture", v.nx - 12);
    m.dt_s = f.number("mpc.dt_s");
    m.mass_kg = f.number("mpc.mass_kg");
    m.base_above_com_m = f.number("mpc.base_above_com_m");
    m.balance = static_cast<MpcBalance>(f.integer("mpc.balance", 0, 2));
    m.track_posture = f.boolean("mpc.track_posture");
    m.track_base = f.boolean("mpc.track_base");
  }
  read_safety_settings(f, s.safety);
  c.planning_thread = f.boolean("planning_thread");
  if (f.has("estimator") && f.boolean("estimator")) c.estimator = read_estimator_settings(f);
  c.terrain = read_terrain(f);
  f.check_all_used();
  try {
    s.validate();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(f.name() + ": " + e.what());
  }
  return c;
}

}  // namespace cerebellum
