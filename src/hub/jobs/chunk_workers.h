#pragma once

// The threads that take chunks off the durable queue, run them on model instances and commit
// their results (docs/decisions/jobs.md, steps 4–6). Every hub replica runs them; any replica
// can run any chunk. Before a chunk goes to the model, its inputs that intake left unchecked
// (intake.h) are checked; rejected ones get the intake's row error, never reach the model,
// and count as invalid rows of the request.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"

#include "hub/blob/blob_store.h"
#include "hub/common/clock.h"
#include "hub/common/thread_pool.h"
#include "hub/jobs/chunk_executor.h"
#include "hub/jobs/chunk_queue.h"
#include "hub/jobs/intake.h"
#include "hub/jobs/request_store.h"
#include "hub/jobs/result_cache.h"

namespace hub::jobs {

class JobsMetrics;

struct WorkerOptions {
  size_t threads = 4;
  // How often an idle worker looks for work queued by other replicas (a local submit wakes
  // the workers at once).
  std::chrono::milliseconds idle_poll{500};
  // Leases are extended every `lease_ttl / 3`.
  std::chrono::milliseconds lease_ttl{30'000};
  ExecOptions exec;
  // A request that has not started within this long after submission fails with the reason.
  std::chrono::milliseconds wait_timeout{30 * 60'000};
  // Transient failures of one chunk before it is split.
  int max_attempts = 3;
  std::chrono::milliseconds retry_backoff{1000};
  std::chrono::milliseconds max_backoff{60'000};
};

// How the workers check the inputs intake left unchecked: the intake's own `RowCheck`, so that
// a row rejected here has the reason intake would have given.
struct RowChecker {
  RowCheck check;
  // When set, a chunk's unchecked inputs are checked in parallel on it (and the worker's own
  // thread); else on the worker's thread alone. Not owned.
  common::ThreadPool* pool = nullptr;
};

// One line of a chunk input blob (intake.h): a distinct input and its unique index, whether
// intake left it unchecked, and the row error of the worker's check (empty: sent to the model).
struct ChunkLine {
  std::int64_t unique = 0;
  std::string input;
  bool unchecked = false;
  std::string error;
};

using ChunkLines = std::vector<ChunkLine>;

// The policy deciding whose work runs next: admin priority, then the small-request lane,
// then the user with the fewest running chunks, then the oldest request. Pure.
std::vector<QueueGroup> RankGroups(std::vector<QueueGroup> groups,
                                   const std::map<std::string, int>& running);

// Thread-safe. Collaborators must outlive it.
class ChunkWorkers final {
public:
  // REQUIRES: `checker.check` is set.
  ChunkWorkers(ChunkQueue& queue,
               RequestStore& requests,
               blob::BlobStore& blobs,
               ResultCache& cache,
               ChunkExecutor& executor,
               RowChecker checker,
               const common::Clock& clock,
               WorkerOptions options,
               JobsMetrics* metrics = nullptr);
  ~ChunkWorkers();

  ChunkWorkers(const ChunkWorkers&) = delete;
  ChunkWorkers& operator=(const ChunkWorkers&) = delete;

  void Start();

  // Stops taking chunks and waits up to `grace` for running ones to finish. Chunks still
  // running afterwards are returned to the queue when their model call ends (stop the
  // instance pool next so that it ends soon), and `Join` waits for that. Idempotent.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  // Waits for every worker thread to exit. REQUIRES: `Stop` was called.
  void Join();

  // Wakes idle workers (called when work was queued on this replica).
  void Wake();

  // Chunks this replica is running now.
  size_t Running() const;

private:
  struct Held;
  enum class Step { kIdle, kWorked };

  void WorkerLoop();
  void HeartbeatLoop();
  Step TryOnce();
  std::optional<ChunkLease> ClaimNext();
  void Process(const ChunkLease& lease);
  void CheckLines(ChunkLines& lines) const;
  void RunOnModel(const ChunkLease& lease,
                  const WorkRequestRecord& request,
                  const ChunkLines& lines,
                  const std::vector<std::string>& inputs);
  void OnSuccess(const ChunkLease& lease,
                 const WorkRequestRecord& request,
                 const ChunkLines& lines,
                 ExecResult& result);
  void OnFailure(const ChunkLease& lease,
                 const WorkRequestRecord& request,
                 const ChunkLines& lines,
                 const ExecResult& result);
  void FailRows(const ChunkLease& lease,
                const WorkRequestRecord& request,
                const ChunkLines& lines,
                const std::string& reason);
  void Retry(const ChunkLease& lease, const std::string& reason, bool count_attempt);
  void Hold(const ChunkLease& lease);
  void Unhold(const ChunkLease& lease);
  common::Micros Backoff(int attempts) const;

  ChunkQueue& queue_;
  RequestStore& requests_;
  blob::BlobStore& blobs_;
  ResultCache& cache_;
  ChunkExecutor& executor_;
  const RowChecker checker_;
  const common::Clock& clock_;
  WorkerOptions options_;
  JobsMetrics* metrics_;

  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::uint64_t wake_count_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::int64_t, ChunkLease> held_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
  std::thread heartbeat_;
  bool started_ = false;
};

}  // namespace hub::jobs
