#include "hub/runtime/model_client.h"

#include <cstring>
#include <thread>

#include "fmt/format.h"
#include "nlohmann/json.hpp"

#include "hub/common/log.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"

#include "simdjson.h"

namespace hub::runtime {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxDetailBytes = 300;

// The `detail` of an error answer, or the start of the body.
std::string Detail(std::string_view body) {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("detail") && parsed["detail"].is_string()) {
    body = parsed["detail"].get_ref<const std::string&>();
    return std::string(body.substr(0, kMaxDetailBytes));
  }
  return std::string(body.substr(0, kMaxDetailBytes));
}

std::chrono::milliseconds Remaining(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(left, std::chrono::milliseconds(1));
}

// Transport failures mean the instance is gone or broken; timeouts stay timeouts.
absl::Status TransportStatus(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kDeadlineExceeded) {
    return status;
  }
  return absl::AbortedError(
      fmt::format("model instance unreachable: {}", common::ToString(status.message())));
}

absl::Status SplitRows(simdjson::ondemand::array& array, std::vector<std::string_view>& rows) {
  for (auto element : array) {
    simdjson::ondemand::value value;
    if (element.get(value) != simdjson::SUCCESS) {
      return absl::DataLossError("model answer is not valid JSON");
    }
    simdjson::ondemand::json_type type;
    if (value.type().get(type) != simdjson::SUCCESS) {
      return absl::DataLossError("model answer is not valid JSON");
    }
    std::string_view text;
    simdjson::error_code error = simdjson::SUCCESS;
    if (type == simdjson::ondemand::json_type::null) {
      rows.emplace_back();
      continue;
    }
    if (type == simdjson::ondemand::json_type::object) {
      simdjson::ondemand::object object;
      error = value.get_object().get(object);
      error = error ? error : object.raw_json().get(text);
    } else if (type == simdjson::ondemand::json_type::array) {
      simdjson::ondemand::array inner;
      error = value.get_array().get(inner);
      error = error ? error : inner.raw_json().get(text);
    } else {
      text = common::Trim(value.raw_json_token());
    }
    if (error != simdjson::SUCCESS) {
      return absl::DataLossError("model answer is not valid JSON");
    }
    rows.push_back(text);
  }
  return absl::OkStatus();
}

}  // namespace

RunErrorKind RunErrorKindOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return RunErrorKind::kNone;
    case absl::StatusCode::kInvalidArgument:
      return RunErrorKind::kBadRequest;
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDataLoss:
      return RunErrorKind::kModelError;
    case absl::StatusCode::kAborted:
      return RunErrorKind::kCrash;
    case absl::StatusCode::kResourceExhausted:
      return RunErrorKind::kOutOfMemory;
    case absl::StatusCode::kDeadlineExceeded:
      return RunErrorKind::kTimeout;
    default:
      return RunErrorKind::kTransient;
  }
}

std::string_view RunErrorKindName(RunErrorKind kind) {
  switch (kind) {
    case RunErrorKind::kNone:
      return "NONE";
    case RunErrorKind::kBadRequest:
      return "BAD_REQUEST";
    case RunErrorKind::kTransient:
      return "TRANSIENT";
    case RunErrorKind::kModelError:
      return "MODEL_ERROR";
    case RunErrorKind::kCrash:
      return "CRASH";
    case RunErrorKind::kOutOfMemory:
      return "OUT_OF_MEMORY";
    case RunErrorKind::kTimeout:
      return "TIMEOUT";
  }
  return "UNKNOWN";
}

absl::Status StatusForModelAnswer(int http_status, std::string_view body) {
  std::string message = fmt::format("model answered {}: {}", http_status, Detail(body));
  switch (http_status) {
    case 408:
    case 429:
    case 502:
    case 503:
    case 504:
      return absl::UnavailableError(message);
    default:
      break;
  }
  if (http_status >= 400 && http_status < 500) {
    return absl::InvalidArgumentError(message);
  }
  return absl::InternalError(message);
}

absl::StatusOr<RunResult> RunResult::Parse(std::string body,
                                           size_t expected_rows,
                                           bool split_errors) {
  RunResult result;
  result.body_ = std::make_unique<std::string>(std::move(body));
  std::string& text = *result.body_;
  // Full validation first: on-demand parsing skips the insides of values it does not visit,
  // and the rows are passed on as they are, so they must be valid JSON (no NaN).
  text.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  thread_local simdjson::dom::parser validator;
  if (validator.parse(text.data(), text.size(), false).error() != simdjson::SUCCESS) {
    return absl::DataLossError("model answer is not valid JSON");
  }

  thread_local simdjson::ondemand::parser parser;
  simdjson::padded_string_view view(text.data(), text.size(), text.capacity());
  simdjson::ondemand::document doc;
  simdjson::ondemand::array array;
  if (parser.iterate(view).get(doc) != simdjson::SUCCESS ||
      doc.get_array().get(array) != simdjson::SUCCESS) {
    return absl::DataLossError("model answer is not a JSON array of records");
  }
  result.rows_.reserve(expected_rows);
  HUB_RETURN_IF_ERROR(SplitRows(array, result.rows_));
  if (result.rows_.size() != expected_rows) {
    return absl::InternalError(
        fmt::format("model answered {} rows for {} inputs", result.rows_.size(), expected_rows));
  }
  if (split_errors) {
    HUB_RETURN_IF_ERROR(result.SplitErrors());
  }
  return result;
}

absl::Status RunResult::SplitErrors() {
  constexpr std::string_view kKey = "\"_error\"";
  for (size_t i = 0; i < rows_.size(); ++i) {
    std::string_view row = rows_[i];
    if (row.size() < kKey.size() || row.front() != '{' ||
        memmem(row.data(), row.size(), kKey.data(), kKey.size()) == nullptr) {
      continue;
    }
    // Rare (only rows that failed): rewrite this row without the member.
    nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(row, nullptr, false);
    if (!parsed.is_object() || !parsed.contains("_error")) {
      continue;
    }
    if (errors_.empty()) {
      errors_.resize(rows_.size());
    }
    const auto& error = parsed["_error"];
    errors_[i] = error.is_string() ? error.get<std::string>() : error.dump();
    ++error_count_;
    parsed.erase("_error");
    rewritten_.push_back(parsed.dump());
    rows_[i] = rewritten_.back();
  }
  return absl::OkStatus();
}

std::string InputsToJson(const std::vector<std::string>& inputs) {
  return nlohmann::json(inputs).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

HttpModelClient::HttpModelClient(http::Client& client,
                                 ModelEndpoint endpoint,
                                 HttpModelClientOptions options)
    : client_(client), endpoint_(std::move(endpoint)), options_(options) {}

absl::StatusOr<http::ClientResponse> HttpModelClient::Send(http::Method method,
                                                           const std::string& path,
                                                           std::string body,
                                                           std::chrono::milliseconds timeout) {
  http::ClientRequest request;
  request.method = method;
  request.url = endpoint_.base_url + path;
  request.timeout = timeout;
  request.connect_timeout = std::min(timeout, std::chrono::milliseconds(5000));
  if (method == http::Method::kPost) {
    request.headers.Set("Content-Type", "application/json");
    request.body = std::move(body);
  }
  auto response = client_.Send(request);
  if (!response.ok()) {
    return TransportStatus(response.status());
  }
  return response;
}

absl::StatusOr<RunResult> HttpModelClient::Run(const std::vector<std::string>& inputs,
                                               const RunOptions& options) {
  std::string body = InputsToJson(inputs);
  if (endpoint_.mode == ExecutionMode::kAsync && !no_job_api_.load()) {
    return RunAsync(body, inputs.size(), options);
  }
  return RunSync(body, inputs.size(), options);
}

absl::StatusOr<RunResult> HttpModelClient::RunSync(const std::string& body,
                                                   size_t rows,
                                                   const RunOptions& options) {
  std::string path =
      options.row_errors ? "/run?orient=records&include_errors=true" : "/run?orient=records";
  HUB_ASSIGN_OR_RETURN(http::ClientResponse response,
                       Send(http::Method::kPost, path, body, options.timeout));
  if (response.status < 200 || response.status >= 300) {
    return StatusForModelAnswer(response.status, response.body);
  }
  return RunResult::Parse(std::move(response.body), rows, options.row_errors);
}

absl::StatusOr<RunResult> HttpModelClient::RunAsync(const std::string& body,
                                                    size_t rows,
                                                    const RunOptions& options) {
  Clock::time_point deadline = Clock::now() + options.timeout;
  std::string path = options.row_errors ? "/job/submit?orient=records&include_errors=true"
                                        : "/job/submit?orient=records";
  HUB_ASSIGN_OR_RETURN(http::ClientResponse submitted,
                       Send(http::Method::kPost, path, body,
                            std::min(options_.request_timeout, Remaining(deadline))));
  if (submitted.status == 404 || submitted.status == 405) {
    // Declared ASYNC but serves only `/run`: run it synchronously from now on.
    if (!no_job_api_.exchange(true)) {
      HUB_LOG(warn, "model has no job routes; running it through /run",
              {"base_url", endpoint_.base_url}, {"status", submitted.status});
    }
    return RunSync(body, rows, options);
  }
  if (submitted.status < 200 || submitted.status >= 300) {
    return StatusForModelAnswer(submitted.status, submitted.body);
  }
  auto answer = nlohmann::json::parse(submitted.body, nullptr, false);
  if (!answer.is_object() || !answer.contains("job_id") || !answer["job_id"].is_string()) {
    return absl::DataLossError("model answered /job/submit without a job_id");
  }
  HUB_ASSIGN_OR_RETURN(std::string result,
                       WaitForJob(answer["job_id"].get<std::string>(), deadline));
  return RunResult::Parse(std::move(result), rows, options.row_errors);
}

absl::StatusOr<std::string> HttpModelClient::WaitForJob(const std::string& job_id,
                                                        Clock::time_point deadline) {
  std::chrono::milliseconds wait = options_.first_poll;
  while (true) {
    HUB_ASSIGN_OR_RETURN(http::ClientResponse status,
                         Send(http::Method::kGet, "/job/status/" + job_id, "",
                              std::min(options_.request_timeout, Remaining(deadline))));
    if (status.status == 404) {
      return absl::AbortedError(fmt::format("model instance lost job {}", job_id));
    }
    if (status.status < 200 || status.status >= 300) {
      return StatusForModelAnswer(status.status, status.body);
    }
    auto parsed = nlohmann::json::parse(status.body, nullptr, false);
    std::string state = parsed.is_object() ? parsed.value("status", "") : "";
    if (state == "failed") {
      return absl::InternalError(fmt::format("model job {} failed", job_id));
    }
    if (state == "completed") {
      break;
    }
    if (Clock::now() + wait >= deadline) {
      return absl::DeadlineExceededError(
          fmt::format("model job {} did not finish in time", job_id));
    }
    std::this_thread::sleep_for(wait);
    wait = std::min(wait * 2, options_.max_poll);
  }
  HUB_ASSIGN_OR_RETURN(http::ClientResponse result,
                       Send(http::Method::kGet, "/job/result/" + job_id, "", Remaining(deadline)));
  if (result.status < 200 || result.status >= 300) {
    return StatusForModelAnswer(result.status, result.body);
  }
  return std::move(result.body);
}

absl::Status HttpModelClient::CheckHealth(std::chrono::milliseconds timeout) {
  HUB_ASSIGN_OR_RETURN(http::ClientResponse response,
                       Send(http::Method::kGet, "/healthz", "", timeout));
  if (response.status < 200 || response.status >= 300) {
    return absl::UnavailableError(fmt::format("/healthz answered {}", response.status));
  }
  return absl::OkStatus();
}

}  // namespace hub::runtime
