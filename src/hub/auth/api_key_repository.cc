#include "hub/auth/api_key_repository.h"

#include "hub/common/status_macros.h"

namespace hub::auth {
namespace {

constexpr char kInsertApiKey[] = R"sql(
INSERT INTO {schema}.api_keys (id, user_id, name, key_hash, prefix, created_at)
VALUES ($1, $2, $3, $4, $5, $6))sql";

constexpr char kTouchApiKey[] = R"sql(
UPDATE {schema}.api_keys SET last_used_at = $2 WHERE key_hash = $1
RETURNING id, user_id, name, key_hash, prefix, created_at, last_used_at)sql";

constexpr char kListApiKeys[] = R"sql(
SELECT id, user_id, name, key_hash, prefix, created_at, last_used_at
FROM {schema}.api_keys WHERE user_id = $1 ORDER BY created_at DESC, id)sql";

constexpr char kCountApiKeys[] = R"sql(
SELECT count(*) FROM {schema}.api_keys WHERE user_id = $1)sql";

constexpr char kDeleteApiKey[] = R"sql(
DELETE FROM {schema}.api_keys WHERE id = $1 AND user_id = $2 RETURNING key_hash)sql";

absl::StatusOr<ApiKeyRecord> ApiKeyFromRow(const store::Row& row) {
  ApiKeyRecord key;
  HUB_ASSIGN_OR_RETURN(key.id, row.GetString(0));
  HUB_ASSIGN_OR_RETURN(key.user_id, row.GetString(1));
  HUB_ASSIGN_OR_RETURN(key.name, row.GetString(2));
  HUB_ASSIGN_OR_RETURN(key.key_hash, row.GetString(3));
  HUB_ASSIGN_OR_RETURN(key.prefix, row.GetString(4));
  HUB_ASSIGN_OR_RETURN(key.created_at, row.GetInt(5));
  HUB_ASSIGN_OR_RETURN(key.last_used_at, row.GetOptionalInt(6));
  return key;
}

}  // namespace

absl::Status ApiKeyRepository::Insert(const ApiKeyRecord& key) {
  return db_
      .Exec(kInsertApiKey,
            {key.id, key.user_id, key.name, key.key_hash, key.prefix, key.created_at})
      .status();
}

absl::StatusOr<ApiKeyRecord> ApiKeyRepository::FindAndTouch(const std::string& key_hash,
                                                            common::Micros now) {
  HUB_ASSIGN_OR_RETURN(store::Result result, db_.Exec(kTouchApiKey, {key_hash, now}));
  if (result.empty()) {
    return absl::NotFoundError("API key not found");
  }
  return ApiKeyFromRow(result[0]);
}

absl::StatusOr<std::vector<ApiKeyRecord>> ApiKeyRepository::ListForUser(
    const std::string& user_id) {
  HUB_ASSIGN_OR_RETURN(store::Result result, db_.Exec(kListApiKeys, {user_id}));
  std::vector<ApiKeyRecord> keys;
  for (const store::Row& row : result) {
    HUB_ASSIGN_OR_RETURN(ApiKeyRecord key, ApiKeyFromRow(row));
    keys.push_back(std::move(key));
  }
  return keys;
}

absl::StatusOr<std::int64_t> ApiKeyRepository::CountForUser(const std::string& user_id) {
  HUB_ASSIGN_OR_RETURN(store::Result result, db_.Exec(kCountApiKeys, {user_id}));
  HUB_ASSIGN_OR_RETURN(store::Row row, result.SingleRow());
  return row.GetInt(0);
}

absl::StatusOr<std::string> ApiKeyRepository::Delete(const std::string& id,
                                                     const std::string& user_id) {
  HUB_ASSIGN_OR_RETURN(store::Result result, db_.Exec(kDeleteApiKey, {id, user_id}));
  if (result.empty()) {
    return absl::NotFoundError("no API key with this id");
  }
  return result[0].GetString(0);
}

}  // namespace hub::auth
