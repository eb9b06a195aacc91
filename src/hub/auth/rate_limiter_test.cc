#include "hub/auth/rate_limiter.h"

#include "gtest/gtest.h"

namespace hub::auth {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

RateLimiter::Limits LoginLimit(std::int64_t tokens) {
  RateLimiter::Limits limits;
  limits[static_cast<size_t>(RateAction::kLogin)] = RateLimit{tokens, minutes(1)};
  return limits;
}

TEST(RateLimiterTest, AllowsABurstThenSaysHowLongToWait) {
  common::ManualClock clock(1'000'000);
  RateLimiter limiter(clock, LoginLimit(3));

  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(limiter.Take(RateAction::kLogin, "10.0.0.1").has_value());
  }
  auto wait = limiter.Take(RateAction::kLogin, "10.0.0.1");

  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(*wait, seconds(20));  // one token per 20 s
}

TEST(RateLimiterTest, RefillsWithTime) {
  common::ManualClock clock(0);
  RateLimiter limiter(clock, LoginLimit(1));
  ASSERT_FALSE(limiter.Take(RateAction::kLogin, "a").has_value());
  ASSERT_TRUE(limiter.Take(RateAction::kLogin, "a").has_value());

  clock.Advance(seconds(59));
  auto early = limiter.Take(RateAction::kLogin, "a");
  clock.Advance(seconds(61));
  auto later = limiter.Take(RateAction::kLogin, "a");

  ASSERT_TRUE(early.has_value());
  EXPECT_EQ(*early, seconds(1));
  EXPECT_FALSE(later.has_value());
}

TEST(RateLimiterTest, ClientsAndActionsHaveSeparateBuckets) {
  common::ManualClock clock(0);
  RateLimiter limiter(clock, LoginLimit(1));
  ASSERT_FALSE(limiter.Take(RateAction::kLogin, "a").has_value());

  EXPECT_FALSE(limiter.Take(RateAction::kLogin, "b").has_value());
  EXPECT_FALSE(limiter.Take(RateAction::kSignup, "a").has_value());  // unlimited here
  EXPECT_TRUE(limiter.Take(RateAction::kLogin, "a").has_value());
}

TEST(RateLimiterTest, BoundedTableForgetsIdleClients) {
  common::ManualClock clock(0);
  RateLimiter limiter(clock, LoginLimit(2), 4);
  for (int i = 0; i < 100; ++i) {
    limiter.Take(RateAction::kLogin, "client" + std::to_string(i));
  }
  ASSERT_FALSE(limiter.Take(RateAction::kLogin, "x").has_value());
  ASSERT_FALSE(limiter.Take(RateAction::kLogin, "x").has_value());

  EXPECT_TRUE(limiter.Take(RateAction::kLogin, "x").has_value());
}

TEST(RateLimiterTest, ParsesSettings) {
  auto ten_per_minute = ParseRateLimit("10/1m");
  auto off = ParseRateLimit("off");

  ASSERT_TRUE(ten_per_minute.ok() && off.ok());
  EXPECT_EQ(ten_per_minute->tokens, 10);
  EXPECT_EQ(ten_per_minute->period, std::chrono::milliseconds(60'000));
  EXPECT_TRUE(off->unlimited());
  EXPECT_FALSE(ParseRateLimit("10").ok());
  EXPECT_FALSE(ParseRateLimit("x/1m").ok());
  EXPECT_FALSE(ParseRateLimit("5/0s").ok());
}

}  // namespace
}  // namespace hub::auth
