#include "hub/common/csv.h"

#include <fstream>

#include "fmt/format.h"

#include "hub/common/strings.h"

namespace hub::common {
namespace {

constexpr size_t kBlockSize = size_t{64} * 1024;

}  // namespace

CsvReader::CsvReader(std::istream& in, Options options) : in_(in), options_(options) {}

bool CsvReader::Fill() {
  if (eof_) {
    return false;
  }
  buffer_.erase(0, pos_);
  pos_ = 0;
  size_t old_size = buffer_.size();
  buffer_.resize(old_size + kBlockSize);
  in_.read(buffer_.data() + old_size, kBlockSize);
  auto got = static_cast<size_t>(in_.gcount());
  buffer_.resize(old_size + got);
  if (got == 0) {
    eof_ = true;
    return false;
  }
  return true;
}

int CsvReader::Peek() {
  if (pos_ >= buffer_.size() && !Fill()) {
    return -1;
  }
  return static_cast<unsigned char>(buffer_[pos_]);
}

int CsvReader::Get() {
  int c = Peek();
  if (c >= 0) {
    ++pos_;
  }
  return c;
}

bool CsvReader::Next(std::vector<std::string>& fields) {
  fields.clear();
  if (!status_.ok()) {
    return false;
  }
  if (!started_) {
    started_ = true;
    // Skip a UTF-8 byte-order mark.
    if (Peek() == 0xEF && buffer_.compare(pos_, 3, "\xEF\xBB\xBF") == 0) {
      pos_ += 3;
    }
  }
  if (Peek() < 0) {
    return false;
  }
  record_line_ = line_;
  std::string field;
  bool quoted = false;
  bool after_quote = false;
  while (true) {
    int c = Get();
    if (c < 0) {
      if (quoted) {
        status_ = absl::InvalidArgumentError(
            fmt::format("line {}: quoted field is never closed", record_line_));
        return false;
      }
      fields.push_back(std::move(field));
      return true;
    }
    // Inside quotes, "" is one quote and a lone " closes the field.
    if (quoted && c == '"' && Peek() == '"') {
      Get();
      field.push_back('"');
      continue;
    }
    if (quoted && c == '"') {
      quoted = false;
      after_quote = true;
      continue;
    }
    if (quoted) {
      if (c == '\n') {
        ++line_;
      }
      field.push_back(static_cast<char>(c));
    } else if (c == options_.delimiter) {
      fields.push_back(std::move(field));
      field.clear();
      after_quote = false;
      continue;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && Peek() == '\n') {
        Get();
      }
      ++line_;
      fields.push_back(std::move(field));
      return true;
    } else if (after_quote) {
      status_ = absl::InvalidArgumentError(
          fmt::format("line {}: unexpected text after a closing quote", line_));
      return false;
    } else if (c == '"' && field.empty()) {
      quoted = true;
      continue;
    } else {
      field.push_back(static_cast<char>(c));
    }
    if (field.size() > options_.max_field_bytes) {
      status_ = absl::InvalidArgumentError(fmt::format("line {}: field longer than {} bytes",
                                                       record_line_, options_.max_field_bytes));
      return false;
    }
  }
}

absl::StatusOr<std::vector<std::vector<std::string>>> ReadCsvFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(fmt::format("cannot open {}", path));
  }
  CsvReader reader(in);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> fields;
  while (reader.Next(fields)) {
    rows.push_back(fields);
  }
  if (!reader.status().ok()) {
    return absl::InvalidArgumentError(
        fmt::format("{}: {}", path, ToString(reader.status().message())));
  }
  return rows;
}

void AppendCsvField(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (char c : field) {
    if (c == '"') {
      out.push_back('"');
    }
    out.push_back(c);
  }
  out.push_back('"');
}

void AppendCsvRow(std::string& out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) {
      out.push_back(',');
    }
    AppendCsvField(out, fields[i]);
  }
  out.push_back('\n');
}

}  // namespace hub::common
