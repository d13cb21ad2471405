// ContactSchedule (see contact_schedule.hpp).
#include "cerebellum/contact_schedule.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace cerebellum {

ContactSchedule::ContactSchedule(const GaitSettings& settings)
    : settings_(settings), tss_next_(settings.single_support_s()) {}

double ContactSchedule::walk_t0(const Episode& ep) const {
  const double ds = std::isnan(ep.start_ds) ? settings_.start_double_support_s() : ep.start_ds;
  return ep.t_start + ds;
}

double ContactSchedule::tss(const Episode& ep, long long k) const {
  const double* v = ep.find(k);
  return v ? *v : tss_next_;
}

// Sets swing k's duration unless it has one; keeps the kKeptSwings largest keys (the older swings
// are in the past of every query).
void ContactSchedule::set_default(Episode& ep, long long k, double v) {
  if (ep.find(k)) return;
  if (ep.n_tss < kKeptSwings) {
    ep.keys[ep.n_tss] = k;
    ep.vals[ep.n_tss] = v;
    ++ep.n_tss;
    return;
  }
  int imin = 0;
  for (int i = 1; i < ep.n_tss; ++i)
    if (ep.keys[i] < ep.keys[imin]) imin = i;
  if (k < ep.keys[imin]) return;  // it would be the smallest: dropped right away
  ep.keys[imin] = k;
  ep.vals[imin] = v;
}

void ContactSchedule::freeze(double t) {
  if (n_episodes_ == 0) return;
  Episode& ep = episodes_[n_episodes_ - 1];
  const double T = settings_.step_duration_s;
  const double t0 = walk_t0(ep);
  if (t < t0) return;
  const long long last = static_cast<long long>(std::floor((t - t0) / T));
  for (long long k = std::max(0LL, last - kKeptSwings + 1); k <= last; ++k)
    if (t0 + static_cast<double>(k) * T < ep.t_stop) set_default(ep, k, tss_next_);
}

bool ContactSchedule::is_walking(double t) const {
  if (n_episodes_ == 0) return false;
  const Episode& ep = episodes_[n_episodes_ - 1];
  return ep.t_start <= t && t < ep.t_stop;
}

void ContactSchedule::start(double t, int first_swing, double double_support_s) {
  if (n_episodes_ > 0 && t < episodes_[n_episodes_ - 1].t_stop) {
    episodes_[n_episodes_ - 1].t_stop = std::numeric_limits<double>::infinity();
    return;
  }
  const int first = first_swing == -1 ? 1 - last_swing_ : first_swing;
  if (first != kLeft && first != kRight)
    throw std::invalid_argument("gait setting 'first_swing': expected 0 (left) or 1 (right), got " +
                                std::to_string(first_swing));
  if (!std::isnan(double_support_s) && !(double_support_s >= 0))
    throw std::invalid_argument("gait setting 'double_support_s': expected >= 0 s, got " +
                                std::to_string(double_support_s));
  if (n_episodes_ == kMaxEpisodes) {
    episodes_[0] = episodes_[1];
    n_episodes_ = 1;
  }
  Episode& ep = episodes_[n_episodes_++];
  ep = Episode{};
  ep.t_start = t;
  ep.first = first;
  ep.start_ds = double_support_s;
}

void ContactSchedule::stop(double t) {
  if (!is_walking(t)) return;
  Episode& ep = episodes_[n_episodes_ - 1];
  const double T = settings_.step_duration_s;
  const double tau = t - walk_t0(ep);
  if (tau < 0) {
    ep.t_stop = t;
    return;
  }
  const long long k = static_cast<long long>(std::floor(tau / T));
  const double r = tau - static_cast<double>(k) * T;
  const double d = tss(ep, k);
  ep.t_stop = r >= d ? t : walk_t0(ep) + static_cast<double>(k) * T + d;
  last_swing_ = static_cast<int>((ep.first + k) % 2);
}

void ContactSchedule::update(double t, const VelocityCommand& command) {
  const GaitSettings& st = settings_;
  freeze(t);
  tss_next_ = st.single_support_at(command.vx);
  if (!command.is_zero(st.command_deadband)) {
    zero_since_ = std::numeric_limits<double>::quiet_NaN();
    if (!is_walking(t)) {
      int first = -1;
      if (std::abs(command.vy) > st.command_deadband)
        first = command.vy > 0 ? kLeft : kRight;
      else if (std::abs(command.yaw_rate) > st.command_deadband)
        first = command.yaw_rate > 0 ? kLeft : kRight;
      start(t, first);
    } else if (episodes_[n_episodes_ - 1].t_stop < std::numeric_limits<double>::infinity()) {
      start(t);  // cancels the pending stop
    }
    return;
  }
  if (std::isnan(zero_since_)) zero_since_ = t;
  if (t - zero_since_ >= st.stop_delay_s && is_walking(t) &&
      episodes_[n_episodes_ - 1].t_stop == std::numeric_limits<double>::infinity())
    stop(t);
}

std::array<bool, 2> ContactSchedule::flags(double t) const {
  bool out[2];
  flags_at(&t, 1, out);
  return {out[0], out[1]};
}

void ContactSchedule::flags_at(const double* times, int n, bool* out) const {
  for (int i = 0; i < 2 * n; ++i) out[i] = true;
  if (n <= 0) return;
  const double T = settings_.step_duration_s;
  double t_first = times[0], t_last = times[0];
  for (int i = 1; i < n; ++i) {
    t_first = std::min(t_first, times[i]);
    t_last = std::max(t_last, times[i]);
  }
  for (int e = 0; e < n_episodes_; ++e) {
    const Episode& ep = episodes_[e];
    const double t0 = walk_t0(ep);
    if (t_last < t0 || t_first >= ep.t_stop) continue;
    for (int i = 0; i < n; ++i) {
      const double t = times[i];
      // Same arithmetic as swings(); the floored index is corrected by one where rounding put a
      // time on the wrong side.
      double k = std::floor((t - t0) / T);
      if (t < t0 + k * T) k -= 1.0;
      if (t >= t0 + (k + 1.0) * T) k += 1.0;
      const double lo = t0 + k * T;
      if (!(k >= 0 && lo < ep.t_stop)) continue;
      const long long ki = static_cast<long long>(k);
      if (t < lo + tss(ep, ki)) out[2 * i + static_cast<int>((ep.first + ki) % 2)] = false;
    }
  }
}

int ContactSchedule::swings(double t_from, double t_to, SwingInterval* out, int capacity) const {
  const double T = settings_.step_duration_s;
  int count = 0;
  for (int e = 0; e < n_episodes_ && count < capacity; ++e) {
    const Episode& ep = episodes_[e];
    const double t0 = walk_t0(ep);
    long long k = std::max(0LL, static_cast<long long>(std::floor((t_from - t0) / T)) - 1);
    while (count < capacity) {
      const double lo = t0 + static_cast<double>(k) * T;
      if (lo > t_to || lo >= ep.t_stop) break;
      const double td = lo + tss(ep, k);
      if (td > t_from) out[count++] = {static_cast<int>((ep.first + k) % 2), lo, td};
      ++k;
    }
  }
  return count;
}

int ContactSchedule::next_swings(double t, int count, SwingInterval* out) const {
  const double horizon = t + (count + 1) * settings_.step_duration_s +
                         settings_.start_double_support_s();
  return swings(t, horizon, out, count);
}

double ContactSchedule::swing_phase(double t, int foot) const {
  SwingInterval buf[8];
  const int n = swings(t, t, buf, 8);
  for (int i = 0; i < n; ++i) {
    const SwingInterval& sw = buf[i];
    if (sw.foot == foot && sw.t_liftoff <= t && t < sw.t_touchdown)
      return (t - sw.t_liftoff) / (sw.t_touchdown - sw.t_liftoff);
  }
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace cerebellum
