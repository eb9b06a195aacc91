#include "hub/auth/password_hasher.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

#include "hub/common/encoding.h"
#include "hub/common/time_format.h"

namespace hub::auth {
namespace {

PasswordHashOptions Cheap() {
  PasswordHashOptions options;
  options.ops_limit = 1;
  options.mem_limit = 8192;
  options.legacy_salt = "temptesting";
  return options;
}

TEST(PasswordHasherTest, HashesWithArgon2idAndVerifies) {
  PasswordHasher hasher(Cheap());

  auto hash = hasher.Hash("correct horse battery");

  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_EQ(*hasher.Verify("correct horse battery", *hash, {}), PasswordCheck::kMatch);
  EXPECT_EQ(*hasher.Verify("wrong horse battery", *hash, {}), PasswordCheck::kMismatch);
  EXPECT_NE(*hash, *hasher.Hash("correct horse battery"));  // fresh salt each time
}

TEST(PasswordHasherTest, OtherCostsAskForARehash) {
  PasswordHasher cheap(Cheap());
  PasswordHashOptions stronger = Cheap();
  stronger.ops_limit = 2;
  PasswordHasher strong(stronger);
  auto hash = cheap.Hash("a long passphrase");

  EXPECT_EQ(*strong.Verify("a long passphrase", *hash, {}), PasswordCheck::kMatchNeedsRehash);
}

TEST(PasswordHasherTest, VerifiesTheUpstreamLegacyScheme) {
  PasswordHasher hasher(Cheap());
  auto signup = common::ParseTimestamp("2025-06-08T14:35:10.123456Z");
  ASSERT_TRUE(signup.ok());
  // MD5("alice_s3cret-password_2025-06-08T14_temptesting"), as upstream-server.md §3.3.
  std::string stored =
      "legacy-md5$" + common::Md5Hex("alice_s3cret-password_2025-06-08T14_temptesting");

  EXPECT_EQ(PasswordHasher::LegacyHash("alice", "s3cret-password", *signup, "temptesting"), stored);
  EXPECT_EQ(*hasher.Verify("s3cret-password", stored, {"alice", *signup}),
            PasswordCheck::kMatchNeedsRehash);
  EXPECT_EQ(*hasher.Verify("s3cret-passwore", stored, {"alice", *signup}),
            PasswordCheck::kMismatch);
  EXPECT_EQ(*hasher.Verify("s3cret-password", stored, {"bob", *signup}), PasswordCheck::kMismatch);
}

TEST(PasswordHasherTest, LegacyNeedsTheSalt) {
  PasswordHashOptions options = Cheap();
  options.legacy_salt.clear();
  PasswordHasher hasher(options);
  std::string stored = PasswordHasher::LegacyHash("alice", "pw-pw-pw-pw", 0, "");

  EXPECT_EQ(*hasher.Verify("pw-pw-pw-pw", stored, {"alice", 0}), PasswordCheck::kMismatch);
}

TEST(PasswordHasherTest, GarbageStoredHashIsAMismatch) {
  PasswordHasher hasher(Cheap());

  EXPECT_EQ(*hasher.Verify("x", "", {}), PasswordCheck::kMismatch);
  EXPECT_EQ(*hasher.Verify("x", std::string(500, '$'), {}), PasswordCheck::kMismatch);
}

TEST(PasswordHasherTest, HashesBeyondTheLimitQueueAndAllFinish) {
  PasswordHashOptions options = Cheap();
  options.max_concurrent = 1;
  PasswordHasher hasher(options);
  std::atomic<int> ok{0};

  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&hasher, &ok] { ok += hasher.Hash("queued password").ok() ? 1 : 0; });
  }
  for (auto& t : threads) {
    t.join();
  }

  EXPECT_EQ(ok.load(), kThreads);
}

}  // namespace
}  // namespace hub::auth
