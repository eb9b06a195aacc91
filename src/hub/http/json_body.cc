#include "hub/http/json_body.h"

#include "fmt/format.h"

namespace hub::http {

absl::StatusOr<nlohmann::json> ParseJsonBody(const Request& request) {
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return absl::InvalidArgumentError("request body is empty; send a JSON document");
  }
  nlohmann::json value = nlohmann::json::parse(request.body, nullptr, false);
  if (!value.is_discarded()) {
    return value;
  }
  // Parse again with exceptions only to get the position for the message.
  try {
    (void)nlohmann::json::parse(request.body);
  } catch (const nlohmann::json::parse_error& e) {
    // what() reads "[json.exception.parse_error.101] parse error at line 1, column 7: ...".
    std::string what = e.what();
    size_t bracket = what.find("] ");
    return absl::InvalidArgumentError(
        fmt::format("request body is not valid JSON: {}",
                    bracket == std::string::npos ? what : what.substr(bracket + 2)));
  }
  return absl::InvalidArgumentError("request body is not valid JSON");
}

absl::StatusOr<nlohmann::json> ParseJsonObject(const Request& request) {
  auto value = ParseJsonBody(request);
  if (value.ok() && !value->is_object()) {
    return absl::InvalidArgumentError("request body must be a JSON object");
  }
  return value;
}

}  // namespace hub::http
