// Contact schedule of walking: which feet are in contact when; no heap allocation after
// construction.
#pragma once

#include <array>
#include <limits>

#include "cerebellum/gait_settings.hpp"

namespace cerebellum {

/// One swing of `foot` (kLeft / kRight): liftoff t_liftoff, touchdown t_touchdown (s).
struct SwingInterval {
  int foot = kLeft;
  double t_liftoff = 0.0;
  double t_touchdown = 0.0;
};

/// Standing, or walking (alternating single supports separated by double supports, starting from a
/// double support). update(t, command) starts walking on a non-zero command; a zero command held
/// stop_delay_s finishes the current step and returns to double support. Queries are valid for
/// times after the last update/start/stop. Every step lasts step_duration_s; its swing lasts
/// settings.single_support_at(vx) for the last update's command, fixed once it has lifted off.
class ContactSchedule {
 public:
  static constexpr int kKeptSwings = 8;  // swing durations kept per episode
  static constexpr int kMaxEpisodes = 2;

  explicit ContactSchedule(const GaitSettings& settings);

  /// True while an episode runs at t (including its start double support and last step).
  bool is_walking(double t) const;
  /// Start walking at t, or cancel a pending stop. first_swing -1: the foot that did not swing
  /// last; double_support_s NaN: settings' start_double_support_s. Throws std::invalid_argument.
  void start(double t, int first_swing = -1,
             double double_support_s = std::numeric_limits<double>::quiet_NaN());
  /// Finish the step in progress at t (if any), then stay in double support.
  void stop(double t);
  /// Start/stop policy for the command at t; swings lifting off after t last single_support_at(vx).
  void update(double t, const VelocityCommand& command);

  /// (left, right) in contact at t.
  std::array<bool, 2> flags(double t) const;
  /// Contact flags at n times into out (n x 2, row-major: out[2 i + foot]).
  void flags_at(const double* times, int n, bool* out) const;
  /// Swings overlapping [t_from, t_to] in time order (with one in progress at t_from), at most
  /// `capacity` of them written to out; returns the number written.
  int swings(double t_from, double t_to, SwingInterval* out, int capacity) const;
  /// The swing in progress at t (if any) and the following ones, `count` in all (fewer when walking
  /// stops); out holds >= count entries. Returns the number written.
  int next_swings(double t, int count, SwingInterval* out) const;
  /// Phase in [0, 1) of foot's swing at t, NaN if the foot is in contact.
  double swing_phase(double t, int foot) const;

  const GaitSettings& settings() const { return settings_; }

 private:
  struct Episode {
    double t_start = 0.0;
    int first = kLeft;
    double t_stop = std::numeric_limits<double>::infinity();
    double start_ds = std::numeric_limits<double>::quiet_NaN();  // NaN: settings
    std::array<long long, kKeptSwings> keys{};
    std::array<double, kKeptSwings> vals{};
    int n_tss = 0;
    const double* find(long long k) const {
      for (int i = 0; i < n_tss; ++i)
        if (keys[i] == k) return &vals[i];
      return nullptr;
    }
  };

  double walk_t0(const Episode& ep) const;
  double tss(const Episode& ep, long long k) const;
  void set_default(Episode& ep, long long k, double v);
  void freeze(double t);

  GaitSettings settings_;
  double tss_next_;
  std::array<Episode, kMaxEpisodes> episodes_{};
  int n_episodes_ = 0;
  double zero_since_ = std::numeric_limits<double>::quiet_NaN();  // NaN: None
  int last_swing_ = kRight;
};

}  // namespace cerebellum
