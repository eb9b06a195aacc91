#pragma once

// SQL access to `api_keys` (migration 0002). Keys are stored only as SHA-256 hex
// digests with a short display prefix.
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

// One row of `api_keys`.
struct ApiKeyRecord {
  std::string id;
  std::string user_id;
  std::string name;
  std::string key_hash;
  std::string prefix;  // display prefix, e.g. "ehk_1a2b3c4d"
  common::Micros created_at = 0;
  std::optional<common::Micros> last_used_at;
};

class ApiKeyRepository final {
public:
  explicit ApiKeyRepository(store::Database& db) : db_(db) {}

  // `kAlreadyExists` for a repeated digest; `kFailedPrecondition` when the user is gone.
  absl::Status Insert(const ApiKeyRecord& key);

  // Looks a key up by digest and records `now` as its last use, in one statement.
  absl::StatusOr<ApiKeyRecord> FindAndTouch(const std::string& key_hash, common::Micros now);

  // The keys of `user_id`, newest first.
  absl::StatusOr<std::vector<ApiKeyRecord>> ListForUser(const std::string& user_id);

  absl::StatusOr<std::int64_t> CountForUser(const std::string& user_id);

  // Deletes key `id` of `user_id` and returns its digest; `kNotFound` when that user has no
  // such key.
  absl::StatusOr<std::string> Delete(const std::string& id, const std::string& user_id);

private:
  store::Database& db_;
};

}  // namespace hub::auth
