#include "hub/store/dsn.h"

#include <algorithm>
#include <cctype>

#include "hub/common/strings.h"

namespace hub::store {
namespace {

constexpr std::string_view kMask = "***";

bool IsSpace(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

bool IsUri(std::string_view dsn) {
  return dsn.substr(0, 13) == "postgresql://" || dsn.substr(0, 11) == "postgres://";
}

// Masks "user:secret@" in the authority and "password=secret" in the query.
std::string MaskUri(std::string_view uri) {
  std::string out(uri);
  size_t authority = out.find("://") + 3;
  size_t authority_end = out.find_first_of("/?", authority);
  if (authority_end == std::string::npos) {
    authority_end = out.size();
  }
  size_t at = out.rfind('@', authority_end);
  if (at != std::string::npos && at >= authority) {
    size_t colon = out.find(':', authority);
    if (colon != std::string::npos && colon < at) {
      out.replace(colon + 1, at - colon - 1, kMask);
    }
  }
  for (size_t pos = out.find('?'); pos != std::string::npos; pos = out.find('&', pos + 1)) {
    if (common::ToLower(out.substr(pos + 1, 9)) == "password=") {
      size_t value = pos + 10;
      size_t end = out.find('&', value);
      out.replace(value, (end == std::string::npos ? out.size() : end) - value, kMask);
    }
  }
  return out;
}

// Length of the keyword value starting at `pos`: a quoted value with backslash escapes, or
// everything up to the next whitespace.
size_t ValueLength(std::string_view dsn, size_t pos) {
  size_t end = pos;
  if (end < dsn.size() && dsn[end] == '\'') {
    ++end;
    while (end < dsn.size() && dsn[end] != '\'') {
      end += dsn[end] == '\\' ? 2 : 1;
    }
    return std::min(end + 1, dsn.size()) - pos;
  }
  while (end < dsn.size() && !IsSpace(dsn[end])) {
    ++end;
  }
  return end - pos;
}

std::string MaskKeywords(std::string_view dsn) {
  std::string out;
  size_t pos = 0;
  while (pos < dsn.size()) {
    size_t key_start = pos;
    while (pos < dsn.size() && dsn[pos] != '=' && !IsSpace(dsn[pos])) {
      ++pos;
    }
    std::string key = common::ToLower(dsn.substr(key_start, pos - key_start));
    while (pos < dsn.size() && (IsSpace(dsn[pos]) || dsn[pos] == '=')) {
      ++pos;
    }
    out.append(dsn.substr(key_start, pos - key_start));
    size_t length = ValueLength(dsn, pos);
    out.append(key == "password" ? kMask : dsn.substr(pos, length));
    pos += length;
    while (pos < dsn.size() && IsSpace(dsn[pos])) {
      out.push_back(dsn[pos++]);
    }
  }
  return out;
}

}  // namespace

std::string MaskDsn(std::string_view dsn) {
  return IsUri(dsn) ? MaskUri(dsn) : MaskKeywords(dsn);
}

}  // namespace hub::store
