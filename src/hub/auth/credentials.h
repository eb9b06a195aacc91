#pragma once

// Parsing of what clients present: the `Authorization` header and the login `encoding`.
//
// Accepted headers:
//   `Authorization: Bearer <session token>` or `Bearer ehk_<API key>`;
//   `Authorization: ErsiliaUser <base64 JSON session>` / `ErsiliaAnonymous <...>`, the upstream
//   form, where the JSON is the session object login returned (`session_token` and `userid`
//   are required, the other fields are ignored).
// Scheme names compare case-insensitively. Every error is `kUnauthenticated` with a message
// saying what is wrong, never echoing more than a short printable prefix of the input.
//
// Thread-safety: pure functions.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

#include "hub/auth/principal.h"

namespace hub::auth {

// Longer headers are refused before any decoding.
inline constexpr size_t kMaxAuthorizationBytes = 8192;
// API keys are `ehk_` followed by 40 lower-case hex digits.
inline constexpr std::string_view kApiKeyPrefix = "ehk_";
inline constexpr size_t kApiKeyHexDigits = 40;
// Session tokens are 64 lower-case hex digits (32 random bytes).
inline constexpr size_t kSessionTokenHexDigits = 64;

// A credential taken from the header, not yet checked against the store.
struct PresentedCredential {
  CredentialKind kind = CredentialKind::kSession;
  // The session token or API key (a secret: never log it).
  std::string secret;
  // The scheme when it was `ErsiliaUser` / `ErsiliaAnonymous`; nullopt for `Bearer`.
  std::optional<AuthType> header_type;
  // From the upstream session JSON; empty for `Bearer`.
  std::string claimed_user_id;
  std::string claimed_session_id;
};

// Parses an `Authorization` header value; nullopt means the header is absent.
// Errors (`kUnauthenticated`): absent, too long, no space after the scheme, unknown scheme,
// bad base64, not a JSON object, missing or non-string `session_token` / `userid`, or a
// token that is not of the form this hub issues.
absl::StatusOr<PresentedCredential> ParseAuthorization(std::optional<std::string_view> header);

// True for 64 lower-case hex digits.
bool IsSessionTokenForm(std::string_view token);

// True for `ehk_` + 40 lower-case hex digits.
bool IsApiKeyForm(std::string_view key);

struct UsernamePassword {
  std::string username;
  std::string password;
};

// Decodes the login body's `encoding`: base64 of `username:password`. The username ends at
// the first colon, so passwords may contain colons (the upstream refused them).
// `kInvalidArgument` when it is not base64, has no colon, or either part is empty.
absl::StatusOr<UsernamePassword> DecodeLoginEncoding(std::string_view encoding);

// At most `max` characters of `text`, with anything outside printable ASCII replaced by '?',
// for echoing client input in error messages.
std::string Printable(std::string_view text, size_t max = 40);

}  // namespace hub::auth
