#pragma once

// The durable chunk queue: leases with an owner, a token and an expiry, so any replica can run
// any chunk, a dead replica's chunks run again elsewhere, and each chunk's result is committed
// exactly once (see docs/decisions/jobs.md).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "hub/common/clock.h"
#include "hub/jobs/work_request.h"
#include "hub/store/database.h"

namespace hub::jobs {

// A chunk this replica holds.
struct ChunkLease {
  std::int64_t chunk_id = 0;
  std::int64_t request_id = 0;
  std::string model_id;
  std::string user_id;
  int seq = 0;
  std::int64_t first_unique = 0;
  std::string input_key;
  int line_begin = 0;
  int line_end = 0;
  int attempts = 0;  // including this one
  int priority = 0;
  int lane = 1;
  std::string token;

  int lines() const { return line_end - line_begin; }
};

// Claimable work of one user (for the scheduler).
struct QueueGroup {
  std::string user_id;
  int priority = 0;
  int lane = 1;
  std::int64_t oldest_request = 0;
  std::int64_t chunks = 0;
};

// What a finished chunk produced.
struct ChunkOutcome {
  std::string result_key;
  int rows_done = 0;    // distinct inputs computed
  int rows_failed = 0;  // distinct inputs with a row error
  // Distinct inputs the chunk's own check rejected (intake left them unchecked): they move
  // from the request's distinct inputs to its invalid rows, as if intake had rejected them.
  int rows_invalid = 0;
  std::string columns;  // JSON array of column names (recorded by the first chunk)
  std::string last_error;
};

// What committing a chunk did.
struct Completion {
  bool committed = false;         // false: the lease was lost; discard the result
  bool request_finished = false;  // this chunk was the request's last
  WorkRequestRecord request;      // the request after the update (when committed)
};

// Thread-safe. `owner` names this replica in leases.
class ChunkQueue final {
public:
  ChunkQueue(store::Database& db,
             const common::Clock& clock,
             std::string owner,
             std::chrono::milliseconds lease_ttl)
      : db_(db), clock_(clock), owner_(std::move(owner)), lease_ttl_(lease_ttl) {}

  // Claimable chunks (queued and due, or leased with an expired lease) of `models`, grouped
  // by user. Empty `models` means none.
  [[nodiscard]] absl::StatusOr<std::vector<QueueGroup>> Groups(
      const std::vector<std::string>& models);

  // Models that have claimable chunks.
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> ClaimableModels();

  // Chunks running under a live lease, by user.
  [[nodiscard]] absl::StatusOr<std::map<std::string, int>> Running();

  // Leases the best claimable chunk of `user_id` among `models` (highest priority, small lane,
  // oldest request, lowest sequence); nullopt when another replica took it first. Moves its
  // request from QUEUED to SCHEDULING.
  [[nodiscard]] absl::StatusOr<std::optional<ChunkLease>> Claim(
      const std::string& user_id, const std::vector<std::string>& models);

  // Extends live leases; returns the ids of chunks whose lease was lost.
  [[nodiscard]] absl::StatusOr<std::vector<std::int64_t>> Extend(
      const std::vector<ChunkLease>& leases);

  // Marks the request PROCESSING (it is running on an instance).
  [[nodiscard]] absl::Status MarkProcessing(const ChunkLease& lease);

  // Commits a computed chunk and updates its request's counters in one transaction; the
  // request completes when this was its last open chunk (FAILED when nothing could be
  // computed). A lost lease commits nothing, so each row's result is counted once.
  [[nodiscard]] absl::StatusOr<Completion> Complete(const ChunkLease& lease,
                                                    const ChunkOutcome& outcome);

  // Returns the chunk to the queue, due at `not_before`. `count_attempt` false gives the
  // attempt back (the chunk never reached a model). False when the lease was lost.
  [[nodiscard]] absl::StatusOr<bool> Requeue(const ChunkLease& lease,
                                             const std::string& error,
                                             common::Micros not_before,
                                             bool count_attempt);

  // Replaces the chunk by two children over [line_begin, mid) and [mid, line_end);
  // `second_first_unique` is the unique index on line `mid`. False when the lease was lost.
  [[nodiscard]] absl::StatusOr<bool> Split(const ChunkLease& lease,
                                           int mid,
                                           std::int64_t second_first_unique,
                                           const std::string& error);

  // Drops a chunk whose request ended (cancelled or failed) while it was queued.
  [[nodiscard]] absl::Status Drop(const ChunkLease& lease);

  const std::string& owner() const { return owner_; }

private:
  absl::Status Finish(store::Transaction& tx,
                      WorkRequestRecord& request,
                      const std::string& last_error);

  store::Database& db_;
  const common::Clock& clock_;
  std::string owner_;
  std::chrono::milliseconds lease_ttl_;
};

}  // namespace hub::jobs
