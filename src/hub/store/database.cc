#include "hub/store/database.h"

#include <algorithm>
#include <random>
#include <thread>

#include "fmt/format.h"

#include "hub/common/log.h"
#include "hub/common/strings.h"

namespace hub::store {
namespace {

// Full jitter keeps retrying writers from colliding again in lock step.
std::chrono::microseconds Backoff(const RetryOptions& options, int attempt) {
  thread_local std::minstd_rand rng(std::random_device{}());
  auto cap = std::min<std::int64_t>(options.max_backoff.count(), options.initial_backoff.count()
                                                                     << std::min(attempt, 20));
  std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(cap, 1) * 1000);
  return std::chrono::microseconds(pick(rng));
}

absl::Status RunOnce(Database& db,
                     TxMode mode,
                     const std::function<absl::Status(Transaction&)>& body) {
  auto tx = db.Begin(mode);
  if (!tx.ok()) {
    return tx.status();
  }
  absl::Status status = body(**tx);
  if (!status.ok()) {
    return status;
  }
  return (*tx)->Commit();
}

}  // namespace

std::string_view DialectName(Dialect dialect) {
  switch (dialect) {
    case Dialect::kSqlite:
      return "sqlite";
    case Dialect::kPostgres:
      return "postgres";
  }
  return "unknown";
}

std::uint64_t DatabaseStats::StatementsOn(std::string_view table) const {
  auto it = statements_by_table.find(table);
  return it == statements_by_table.end() ? 0 : it->second;
}

absl::Status RunInTransaction(Database& db,
                              TxMode mode,
                              const std::function<absl::Status(Transaction&)>& body,
                              const RetryOptions& options) {
  absl::Status status;
  for (int attempt = 0; attempt < std::max(options.max_attempts, 1); ++attempt) {
    if (attempt > 0) {
      std::this_thread::sleep_for(Backoff(options, attempt - 1));
    }
    status = RunOnce(db, mode, body);
    if (status.code() != absl::StatusCode::kAborted) {
      return status;
    }
  }
  if (log::Every("store.transaction_retries_exhausted", 10'000)) {
    HUB_LOG(warn, "transaction still conflicting after retries", {"attempts", options.max_attempts},
            {"error", common::ToString(status.message())});
  }
  return status;
}

}  // namespace hub::store
