#include "hub/common/number_format.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <system_error>

namespace hub::common {
namespace {

// Splits the shortest round-trip representation of a finite, non-zero |value| into its
// significant digits and the decimal exponent of the first digit.
void ShortestDigits(double value, std::string& digits, int& exponent) {
  char buffer[64];
  auto result =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  std::string_view text(buffer, static_cast<size_t>(result.ptr - buffer));
  size_t e_pos = text.find('e');
  digits.clear();
  for (char c : text.substr(0, e_pos)) {
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    }
  }
  exponent = std::atoi(std::string(text.substr(e_pos + 1)).c_str());
}

void AppendFixedLayout(std::string& out, const std::string& digits, int exponent) {
  int point = exponent + 1;  // digits before the decimal point
  int count = static_cast<int>(digits.size());
  if (point <= 0) {
    out.append("0.");
    out.append(static_cast<size_t>(-point), '0');
    out.append(digits);
  } else if (point < count) {
    out.append(digits, 0, static_cast<size_t>(point));
    out.push_back('.');
    out.append(digits, static_cast<size_t>(point), std::string::npos);
  } else {
    out.append(digits);
    out.append(static_cast<size_t>(point - count), '0');
    out.append(".0");
  }
}

void AppendScientificLayout(std::string& out, const std::string& digits, int exponent) {
  out.push_back(digits[0]);
  if (digits.size() > 1) {
    out.push_back('.');
    out.append(digits, 1, std::string::npos);
  }
  out.push_back('e');
  out.push_back(exponent < 0 ? '-' : '+');
  int magnitude = std::abs(exponent);
  if (magnitude < 10) {
    out.push_back('0');
  }
  out.append(std::to_string(magnitude));
}

}  // namespace

void AppendPythonFloat(std::string& out, double value) {
  if (std::isnan(value)) {
    out.append("nan");
    return;
  }
  if (std::isinf(value)) {
    out.append(value < 0 ? "-inf" : "inf");
    return;
  }
  if (std::signbit(value)) {
    out.push_back('-');
    value = -value;
  }
  if (value == 0.0) {
    out.append("0.0");
    return;
  }
  std::string digits;
  int exponent = 0;
  ShortestDigits(value, digits, exponent);
  if (exponent < -4 || exponent >= 16) {
    AppendScientificLayout(out, digits, exponent);
  } else {
    AppendFixedLayout(out, digits, exponent);
  }
}

std::string PythonFloat(double value) {
  std::string out;
  AppendPythonFloat(out, value);
  return out;
}

void AppendFixed6(std::string& out, double value) {
  char buffer[512];
  int n = std::snprintf(buffer, sizeof(buffer), "%f", value);
  out.append(buffer, static_cast<size_t>(n));
}

void AppendJsonFloat(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out.append("null");
    return;
  }
  AppendPythonFloat(out, value);
}

void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (c < 0x20) {
      out.append("\\u00");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
      ++i;
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
    } else {
      // Copy one well-formed UTF-8 sequence, or emit U+FFFD for a bad byte.
      int length = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
      bool ok = length > 0 && i + length <= text.size();
      for (int k = 1; ok && k < length; ++k) {
        ok = (static_cast<unsigned char>(text[i + k]) >> 6) == 0x2;
      }
      if (ok) {
        out.append(text.substr(i, static_cast<size_t>(length)));
        i += static_cast<size_t>(length);
      } else {
        out.append("\xef\xbf\xbd");
        ++i;
      }
    }
  }
  out.push_back('"');
}

}  // namespace hub::common
