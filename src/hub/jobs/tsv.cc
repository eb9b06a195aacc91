#include "hub/jobs/tsv.h"

namespace hub::jobs {
namespace {

std::string Unescape(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    char c = field[i];
    if (c != '\\' || i + 1 == field.size()) {
      out.push_back(c);
      continue;
    }
    char next = field[++i];
    out.push_back(next == 't' ? '\t' : next == 'n' ? '\n' : next == 'r' ? '\r' : next);
  }
  return out;
}

}  // namespace

void AppendTsvField(std::string& out, std::string_view field) {
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
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    fields.push_back(Unescape(line.substr(start, tab - start)));
    if (tab == std::string_view::npos) {
      return fields;
    }
    start = tab + 1;
  }
}

std::string_view SplitTsvPrefix(std::string_view line, size_t n, std::vector<std::string>& out) {
  out.clear();
  size_t start = 0;
  for (size_t i = 0; i < n; ++i) {
    size_t tab = line.find('\t', start);
    out.push_back(Unescape(line.substr(start, tab - start)));
    if (tab == std::string_view::npos) {
      return {};
    }
    start = tab + 1;
  }
  return line.substr(start);
}

}  // namespace hub::jobs
