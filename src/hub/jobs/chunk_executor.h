#pragma once

// How the work-request engine runs one chunk on a model instance. The hub implements it over
// the runtime's instance pool (`PoolExecutor`); tests substitute their own.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace hub::jobs {

struct ExecOptions {
  // How long to wait for a ready instance (starting one if needed).
  std::chrono::milliseconds acquire_timeout{30'000};
  // How long the model may take once it has the chunk.
  std::chrono::milliseconds run_timeout{20 * 60'000};
  // Shown by the admin API as the instance's current work.
  std::string holder;
};

struct ExecResult {
  enum class Kind {
    kOk,
    kNoInstance,    // no instance became ready in time, or the model is backing off: retry later
    kModelRefused,  // the model is unknown, disabled or cannot run here: fail the request
    kBadRequest,    // the model refused the inputs (4xx): bisect, then fail the rows
    kTransient,     // overloaded or unreachable for a moment: retry
    kModelError,    // the model failed on the inputs (500): bisect
    kCrash,         // the instance died: retry smaller
    kOutOfMemory,   // the instance was killed for memory: retry smaller
    kTimeout,       // no answer in time: retry smaller
  };
  Kind kind = Kind::kOk;
  std::string message;
  // When kOk: one entry per input, the model's JSON object for it, or nullopt for a null row.
  std::vector<std::optional<std::string>> rows;
  // When kOk: why a row has no values, when the model said (else empty).
  std::vector<std::string> row_errors;
};

// Thread-safe.
class ChunkExecutor {
public:
  virtual ~ChunkExecutor() = default;

  // True when a chunk of `model_id` could get an instance now (a free one, or one can start).
  virtual bool CanRun(const std::string& model_id) = 0;

  // Runs `inputs` (REQUIRES: not empty) on an instance of `model_id`.
  virtual ExecResult Execute(const std::string& model_id,
                             const std::vector<std::string>& inputs,
                             const ExecOptions& options) = 0;
};

}  // namespace hub::jobs
