#include "hub/auth/credentials.h"

#include "fmt/format.h"
#include "nlohmann/json.hpp"

#include "hub/common/encoding.h"
#include "hub/common/strings.h"

namespace hub::auth {
namespace {

bool IsLowerHex(std::string_view text) {
  for (char c : text) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (!hex) {
      return false;
    }
  }
  return true;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && common::ToLower(a) == common::ToLower(b);
}

absl::Status Unauthenticated(const std::string& message) {
  return absl::UnauthenticatedError(message);
}

absl::StatusOr<PresentedCredential> ParseBearer(std::string_view value) {
  PresentedCredential credential;
  if (value.substr(0, kApiKeyPrefix.size()) == kApiKeyPrefix) {
    if (!IsApiKeyForm(value)) {
      return Unauthenticated("malformed API key: expected ehk_ followed by 40 hex digits");
    }
    credential.kind = CredentialKind::kApiKey;
  } else if (!IsSessionTokenForm(value)) {
    return Unauthenticated(
        "malformed bearer token: expected a session token (64 hex digits) or an API key "
        "(ehk_...)");
  }
  credential.secret = std::string(value);
  return credential;
}

// Reads a required string member of the upstream session JSON.
absl::StatusOr<std::string> SessionField(const nlohmann::json& session, const char* name) {
  auto it = session.find(name);
  if (it == session.end() || it->is_null()) {
    return Unauthenticated(fmt::format("session in Authorization header lacks '{}'", name));
  }
  if (!it->is_string()) {
    return Unauthenticated(fmt::format("'{}' in Authorization header must be a string", name));
  }
  return it->get<std::string>();
}

absl::StatusOr<PresentedCredential> ParseUpstream(AuthType type, std::string_view value) {
  std::optional<std::string> json = common::Base64Decode(value);
  if (!json) {
    return Unauthenticated("Authorization credentials are not valid base64");
  }
  nlohmann::json session = nlohmann::json::parse(*json, nullptr, false);
  if (!session.is_object()) {
    return Unauthenticated("Authorization credentials are not a base64 JSON session object");
  }
  auto token = SessionField(session, "session_token");
  if (!token.ok()) {
    return token.status();
  }
  auto user_id = SessionField(session, "userid");
  if (!user_id.ok()) {
    return user_id.status();
  }
  if (!IsSessionTokenForm(*token)) {
    return Unauthenticated("session_token is not a token this hub issued; log in again");
  }
  PresentedCredential credential;
  credential.secret = std::move(*token);
  credential.header_type = type;
  credential.claimed_user_id = std::move(*user_id);
  auto session_id = session.find("session_id");
  if (session_id != session.end() && session_id->is_string()) {
    credential.claimed_session_id = session_id->get<std::string>();
  }
  return credential;
}

}  // namespace

bool IsSessionTokenForm(std::string_view token) {
  return token.size() == kSessionTokenHexDigits && IsLowerHex(token);
}

bool IsApiKeyForm(std::string_view key) {
  return key.size() == kApiKeyPrefix.size() + kApiKeyHexDigits &&
         key.substr(0, kApiKeyPrefix.size()) == kApiKeyPrefix &&
         IsLowerHex(key.substr(kApiKeyPrefix.size()));
}

absl::StatusOr<PresentedCredential> ParseAuthorization(std::optional<std::string_view> header) {
  if (!header) {
    return Unauthenticated(
        "missing Authorization header; send 'Bearer <token>' or the session from login as "
        "'ErsiliaUser|ErsiliaAnonymous <base64 JSON>'");
  }
  if (header->size() > kMaxAuthorizationBytes) {
    return Unauthenticated("Authorization header is too long");
  }
  std::string_view text = common::Trim(*header);
  size_t space = text.find(' ');
  if (space == std::string_view::npos) {
    return Unauthenticated("malformed Authorization header: expected '<scheme> <credentials>'");
  }
  std::string_view scheme = text.substr(0, space);
  std::string_view value = common::Trim(text.substr(space + 1));
  if (value.empty()) {
    return Unauthenticated("malformed Authorization header: the credentials are empty");
  }
  if (EqualsIgnoreCase(scheme, "Bearer")) {
    return ParseBearer(value);
  }
  if (EqualsIgnoreCase(scheme, "ErsiliaUser")) {
    return ParseUpstream(AuthType::kErsiliaUser, value);
  }
  if (EqualsIgnoreCase(scheme, "ErsiliaAnonymous")) {
    return ParseUpstream(AuthType::kErsiliaAnonymous, value);
  }
  return Unauthenticated(fmt::format(
      "unsupported Authorization scheme '{}'; use Bearer, ErsiliaUser or ErsiliaAnonymous",
      Printable(scheme, 20)));
}

absl::StatusOr<UsernamePassword> DecodeLoginEncoding(std::string_view encoding) {
  std::optional<std::string> decoded = common::Base64Decode(common::Trim(encoding));
  if (!decoded) {
    return absl::InvalidArgumentError("encoding must be base64 of 'username:password'");
  }
  size_t colon = decoded->find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == decoded->size()) {
    return absl::InvalidArgumentError(
        "encoding must be base64 of 'username:password' with both parts non-empty");
  }
  return UsernamePassword{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

std::string Printable(std::string_view text, size_t max) {
  std::string out(text.substr(0, max));
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e) {
      c = '?';
    }
  }
  return out;
}

}  // namespace hub::auth
