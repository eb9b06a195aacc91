#pragma once

// Logins and sessions: who a request is.
//
// - `Login` checks a registered user's password and opens a new session; `AnonymousLogin`
//   finds or creates the identity of an anonymous key and opens a new session on it. Every
//   login opens a session of its own; existing ones stay valid.
// - `Authenticate` turns an `Authorization` header into a `Principal`. Valid requests are
//   answered from the in-memory `SessionCache`; the database is read on a miss and once an
//   entry is older than `cache_ttl`. Expiry is checked against the clock on every request.
// - `Logout` ends the presented session, `Refresh` rotates its token and restarts its clock;
//   both evict the old token at once.
//
// Errors: `kUnauthenticated` with a message saying what is wrong (header, unknown or ended
// session, expiry, type mismatch, wrong password); `kInvalidArgument` for malformed input;
// database errors otherwise.
//
// Thread-safety: thread-safe. Every reference passed to the constructor must outlive it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

#include "hub/auth/api_key_repository.h"
#include "hub/auth/credentials.h"
#include "hub/auth/password_hasher.h"
#include "hub/auth/permission_cache.h"
#include "hub/auth/principal.h"
#include "hub/auth/session_cache.h"
#include "hub/auth/session_repository.h"
#include "hub/auth/token_source.h"
#include "hub/auth/user.h"
#include "hub/auth/user_repository.h"
#include "hub/common/clock.h"

namespace hub::auth {

// Where a request came from, recorded on the sessions it opens.
struct ClientInfo {
  std::string address;
  std::string user_agent;
};

// A session as the upstream session object shows it, with its (secret) token.
struct IssuedSession {
  std::string user_id;
  std::string session_id;
  std::string token;
  AuthType auth_type = AuthType::kErsiliaUser;
  std::int64_t max_age_seconds = 0;
  common::Micros started_at = 0;
};

// The answer of both logins: `{session, user, permissions}`.
struct LoginResult {
  IssuedSession session;
  User user;
  PermissionSet permissions;
};

struct SessionOptions {
  std::chrono::milliseconds user_max_age{300'000};
  std::chrono::milliseconds anonymous_max_age{48 * 3'600'000};
  bool sliding = false;
  std::chrono::milliseconds cache_ttl{60'000};
  std::size_t cache_size = 100'000;
  PermissionSet anonymous_permissions;
};

// The collaborators a `SessionService` uses; none is owned.
struct SessionServiceDeps {
  SessionRepository& sessions;
  ApiKeyRepository& api_keys;
  UserRepository& users;
  PermissionCache& permissions;
  const PasswordHasher& hasher;
  const common::Clock& clock;
  TokenSource& tokens;
};

class SessionService final {
public:
  SessionService(SessionServiceDeps deps, SessionOptions options);

  SessionService(const SessionService&) = delete;
  SessionService& operator=(const SessionService&) = delete;

  // A new `ErsiliaUser` session for a registered user. `kUnauthenticated` ("invalid username
  // or password") for an unknown user or a wrong password alike, after the same work. A
  // legacy or outdated password hash is replaced on success.
  absl::StatusOr<LoginResult> Login(std::string_view username,
                                    std::string_view password,
                                    const ClientInfo& client);

  // A new `ErsiliaAnonymous` session on the identity of `key` (created on first use).
  // `kInvalidArgument` when `key` is not a GUID.
  absl::StatusOr<LoginResult> AnonymousLogin(std::string_view key, const ClientInfo& client);

  // The caller named by an `Authorization` header (nullopt: absent).
  absl::StatusOr<Principal> Authenticate(std::optional<std::string_view> authorization);

  // Ends the presented session. `kInvalidArgument` for an API key.
  absl::Status Logout(const Principal& principal);

  // A new token for the presented session, its clock restarted; the old token stops working.
  // `kInvalidArgument` for an API key; `kUnauthenticated` when the session ended meanwhile.
  absl::StatusOr<IssuedSession> Refresh(const Principal& principal);

  // Ends every session of `user_id` except `keep_session_id` (may be empty).
  absl::Status EndSessions(const std::string& user_id, const std::string& keep_session_id);

  // Drops everything cached about `user_id` (after deleting it).
  void ForgetUser(const std::string& user_id);

  // Drops one cached credential (a revoked API key).
  void Evict(const std::string& credential_hash);

  // The effective permissions of a registered user or an anonymous identity.
  absl::StatusOr<PermissionSet> PermissionsOf(const std::string& user_id, IdentityKind kind);

  // Deletes sessions that have expired. Returns how many.
  absl::StatusOr<std::int64_t> DeleteExpired();

  // Entries in the session cache (for tests and metrics).
  std::size_t cached_credentials() const { return cache_.size(); }

private:
  absl::StatusOr<IssuedSession> OpenSession(const User& user,
                                            AuthType type,
                                            const ClientInfo& client,
                                            const std::string& public_id,
                                            const std::string& key_hash);
  absl::StatusOr<CachedCredential> Load(const PresentedCredential& presented,
                                        const std::string& hash,
                                        common::Micros now);
  absl::Status Check(const PresentedCredential& presented,
                     const CachedCredential& entry,
                     common::Micros now);
  void MaybeSlide(const std::string& hash, CachedCredential& entry, common::Micros now);
  std::string PublicSessionId(const PresentedCredential& presented,
                              const CachedCredential& entry) const;
  std::chrono::milliseconds MaxAge(AuthType type) const;
  absl::StatusOr<User> FindOrCreateAnonymous(const std::string& key_hash);
  void UpgradeHash(const User& user, std::string_view password);

  SessionServiceDeps deps_;
  const SessionOptions options_;
  SessionCache cache_;
};

}  // namespace hub::auth
