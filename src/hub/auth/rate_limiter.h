#pragma once

// Per-client rate limits on the actions that cost the hub (password hashing) or invite
// guessing: login, signup, anonymous login and forgotten-password mails.
//
// One token bucket per (action, client address), in memory on each replica: a bucket holds
// up to `tokens` tokens and refills at `tokens / period`; every attempt takes one. Time comes
// from the injected `Clock`, so tests move it instead of sleeping. Buckets of idle clients are
// pruned once the table grows past `max_buckets`.
//
// Thread-safety: thread-safe. The clock must outlive the limiter.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

#include "hub/common/clock.h"

namespace hub::auth {

enum class RateAction { kLogin, kSignup, kAnonymousLogin, kForgotPassword };

inline constexpr size_t kRateActionCount = 4;

// "login", "signup", "anonymous login", "forgot password" (for messages).
std::string_view RateActionName(RateAction action);

// `tokens` attempts per `period`; `tokens == 0` means unlimited.
struct RateLimit {
  std::int64_t tokens = 0;
  std::chrono::milliseconds period{0};

  bool unlimited() const { return tokens <= 0; }
};

// Parses "10/1m" (10 per minute), "100/1h", "5/30s"; "off", "0" or "" mean unlimited.
// `kInvalidArgument` otherwise.
absl::StatusOr<RateLimit> ParseRateLimit(std::string_view text);

class RateLimiter final {
public:
  using Limits = std::array<RateLimit, kRateActionCount>;

  RateLimiter(const common::Clock& clock, Limits limits, size_t max_buckets = 100'000);

  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Takes one token for `action` from `client`'s bucket. Returns nullopt when allowed, or
  // the whole seconds (at least 1) until the next attempt would be allowed.
  std::optional<std::chrono::seconds> Take(RateAction action, std::string_view client);

private:
  struct Bucket {
    double tokens = 0;
    common::Micros updated_at = 0;
  };

  double Refilled(const Bucket& bucket, const RateLimit& limit, common::Micros now) const;
  void PruneLocked(common::Micros now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const common::Clock& clock_;
  const Limits limits_;
  const size_t max_buckets_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hub::auth
