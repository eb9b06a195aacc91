#include "hub/http/request_target.h"

#include "hub/common/strings.h"

namespace hub::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace

bool PercentDecode(std::string_view text, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return false;
      }
      int high = HexValue(text[i + 1]);
      int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) {
        return false;
      }
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(c);
      continue;
    }
    auto byte = static_cast<unsigned char>(c);
    out.push_back('%');
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0xf]);
  }
  return out;
}

absl::Status SplitTarget(std::string_view target,
                         std::string& path,
                         std::vector<std::pair<std::string, std::string>>& query) {
  if (target.empty() || target.front() != '/') {
    return absl::InvalidArgumentError("request target must be an absolute path");
  }
  size_t question = target.find('?');
  std::string_view raw_path = target.substr(0, question);
  if (!PercentDecode(raw_path, false, path)) {
    return absl::InvalidArgumentError("request path has an invalid percent escape");
  }
  query.clear();
  if (question == std::string_view::npos) {
    return absl::OkStatus();
  }
  for (std::string_view pair : common::Split(target.substr(question + 1), '&')) {
    if (pair.empty()) {
      continue;
    }
    size_t equals = pair.find('=');
    std::string key;
    std::string value;
    bool ok = PercentDecode(pair.substr(0, equals), true, key);
    if (equals != std::string_view::npos) {
      ok = ok && PercentDecode(pair.substr(equals + 1), true, value);
    }
    if (!ok) {
      return absl::InvalidArgumentError("query string has an invalid percent escape");
    }
    query.emplace_back(std::move(key), std::move(value));
  }
  return absl::OkStatus();
}

}  // namespace hub::http
