#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hub::common {

// Streaming RFC 4180 reader: quoted fields with doubled quotes, commas and line breaks inside
// quotes, CRLF, LF or CR line endings (mixed freely), an optional UTF-8 byte-order mark, and a
// last record without a line ending. Reads its input in blocks, so memory stays bounded by the
// longest record. Not thread-safe; one reader per stream.
class CsvReader {
public:
  struct Options {
    char delimiter = ',';
    // A field longer than this is an error (protects against a 10 MB "line").
    size_t max_field_bytes = 1 << 20;
  };

  explicit CsvReader(std::istream& in) : CsvReader(in, Options()) {}

  CsvReader(std::istream& in, Options options);

  // Reads the next record into `fields`. Returns false at the end of the input or on an error;
  // `status()` tells which. A blank line is returned as one empty field.
  bool Next(std::vector<std::string>& fields);

  // OK unless the input was malformed (unterminated quote, text after a closing quote, field
  // too long), with a message naming the line.
  const absl::Status& status() const { return status_; }

  // 1-based line number where the last returned record started.
  std::int64_t record_line() const { return record_line_; }

private:
  bool Fill();
  int Peek();
  int Get();

  std::istream& in_;
  Options options_;
  std::string buffer_;
  size_t pos_ = 0;
  bool eof_ = false;
  bool started_ = false;
  std::int64_t line_ = 1;
  std::int64_t record_line_ = 0;
  absl::Status status_;
};

// Reads a whole CSV file into rows (tests and small metadata files).
absl::StatusOr<std::vector<std::vector<std::string>>> ReadCsvFile(const std::string& path);

// Appends `field` quoted as Python's csv module does with QUOTE_MINIMAL: only when it holds
// the delimiter, a quote, CR or LF.
void AppendCsvField(std::string& out, std::string_view field);

// Appends the fields joined by commas and a trailing "\n".
void AppendCsvRow(std::string& out, const std::vector<std::string>& fields);

}  // namespace hub::common
