#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace hub::common {

// Converts a YAML document to JSON. Plain scalars become booleans, null, integers or numbers
// when they read as such (YAML 1.2 core schema); quoted scalars stay strings.
// Returns InvalidArgument with the parser's message for malformed YAML.
absl::StatusOr<nlohmann::json> YamlToJson(std::string_view yaml);

}  // namespace hub::common
