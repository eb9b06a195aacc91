#pragma once

#include "absl/status/status.h"

#include "hub/http/message.h"

namespace hub::api {

// The one mapping from `absl::StatusCode` to HTTP status (STYLE rule 21):
// InvalidArgument 400, Unauthenticated 401, PermissionDenied 403, NotFound 404,
// AlreadyExists/Aborted 409, FailedPrecondition 409, OutOfRange 400, ResourceExhausted 429,
// Unavailable 503, DeadlineExceeded 504, anything else 500.
int HttpStatusFor(absl::StatusCode code);

// An error response for `status` (REQUIRES: not OK). Client errors carry the status message
// as `detail`; server errors (5xx other than 503/504) are logged and answered with a generic
// detail naming the request id, so internals never reach the client.
http::Response ErrorResponse(const absl::Status& status, const http::Request& request);

}  // namespace hub::api
