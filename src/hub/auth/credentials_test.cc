#include "hub/auth/credentials.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

#include "hub/common/encoding.h"

namespace hub::auth {
namespace {

const std::string kToken(64, 'a');

std::string Upstream(const std::string& scheme, const nlohmann::json& session) {
  return scheme + " " + common::Base64Encode(session.dump());
}

std::string MessageOf(const absl::StatusOr<PresentedCredential>& parsed) {
  return std::string{parsed.status().message()};
}

TEST(CredentialsTest, AcceptsBearerTokensAndApiKeys) {
  auto token = ParseAuthorization("Bearer " + kToken);
  auto key = ParseAuthorization("bearer ehk_" + std::string(40, '0'));

  ASSERT_TRUE(token.ok() && key.ok());
  EXPECT_EQ(token->kind, CredentialKind::kSession);
  EXPECT_EQ(token->secret, kToken);
  EXPECT_FALSE(token->header_type.has_value());
  EXPECT_EQ(key->kind, CredentialKind::kApiKey);
}

TEST(CredentialsTest, AcceptsTheUpstreamSessionHeader) {
  nlohmann::json session = {{"userid", "u1"},
                            {"session_id", "s1"},
                            {"session_token", kToken},
                            {"auth_type", "ErsiliaAnonymous"},
                            {"session_max_age_seconds", 10}};

  auto parsed = ParseAuthorization(Upstream("ErsiliaAnonymous", session));

  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->header_type, AuthType::kErsiliaAnonymous);
  EXPECT_EQ(parsed->claimed_user_id, "u1");
  EXPECT_EQ(parsed->claimed_session_id, "s1");
  EXPECT_EQ(parsed->secret, kToken);
}

TEST(CredentialsTest, MalformedHeadersAreUnauthenticatedWithDetail) {
  struct Case {
    std::optional<std::string> header;
    std::string expected;
  };

  std::vector<Case> cases = {
      {std::nullopt, "missing"},
      {"ErsiliaUser", "expected '<scheme> <credentials>'"},
      {"Basic dXNlcjpwYXNz", "unsupported Authorization scheme 'Basic'"},
      {"ErsiliaUser !!!notbase64", "not valid base64"},
      {"ErsiliaUser " + common::Base64Encode("[1,2"), "not a base64 JSON session object"},
      {Upstream("ErsiliaUser", {{"userid", "u"}}), "lacks 'session_token'"},
      {Upstream("ErsiliaUser", {{"session_token", kToken}}), "lacks 'userid'"},
      {Upstream("ErsiliaUser", {{"session_token", 5}, {"userid", "u"}}), "must be a string"},
      {Upstream("ErsiliaUser", {{"session_token", "short"}, {"userid", "u"}}), "log in again"},
      {"Bearer xyz", "malformed bearer token"},
      {"Bearer ehk_123", "malformed API key"},
      {"Bearer " + std::string(9000, 'a'), "too long"},
  };

  for (const Case& c : cases) {
    auto parsed = ParseAuthorization(c.header);

    ASSERT_FALSE(parsed.ok()) << c.expected;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_NE(MessageOf(parsed).find(c.expected), std::string::npos) << MessageOf(parsed);
  }
}

TEST(CredentialsTest, EchoedSchemeIsPrintable) {
  auto parsed = ParseAuthorization(std::string("X\xff\x01y value"));

  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(MessageOf(parsed).find("'X??y'"), std::string::npos) << MessageOf(parsed);
}

TEST(CredentialsTest, LoginEncodingSplitsAtTheFirstColon) {
  auto decoded = DecodeLoginEncoding(common::Base64Encode("alice:pa:ss:word"));
  auto no_colon = DecodeLoginEncoding(common::Base64Encode("alice"));
  auto bad = DecodeLoginEncoding("***");

  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->username, "alice");
  EXPECT_EQ(decoded->password, "pa:ss:word");
  EXPECT_EQ(no_colon.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hub::auth
