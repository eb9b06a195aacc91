#include "hub/jobs/row_values.h"

namespace hub::jobs {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void SkipSpace(std::string_view text, size_t& pos) {
  while (pos < text.size() && IsSpace(text[pos])) {
    ++pos;
  }
}

// Advances `pos` past the string literal starting at it; false when unterminated.
bool SkipString(std::string_view text, size_t& pos) {
  ++pos;  // opening quote
  while (pos < text.size()) {
    char c = text[pos++];
    if (c == '\\') {
      ++pos;
    } else if (c == '"') {
      return true;
    }
  }
  return false;
}

// Advances `pos` past the array or object that starts there, by bracket matching.
bool SkipBracketed(std::string_view text, size_t& pos) {
  int depth = 0;
  while (pos < text.size()) {
    char d = text[pos];
    if (d == '"') {
      if (!SkipString(text, pos)) {
        return false;
      }
      continue;
    }
    ++pos;
    if (d == '[' || d == '{') {
      ++depth;
    } else if ((d == ']' || d == '}') && --depth == 0) {
      return true;
    }
  }
  return false;
}

// Advances `pos` past one JSON value (scalar, or nested array/object by bracket matching).
bool SkipValue(std::string_view text, size_t& pos) {
  if (pos >= text.size()) {
    return false;
  }
  char c = text[pos];
  if (c == '"') {
    return SkipString(text, pos);
  }
  if (c == '[' || c == '{') {
    return SkipBracketed(text, pos);
  }
  size_t start = pos;
  while (pos < text.size() && text[pos] != ',' && text[pos] != '}' && text[pos] != ']' &&
         !IsSpace(text[pos])) {
    ++pos;
  }
  return pos > start;
}

int HexDigit(char c) {
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

void AppendUtf8(std::string& out, unsigned code) {
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

// The value of the member named `key`, or "null" when there is none.
std::string_view MemberValue(const std::vector<JsonMember>& members, const std::string& key) {
  for (const JsonMember& m : members) {
    if (m.key == key) {
      return m.value;
    }
  }
  return "null";
}

}  // namespace

bool DecodeJsonString(std::string_view literal, std::string& out) {
  out.clear();
  if (literal.size() < 2 || literal.front() != '"' || literal.back() != '"') {
    return false;
  }
  std::string_view body = literal.substr(1, literal.size() - 2);
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i >= body.size()) {
      return false;
    }
    char e = body[i];
    static constexpr std::string_view kSimple = "\"\\/bfnrt";
    static constexpr std::string_view kDecoded = "\"\\/\b\f\n\r\t";
    size_t simple = kSimple.find(e);
    if (simple != std::string_view::npos) {
      out.push_back(kDecoded[simple]);
      continue;
    }
    if (e != 'u' || i + 4 >= body.size()) {
      return false;
    }
    unsigned code = 0;
    for (int k = 1; k <= 4; ++k) {
      int digit = HexDigit(body[i + k]);
      if (digit < 0) {
        return false;
      }
      code = code * 16 + static_cast<unsigned>(digit);
    }
    i += 4;
    AppendUtf8(out, code);
  }
  return true;
}

absl::StatusOr<std::vector<JsonMember>> SplitJsonObject(std::string_view object) {
  std::vector<JsonMember> members;
  size_t pos = 0;
  SkipSpace(object, pos);
  if (pos >= object.size() || object[pos] != '{') {
    return absl::InvalidArgumentError("a result row is not a JSON object");
  }
  ++pos;
  SkipSpace(object, pos);
  if (pos < object.size() && object[pos] == '}') {
    return members;
  }
  while (pos < object.size()) {
    SkipSpace(object, pos);
    size_t key_start = pos;
    if (pos >= object.size() || object[pos] != '"' || !SkipString(object, pos)) {
      return absl::InvalidArgumentError("a result row has a malformed key");
    }
    JsonMember member;
    if (!DecodeJsonString(object.substr(key_start, pos - key_start), member.key)) {
      return absl::InvalidArgumentError("a result row has a malformed key");
    }
    SkipSpace(object, pos);
    if (pos >= object.size() || object[pos++] != ':') {
      return absl::InvalidArgumentError("a result row lacks ':' after a key");
    }
    SkipSpace(object, pos);
    size_t value_start = pos;
    if (!SkipValue(object, pos)) {
      return absl::InvalidArgumentError("a result row has a malformed value");
    }
    member.value = object.substr(value_start, pos - value_start);
    members.push_back(std::move(member));
    SkipSpace(object, pos);
    if (pos < object.size() && object[pos] == ',') {
      ++pos;
      continue;
    }
    if (pos < object.size() && object[pos] == '}') {
      return members;
    }
    break;
  }
  return absl::InvalidArgumentError("a result row is not a complete JSON object");
}

absl::StatusOr<std::vector<std::string_view>> SplitJsonArray(std::string_view array) {
  std::vector<std::string_view> elements;
  if (!SplitJsonArray(array, elements)) {
    return absl::InvalidArgumentError("not a well-formed JSON array");
  }
  return elements;
}

bool SplitJsonArray(std::string_view array, std::vector<std::string_view>& elements) {
  elements.clear();
  size_t pos = 0;
  SkipSpace(array, pos);
  if (pos >= array.size() || array[pos] != '[') {
    return false;
  }
  ++pos;
  SkipSpace(array, pos);
  if (pos < array.size() && array[pos] == ']') {
    return true;
  }
  while (pos < array.size()) {
    SkipSpace(array, pos);
    size_t start = pos;
    if (!SkipValue(array, pos)) {
      return false;
    }
    elements.push_back(array.substr(start, pos - start));
    SkipSpace(array, pos);
    if (pos < array.size() && array[pos] == ',') {
      ++pos;
      continue;
    }
    return pos < array.size() && array[pos] == ']';
  }
  return false;
}

std::string ValuesArray(const std::vector<JsonMember>& members,
                        const std::vector<std::string>& columns) {
  std::string out = "[";
  // Models answer in column order, so the member at the same position usually matches.
  for (size_t i = 0; i < columns.size(); ++i) {
    std::string_view value = i < members.size() && members[i].key == columns[i]
                                 ? members[i].value
                                 : MemberValue(members, columns[i]);
    if (i > 0) {
      out.push_back(',');
    }
    out.append(value);
  }
  out.push_back(']');
  return out;
}

std::vector<std::string> MemberKeys(const std::vector<JsonMember>& members) {
  std::vector<std::string> keys;
  keys.reserve(members.size());
  for (const JsonMember& m : members) {
    keys.push_back(m.key);
  }
  return keys;
}

}  // namespace hub::jobs
