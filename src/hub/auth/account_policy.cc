#include "hub/auth/account_policy.h"

#include "fmt/format.h"

#include "hub/auth/anonymous_key.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"

namespace hub::auth {
namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsEmailLocalChar(char c) {
  return IsAlnum(c) || std::string_view(".!#$%&'*+/=?^_`{|}~-").find(c) != std::string_view::npos;
}

bool IsDomainLabel(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
    return false;
  }
  for (char c : label) {
    if (!IsAlnum(c) && c != '-') {
      return false;
    }
  }
  return true;
}

bool IsDomain(std::string_view domain) {
  std::vector<std::string_view> labels = common::Split(domain, '.');
  if (labels.size() < 2) {
    return false;
  }
  for (std::string_view label : labels) {
    if (!IsDomainLabel(label)) {
      return false;
    }
  }
  std::string_view tld = labels.back();
  return tld.size() >= 2 && !(tld[0] >= '0' && tld[0] <= '9');
}

}  // namespace

absl::Status ValidateUsername(std::string_view username) {
  bool ok = username.size() >= kMinUsernameLength && username.size() <= kMaxUsernameLength &&
            IsAlnum(username.front());
  for (char c : username) {
    ok = ok && (IsAlnum(c) || c == '.' || c == '_' || c == '-');
  }
  if (!ok) {
    return absl::InvalidArgumentError(fmt::format(
        "username must be {} to {} characters (letters, digits, '.', '_', '-'), starting with a "
        "letter or digit",
        kMinUsernameLength, kMaxUsernameLength));
  }
  std::string lower = common::ToLower(username);
  if (lower.rfind(kAnonymousUsernamePrefix, 0) == 0) {
    return absl::InvalidArgumentError("username must not start with 'anonymous' (reserved)");
  }
  return absl::OkStatus();
}

absl::Status ValidateEmail(std::string_view email) {
  size_t at = email.find('@');
  bool ok = email.size() <= kMaxEmailLength && at != std::string_view::npos && at > 0 && at <= 64 &&
            email.find('@', at + 1) == std::string_view::npos;
  if (ok) {
    std::string_view local = email.substr(0, at);
    for (char c : local) {
      ok = ok && IsEmailLocalChar(c);
    }
    ok = ok && local.front() != '.' && local.back() != '.' &&
         local.find("..") == std::string_view::npos && IsDomain(email.substr(at + 1));
  }
  if (!ok) {
    return absl::InvalidArgumentError("email must be an address such as name@example.org");
  }
  return absl::OkStatus();
}

absl::Status ValidateName(std::string_view field, std::string_view value) {
  std::string_view trimmed = common::Trim(value);
  if (trimmed.empty() || trimmed.size() > kMaxNameLength) {
    return absl::InvalidArgumentError(
        fmt::format("{} must be 1 to {} characters", field, kMaxNameLength));
  }
  for (char c : trimmed) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          fmt::format("{} must not contain control characters", field));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidatePassword(std::string_view field,
                              std::string_view password,
                              std::string_view username,
                              std::size_t min_length) {
  if (password.size() < min_length || password.size() > kMaxPasswordLength) {
    return absl::InvalidArgumentError(
        fmt::format("{} must be {} to {} characters long", field, min_length, kMaxPasswordLength));
  }
  if (!username.empty() && common::ToLower(password) == common::ToLower(username)) {
    return absl::InvalidArgumentError(fmt::format("{} must not be the username", field));
  }
  return absl::OkStatus();
}

absl::Status ValidateAccount(const NewAccount& account, std::size_t min_password_length) {
  HUB_RETURN_IF_ERROR(ValidateUsername(account.username));
  HUB_RETURN_IF_ERROR(ValidateName("first_name", account.first_name));
  HUB_RETURN_IF_ERROR(ValidateName("last_name", account.last_name));
  HUB_RETURN_IF_ERROR(ValidateEmail(account.email));
  return ValidatePassword("password", account.password, account.username, min_password_length);
}

}  // namespace hub::auth
