#include "cerebellum/planning_thread.hpp"

#include <chrono>
#include <cmath>
#include <stdexcept>

namespace cerebellum {

PlanningThread::PlanningThread(double period_s, Work work)
    : period_s_(period_s), work_(std::move(work)) {
  if (!(std::isfinite(period_s) && period_s > 0.0))
    throw std::invalid_argument("PlanningThread: period_s must be finite and > 0");
  if (!work_) throw std::invalid_argument("PlanningThread: work must not be empty");
}

PlanningThread::~PlanningThread() { stop(); }

void PlanningThread::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_requested_ = false;
  }
  running_.store(true, std::memory_order_release);
  thread_ = std::thread(&PlanningThread::loop, this);
}

void PlanningThread::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_requested_ = true;
  }
  wake_.notify_all();
  thread_.join();
  running_.store(false, std::memory_order_release);
}

PlanningThread::Stats PlanningThread::stats() const {
  Stats s;
  s.cycles = cycles_.load(std::memory_order_relaxed);
  s.failures = failures_.load(std::memory_order_relaxed);
  s.deadline_misses = misses_.load(std::memory_order_relaxed);
  s.max_cycle_s = max_cycle_s_.load(std::memory_order_relaxed);
  return s;
}

void PlanningThread::loop() {
  using clock = std::chrono::steady_clock;
  const auto period = std::chrono::duration_cast<clock::duration>(
      std::chrono::duration<double>(period_s_));
  auto start = clock::now();
  for (;;) {
    bool ok = false;
    try {
      ok = work_();
    } catch (...) {
      ok = false;  // a throwing cycle is a failure; the previous plan stays
    }
    const auto end = clock::now();
    const auto deadline = start + period;
    cycles_.fetch_add(1, std::memory_order_relaxed);
    if (!ok) failures_.fetch_add(1, std::memory_order_relaxed);
    if (end > deadline) misses_.fetch_add(1, std::memory_order_relaxed);
    const double took = std::chrono::duration<double>(end - start).count();
    if (took > max_cycle_s_.load(std::memory_order_relaxed))
      max_cycle_s_.store(took, std::memory_order_relaxed);
    start = end > deadline ? end : deadline;
    std::unique_lock<std::mutex> lock(mutex_);
    if (wake_.wait_until(lock, start, [this] { return stop_requested_; })) return;
  }
}

}  // namespace cerebellum
