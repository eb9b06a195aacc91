#include "hub/jobs/result_cache.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "fmt/format.h"

#include "hub/common/encoding.h"
#include "hub/common/status_macros.h"

namespace hub::jobs {
namespace {

constexpr size_t kBatch = ResultCache::kLookupBatch;

constexpr char kInsert[] =
    "INSERT INTO {schema}.result_cache "
    "(model_id, model_version, input_hash, input, result, contributor, created_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7) "
    "ON CONFLICT (model_id, model_version, input_hash) DO NOTHING";
// SQLite: the rowid is the entry's `RowId`; a clash of either key leaves the old row.
constexpr char kInsertWithRowId[] =
    "INSERT INTO {schema}.result_cache "
    "(model_id, model_version, input_hash, input, result, contributor, created_at, rowid) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING";
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

// PostgreSQL: "SELECT ... WHERE model_id = $1 AND model_version = $2 AND input_hash IN ($3,
// ..., $n)". SQLite: the same with "rowid IN", the rowids being the hashes' `RowId`s; the
// model columns are still compared, and a rowid shared by two inputs (1 in 2^63 per pair)
// returns the stored input's hash, which the caller does not match to the other input.
}  // namespace

std::string internal::CacheLookupSql(store::Dialect dialect, size_t count) {
  // On SQLite the unary `+` keeps the planner off the primary-key index: without statistics
  // it rates "model_id = ? AND model_version = ?" above 500 rowid searches and then scans the
  // model's every row per statement (measured: 15x slower for a cached 50k request).
  std::string sql = dialect == store::Dialect::kSqlite
                        ? "SELECT input_hash, result FROM {schema}.result_cache "
                          "WHERE +model_id = $1 AND +model_version = $2 AND rowid IN ("
                        : "SELECT input_hash, result FROM {schema}.result_cache "
                          "WHERE model_id = $1 AND model_version = $2 AND input_hash IN (";
  for (size_t i = 0; i < count; ++i) {
    sql += fmt::format("{}${}", i == 0 ? "" : ", ", i + 3);
  }
  return sql + ")";
}

namespace {

// The value of the first 16 hex digits of `hex` (any other character counts as 0).
std::uint64_t HexPrefix(std::string_view hex) {
  std::uint64_t value = 0;
  for (char c : hex.substr(0, 16)) {
    int digit = 0;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    }
    value = value << 4 | static_cast<std::uint64_t>(digit);
  }
  return value;
}

// Mixes a cache key's model into the rowids of its entries.
std::uint64_t ModelSalt(const CacheKey& key) {
  return HexPrefix(common::Sha256Hex(absl::StrCat(key.model_id, "\n", key.model_version)));
}

// A non-negative 63-bit rowid for one input hash of the model with `salt`.
std::int64_t RowId(std::uint64_t salt, std::string_view input_hash) {
  return static_cast<std::int64_t>((HexPrefix(input_hash) ^ salt) >> 1);
}

}  // namespace

std::string InputHash(std::string_view input) {
  return common::Sha256Hex(input);
}

ResultCache::ResultCache(store::Database& db, const common::Clock& clock)
    : db_(db), clock_(clock), full_batch_sql_(internal::CacheLookupSql(db.dialect(), kBatch)) {}

absl::StatusOr<std::vector<std::optional<std::string>>> ResultCache::Lookup(
    const CacheKey& key, absl::Span<const std::string_view> hashes) {
  std::vector<std::optional<std::string>> found(hashes.size());
  for (size_t begin = 0; begin < hashes.size(); begin += kBatch) {
    size_t count = std::min(kBatch, hashes.size() - begin);
    HUB_RETURN_IF_ERROR(LookupBatch(key, hashes.subspan(begin, count),
                                    absl::MakeSpan(found).subspan(begin, count)));
  }
  return found;
}

absl::Status ResultCache::LookupBatch(const CacheKey& key,
                                      absl::Span<const std::string_view> hashes,
                                      absl::Span<std::optional<std::string>> found) {
  bool by_rowid = db_.dialect() == store::Dialect::kSqlite;
  std::uint64_t salt = by_rowid ? ModelSalt(key) : 0;
  store::Params params = {key.model_id, key.model_version};
  params.reserve(hashes.size() + 2);
  // The first position of each hash; a row returned for another input (a rowid clash on
  // SQLite) matches none.
  absl::flat_hash_map<std::string_view, size_t> position;
  position.reserve(hashes.size());
  std::vector<size_t> first(hashes.size());
  for (size_t i = 0; i < hashes.size(); ++i) {
    if (by_rowid) {
      params.emplace_back(RowId(salt, hashes[i]));
    } else {
      params.emplace_back(std::string(hashes[i]));
    }
    first[i] = position.try_emplace(hashes[i], i).first->second;
  }
  std::string tail_sql;
  if (hashes.size() != kBatch) {
    tail_sql = internal::CacheLookupSql(db_.dialect(), hashes.size());
  }
  HUB_ASSIGN_OR_RETURN(auto result,
                       db_.Exec(hashes.size() == kBatch ? full_batch_sql_ : tail_sql, params));
  for (const store::Row& row : result.rows()) {
    const auto* hash = row.size() == 2 ? std::get_if<std::string>(&row.raw(0)) : nullptr;
    if (hash == nullptr) {
      return absl::DataLossError("a result cache row has no input hash");
    }
    if (auto at = position.find(*hash); at != position.end()) {
      HUB_ASSIGN_OR_RETURN(found[at->second], row.GetString(1));
    }
  }
  for (size_t i = 0; i < hashes.size(); ++i) {
    if (first[i] != i) {
      found[i] = found[first[i]];
    }
  }
  return absl::OkStatus();
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
  bool by_rowid = db_.dialect() == store::Dialect::kSqlite;
  std::uint64_t salt = by_rowid ? ModelSalt(key) : 0;
  // One transaction per batch of entries [begin, end).
  size_t begin = 0;
  size_t end = 0;
  auto transaction = [&](store::Transaction& tx) -> absl::Status {
    for (size_t i = begin; i < end; ++i) {
      const CacheEntry& e = entries[i];
      store::Params params = {key.model_id, key.model_version, e.input_hash, e.input,
                              e.result,     contributor,       now};
      if (by_rowid) {
        params.emplace_back(RowId(salt, e.input_hash));
      }
      HUB_RETURN_IF_ERROR(tx.Exec(by_rowid ? kInsertWithRowId : kInsert, params).status());
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
