#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "hub/common/clock.h"
#include "hub/jobs/intake.h"
#include "hub/jobs/work_request.h"
#include "hub/store/database.h"

namespace hub::jobs {

// A chunk as stored (what result assembly and the admin views read).
struct ChunkRecord {
  std::int64_t id = 0;
  int seq = 0;
  std::int64_t first_unique = 0;
  std::string input_key;
  int line_begin = 0;
  int line_end = 0;
  std::string status;  // QUEUED, LEASED, DONE, SPLIT, CANCELLED
  int attempts = 0;
  std::string result_key;
  int rows_failed = 0;
  std::string last_error;
};

// Work request rows and their chunks. Every multi-row change is one transaction. Thread-safe.
class RequestStore final {
public:
  RequestStore(store::Database& db, const common::Clock& clock) : db_(db), clock_(clock) {}

  // Inserts `request` (its id is ignored) and one QUEUED chunk per plan, in one transaction.
  // A request without chunks (every input was cached) is inserted COMPLETED with its
  // statistics row. Returns the new id.
  [[nodiscard]] absl::StatusOr<std::int64_t> Insert(const WorkRequestRecord& request,
                                                    const std::vector<ChunkPlan>& chunks);

  // NotFound when there is no such request.
  [[nodiscard]] absl::StatusOr<WorkRequestRecord> Get(std::int64_t id);

  // Newest first (then by model id), at most `filter.limit`.
  [[nodiscard]] absl::StatusOr<std::vector<WorkRequestRecord>> List(const RequestFilter& filter);

  // The chunks of a request that hold (or will hold) its results — every chunk except the
  // SPLIT ones, whose children replaced them — by first unique index.
  [[nodiscard]] absl::StatusOr<std::vector<ChunkRecord>> LeafChunks(std::int64_t request_id);

  // Marks a request CANCELLED (keeping what was computed) and its queued chunks with it.
  // FailedPrecondition when it already ended; NotFound when it does not exist.
  [[nodiscard]] absl::Status Cancel(std::int64_t id, const std::string& reason);

  // Ends a request as FAILED with `reason` and drops its queued chunks; a request that already
  // ended is left as it is (returns false).
  [[nodiscard]] absl::StatusOr<bool> Fail(std::int64_t id, const std::string& reason);

  // Sets the scheduling priority of a request and of its remaining chunks.
  [[nodiscard]] absl::Status SetPriority(std::int64_t id, int priority);

  // Deletes requests (with their chunks and cache staging) by id; returns how many.
  [[nodiscard]] absl::StatusOr<std::int64_t> Delete(const std::vector<std::int64_t>& ids);

  // Ids and uids of requests older than `before` (optionally only of one user kind), oldest
  // first, at most `limit`.
  struct Expired {
    std::int64_t id;
    std::string uid;
  };

  [[nodiscard]] absl::StatusOr<std::vector<Expired>> FindOlderThan(common::Micros before,
                                                                   const std::string& user_kind,
                                                                   int limit);

  // Ids and uids of every request of `user_id`.
  [[nodiscard]] absl::StatusOr<std::vector<Expired>> FindByUser(const std::string& user_id);

  // Records the final state of a request in `work_request_stats` (insert or update).
  [[nodiscard]] static absl::Status WriteStats(store::Transaction& tx,
                                               const WorkRequestRecord& request);

  // Reads a request row selected with `kRequestColumns`.
  static absl::StatusOr<WorkRequestRecord> FromRow(const store::Row& row);

  // The column list `FromRow` expects.
  static const char* const kRequestColumns;

private:
  store::Database& db_;
  const common::Clock& clock_;
};

}  // namespace hub::jobs
