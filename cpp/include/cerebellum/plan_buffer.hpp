// Hand-over of plans between the planning thread and the 1 kHz tick without locks or allocation.
//
// PlanBuffer<T> is a triple buffer: the writer fills back() and publish()es it; the reader calls
// update() and then reads front(), which stays valid and unchanged until its next update(). The
// writer never waits for the reader and the reader never waits for the writer (wait-free), and
// the reader always sees a whole plan, the latest one published. The three slots are copies of
// one prototype made at construction: a plan type with preallocated storage (fixed capacities,
// Eigen matrices sized once) is then filled in place and nothing allocates afterwards.
//
// Exactly one writer thread and one reader thread; the same object serves the other direction
// too (the tick publishing measured states for the planner).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace cerebellum {

template <class T>
class PlanBuffer {
 public:
  explicit PlanBuffer(const T& prototype = T()) : slots_{prototype, prototype, prototype} {}
  PlanBuffer(const PlanBuffer&) = delete;
  PlanBuffer& operator=(const PlanBuffer&) = delete;

  /// Writer: the slot to fill (neither the reader's nor the last published one).
  T& back() { return slots_[back_]; }
  /// Writer: makes back() the latest plan; back() then names another slot, whose contents are an
  /// older plan (overwrite it whole or start from a copy).
  void publish() {
    back_ = middle_.exchange(static_cast<std::uint8_t>(back_ | kFresh), std::memory_order_acq_rel) &
            kIndex;
    published_.fetch_add(1, std::memory_order_relaxed);
  }

  /// Reader: takes the latest published plan if one arrived since the last call (returns true).
  bool update() {
    if (!(middle_.load(std::memory_order_acquire) & kFresh)) return false;
    front_ = middle_.exchange(front_, std::memory_order_acq_rel) & kIndex;
    return true;
  }
  /// Reader: the plan taken by the last update() (the prototype before the first).
  const T& front() const { return slots_[front_]; }

  /// Plans published so far (any thread).
  std::uint64_t published() const { return published_.load(std::memory_order_relaxed); }

 private:
  static constexpr std::uint8_t kIndex = 3, kFresh = 4;
  std::array<T, 3> slots_;
  std::uint8_t back_ = 0, front_ = 2;          // owned by the writer / the reader
  std::atomic<std::uint8_t> middle_{1};        // index of the shared slot | kFresh
  std::atomic<std::uint64_t> published_{0};
};

}  // namespace cerebellum
