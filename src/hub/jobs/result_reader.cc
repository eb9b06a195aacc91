#include "hub/jobs/result_reader.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "absl/strings/numbers.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

#include "hub/common/csv.h"
#include "hub/common/encoding.h"
#include "hub/common/number_format.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"
#include "hub/jobs/row_values.h"
#include "hub/jobs/tsv.h"

namespace hub::jobs {

// A sorted result file (`<unique>\t<error>\t<values>` lines) read one line ahead. Its
// buffers are reused from line to line.
struct ResultReader::Source {
  std::unique_ptr<blob::LineReader> lines;
  bool valid = false;
  std::int64_t unique = -1;
  std::string error;
  std::string values;
  std::string line;
  std::vector<std::string> head;

  absl::Status Read() {
    valid = lines != nullptr && lines->Next(line);
    if (!valid) {
      return lines != nullptr ? lines->status() : absl::OkStatus();
    }
    std::string_view rest = SplitTsvPrefix(line, 2, head);
    if (head.size() != 2 || !absl::SimpleAtoi(head[0], &unique)) {
      return absl::DataLossError("a result file is malformed");
    }
    error.swap(head[1]);
    values.assign(rest);
    return absl::OkStatus();
  }
};

namespace {

std::string PendingReason(const WorkRequestRecord& request) {
  return IsTerminal(request.status)
             ? "not_computed: the request ended before this molecule was computed"
             : "pending: not computed yet";
}

}  // namespace

absl::StatusOr<ResultFormat> ParseResultFormat(std::string_view text) {
  std::string lower = common::ToLower(common::Trim(text));
  if (lower.empty() || lower == "csv") {
    return ResultFormat::kCsv;
  }
  if (lower == "json") {
    return ResultFormat::kJson;
  }
  if (lower == "jsonl" || lower == "ndjson" || lower == "jsonlines") {
    return ResultFormat::kJsonLines;
  }
  return absl::InvalidArgumentError(
      fmt::format("unknown result format '{}': use csv, json or jsonl", text));
}

absl::StatusOr<CsvLayout> ParseCsvLayout(std::string_view text) {
  std::string lower = common::ToLower(common::Trim(text));
  if (lower.empty() || lower == "ersilia") {
    return CsvLayout::kErsilia;
  }
  if (lower == "hub" || lower == "upstream") {
    return CsvLayout::kHub;
  }
  return absl::InvalidArgumentError(
      fmt::format("unknown CSV layout '{}': use ersilia or hub", text));
}

ResultReader::ResultReader(blob::BlobStore& blobs, WorkRequestRecord request, ResultOptions options)
    : blobs_(blobs), request_(std::move(request)), options_(options) {}

ResultReader::~ResultReader() = default;

absl::StatusOr<std::unique_ptr<ResultReader>> ResultReader::Open(blob::BlobStore& blobs,
                                                                 RequestStore& requests,
                                                                 const WorkRequestRecord& request,
                                                                 const ResultOptions& options) {
  auto reader = std::unique_ptr<ResultReader>(new ResultReader(blobs, request, options));
  HUB_RETURN_IF_ERROR(reader->Prepare(requests));
  return reader;
}

absl::Status ResultReader::Prepare(RequestStore& requests) {
  auto columns =
      nlohmann::json::parse(request_.columns.empty() ? "[]" : request_.columns, nullptr, false);
  if (columns.is_array()) {
    for (const auto& c : columns) {
      columns_.push_back(c.is_string() ? c.get<std::string>() : c.dump());
    }
  }
  hub_order_.resize(columns_.size());
  std::iota(hub_order_.begin(), hub_order_.end(), 0);
  std::sort(hub_order_.begin(), hub_order_.end(),
            [this](size_t a, size_t b) { return columns_[a] < columns_[b]; });
  auto metadata = nlohmann::json::parse(request_.metadata, nullptr, false);
  has_ids_ = metadata.is_object() && metadata.contains("intake") &&
             metadata["intake"].value("id_column", -1) >= 0;

  std::string prefix = "requests/" + request_.uid;
  HUB_ASSIGN_OR_RETURN(auto rows, blobs_.NewReader(prefix + "/rows.tsv"));
  rows_ = std::make_unique<blob::LineReader>(std::move(rows));
  cached_ = std::make_unique<Source>();
  HUB_ASSIGN_OR_RETURN(auto cached, blobs_.NewReader(prefix + "/cached.tsv"));
  cached_->lines = std::make_unique<blob::LineReader>(std::move(cached));
  HUB_RETURN_IF_ERROR(cached_->Read());

  HUB_ASSIGN_OR_RETURN(auto chunks, requests.LeafChunks(request_.id));
  for (ChunkRecord& chunk : chunks) {
    if (chunk.status == "DONE" && !chunk.result_key.empty()) {
      chunks_.push_back(std::move(chunk));
    }
  }
  chunk_ = std::make_unique<Source>();
  return CountDuplicates();
}

// Results of inputs that occur again later are kept until their last occurrence, which needs
// the occurrence counts: one pass over rows.tsv, only when the request has duplicates.
absl::Status ResultReader::CountDuplicates() {
  std::int64_t valid = request_.rows_total - request_.rows_invalid;
  if (request_.rows_unique >= valid) {
    return absl::OkStatus();
  }
  // Unique indices run up to the distinct inputs intake planned; a chunk's check of inputs
  // intake left unchecked takes the rejected ones out of `rows_unique` later. `rows_total`
  // bounds them either way.
  remaining_.assign(static_cast<size_t>(request_.rows_total), 0);
  std::vector<bool> seen(remaining_.size(), false);
  HUB_ASSIGN_OR_RETURN(auto rows, blobs_.NewReader("requests/" + request_.uid + "/rows.tsv"));
  blob::LineReader lines(std::move(rows));
  std::string line;
  std::vector<std::string> head;
  while (lines.Next(line)) {
    SplitTsvPrefix(line, 2, head);
    std::int64_t unique = -1;
    if (head.size() != 2 || !absl::SimpleAtoi(head[1], &unique)) {
      return absl::DataLossError("the request's rows file is malformed");
    }
    if (unique < 0 || static_cast<size_t>(unique) >= remaining_.size()) {
      continue;
    }
    if (seen[unique]) {
      ++remaining_[unique];
    }
    seen[unique] = true;
  }
  return lines.status();
}

absl::StatusOr<bool> ResultReader::Advance(Source& source, std::int64_t unique) {
  while (source.valid && source.unique < unique) {
    HUB_RETURN_IF_ERROR(source.Read());
  }
  return source.valid && source.unique == unique;
}

absl::StatusOr<const ResultReader::Source*> ResultReader::SourceOf(std::int64_t unique) {
  HUB_ASSIGN_OR_RETURN(bool in_cache, Advance(*cached_, unique));
  if (in_cache) {
    return cached_.get();
  }
  // Chunk files come in unique-index order; open the next one when the current is used up.
  while (true) {
    HUB_ASSIGN_OR_RETURN(bool in_chunk, Advance(*chunk_, unique));
    if (in_chunk) {
      return chunk_.get();
    }
    if (chunk_->valid || next_chunk_ >= chunks_.size() ||
        chunks_[next_chunk_].first_unique > unique) {
      return nullptr;
    }
    HUB_ASSIGN_OR_RETURN(auto reader, blobs_.NewReader(chunks_[next_chunk_++].result_key));
    chunk_->lines = std::make_unique<blob::LineReader>(std::move(reader));
    HUB_RETURN_IF_ERROR(chunk_->Read());
  }
}

absl::StatusOr<bool> ResultReader::Lookup(std::int64_t unique, ResultRow& row) {
  if (auto kept = kept_.find(unique); kept != kept_.end()) {
    if (--remaining_[unique] == 0) {
      row.error = std::move(kept->second.error);
      row.values = std::move(kept->second.values);
      kept_.erase(kept);
    } else {
      row.error = kept->second.error;
      row.values = kept->second.values;
    }
    return true;
  }
  HUB_ASSIGN_OR_RETURN(const Source* source, SourceOf(unique));
  if (source == nullptr) {
    return false;
  }
  // Copies, not moves: the strings keep their capacity for the next rows.
  row.error = source->error;
  row.values = source->values;
  if (static_cast<size_t>(unique) < remaining_.size() && remaining_[unique] > 0) {
    kept_[unique] = Found{row.error, row.values};
  }
  return true;
}

absl::StatusOr<bool> ResultReader::ReadRow(ResultRow& row) {
  if (!rows_->Next(line_)) {
    HUB_RETURN_IF_ERROR(rows_->status());
    return false;
  }
  SplitTsvLine(line_, fields_);
  std::int64_t unique = -1;
  if (fields_.size() != 4 || !absl::SimpleAtoi(fields_[1], &unique)) {
    return absl::DataLossError("the request's rows file is malformed");
  }
  row.row = row_++;
  row.error.swap(fields_[0]);
  row.id.swap(fields_[2]);
  row.input.swap(fields_[3]);
  row.key.clear();
  common::AppendMd5Hex(row.input, row.key);
  row.values.clear();
  if (unique >= 0) {
    HUB_ASSIGN_OR_RETURN(bool found, Lookup(unique, row));
    if (!found) {
      row.error = PendingReason(request_);
    }
  }
  return true;
}

absl::StatusOr<std::optional<ResultRow>> ResultReader::NextRow() {
  ResultRow row;
  HUB_ASSIGN_OR_RETURN(bool more, ReadRow(row));
  if (!more) {
    return std::optional<ResultRow>();
  }
  return std::optional<ResultRow>(std::move(row));
}

absl::Status ResultReader::Skip(std::uint64_t rows) {
  for (std::uint64_t i = 0; i < rows; ++i) {
    HUB_ASSIGN_OR_RETURN(bool more, ReadRow(scratch_));
    if (!more) {
      break;
    }
  }
  return absl::OkStatus();
}

void ResultReader::AppendHeader(std::string& out) {
  bool csv =
      options_.format == ResultFormat::kCsv || options_.format == ResultFormat::kUpstreamCsvLines;
  if (!csv) {
    if (options_.format == ResultFormat::kJson) {
      out.push_back('[');
    }
    return;
  }
  std::string header;
  if (options_.layout == CsvLayout::kErsilia) {
    header = has_ids_ ? "key,input,id" : "key,input";
    for (const std::string& c : columns_) {
      header.push_back(',');
      common::AppendCsvField(header, c);
    }
  } else {
    header = "input";
    for (size_t i : hub_order_) {
      header.push_back(',');
      common::AppendCsvField(header, columns_[i]);
    }
  }
  if (options_.error_column) {
    header += ",error";
  }
  if (options_.format == ResultFormat::kUpstreamCsvLines) {
    common::AppendJsonString(out, header);
    first_item_ = false;
    return;
  }
  out += header + "\n";
}

// The CSV cell of one JSON value: numbers as written, strings decoded, null empty.
void ResultReader::AppendCsvValue(std::string& out, std::string_view value) {
  if (value == "null") {
    return;
  }
  if (!value.empty() && value.front() == '"') {
    decoded_.clear();
    if (DecodeJsonString(value, decoded_)) {
      common::AppendCsvField(out, decoded_);
      return;
    }
  }
  common::AppendCsvField(out, value);
}

// Fills `values_` with the texts of `row`'s values (none when it has none or they are
// malformed; missing columns read as null).
void ResultReader::SplitValues(const ResultRow& row) {
  if (row.values.empty() || !SplitJsonArray(row.values, values_)) {
    values_.clear();
  }
}

void ResultReader::AppendCsvRow(std::string& out, const ResultRow& row) {
  SplitValues(row);
  auto value = [this](size_t i) {
    return i < values_.size() ? values_[i] : std::string_view("null");
  };
  // An upstream CSV line becomes a JSON string, so it is built apart first.
  bool upstream = options_.format == ResultFormat::kUpstreamCsvLines;
  std::string& line = upstream ? cell_ : out;
  if (upstream) {
    line.clear();
  }
  if (options_.layout == CsvLayout::kErsilia) {
    line += row.key;
    line.push_back(',');
    common::AppendCsvField(line, row.input);
    if (has_ids_) {
      line.push_back(',');
      common::AppendCsvField(line, row.id);
    }
    for (size_t i = 0; i < columns_.size(); ++i) {
      line.push_back(',');
      AppendCsvValue(line, value(i));
    }
  } else {
    common::AppendCsvField(line, row.input);
    for (size_t i : hub_order_) {
      line.push_back(',');
      AppendCsvValue(line, value(i));
    }
  }
  if (options_.error_column) {
    line.push_back(',');
    common::AppendCsvField(line, row.error);
  }
  if (upstream) {
    out.push_back(',');
    common::AppendJsonString(out, line);
    return;
  }
  out.push_back('\n');
}

void ResultReader::AppendObject(std::string& out, const ResultRow& row) {
  SplitValues(row);
  if (options_.format == ResultFormat::kUpstreamJson) {
    if (!first_item_) {
      out.push_back(',');
    }
    first_item_ = false;
    if (values_.empty()) {
      out += "null";
      return;
    }
  } else if (options_.format == ResultFormat::kJson && !first_item_) {
    out.push_back(',');
  }
  first_item_ = false;
  out.push_back('{');
  bool upstream = options_.format == ResultFormat::kUpstreamJson;
  if (!upstream) {
    out += R"("key":")";
    out += row.key;
    out += R"(","input":)";
    common::AppendJsonString(out, row.input);
    if (has_ids_) {
      out += ",\"id\":";
      common::AppendJsonString(out, row.id);
    }
  }
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (!upstream || i > 0) {
      out.push_back(',');
    }
    common::AppendJsonString(out, columns_[i]);
    out.push_back(':');
    out.append(i < values_.size() ? values_[i] : std::string_view("null"));
  }
  if (!upstream) {
    out += ",\"error\":";
    if (row.error.empty()) {
      out += "null";
    } else {
      common::AppendJsonString(out, row.error);
    }
  }
  out.push_back('}');
  if (options_.format == ResultFormat::kJsonLines) {
    out.push_back('\n');
  }
}

void ResultReader::AppendRow(std::string& out, const ResultRow& row) {
  if (options_.format == ResultFormat::kCsv || options_.format == ResultFormat::kUpstreamCsvLines) {
    AppendCsvRow(out, row);
    return;
  }
  AppendObject(out, row);
}

absl::StatusOr<bool> ResultReader::Next(std::string& out, size_t budget) {
  if (done_) {
    return false;
  }
  if (!header_written_) {
    header_written_ = true;
    AppendHeader(out);
  }
  size_t start = out.size();
  while (out.size() - start < budget) {
    HUB_ASSIGN_OR_RETURN(bool more, ReadRow(scratch_));
    if (!more) {
      if (options_.format == ResultFormat::kJson) {
        out.push_back(']');
      }
      done_ = true;
      return false;
    }
    AppendRow(out, scratch_);
  }
  return true;
}

}  // namespace hub::jobs
