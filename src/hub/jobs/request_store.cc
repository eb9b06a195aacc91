#include "hub/jobs/request_store.h"

#include "fmt/format.h"

#include "hub/common/status_macros.h"
#include "hub/common/strings.h"

namespace hub::jobs {
namespace {

constexpr char kInsertRequest[] =
    "INSERT INTO {schema}.work_requests (uid, model_id, model_version, user_id, user_kind, "
    "status, status_reason, priority, lane, request_date, processed_at, last_updated, "
    "rows_total, rows_invalid, rows_unique, rows_cached, chunks_total, chunks_open, has_header, "
    "cache_opt_in, cache_write, columns, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
    "$10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) RETURNING id";

constexpr char kInsertChunk[] =
    "INSERT INTO {schema}.work_request_chunks (request_id, model_id, user_id, priority, lane, "
    "seq, first_unique, input_key, line_begin, line_end, status, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, 'QUEUED', $10, $10)";

constexpr char kLeafChunks[] =
    "SELECT id, seq, first_unique, input_key, line_begin, line_end, status, attempts, "
    "result_key, rows_failed, last_error FROM {schema}.work_request_chunks "
    "WHERE request_id = $1 AND status <> 'SPLIT' ORDER BY first_unique, line_begin";

constexpr char kCancelRequest[] =
    "UPDATE {schema}.work_requests SET status = 'CANCELLED', status_reason = $2, "
    "processed_at = $3, last_updated = $3 WHERE id = $1 AND status NOT IN "
    "('COMPLETED', 'FAILED', 'CANCELLED')";
constexpr char kFailRequest[] =
    "UPDATE {schema}.work_requests SET status = 'FAILED', status_reason = $2, "
    "processed_at = $3, last_updated = $3 WHERE id = $1 AND status NOT IN "
    "('COMPLETED', 'FAILED', 'CANCELLED')";
constexpr char kCancelChunks[] =
    "UPDATE {schema}.work_request_chunks SET status = 'CANCELLED', updated_at = $2 "
    "WHERE request_id = $1 AND status = 'QUEUED'";

constexpr char kSetRequestPriority[] =
    "UPDATE {schema}.work_requests SET priority = $2, last_updated = $3 WHERE id = $1";
constexpr char kSetChunkPriority[] =
    "UPDATE {schema}.work_request_chunks SET priority = $2 WHERE request_id = $1 AND "
    "status IN ('QUEUED', 'LEASED')";

constexpr char kDeleteRequest[] = "DELETE FROM {schema}.work_requests WHERE id = $1";

constexpr char kUpsertStats[] =
    "INSERT INTO {schema}.work_request_stats (request_id, model_id, user_id, user_kind, "
    "input_size, status, processed, success, request_date, started_at, processed_at, stages) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (request_id) DO "
    "UPDATE SET status = excluded.status, processed = excluded.processed, success = "
    "excluded.success, started_at = excluded.started_at, processed_at = excluded.processed_at, "
    "stages = excluded.stages";

store::Value OptionalMicros(const std::optional<common::Micros>& t) {
  return t ? store::Value(*t) : store::kNull;
}

absl::StatusOr<ChunkRecord> ChunkFromRow(const store::Row& row) {
  ChunkRecord c;
  HUB_ASSIGN_OR_RETURN(c.id, row.GetInt(0));
  HUB_ASSIGN_OR_RETURN(std::int64_t seq, row.GetInt(1));
  c.seq = static_cast<int>(seq);
  HUB_ASSIGN_OR_RETURN(c.first_unique, row.GetInt(2));
  HUB_ASSIGN_OR_RETURN(c.input_key, row.GetString(3));
  HUB_ASSIGN_OR_RETURN(std::int64_t begin, row.GetInt(4));
  HUB_ASSIGN_OR_RETURN(std::int64_t end, row.GetInt(5));
  c.line_begin = static_cast<int>(begin);
  c.line_end = static_cast<int>(end);
  HUB_ASSIGN_OR_RETURN(c.status, row.GetString(6));
  HUB_ASSIGN_OR_RETURN(std::int64_t attempts, row.GetInt(7));
  c.attempts = static_cast<int>(attempts);
  HUB_ASSIGN_OR_RETURN(auto result_key, row.GetOptionalString(8));
  c.result_key = result_key.value_or("");
  HUB_ASSIGN_OR_RETURN(std::int64_t failed, row.GetInt(9));
  c.rows_failed = static_cast<int>(failed);
  HUB_ASSIGN_OR_RETURN(auto error, row.GetOptionalString(10));
  c.last_error = error.value_or("");
  return c;
}

// Appends "AND <column> IN ($n, ...)" for `values`, numbering from params.size() + 1.
void AppendIn(std::string& sql,
              store::Params& params,
              std::string_view column,
              const std::vector<std::string>& values) {
  if (values.empty()) {
    return;
  }
  sql += fmt::format(" AND {} IN (", column);
  for (size_t i = 0; i < values.size(); ++i) {
    params.emplace_back(values[i]);
    sql += fmt::format("{}${}", i == 0 ? "" : ", ", params.size());
  }
  sql += ")";
}

}  // namespace

const char* const RequestStore::kRequestColumns =
    "id, uid, model_id, model_version, user_id, user_kind, status, status_reason, priority, "
    "lane, request_date, started_at, processed_at, last_updated, rows_total, rows_invalid, "
    "rows_unique, rows_cached, rows_done, rows_failed, chunks_total, chunks_open, has_header, "
    "cache_opt_in, cache_write, columns, metadata";

absl::StatusOr<WorkRequestRecord> RequestStore::FromRow(const store::Row& row) {
  WorkRequestRecord r;
  HUB_ASSIGN_OR_RETURN(r.id, row.GetInt(0));
  HUB_ASSIGN_OR_RETURN(r.uid, row.GetString(1));
  HUB_ASSIGN_OR_RETURN(r.model_id, row.GetString(2));
  HUB_ASSIGN_OR_RETURN(r.model_version, row.GetString(3));
  HUB_ASSIGN_OR_RETURN(r.user_id, row.GetString(4));
  HUB_ASSIGN_OR_RETURN(r.user_kind, row.GetString(5));
  HUB_ASSIGN_OR_RETURN(std::string status, row.GetString(6));
  HUB_ASSIGN_OR_RETURN(r.status, ParseRequestStatus(status));
  HUB_ASSIGN_OR_RETURN(auto reason, row.GetOptionalString(7));
  r.status_reason = reason.value_or("");
  HUB_ASSIGN_OR_RETURN(std::int64_t priority, row.GetInt(8));
  HUB_ASSIGN_OR_RETURN(std::int64_t lane, row.GetInt(9));
  r.priority = static_cast<int>(priority);
  r.lane = static_cast<int>(lane);
  HUB_ASSIGN_OR_RETURN(r.request_date, row.GetInt(10));
  HUB_ASSIGN_OR_RETURN(r.started_at, row.GetOptionalInt(11));
  HUB_ASSIGN_OR_RETURN(r.processed_at, row.GetOptionalInt(12));
  HUB_ASSIGN_OR_RETURN(r.last_updated, row.GetInt(13));
  HUB_ASSIGN_OR_RETURN(r.rows_total, row.GetInt(14));
  HUB_ASSIGN_OR_RETURN(r.rows_invalid, row.GetInt(15));
  HUB_ASSIGN_OR_RETURN(r.rows_unique, row.GetInt(16));
  HUB_ASSIGN_OR_RETURN(r.rows_cached, row.GetInt(17));
  HUB_ASSIGN_OR_RETURN(r.rows_done, row.GetInt(18));
  HUB_ASSIGN_OR_RETURN(r.rows_failed, row.GetInt(19));
  HUB_ASSIGN_OR_RETURN(std::int64_t chunks_total, row.GetInt(20));
  HUB_ASSIGN_OR_RETURN(std::int64_t chunks_open, row.GetInt(21));
  r.chunks_total = static_cast<int>(chunks_total);
  r.chunks_open = static_cast<int>(chunks_open);
  HUB_ASSIGN_OR_RETURN(r.has_header, row.GetBool(22));
  HUB_ASSIGN_OR_RETURN(r.cache_opt_in, row.GetBool(23));
  HUB_ASSIGN_OR_RETURN(r.cache_write, row.GetBool(24));
  HUB_ASSIGN_OR_RETURN(auto columns, row.GetOptionalString(25));
  r.columns = columns.value_or("");
  HUB_ASSIGN_OR_RETURN(r.metadata, row.GetString(26));
  return r;
}

absl::Status RequestStore::WriteStats(store::Transaction& tx, const WorkRequestRecord& r) {
  bool processed = IsTerminal(r.status);
  bool success = r.status == RequestStatus::kCompleted;
  return tx
      .Exec(kUpsertStats, {r.id, r.model_id, r.user_id, r.user_kind, r.rows_total,
                           std::string(RequestStatusName(r.status)), processed ? 1 : 0,
                           success ? 1 : 0, r.request_date, OptionalMicros(r.started_at),
                           OptionalMicros(r.processed_at), std::string("{}")})
      .status();
}

absl::StatusOr<std::int64_t> RequestStore::Insert(const WorkRequestRecord& r,
                                                  const std::vector<ChunkPlan>& chunks) {
  common::Micros now = clock_.NowMicros();
  std::int64_t id = 0;
  auto transaction = [&](store::Transaction& tx) -> absl::Status {
    WorkRequestRecord row = r;
    row.chunks_total = static_cast<int>(chunks.size());
    row.chunks_open = row.chunks_total;
    if (chunks.empty()) {
      row.status = RequestStatus::kCompleted;
      row.processed_at = now;
    }
    HUB_ASSIGN_OR_RETURN(
        auto inserted,
        tx.Exec(kInsertRequest,
                {row.uid,
                 row.model_id,
                 row.model_version,
                 row.user_id,
                 row.user_kind,
                 std::string(RequestStatusName(row.status)),
                 row.status_reason.empty() ? store::kNull : store::Value(row.status_reason),
                 row.priority,
                 row.lane,
                 row.request_date,
                 OptionalMicros(row.processed_at),
                 now,
                 row.rows_total,
                 row.rows_invalid,
                 row.rows_unique,
                 row.rows_cached,
                 row.chunks_total,
                 row.chunks_open,
                 row.has_header ? 1 : 0,
                 row.cache_opt_in ? 1 : 0,
                 row.cache_write ? 1 : 0,
                 row.columns.empty() ? store::kNull : store::Value(row.columns),
                 row.metadata.empty() ? std::string("{}") : row.metadata}));
    HUB_ASSIGN_OR_RETURN(auto id_row, inserted.SingleRow());
    HUB_ASSIGN_OR_RETURN(id, id_row.GetInt(0));
    for (const ChunkPlan& c : chunks) {
      HUB_RETURN_IF_ERROR(
          tx.Exec(kInsertChunk,
                  {id, row.model_id, row.user_id, row.priority, row.lane, c.seq,
                   static_cast<std::int64_t>(c.first_unique), c.input_key, c.lines, now})
              .status());
    }
    if (chunks.empty()) {
      row.id = id;
      HUB_RETURN_IF_ERROR(WriteStats(tx, row));
    }
    return absl::OkStatus();
  };
  HUB_RETURN_IF_ERROR(store::RunInTransaction(db_, store::TxMode::kWrite, transaction));
  return id;
}

absl::StatusOr<WorkRequestRecord> RequestStore::Get(std::int64_t id) {
  HUB_ASSIGN_OR_RETURN(auto result,
                       db_.Exec(fmt::format("SELECT {} FROM {{schema}}.work_requests WHERE id = $1",
                                            kRequestColumns),
                                {id}));
  if (result.empty()) {
    return absl::NotFoundError(fmt::format("no work request {}", id));
  }
  return FromRow(result[0]);
}

absl::StatusOr<std::vector<WorkRequestRecord>> RequestStore::List(const RequestFilter& f) {
  std::string sql =
      fmt::format("SELECT {} FROM {{schema}}.work_requests WHERE 1 = 1", kRequestColumns);
  store::Params params;
  auto bind = [&params](store::Value v) {
    params.push_back(std::move(v));
    return fmt::format("${}", params.size());
  };
  if (f.id) {
    sql += " AND id = " + bind(*f.id);
  }
  if (f.user_id) {
    sql += " AND user_id = " + bind(*f.user_id);
  }
  if (f.user_kind) {
    sql += " AND user_kind = " + bind(*f.user_kind);
  }
  if (f.date_from) {
    sql += " AND request_date >= " + bind(*f.date_from);
  }
  if (f.date_to) {
    sql += " AND request_date <= " + bind(*f.date_to);
  }
  AppendIn(sql, params, "model_id", f.model_ids);
  std::vector<std::string> statuses;
  for (RequestStatus s : f.statuses) {
    statuses.emplace_back(RequestStatusName(s));
  }
  AppendIn(sql, params, "status", statuses);
  sql += " ORDER BY request_date DESC, model_id ASC, id DESC LIMIT " +
         bind(static_cast<std::int64_t>(f.limit));

  HUB_ASSIGN_OR_RETURN(auto result, db_.Exec(sql, params));
  std::vector<WorkRequestRecord> out;
  out.reserve(result.size());
  for (const store::Row& row : result) {
    HUB_ASSIGN_OR_RETURN(WorkRequestRecord r, FromRow(row));
    out.push_back(std::move(r));
  }
  return out;
}

absl::StatusOr<std::vector<ChunkRecord>> RequestStore::LeafChunks(std::int64_t request_id) {
  HUB_ASSIGN_OR_RETURN(auto result, db_.Exec(kLeafChunks, {request_id}));
  std::vector<ChunkRecord> chunks;
  for (const store::Row& row : result) {
    HUB_ASSIGN_OR_RETURN(ChunkRecord c, ChunkFromRow(row));
    chunks.push_back(std::move(c));
  }
  return chunks;
}

absl::Status RequestStore::Cancel(std::int64_t id, const std::string& reason) {
  common::Micros now = clock_.NowMicros();
  return store::RunInTransaction(
      db_, store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        HUB_ASSIGN_OR_RETURN(auto r, tx.Exec(kCancelRequest, {id, reason, now}));
        if (r.affected_rows() == 0) {
          return absl::FailedPreconditionError(
              fmt::format("work request {} has already ended", id));
        }
        HUB_RETURN_IF_ERROR(tx.Exec(kCancelChunks, {id, now}).status());
        return absl::OkStatus();
      });
}

absl::StatusOr<bool> RequestStore::Fail(std::int64_t id, const std::string& reason) {
  common::Micros now = clock_.NowMicros();
  bool failed = false;
  auto transaction = [&](store::Transaction& tx) -> absl::Status {
    HUB_ASSIGN_OR_RETURN(auto r, tx.Exec(kFailRequest, {id, reason, now}));
    failed = r.affected_rows() == 1;
    if (!failed) {
      return absl::OkStatus();
    }
    HUB_RETURN_IF_ERROR(tx.Exec(kCancelChunks, {id, now}).status());
    HUB_ASSIGN_OR_RETURN(
        auto row, tx.Exec(fmt::format("SELECT {} FROM {{schema}}.work_requests WHERE id = $1",
                                      kRequestColumns),
                          {id}));
    HUB_ASSIGN_OR_RETURN(WorkRequestRecord record, FromRow(row[0]));
    HUB_RETURN_IF_ERROR(WriteStats(tx, record));
    return absl::OkStatus();
  };
  HUB_RETURN_IF_ERROR(store::RunInTransaction(db_, store::TxMode::kWrite, transaction));
  return failed;
}

absl::Status RequestStore::SetPriority(std::int64_t id, int priority) {
  common::Micros now = clock_.NowMicros();
  return store::RunInTransaction(
      db_, store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        HUB_ASSIGN_OR_RETURN(auto r, tx.Exec(kSetRequestPriority, {id, priority, now}));
        if (r.affected_rows() == 0) {
          return absl::NotFoundError(fmt::format("no work request {}", id));
        }
        HUB_RETURN_IF_ERROR(tx.Exec(kSetChunkPriority, {id, priority}).status());
        return absl::OkStatus();
      });
}

absl::StatusOr<std::int64_t> RequestStore::Delete(const std::vector<std::int64_t>& ids) {
  std::int64_t deleted = 0;
  auto transaction = [&](store::Transaction& tx) -> absl::Status {
    deleted = 0;
    for (std::int64_t id : ids) {
      HUB_ASSIGN_OR_RETURN(auto r, tx.Exec(kDeleteRequest, {id}));
      deleted += r.affected_rows();
    }
    return absl::OkStatus();
  };
  HUB_RETURN_IF_ERROR(store::RunInTransaction(db_, store::TxMode::kWrite, transaction));
  return deleted;
}

absl::StatusOr<std::vector<RequestStore::Expired>> RequestStore::FindOlderThan(
    common::Micros before, const std::string& user_kind, int limit) {
  std::string sql = "SELECT id, uid FROM {schema}.work_requests WHERE request_date < $1";
  store::Params params = {before};
  if (!user_kind.empty()) {
    sql += " AND user_kind = $2";
    params.emplace_back(user_kind);
  }
  sql += fmt::format(" ORDER BY request_date LIMIT ${}", params.size() + 1);
  params.emplace_back(static_cast<std::int64_t>(limit));
  HUB_ASSIGN_OR_RETURN(auto result, db_.Exec(sql, params));
  std::vector<Expired> out;
  for (const store::Row& row : result) {
    HUB_ASSIGN_OR_RETURN(std::int64_t id, row.GetInt(0));
    HUB_ASSIGN_OR_RETURN(std::string uid, row.GetString(1));
    out.push_back({id, std::move(uid)});
  }
  return out;
}

absl::StatusOr<std::vector<RequestStore::Expired>> RequestStore::FindByUser(
    const std::string& user_id) {
  HUB_ASSIGN_OR_RETURN(
      auto result,
      db_.Exec("SELECT id, uid FROM {schema}.work_requests WHERE user_id = $1", {user_id}));
  std::vector<Expired> out;
  for (const store::Row& row : result) {
    HUB_ASSIGN_OR_RETURN(std::int64_t id, row.GetInt(0));
    HUB_ASSIGN_OR_RETURN(std::string uid, row.GetString(1));
    out.push_back({id, std::move(uid)});
  }
  return out;
}

}  // namespace hub::jobs
