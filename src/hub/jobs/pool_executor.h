#pragma once

// The work-request engine's view of the runtime: `PoolExecutor` runs chunks on instances of
// the instance pool, and `RegistryModelFacts` answers what the engine asks about a model from
// the model registry. Both are thin adapters; the policies live in `ChunkWorkers` (what to do
// with each outcome) and `InstancePool` (how many instances, where).
//
// Outcome mapping of `PoolExecutor::Execute`:
//   Acquire kNotFound / kFailedPrecondition   -> kModelRefused (unknown, disabled, too large)
//   Acquire kUnavailable / kDeadlineExceeded  -> kNoInstance   (backing off, no capacity)
//   Run errors                                -> the `RunErrorKind` of the status
// The lease is released with the run's outcome, so a crashed or timed-out instance is
// stopped and replaced by the pool.
//
// Thread-safety: both are thread-safe (the pool and the registry are).

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

#include "hub/common/clock.h"
#include "hub/jobs/chunk_executor.h"
#include "hub/jobs/work_request_service.h"
#include "hub/runtime/instance_pool.h"
#include "hub/runtime/model_lookup.h"

namespace hub::jobs {

class PoolExecutor final : public ChunkExecutor {
public:
  // `pool` and `clock` must outlive the executor.
  PoolExecutor(runtime::InstancePool& pool, const common::Clock& clock)
      : pool_(pool), clock_(clock) {}

  // True when the pool has a free instance of the model or may start one now.
  bool CanRun(const std::string& model_id) override;

  ExecResult Execute(const std::string& model_id,
                     const std::vector<std::string>& inputs,
                     const ExecOptions& options) override;

private:
  runtime::InstancePool& pool_;
  const common::Clock& clock_;
};

// The kind of `ExecResult` a failed `InstancePool::Acquire` stands for.
ExecResult::Kind AcquireFailureKind(const absl::Status& status);

// The kind of `ExecResult` a `RunErrorKind` stands for.
ExecResult::Kind RunFailureKind(runtime::RunErrorKind kind);

class RegistryModelFacts final : public ModelFactsSource {
public:
  // `models` must outlive this object.
  explicit RegistryModelFacts(const runtime::ModelLookup& models) : models_(models) {}

  // The model's state from the registry; `version` is its image tag (the cache key changes
  // when the model's image does), `columns` the built-in model's output width when known.
  absl::StatusOr<ModelFacts> Facts(const std::string& model_id) override;

private:
  int BuiltinColumns(const std::string& model_id);

  const runtime::ModelLookup& models_;
  absl::Mutex mu_;
  std::map<std::string, int> columns_ ABSL_GUARDED_BY(mu_);  // built-in model -> width
};

}  // namespace hub::jobs
