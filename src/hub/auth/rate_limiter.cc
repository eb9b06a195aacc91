#include "hub/auth/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "fmt/format.h"

#include "hub/common/settings.h"
#include "hub/common/strings.h"

namespace hub::auth {

std::string_view RateActionName(RateAction action) {
  switch (action) {
    case RateAction::kLogin:
      return "login";
    case RateAction::kSignup:
      return "signup";
    case RateAction::kAnonymousLogin:
      return "anonymous login";
    case RateAction::kForgotPassword:
      return "forgot password";
  }
  return "request";
}

absl::StatusOr<RateLimit> ParseRateLimit(std::string_view text) {
  std::string_view t = common::Trim(text);
  if (t.empty() || t == "0" || common::ToLower(t) == "off") {
    return RateLimit{};
  }
  size_t slash = t.find('/');
  if (slash == std::string_view::npos) {
    return absl::InvalidArgumentError("must be N/period, e.g. 10/1m, or off");
  }
  auto tokens = common::ParseIntSetting(t.substr(0, slash), 0, 1'000'000'000);
  auto period = common::ParseDurationSetting(t.substr(slash + 1));
  if (!tokens.ok() || !period.ok() || period->count() <= 0) {
    return absl::InvalidArgumentError("must be N/period, e.g. 10/1m, or off");
  }
  return RateLimit{*tokens, *period};
}

RateLimiter::RateLimiter(const common::Clock& clock, Limits limits, size_t max_buckets)
    : clock_(clock), limits_(limits), max_buckets_(std::max<size_t>(1, max_buckets)) {}

double RateLimiter::Refilled(const Bucket& bucket,
                             const RateLimit& limit,
                             common::Micros now) const {
  double per_micro =
      static_cast<double>(limit.tokens) / (static_cast<double>(limit.period.count()) * 1000.0);
  double elapsed = static_cast<double>(std::max<common::Micros>(0, now - bucket.updated_at));
  return std::min(static_cast<double>(limit.tokens), bucket.tokens + elapsed * per_micro);
}

std::optional<std::chrono::seconds> RateLimiter::Take(RateAction action, std::string_view client) {
  const RateLimit& limit = limits_[static_cast<size_t>(action)];
  if (limit.unlimited()) {
    return std::nullopt;
  }
  common::Micros now = clock_.NowMicros();
  std::string key = fmt::format("{}|{}", static_cast<int>(action), client);

  absl::MutexLock lock(&mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_buckets_) {
      PruneLocked(now);
    }
    it = buckets_.emplace(key, Bucket{static_cast<double>(limit.tokens), now}).first;
  }
  Bucket& bucket = it->second;
  bucket.tokens = Refilled(bucket, limit, now);
  bucket.updated_at = now;
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return std::nullopt;
  }
  double micros_per_token =
      static_cast<double>(limit.period.count()) * 1000.0 / static_cast<double>(limit.tokens);
  double wait_seconds = (1.0 - bucket.tokens) * micros_per_token / 1e6;
  return std::chrono::seconds(std::max<std::int64_t>(1, std::llround(std::ceil(wait_seconds))));
}

void RateLimiter::PruneLocked(common::Micros now) {
  // A bucket that has refilled completely behaves like a new one: forget it.
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    int action = it->first[0] - '0';
    const RateLimit& limit = limits_[static_cast<size_t>(action)];
    if (Refilled(it->second, limit, now) >= static_cast<double>(limit.tokens)) {
      buckets_.erase(it++);
    } else {
      ++it;
    }
  }
  // Still full: a flood of distinct addresses. Start over rather than grow without bound.
  if (buckets_.size() >= max_buckets_) {
    buckets_.clear();
  }
}

}  // namespace hub::auth
