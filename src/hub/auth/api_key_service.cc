#include "hub/auth/api_key_service.h"

#include "fmt/format.h"

#include "hub/auth/credentials.h"
#include "hub/common/encoding.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"

namespace hub::auth {
namespace {

absl::Status ValidateName(std::string_view name) {
  std::string_view trimmed = common::Trim(name);
  if (trimmed.empty() || trimmed.size() > kMaxApiKeyNameLength) {
    return absl::InvalidArgumentError(
        fmt::format("name must be 1 to {} characters", kMaxApiKeyNameLength));
  }
  for (char c : trimmed) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError("name must not contain control characters");
    }
  }
  return absl::OkStatus();
}

}  // namespace

ApiKeyService::ApiKeyService(ApiKeyRepository& keys,
                             SessionService& sessions,
                             const common::Clock& clock,
                             TokenSource& tokens,
                             std::size_t max_per_user)
    : keys_(keys),
      sessions_(sessions),
      clock_(clock),
      tokens_(tokens),
      max_per_user_(max_per_user) {}

absl::StatusOr<CreatedApiKey> ApiKeyService::Create(const Principal& caller,
                                                    std::string_view name) {
  if (caller.anonymous()) {
    return absl::PermissionDeniedError(
        "anonymous identities cannot create API keys; the anonymous key already is one");
  }
  HUB_RETURN_IF_ERROR(ValidateName(name));
  HUB_ASSIGN_OR_RETURN(std::int64_t count, keys_.CountForUser(caller.user_id));
  if (count >= static_cast<std::int64_t>(max_per_user_)) {
    return absl::FailedPreconditionError(
        fmt::format("at most {} API keys per user; revoke one first", max_per_user_));
  }

  CreatedApiKey created;
  std::string hex = tokens_.HexToken(kApiKeyHexDigits / 2);
  created.key = std::string(kApiKeyPrefix) + hex;
  ApiKeyRecord& record = created.record;
  record.id = tokens_.Uuid();
  record.user_id = caller.user_id;
  record.name = std::string(common::Trim(name));
  record.key_hash = common::Sha256Hex(created.key);
  record.prefix = std::string(kApiKeyPrefix) + hex.substr(0, 8);
  record.created_at = clock_.NowMicros();
  HUB_RETURN_IF_ERROR(keys_.Insert(record));
  return created;
}

absl::StatusOr<std::vector<ApiKeyRecord>> ApiKeyService::List(const Principal& caller) {
  return keys_.ListForUser(caller.user_id);
}

absl::Status ApiKeyService::Revoke(const Principal& caller, const std::string& id) {
  HUB_ASSIGN_OR_RETURN(std::string hash, keys_.Delete(id, caller.user_id));
  sessions_.Evict(hash);
  return absl::OkStatus();
}

}  // namespace hub::auth
