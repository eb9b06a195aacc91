#include "hub/api/status_to_http.h"

#include "fmt/format.h"

#include "hub/common/log.h"
#include "hub/common/strings.h"

namespace hub::api {

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kFailedPrecondition:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

http::Response ErrorResponse(const absl::Status& status, const http::Request& request) {
  int code = HttpStatusFor(status.code());
  if (code == 500) {
    HUB_LOG(error, "request failed", {"route", request.route},
            {"error", common::ToString(status.ToString())});
    return http::Response::Error(500,
                                 fmt::format("internal error (request id {})", request.request_id));
  }
  if (code >= 500) {
    HUB_LOG(warn, "request could not be served", {"route", request.route},
            {"error", common::ToString(status.message())});
  }
  return http::Response::Error(code, common::ToString(status.message()));
}

}  // namespace hub::api
