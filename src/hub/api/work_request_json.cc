#include "hub/api/work_request_json.h"

#include <cmath>

#include "fmt/format.h"

#include "hub/common/settings.h"
#include "hub/common/strings.h"
#include "hub/common/time_format.h"

namespace hub::api {
namespace {

nlohmann::json OptionalTime(const std::optional<common::Micros>& t) {
  return t ? nlohmann::json(common::FormatTimestamp(*t)) : nlohmann::json(nullptr);
}

absl::StatusOr<bool> ParseBoolField(std::string_view name, std::string_view text) {
  auto value = common::ParseBoolSetting(text);
  if (!value.ok()) {
    return absl::InvalidArgumentError(fmt::format("{} must be true or false", name));
  }
  return *value;
}

}  // namespace

nlohmann::json ProgressJson(const jobs::WorkRequestRecord& r, common::Micros now) {
  std::int64_t finished = r.unique_finished();
  double percent = r.rows_unique > 0
                       ? 100.0 * static_cast<double>(finished) / static_cast<double>(r.rows_unique)
                       : 100.0;
  nlohmann::json eta = nullptr;
  std::int64_t computed = r.rows_done + r.rows_failed;
  if (!jobs::IsTerminal(r.status) && r.started_at && computed > 0) {
    double elapsed = static_cast<double>(now - *r.started_at) / 1e6;
    double rate = static_cast<double>(computed) / std::max(elapsed, 1e-3);
    eta = std::ceil(static_cast<double>(r.rows_unique - finished) / rate);
  } else if (jobs::IsTerminal(r.status)) {
    eta = 0;
  }
  return {{"rows_total", r.rows_total},
          {"rows_invalid", r.rows_invalid},
          {"molecules_total", r.rows_unique},
          {"molecules_done", r.rows_done + r.rows_cached},
          {"molecules_failed", r.rows_failed},
          {"molecules_cached", r.rows_cached},
          {"chunks_total", r.chunks_total},
          {"chunks_open", r.chunks_open},
          {"percent", std::round(percent * 10.0) / 10.0},
          {"eta_seconds", eta}};
}

nlohmann::ordered_json WorkRequestJson(const jobs::WorkRequestRecord& r,
                                       const std::vector<std::string>& entries,
                                       bool show_contents,
                                       common::Micros now) {
  nlohmann::ordered_json out;
  out["id"] = r.id;
  out["model_id"] = r.model_id;
  out["user_id"] = r.user_id;
  out["request_payload"] = {{"entries", show_contents ? entries : std::vector<std::string>()},
                            {"cache_opt_in", r.cache_opt_in},
                            {"has_header", r.has_header}};
  out["request_date"] = common::FormatTimestamp(r.request_date);
  out["metadata"] = {{"job_data", {{"model_version", r.model_version}}}};
  out["request_status"] = std::string(jobs::RequestStatusName(r.status));
  out["request_status_reason"] =
      r.status_reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.status_reason);
  out["model_job_id"] = nullptr;
  out["last_updated"] = common::FormatTimestamp(r.last_updated);
  out["result"] = nullptr;
  out["pod_ready_timestamp"] = nullptr;
  out["job_submission_timestamp"] = OptionalTime(r.started_at);
  out["processed_timestamp"] = OptionalTime(r.processed_at);
  out["input_size"] = r.rows_total;
  out["server_id"] = nullptr;
  out["priority"] = r.priority;
  out["progress"] = ProgressJson(r, now);
  auto columns = nlohmann::json::parse(r.columns.empty() ? "[]" : r.columns, nullptr, false);
  out["columns"] = columns.is_array() ? columns : nlohmann::json::array();
  auto metadata = nlohmann::json::parse(r.metadata, nullptr, false);
  if (metadata.is_object() && metadata.contains("intake")) {
    nlohmann::json intake = metadata["intake"];
    if (!show_contents) {
      intake.erase("rejected_examples");
    }
    out["intake"] = intake;
  }
  return out;
}

absl::Status ParseSubmitJson(const nlohmann::json& body, jobs::SubmitRequest& request) {
  if (!body.contains("model_id") || !body["model_id"].is_string() ||
      body["model_id"].get<std::string>().empty()) {
    return absl::InvalidArgumentError("model_id is required and must be a string");
  }
  request.model_id = body["model_id"].get<std::string>();
  if (!body.contains("request_payload") || !body["request_payload"].is_object()) {
    return absl::InvalidArgumentError(
        "request_payload is required: an object with `entries`, a list of SMILES strings");
  }
  const nlohmann::json& payload = body["request_payload"];
  if (!payload.contains("entries") || !payload["entries"].is_array()) {
    return absl::InvalidArgumentError("request_payload.entries must be a list of strings");
  }
  request.input.entries.reserve(payload["entries"].size());
  for (size_t i = 0; i < payload["entries"].size(); ++i) {
    const auto& entry = payload["entries"][i];
    if (!entry.is_string()) {
      return absl::InvalidArgumentError(
          fmt::format("request_payload.entries[{}] must be a string (a SMILES)", i));
    }
    request.input.entries.push_back(entry.get<std::string>());
  }
  if (payload.contains("has_header") && !payload["has_header"].is_null()) {
    if (!payload["has_header"].is_boolean()) {
      return absl::InvalidArgumentError("request_payload.has_header must be true or false");
    }
    request.input_options.has_header = payload["has_header"].get<bool>();
  }
  if (payload.contains("cache_opt_in") && !payload["cache_opt_in"].is_null()) {
    if (!payload["cache_opt_in"].is_boolean()) {
      return absl::InvalidArgumentError("request_payload.cache_opt_in must be true or false");
    }
    request.cache_opt_in = payload["cache_opt_in"].get<bool>();
  }
  nlohmann::json options = body.value("options", nlohmann::json::object());
  if (!options.is_object()) {
    return absl::InvalidArgumentError("options must be an object");
  }
  auto get = [&options](std::string_view name) -> std::optional<std::string> {
    std::string key(name);
    if (!options.contains(key) || options[key].is_null()) {
      return std::nullopt;
    }
    return options[key].is_string() ? options[key].get<std::string>() : options[key].dump();
  };
  std::string model_id = request.model_id;
  absl::Status applied = ApplySubmitFields(get, request);
  request.model_id = model_id;
  return applied;
}

absl::Status ApplySubmitFields(
    const std::function<std::optional<std::string>(std::string_view)>& get,
    jobs::SubmitRequest& request) {
  if (auto model = get("model_id")) {
    request.model_id = *model;
  }
  if (auto header = get("has_header"); header && !header->empty()) {
    auto value = ParseBoolField("has_header", *header);
    if (!value.ok()) {
      return value.status();
    }
    request.input_options.has_header = *value;
  }
  if (auto cache = get("cache_opt_in"); cache && !cache->empty()) {
    auto value = ParseBoolField("cache_opt_in", *cache);
    if (!value.ok()) {
      return value.status();
    }
    request.cache_opt_in = *value;
  }
  if (auto column = get("smiles_column")) {
    request.input_options.smiles_column = *column;
  }
  if (auto column = get("id_column")) {
    request.input_options.id_column = *column;
  }
  if (auto format = get("format")) {
    auto parsed = jobs::ParseInputFormat(*format);
    if (!parsed.ok()) {
      return parsed.status();
    }
    request.input_options.format = *parsed;
  }
  if (auto priority = get("priority")) {
    auto parsed = common::ParseIntSetting(*priority, -1000, 1000);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError("priority must be an integer in -1000..1000");
    }
    request.priority = static_cast<int>(*parsed);
  }
  return absl::OkStatus();
}

}  // namespace hub::api
