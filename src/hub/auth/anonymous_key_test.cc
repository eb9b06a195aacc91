#include "hub/auth/anonymous_key.h"

#include "gtest/gtest.h"

namespace hub::auth {
namespace {

constexpr char kCanonical[] = "0b6e5c1e-8f0a-4c1a-9d2e-3f4a5b6c7d8e";

TEST(AnonymousKeyTest, AcceptsEveryRfc4122TextForm) {
  for (const char* form :
       {"0b6e5c1e-8f0a-4c1a-9d2e-3f4a5b6c7d8e", "0B6E5C1E-8F0A-4C1A-9D2E-3F4A5B6C7D8E",
        "{0b6e5c1e-8f0a-4c1a-9d2e-3f4a5b6c7d8e}", "urn:uuid:0B6E5C1E-8f0a-4c1a-9d2e-3f4a5b6c7d8e",
        "  0b6e5c1e-8f0a-4c1a-9d2e-3f4a5b6c7d8e\n"}) {
    auto key = NormalizeAnonymousKey(form);

    ASSERT_TRUE(key.ok()) << form;
    EXPECT_EQ(*key, kCanonical);
  }
}

TEST(AnonymousKeyTest, RefusesOtherText) {
  for (const char* form :
       {"", "not-a-guid", "0b6e5c1e8f0a4c1a9d2e3f4a5b6c7d8e", "0b6e5c1e-8f0a-4c1a-9d2e-3f4a5b6c7d8",
        "{0b6e5c1e-8f0a-4c1a-9d2e}", "0b6e5c1e-8f0a-4c1a-9d2e-3f4a5b6c7d8g"}) {
    auto key = NormalizeAnonymousKey(form);

    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument) << form;
  }
}

TEST(AnonymousKeyTest, UsernameComesFromTheDigestNotTheKey) {
  std::string hash = AnonymousKeyHash(kCanonical);

  EXPECT_EQ(hash.size(), 64u);
  EXPECT_EQ(AnonymousUsername(hash), "anonymous-" + hash.substr(0, 12));
  EXPECT_EQ(AnonymousUsername(hash).find("0b6e5c1e"), std::string::npos);
}

}  // namespace
}  // namespace hub::auth
