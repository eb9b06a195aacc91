#pragma once

// SQL access to `password_reset_tokens` (migration 0002). Tokens are stored only as SHA-256
// hex digests.
//
// Errors are the database's (see store/database.h); lookups that find nothing return
// `kNotFound`. Thread-safety: thread-safe; `db` must outlive the repository.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "hub/common/clock.h"
#include "hub/store/database.h"

namespace hub::auth {

// One row of `password_reset_tokens`.
struct ResetTokenRecord {
  std::string token_hash;
  std::string user_id;
  common::Micros created_at = 0;
  common::Micros expires_at = 0;
  std::optional<common::Micros> used_at;
};

class ResetTokenRepository final {
public:
  explicit ResetTokenRepository(store::Database& db) : db_(db) {}

  absl::Status Insert(const ResetTokenRecord& token);

  absl::StatusOr<ResetTokenRecord> Find(const std::string& token_hash);

  // Marks the token used if it is unused and unexpired at `now`, in one statement, so a
  // token works once even under concurrent use. Returns whether it did.
  absl::StatusOr<bool> Consume(const std::string& token_hash, common::Micros now);

  // Deletes tokens that expired before `before`; returns how many.
  absl::StatusOr<std::int64_t> DeleteExpired(common::Micros before);

private:
  store::Database& db_;
};

}  // namespace hub::auth
