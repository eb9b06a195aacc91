#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace hub::common {

// Wall-clock time in UTC, as microseconds since the Unix epoch. Every timestamp the hub stores
// or compares (sessions, leases, retention) comes from a `Clock`, so tests can move time.
using Micros = std::int64_t;

inline constexpr Micros kMicrosPerSecond = 1'000'000;

// Source of the current time. Implementations are thread-safe.
class Clock {
public:
  virtual ~Clock() = default;

  // Returns the current UTC time in microseconds since the epoch.
  virtual Micros NowMicros() const = 0;

  // Returns the current time in whole seconds since the epoch.
  std::int64_t NowSeconds() const { return NowMicros() / kMicrosPerSecond; }
};

// The real clock (`std::chrono::system_clock`).
class SystemClock final : public Clock {
public:
  Micros NowMicros() const override;

  // Returns a process-wide instance; it has no state, so sharing it is safe.
  static SystemClock& Instance();
};

// A clock that only moves when told to. Thread-safe.
class ManualClock final : public Clock {
public:
  explicit ManualClock(Micros start) : now_(start) {}

  Micros NowMicros() const override { return now_.load(); }

  void Advance(std::chrono::microseconds delta) { now_ += delta.count(); }

  void Set(Micros now) { now_ = now; }

private:
  std::atomic<Micros> now_;
};

}  // namespace hub::common
