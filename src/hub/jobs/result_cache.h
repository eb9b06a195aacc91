#pragma once

// The result cache shared between requests: one stored row per (model, model version, input).
// Everyone's requests read it; only requests of registered users who opted in (or of admins)
// write to it, so private work never leaks into it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

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
  ResultCache(store::Database& db, const common::Clock& clock);

  // Hashes sent in one lookup statement; callers that split lookups should split by it.
  static constexpr size_t kLookupBatch = 500;

  // The cached results of `hashes`, position by position: nullopt where a hash is not cached.
  // Sends one statement per `kLookupBatch` hashes; any number may be passed, repeats included.
  [[nodiscard]] absl::StatusOr<std::vector<std::optional<std::string>>> Lookup(
      const CacheKey& key, absl::Span<const std::string_view> hashes);

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
  // Looks up one statement's worth of `hashes` into the same positions of `found`.
  absl::Status LookupBatch(const CacheKey& key,
                           absl::Span<const std::string_view> hashes,
                           absl::Span<std::optional<std::string>> found);

  store::Database& db_;
  const common::Clock& clock_;
  // The lookup statement for a full batch, built once.
  std::string full_batch_sql_;
};

namespace internal {

// The lookup statement for `count` hashes ($1 model id, $2 model version, then one parameter
// per hash: the hash on PostgreSQL, its rowid on SQLite). Exposed for a query-plan test.
std::string CacheLookupSql(store::Dialect dialect, size_t count);

}  // namespace internal

}  // namespace hub::jobs
