#pragma once

// Small string helpers. Debian's abseil is built with its own `absl::string_view` (not
// `std::string_view`), so absl's string functions do not accept `std::string_view`; the
// project formats with `fmt::format` and uses these helpers instead.

#include <string>
#include <string_view>
#include <vector>

namespace hub::common {

// ASCII lower-case copy.
std::string ToLower(std::string_view text);

// `text` without leading and trailing ASCII whitespace (space, tab, CR, LF, FF, VT).
std::string_view Trim(std::string_view text);

// Splits on every `separator`; keeps empty pieces.
std::vector<std::string_view> Split(std::string_view text, char separator);

// Joins `parts` with `separator`.
std::string Join(const std::vector<std::string>& parts, std::string_view separator);

// Converts an absl::string_view-like value (anything with data() and size()) to std::string.
template <typename View>
std::string ToString(const View& view) {
  return std::string(view.data(), view.size());
}

}  // namespace hub::common
