#pragma once

// Kubernetes resource quantities ("100m", "1.5", "16331080Ki", "129M", "1e3", "250123456n"):
// a decimal number, an optional exponent and an optional binary (Ki..Ei) or decimal
// (n u m "" k M G T P E) suffix.
//
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hub::k8s {

// The quantity as a number of base units (cores for CPU, bytes for memory).
// `kInvalidArgument` for text that is not a quantity.
[[nodiscard]] absl::StatusOr<double> ParseQuantity(std::string_view text);

// CPU in millicores, rounded up as the API server does ("250m" → 250, "1" → 1000,
// "137803218n" → 138). `kInvalidArgument` for a malformed or negative quantity.
[[nodiscard]] absl::StatusOr<std::int64_t> ParseMillicores(std::string_view text);

// Memory in bytes, rounded up ("1523012Ki" → 1559564288). `kInvalidArgument` as above.
[[nodiscard]] absl::StatusOr<std::int64_t> ParseBytes(std::string_view text);

// Formats millicores as the API server does: "2" for 2000, "250m" otherwise.
std::string FormatMillicores(std::int64_t millicores);

// Formats MiB as "<n>Mi".
std::string FormatMebibytes(std::int64_t mebibytes);

}  // namespace hub::k8s
