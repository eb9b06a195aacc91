#include "hub/auth/session_cache.h"

#include "gtest/gtest.h"

namespace hub::auth {
namespace {

CachedCredential Entry(std::string user, common::Micros validated_at) {
  CachedCredential entry;
  entry.id = user + "-session";
  entry.user_id = std::move(user);
  entry.validated_at = validated_at;
  return entry;
}

TEST(SessionCacheTest, PutGetErase) {
  SessionCache cache(10);
  cache.Put("h1", Entry("u1", 1));

  ASSERT_TRUE(cache.Get("h1").has_value());
  EXPECT_EQ(cache.Get("h1")->user_id, "u1");
  cache.Erase("h1");
  EXPECT_FALSE(cache.Get("h1").has_value());
}

TEST(SessionCacheTest, EraseUserDropsOnlyThatUsersEntries) {
  SessionCache cache(10);
  cache.Put("a1", Entry("a", 1));
  cache.Put("a2", Entry("a", 1));
  cache.Put("b1", Entry("b", 1));

  cache.EraseUser("a");

  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(cache.Get("b1").has_value());
}

TEST(SessionCacheTest, WhenFullDropsTheLeastRecentlyValidated) {
  SessionCache cache(4);
  for (int i = 0; i < 4; ++i) {
    cache.Put("h" + std::to_string(i), Entry("u", i));
  }

  cache.Put("new", Entry("u", 100));

  EXPECT_LE(cache.size(), 4u);
  EXPECT_TRUE(cache.Get("new").has_value());
  EXPECT_TRUE(cache.Get("h3").has_value());
  EXPECT_FALSE(cache.Get("h0").has_value());
}

}  // namespace
}  // namespace hub::auth
