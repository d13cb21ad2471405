// Counts heap allocations made by the real-time calls of the core library.
//
// The allocation functions of glibc are replaced in this executable and forward to glibc's
// __libc_* entry points; operator new goes through malloc and is counted too.
// Usage: cerebellum_rt_check <model.xml|model.urdf> <frame> [frame ...] [--calls N]
// Prints JSON: {"robot_compute": {"calls": N, "allocations": K}, ...}
#include <cerebellum/base_estimator.hpp>
#include <cerebellum/robot.hpp>
#include <cerebellum/wbc.hpp>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

long count_allocations(const Section& s, int calls) {
  long total = 0;
  for (int i = 0; i < calls; ++i) {
    s.prepare(i);
    g_allocations.store(0);
    g_counting.store(true);
    s.run(i);
    g_counting.store(false);
    total += g_allocations.load();
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int calls = 1000;
  std::vector<std::string> positional;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--calls" && i + 1 < args.size()) {
      calls = std::atoi(args[++i].c_str());
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
      auto moving = [&, near_neutral](int i) {  // near_neutral is local to this block
        near_neutral(i);
        for (int k = 6; k < nv; ++k) v[k] = 0.2 * uni(rng);
      };
      sections.push_back({"wbc_tick_balance", moving,
                          [&](int) { wbc_balance->tick(q, v, active, refs_balance); }});
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

    std::string json = "{";
    for (std::size_t s = 0; s < sections.size(); ++s) {
      for (int i = 0; i < 10; ++i) {  // warm-up, not counted
        sections[s].prepare(i);
        sections[s].run(i);
      }
      const long k = count_allocations(sections[s], calls);
      char buf[256];
      std::snprintf(buf, sizeof(buf), "%s\"%s\": {\"calls\": %d, \"allocations\": %ld}",
                    s ? ", " : "", sections[s].name.c_str(), calls, k);
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
