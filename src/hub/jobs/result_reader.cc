#include "hub/jobs/result_reader.h"

#include <algorithm>
#include <numeric>
#include <utility>

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

// A sorted result file (`<unique>\t<error>\t<values>` lines) read one line ahead.
struct ResultReader::Source {
  std::unique_ptr<blob::LineReader> lines;
  bool valid = false;
  std::int64_t unique = -1;
  std::string error;
  std::string values;

  absl::Status Read() {
    std::string line;
    valid = lines != nullptr && lines->Next(line);
    if (!valid) {
      return lines != nullptr ? lines->status() : absl::OkStatus();
    }
    std::vector<std::string> head;
    std::string_view rest = SplitTsvPrefix(line, 2, head);
    if (head.size() != 2) {
      return absl::DataLossError("a result file is malformed");
    }
    unique = std::stoll(head[0]);
    error = std::move(head[1]);
    values = std::string(rest);
    return absl::OkStatus();
  }
};

namespace {

// The CSV cell of one JSON value: numbers as written, strings decoded, null empty.
void AppendCsvValue(std::string& out, std::string_view value) {
  if (value == "null") {
    return;
  }
  if (!value.empty() && value.front() == '"') {
    std::string decoded;
    if (DecodeJsonString(value, decoded)) {
      common::AppendCsvField(out, decoded);
      return;
    }
  }
  common::AppendCsvField(out, value);
}

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
    std::int64_t unique = head.size() == 2 ? std::stoll(head[1]) : -1;
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

absl::StatusOr<std::optional<ResultReader::Found>> ResultReader::Lookup(std::int64_t unique) {
  auto kept = kept_.find(unique);
  if (kept != kept_.end()) {
    Found found = kept->second;
    if (--remaining_[unique] == 0) {
      kept_.erase(kept);
    }
    return std::optional<Found>(std::move(found));
  }

  std::optional<Found> found;
  HUB_ASSIGN_OR_RETURN(bool in_cache, Advance(*cached_, unique));
  if (in_cache) {
    found = Found{cached_->error, cached_->values};
  } else {
    // Chunk files come in unique-index order; open the next one when the current is used up.
    while (!found) {
      HUB_ASSIGN_OR_RETURN(bool in_chunk, Advance(*chunk_, unique));
      if (in_chunk) {
        found = Found{chunk_->error, chunk_->values};
        break;
      }
      if (chunk_->valid || next_chunk_ >= chunks_.size() ||
          chunks_[next_chunk_].first_unique > unique) {
        break;
      }
      HUB_ASSIGN_OR_RETURN(auto reader, blobs_.NewReader(chunks_[next_chunk_++].result_key));
      chunk_->lines = std::make_unique<blob::LineReader>(std::move(reader));
      HUB_RETURN_IF_ERROR(chunk_->Read());
    }
  }
  bool again = found && static_cast<size_t>(unique) < remaining_.size() && remaining_[unique] > 0;
  if (again) {
    kept_[unique] = *found;
  }
  return found;
}

absl::StatusOr<std::optional<ResultRow>> ResultReader::NextRow() {
  std::string line;
  if (!rows_->Next(line)) {
    HUB_RETURN_IF_ERROR(rows_->status());
    return std::optional<ResultRow>();
  }
  std::vector<std::string> fields = SplitTsvLine(line);
  if (fields.size() != 4) {
    return absl::DataLossError("the request's rows file is malformed");
  }
  ResultRow row;
  row.row = row_++;
  row.error = std::move(fields[0]);
  row.id = std::move(fields[2]);
  row.input = std::move(fields[3]);
  row.key = common::Md5Hex(row.input);
  std::int64_t unique = std::stoll(fields[1]);
  if (unique >= 0) {
    HUB_ASSIGN_OR_RETURN(auto found, Lookup(unique));
    if (!found) {
      row.error = PendingReason(request_);
    } else {
      row.error = std::move(found->error);
      row.values = std::move(found->values);
    }
  }
  return std::optional<ResultRow>(std::move(row));
}

absl::Status ResultReader::Skip(std::uint64_t rows) {
  for (std::uint64_t i = 0; i < rows; ++i) {
    HUB_ASSIGN_OR_RETURN(auto row, NextRow());
    if (!row) {
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

void ResultReader::AppendCsvRow(std::string& out, const ResultRow& row) {
  std::vector<std::string_view> values;
  if (!row.values.empty()) {
    values = SplitJsonArray(row.values).value_or(std::vector<std::string_view>());
  }
  auto value = [&values](size_t i) {
    return i < values.size() ? values[i] : std::string_view("null");
  };
  std::string line;
  if (options_.layout == CsvLayout::kErsilia) {
    line = row.key + ",";
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
  if (options_.format == ResultFormat::kUpstreamCsvLines) {
    out.push_back(',');
    common::AppendJsonString(out, line);
    return;
  }
  out += line + "\n";
}

void ResultReader::AppendObject(std::string& out, const ResultRow& row) {
  std::vector<std::string_view> values;
  if (!row.values.empty()) {
    values = SplitJsonArray(row.values).value_or(std::vector<std::string_view>());
  }
  if (options_.format == ResultFormat::kUpstreamJson) {
    if (!first_item_) {
      out.push_back(',');
    }
    first_item_ = false;
    if (values.empty()) {
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
    out += R"("key":")" + row.key + R"(","input":)";
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
    out.append(i < values.size() ? values[i] : std::string_view("null"));
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
    HUB_ASSIGN_OR_RETURN(auto row, NextRow());
    if (!row) {
      if (options_.format == ResultFormat::kJson) {
        out.push_back(']');
      }
      done_ = true;
      return false;
    }
    AppendRow(out, *row);
  }
  return true;
}

}  // namespace hub::jobs
