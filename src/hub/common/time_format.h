#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

#include "hub/common/clock.h"

namespace hub::common {

// Formats `t` as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, six fractional digits), the timestamp form
// of the upstream API.
std::string FormatTimestamp(Micros t);

// Parses an ISO-8601 UTC timestamp as clients send it: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS]`,
// optional fraction (any number of digits), optional `Z` or `+00:00`, and a space instead of
// `T`. Returns InvalidArgument naming the accepted forms on anything else, including offsets
// other than UTC.
absl::StatusOr<Micros> ParseTimestamp(std::string_view text);

}  // namespace hub::common
