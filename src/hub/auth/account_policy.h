#pragma once

// The rules a new account and every new password must meet, checked by the API layer's
// services (the upstream left all of this to its web UI). Each failure is `kInvalidArgument`
// with a message that starts with the field's name ("username must ...").
//
// Thread-safety: pure functions.

#include <cstddef>
#include <string_view>

#include "absl/status/status.h"

#include "hub/auth/user.h"

namespace hub::auth {

inline constexpr std::size_t kMinUsernameLength = 3;
inline constexpr std::size_t kMaxUsernameLength = 64;
inline constexpr std::size_t kMaxNameLength = 100;
inline constexpr std::size_t kMaxEmailLength = 254;
inline constexpr std::size_t kMaxPasswordLength = 256;

// 3–64 characters from letters, digits, '.', '_' and '-', starting with a letter or digit,
// and not starting with the reserved `anonymous` (any case).
absl::Status ValidateUsername(std::string_view username);

// `local@domain.tld` with a plain ASCII local part and DNS-style domain labels; at most 254.
absl::Status ValidateEmail(std::string_view email);

// 1–100 characters after trimming, without control characters. `field` names it in errors.
absl::Status ValidateName(std::string_view field, std::string_view value);

// `min_length`–256 characters and not the username (ignoring case). `field` names it.
absl::Status ValidatePassword(std::string_view field,
                              std::string_view password,
                              std::string_view username,
                              std::size_t min_length);

// All of the above for `account`, in field order.
absl::Status ValidateAccount(const NewAccount& account, std::size_t min_password_length);

}  // namespace hub::auth
