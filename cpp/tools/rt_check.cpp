// Counts heap allocations made by the real-time calls of the core library.
//
// The allocation functions of glibc are replaced in this executable and forward to glibc's
// __libc_* entry points; operator new goes through malloc and is counted too.
// Usage: cerebellum_rt_check <model.xml|model.urdf> <frame> [frame ...] [--calls N]
// Prints JSON: {"robot_compute": {"calls": N, "allocations": K}, ...}
#include <cerebellum/robot.hpp>
#include <cerebellum/standing_controller.hpp>
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
      auto moving = [&](int i) {
        near_neutral(i);
        for (int k = 6; k < nv; ++k) v[k] = 0.2 * uni(rng);
      };
      sections.push_back({"wbc_tick_balance", moving,
                          [&](int) { wbc_balance->tick(q, v, active, refs_balance); }});
      // StandingController (the `wbc` controller in C++) on the balance settings: RobotState in,
      // torques out; reset once here, the ticks are counted.
      standing = std::make_unique<cerebellum::StandingController>(robot, bs, q0);
      state = cerebellum::make_state(nv - 6);
      state.has_base = true;
      state.joint_pos = q0.tail(nv - 6);
      standing->reset(state);
      auto moving_state = [&](int i) {
        moving(i);
        state.base.position = q.head<3>();
        state.base.quat_xyzw = q.segment<4>(3);
        state.joint_pos = q.tail(nv - 6);
        state.base.linear_velocity = v.head<3>();
        state.base.angular_velocity = v.segment<3>(3);
        state.joint_vel = v.tail(nv - 6);
      };
      sections.push_back({"standing_controller_tick", moving_state,
                          [&](int) { standing->tick(state, command); }});
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
