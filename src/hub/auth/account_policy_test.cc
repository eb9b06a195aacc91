#include "hub/auth/account_policy.h"

#include "gtest/gtest.h"

namespace hub::auth {
namespace {

std::string MessageOf(const absl::Status& status) {
  return std::string{status.message()};
}

TEST(AccountPolicyTest, Usernames) {
  EXPECT_TRUE(ValidateUsername("alice").ok());
  EXPECT_TRUE(ValidateUsername("a.b_c-9").ok());
  EXPECT_FALSE(ValidateUsername("ab").ok());
  EXPECT_FALSE(ValidateUsername(std::string(65, 'a')).ok());
  EXPECT_FALSE(ValidateUsername("_alice").ok());
  EXPECT_FALSE(ValidateUsername("al ice").ok());
  EXPECT_FALSE(ValidateUsername("al:ice").ok());
  EXPECT_NE(MessageOf(ValidateUsername("Anonymous42")).find("reserved"), std::string::npos);
}

TEST(AccountPolicyTest, Emails) {
  EXPECT_TRUE(ValidateEmail("name@example.org").ok());
  EXPECT_TRUE(ValidateEmail("first.last+tag@sub.example.co").ok());
  for (const char* bad :
       {"", "name", "@example.org", "name@", "name@example", "a@@b.org", "na me@example.org",
        "name@exa_mple.org", ".name@example.org", "name@example.1"}) {
    EXPECT_FALSE(ValidateEmail(bad).ok()) << bad;
  }
  EXPECT_FALSE(ValidateEmail(std::string(250, 'a') + "@x.org").ok());
}

TEST(AccountPolicyTest, Passwords) {
  EXPECT_TRUE(ValidatePassword("password", "long enough!", "alice", 10).ok());
  EXPECT_NE(MessageOf(ValidatePassword("password", "short", "alice", 10)).find("password must be"),
            std::string::npos);
  EXPECT_NE(MessageOf(ValidatePassword("password", "AliceAlice", "alicealice", 10))
                .find("must not be the username"),
            std::string::npos);
  EXPECT_FALSE(ValidatePassword("password", std::string(257, 'x'), "alice", 10).ok());
}

TEST(AccountPolicyTest, AccountErrorsNameTheField) {
  NewAccount account{"alice", "Alice", "Liddell", "alice@example.org", "a long password"};
  EXPECT_TRUE(ValidateAccount(account, 10).ok());

  account.first_name = "   ";
  EXPECT_EQ(MessageOf(ValidateAccount(account, 10)).rfind("first_name", 0), 0u);
  account.first_name = "Alice";
  account.email = "nope";
  EXPECT_EQ(MessageOf(ValidateAccount(account, 10)).rfind("email", 0), 0u);
}

}  // namespace
}  // namespace hub::auth
