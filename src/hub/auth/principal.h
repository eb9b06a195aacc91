#pragma once

// Who is making a request, once `SessionService::Authenticate` has accepted its credentials.

#include <optional>
#include <string>
#include <string_view>

#include "hub/auth/permission.h"

namespace hub::auth {

// A row of `users` is a registered account or the identity of one anonymous key.
enum class IdentityKind { kUser, kAnonymous };

// The session types of the upstream contract (the `auth_type` field and header scheme).
enum class AuthType { kErsiliaUser, kErsiliaAnonymous };

// How the request proved who it is.
enum class CredentialKind { kSession, kApiKey };

// "user" / "anonymous" (the `users.kind` column).
std::string_view IdentityKindName(IdentityKind kind);
std::optional<IdentityKind> ParseIdentityKind(std::string_view name);

// "ErsiliaUser" / "ErsiliaAnonymous".
std::string_view AuthTypeName(AuthType type);
// Exact names only (the upstream enum values).
std::optional<AuthType> ParseAuthType(std::string_view name);

// An authenticated caller. A plain value: handlers may copy it freely.
struct Principal {
  std::string user_id;
  IdentityKind kind = IdentityKind::kUser;
  // The stored type of the session (API keys act as `kErsiliaUser`), never the header's.
  AuthType auth_type = AuthType::kErsiliaUser;
  CredentialKind credential = CredentialKind::kSession;
  // `sessions.id` or `api_keys.id`.
  std::string credential_id;
  // SHA-256 hex of the presented token or key, to evict it from the cache.
  std::string credential_hash;
  // The `session_id` the upstream session object shows: the session's id for accounts; for
  // anonymous keys the key itself when the request proved it (anonymous-login, or an
  // `ErsiliaAnonymous` header whose `session_id` matches the key), else empty.
  std::string public_session_id;
  // Effective permissions at the time of the request.
  PermissionSet permissions;

  bool anonymous() const { return kind == IdentityKind::kAnonymous; }

  bool Has(Permission p) const { return permissions.Has(p); }

  // True when the caller is `user_id` itself or holds `MANAGE_USERS`.
  bool IsSelfOr(std::string_view id, Permission p) const { return user_id == id || Has(p); }
};

}  // namespace hub::auth
