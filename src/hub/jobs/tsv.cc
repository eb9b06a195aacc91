#include "hub/jobs/tsv.h"

namespace hub::jobs {
namespace {

// Stores `field` unescaped in `out`. Most fields hold no backslash and are copied as they are.
void Unescape(std::string_view field, std::string& out) {
  size_t backslash = field.find('\\');
  out.assign(field.substr(0, backslash));
  if (backslash == std::string_view::npos) {
    return;
  }
  for (size_t i = backslash; i < field.size(); ++i) {
    char c = field[i];
    if (c != '\\' || i + 1 == field.size()) {
      out.push_back(c);
      continue;
    }
    char next = field[++i];
    out.push_back(next == 't' ? '\t' : next == 'n' ? '\n' : next == 'r' ? '\r' : next);
  }
}

// Stores field `index` of a split in `fields`, growing it by one string when needed.
void StoreField(std::string_view field, size_t index, std::vector<std::string>& fields) {
  if (index == fields.size()) {
    fields.emplace_back();
  }
  Unescape(field, fields[index]);
}

}  // namespace

void AppendTsvField(std::string& out, std::string_view field) {
  if (field.find_first_of("\\\t\n\r") == std::string_view::npos) {
    out.append(field);
    return;
  }
  for (char c : field) {
    switch (c) {
      case '\\':
        out.append("\\\\");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      default:
        out.push_back(c);
    }
  }
}

std::vector<std::string> SplitTsvLine(std::string_view line) {
  std::vector<std::string> fields;
  SplitTsvLine(line, fields);
  return fields;
}

void SplitTsvLine(std::string_view line, std::vector<std::string>& fields) {
  size_t start = 0;
  size_t count = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    StoreField(line.substr(start, tab - start), count++, fields);
    if (tab == std::string_view::npos) {
      break;
    }
    start = tab + 1;
  }
  fields.resize(count);
}

std::string_view SplitTsvPrefix(std::string_view line, size_t n, std::vector<std::string>& out) {
  size_t start = 0;
  for (size_t i = 0; i < n; ++i) {
    size_t tab = line.find('\t', start);
    StoreField(line.substr(start, tab - start), i, out);
    if (tab == std::string_view::npos) {
      out.resize(i + 1);
      return {};
    }
    start = tab + 1;
  }
  out.resize(n);
  return line.substr(start);
}

}  // namespace hub::jobs
