#pragma once

// SQL access to `sessions` (migration 0002). Tokens are stored only as SHA-256 hex digests.
//
// Errors are the database's (see store/database.h); lookups that find nothing return
// `kNotFound`. Thread-safety: thread-safe; `db` must outlive the repository.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "hub/auth/principal.h"
#include "hub/common/clock.h"
#include "hub/store/database.h"

namespace hub::auth {

// One row of `sessions`, plus the owner's kind and anonymous key digest (joined from users).
struct SessionRecord {
  std::string id;
  std::string user_id;
  std::string token_hash;
  AuthType auth_type = AuthType::kErsiliaUser;
  std::int64_t max_age_seconds = 0;
  common::Micros started_at = 0;
  common::Micros expires_at = 0;
  common::Micros created_at = 0;
  std::string client_address;
  std::string user_agent;
  // From the owner's row.
  IdentityKind kind = IdentityKind::kUser;
  std::string anonymous_key_hash;
};

class SessionRepository final {
public:
  explicit SessionRepository(store::Database& db) : db_(db) {}

  // Inserts a session (the joined fields are ignored). `kFailedPrecondition` when the user
  // does not exist (it was deleted meanwhile).
  absl::Status Insert(const SessionRecord& session);

  absl::StatusOr<SessionRecord> FindByTokenHash(const std::string& token_hash);

  // Deletes one session; returns whether it existed.
  absl::StatusOr<bool> Delete(const std::string& id);

  // Replaces the token of session `id` if it still has `old_hash`, restarting its clock.
  // Returns whether it did (false: the session ended or was refreshed concurrently).
  absl::StatusOr<bool> Rotate(const std::string& id,
                              const std::string& old_hash,
                              const std::string& new_hash,
                              common::Micros started_at,
                              common::Micros expires_at);

  // Moves the expiry of session `id` (sliding sessions).
  absl::Status Extend(const std::string& id, common::Micros expires_at);

  // Deletes every session of `user_id` except `keep_id` (may be empty) and returns the token
  // digests it deleted, for cache eviction.
  absl::StatusOr<std::vector<std::string>> DeleteForUser(const std::string& user_id,
                                                         const std::string& keep_id);

  // Deletes sessions that expired before `before`; returns how many.
  absl::StatusOr<std::int64_t> DeleteExpired(common::Micros before);

private:
  store::Database& db_;
};

}  // namespace hub::auth
