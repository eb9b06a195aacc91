#include "hub/jobs/result_cache.h"

#include "fmt/format.h"

#include "hub/common/encoding.h"
#include "hub/common/status_macros.h"

namespace hub::jobs {
namespace {

constexpr size_t kBatch = 500;

constexpr char kInsert[] =
    "INSERT INTO {schema}.result_cache "
    "(model_id, model_version, input_hash, input, result, contributor, created_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7) "
    "ON CONFLICT (model_id, model_version, input_hash) DO NOTHING";
// The column names of a model version live in a row with this reserved key, which no SHA-256
// hex digest can equal.
constexpr char kColumnsKey[] = "__columns__";
constexpr char kUpsertColumns[] =
    "INSERT INTO {schema}.result_cache "
    "(model_id, model_version, input_hash, input, result, contributor, created_at) "
    "VALUES ($1, $2, $3, '', $4, NULL, $5) "
    "ON CONFLICT (model_id, model_version, input_hash) DO UPDATE SET result = excluded.result";
constexpr char kSelectColumns[] =
    "SELECT result FROM {schema}.result_cache WHERE model_id = $1 AND model_version = $2 AND "
    "input_hash = $3";
constexpr char kClearModel[] = "DELETE FROM {schema}.result_cache WHERE model_id = $1";
constexpr char kClearContributor[] = "DELETE FROM {schema}.result_cache WHERE contributor = $1";

// "SELECT ... WHERE model_id = $1 AND model_version = $2 AND input_hash IN ($3, ..., $n)".
std::string LookupSql(size_t count) {
  std::string sql =
      "SELECT input_hash, result FROM {schema}.result_cache "
      "WHERE model_id = $1 AND model_version = $2 AND input_hash IN (";
  for (size_t i = 0; i < count; ++i) {
    sql += fmt::format("{}${}", i == 0 ? "" : ", ", i + 3);
  }
  return sql + ")";
}

}  // namespace

std::string InputHash(std::string_view input) {
  return common::Sha256Hex(input);
}

absl::StatusOr<std::unordered_map<std::string, std::string>> ResultCache::Lookup(
    const CacheKey& key, const std::vector<std::string>& hashes) {
  std::unordered_map<std::string, std::string> found;
  for (size_t begin = 0; begin < hashes.size(); begin += kBatch) {
    size_t end = std::min(hashes.size(), begin + kBatch);
    store::Params params = {key.model_id, key.model_version};
    for (size_t i = begin; i < end; ++i) {
      params.emplace_back(hashes[i]);
    }
    HUB_ASSIGN_OR_RETURN(auto result, db_.Exec(LookupSql(end - begin), params));
    for (const store::Row& row : result.rows()) {
      HUB_ASSIGN_OR_RETURN(std::string hash, row.GetString(0));
      HUB_ASSIGN_OR_RETURN(std::string value, row.GetString(1));
      found.emplace(std::move(hash), std::move(value));
    }
  }
  return found;
}

absl::Status ResultCache::Store(const CacheKey& key,
                                const std::vector<CacheEntry>& entries,
                                const std::string& contributor,
                                const std::string& columns) {
  common::Micros now = clock_.NowMicros();
  if (!columns.empty()) {
    HUB_RETURN_IF_ERROR(
        db_.Exec(kUpsertColumns, {key.model_id, key.model_version, kColumnsKey, columns, now})
            .status());
  }
  // One transaction per batch of entries [begin, end).
  size_t begin = 0;
  size_t end = 0;
  auto transaction = [&](store::Transaction& tx) -> absl::Status {
    for (size_t i = begin; i < end; ++i) {
      const CacheEntry& e = entries[i];
      HUB_RETURN_IF_ERROR(tx.Exec(kInsert, {key.model_id, key.model_version, e.input_hash, e.input,
                                            e.result, contributor, now})
                              .status());
    }
    return absl::OkStatus();
  };
  for (begin = 0; begin < entries.size(); begin += kBatch) {
    end = std::min(entries.size(), begin + kBatch);
    HUB_RETURN_IF_ERROR(store::RunInTransaction(db_, store::TxMode::kWrite, transaction));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ResultCache::Columns(const CacheKey& key) {
  HUB_ASSIGN_OR_RETURN(auto result,
                       db_.Exec(kSelectColumns, {key.model_id, key.model_version, kColumnsKey}));
  if (result.empty()) {
    return std::string();
  }
  return result[0].GetString(0);
}

absl::StatusOr<std::int64_t> ResultCache::ClearModel(const std::string& model_id) {
  HUB_ASSIGN_OR_RETURN(auto result, db_.Exec(kClearModel, {model_id}));
  return result.affected_rows();
}

absl::StatusOr<std::int64_t> ResultCache::ClearContributor(const std::string& user_id) {
  HUB_ASSIGN_OR_RETURN(auto result, db_.Exec(kClearContributor, {user_id}));
  return result.affected_rows();
}

}  // namespace hub::jobs
