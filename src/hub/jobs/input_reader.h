#pragma once

// Reading the molecules of a work request from what people send: a JSON list of entries, or a
// CSV, TSV, SMILES (.smi) or plain-text file. Decides whether the first line is a header
// (unless the client said), which column holds the SMILES and which one an optional client
// row id, and reports what it decided and why.

#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "hub/common/csv.h"

namespace hub::jobs {

enum class InputFormat { kAuto, kCsv, kTsv, kSmi, kText };

// Parses "csv", "tsv", "smi", "txt"/"text", "auto"/"" (case-insensitive).
absl::StatusOr<InputFormat> ParseInputFormat(std::string_view text);
std::string_view InputFormatName(InputFormat format);

// The format named by a file name's extension or a media type; kAuto when neither tells.
InputFormat FormatFromName(std::string_view filename, std::string_view media_type);

struct InputOptions {
  InputFormat format = InputFormat::kAuto;
  // Whether the first line is a header; absent means "decide" (see `InputReader`).
  std::optional<bool> has_header;
  // The SMILES column: a header name or a 1-based position; empty means "decide".
  std::string smiles_column;
  // The client row id column: a header name or a 1-based position; empty means "decide";
  // "none" means there is none.
  std::string id_column;
  // A field longer than this makes the whole input invalid (a "10 MB line").
  size_t max_field_bytes = size_t{64} * 1024;
};

// One data row: its position among data rows (0-based, header excluded), the text of its
// SMILES field (trimmed) and of its id field (trimmed; empty without an id column).
struct InputRow {
  std::uint64_t index = 0;
  std::string smiles;
  std::string id;
};

// What the reader decided about the input's shape.
struct InputShape {
  InputFormat format = InputFormat::kText;
  bool header = false;
  std::string header_reason;         // why, in words: "the first line 'smiles' is a column name"
  std::vector<std::string> columns;  // the header's fields, when there is a header
  int smiles_column = 0;             // 0-based
  int id_column = -1;                // 0-based; -1 for none
};

// Streams rows from one input. Construction reads ahead a few lines to decide the shape;
// `Next` then returns rows in order. Not thread-safe.
//
// Header rule when the client did not say: the first line is a header when one of its fields
// is a known column name (smiles, input, canonical_smiles, smi, molecule, mol, structure,
// key, id, name, ...), or when its SMILES field does not read as SMILES while one of the next
// lines does. Column rule: a header names the SMILES column when possible (else the first
// column); without a header, the first column whose first value reads as SMILES; with exactly
// two columns the other one is the id column.
class InputReader final {
public:
  // `looks_like_smiles` tells whether a field reads as SMILES (the hub passes the RDKit syntax
  // check). Errors: InvalidArgument for binary data, malformed CSV, an unknown or out of range
  // column, or an input that has no data rows at all (empty, or a header only).
  static absl::StatusOr<std::unique_ptr<InputReader>> Open(
      std::unique_ptr<std::istream> in,
      const InputOptions& options,
      const std::function<bool(const std::string&)>& looks_like_smiles);

  const InputShape& shape() const { return shape_; }

  // Stores the next data row in `row`; false at the end or on an error (`status()`).
  // Blank lines are data rows with an empty SMILES (they are reported, not dropped).
  bool Next(InputRow& row);

  const absl::Status& status() const { return status_; }

private:
  InputReader(std::unique_ptr<std::istream> in, const InputOptions& options);

  bool ReadFields(std::vector<std::string>& fields);
  absl::Status DecideShape(const InputOptions& options,
                           const std::function<bool(const std::string&)>& looks_like_smiles);
  void Emit(const std::vector<std::string>& fields, InputRow& row);

  std::unique_ptr<std::istream> in_;
  std::unique_ptr<common::CsvReader> csv_;
  InputShape shape_;
  size_t max_field_bytes_;
  std::vector<std::vector<std::string>> lookahead_;
  size_t lookahead_pos_ = 0;
  std::uint64_t next_index_ = 0;
  bool csv_done_ = false;
  absl::Status status_;
};

// Joins JSON `entries` into the text the reader parses (one entry per line).
std::string EntriesToText(const std::vector<std::string>& entries);

}  // namespace hub::jobs
