#pragma once

// API keys for scripts: `ehk_` + 40 hex digits, shown once at creation; the database keeps
// only the SHA-256 and a display prefix. A key acts as its owner, with the owner's
// permissions, until revoked. Anonymous identities cannot create keys (their GUID already is
// one).
//
// Errors: `kPermissionDenied` for anonymous callers; `kInvalidArgument` for a bad name;
// `kFailedPrecondition` past `max_per_user` keys; `kNotFound` when revoking a key the caller
// does not own (other users' keys are indistinguishable from missing ones).
//
// Thread-safety: thread-safe; the references must outlive the service.

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "hub/auth/api_key_repository.h"
#include "hub/auth/principal.h"
#include "hub/auth/session_service.h"
#include "hub/auth/token_source.h"
#include "hub/common/clock.h"

namespace hub::auth {

inline constexpr std::size_t kMaxApiKeyNameLength = 100;

struct CreatedApiKey {
  ApiKeyRecord record;
  std::string key;  // the secret, returned once
};

class ApiKeyService final {
public:
  ApiKeyService(ApiKeyRepository& keys,
                SessionService& sessions,
                const common::Clock& clock,
                TokenSource& tokens,
                std::size_t max_per_user);

  ApiKeyService(const ApiKeyService&) = delete;
  ApiKeyService& operator=(const ApiKeyService&) = delete;

  absl::StatusOr<CreatedApiKey> Create(const Principal& caller, std::string_view name);

  // The caller's keys, newest first.
  absl::StatusOr<std::vector<ApiKeyRecord>> List(const Principal& caller);

  // Revokes one of the caller's keys; it stops working on this replica at once.
  absl::Status Revoke(const Principal& caller, const std::string& id);

private:
  ApiKeyRepository& keys_;
  SessionService& sessions_;
  const common::Clock& clock_;
  TokenSource& tokens_;
  const std::size_t max_per_user_;
};

}  // namespace hub::auth
