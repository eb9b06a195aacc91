#include "hub/common/time_format.h"

#include <charconv>
#include <cstdio>
#include <ctime>

#include "fmt/format.h"

namespace hub::common {
namespace {

// Reads exactly `width` digits at `pos`, advancing it.
bool ReadDigits(std::string_view text, size_t& pos, int width, int& out) {
  if (pos + width > text.size()) {
    return false;
  }
  int value = 0;
  for (int i = 0; i < width; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') {
      return false;
    }
    value = value * 10 + (c - '0');
  }
  pos += width;
  out = value;
  return true;
}

bool Expect(std::string_view text, size_t& pos, char c) {
  if (pos < text.size() && text[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

// Parses the optional fraction; leaves `micros` at 0 when there is none.
bool ReadFraction(std::string_view text, size_t& pos, Micros& micros) {
  micros = 0;
  if (!Expect(text, pos, '.')) {
    return true;
  }
  int digits = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    if (digits < 6) {
      micros = micros * 10 + (text[pos] - '0');
    }
    ++digits;
    ++pos;
  }
  for (int i = digits; i < 6; ++i) {
    micros *= 10;
  }
  return digits > 0;
}

bool ReadUtcSuffix(std::string_view text, size_t& pos) {
  std::string_view rest = text.substr(pos);
  if (rest.empty()) {
    return true;
  }
  if (rest == "Z" || rest == "z" || rest == "+00:00" || rest == "+0000" || rest == "-00:00") {
    pos = text.size();
    return true;
  }
  return false;
}

}  // namespace

std::string FormatTimestamp(Micros t) {
  Micros seconds = t / kMicrosPerSecond;
  Micros fraction = t % kMicrosPerSecond;
  if (fraction < 0) {
    fraction += kMicrosPerSecond;
    seconds -= 1;
  }
  auto as_time = static_cast<std::time_t>(seconds);

  struct tm parts {};

  gmtime_r(&as_time, &parts);
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ",
                parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min,
                parts.tm_sec, static_cast<long long>(fraction));
  return buffer;
}

absl::StatusOr<Micros> ParseTimestamp(std::string_view text) {
  struct tm parts {};

  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  Micros fraction = 0;
  size_t pos = 0;
  bool ok = ReadDigits(text, pos, 4, year) && Expect(text, pos, '-') &&
            ReadDigits(text, pos, 2, month) && Expect(text, pos, '-') &&
            ReadDigits(text, pos, 2, day);
  if (ok && pos < text.size() && (text[pos] == 'T' || text[pos] == 't' || text[pos] == ' ')) {
    ++pos;
    ok = ReadDigits(text, pos, 2, hour) && Expect(text, pos, ':') &&
         ReadDigits(text, pos, 2, minute);
    if (ok && Expect(text, pos, ':')) {
      ok = ReadDigits(text, pos, 2, second) && ReadFraction(text, pos, fraction);
    }
  }
  ok = ok && ReadUtcSuffix(text, pos) && month >= 1 && month <= 12 && day >= 1 && day <= 31 &&
       hour <= 23 && minute <= 59 && second <= 60;
  if (!ok) {
    return absl::InvalidArgumentError(fmt::format(
        "invalid timestamp '{}': use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.ffffff][Z] in UTC",
        text.substr(0, 64)));
  }
  parts.tm_year = year - 1900;
  parts.tm_mon = month - 1;
  parts.tm_mday = day;
  parts.tm_hour = hour;
  parts.tm_min = minute;
  parts.tm_sec = second;
  return static_cast<Micros>(timegm(&parts)) * kMicrosPerSecond + fraction;
}

}  // namespace hub::common
