#pragma once

// The result cache shared between requests: one stored row per (model, model version, input).
// Everyone's requests read it; only requests of registered users who opted in (or of admins)
// write to it, so private work never leaks into it.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"

#include "hub/common/clock.h"
#include "hub/store/database.h"

namespace hub::jobs {

struct CacheKey {
  std::string model_id;
  std::string model_version;
};

struct CacheEntry {
  std::string input_hash;  // `InputHash(input)`
  std::string input;
  std::string result;  // the row as stored in chunk results: a JSON array of values
};

// SHA-256 hex of the input text: the cache's key for one molecule.
std::string InputHash(std::string_view input);

// The cache over the hub's database. Thread-safe.
class ResultCache final {
public:
  ResultCache(store::Database& db, const common::Clock& clock) : db_(db), clock_(clock) {}

  // Results of the `hashes` that are cached, by hash. At most 500 hashes per call are sent in
  // one statement; any number may be passed.
  [[nodiscard]] absl::StatusOr<std::unordered_map<std::string, std::string>> Lookup(
      const CacheKey& key, const std::vector<std::string>& hashes);

  // Adds `entries` (an entry already cached is left as it is), credited to `contributor`,
  // and records `columns` (the JSON array naming the values) for the model version.
  [[nodiscard]] absl::Status Store(const CacheKey& key,
                                   const std::vector<CacheEntry>& entries,
                                   const std::string& contributor,
                                   const std::string& columns);

  // The column names recorded with the cached values of the model version; empty when none.
  [[nodiscard]] absl::StatusOr<std::string> Columns(const CacheKey& key);

  // Deletes every row of a model (`MANAGE_MODELS`) or contributed by a user; returns how many.
  [[nodiscard]] absl::StatusOr<std::int64_t> ClearModel(const std::string& model_id);
  [[nodiscard]] absl::StatusOr<std::int64_t> ClearContributor(const std::string& user_id);

private:
  store::Database& db_;
  const common::Clock& clock_;
};

namespace internal {

// The lookup statement for `count` hashes ($1 model id, $2 model version, then one parameter
// per hash: the hash on PostgreSQL, its rowid on SQLite). Exposed for a query-plan test.
std::string CacheLookupSql(store::Dialect dialect, size_t count);

}  // namespace internal

}  // namespace hub::jobs
