#pragma once

#include <chrono>
#include <string>

#include "absl/status/statusor.h"

#include "hub/common/clock.h"
#include "hub/store/database.h"

namespace hub::jobs {

// A named lease in `singleton_leases` that at most one replica holds at a time, for jobs that
// must not run twice at once (retention). A holder keeps it by renewing before it expires; a
// dead holder's lease expires and another replica takes it. Thread-safe.
class SingletonLease final {
public:
  SingletonLease(store::Database& db,
                 const common::Clock& clock,
                 std::string name,
                 std::string holder,
                 std::chrono::milliseconds ttl)
      : db_(db), clock_(clock), name_(std::move(name)), holder_(std::move(holder)), ttl_(ttl) {}

  // Takes or renews the lease; true when this holder has it for the next `ttl`.
  [[nodiscard]] absl::StatusOr<bool> Acquire();

  // Gives the lease up if held.
  [[nodiscard]] absl::Status Release();

private:
  store::Database& db_;
  const common::Clock& clock_;
  std::string name_;
  std::string holder_;
  std::chrono::milliseconds ttl_;
};

}  // namespace hub::jobs
