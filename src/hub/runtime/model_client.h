#pragma once

// The client side of the Ersilia model-container protocol (../shared/reference/
// ersilia-models.md §1): what the hub sends to one model instance and how it reads the answer.
//
// `Run` posts a JSON array of inputs to `/run?orient=records` (SYNC models) or submits it to
// `/job/submit` and polls `/job/status/{id}` until `/job/result/{id}` has it (ASYNC models;
// a server without the job routes — 404 or 405 on `/job/submit` — is then run through `/run`),
// and returns one entry per input: the row's JSON object text exactly as the model sent it
// (split out of the records array with simdjson, never re-serialized), or null.
//
// Errors are classified by status code, so the caller can tell what to do (`RunErrorKindOf`):
//   kInvalidArgument    the model rejected the request (4xx): retrying cannot help;
//   kUnavailable        transient (429, 502-504, overloaded): retry, possibly elsewhere;
//   kInternal           the model failed on this input (500, `failed` job) or answered rows
//                       that do not match the inputs: bisect to find the bad rows;
//   kDataLoss           the answer is not valid JSON of the records shape: as kInternal;
//   kAborted            the instance broke (connection refused or reset, job lost): it is
//                       replaced; retry;
//   kResourceExhausted  the instance was killed for memory: retry with smaller chunks;
//   kDeadlineExceeded   no answer within the timeout.
//
// Thread-safety: `HttpModelClient` is thread-safe; `RunResult` is a value type.

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "hub/http/client.h"
#include "hub/runtime/model_record.h"

namespace hub::runtime {

// What the caller of `Run` should do about a failure.
enum class RunErrorKind {
  kNone,         // OK
  kBadRequest,   // fail the rows
  kTransient,    // retry
  kModelError,   // bisect
  kCrash,        // the instance is replaced; retry
  kOutOfMemory,  // retry with smaller chunks
  kTimeout,      // retry elsewhere; the instance is stopped
};

// The kind a `Run` status stands for (see the file comment); kNone for OK.
RunErrorKind RunErrorKindOf(const absl::Status& status);

// "NONE", "BAD_REQUEST", "TRANSIENT", "MODEL_ERROR", "CRASH", "OUT_OF_MEMORY", "TIMEOUT".
std::string_view RunErrorKindName(RunErrorKind kind);

// The status `Run` reports for an HTTP answer that is not 2xx (`body` gives the detail).
absl::Status StatusForModelAnswer(int http_status, std::string_view body);

// The rows of one answer. Row texts point into the answer body, which the result owns.
class RunResult final {
public:
  RunResult() = default;

  // Number of rows (= inputs).
  size_t size() const { return rows_.size(); }

  // Row `i` as JSON text (usually an object), or nullopt when the model answered null.
  std::optional<std::string_view> row(size_t i) const {
    return rows_[i].data() == nullptr ? std::nullopt : std::optional<std::string_view>(rows_[i]);
  }

  // Why row `i` has no values, when the model said so (built-in servers asked with
  // `RunOptions::row_errors`); empty otherwise.
  std::string_view row_error(size_t i) const {
    return i < errors_.size() ? std::string_view{errors_[i]} : std::string_view();
  }

  // Number of rows with a `row_error`.
  size_t error_count() const { return error_count_; }

  // Size of the answer body in bytes.
  size_t body_bytes() const { return body_ == nullptr ? 0 : body_->size(); }

  // Parses a records answer: a JSON array with `expected_rows` elements, each an object or
  // null (other JSON values are kept as their text). With `split_errors`, an `_error` member
  // is taken out of its row into `row_error`. Errors: kDataLoss when the body is not valid
  // JSON or not an array; kInternal when the row count differs.
  [[nodiscard]] static absl::StatusOr<RunResult> Parse(std::string body,
                                                       size_t expected_rows,
                                                       bool split_errors);

private:
  absl::Status SplitErrors();

  std::unique_ptr<std::string> body_;
  std::vector<std::string_view> rows_;
  std::deque<std::string> rewritten_;
  std::vector<std::string> errors_;
  size_t error_count_ = 0;
};

struct RunOptions {
  // The whole call, including ASYNC polling.
  std::chrono::milliseconds timeout{20 * 60 * 1000};
  // Ask for per-row error reasons (`include_errors=true`, understood by `ersilia-hub
  // model-server`; other servers ignore it) and split them out of the rows.
  bool row_errors = false;
};

// A model-protocol client bound to one instance.
class ModelClient {
public:
  virtual ~ModelClient() = default;

  // Computes `inputs` (REQUIRES: not empty). Errors: see the file comment.
  [[nodiscard]] virtual absl::StatusOr<RunResult> Run(const std::vector<std::string>& inputs,
                                                      const RunOptions& options) = 0;

  // OK when `GET /healthz` answers 2xx within `timeout`.
  [[nodiscard]] virtual absl::Status CheckHealth(std::chrono::milliseconds timeout) = 0;
};

// Where one instance serves, and how to call it.
struct ModelEndpoint {
  std::string model_id;
  std::string base_url;  // "http://127.0.0.1:41234", no trailing slash
  ExecutionMode mode = ExecutionMode::kSync;
};

struct HttpModelClientOptions {
  // ASYNC polling: the first wait, doubled up to `max_poll`.
  std::chrono::milliseconds first_poll{20};
  std::chrono::milliseconds max_poll{2000};
  // Limit of each single request of the ASYNC exchange (submit, status, result).
  std::chrono::milliseconds request_timeout{30'000};
};

class HttpModelClient final : public ModelClient {
public:
  // `client` must outlive this object.
  HttpModelClient(http::Client& client,
                  ModelEndpoint endpoint,
                  HttpModelClientOptions options = {});

  absl::StatusOr<RunResult> Run(const std::vector<std::string>& inputs,
                                const RunOptions& options) override;
  absl::Status CheckHealth(std::chrono::milliseconds timeout) override;

private:
  absl::StatusOr<RunResult> RunSync(const std::string& body,
                                    size_t rows,
                                    const RunOptions& options);
  absl::StatusOr<RunResult> RunAsync(const std::string& body,
                                     size_t rows,
                                     const RunOptions& options);
  absl::StatusOr<std::string> WaitForJob(const std::string& job_id,
                                         std::chrono::steady_clock::time_point deadline);
  absl::StatusOr<http::ClientResponse> Send(http::Method method,
                                            const std::string& path,
                                            std::string body,
                                            std::chrono::milliseconds timeout);

  http::Client& client_;
  const ModelEndpoint endpoint_;
  const HttpModelClientOptions options_;
  std::atomic<bool> no_job_api_{false};  // `/job/submit` answered 404/405 once
};

// The JSON array of `inputs` as text.
std::string InputsToJson(const std::vector<std::string>& inputs);

}  // namespace hub::runtime
