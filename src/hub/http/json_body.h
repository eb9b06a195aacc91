#pragma once

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

#include "hub/http/message.h"

namespace hub::http {

// Parses the request body as JSON. Returns InvalidArgument when the body is empty ("request
// body is empty; send a JSON object") or malformed, with the parser's position ("request body
// is not valid JSON: syntax error at line 1, column 9"). Content-Type is checked by the
// router (`JsonBody()` route options), not here.
absl::StatusOr<nlohmann::json> ParseJsonBody(const Request& request);

// Like `ParseJsonBody`, but also requires the top level to be an object.
absl::StatusOr<nlohmann::json> ParseJsonObject(const Request& request);

}  // namespace hub::http
