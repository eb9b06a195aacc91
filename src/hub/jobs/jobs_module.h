#pragma once

// Everything the work-request engine is made of, built and wired in one place for the
// composition root: result storage, the request store, the durable chunk queue, the result
// cache, the validation threads, the service the API calls, this replica's chunk workers
// (running chunks on the runtime's instance pool) and the retention job.
//
// Order: construct, `Open` (result storage), `Start` (workers, retention), serve, then on
// shutdown `StopWorkers` (no new chunks; running ones get a grace period), stop the runtime
// (ends model calls still running), `Join`.
//
// Thread-safety: `Open`, `Start`, `StopWorkers` and `Join` from one thread; the accessors'
// objects are thread-safe.

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "hub/blob/blob_store.h"
#include "hub/common/clock.h"
#include "hub/common/thread_pool.h"
#include "hub/jobs/chunk_queue.h"
#include "hub/jobs/chunk_workers.h"
#include "hub/jobs/jobs_metrics.h"
#include "hub/jobs/pool_executor.h"
#include "hub/jobs/request_store.h"
#include "hub/jobs/result_cache.h"
#include "hub/jobs/retention.h"
#include "hub/jobs/work_request_service.h"
#include "hub/runtime/model_result_cache.h"
#include "hub/runtime/runtime_module.h"
#include "hub/store/database.h"

namespace hub::metrics {
class Registry;
}  // namespace hub::metrics

namespace hub::jobs {

struct JobsOptions {
  // Directory of input and result files.
  std::string results_dir = "./var/results";
  ServiceOptions service;
  WorkerOptions workers;
  RetentionOptions retention;
  // Threads that validate molecules at intake and in the chunk workers; 0: one per core.
  size_t validator_threads = 0;
  // Whether this replica runs chunks and retention (false: API only).
  bool run_workers = true;
};

class JobsModule final {
public:
  // `db`, `clock`, `runtime` and `metrics` (may be null) must outlive the module. `replica`
  // names this process in chunk leases; it must differ between running replicas.
  JobsModule(store::Database& db,
             const common::Clock& clock,
             runtime::RuntimeModule& runtime,
             metrics::Registry* metrics,
             std::string replica,
             JobsOptions options);
  ~JobsModule();

  JobsModule(const JobsModule&) = delete;
  JobsModule& operator=(const JobsModule&) = delete;

  // Opens result storage and builds the service. Errors: the directory cannot be created.
  [[nodiscard]] absl::Status Open();

  // Starts the chunk workers and the retention job (when `run_workers`).
  void Start();

  // Stops taking chunks and waits up to `grace` for running ones. Idempotent.
  void StopWorkers(std::chrono::milliseconds grace);

  // Waits for the workers to exit and stops retention. REQUIRES: `StopWorkers` was called.
  void Join();

  WorkRequestService& service() { return *service_; }

  ResultCache& cache() { return *cache_; }

  Retention& retention() { return *retention_; }

  // Deletes every request of `user_id` with its files; returns how many.
  [[nodiscard]] absl::StatusOr<std::int64_t> ClearUserData(const std::string& user_id);

  // Deletes the cached rows `user_id` contributed; returns how many.
  [[nodiscard]] absl::StatusOr<std::int64_t> ClearUserContributions(const std::string& user_id);

private:
  // `DELETE /api/models/{id}/cache` reaches the cache through this.
  class ModelCacheClearer;

  store::Database& db_;
  const common::Clock& clock_;
  runtime::RuntimeModule& runtime_;
  metrics::Registry* registry_;
  const std::string replica_;
  const JobsOptions options_;

  std::unique_ptr<blob::BlobStore> blobs_;
  std::unique_ptr<JobsMetrics> metrics_;
  std::unique_ptr<RequestStore> requests_;
  std::unique_ptr<ChunkQueue> queue_;
  std::unique_ptr<ResultCache> cache_;
  std::unique_ptr<common::ThreadPool> validators_;
  std::unique_ptr<RegistryModelFacts> facts_;
  std::unique_ptr<WorkRequestService> service_;
  std::unique_ptr<PoolExecutor> executor_;
  std::unique_ptr<ChunkWorkers> workers_;
  std::unique_ptr<Retention> retention_;
  std::unique_ptr<ModelCacheClearer> cache_clearer_;
  bool started_ = false;
};

}  // namespace hub::jobs
