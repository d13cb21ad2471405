// cerebellum_sim: a scenario's closed loop against MuJoCo's C API, without Python.
//
//   cerebellum_sim DIR [--out OUT] [--log]        closed loop; writes OUT/metrics.json (+ log.bin)
//   cerebellum_sim DIR --replay STATES --out OUT  controller only, on recorded states
//
// DIR is written by `cerebellum export SCENARIO --robot R --out DIR`: model.mjb (the compiled
// MuJoCo model of the Python harness, bit for bit; model.xml is its MJCF, used when model.mjb is
// absent), the Pinocchio model, controller.txt and scenario.txt (see docs/embedding.md), and
// noise.bin (the sensor noise the Python harness draws for this seed). The loop is
// sim/simulation.py's: per control tick mj_step1, sensors into a RobotState (Pinocchio
// conventions; ground-truth base), the controller's torques into ctrl, pushes as xfrc_applied at
// the body, mj_step2 (substeps: mj_step1 + mj_step2), then the fall check.
//
// Exit codes as `cerebellum run`: 0 success, 1 a success criterion failed, 2 bad input.
#include <mujoco/mujoco.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <vector>

#include "cerebellum/controller.hpp"
#include "cerebellum/key_value_file.hpp"
#include "cerebellum/robot.hpp"
#include "cerebellum/controller_config.hpp"
#include "cerebellum/standing_controller.hpp"
#include "cerebellum/walking_controller.hpp"

using namespace cerebellum;

namespace {

[[noreturn]] void mujoco_error(const char* msg) {
  std::fprintf(stderr, "cerebellum_sim: error: MuJoCo: %s\n", msg);
  std::exit(2);
}

void mujoco_warning(const char* msg) { std::fprintf(stderr, "cerebellum_sim: MuJoCo: %s\n", msg); }

bool is_file(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}
bool is_dir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::vector<double> read_doubles(const std::string& path, std::size_t expect) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(path + ": cannot be read");
  in.seekg(0, std::ios::end);
  const auto bytes = static_cast<std::size_t>(in.tellg());
  if (bytes % sizeof(double) || (expect && bytes != expect * sizeof(double)))
    throw std::invalid_argument(path + ": expected " +
                                (expect ? std::to_string(expect) : std::string("a whole number of")) +
                                " float64 values, the file has " + std::to_string(bytes) + " bytes");
  std::vector<double> out(bytes / sizeof(double));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(bytes));
  return out;
}

void write_doubles(const std::string& path, const double* x, std::size_t n) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(x), static_cast<std::streamsize>(n * sizeof(double)));
  if (!out) throw std::runtime_error(path + ": cannot be written");
}

struct Push {
  double t_s, duration_s;
  std::string body;
  int body_id;
  long first_step, steps;
  double force[3];
};

struct Cmd {
  double t_s;
  VelocityCommand v;
};

/// scenario.txt (format 1), checked against the model.
struct ScenarioFile {
  std::string scenario, robot, controller;
  long seed = 0;
  double duration_s = 0, timestep_s = 0, dt_ctrl = 0;
  long substeps = 1, ticks = 0, delay = 0;
  bool ground_truth = true;
  bool truth_columns = true;  // the state holds the true base (for ground_truth or the estimator)
  int root_body = 1;
  bool flat = true;
  std::vector<int> terrain_geoms;
  Eigen::VectorXd qpos0;
  std::vector<int> y_index;  // into [qpos, qvel, sensordata]
  std::string noise_file;
  long noise_rows = 0, noise_cols = 0;
  double orientation_std = 0;
  std::vector<Cmd> commands;
  std::vector<Push> pushes;
  bool no_fall = true;
  double fall_height_fraction = 0.5, cos_tilt = 0;
  double base_height_min_m = NAN, end_x = NAN, end_y = NAN, end_tol = 0.1;
  double end_velocity_tol = NAN, min_distance = NAN, max_velocity_rmse = NAN,
         max_yaw_rate_rmse = NAN;
};

ScenarioFile load_scenario(const std::string& path, const mjModel* m) {
  const KeyValueFile f = KeyValueFile::load(path);
  ScenarioFile s;
  f.integer("format", 1, 1);
  s.scenario = f.string("scenario");
  s.robot = f.string("robot");
  s.controller = f.string("controller");
  s.seed = f.integer("seed", 0, (1L << 62));
  f.string("model");  // read by main
  s.duration_s = f.number("duration_s");
  s.timestep_s = f.number("timestep_s");
  if (s.timestep_s != m->opt.timestep)
    f.fail("timestep_s", "differs from the model's option timestep");
  s.substeps = f.integer("substeps", 1, 100000);
  s.dt_ctrl = f.number("dt_ctrl_s");
  s.ticks = f.integer("ticks", 1, 1L << 40);
  s.delay = f.integer("actuation_delay_ticks", 0, 1);
  s.ground_truth = f.boolean("ground_truth_base");
  s.root_body = static_cast<int>(f.integer("root_body", 1, m->nbody - 1));
  const std::string terrain = f.string("terrain_height");
  if (terrain != "flat" && terrain != "ray")
    f.fail("terrain_height", "expected 'flat' or 'ray', got '" + terrain + "'");
  s.flat = terrain == "flat";
  for (double g : f.vector("terrain_geoms")) {
    if (g < 0 || g >= m->ngeom || g != std::floor(g)) f.fail("terrain_geoms", "not a geom id");
    s.terrain_geoms.push_back(static_cast<int>(g));
  }
  if (!s.flat && s.terrain_geoms.empty()) f.fail("terrain_geoms", "none given for 'ray'");
  s.qpos0 = f.vector("initial_qpos", m->nq);
  const long ny = m->nq + m->nv + m->nsensordata;
  for (double i : f.vector("state_index")) {
    if (i < 0 || i >= ny || i != std::floor(i))
      f.fail("state_index", "entry out of [0, nq + nv + nsensordata)");
    s.y_index.push_back(static_cast<int>(i));
  }
  // sensors, then the true base (13) with the ground truth or the estimator (whose reset
  // starts from the true pose, and which is logged beside it)
  const std::size_t sensors_y = 2 * static_cast<std::size_t>(m->nu) + 22;
  s.truth_columns = s.y_index.size() == sensors_y + 13;
  if (s.y_index.size() != sensors_y + 13 && (s.ground_truth || s.y_index.size() != sensors_y))
    f.fail("state_index", "expected " + std::to_string(sensors_y + 13) +
                              (s.ground_truth ? "" : " or " + std::to_string(sensors_y)) +
                              " entries for nu = " + std::to_string(m->nu));
  const std::size_t want_y = s.y_index.size();
  const auto& nf = f.values("noise_file");
  s.noise_file = nf.size() == 1 && nf[0] != "none" ? nf[0] : std::string();
  s.noise_rows = f.integer("noise_rows", 0, 1L << 40);
  s.noise_cols = f.integer("noise_cols", 0, 100000);
  if (!s.noise_file.empty() &&
      (s.noise_cols != static_cast<long>(want_y) + 3 || s.noise_rows < s.ticks + 1))
    f.fail("noise_rows", "noise must have at least ticks + 1 rows of len(state_index) + 3 columns");
  s.orientation_std = f.number("orientation_std");
  const long nc = f.integer("commands", 0, 100000);
  for (long i = 0; i < nc; ++i) {
    const Eigen::VectorXd c = f.vector("command." + std::to_string(i), 4);
    s.commands.push_back({c[0], {c[1], c[2], c[3]}});
  }
  const long np = f.integer("pushes", 0, 100000);
  for (long i = 0; i < np; ++i) {
    const std::string p = "push." + std::to_string(i) + ".";
    Push u;
    u.t_s = f.number(p + "t_s");
    u.duration_s = f.number(p + "duration_s");
    u.body = f.string(p + "body");
    u.body_id = static_cast<int>(f.integer(p + "body_id", 0, m->nbody - 1));
    u.first_step = f.integer(p + "first_step", 0, 1L << 40);
    u.steps = f.integer(p + "steps", 0, 1L << 40);
    const Eigen::VectorXd F = f.vector(p + "force_N", 3);
    for (int k = 0; k < 3; ++k) u.force[k] = F[k];
    s.pushes.push_back(u);
  }
  s.no_fall = f.boolean("no_fall");
  s.fall_height_fraction = f.number("fall_height_fraction");
  s.cos_tilt = f.number("cos_fall_tilt");
  s.base_height_min_m = f.optional_number("base_height_min_m");
  const auto& ep = f.values("end_position");
  if (ep.size() == 2) {
    const Eigen::VectorXd e = f.vector("end_position", 2);
    s.end_x = e[0];
    s.end_y = e[1];
  } else if (!(ep.size() == 1 && ep[0] == "none")) {
    f.fail("end_position", "expected 'none' or x y");
  }
  s.end_tol = f.number("end_position_tol_m");
  s.end_velocity_tol = f.optional_number("end_velocity_tol_m_s");
  s.min_distance = f.optional_number("min_distance_m");
  s.max_velocity_rmse = f.optional_number("max_velocity_rmse");
  s.max_yaw_rate_rmse = f.optional_number("max_yaw_rate_rmse");
  f.check_all_used();
  return s;
}

/// Terrain height under (x, y): 0 on flat ground, else a ray cast down onto the terrain geoms.
double terrain_height(const mjModel* m, const mjData* d, const ScenarioFile& s, double x, double y) {
  if (s.flat) return 0.0;
  const double top = 1e3;
  const mjtNum pnt[3] = {x, y, top};
  const mjtNum vec[3] = {0, 0, -1};
  double best = -1;
  for (int g : s.terrain_geoms) {
    double dist;
    if (m->geom_type[g] == mjGEOM_HFIELD)
      dist = mj_rayHfield(m, d, g, pnt, vec, nullptr);
    else if (m->geom_type[g] == mjGEOM_MESH)
      dist = mj_rayMesh(m, d, g, pnt, vec, nullptr);
    else
      dist = mju_rayGeom(d->geom_xpos + 3 * g, d->geom_xmat + 9 * g, m->geom_size + 3 * g, pnt, vec,
                         m->geom_type[g], nullptr);
    if (dist >= 0 && (best < 0 || dist < best)) best = dist;
  }
  return best < 0 ? -INFINITY : top - best;
}

std::string num(double x) {
  if (!std::isfinite(x)) return "null";
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", x);
  return buf;
}

std::string quoted(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o + "\"";
}

double percentile(std::vector<double> x, double p) {  // numpy's default (linear)
  if (x.empty()) return 0.0;
  std::sort(x.begin(), x.end());
  const double r = p / 100.0 * static_cast<double>(x.size() - 1);
  const auto i = static_cast<std::size_t>(std::floor(r));
  const std::size_t j = std::min(i + 1, x.size() - 1);
  return x[i] + (r - static_cast<double>(i)) * (x[j] - x[i]);
}

struct Rmse {
  bool valid = false;
  double vx, vy, yaw_rate, linear, raw_linear, raw_yaw_rate;
};

/// The safety layer's counters in the shape of the Python harness's controller_stats.safety
/// (bindings/safety_convert.hpp): enabled, mode, ticks, safe_stop, events {name: {count, first_t_s}}.
std::string safety_json(const SafetyLayer& layer) {
  const SafetyStats& s = layer.stats();
  std::string j = std::string("{\"enabled\": ") + (layer.settings().enabled ? "true" : "false") +
                  ", \"mode\": " + quoted(to_string(s.mode)) + ", \"ticks\": " + std::to_string(s.ticks) +
                  ", \"safe_stop\": ";
  if (s.safe_stop_reason != SafetyEvent::kCount)
    j += "{\"t_s\": " + num(s.safe_stop_t_s) + ", \"reason\": " + quoted(to_string(s.safe_stop_reason)) + "}";
  else
    j += "null";
  j += ", \"events\": {";
  for (int i = 0; i < SafetyStats::kEvents; ++i) {
    const auto n = s.count[static_cast<size_t>(i)];
    const double t = s.first_t_s[static_cast<size_t>(i)];
    if (i) j += ", ";
    j += quoted(to_string(static_cast<SafetyEvent>(i))) + ": {\"count\": " + std::to_string(n) +
         ", \"first_t_s\": " + (n && std::isfinite(t) ? num(t) : std::string("null")) + "}";
  }
  return j + "}}";
}

/// sim/metrics.py velocity_tracking_rmse: velocities averaged over a centred window of 0.8 s,
/// ticks within 1 s of a command change (or whose window crosses one) left out.
Rmse velocity_tracking_rmse(long n, double dt, int nq, int nv, const std::vector<double>& qpos,
                            const std::vector<double>& qvel, const std::vector<double>& cmd) {
  const double settle_s = 1.0, window_s = 0.8;
  Rmse out;
  if (n == 0) return out;
  std::vector<long> start(n), end(n);
  std::vector<long> changes;
  for (long k = 0; k < n; ++k) {
    bool ch = k == 0;
    for (int i = 0; i < 3 && !ch; ++i) ch = cmd[3 * k + i] != cmd[3 * (k - 1) + i];
    if (ch) changes.push_back(k);
    start[k] = changes.back();
  }
  for (std::size_t c = 0; c < changes.size(); ++c) {
    const long e = c + 1 < changes.size() ? changes[c + 1] : n;
    for (long k = changes[c]; k < e; ++k) end[k] = e;
  }
  const double dtl = n > 1 ? dt : 1.0;  // t[1] - t[0]
  const long half = static_cast<long>(std::nearbyint(0.5 * window_s / dtl));
  std::vector<double> raw(3 * n), csum(3 * (n + 1), 0.0);
  for (long k = 0; k < n; ++k) {
    const double* q = &qpos[static_cast<std::size_t>(k) * nq];
    const double* v = &qvel[static_cast<std::size_t>(k) * nv];
    const double w = q[3], x = q[4], y = q[5], z = q[6];
    const double yaw = std::atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z));
    const double c = std::cos(yaw), s = std::sin(yaw);
    raw[3 * k] = c * v[0] + s * v[1];
    raw[3 * k + 1] = -s * v[0] + c * v[1];
    raw[3 * k + 2] = 2 * (x * z - w * y) * v[3] + 2 * (y * z + w * x) * v[4] +
                     (1 - 2 * (x * x + y * y)) * v[5];
    for (int i = 0; i < 3; ++i) csum[3 * (k + 1) + i] = csum[3 * k + i] + raw[3 * k + i];
  }
  double se[3] = {0, 0, 0}, se_raw_lin = 0, se_raw_yaw = 0;
  long count = 0;
  for (long k = 0; k < n; ++k) {
    const double t = k * dt, t0 = start[k] * dt;
    if (!(t - t0 >= settle_s - 1e-9 && k - half >= start[k] && k + half < end[k])) continue;
    ++count;
    double e[3], er[3];
    for (int i = 0; i < 3; ++i) {
      const double avg = (csum[3 * (k + half + 1) + i] - csum[3 * (k - half) + i]) / (2 * half + 1);
      e[i] = avg - cmd[3 * k + i];
      er[i] = raw[3 * k + i] - cmd[3 * k + i];
      se[i] += e[i] * e[i];
    }
    se_raw_lin += er[0] * er[0] + er[1] * er[1];
    se_raw_yaw += er[2] * er[2];
  }
  if (!count) return out;
  const double c = static_cast<double>(count);
  out.valid = true;
  out.vx = std::sqrt(se[0] / c);
  out.vy = std::sqrt(se[1] / c);
  out.yaw_rate = std::sqrt(se[2] / c);
  out.linear = std::sqrt((se[0] + se[1]) / c);
  out.raw_linear = std::sqrt(se_raw_lin / c);
  out.raw_yaw_rate = std::sqrt(se_raw_yaw / c);
  return out;
}

struct Args {
  std::string dir, out, replay;
  bool log = false;
};

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr,
               "usage: cerebellum_sim DIR [--out OUT] [--log]\n"
               "       cerebellum_sim DIR --replay STATES --out OUT\n"
               "  DIR: written by `cerebellum export SCENARIO --robot R --out DIR`\n"
               "cerebellum_sim: error: %s\n",
               problem.c_str());
  std::exit(2);
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    if (s == "--out" || s == "--replay") {
      if (i + 1 >= argc) usage(s + " needs a value");
      (s == "--out" ? a.out : a.replay) = argv[++i];
    } else if (s == "--log") {
      a.log = true;
    } else if (s == "-h" || s == "--help") {
      usage("help requested");
    } else if (!s.empty() && s[0] == '-') {
      usage("unknown option '" + s + "'");
    } else if (a.dir.empty()) {
      a.dir = s;
    } else {
      usage("unexpected argument '" + s + "'");
    }
  }
  if (a.dir.empty()) usage("DIR is required");
  if (!is_dir(a.dir)) usage("'" + a.dir + "' is not a folder (write one with `cerebellum export`)");
  for (const char* f : {"controller.txt", "scenario.txt"})
    if (!is_file(a.dir + "/" + f))
      usage("'" + a.dir + "' has no " + f + " (write it with `cerebellum export`)");
  if (a.out.empty()) {
    if (!a.replay.empty()) usage("--replay needs --out");
    a.out = a.dir + "/out";
  }
  return a;
}

void make_dir(const std::string& p) {
  if (is_dir(p)) return;
  std::string partial;
  for (std::size_t i = 0; i <= p.size(); ++i) {
    if (i == p.size() || p[i] == '/') {
      if (!partial.empty() && !is_dir(partial) && ::mkdir(partial.c_str(), 0777) != 0)
        throw std::invalid_argument("cannot create folder '" + partial + "'");
    }
    if (i < p.size()) partial += p[i];
  }
}

/// Controller only: reset at the first recorded state, tick through all; tau (rows, nj) float64.
int replay(const Args& a, const StandingControllerConfig& cfg) {
  Robot robot(cfg.model_path, cfg.frames);
  StandingController ctrl(robot, cfg.wbc, cfg.q_stand, cfg.safety, cfg.dt_s);
  const int nq = robot.nq(), nv = robot.nv(), nj = nv - 6;
  const std::vector<double> x = read_doubles(a.replay, 0);
  if (x.empty() || x.size() % static_cast<std::size_t>(nq + nv))
    throw std::invalid_argument(a.replay + ": expected rows of nq + nv = " +
                                std::to_string(nq + nv) + " float64 (q, v Pinocchio)");
  const std::size_t rows = x.size() / static_cast<std::size_t>(nq + nv);
  RobotState st = make_state(nj);
  st.has_base = true;
  Command cmd;
  std::vector<double> tau(rows * static_cast<std::size_t>(nj));
  for (std::size_t r = 0; r < rows; ++r) {
    Eigen::Map<const Eigen::VectorXd> q(&x[r * (nq + nv)], nq), v(&x[r * (nq + nv) + nq], nv);
    st.base.position = q.head<3>();
    st.base.quat_xyzw = q.segment<4>(3);
    st.joint_pos = q.tail(nj);
    st.base.linear_velocity = v.head<3>();
    st.base.angular_velocity = v.segment<3>(3);
    st.joint_vel = v.tail(nj);
    st.t_s = static_cast<double>(r) * cfg.dt_s;  // one row per tick (the safety layer's clock)
    if (r == 0) ctrl.reset(st);
    Eigen::Map<Eigen::VectorXd>(&tau[r * nj], nj) = ctrl.tick(st, cmd);
  }
  make_dir(a.out);
  write_doubles(a.out + "/replay_tau.bin", tau.data(), tau.size());
  std::printf("%zu states replayed: %s/replay_tau.bin\n", rows, a.out.c_str());
  return 0;
}

int run(const Args& a) {
  const KeyValueFile cf = KeyValueFile::load(a.dir + "/controller.txt");
  const bool walk = cf.has("controller") && cf.string("controller") == "walk";
  std::optional<StandingControllerConfig> scfg;
  std::optional<WalkingConfig> wcfg;
  if (walk)
    wcfg.emplace(walking_config(cf, a.dir));
  else
    scfg.emplace(standing_controller_config(cf, a.dir));
  if (!a.replay.empty()) {
    if (walk) throw std::invalid_argument("--replay: only for the wbc controller");
    return replay(a, *scfg);
  }

  const KeyValueFile sf = KeyValueFile::load(a.dir + "/scenario.txt");
  const std::string model_file = a.dir + "/" + sf.string("model");
  if (!is_file(model_file)) throw std::invalid_argument(model_file + ": missing");
  mjModel* m = nullptr;
  if (model_file.size() > 4 && model_file.substr(model_file.size() - 4) == ".mjb") {
    m = mj_loadModel(model_file.c_str(), nullptr);
  } else {
    char err[1000] = "";
    m = mj_loadXML(model_file.c_str(), nullptr, err, sizeof(err));
    if (!m) throw std::invalid_argument(model_file + ": " + err);
  }
  if (!m) throw std::invalid_argument(model_file + ": MuJoCo could not load it");
  std::unique_ptr<mjModel, void (*)(mjModel*)> model_guard(m, mj_deleteModel);
  const ScenarioFile sc = load_scenario(a.dir + "/scenario.txt", m);
  mjData* d = mj_makeData(m);
  std::unique_ptr<mjData, void (*)(mjData*)> data_guard(d, mj_deleteData);

  const Eigen::Index nq_ctl = walk ? wcfg->settings.q_stand.size() : scfg->q_stand.size();
  if (nq_ctl != m->nq || nq_ctl - 1 != m->nv || nq_ctl - 7 != m->nu)
    throw std::invalid_argument("controller.txt: q_stand has " + std::to_string(nq_ctl) +
                                " entries; the MuJoCo model has nq " + std::to_string(m->nq) +
                                ", nv " + std::to_string(m->nv) + ", nu " + std::to_string(m->nu));
  const bool estimate = !sc.ground_truth;
  if (estimate && !(walk && wcfg->estimator))
    throw std::invalid_argument(
        "scenario.txt: ground_truth_base 0: the controller needs the base state (the walk "
        "controller with `estimator 1` in controller.txt, or the ground truth)");
  if (estimate && !sc.truth_columns)
    throw std::invalid_argument(
        "scenario.txt: state_index: the estimator starts from the true base: expected its 13 "
        "columns");
  std::unique_ptr<Robot> robot;
  std::unique_ptr<Controller> controller;
  const WholeBodyQP* qp_ptr = nullptr;
  WalkingController* walking = nullptr;
  StandingController* standing = nullptr;
  if (walk) {
    auto w = std::make_unique<WalkingController>(wcfg->settings, wcfg->terrain.get());
    walking = w.get();
    qp_ptr = &w->qp();
    controller = std::move(w);
  } else {
    robot = std::make_unique<Robot>(scfg->model_path, scfg->frames);
    if (robot->nq() != m->nq || robot->nv() != m->nv)
      throw std::invalid_argument("the Pinocchio model does not match the MuJoCo model");
    auto c = std::make_unique<StandingController>(*robot, scfg->wbc, scfg->q_stand, scfg->safety,
                                                  scfg->dt_s);
    standing = c.get();
    qp_ptr = &c->qp();
    controller = std::move(c);
  }

  // The base estimator (ground_truth_base 0), inside the walking controller's tick
  // (attach_estimator): it updates from the sensors, then the tick runs on its estimate
  std::unique_ptr<BaseEstimator> est;
  if (estimate) {
    est = std::make_unique<BaseEstimator>(wcfg->settings.model_path, *wcfg->estimator);
    est->set_terrain(wcfg->terrain.get());  // the planner's map, as in sim/simulation.py
    walking->attach_estimator(est.get());
  }
  BaseState truth;

  const int nq = m->nq, nv = m->nv, nu = m->nu;
  const long n = sc.ticks;
  const long ny = static_cast<long>(sc.y_index.size());
  std::vector<double> noise;
  if (!sc.noise_file.empty())
    noise = read_doubles(a.dir + "/" + sc.noise_file,
                         static_cast<std::size_t>(sc.noise_rows * sc.noise_cols));

  // Push schedule: index of the push acting in each physics step (later pushes win), -1 none.
  const long steps_total = n * sc.substeps;
  std::vector<int> push_at(static_cast<std::size_t>(steps_total), -1);
  for (std::size_t i = 0; i < sc.pushes.size(); ++i)
    for (long s = sc.pushes[i].first_step;
         s < std::min(steps_total, sc.pushes[i].first_step + sc.pushes[i].steps); ++s)
      push_at[static_cast<std::size_t>(s)] = static_cast<int>(i);

  // Log, one row per tick (state at the start of the tick, torques applied during it).
  std::vector<double> L_qpos(static_cast<std::size_t>(n) * nq), L_qvel(static_cast<std::size_t>(n) * nv),
      L_tau(static_cast<std::size_t>(n) * nu), L_cmd(static_cast<std::size_t>(n) * 3),
      L_h(static_cast<std::size_t>(n)), tick_us(static_cast<std::size_t>(n)),
      qp_us(static_cast<std::size_t>(n));
  std::vector<double> y(static_cast<std::size_t>(ny)), ybuf(static_cast<std::size_t>(nq + nv + m->nsensordata));
  Eigen::VectorXd delayed = Eigen::VectorXd::Zero(nu), applied(nu);
  RobotState st = make_state(nu);

  auto read_state = [&](double t, long row) {
    std::memcpy(ybuf.data(), d->qpos, sizeof(double) * nq);
    std::memcpy(ybuf.data() + nq, d->qvel, sizeof(double) * nv);
    std::memcpy(ybuf.data() + nq + nv, d->sensordata, sizeof(double) * m->nsensordata);
    for (long i = 0; i < ny; ++i) y[i] = ybuf[sc.y_index[i]];
    if (!noise.empty()) {
      const double* e = &noise[static_cast<std::size_t>(row) * sc.noise_cols];
      for (long i = 0; i < ny; ++i) y[i] += e[i];
      if (sc.orientation_std > 0) {  // q <- q * (1, r/2), normalised; q = (x, y, z, w)
        const double rx = e[ny], ry = e[ny + 1], rz = e[ny + 2];
        double* qo = &y[2 * nu];
        const double x = qo[0], yy = qo[1], z = qo[2], w = qo[3];
        const double q[4] = {w * rx + x + yy * rz - z * ry, w * ry + yy + z * rx - x * rz,
                             w * rz + z + x * ry - yy * rx, w - x * rx - yy * ry - z * rz};
        const double norm = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
        for (int i = 0; i < 4; ++i) qo[i] = q[i] / norm;
      }
    }
    const long o = 2 * nu;
    st.t_s = t;
    st.joint_pos = Eigen::Map<const Eigen::VectorXd>(&y[0], nu);
    st.joint_vel = Eigen::Map<const Eigen::VectorXd>(&y[nu], nu);
    st.imu_quat_xyzw = Eigen::Map<const Eigen::Vector4d>(&y[o]);
    st.imu_gyro = Eigen::Map<const Eigen::Vector3d>(&y[o + 4]);
    st.imu_acc = Eigen::Map<const Eigen::Vector3d>(&y[o + 7]);
    for (int s = 0; s < 2; ++s) {
      st.foot_force[s] = Eigen::Map<const Eigen::Vector3d>(&y[o + 10 + 3 * s]);
      st.foot_torque[s] = Eigen::Map<const Eigen::Vector3d>(&y[o + 16 + 3 * s]);
    }
    if (sc.truth_columns) {
      const double* g = &y[o + 22];
      truth.position = Eigen::Map<const Eigen::Vector3d>(g);
      truth.quat_xyzw = Eigen::Map<const Eigen::Vector4d>(g + 3);
      truth.linear_velocity = Eigen::Map<const Eigen::Vector3d>(g + 7);
      truth.angular_velocity = Eigen::Map<const Eigen::Vector3d>(g + 10);
    }
    st.has_base = true;
    if (sc.ground_truth) st.base = truth;
  };
  auto command_at = [&](double t) {
    Command c;
    for (const Cmd& k : sc.commands)
      if (k.t_s <= t + 1e-12) c.velocity = k.v;
    return c;
  };

  mj_resetData(m, d);
  for (int i = 0; i < nq; ++i) d->qpos[i] = sc.qpos0[i];
  mj_forward(m, d);
  const double base_h0 = d->qpos[2] - terrain_height(m, d, sc, d->qpos[0], d->qpos[1]);
  const double fall_h = sc.fall_height_fraction * base_h0;
  const double dt = sc.dt_ctrl;
  bool fell = false;
  double fall_time = NAN;
  mj_step1(m, d);
  read_state(0.0, 0);
  if (est) {  // from the true start pose (a robot starts from a known place)
    const double x = truth.quat_xyzw[0], yy = truth.quat_xyzw[1], z = truth.quat_xyzw[2],
                 w = truth.quat_xyzw[3];
    Eigen::Matrix3d R;  // sim/simulation.py _world_velocity's, term for term
    R << 1 - 2 * (yy * yy + z * z), 2 * (x * yy - z * w), 2 * (x * z + yy * w),
        2 * (x * yy + z * w), 1 - 2 * (x * x + z * z), 2 * (yy * z - x * w),
        2 * (x * z - yy * w), 2 * (yy * z + x * w), 1 - 2 * (x * x + yy * yy);
    est->reset(truth.position, truth.quat_xyzw, R * truth.linear_velocity, st.joint_pos);
  }
  controller->reset(st);
  // With the planning thread, which plans every period of wall time, the loop runs in real time,
  // as on a robot: a simulation faster than that would see the plans further apart.
  const bool paced = walking != nullptr && wcfg->planning_thread;
  if (paced) walking->start_planning_thread();
  int active = -1;
  using clock = std::chrono::steady_clock;
  const auto wall0 = clock::now();
  const auto tick_period = std::chrono::duration_cast<clock::duration>(
      std::chrono::duration<double>(dt));
  long k = 0;
  for (k = 0; k < n; ++k) {
    const double t = k * dt;
    if (k) mj_step1(m, d);
    read_state(t, k + 1);  // noise row 0 was the reset state's
    const Command cmd = command_at(t);
    if (paced) std::this_thread::sleep_until(wall0 + k * tick_period);
    const auto t0 = clock::now();
    const Eigen::VectorXd& tau = controller->tick(st, cmd);
    tick_us[k] = std::chrono::duration<double, std::micro>(clock::now() - t0).count();
    qp_us[k] = qp_ptr->last_tick_us();
    if (tau.size() != nu || !tau.allFinite())
      throw std::runtime_error("the controller returned torques of size " +
                               std::to_string(tau.size()) +
                               " with non-finite entries or a wrong size; expected finite (" +
                               std::to_string(nu) + ")");
    if (sc.delay) {
      applied = delayed;
      delayed = tau;
    } else {
      applied = tau;
    }
    for (int i = 0; i < nu; ++i) d->ctrl[i] = applied[i];
    std::memcpy(&L_qpos[static_cast<std::size_t>(k) * nq], d->qpos, sizeof(double) * nq);
    std::memcpy(&L_qvel[static_cast<std::size_t>(k) * nv], d->qvel, sizeof(double) * nv);
    for (int i = 0; i < nu; ++i) L_tau[static_cast<std::size_t>(k) * nu + i] = applied[i];
    L_cmd[3 * k] = cmd.velocity.vx;
    L_cmd[3 * k + 1] = cmd.velocity.vy;
    L_cmd[3 * k + 2] = cmd.velocity.yaw_rate;
    L_h[k] = d->qpos[2] - terrain_height(m, d, sc, d->qpos[0], d->qpos[1]);
    for (long sub = 0; sub < sc.substeps; ++sub) {
      const int i = push_at[static_cast<std::size_t>(k * sc.substeps + sub)];
      if (i != active) {
        mju_zero(d->xfrc_applied, 6 * m->nbody);
        if (i >= 0)
          for (int j = 0; j < 3; ++j) d->xfrc_applied[6 * sc.pushes[i].body_id + j] = sc.pushes[i].force[j];
        active = i;
      }
      if (sub) mj_step1(m, d);
      mj_step2(m, d);
    }
    // fall check on the new state
    if (d->xmat[9 * sc.root_body + 8] < sc.cos_tilt ||
        (k % 10 == 0 &&
         d->qpos[2] - terrain_height(m, d, sc, d->qpos[0], d->qpos[1]) < fall_h)) {
      fell = true;
      fall_time = t + dt;
      ++k;
      break;
    }
  }
  const double wall = std::chrono::duration<double>(clock::now() - wall0).count();
  const long nt = k;  // ticks run
  const double sim_time = nt * dt;

  // Metrics (sim/report.py metrics, on the ticks run).
  double max_tilt = 0, min_h = INFINITY, max_ratio = 0;
  for (long i = 0; i < nt; ++i) {
    const double* q = &L_qpos[static_cast<std::size_t>(i) * nq];
    const double c = std::min(1.0, std::max(-1.0, 1 - 2 * (q[4] * q[4] + q[5] * q[5])));
    max_tilt = std::max(max_tilt, std::acos(c));
    min_h = std::min(min_h, L_h[i]);
    for (int j = 0; j < nu; ++j) {
      const double lo = m->actuator_ctrlrange[2 * j], hi = m->actuator_ctrlrange[2 * j + 1];
      const double tj = std::min(hi, std::max(lo, L_tau[static_cast<std::size_t>(i) * nu + j]));
      max_ratio = std::max(max_ratio, std::abs(tj) / std::abs(hi));
    }
  }
  const double* p_first = L_qpos.data();
  const double* p_last = nt ? &L_qpos[static_cast<std::size_t>(nt - 1) * nq] : p_first;
  const double distance = nt >= 2 ? std::hypot(p_last[0] - p_first[0], p_last[1] - p_first[1]) : 0;
  const double mean_speed = nt >= 2 ? distance / ((nt - 1) * dt + dt) : 0;
  const Rmse rmse = velocity_tracking_rmse(nt, dt, nq, nv, L_qpos, L_qvel, L_cmd);

  // Pushes delivered within the ticks run.
  std::vector<long> push_steps(sc.pushes.size(), 0);
  for (long s = 0; s < nt * sc.substeps; ++s)
    if (push_at[static_cast<std::size_t>(s)] >= 0) ++push_steps[push_at[static_cast<std::size_t>(s)]];
  double max_push = 0;
  std::string pushes_json = "[";
  for (std::size_t i = 0; i < sc.pushes.size(); ++i) {
    const Push& p = sc.pushes[i];
    double J[3];
    for (int j = 0; j < 3; ++j) J[j] = p.force[j] * static_cast<double>(push_steps[i]) * sc.timestep_s;
    max_push = std::max(max_push, std::sqrt(J[0] * J[0] + J[1] * J[1] + J[2] * J[2]));
    pushes_json += std::string(i ? ", " : "") + "{\"t_s\": " + num(p.t_s) +
                   ", \"duration_s\": " + num(p.duration_s) + ", \"body\": " + quoted(p.body) +
                   ", \"force_N\": [" + num(p.force[0]) + ", " + num(p.force[1]) + ", " +
                   num(p.force[2]) + "], \"impulse_Ns\": [" + num(J[0]) + ", " + num(J[1]) + ", " +
                   num(J[2]) + "]}";
  }
  pushes_json += "]";

  // Success criteria (sim/simulation.py _check_success).
  std::vector<std::string> failed;
  if (sc.no_fall && fell) failed.push_back("no_fall");
  if (std::isfinite(sc.base_height_min_m) && nt && min_h < sc.base_height_min_m)
    failed.push_back("base_height_min_m");
  if (std::isfinite(sc.end_x) && nt &&
      std::hypot(p_last[0] - sc.end_x, p_last[1] - sc.end_y) > sc.end_tol)
    failed.push_back("end_position");
  if (std::isfinite(sc.end_velocity_tol) && nt) {
    const double w = p_last[3], x = p_last[4], yq = p_last[5], z = p_last[6];
    const double yaw = std::atan2(2 * (w * z + x * yq), 1 - 2 * (yq * yq + z * z));
    const double* c = &L_cmd[3 * (nt - 1)];
    const double* v = &L_qvel[static_cast<std::size_t>(nt - 1) * nv];
    const double cy = std::cos(yaw), sy = std::sin(yaw);
    if (std::hypot(v[0] - (cy * c[0] - sy * c[1]), v[1] - (sy * c[0] + cy * c[1])) >
        sc.end_velocity_tol)
      failed.push_back("end_velocity");
  }
  if (std::isfinite(sc.min_distance) && distance < sc.min_distance)
    failed.push_back("min_distance_m");
  if (std::isfinite(sc.max_velocity_rmse) && (!rmse.valid || rmse.linear > sc.max_velocity_rmse))
    failed.push_back("max_velocity_rmse");
  if (std::isfinite(sc.max_yaw_rate_rmse) &&
      (!rmse.valid || rmse.yaw_rate > sc.max_yaw_rate_rmse))
    failed.push_back("max_yaw_rate_rmse");

  std::vector<double> ticks(qp_us.begin(), qp_us.begin() + nt),
      loop_ticks(tick_us.begin(), tick_us.begin() + nt);
  auto pct_json = [](const std::vector<double>& x) {
    return "{\"p50\": " + num(percentile(x, 50)) + ", \"p99\": " + num(percentile(x, 99)) +
           ", \"max\": " + num(x.empty() ? 0.0 : *std::max_element(x.begin(), x.end())) + "}";
  };
  std::string failed_json = "[";
  for (std::size_t i = 0; i < failed.size(); ++i) failed_json += (i ? ", " : "") + quoted(failed[i]);
  failed_json += "]";
  std::string rmse_json = "null";
  if (rmse.valid)
    rmse_json = "{\"vx_mps\": " + num(rmse.vx) + ", \"vy_mps\": " + num(rmse.vy) +
                ", \"yaw_rate_rad_s\": " + num(rmse.yaw_rate) + ", \"linear_mps\": " +
                num(rmse.linear) + ", \"raw_linear_mps\": " + num(rmse.raw_linear) +
                ", \"raw_yaw_rate_rad_s\": " + num(rmse.raw_yaw_rate) + ", \"window_s\": 0.8}";
  if (walking != nullptr) walking->stop_planning_thread();
  const auto& qp = *qp_ptr;
  std::string json = "{\n";
  json += "  \"robot\": " + quoted(sc.robot) + ",\n";
  json += "  \"scenario\": " + quoted(sc.scenario) + ",\n";
  json += "  \"seed\": " + std::to_string(sc.seed) + ",\n";
  json += "  \"controller\": " + quoted(sc.controller) + ",\n";
  json += "  \"runner\": \"cerebellum_sim\",\n";
  json += std::string("  \"success\": ") + (failed.empty() ? "true" : "false") + ",\n";
  json += "  \"failed_criteria\": " + failed_json + ",\n";
  json += std::string("  \"fell\": ") + (fell ? "true" : "false") + ",\n";
  json += "  \"fall_time_s\": " + num(fall_time) + ",\n";
  json += "  \"sim_time_s\": " + num(sim_time) + ",\n";
  json += "  \"wall_time_s\": " + num(wall) + ",\n";
  json += "  \"real_time_factor\": " + num(sim_time / std::max(wall, 1e-9)) + ",\n";
  json += "  \"max_base_tilt_rad\": " + num(max_tilt) + ",\n";
  json += "  \"min_base_height_m\": " + num(nt ? min_h : NAN) + ",\n";
  json += "  \"final_base_position_m\": " +
          (nt ? "[" + num(p_last[0]) + ", " + num(p_last[1]) + ", " + num(p_last[2]) + "]"
              : std::string("null")) +
          ",\n";
  json += "  \"max_torque_ratio\": " + num(max_ratio) + ",\n";
  json += "  \"max_push_Ns\": " + num(max_push) + ",\n";
  json += "  \"distance_m\": " + num(distance) + ",\n";
  json += "  \"mean_speed_mps\": " + num(mean_speed) + ",\n";
  json += "  \"velocity_tracking_rmse\": " + rmse_json + ",\n";
  json += "  \"pushes\": " + pushes_json + ",\n";
  // wbc.tick_us: the QP's own timer, as the Python harness reports it; controller_tick_us:
  // the loop's timing of Controller::tick (state to torques).
  json += "  \"wbc\": {\"tick_us\": " + pct_json(ticks) +
          ", \"tick_source\": \"controller\", \"failures\": " + std::to_string(qp.failures()) +
          "},\n";
  json += "  \"controller_tick_us\": " + pct_json(loop_ticks) + ",\n";
  json += std::string("  \"controller_stats\": {\"status\": ") + quoted(to_string(qp.status())) +
          ", \"safety\": " + (walking    ? safety_json(walking->safety())
               : standing ? safety_json(standing->safety())
                          : std::string("null")) +
          "}\n}\n";
  make_dir(a.out);
  {
    std::ofstream out(a.out + "/metrics.json");
    out << json;
    if (!out) throw std::runtime_error(a.out + "/metrics.json: cannot be written");
  }
  if (a.log) {  // rows of [t, qpos (nq), qvel (nv), tau applied (nu)], float64
    const int cols = 1 + nq + nv + nu;
    std::vector<double> L(static_cast<std::size_t>(nt) * cols);
    for (long i = 0; i < nt; ++i) {
      double* r = &L[static_cast<std::size_t>(i) * cols];
      r[0] = i * dt;
      std::memcpy(r + 1, &L_qpos[static_cast<std::size_t>(i) * nq], sizeof(double) * nq);
      std::memcpy(r + 1 + nq, &L_qvel[static_cast<std::size_t>(i) * nv], sizeof(double) * nv);
      std::memcpy(r + 1 + nq + nv, &L_tau[static_cast<std::size_t>(i) * nu], sizeof(double) * nu);
    }
    write_doubles(a.out + "/log.bin", L.data(), L.size());
  }
  std::printf("%s %s seed %ld (%s): %s, %.2f s simulated, real-time factor %.2f -> %s/metrics.json\n",
              sc.scenario.c_str(), sc.robot.c_str(), sc.seed, sc.controller.c_str(),
              failed.empty() ? "ok" : (fell ? "fell" : "failed"), sim_time,
              sim_time / std::max(wall, 1e-9), a.out.c_str());
  return failed.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  mju_user_error = mujoco_error;
  mju_user_warning = mujoco_warning;  // stderr, not MUJOCO_LOG.TXT in the working folder
  const Args a = parse_args(argc, argv);
  try {
    return run(a);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "cerebellum_sim: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cerebellum_sim: error: %s\n", e.what());
    return 3;
  }
}
