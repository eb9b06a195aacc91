#include "hub/k8s/kube_client.h"

#include <cctype>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "fmt/format.h"

#include "hub/common/strings.h"

namespace hub::k8s {
namespace {

constexpr char kPayloadUrl[] = "type.googleapis.com/hub.k8s.ApiError";

absl::StatusCode CodeFor(int http_status, std::string_view reason) {
  switch (http_status) {
    case 400:
    case 415:
    case 422:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 409:
      return reason == "AlreadyExists" ? absl::StatusCode::kAlreadyExists
                                       : absl::StatusCode::kAborted;
    case 410:
      return absl::StatusCode::kOutOfRange;
    case 429:
      return absl::StatusCode::kResourceExhausted;
    case 504:
      return absl::StatusCode::kDeadlineExceeded;
    default:
      return http_status >= 500 ? absl::StatusCode::kUnavailable : absl::StatusCode::kUnknown;
  }
}

}  // namespace

std::string_view PatchContentType(PatchType type) {
  switch (type) {
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kStrategicMerge:
      return "application/strategic-merge-patch+json";
    case PatchType::kJson:
      return "application/json-patch+json";
  }
  return "application/merge-patch+json";
}

KubeRequest MakeRequest(http::Method method, std::string path, std::string body) {
  KubeRequest request;
  request.method = method;
  request.path = std::move(path);
  request.body = std::move(body);
  return request;
}

absl::Status ApiErrorStatus(int http_status, std::string_view body) {
  std::string reason;
  std::string message;
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.value("kind", "") == "Status") {
    reason = parsed.value("reason", "");
    message = parsed.value("message", "");
    if (parsed.contains("code") && parsed["code"].is_number_integer()) {
      http_status = parsed["code"].get<int>();
    }
  } else {
    message = std::string(body.substr(0, 200));
  }
  absl::Status status(CodeFor(http_status, reason),
                      fmt::format("kubernetes API {} {}: {}", http_status, reason, message));
  status.SetPayload(kPayloadUrl, absl::Cord(fmt::format("{} {}", http_status, reason)));
  return status;
}

std::optional<ApiError> GetApiError(const absl::Status& status) {
  auto payload = status.GetPayload(kPayloadUrl);
  if (!payload.has_value()) {
    return std::nullopt;
  }
  std::string text(*payload);
  size_t space = text.find(' ');
  ApiError error;
  error.code = std::atoi(text.substr(0, space).c_str());
  error.reason = space == std::string::npos ? "" : text.substr(space + 1);
  return error;
}

bool IsConflict(const absl::Status& status) {
  auto error = GetApiError(status);
  return error.has_value() && error->code == 409 && error->reason != "AlreadyExists";
}

bool IsExpired(const absl::Status& status) {
  auto error = GetApiError(status);
  return error.has_value() && error->code == 410;
}

std::string QueryEscape(std::string_view value) {
  std::string out;
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    bool plain = std::isalnum(byte) != 0 || c == '-' || c == '_' || c == '.' || c == '~';
    if (plain) {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned>(byte));
    }
  }
  return out;
}

absl::StatusOr<nlohmann::json> UpdateWithRetry(
    KubeClient& client,
    const std::string& path,
    const std::function<absl::Status(nlohmann::json&)>& mutate,
    int attempts) {
  absl::Status last = absl::AbortedError("no attempt made");
  for (int attempt = 0; attempt < attempts; ++attempt) {
    KubeRequest get;
    get.path = path;
    auto object = client.Call(get);
    if (!object.ok()) {
      return object.status();
    }
    absl::Status mutated = mutate(*object);
    if (!mutated.ok()) {
      return mutated;
    }
    KubeRequest put;
    put.method = http::Method::kPut;
    put.path = path;
    put.body = object->dump();
    auto stored = client.Call(put);
    if (stored.ok() || !IsConflict(stored.status())) {
      return stored;
    }
    last = stored.status();
  }
  return last;
}

}  // namespace hub::k8s
