#pragma once

// The hook through which modules that keep per-user data (work requests and their results,
// result-cache contributions) take part in "clear my data" and in user deletion. The auth
// module knows none of that data; each such module registers a cleaner with
// `UserService::RegisterCleaner` at start-up.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hub::auth {

// Implementations are thread-safe.
class UserDataCleaner {
public:
  virtual ~UserDataCleaner() = default;

  // A short name for logs ("work requests").
  virtual std::string_view name() const = 0;

  // Deletes everything the user submitted (requests and their stored results). Returns how
  // many items were deleted.
  virtual absl::StatusOr<std::int64_t> ClearData(const std::string& user_id) = 0;

  // Deletes the user's contributions to shared data (cached results). Returns how many.
  virtual absl::StatusOr<std::int64_t> ClearContributions(const std::string& user_id) = 0;
};

}  // namespace hub::auth
