#pragma once

// The in-memory cache in front of `sessions` and `api_keys`, so that a valid request does not
// touch the database.
//
// Keyed by the SHA-256 of the presented token or key. An entry records when it was last
// confirmed by the database (`validated_at`); the session service re-reads the row once that
// is older than its TTL, which bounds how long a logout or deletion made on another replica
// keeps working here. Expiry itself is checked on every request by the service. When full,
// the entries confirmed longest ago are dropped first.
//
// Thread-safety: thread-safe; lookups take a shared lock.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

#include "hub/auth/principal.h"
#include "hub/common/clock.h"

namespace hub::auth {

// What the cache remembers about one credential.
struct CachedCredential {
  CredentialKind credential = CredentialKind::kSession;
  std::string id;  // sessions.id or api_keys.id
  std::string user_id;
  IdentityKind kind = IdentityKind::kUser;
  AuthType auth_type = AuthType::kErsiliaUser;
  std::string anonymous_key_hash;  // anonymous sessions only
  std::int64_t max_age_seconds = 0;
  common::Micros started_at = 0;
  // 0 for API keys (they do not expire).
  common::Micros expires_at = 0;
  common::Micros validated_at = 0;
};

class SessionCache final {
public:
  explicit SessionCache(std::size_t max_entries);

  SessionCache(const SessionCache&) = delete;
  SessionCache& operator=(const SessionCache&) = delete;

  std::optional<CachedCredential> Get(const std::string& hash) const;

  // Inserts or replaces.
  void Put(const std::string& hash, CachedCredential entry);

  void Erase(const std::string& hash);

  // Drops every entry of `user_id` (password change, deletion).
  void EraseUser(const std::string& user_id);

  std::size_t size() const;

private:
  void MakeRoomLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::size_t max_entries_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, CachedCredential> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hub::auth
