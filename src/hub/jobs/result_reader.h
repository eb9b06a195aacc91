#pragma once

// The results of a work request, produced on the fly in input order: rows.tsv is walked once
// and merged with the cached results and the chunk result files (all sorted by unique index),
// so memory stays small whatever the request's size — only results of inputs that appear
// again later are held. Works while the request runs (rows not computed yet are marked
// pending) and after it was cancelled or failed.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"

#include "hub/blob/blob_store.h"
#include "hub/jobs/request_store.h"

namespace hub::jobs {

enum class ResultFormat {
  kCsv,        // RFC 4180
  kJson,       // an array of row objects
  kJsonLines,  // one row object per line
  // The upstream hub's `result` member: CSV lines as JSON strings, comma-separated (the caller
  // writes the brackets), or the model's own row objects (null for failed rows).
  kUpstreamCsvLines,
  kUpstreamJson,
};

enum class CsvLayout {
  kErsilia,  // key,input[,id],<columns in model order>   (the Ersilia CLI's layout)
  kHub,      // input,<columns sorted by name>             (the upstream hub's layout)
};

absl::StatusOr<ResultFormat> ParseResultFormat(std::string_view text);
absl::StatusOr<CsvLayout> ParseCsvLayout(std::string_view text);

struct ResultOptions {
  ResultFormat format = ResultFormat::kCsv;
  CsvLayout layout = CsvLayout::kErsilia;
  // CSV: add an `error` column with each row's reason.
  bool error_column = false;
};

// One row of the result, for callers that want rows rather than text (the UI's table API).
struct ResultRow {
  std::uint64_t row = 0;
  std::string key;  // MD5 of the input, as the Ersilia CLI writes it
  std::string input;
  std::string id;      // the client's row id, when the input had an id column
  std::string error;   // empty when the row was computed
  std::string values;  // JSON array in column order, empty when there are none
};

// Not thread-safe; one reader per download.
class ResultReader final {
public:
  // Opens the result of `request` (its chunks are read from `requests`).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ResultReader>> Open(
      blob::BlobStore& blobs,
      RequestStore& requests,
      const WorkRequestRecord& request,
      const ResultOptions& options);

  // Appends about `budget` bytes of output to `out`; returns false once everything was
  // written (the last call may still append the tail).
  [[nodiscard]] absl::StatusOr<bool> Next(std::string& out, size_t budget = size_t{64} * 1024);

  // The next row, or nullopt at the end (use either this or `Next`).
  [[nodiscard]] absl::StatusOr<std::optional<ResultRow>> NextRow();

  // Skips `rows` rows (paging).
  [[nodiscard]] absl::Status Skip(std::uint64_t rows);

  const std::vector<std::string>& columns() const { return columns_; }

  ~ResultReader();
  ResultReader(const ResultReader&) = delete;
  ResultReader& operator=(const ResultReader&) = delete;

private:
  ResultReader(blob::BlobStore& blobs, WorkRequestRecord request, ResultOptions options);

  struct Source;

  struct Found {
    std::string error;
    std::string values;
  };

  absl::Status Prepare(RequestStore& requests);
  absl::Status CountDuplicates();
  // Reads the next row into `row`, reusing its strings; false at the end.
  absl::StatusOr<bool> ReadRow(ResultRow& row);
  // Stores the result of distinct input `unique` in `row`; false when it has none yet.
  absl::StatusOr<bool> Lookup(std::int64_t unique, ResultRow& row);
  // The source holding `unique`'s result, or null.
  absl::StatusOr<const Source*> SourceOf(std::int64_t unique);
  absl::StatusOr<bool> Advance(Source& source, std::int64_t unique);
  void AppendHeader(std::string& out);
  void AppendRow(std::string& out, const ResultRow& row);
  void AppendCsvRow(std::string& out, const ResultRow& row);
  void AppendCsvValue(std::string& out, std::string_view value);
  void AppendObject(std::string& out, const ResultRow& row);
  void SplitValues(const ResultRow& row);

  blob::BlobStore& blobs_;
  WorkRequestRecord request_;
  ResultOptions options_;
  std::vector<std::string> columns_;
  std::vector<size_t> hub_order_;  // column indices sorted by name (hub layout)
  bool has_ids_ = false;

  std::unique_ptr<blob::LineReader> rows_;
  std::unique_ptr<Source> cached_;
  std::vector<ChunkRecord> chunks_;  // done chunks by first unique index
  size_t next_chunk_ = 0;
  std::unique_ptr<Source> chunk_;
  std::vector<std::uint32_t> remaining_;  // later occurrences of each unique (when duplicated)
  std::unordered_map<std::int64_t, Found> kept_;
  std::uint64_t row_ = 0;
  // Buffers reused from row to row, so that rendering a row allocates nothing.
  ResultRow scratch_;
  std::string line_;
  std::vector<std::string> fields_;
  std::vector<std::string_view> values_;
  std::string cell_;
  std::string decoded_;
  bool header_written_ = false;
  bool first_item_ = true;
  bool done_ = false;
};

}  // namespace hub::jobs
