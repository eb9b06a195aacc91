#include "hub/jobs/pool_executor.h"

#include <chrono>
#include <utility>

#include "hub/models/metadata.h"
#include "hub/models/registry.h"

namespace hub::jobs {

using runtime::RunErrorKind;

ExecResult::Kind AcquireFailureKind(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
      return ExecResult::Kind::kModelRefused;
    default:
      return ExecResult::Kind::kNoInstance;
  }
}

ExecResult::Kind RunFailureKind(RunErrorKind kind) {
  switch (kind) {
    case RunErrorKind::kNone:
      return ExecResult::Kind::kOk;
    case RunErrorKind::kBadRequest:
      return ExecResult::Kind::kBadRequest;
    case RunErrorKind::kTransient:
      return ExecResult::Kind::kTransient;
    case RunErrorKind::kModelError:
      return ExecResult::Kind::kModelError;
    case RunErrorKind::kCrash:
      return ExecResult::Kind::kCrash;
    case RunErrorKind::kOutOfMemory:
      return ExecResult::Kind::kOutOfMemory;
    case RunErrorKind::kTimeout:
      return ExecResult::Kind::kTimeout;
  }
  return ExecResult::Kind::kModelError;
}

bool PoolExecutor::CanRun(const std::string& model_id) {
  runtime::Admission admission = pool_.Admit(model_id);
  // A refused model is "runnable" so that a worker takes its chunk and fails the request
  // with the reason, instead of the request waiting until its wait timeout.
  return admission == runtime::Admission::kReadyNow || admission == runtime::Admission::kCanStart ||
         admission == runtime::Admission::kRefused;
}

ExecResult PoolExecutor::Execute(const std::string& model_id,
                                 const std::vector<std::string>& inputs,
                                 const ExecOptions& options) {
  ExecResult result;
  common::Micros deadline =
      clock_.NowMicros() +
      std::chrono::duration_cast<std::chrono::microseconds>(options.acquire_timeout).count();
  absl::StatusOr<runtime::InstanceLease> lease =
      pool_.Acquire(model_id, deadline, {.holder = options.holder});
  if (!lease.ok()) {
    result.kind = AcquireFailureKind(lease.status());
    result.message = std::string{lease.status().message()};
    return result;
  }

  runtime::RunOptions run;
  run.timeout = options.run_timeout;
  run.row_errors = true;
  absl::StatusOr<runtime::RunResult> answer = lease->Run(inputs, run);
  RunErrorKind outcome = lease->last_outcome();
  if (!answer.ok()) {
    result.kind = RunFailureKind(runtime::RunErrorKindOf(answer.status()));
    result.message = std::string{answer.status().message()};
  } else {
    result.rows.reserve(answer->size());
    result.row_errors.reserve(answer->size());
    for (size_t i = 0; i < answer->size(); ++i) {
      std::optional<std::string_view> row = answer->row(i);
      result.rows.push_back(row ? std::optional<std::string>(std::string(*row)) : std::nullopt);
      result.row_errors.emplace_back(answer->row_error(i));
    }
  }
  pool_.Release(std::move(*lease), outcome);
  return result;
}

absl::StatusOr<ModelFacts> RegistryModelFacts::Facts(const std::string& model_id) {
  absl::StatusOr<runtime::ModelRecord> record = models_.FindModel(model_id);
  if (!record.ok()) {
    return record.status();
  }
  ModelFacts facts;
  facts.enabled = record->enabled;
  facts.version = record->details.image_tag;
  facts.cache_enabled = record->details.cache_enabled;
  facts.columns = BuiltinColumns(model_id);
  return facts;
}

int RegistryModelFacts::BuiltinColumns(const std::string& model_id) {
  absl::MutexLock lock(&mu_);
  auto found = columns_.find(model_id);
  if (found != columns_.end()) {
    return found->second;
  }
  int columns = 0;  // unknown: models that are not built in, or whose card does not load
  if (models::FindBuiltinModel(model_id) != nullptr) {
    absl::StatusOr<models::ModelInfo> info = models::LoadModelInfo(model_id, "");
    if (info.ok()) {
      columns = static_cast<int>(info->columns.size());
    }
  }
  columns_[model_id] = columns;
  return columns;
}

}  // namespace hub::jobs
