// PlanBuffer (triple buffer) and PlanningThread: ordering and hand-over in one thread, whole plans
// under a concurrent writer and reader (also built with ThreadSanitizer when the compiler has it),
// and the planning thread's cycle, failure and deadline counters.
#include <array>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <thread>

#include "cerebellum/plan_buffer.hpp"
#include "cerebellum/planning_thread.hpp"
#include "check.hpp"

using namespace cerebellum;

namespace {

struct Plan {
  std::uint64_t seq = 0;
  std::array<double, 256> knots{};  // every entry equals seq in a whole plan
};

void fill(Plan& p, std::uint64_t seq) {
  p.seq = seq;
  for (double& k : p.knots) k = static_cast<double>(seq);
}

bool whole(const Plan& p) {
  for (double k : p.knots)
    if (k != static_cast<double>(p.seq)) return false;
  return true;
}

void single_thread() {
  PlanBuffer<Plan> buf;
  CHECK(!buf.update());  // nothing published
  CHECK(buf.front().seq == 0);
  fill(buf.back(), 1);
  buf.publish();
  CHECK(buf.update());
  CHECK(buf.front().seq == 1 && whole(buf.front()));
  CHECK(!buf.update());  // no newer plan: front stays
  CHECK(buf.front().seq == 1);
  // two plans published before the reader looks: it gets the latest, and the older one is gone
  fill(buf.back(), 2);
  buf.publish();
  fill(buf.back(), 3);
  buf.publish();
  CHECK(buf.update());
  CHECK(buf.front().seq == 3);
  CHECK(!buf.update());
  CHECK(buf.published() == 3);
  // the writer's slot is never the reader's
  for (std::uint64_t s = 4; s < 50; ++s) {
    CHECK(&buf.back() != &buf.front());
    fill(buf.back(), s);
    buf.publish();
    if (s % 3 == 0) {
      CHECK(buf.update());
      CHECK(buf.front().seq == s);
    }
  }
}

void two_threads() {
  PlanBuffer<Plan> buf;
  constexpr std::uint64_t kPlans = 20000;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (std::uint64_t s = 1; s <= kPlans; ++s) {
      fill(buf.back(), s);
      buf.publish();
    }
    done.store(true, std::memory_order_release);
  });
  std::uint64_t last = 0, taken = 0, torn = 0, backwards = 0;
  for (;;) {
    const bool finished = done.load(std::memory_order_acquire);
    if (buf.update()) {
      ++taken;
      const Plan& p = buf.front();
      if (!whole(p)) ++torn;
      if (p.seq <= last) ++backwards;
      last = p.seq;
    }
    if (finished && !buf.update()) break;
  }
  writer.join();
  if (buf.update()) last = buf.front().seq;
  CHECK(torn == 0);
  CHECK(backwards == 0);
  CHECK(taken >= 1);
  CHECK(last == kPlans);  // the last plan published is the one the reader ends with
  CHECK(buf.published() == kPlans);
}

void planning_thread() {
  CHECK_THROWS(PlanningThread(0.0, [] { return true; }));
  CHECK_THROWS(PlanningThread(-1.0, [] { return true; }));
  CHECK_THROWS(PlanningThread(0.01, PlanningThread::Work()));

  // plans arrive through the buffer while the thread runs; stop joins
  PlanBuffer<Plan> buf;
  std::uint64_t seq = 0;
  PlanningThread fast(0.002, [&] {
    fill(buf.back(), ++seq);
    buf.publish();
    return true;
  });
  CHECK(!fast.running());
  fast.start();
  CHECK(fast.running());
  std::uint64_t seen = 0;
  for (int i = 0; i < 2000 && seen < 5; ++i) {
    if (buf.update()) {
      CHECK(whole(buf.front()));
      ++seen;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  fast.stop();
  CHECK(!fast.running());
  CHECK(seen >= 5);
  const auto s = fast.stats();
  CHECK(s.cycles == buf.published());
  CHECK(s.failures == 0);

  // every cycle longer than the period is a miss; a false or throwing cycle is a failure
  int k = 0;
  PlanningThread slow(0.001, [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    ++k;
    if (k % 3 == 0) throw std::runtime_error("solver failed");
    return k % 3 != 1;
  });
  slow.start();
  while (slow.stats().cycles < 9) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  slow.stop();
  const auto t = slow.stats();
  CHECK(t.deadline_misses == t.cycles);
  CHECK(t.failures >= 2 * (t.cycles / 3));
  CHECK(t.failures <= 2 * (t.cycles / 3) + 2);
  CHECK(t.max_cycle_s >= 0.003);
  slow.start();  // restartable
  CHECK(slow.running());
  slow.stop();
}

}  // namespace

int main() {
  single_thread();
  two_threads();
  planning_thread();
  return TEST_MAIN_RETURN();
}
