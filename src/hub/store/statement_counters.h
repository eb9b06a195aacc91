#pragma once

// Per-database statement counters behind `Database::stats()`. Internal to the backends.
//
// Thread-safety: all methods are thread-safe. Counting a statement is lock-free: backends
// resolve the counters of a statement once (when they cache it) and then only increment
// atomics.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#include "hub/store/database.h"

namespace hub::store {

class StatementCounters final {
public:
  using Counter = std::atomic<std::uint64_t>;

  StatementCounters() = default;
  StatementCounters(const StatementCounters&) = delete;
  StatementCounters& operator=(const StatementCounters&) = delete;

  // The counters of `tables`, created on first use. The pointers stay valid for the lifetime
  // of this object.
  std::vector<Counter*> CountersFor(const std::vector<std::string>& tables);

  // Counts one statement on `counters` (from `CountersFor`).
  void Record(const std::vector<Counter*>& counters);

  DatabaseStats Snapshot() const;

private:
  Counter total_{0};
  mutable absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Counter>, std::less<>> by_table_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hub::store
