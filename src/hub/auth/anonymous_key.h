#pragma once

// Anonymous keys: a client-generated GUID is a person's key, and each key is an identity of
// its own (a `users` row of kind `anonymous`). Only the SHA-256 of the normalised key is
// stored; the key itself is a secret and is never stored or logged.
//
// Thread-safety: pure functions.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hub::auth {

// Usernames starting with this (any case) are reserved for anonymous identities.
inline constexpr std::string_view kAnonymousUsernamePrefix = "anonymous";

// The canonical form of an anonymous key: lower-case 8-4-4-4-12 hex. Accepts any RFC 4122
// text form: either case, optionally in braces or after `urn:uuid:`, surrounding whitespace
// ignored. `kInvalidArgument` ("Invalid session id: ...") otherwise.
absl::StatusOr<std::string> NormalizeAnonymousKey(std::string_view text);

// The stored digest of a normalised key (SHA-256 hex).
std::string AnonymousKeyHash(std::string_view normalized_key);

// `anonymous-<first hex_digits of the digest>`.
std::string AnonymousUsername(std::string_view key_hash, size_t hex_digits = 12);

}  // namespace hub::auth
