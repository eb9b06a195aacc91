#include "hub/models/number_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace hub::models {
namespace {

// Writes `text` (no terminating NUL) at `out`; returns the end.
char* Append(char* out, std::string_view text) {
  return std::copy(text.begin(), text.end(), out);
}

// Lays out the significant `digits` (no dot) whose first digit has decimal exponent
// `exponent` in fixed notation with at least one fractional digit.
char* FixedLayout(char* out, const char* digits, int count, int exponent) {
  int point = exponent + 1;  // digits before the decimal point
  if (point <= 0) {
    *out++ = '0';
    *out++ = '.';
    std::memset(out, '0', static_cast<size_t>(-point));
    out += -point;
    std::memcpy(out, digits, static_cast<size_t>(count));
    return out + count;
  }
  if (point < count) {
    std::memcpy(out, digits, static_cast<size_t>(point));
    out += point;
    *out++ = '.';
    std::memcpy(out, digits + point, static_cast<size_t>(count - point));
    return out + (count - point);
  }
  std::memcpy(out, digits, static_cast<size_t>(count));
  out += count;
  std::memset(out, '0', static_cast<size_t>(point - count));
  out += point - count;
  *out++ = '.';
  *out++ = '0';
  return out;
}

// Scientific notation as Python writes it: `1e-05`, `1.5e+16`.
char* ScientificLayout(char* out, const char* digits, int count, int exponent) {
  *out++ = digits[0];
  if (count > 1) {
    *out++ = '.';
    std::memcpy(out, digits + 1, static_cast<size_t>(count - 1));
    out += count - 1;
  }
  *out++ = 'e';
  *out++ = exponent < 0 ? '-' : '+';
  int magnitude = exponent < 0 ? -exponent : exponent;
  if (magnitude < 10) {
    *out++ = '0';
  }
  return std::to_chars(out, out + 4, magnitude).ptr;
}

}  // namespace

char* WritePythonFloat(char* out, double value) {
  if (std::isnan(value)) {
    return Append(out, "nan");
  }
  if (std::signbit(value)) {
    *out++ = '-';
    value = -value;
  }
  if (std::isinf(value)) {
    return Append(out, "inf");
  }
  if (value == 0.0) {
    return Append(out, "0.0");
  }

  // Shortest round-trip digits from to_chars' scientific form "d.ddde[+-]xx".
  char buffer[kMaxNumberBytes];
  char* end =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific).ptr;
  char digits[20] = {};  // to_chars always writes a digit; zeroed so none is read unset
  int count = 0;
  const char* p = buffer;
  for (; p < end && *p != 'e'; ++p) {
    if (*p != '.') {
      digits[count++] = *p;
    }
  }
  int exponent = 0;
  std::from_chars(p + (p[1] == '+' ? 2 : 1), end, exponent);

  if (exponent < -4 || exponent >= 16) {
    return ScientificLayout(out, digits, count, exponent);
  }
  return FixedLayout(out, digits, count, exponent);
}

char* WriteJsonFloat(char* out, double value) {
  if (!std::isfinite(value)) {
    return Append(out, "null");
  }
  return WritePythonFloat(out, value);
}

char* WriteInteger(char* out, std::int64_t value) {
  if (value >= 0 && value < 10) {
    *out = static_cast<char>('0' + value);
    return out + 1;
  }
  return std::to_chars(out, out + kMaxNumberBytes, value).ptr;
}

char* WriteFixed6(char* out, double value) {
  int n = std::snprintf(out, kMaxFixed6Bytes, "%f", value);
  return out + (n > 0 ? n : 0);
}

}  // namespace hub::models
