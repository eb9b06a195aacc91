#include "hub/k8s/quantity.h"

#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>

#include "fmt/format.h"

namespace hub::k8s {
namespace {

constexpr std::pair<std::string_view, double> kSuffixes[] = {
    {"Ki", 1024.0},
    {"Mi", 1024.0 * 1024},
    {"Gi", 1024.0 * 1024 * 1024},
    {"Ti", 1024.0 * 1024 * 1024 * 1024},
    {"Pi", 1024.0 * 1024 * 1024 * 1024 * 1024},
    {"Ei", 1024.0 * 1024 * 1024 * 1024 * 1024 * 1024},
    {"n", 1e-9},
    {"u", 1e-6},
    {"m", 1e-3},
    {"k", 1e3},
    {"M", 1e6},
    {"G", 1e9},
    {"T", 1e12},
    {"P", 1e15},
    {"E", 1e18},
};

bool IsNumberChar(char c) {
  return (c >= '0' && c <= '9') || c == '.' || c == '+' || c == '-';
}

// Length of the numeric part, exponent included ("1e3" but not the "E" of "1E").
size_t NumberLength(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && IsNumberChar(text[i])) {
    ++i;
  }
  bool exponent = i + 1 < text.size() && (text[i] == 'e' || text[i] == 'E') &&
                  (IsNumberChar(text[i + 1]) && text[i + 1] != '.');
  if (exponent) {
    ++i;
    while (i < text.size() && IsNumberChar(text[i])) {
      ++i;
    }
  }
  return i;
}

absl::StatusOr<std::int64_t> Scaled(std::string_view text, double unit) {
  auto value = ParseQuantity(text);
  if (!value.ok()) {
    return value.status();
  }
  if (*value < 0) {
    return absl::InvalidArgumentError(fmt::format("negative quantity \"{}\"", text));
  }
  // Rounding guards against 0.1 + binary noise turning 100m into 101.
  double scaled = std::ceil(*value / unit - 1e-9);
  if (scaled > 9.2e18) {
    return absl::InvalidArgumentError(fmt::format("quantity \"{}\" is too large", text));
  }
  return static_cast<std::int64_t>(scaled);
}

}  // namespace

absl::StatusOr<double> ParseQuantity(std::string_view text) {
  size_t length = NumberLength(text);
  std::string number(text.substr(0, length));
  std::string_view suffix = text.substr(length);
  char* end = nullptr;
  double value = number.empty() ? 0 : std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size() || !std::isfinite(value)) {
    return absl::InvalidArgumentError(fmt::format("\"{}\" is not a quantity", text));
  }
  if (suffix.empty()) {
    return value;
  }
  for (const auto& [name, factor] : kSuffixes) {
    if (suffix == name) {
      return value * factor;
    }
  }
  return absl::InvalidArgumentError(fmt::format("\"{}\" has an unknown suffix", text));
}

absl::StatusOr<std::int64_t> ParseMillicores(std::string_view text) {
  return Scaled(text, 1e-3);
}

absl::StatusOr<std::int64_t> ParseBytes(std::string_view text) {
  return Scaled(text, 1.0);
}

std::string FormatMillicores(std::int64_t millicores) {
  if (millicores % 1000 == 0) {
    return std::to_string(millicores / 1000);
  }
  return fmt::format("{}m", millicores);
}

std::string FormatMebibytes(std::int64_t mebibytes) {
  return fmt::format("{}Mi", mebibytes);
}

}  // namespace hub::k8s
