#include "hub/auth/anonymous_key.h"

#include "hub/common/encoding.h"
#include "hub/common/random.h"
#include "hub/common/strings.h"

namespace hub::auth {

absl::StatusOr<std::string> NormalizeAnonymousKey(std::string_view text) {
  std::string key = common::ToLower(common::Trim(text));
  std::string_view view = key;
  constexpr std::string_view kUrn = "urn:uuid:";
  if (view.substr(0, kUrn.size()) == kUrn) {
    view.remove_prefix(kUrn.size());
  } else if (view.size() >= 2 && view.front() == '{' && view.back() == '}') {
    view = view.substr(1, view.size() - 2);
  }
  if (!common::IsUuid(view)) {
    return absl::InvalidArgumentError(
        "Invalid session id: use a GUID such as 0b6e5c1e-8f0a-4c1a-9d2e-3f4a5b6c7d8e");
  }
  return std::string(view);
}

std::string AnonymousKeyHash(std::string_view normalized_key) {
  return common::Sha256Hex(normalized_key);
}

std::string AnonymousUsername(std::string_view key_hash, size_t hex_digits) {
  return std::string(kAnonymousUsernamePrefix) + "-" + std::string(key_hash.substr(0, hex_digits));
}

}  // namespace hub::auth
