// The planner's own thread: runs one planning cycle (gait plan, MPC solve, publish) every
// period, off the 1 kHz path, and counts what a real-time planner must report.
//
// A cycle's deadline is its start + period_s. A cycle that ends after its deadline is a deadline
// miss (the next one starts at once); a cycle whose work returns false is a failure (it published
// nothing, so the tick keeps interpolating the previous, time-indexed plan). In simulation the
// controller runs the same work synchronously in simulated time instead (deterministic mode), and
// this class is not used.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace cerebellum {

class PlanningThread {
 public:
  /// One planning cycle; returns false when it failed (and published nothing).
  using Work = std::function<bool()>;

  struct Stats {
    std::uint64_t cycles = 0;           // cycles run
    std::uint64_t failures = 0;         // cycles whose work returned false or threw
    std::uint64_t deadline_misses = 0;  // cycles that ended after start + period
    double max_cycle_s = 0.0;           // longest cycle, s
  };

  /// period_s > 0 and finite, work non-empty (std::invalid_argument otherwise). Not started.
  PlanningThread(double period_s, Work work);
  ~PlanningThread();  // stops and joins
  PlanningThread(const PlanningThread&) = delete;
  PlanningThread& operator=(const PlanningThread&) = delete;

  /// Starts the thread (no effect when running): the first cycle runs at once.
  void start();
  /// Asks the thread to stop after its current cycle and joins it (no effect when stopped).
  void stop();
  bool running() const { return running_.load(std::memory_order_acquire); }
  double period_s() const { return period_s_; }
  /// Counters so far (any thread; each field is read atomically).
  Stats stats() const;

 private:
  void loop();

  const double period_s_;
  const Work work_;
  std::thread thread_;
  std::mutex mutex_;  // the planner's sleep only; the tick never takes it
  std::condition_variable wake_;
  bool stop_requested_ = false;
  std::atomic<bool> running_{false};
  std::atomic<std::uint64_t> cycles_{0}, failures_{0}, misses_{0};
  std::atomic<double> max_cycle_s_{0.0};
};

}  // namespace cerebellum
