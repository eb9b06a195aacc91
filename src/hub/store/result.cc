#include "hub/store/result.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string_view>
#include <system_error>

#include "absl/status/status.h"
#include "fmt/format.h"

namespace hub::store {
namespace {

absl::StatusOr<std::int64_t> ParseInt(std::string_view text) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) {
    return absl::InvalidArgumentError(fmt::format("not an integer: '{}'", text.substr(0, 40)));
  }
  return value;
}

absl::StatusOr<double> ParseDouble(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) {
    return absl::InvalidArgumentError(fmt::format("not a number: '{}'", text.substr(0, 40)));
  }
  return value;
}

absl::StatusOr<std::int64_t> IntFromDouble(double d) {
  // 2^63 is exactly representable; anything at or above it does not fit.
  constexpr double kLimit = 9223372036854775808.0;
  if (std::trunc(d) != d || d >= kLimit || d < -kLimit) {
    return absl::InvalidArgumentError(fmt::format("real {} is not a 64-bit integer", d));
  }
  return static_cast<std::int64_t>(d);
}

}  // namespace

std::string RealToText(double d) {
  if (std::isnan(d)) {
    return "NaN";
  }
  if (std::isinf(d)) {
    return d > 0 ? "Infinity" : "-Infinity";
  }
  return fmt::format("{}", d);
}

bool Row::IsNull(size_t column) const {
  return column >= values_.size() || std::holds_alternative<std::monostate>(values_[column]);
}

absl::StatusOr<const Value*> Row::NonNull(size_t column) const {
  if (column >= values_.size()) {
    return absl::OutOfRangeError(
        fmt::format("column {} requested from a row of {}", column, values_.size()));
  }
  if (std::holds_alternative<std::monostate>(values_[column])) {
    return absl::FailedPreconditionError(fmt::format("column {} is NULL", column));
  }
  return &values_[column];
}

absl::StatusOr<std::int64_t> Row::GetInt(size_t column) const {
  auto value = NonNull(column);
  if (!value.ok()) {
    return value.status();
  }
  if (const auto* i = std::get_if<std::int64_t>(*value)) {
    return *i;
  }
  if (const auto* d = std::get_if<double>(*value)) {
    return IntFromDouble(*d);
  }
  return ParseInt(std::get<std::string>(**value));
}

absl::StatusOr<double> Row::GetDouble(size_t column) const {
  auto value = NonNull(column);
  if (!value.ok()) {
    return value.status();
  }
  if (const auto* d = std::get_if<double>(*value)) {
    return *d;
  }
  if (const auto* i = std::get_if<std::int64_t>(*value)) {
    return static_cast<double>(*i);
  }
  return ParseDouble(std::get<std::string>(**value));
}

absl::StatusOr<std::string> Row::GetString(size_t column) const {
  auto value = NonNull(column);
  if (!value.ok()) {
    return value.status();
  }
  if (const auto* s = std::get_if<std::string>(*value)) {
    return *s;
  }
  if (const auto* i = std::get_if<std::int64_t>(*value)) {
    return fmt::format("{}", *i);
  }
  return RealToText(std::get<double>(**value));
}

absl::StatusOr<bool> Row::GetBool(size_t column) const {
  auto value = GetInt(column);
  if (!value.ok()) {
    return value.status();
  }
  if (*value != 0 && *value != 1) {
    return absl::InvalidArgumentError(fmt::format("boolean column holds {}", *value));
  }
  return *value == 1;
}

absl::StatusOr<std::optional<std::int64_t>> Row::GetOptionalInt(size_t column) const {
  if (column < values_.size() && IsNull(column)) {
    return std::optional<std::int64_t>();
  }
  auto value = GetInt(column);
  if (!value.ok()) {
    return value.status();
  }
  return std::optional<std::int64_t>(*value);
}

absl::StatusOr<std::optional<std::string>> Row::GetOptionalString(size_t column) const {
  if (column < values_.size() && IsNull(column)) {
    return std::optional<std::string>();
  }
  auto value = GetString(column);
  if (!value.ok()) {
    return value.status();
  }
  return std::optional<std::string>(std::move(*value));
}

absl::StatusOr<Row> Result::SingleRow() const {
  if (rows_.empty()) {
    return absl::NotFoundError("statement returned no row");
  }
  if (rows_.size() > 1) {
    return absl::FailedPreconditionError(
        fmt::format("statement returned {} rows where one was expected", rows_.size()));
  }
  return rows_.front();
}

}  // namespace hub::store
