// Counts heap allocations made by the real-time calls of the core library.
//
// The allocation functions of glibc are replaced in this executable and forward to glibc's
// __libc_* entry points; operator new goes through malloc and is counted too.
// Usage: cerebellum_rt_check <model.xml|model.urdf> <frame> [frame ...] [--calls N]
//        [--walking CONTROLLER_TXT]   (a `cerebellum export --controller walk` file: adds the
//                                      whole walking controller's tick, plans included)
//        [--mpc MPC_TXT]              (settings, parameters, guess and x0 of a KinodynamicMPC,
//                                      as benchmarks/instruction_gate.py writes them: adds one
//                                      SQP-RTI iteration from that guess)
//        [--only NAME[,NAME...]]      (count only these sections)
//        [--inputs-only]              (prepare the inputs of every call but make no call: the
//                                      instructions of the inputs alone)
//        [--extra-percent P]          (run the counted call a second time on P % of the calls:
//                                      a known extra amount of work, for testing a gate on
//                                      instruction counts of this program)
// Prints JSON: {"robot_compute": {"calls": N, "allocations": K}, ...}
#include <cerebellum/base_estimator.hpp>
#include <cerebellum/balance_law.hpp>
#include <cerebellum/capture_step.hpp>
#include <cerebellum/command_shaping.hpp>
#include <cerebellum/cop_plan.hpp>
#include <cerebellum/footstep_planner.hpp>
#include <cerebellum/key_value_file.hpp>
#include <cerebellum/mpc.hpp>
#include <cerebellum/gait_planner.hpp>
#include <cerebellum/robot.hpp>
#include <cerebellum/controller_config.hpp>
#include <cerebellum/standing_controller.hpp>
#include <cerebellum/walking_controller.hpp>
#include <cerebellum/terrains.hpp>
#include <cerebellum/wbc.hpp>

#include <atomic>
#include <cmath>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cstdint>
#include <array>
#include <optional>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
}

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
inline void count() {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

extern "C" {
void* malloc(std::size_t n) {
  count();
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) {
  count();
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) {
  count();
  return __libc_realloc(p, n);
}
void* memalign(std::size_t alignment, std::size_t n) {
  count();
  return __libc_memalign(alignment, n);
}
void* aligned_alloc(std::size_t alignment, std::size_t n) {
  count();
  return __libc_memalign(alignment, n);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t n) {
  count();
  if (alignment < sizeof(void*) || (alignment & (alignment - 1)) != 0) return EINVAL;
  void* p = __libc_memalign(alignment, n);
  if (p == nullptr && n != 0) return ENOMEM;
  *out = p;
  return 0;
}
}

namespace {

/// One checked real-time call: `run(i)` performs call number i (inputs prepared outside).
struct Section {
  std::string name;
  std::function<void(int)> prepare;  // not counted: builds the inputs of call i
  std::function<void(int)> run;      // counted
};

void* volatile g_sink = nullptr;

/// True if allocations through malloc and operator new are seen by the counter.
bool counter_works() {
  g_allocations.store(0);
  g_counting.store(true);
  g_sink = std::malloc(64);
  std::free(g_sink);
  g_sink = ::operator new(64);
  ::operator delete(g_sink);
  g_counting.store(false);
  return g_allocations.load() >= 2;
}

long count_allocations(const Section& s, int calls, int extra_percent, bool inputs_only) {
  long total = 0;
  for (int i = 0; i < calls; ++i) {
    s.prepare(i);
    if (inputs_only) continue;
    g_allocations.store(0);
    g_counting.store(true);
    s.run(i);
    if ((i + 1) * extra_percent / 100 > i * extra_percent / 100) s.run(i);
    g_counting.store(false);
    total += g_allocations.load();
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int calls = 1000;
  int extra_percent = 0;
  bool inputs_only = false;
  std::string walking_file, mpc_file, only;
  std::vector<std::string> positional;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--calls" && i + 1 < args.size()) {
      calls = std::atoi(args[++i].c_str());
    } else if (args[i] == "--walking" && i + 1 < args.size()) {
      walking_file = args[++i];
    } else if (args[i] == "--mpc" && i + 1 < args.size()) {
      mpc_file = args[++i];
    } else if (args[i] == "--only" && i + 1 < args.size()) {
      only = "," + args[++i] + ",";
    } else if (args[i] == "--inputs-only") {
      inputs_only = true;
    } else if (args[i] == "--extra-percent" && i + 1 < args.size()) {
      extra_percent = std::atoi(args[++i].c_str());
      if (extra_percent < 0 || extra_percent > 100) {
        std::fprintf(stderr, "error: --extra-percent expects 0..100, got %s\n", args[i].c_str());
        return 2;
      }
    } else {
      positional.push_back(args[i]);
    }
  }
  if (positional.empty() || calls <= 0) {
    std::fprintf(stderr, "usage: %s <model.xml|model.urdf> [frame ...] [--calls N]\n", argv[0]);
    return 2;
  }
  if (!counter_works()) {
    std::fprintf(stderr, "error: the allocation counter does not see malloc/operator new\n");
    return 3;
  }
  try {
    const std::vector<std::string> frames(positional.begin() + 1, positional.end());
    cerebellum::Robot robot(positional[0], frames);
    const int nq = robot.nq(), nv = robot.nv();

    std::mt19937 rng(42);
    std::uniform_real_distribution<double> uni(-1.0, 1.0);
    Eigen::VectorXd q(nq), v(nv);
    auto random_state = [&](int) {
      for (int k = 0; k < nq; ++k) q[k] = 0.5 * uni(rng);
      q.segment<4>(3).normalize();  // base quaternion, xyzw
      for (int k = 0; k < nv; ++k) v[k] = uni(rng);
    };

    std::vector<Section> sections;
    sections.push_back({"robot_compute", random_state, [&](int) { robot.compute(q, v); }});
    // Further real-time calls (e.g. the whole-body QP tick) are added here as sections.

    // Whole-body QP tick: frames 0 and 1 are the feet (default soles), frame 2 (if any) the base.
    // States near the neutral configuration; the contact set switches every 50 calls.
    std::unique_ptr<cerebellum::WholeBodyQP> wbc;
    cerebellum::WholeBodyReferences refs;
    std::unique_ptr<cerebellum::WholeBodyQP> wbc_balance;
    cerebellum::WholeBodyReferences refs_balance;
    std::unique_ptr<cerebellum::StandingController> standing;
    cerebellum::RobotState state;
    cerebellum::Command command;
    Eigen::Array<bool, Eigen::Dynamic, 1> active = Eigen::Array<bool, Eigen::Dynamic, 1>::Constant(2, true);
    Eigen::VectorXd q0 = Eigen::VectorXd::Zero(nq);
    q0[6] = 1.0;
    if (frames.size() >= 2) {
      cerebellum::WholeBodyQPSettings ws;
      for (int c = 0; c < 2; ++c) {
        cerebellum::ContactDescription cd;
        cd.frame = frames[c];
        ws.contacts.push_back(cd);
      }
      if (frames.size() >= 3) ws.base_frame = frames[2];
      ws.torque_limit = Eigen::VectorXd::Constant(nv - 6, std::numeric_limits<double>::infinity());
      wbc = std::make_unique<cerebellum::WholeBodyQP>(robot, ws);
      refs = wbc->make_references(q0);
      auto near_neutral = [&](int i) {
        for (int k = 7; k < nq; ++k) q[k] = q0[k] + 0.02 * uni(rng);
        q.head<7>() = q0.head<7>();
        v.setZero();
        active(1) = (i / 50) % 2 == 0;
      };
      sections.push_back({"wbc_tick", near_neutral, [&](int) { wbc->tick(q, v, active, refs); }});
      // The balance configuration: soft contacts, capture-point feedback, eps 1e-6, and joint
      // velocities, so the contact task and the CMP clamp are exercised as well.
      cerebellum::WholeBodyQPSettings bs = ws;
      bs.contact_weight = 1e5;
      bs.kd_contact = 20.0;
      bs.k_dcm = 3.0;
      bs.eps_abs = 1e-6;
      wbc_balance = std::make_unique<cerebellum::WholeBodyQP>(robot, bs);
      refs_balance = wbc_balance->make_references(q0);
      auto moving = [&, near_neutral](int i) {  // a copy: near_neutral ends with this block
        near_neutral(i);
        for (int k = 6; k < nv; ++k) v[k] = 0.2 * uni(rng);
      };
      sections.push_back({"wbc_tick_balance", moving,
                          [&](int) { wbc_balance->tick(q, v, active, refs_balance); }});
      // StandingController (the `wbc` controller in C++) on the balance settings: RobotState in,
      // torques out through its safety layer; reset once here, the ticks are counted. The clock
      // advances one period a tick; every 97th state has a NaN joint velocity (refused: the
      // layer's hold, then damping path).
      standing = std::make_unique<cerebellum::StandingController>(robot, bs, q0);
      state = cerebellum::make_state(nv - 6);
      state.has_base = true;
      state.joint_pos = q0.tail(nv - 6);
      standing->reset(state);
      auto moving_state = [&, moving](int i) {  // a copy: moving ends with this block
        moving(i);
        state.base.position = q.head<3>();
        state.base.quat_xyzw = q.segment<4>(3);
        state.joint_pos = q.tail(nv - 6);
        state.base.linear_velocity = v.head<3>();
        state.base.angular_velocity = v.segment<3>(3);
        state.joint_vel = v.tail(nv - 6);
        state.t_s = 0.001 * (i + 1);
        if (i % 97 == 13) state.joint_vel[0] = std::numeric_limits<double>::quiet_NaN();
      };
      sections.push_back({"standing_controller_tick", moving_state,
                          [&](int) { standing->tick(state, command); }});
    }

    // Base estimator update, on a model with the default sole and IMU frames (left_sole,
    // right_sole, base_imu: the MJCF the project builds). Contacts switch every 50 calls; every
    // 97th call has a NaN IMU sample and every 89th non-finite joints (the fallback paths).
    std::unique_ptr<cerebellum::BaseEstimator> est;
    cerebellum::BaseEstimatorInput est_in;
    try {
      est = std::make_unique<cerebellum::BaseEstimator>(positional[0],
                                                         cerebellum::BaseEstimatorSettings{});
    } catch (const std::invalid_argument& e) {
      std::fprintf(stderr, "estimator_update not checked: %s\n", e.what());
    }
    if (est) {
      est_in = est->make_input();
      Eigen::VectorXd qj0 = Eigen::VectorXd::Zero(nq - 7);
      est->reset(Eigen::Vector3d(0, 0, 1), Eigen::Vector4d(0, 0, 0, 1), Eigen::Vector3d::Zero(), qj0);
      auto walking = [&](int i) {
        for (int k = 0; k < nq - 7; ++k) est_in.joint_pos[k] = 0.1 * uni(rng);
        for (int k = 0; k < nq - 7; ++k) est_in.joint_vel[k] = 0.5 * uni(rng);
        est_in.gyro = Eigen::Vector3d(0.1 * uni(rng), 0.1 * uni(rng), 0.1 * uni(rng));
        est_in.acc = Eigen::Vector3d(0.5 * uni(rng), 0.5 * uni(rng), 9.81 + 0.5 * uni(rng));
        const bool left = (i / 50) % 2 == 0;
        est_in.foot_force[0] = Eigen::Vector3d(0, 0, left ? 400. : 5.);
        est_in.foot_force[1] = Eigen::Vector3d(0, 0, left ? 5. : 400.);
        est_in.foot_torque[0] = Eigen::Vector3d(4. * uni(rng), 4. * uni(rng), 0.);
        est_in.foot_torque[1] = Eigen::Vector3d(4. * uni(rng), 4. * uni(rng), 0.);
        est_in.schedule = {left ? 1 : 0, left ? 0 : 1};
        est_in.has_orientation = i % 3 != 0;
        est_in.dt_s = i % 101 == 0 ? 0.0 : 1e-3;
        if (i % 97 == 0) est_in.gyro[0] = std::numeric_limits<double>::quiet_NaN();
        if (i % 89 == 0) est_in.joint_vel[0] = std::numeric_limits<double>::infinity();
      };
      sections.push_back({"estimator_update", walking, [&](int) { est->update(est_in); }});
    }
    // The same with the terrain-aided contact heights on (a flat map at the soles' level).
    std::unique_ptr<cerebellum::BaseEstimator> est_map;
    cerebellum::FlatTerrain flat_map(0.0);
    if (est) {
      cerebellum::BaseEstimatorSettings sm;
      sm.terrain_noise_m = 0.005;
      est_map = std::make_unique<cerebellum::BaseEstimator>(positional[0], sm);
      est_map->set_terrain(&flat_map);
      Eigen::VectorXd qj0 = Eigen::VectorXd::Zero(nq - 7);
      est_map->reset(Eigen::Vector3d(0, 0, 1), Eigen::Vector4d(0, 0, 0, 1), Eigen::Vector3d::Zero(),
                     qj0);
      sections.push_back({"estimator_update_terrain", sections.back().prepare,
                          [&](int) { est_map->update(est_in); }});
    }
    // Footstep placement on a field of stepping stones (the terrain search, its memo hits, misses
    // and evictions) and on flat ground. Inputs: a walk forward with noise on every call; a swing
    // is re-planned about 5 times (t_liftoff changes every 5 calls).
    std::vector<cerebellum::TerrainBox> stones;
    for (int i = 0; i < 20; ++i)
      for (int j = 0; j < 20; ++j) {
        const double cx = -4.0 + 0.4 * i, cy = -4.0 + 0.4 * j;
        stones.push_back({cx - 0.15, cx + 0.15, cy - 0.15, cy + 0.15, 0.02 * uni(rng)});
      }
    const cerebellum::BoxTerrain stone_field(stones, -1.0);
    const cerebellum::FlatTerrain flat_ground(0.0);
    cerebellum::GaitSettings gs;
    cerebellum::FootstepPlanner footsteps(gs);
    struct PlaceInputs {
      int foot = 0;
      double t0 = 0.0;
      Eigen::Vector2d base = Eigen::Vector2d::Zero(), verr = Eigen::Vector2d::Zero();
      double yaw = 0.0;
      cerebellum::VelocityCommand cmd;
      Eigen::Vector3d stance = Eigen::Vector3d::Zero();
    } pin;
    cerebellum::Foothold placed;
    auto place_inputs = [&](int i) {
      const int step = i / 5;
      pin.foot = step % 2;
      pin.t0 = 0.5 * step;
      pin.base = Eigen::Vector2d(-3.0 + 0.01 * (i % 600) + 0.005 * uni(rng), 0.3 * uni(rng));
      pin.yaw = 0.2 * uni(rng);
      pin.cmd = {0.5 + 0.3 * uni(rng), 0.1 * uni(rng), 0.3 * uni(rng)};
      pin.verr = Eigen::Vector2d(0.1 * uni(rng), 0.1 * uni(rng));
      const double side = pin.foot == 0 ? -0.125 : 0.125;
      pin.stance = Eigen::Vector3d(pin.base[0] + 0.1 * uni(rng), pin.base[1] + side, 0.0);
      pin.stance[2] = stone_field.height(pin.stance[0], pin.stance[1]);
    };
    sections.push_back({"footstep_place", place_inputs, [&](int) {
                          placed = footsteps.place(pin.foot, pin.t0, pin.t0 + 0.4, pin.base,
                                                   pin.yaw, pin.cmd, pin.verr, pin.stance,
                                                   &stone_field);
                        }});
    sections.push_back({"footstep_place_flat", place_inputs, [&](int) {
                          placed = footsteps.place(pin.foot, pin.t0, pin.t0 + 0.4, pin.base,
                                                   pin.yaw, pin.cmd, pin.verr, pin.stance,
                                                   &flat_ground);
                        }});

    // Gait planning, 25 knots 0.04 s apart every 0.01 s, the state tracking the last plan; the
    // command cycles through walk, turn, sidestep and stop every 100 calls.
    std::vector<cerebellum::TerrainBox> field = stones;
    field.push_back({-0.6, 0.6, -0.6, 0.6, 0.0});  // start platform
    const cerebellum::BoxTerrain stone_walk(field, -1.0);
    struct GaitRun {
      std::unique_ptr<cerebellum::GaitPlanner> planner;
      cerebellum::GaitPlan plan;
      cerebellum::GaitState state;
      cerebellum::VelocityCommand cmd;
      double t = 0.0;
      bool planned = false;
    };
    auto make_run = [&](const cerebellum::TerrainQuery* terrain) {
      auto run = std::make_unique<GaitRun>();
      run->planner = std::make_unique<cerebellum::GaitPlanner>(gs, terrain);
      run->plan = run->planner->make_plan();
      run->state.base_position = Eigen::Vector3d(0.0, 0.0, gs.base_height_m);
      run->state.foot_positions = {Eigen::Vector3d(0.0, 0.125, 0.0),
                                   Eigen::Vector3d(0.0, -0.125, 0.0)};
      return run;
    };
    auto stones_run = make_run(&stone_walk);
    auto flat_run = make_run(nullptr);
    const std::array<cerebellum::VelocityCommand, 4> commands{
        {{0.4, 0.0, 0.0}, {0.3, 0.0, 0.4}, {0.0, 0.15, 0.0}, {0.0, 0.0, 0.0}}};
    auto gait_inputs = [&](GaitRun& r) {
      return [&r, &commands, &uni, &rng](int) {
        if (r.planned) {  // a quarter of the way from knot 0 to knot 1 of the last plan
          const auto& p = r.plan;
          r.state.base_position = 0.75 * p.base_position.row(0).transpose() +
                                  0.25 * p.base_position.row(1).transpose();
          r.state.base_yaw = 0.75 * p.base_yaw[0] + 0.25 * p.base_yaw[1];
          r.state.base_velocity = 0.75 * p.base_velocity.row(0).transpose() +
                                  0.25 * p.base_velocity.row(1).transpose();
          r.state.base_velocity.head<2>() += Eigen::Vector2d(0.05 * uni(rng), 0.05 * uni(rng));
          for (int f = 0; f < 2; ++f)
            r.state.foot_positions[f] =
                0.75 * p.foot_positions.row(0).segment<3>(3 * f).transpose() +
                0.25 * p.foot_positions.row(1).segment<3>(3 * f).transpose();
          r.t += 0.01;
        }
        r.cmd = commands[static_cast<std::size_t>(static_cast<int>(r.t / 1.0) % 4)];
        r.planned = true;
      };
    };
    sections.push_back({"gait_plan", gait_inputs(*stones_run), [&](int) {
                          stones_run->planner->plan(stones_run->t, stones_run->state,
                                                    stones_run->cmd, 25, 0.04, stones_run->plan);
                        }});
    sections.push_back({"gait_plan_flat", gait_inputs(*flat_run), [&](int) {
                          flat_run->planner->plan(flat_run->t, flat_run->state, flat_run->cmd, 25,
                                                  0.04, flat_run->plan);
                        }});

    // Walking's command shaping, CoP plan, balance law and capture step (no robot needed): random
    // footholds (alternating feet, with and without double support), sole poses and states.
    cerebellum::GaitSettings gait;
    gait.step_duration_s = 0.4;
    gait.initial_double_support_s = 0.3;
    const cerebellum::SoleGeometry geometry =
        cerebellum::SoleGeometry::from_sole_rectangle(gait.sole_rectangle, 0.8, 0.2);
    cerebellum::CommandShapingSettings shaping;
    shaping.forward_drift_gain = 0.5;
    shaping.lateral_drift_gain = 1.0;
    cerebellum::CommandRamp ramp(shaping);
    cerebellum::VelocityAverage vavg(gait.step_duration_s);
    cerebellum::DriftCorrection drift(shaping);
    cerebellum::CopPlan cop_plan(gait, geometry, 16);
    cerebellum::SupportArea support(geometry, 16);
    cerebellum::ComPlan com_plan(3 * 16 + 2);
    std::array<cerebellum::Foothold, 8> footholds;
    cerebellum::FeetPoses feet;
    std::optional<cerebellum::Touchdown> last;
    cerebellum::VelocityCommand target;
    Eigen::Vector2d com2, vcom2;
    Eigen::Matrix<double, 2, 6> wrenches;
    int n_footholds = 0;
    double t_now = 0.0, yaw = 0.0;
    bool anchored = false;
    auto walk_state = [&](int i) {
      t_now = 0.02 * i;
      yaw = uni(rng);
      for (int f = 0; f < 2; ++f)
        feet[f] = {Eigen::Vector3d(uni(rng), 0.12 * (1 - 2 * f) + 0.1 * uni(rng), 0.0),
                   yaw + 0.2 * uni(rng)};
      n_footholds = 1 + i % 8;
      const double T = gait.step_duration_s, ds = (i % 3 == 0) ? 0.0 : 0.08;
      double lo = t_now + 0.3 * uni(rng);
      for (int k = 0; k < n_footholds; ++k, lo += T) {
        footholds[k].foot = (i + k) % 2;
        footholds[k].position = Eigen::Vector3d(uni(rng), uni(rng), 0.0);
        footholds[k].yaw = uni(rng);
        footholds[k].t_liftoff = lo;
        footholds[k].t_touchdown = lo + T - ds;
      }
      if (i % 4 == 0) last.reset(); else last = cerebellum::Touchdown{i % 2, t_now - 0.05};
      target = {uni(rng), uni(rng), uni(rng)};
      com2 = Eigen::Vector2d(0.1 * uni(rng), 0.1 * uni(rng));
      vcom2 = Eigen::Vector2d(uni(rng), uni(rng));
      for (int r = 0; r < 2; ++r)
        for (int c = 0; c < 6; ++c) wrenches(r, c) = 300.0 * uni(rng);
      support.set(footholds.data(), n_footholds, feet);
    };
    sections.push_back({"walk_command_shaping", walk_state, [&](int i) {
                          const cerebellum::VelocityCommand c = ramp.step(t_now, target);
                          const double dt = vavg.update(t_now, vcom2);
                          g_sink = reinterpret_cast<void*>(static_cast<std::intptr_t>(
                              drift.correct(c, vavg.value(), yaw, dt, i % 5 != 0, 1e-3).vx > 0));
                        }});
    sections.push_back({"walk_cop_waypoints", walk_state, [&](int) {
                          support.set(footholds.data(), n_footholds, feet);
                          cop_plan.waypoints(t_now, footholds.data(), n_footholds, feet, last);
                          anchored = cop_plan.anchor(t_now, com2 + vcom2 / 3.3, 3.3, support);
                        }});
    sections.push_back({"walk_balance_law", [&](int i) {
                          walk_state(i);
                          cop_plan.waypoints(t_now, footholds.data(), n_footholds, feet, last);
                          com_plan.plan(cop_plan.times(), cop_plan.cops(), cop_plan.size(), com2,
                                        vcom2, 3.3);
                        },
                        [&](int i) {
                          const Eigen::Vector2d a = cerebellum::dcm_law(
                              t_now + 0.001 * i, com2, vcom2, com_plan, 3.3, 2.0, support);
                          const Eigen::Vector3d c3(com2[0], com2[1], 0.9);
                          const Eigen::Vector3d v3(vcom2[0], vcom2[1], 0.0);
                          const auto r1 =
                              cerebellum::lipm_com_reference(c3, v3, a, {0.0, 0.0, 0.0}, 0.9);
                          const auto r2 = cerebellum::mpc_com_reference(
                              c3, v3, wrenches, 50.0, r1.com, r1.vcom, i % 2 == 0, a);
                          g_sink = reinterpret_cast<void*>(
                              static_cast<std::intptr_t>(r2.acom[0] > 0));
                        }});
    sections.push_back({"walk_capture_state", walk_state, [&](int) {
                          const auto s = cerebellum::capture_state(
                              t_now, Eigen::Vector3d(0.0, 0.0, 1.0), com2, vcom2, feet, yaw, target,
                              footholds[0].foot, footholds[0].t_liftoff, footholds[0].t_touchdown,
                              gait, geometry, 3.3);
                          const bool out = geometry.dcm_outside(com2 + vcom2 / 3.3, feet, 0.0);
                          g_sink = reinterpret_cast<void*>(static_cast<std::intptr_t>(
                              out + (s.base_position[0] > 0)));
                        }});

    // The walking controller's tick (plans every plan_every ticks and at contact changes, swing
    // and arm references, the QP): walking in place of a standing robot at 0.5 m/s.
    std::optional<cerebellum::WalkingConfig> wcfg;
    std::unique_ptr<cerebellum::WalkingController> walker;
    cerebellum::RobotState wstate;
    cerebellum::Command wcommand;
    if (!walking_file.empty()) {
      const std::string dir = walking_file.substr(0, walking_file.find_last_of('/') + 1);
      wcfg.emplace(cerebellum::walking_config(cerebellum::KeyValueFile::load(walking_file), dir));
      walker = std::make_unique<cerebellum::WalkingController>(wcfg->settings, wcfg->terrain.get());
      const Eigen::VectorXd& qs = wcfg->settings.q_stand;
      wstate = cerebellum::make_state(static_cast<int>(qs.size()) - 7);
      wstate.has_base = true;
      wstate.base.position = qs.head<3>();
      wstate.base.quat_xyzw = qs.segment<4>(3);
      wstate.joint_pos = qs.tail(qs.size() - 7);
      walker->reset(wstate);
      wcommand.velocity = cerebellum::VelocityCommand{0.5, 0.0, 0.1};
      const double dt = wcfg->settings.dt_s;
      sections.push_back({"walking_controller_tick",
                          [&, dt](int i) {
                            static long k = 0;
                            wstate.t_s = dt * static_cast<double>(++k);
                            for (Eigen::Index j = 0; j < wstate.joint_vel.size(); ++j)
                              wstate.joint_vel[j] = 0.05 * std::sin(0.01 * (k + i) + j);
                          },
                          [&](int) { walker->tick(wstate, wcommand); }});
      // The safety layer's other paths on the same walk: every 7th tick a NaN joint velocity
      // (the held torques, then damping after hold_s: runs of 30 bad ticks every 100), every
      // 50th a stale command; then a second controller whose base tips over after 20 ticks
      // (the fall tick and the safe stop that follows).
      sections.push_back({"walking_controller_tick_fallback",
                          [&, dt](int i) {
                            static long k = 0;
                            wstate.t_s = dt * static_cast<double>(++k) + 100.0;
                            for (Eigen::Index j = 0; j < wstate.joint_vel.size(); ++j)
                              wstate.joint_vel[j] = 0.05 * std::sin(0.01 * (k + i) + j);
                            if (i % 7 == 0 || (i % 100) >= 70)
                              wstate.joint_vel[0] = std::numeric_limits<double>::quiet_NaN();
                            wcommand.stamp_s = i % 50 == 0 ? wstate.t_s - 10.0 : wstate.t_s;
                          },
                          [&](int) { walker->tick(wstate, wcommand); }});
    }
    // The same walk with the base estimator inside the tick (attach_estimator): the estimator
    // updates from the state's IMU (standing still, gravity only), encoders and sole F/T
    // sensors (the weight on both soles), then the tick runs on its estimate.
    std::unique_ptr<cerebellum::WalkingController> est_walker;
    std::unique_ptr<cerebellum::BaseEstimator> walk_est;
    cerebellum::RobotState estate;
    if (walker && wcfg->estimator) {
      est_walker = std::make_unique<cerebellum::WalkingController>(wcfg->settings, wcfg->terrain.get());
      walk_est = std::make_unique<cerebellum::BaseEstimator>(wcfg->settings.model_path, *wcfg->estimator);
      const Eigen::VectorXd& qs = wcfg->settings.q_stand;
      estate = wstate;
      estate.t_s = 0.0;
      estate.joint_vel.setZero();
      estate.imu_quat_xyzw = qs.segment<4>(3);
      estate.imu_acc = Eigen::Vector3d(0.0, 0.0, 9.81);
      for (int f = 0; f < 2; ++f) estate.foot_force[static_cast<size_t>(f)] = Eigen::Vector3d(0.0, 0.0, -300.0);
      walk_est->reset(qs.head<3>(), qs.segment<4>(3), Eigen::Vector3d::Zero(), estate.joint_pos);
      est_walker->attach_estimator(walk_est.get());
      est_walker->reset(estate);
      const double dt = wcfg->settings.dt_s;
      sections.push_back({"walking_controller_tick_estimator",
                          [&, dt](int i) {
                            static long k = 0;
                            estate.t_s = dt * static_cast<double>(++k);
                            for (Eigen::Index j = 0; j < estate.joint_vel.size(); ++j)
                              estate.joint_vel[j] = 0.05 * std::sin(0.01 * (k + i) + j);
                          },
                          [&](int) { est_walker->tick(estate, wcommand); }});
    }
    std::unique_ptr<cerebellum::WalkingController> faller;
    cerebellum::RobotState fstate;
    if (walker) {
      faller = std::make_unique<cerebellum::WalkingController>(wcfg->settings, wcfg->terrain.get());
      fstate = wstate;
      fstate.t_s = 0.0;
      fstate.joint_vel.setZero();
      fstate.base.quat_xyzw = wcfg->settings.q_stand.segment<4>(3);
      faller->reset(fstate);
      const double dt = wcfg->settings.dt_s;
      sections.push_back({"walking_controller_tick_safe_stop",
                          [&, dt](int i) {
                            static long k = 0;
                            fstate.t_s = dt * static_cast<double>(++k);
                            for (Eigen::Index j = 0; j < fstate.joint_vel.size(); ++j)
                              fstate.joint_vel[j] = 0.5 * std::sin(0.01 * (k + i) + j);
                            if (k > 20) fstate.base.quat_xyzw = Eigen::Vector4d(0.5, 0.0, 0.0, 0.866);
                          },
                          [&](int) { faller->tick(fstate, wcommand); }});
    }

    // One SQP-RTI iteration of the kinodynamic MPC from a fixed guess (time_iteration restores
    // the guess before each), as `cerebellum bench`'s mpc.iteration.
    std::unique_ptr<cerebellum::KinodynamicMPC> mpc;
    Eigen::VectorXd mpc_us(1);
    if (!mpc_file.empty()) {
      const auto f = cerebellum::KeyValueFile::load(mpc_file);
      cerebellum::KinodynamicMPCSettings ms;
      ms.library = f.string("library");
      ms.N = static_cast<int>(f.integer("N", 1, 10000));
      ms.nx = static_cast<int>(f.integer("nx", 1, 10000));
      ms.nu = static_cast<int>(f.integer("nu", 1, 10000));
      ms.np = static_cast<int>(f.integer("np", 1, 10000));
      ms.ng = static_cast<int>(f.integer("ng", 0, 10000));
      ms.nw = static_cast<int>(f.integer("nw", 0, 10000));
      ms.num_feet = static_cast<int>(f.integer("num_feet", 0, 100));
      ms.contact_index = static_cast<int>(f.integer("contact_index", 0, 10000));
      ms.rows_per_foot = static_cast<int>(f.integer("rows_per_foot", 0, 10000));
      ms.num_inequality = static_cast<int>(f.integer("num_inequality", 0, 10000));
      ms.x_lower = f.vector("x_lower", ms.nx);
      ms.x_upper = f.vector("x_upper", ms.nx);
      ms.w_stage = f.vector("w_stage", ms.nw);
      ms.w_terminal = f.vector("w_terminal", ms.nw);
      ms.sqp_iterations = 1;
      ms.qp_max_iter = static_cast<int>(f.integer("qp_max_iter", 0, 100000));
      ms.qp_tol = f.number("qp_tol");
      ms.qp_mode = static_cast<int>(f.integer("qp_mode", 0, 3));
      ms.qp_warm_start = static_cast<int>(f.integer("qp_warm_start", 0, 2));
      ms.qp_pred_corr = static_cast<int>(f.integer("qp_pred_corr", -1, 1));
      ms.qp_ric_alg = static_cast<int>(f.integer("qp_ric_alg", -1, 1));
      ms.qp_split_step = static_cast<int>(f.integer("qp_split_step", -1, 1));
      ms.qp_cond_horizon = static_cast<int>(f.integer("qp_cond_horizon", 0, 10000));
      ms.qp_accept_residual = f.number("qp_accept_residual");
      ms.qp_eq_band = f.number("qp_eq_band");
      const Eigen::VectorXd P = f.vector("parameters", ms.np * (ms.N + 1));
      const Eigen::VectorXd X = f.vector("guess_x", ms.nx * (ms.N + 1));
      const Eigen::VectorXd U = f.vector("guess_u", ms.nu * ms.N);
      const Eigen::VectorXd x0 = f.vector("x0", ms.nx);
      f.check_all_used();
      mpc = std::make_unique<cerebellum::KinodynamicMPC>(ms);
      mpc->set_parameters(Eigen::Map<const Eigen::MatrixXd>(P.data(), ms.np, ms.N + 1));
      mpc->set_guess(Eigen::Map<const Eigen::MatrixXd>(X.data(), ms.nx, ms.N + 1),
                     Eigen::Map<const Eigen::MatrixXd>(U.data(), ms.nu, ms.N));
      mpc->solve(x0);  // sets x0; the guess it leaves is the one every counted call starts from
      sections.push_back({"mpc_iteration", [](int) {}, [&](int) { mpc->time_iteration(1, mpc_us); }});
    }

    std::string json = "{";
    bool first = true;
    for (std::size_t s = 0; s < sections.size(); ++s) {
      if (!only.empty() && only.find("," + sections[s].name + ",") == std::string::npos) continue;
      for (int i = 0; i < 10; ++i) {  // warm-up, not counted
        sections[s].prepare(i);
        sections[s].run(i);
      }
      const long k = count_allocations(sections[s], calls, extra_percent, inputs_only);
      char buf[256];
      std::snprintf(buf, sizeof(buf), "%s\"%s\": {\"calls\": %d, \"allocations\": %ld}",
                    first ? "" : ", ", sections[s].name.c_str(), calls, k);
      first = false;
      json += buf;
    }
    if (walker) {  // what the counted ticks did: plans made, swings started
      char buf[128];
      std::snprintf(buf, sizeof(buf), ", \"walking_controller_plans\": %llu",
                    static_cast<unsigned long long>(walker->stats().plans));
      json += buf;
      // what the safety layer did on them: ticks held, damped, in the safe stop
      using E = cerebellum::SafetyEvent;
      const cerebellum::SafetyStats& ws = walker->safety().stats();
      const cerebellum::SafetyStats& fs = faller->safety().stats();
      std::snprintf(buf, sizeof(buf),
                    ", \"safety\": {\"hold\": %llu, \"damping\": %llu, \"stale_command\": %llu, "
                    "\"safe_stop\": %llu}",
                    static_cast<unsigned long long>(ws[E::kHold]),
                    static_cast<unsigned long long>(ws[E::kDamping]),
                    static_cast<unsigned long long>(ws[E::kStaleCommand]),
                    static_cast<unsigned long long>(fs[E::kSafeStop]));
      json += buf;
    }
    json += "}";
    std::printf("%s\n", json.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
