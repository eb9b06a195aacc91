#include "hub/jobs/chunk_queue.h"

#include "fmt/format.h"

#include "hub/common/random.h"
#include "hub/common/status_macros.h"
#include "hub/jobs/request_store.h"

namespace hub::jobs {
namespace {

// A chunk is claimable when it is queued and due, or leased under a lease that expired.
constexpr char kClaimable[] =
    "((status = 'QUEUED' AND not_before <= $1) OR (status = 'LEASED' AND lease_expires < $1))";

constexpr char kLeaseColumns[] =
    "id, request_id, model_id, user_id, seq, first_unique, input_key, line_begin, line_end, "
    "attempts, priority, lane";

constexpr char kRunning[] =
    "SELECT user_id, count(*) FROM {schema}.work_request_chunks WHERE status = 'LEASED' AND "
    "lease_expires >= $1 GROUP BY user_id";

constexpr char kStartRequest[] =
    "UPDATE {schema}.work_requests SET status = 'SCHEDULING', started_at = "
    "COALESCE(started_at, $2), last_updated = $2 WHERE id = $1 AND status = 'QUEUED'";
constexpr char kProcessingRequest[] =
    "UPDATE {schema}.work_requests SET status = 'PROCESSING', last_updated = $2 WHERE id = $1 "
    "AND status IN ('QUEUED', 'SCHEDULING')";

constexpr char kExtend[] =
    "UPDATE {schema}.work_request_chunks SET lease_expires = $3 WHERE id = $1 AND "
    "lease_token = $2 AND status = 'LEASED'";

constexpr char kCompleteChunk[] =
    "UPDATE {schema}.work_request_chunks SET status = 'DONE', result_key = $3, rows_failed = $4, "
    "last_error = $5, lease_token = NULL, updated_at = $6 WHERE id = $1 AND lease_token = $2 "
    "AND status = 'LEASED'";
constexpr char kCountChunk[] =
    "UPDATE {schema}.work_requests SET rows_done = rows_done + $2, rows_failed = rows_failed + "
    "$3, rows_invalid = rows_invalid + $6, rows_unique = rows_unique - $6, chunks_open = "
    "chunks_open - 1, columns = COALESCE(columns, $4), status = CASE WHEN status IN ('QUEUED', "
    "'SCHEDULING') THEN 'PROCESSING' ELSE status END, last_updated = $5 WHERE id = $1";
constexpr char kFinishRequest[] =
    "UPDATE {schema}.work_requests SET status = $2, status_reason = $3, processed_at = $4, "
    "last_updated = $4 WHERE id = $1 AND status NOT IN ('COMPLETED', 'FAILED', 'CANCELLED')";

constexpr char kRequeue[] =
    "UPDATE {schema}.work_request_chunks SET status = 'QUEUED', not_before = $3, last_error = "
    "$4, attempts = attempts - $5, lease_token = NULL, lease_owner = NULL, updated_at = $6 "
    "WHERE id = $1 AND lease_token = $2 AND status = 'LEASED'";

constexpr char kSplitParent[] =
    "UPDATE {schema}.work_request_chunks SET status = 'SPLIT', last_error = $3, lease_token = "
    "NULL, updated_at = $4 WHERE id = $1 AND lease_token = $2 AND status = 'LEASED'";
constexpr char kInsertChild[] =
    "INSERT INTO {schema}.work_request_chunks (request_id, model_id, user_id, priority, lane, "
    "seq, first_unique, input_key, line_begin, line_end, status, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'QUEUED', $11, $11)";
constexpr char kCountSplit[] =
    "UPDATE {schema}.work_requests SET chunks_open = chunks_open + 1, chunks_total = "
    "chunks_total + 1, last_updated = $2 WHERE id = $1";

constexpr char kDrop[] =
    "UPDATE {schema}.work_request_chunks SET status = 'CANCELLED', lease_token = NULL, "
    "updated_at = $3 WHERE id = $1 AND lease_token = $2";

// "$<first>, $<first+1>, ..." for `count` values, appended to `params`.
std::string Placeholders(store::Params& params, const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& v : values) {
    params.emplace_back(v);
    out += fmt::format("{}${}", out.empty() ? "" : ", ", params.size());
  }
  return out;
}

absl::StatusOr<ChunkLease> LeaseFromRow(const store::Row& row) {
  ChunkLease l;
  HUB_ASSIGN_OR_RETURN(l.chunk_id, row.GetInt(0));
  HUB_ASSIGN_OR_RETURN(l.request_id, row.GetInt(1));
  HUB_ASSIGN_OR_RETURN(l.model_id, row.GetString(2));
  HUB_ASSIGN_OR_RETURN(l.user_id, row.GetString(3));
  HUB_ASSIGN_OR_RETURN(std::int64_t seq, row.GetInt(4));
  l.seq = static_cast<int>(seq);
  HUB_ASSIGN_OR_RETURN(l.first_unique, row.GetInt(5));
  HUB_ASSIGN_OR_RETURN(l.input_key, row.GetString(6));
  HUB_ASSIGN_OR_RETURN(std::int64_t begin, row.GetInt(7));
  HUB_ASSIGN_OR_RETURN(std::int64_t end, row.GetInt(8));
  l.line_begin = static_cast<int>(begin);
  l.line_end = static_cast<int>(end);
  HUB_ASSIGN_OR_RETURN(std::int64_t attempts, row.GetInt(9));
  l.attempts = static_cast<int>(attempts);
  HUB_ASSIGN_OR_RETURN(std::int64_t priority, row.GetInt(10));
  HUB_ASSIGN_OR_RETURN(std::int64_t lane, row.GetInt(11));
  l.priority = static_cast<int>(priority);
  l.lane = static_cast<int>(lane);
  return l;
}

}  // namespace

absl::StatusOr<std::vector<QueueGroup>> ChunkQueue::Groups(const std::vector<std::string>& models) {
  std::vector<QueueGroup> groups;
  if (models.empty()) {
    return groups;
  }
  store::Params params = {clock_.NowMicros()};
  std::string in = Placeholders(params, models);
  std::string sql = fmt::format(
      "SELECT user_id, max(priority), min(lane), min(request_id), count(*) FROM "
      "{{schema}}.work_request_chunks WHERE {} AND model_id IN ({}) GROUP BY user_id",
      kClaimable, in);
  HUB_ASSIGN_OR_RETURN(auto result, db_.Exec(sql, params));
  for (const store::Row& row : result) {
    QueueGroup g;
    HUB_ASSIGN_OR_RETURN(g.user_id, row.GetString(0));
    HUB_ASSIGN_OR_RETURN(std::int64_t priority, row.GetInt(1));
    HUB_ASSIGN_OR_RETURN(std::int64_t lane, row.GetInt(2));
    g.priority = static_cast<int>(priority);
    g.lane = static_cast<int>(lane);
    HUB_ASSIGN_OR_RETURN(g.oldest_request, row.GetInt(3));
    HUB_ASSIGN_OR_RETURN(g.chunks, row.GetInt(4));
    groups.push_back(std::move(g));
  }
  return groups;
}

absl::StatusOr<std::vector<std::string>> ChunkQueue::ClaimableModels() {
  std::string sql = fmt::format(
      "SELECT DISTINCT model_id FROM {{schema}}.work_request_chunks WHERE {}", kClaimable);
  HUB_ASSIGN_OR_RETURN(auto result, db_.Exec(sql, {clock_.NowMicros()}));
  std::vector<std::string> models;
  for (const store::Row& row : result) {
    HUB_ASSIGN_OR_RETURN(std::string model, row.GetString(0));
    models.push_back(std::move(model));
  }
  return models;
}

absl::StatusOr<std::map<std::string, int>> ChunkQueue::Running() {
  HUB_ASSIGN_OR_RETURN(auto result, db_.Exec(kRunning, {clock_.NowMicros()}));
  std::map<std::string, int> running;
  for (const store::Row& row : result) {
    HUB_ASSIGN_OR_RETURN(std::string user, row.GetString(0));
    HUB_ASSIGN_OR_RETURN(std::int64_t count, row.GetInt(1));
    running[user] = static_cast<int>(count);
  }
  return running;
}

absl::StatusOr<std::optional<ChunkLease>> ChunkQueue::Claim(
    const std::string& user_id, const std::vector<std::string>& models) {
  if (models.empty()) {
    return std::optional<ChunkLease>();
  }
  common::Micros now = clock_.NowMicros();
  std::string token = common::RandomHexToken(12);
  store::Params params = {now, owner_, token, now + lease_ttl_.count() * 1000, user_id};
  std::string in = Placeholders(params, models);
  // PostgreSQL skips rows other replicas are claiming; SQLite has one writer at a time.
  bool postgres = db_.dialect() == store::Dialect::kPostgres;
  std::string sql = fmt::format(
      "UPDATE {{schema}}.work_request_chunks SET status = 'LEASED', lease_owner = $2, "
      "lease_token = $3, lease_expires = $4, attempts = attempts + 1, updated_at = $1 WHERE id "
      "= (SELECT id FROM {{schema}}.work_request_chunks WHERE user_id = $5 AND model_id IN ({}) "
      "AND {} ORDER BY priority DESC, lane, request_id, seq, id LIMIT 1{}) RETURNING {}",
      in, kClaimable, postgres ? " FOR UPDATE SKIP LOCKED" : "", kLeaseColumns);

  std::optional<ChunkLease> lease;
  auto transaction = [&](store::Transaction& tx) -> absl::Status {
    lease.reset();
    HUB_ASSIGN_OR_RETURN(auto result, tx.Exec(sql, params));
    if (result.empty()) {
      return absl::OkStatus();
    }
    HUB_ASSIGN_OR_RETURN(ChunkLease claimed, LeaseFromRow(result[0]));
    claimed.token = token;
    HUB_RETURN_IF_ERROR(tx.Exec(kStartRequest, {claimed.request_id, now}).status());
    lease = std::move(claimed);
    return absl::OkStatus();
  };
  HUB_RETURN_IF_ERROR(store::RunInTransaction(db_, store::TxMode::kWrite, transaction));
  return lease;
}

absl::StatusOr<std::vector<std::int64_t>> ChunkQueue::Extend(
    const std::vector<ChunkLease>& leases) {
  std::vector<std::int64_t> lost;
  common::Micros expires = clock_.NowMicros() + lease_ttl_.count() * 1000;
  for (const ChunkLease& lease : leases) {
    HUB_ASSIGN_OR_RETURN(auto result, db_.Exec(kExtend, {lease.chunk_id, lease.token, expires}));
    if (result.affected_rows() == 0) {
      lost.push_back(lease.chunk_id);
    }
  }
  return lost;
}

absl::Status ChunkQueue::MarkProcessing(const ChunkLease& lease) {
  return db_.Exec(kProcessingRequest, {lease.request_id, clock_.NowMicros()}).status();
}

absl::Status ChunkQueue::Finish(store::Transaction& tx,
                                WorkRequestRecord& request,
                                const std::string& last_error) {
  common::Micros now = clock_.NowMicros();
  bool any = request.rows_done + request.rows_cached > 0;
  std::string status = any ? "COMPLETED" : "FAILED";
  std::string reason =
      any ? ""
          : fmt::format("none of the {} molecules could be computed: {}", request.rows_unique,
                        last_error.empty() ? "every row failed" : last_error);
  HUB_ASSIGN_OR_RETURN(
      auto updated,
      tx.Exec(kFinishRequest,
              {request.id, status, reason.empty() ? store::kNull : store::Value(reason), now}));
  if (updated.affected_rows() == 0) {
    return absl::OkStatus();  // cancelled or failed meanwhile: keep that outcome
  }
  request.status = any ? RequestStatus::kCompleted : RequestStatus::kFailed;
  request.status_reason = reason;
  request.processed_at = now;
  return RequestStore::WriteStats(tx, request);
}

absl::StatusOr<Completion> ChunkQueue::Complete(const ChunkLease& lease,
                                                const ChunkOutcome& outcome) {
  common::Micros now = clock_.NowMicros();
  Completion completion;
  auto transaction = [&](store::Transaction& tx) -> absl::Status {
    completion = Completion();
    HUB_ASSIGN_OR_RETURN(
        auto done,
        tx.Exec(
            kCompleteChunk,
            {lease.chunk_id, lease.token, outcome.result_key, outcome.rows_failed,
             outcome.last_error.empty() ? store::kNull : store::Value(outcome.last_error), now}));
    if (done.affected_rows() == 0) {
      return absl::OkStatus();  // lost the lease: someone else owns this chunk now
    }
    completion.committed = true;
    HUB_RETURN_IF_ERROR(
        tx.Exec(kCountChunk,
                {lease.request_id, outcome.rows_done, outcome.rows_failed,
                 outcome.columns.empty() ? store::kNull : store::Value(outcome.columns), now,
                 outcome.rows_invalid})
            .status());
    HUB_ASSIGN_OR_RETURN(
        auto row, tx.Exec(fmt::format("SELECT {} FROM {{schema}}.work_requests WHERE id = $1",
                                      RequestStore::kRequestColumns),
                          {lease.request_id}));
    HUB_ASSIGN_OR_RETURN(completion.request, RequestStore::FromRow(row[0]));
    if (completion.request.chunks_open != 0) {
      return absl::OkStatus();
    }
    completion.request_finished = true;
    return Finish(tx, completion.request, outcome.last_error);
  };
  HUB_RETURN_IF_ERROR(store::RunInTransaction(db_, store::TxMode::kWrite, transaction));
  return completion;
}

absl::StatusOr<bool> ChunkQueue::Requeue(const ChunkLease& lease,
                                         const std::string& error,
                                         common::Micros not_before,
                                         bool count_attempt) {
  HUB_ASSIGN_OR_RETURN(auto result,
                       db_.Exec(kRequeue, {lease.chunk_id, lease.token, not_before, error,
                                           count_attempt ? 0 : 1, clock_.NowMicros()}));
  return result.affected_rows() == 1;
}

absl::StatusOr<bool> ChunkQueue::Split(const ChunkLease& lease,
                                       int mid,
                                       std::int64_t second_first_unique,
                                       const std::string& error) {
  common::Micros now = clock_.NowMicros();
  bool split = false;
  auto transaction = [&](store::Transaction& tx) -> absl::Status {
    HUB_ASSIGN_OR_RETURN(auto parent,
                         tx.Exec(kSplitParent, {lease.chunk_id, lease.token, error, now}));
    split = parent.affected_rows() == 1;
    if (!split) {
      return absl::OkStatus();
    }
    auto child = [&](int begin, int end, std::int64_t first) {
      return tx.Exec(kInsertChild,
                     {lease.request_id, lease.model_id, lease.user_id, lease.priority, lease.lane,
                      lease.seq, first, lease.input_key, begin, end, now});
    };
    HUB_RETURN_IF_ERROR(child(lease.line_begin, mid, lease.first_unique).status());
    HUB_RETURN_IF_ERROR(child(mid, lease.line_end, second_first_unique).status());
    HUB_RETURN_IF_ERROR(tx.Exec(kCountSplit, {lease.request_id, now}).status());
    return absl::OkStatus();
  };
  HUB_RETURN_IF_ERROR(store::RunInTransaction(db_, store::TxMode::kWrite, transaction));
  return split;
}

absl::Status ChunkQueue::Drop(const ChunkLease& lease) {
  return db_.Exec(kDrop, {lease.chunk_id, lease.token, clock_.NowMicros()}).status();
}

}  // namespace hub::jobs
