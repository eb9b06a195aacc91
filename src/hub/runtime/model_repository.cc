#include "hub/runtime/model_repository.h"

#include "fmt/format.h"

#include "hub/common/log.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"

namespace hub::runtime {
namespace {

constexpr char kListSql[] =
    "SELECT id, enabled, details, created_at, last_updated FROM {schema}.models ORDER BY id";

constexpr char kGetSql[] =
    "SELECT id, enabled, details, created_at, last_updated FROM {schema}.models WHERE id = $1";

constexpr char kInsertSql[] =
    "INSERT INTO {schema}.models (id, enabled, details, created_at, last_updated)"
    " VALUES ($1, $2, $3, $4, $5)";

constexpr char kInsertIfAbsentSql[] =
    "INSERT INTO {schema}.models (id, enabled, details, created_at, last_updated)"
    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING";

constexpr char kUpdateSql[] =
    "UPDATE {schema}.models SET enabled = $1, details = $2, last_updated = $3"
    " WHERE id = $4 AND last_updated = $5";

constexpr char kExistsSql[] = "SELECT last_updated FROM {schema}.models WHERE id = $1";

absl::StatusOr<ModelRecord> FromRow(const store::Row& row) {
  ModelRecord record;
  HUB_ASSIGN_OR_RETURN(record.id, row.GetString(0));
  HUB_ASSIGN_OR_RETURN(record.enabled, row.GetBool(1));
  HUB_ASSIGN_OR_RETURN(std::string details, row.GetString(2));
  HUB_ASSIGN_OR_RETURN(record.created_at, row.GetInt(3));
  HUB_ASSIGN_OR_RETURN(record.last_updated, row.GetInt(4));
  auto parsed = DetailsFromStoredJson(details);
  if (!parsed.ok()) {
    return absl::DataLossError(
        fmt::format("model {}: {}", record.id, common::ToString(parsed.status().message())));
  }
  record.details = std::move(*parsed);
  return record;
}

store::Params InsertParams(const ModelRecord& r) {
  return {r.id, r.enabled ? 1 : 0, DetailsToStoredJson(r.details), r.created_at, r.last_updated};
}

}  // namespace

absl::StatusOr<std::vector<ModelRecord>> ModelRepository::List() const {
  HUB_ASSIGN_OR_RETURN(store::Result rows, db_.Exec(kListSql));
  std::vector<ModelRecord> models;
  models.reserve(rows.size());
  for (const store::Row& row : rows) {
    auto record = FromRow(row);
    if (!record.ok()) {
      if (log::Every("models.list.unreadable", 60'000)) {
        HUB_LOG(warn, "skipping unreadable model row",
                {"error", common::ToString(record.status().message())});
      }
      continue;
    }
    models.push_back(std::move(*record));
  }
  return models;
}

absl::StatusOr<std::optional<ModelRecord>> ModelRepository::Get(std::string_view id) const {
  HUB_ASSIGN_OR_RETURN(store::Result rows, db_.Exec(kGetSql, {std::string(id)}));
  if (rows.empty()) {
    return std::optional<ModelRecord>();
  }
  HUB_ASSIGN_OR_RETURN(ModelRecord record, FromRow(rows[0]));
  return std::optional<ModelRecord>(std::move(record));
}

absl::Status ModelRepository::Insert(const ModelRecord& record) {
  auto inserted = db_.Exec(kInsertSql, InsertParams(record));
  if (!inserted.ok() && inserted.status().code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError(fmt::format("Model id [{}] already exists", record.id));
  }
  return inserted.status();
}

absl::StatusOr<bool> ModelRepository::InsertIfAbsent(const ModelRecord& record) {
  HUB_ASSIGN_OR_RETURN(store::Result result, db_.Exec(kInsertIfAbsentSql, InsertParams(record)));
  return result.affected_rows() > 0;
}

absl::Status ModelRepository::Update(const ModelRecord& record,
                                     common::Micros expected_last_updated) {
  HUB_ASSIGN_OR_RETURN(
      store::Result result,
      db_.Exec(kUpdateSql, {record.enabled ? 1 : 0, DetailsToStoredJson(record.details),
                            record.last_updated, record.id, expected_last_updated}));
  if (result.affected_rows() > 0) {
    return absl::OkStatus();
  }
  HUB_ASSIGN_OR_RETURN(store::Result exists, db_.Exec(kExistsSql, {record.id}));
  if (exists.empty()) {
    return absl::NotFoundError(fmt::format("Model with id [{}] not found", record.id));
  }
  return absl::AbortedError(fmt::format(
      "model {} was changed by someone else since it was read; reload it and retry", record.id));
}

}  // namespace hub::runtime
