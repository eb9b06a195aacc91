#pragma once

// The Kubernetes API as the hub sees it: JSON requests on API paths, and watch streams.
// `HttpKubeClient` is the implementation over libcurl; tests may substitute their own.
//
// Errors. A non-2xx answer becomes an `absl::Status` built from the API's `Status` object
// (`ApiErrorStatus`), with the HTTP code and `reason` kept as a payload (`GetApiError`), so
// callers branch on code and reason, never on the message:
//   400/415/422 → kInvalidArgument, 401 → kUnauthenticated, 403 → kPermissionDenied,
//   404 → kNotFound, 409 AlreadyExists → kAlreadyExists, 409 Conflict → kAborted,
//   410 Expired/Gone → kOutOfRange, 429 → kResourceExhausted, 504 → kDeadlineExceeded,
//   other 5xx → kUnavailable.
// Transport failures are kUnavailable (refused, reset) or kDeadlineExceeded (timeout).
//
// Thread-safety: implementations are thread-safe.

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

#include "hub/http/message.h"

namespace hub::k8s {

// PATCH flavours; custom resources (Cluster API, Karpenter) reject strategic merge (415).
enum class PatchType {
  kMerge,           // application/merge-patch+json (RFC 7386)
  kStrategicMerge,  // application/strategic-merge-patch+json (built-in kinds only)
  kJson,            // application/json-patch+json (RFC 6902)
};

// The Content-Type of `type`.
std::string_view PatchContentType(PatchType type);

struct KubeRequest {
  http::Method method = http::Method::kGet;
  // Absolute API path with its query: "/api/v1/namespaces/eos/pods?labelSelector=...".
  std::string path;
  // JSON text; empty for none.
  std::string body;
  // Empty: "application/json" when there is a body.
  std::string content_type;
  std::chrono::milliseconds timeout{30'000};
};

// A request with a JSON body (or none) and the default timeout.
KubeRequest MakeRequest(http::Method method, std::string path, std::string body = "");

// One event of a watch stream. `type` is ADDED, MODIFIED, DELETED or BOOKMARK (ERROR events
// end the watch with their status instead of being delivered).
// bugprone-exception-escape: the implicit noexcept members reach nlohmann::json's destructor,
// whose only throw is std::bad_alloc from its iterative free; terminating then is what any
// allocation failure in the watch path would do anyway.
// NOLINTNEXTLINE(bugprone-exception-escape)
struct WatchEvent {
  std::string type;
  nlohmann::json object;
};

struct WatchOptions {
  // The collection path and query, without `watch=true` (added by the client).
  std::string path;
  // The stream is abandoned (kDeadlineExceeded) when no byte arrives for this long.
  std::chrono::milliseconds idle_timeout{360'000};
  // When set and true, the watch ends with kCancelled within about a second.
  const std::atomic<bool>* cancel = nullptr;
};

// The code and reason of a failed API call.
struct ApiError {
  int code = 0;        // HTTP status; 0 for a transport failure
  std::string reason;  // "NotFound", "Conflict", "Expired", "TooManyRequests", ...
};

class KubeClient {
public:
  virtual ~KubeClient() = default;

  // Sends `request`. Returns the parsed JSON body of a 2xx answer (null when empty), or the
  // error described in the file comment. kDataLoss when a 2xx body is not JSON.
  [[nodiscard]] virtual absl::StatusOr<nlohmann::json> Call(const KubeRequest& request) = 0;

  // GETs `path` and returns the body as text (pod logs, Prometheus metrics). Errors as `Call`.
  [[nodiscard]] virtual absl::StatusOr<std::string> GetText(const std::string& path) = 0;

  // Streams a watch, calling `on_event` for each complete event in order; returning false
  // from it ends the watch with kCancelled. Returns OK when the server ends the stream
  // cleanly (its timeoutSeconds); kOutOfRange (code 410) when the resourceVersion expired,
  // whether as HTTP 410 or as an ERROR event; kUnavailable "stream cut mid-event" when the
  // connection ends inside an event; kDataLoss for an event that is not JSON; other errors as
  // `Call`.
  [[nodiscard]] virtual absl::Status Watch(const WatchOptions& options,
                                           const std::function<bool(WatchEvent&&)>& on_event) = 0;
};

// The status for a non-2xx answer with `body` (a `Status` object, or anything else).
absl::Status ApiErrorStatus(int http_status, std::string_view body);

// The API error carried by `status`; nullopt when it did not come from an API answer.
std::optional<ApiError> GetApiError(const absl::Status& status);

// True for 409 Conflict (stale resourceVersion): re-read, re-apply, retry.
bool IsConflict(const absl::Status& status);

// True for 410 (Expired or Gone): relist.
bool IsExpired(const absl::Status& status);

// Percent-encodes a query value (label and field selectors).
std::string QueryEscape(std::string_view value);

// GETs `path`, applies `mutate` to the object and PUTs it back, retrying from the GET on
// 409 Conflict up to `attempts` times. `mutate` returning an error aborts with it. Returns
// the stored object.
[[nodiscard]] absl::StatusOr<nlohmann::json> UpdateWithRetry(
    KubeClient& client,
    const std::string& path,
    const std::function<absl::Status(nlohmann::json&)>& mutate,
    int attempts = 5);

}  // namespace hub::k8s
