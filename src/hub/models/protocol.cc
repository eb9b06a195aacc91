#include "hub/models/protocol.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "absl/container/flat_hash_map.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

#include "hub/common/csv.h"
#include "hub/common/number_format.h"
#include "hub/common/status_macros.h"
#include "hub/common/strings.h"
#include "hub/models/number_writer.h"

namespace hub::models {
namespace {

// A growable output with a raw cursor, so the per-cell work of a 2048-column row is a
// memcpy and a few stores. `Room(n)` makes space for `n` bytes and returns where to write;
// `Commit(end)` records what was written.
class Output final {
public:
  explicit Output(size_t expected) { text_.resize(std::max<size_t>(expected, 256)); }

  char* Room(size_t n) {
    if (text_.size() - length_ < n) {
      text_.resize(std::max(text_.size() * 2, length_ + n));
    }
    return text_.data() + length_;
  }

  void Commit(const char* end) { length_ = static_cast<size_t>(end - text_.data()); }

  void Append(std::string_view text) {
    char* p = Room(text.size());
    std::memcpy(p, text.data(), text.size());
    Commit(p + text.size());
  }

  void Append(char c) {
    char* p = Room(1);
    *p = c;
    Commit(p + 1);
  }

  void AppendJsonString(std::string_view text) {
    scratch_.clear();
    common::AppendJsonString(scratch_, text);
    Append(scratch_);
  }

  std::string Finish() && {
    text_.resize(length_);
    return std::move(text_);
  }

private:
  std::string text_;
  size_t length_ = 0;
  std::string scratch_;
};

// Keys up to this length (with quotes, colon and leading comma) are copied with one
// fixed-size memcpy from a padded slot; `,"dimension_0000":` is 18 bytes.
constexpr size_t kKeySlot = 32;

}  // namespace

// How each cell of a row is written, precomputed per model.
struct CellPlan {
  bool integers = false;     // all-integer model: JSON integers
  std::vector<char> fixed6;  // per column: round through `%f` first
  // Per column `"name":`, with a leading comma after the first: `keys[c]`, and the same
  // text in slot `c` of `key_slots` when `short_keys`.
  std::vector<std::string> keys;
  std::string key_slots;
  bool short_keys = true;
  size_t row_bytes = 0;          // upper bound of one row's cells and keys
  size_t typical_row_bytes = 0;  // estimate, to size the output once
};

namespace {

CellPlan MakePlan(const ModelInfo& info) {
  CellPlan plan;
  plan.integers = info.json_integers;
  for (size_t c = 0; c < info.columns.size(); ++c) {
    std::string key = c == 0 ? "" : ",";
    common::AppendJsonString(key, info.columns[c].name);
    key.push_back(':');
    plan.row_bytes += std::max(key.size(), kKeySlot) + kMaxNumberBytes;
    plan.typical_row_bytes += key.size() + (plan.integers ? 2 : 20);
    plan.short_keys = plan.short_keys && key.size() <= kKeySlot;
    plan.key_slots.append(key.substr(0, kKeySlot));
    plan.key_slots.resize((c + 1) * kKeySlot, ' ');
    plan.keys.push_back(std::move(key));
    plan.fixed6.push_back(info.columns[c].format == CellFormat::kFixed6 ? 1 : 0);
  }
  plan.row_bytes += 16;
  return plan;
}

// An integer model's cell; fingerprints are nearly all 0 and 1.
inline char* WriteIntegerCell(char* out, double value) {
  if (value == 0.0) {
    *out = '0';
    return out + 1;
  }
  if (value == 1.0) {
    *out = '1';
    return out + 1;
  }
  // int64 holds every integer a double holds below 2^63; beyond, keep the float.
  if (std::isfinite(value) && std::abs(value) < 9.2e18) {
    return WriteInteger(out, static_cast<std::int64_t>(value));
  }
  return WriteJsonFloat(out, value);
}

inline char* WriteFloatCell(char* out, bool fixed6, double value) {
  if (fixed6 && std::isfinite(value)) {
    // The model's CSV holds `%f` text and ersilia-pack parses it back: use the rounded value.
    char text[kMaxFixed6Bytes];
    char* end = WriteFixed6(text, value);
    std::from_chars(text, end, value);
  }
  return WriteJsonFloat(out, value);
}

inline char* WriteCell(char* out, const CellPlan& plan, size_t column, double value) {
  return plan.integers ? WriteIntegerCell(out, value)
                       : WriteFloatCell(out, plan.fixed6[column] != 0, value);
}

inline char* WriteKey(char* out, const CellPlan& plan, size_t column) {
  const std::string& key = plan.keys[column];
  if (plan.short_keys) {
    // Copies the whole padded slot (the room reserved per key allows it), then keeps only
    // the key's bytes: one fixed-size move instead of a variable-length memcpy.
    std::memcpy(out, plan.key_slots.data() + column * kKeySlot, kKeySlot);
  } else {
    std::copy_n(key.data(), key.size(), out);
  }
  return out + key.size();
}

// Writes `{"c1":v,...` (`with_keys`) or `[v,...` for one row at `p`, without the closing
// bracket, and returns the end. REQUIRES: `plan.row_bytes` of room at `p`.
char* WriteCells(char* p, const CellPlan& plan, const RowResult& row, bool with_keys) {
  *p++ = with_keys ? '{' : '[';
  const size_t n = row.values.size();
  const double* values = row.values.data();
  if (with_keys && plan.integers) {
    for (size_t c = 0; c < n; ++c) {
      p = WriteIntegerCell(WriteKey(p, plan, c), values[c]);
    }
  } else if (with_keys) {
    for (size_t c = 0; c < n; ++c) {
      p = WriteFloatCell(WriteKey(p, plan, c), plan.fixed6[c] != 0, values[c]);
    }
  } else if (plan.integers) {
    for (size_t c = 0; c < n; ++c) {
      *p = ',';
      p = WriteIntegerCell(p + (c > 0 ? 1 : 0), values[c]);
    }
  } else {
    for (size_t c = 0; c < n; ++c) {
      *p = ',';
      p = WriteFloatCell(p + (c > 0 ? 1 : 0), plan.fixed6[c] != 0, values[c]);
    }
  }
  return p;
}

// The `,"_error":"..."` member of a failed row's object; empty when there is none to write.
std::string ErrorMember(const RowResult& row, bool with_keys, bool with_error) {
  std::string member;
  if (with_keys && with_error && !row.error.empty()) {
    member = row.values.empty() ? "\"_error\":" : ",\"_error\":";
    common::AppendJsonString(member, row.error);
  }
  return member;
}

// `{"c1":v,...}` (`with_keys`) or `[v,...]` for one row.
void WriteRow(
    Output& out, const CellPlan& plan, const RowResult& row, bool with_keys, bool with_error) {
  out.Commit(WriteCells(out.Room(plan.row_bytes), plan, row, with_keys));
  if (with_keys && with_error && !row.error.empty()) {
    out.Append(ErrorMember(row, with_keys, with_error));
  }
  out.Append(with_keys ? '}' : ']');
}

void WriteErrorOrNull(Output& out, const RowResult& row) {
  if (row.error.empty()) {
    out.Append("null");
  } else {
    out.AppendJsonString(row.error);
  }
}

// For `index` and `columns`: the rows to emit, in first-occurrence order of their index
// text, each the last row with that text (a Python dict keeps the first position and the
// last value).
std::vector<size_t> DictRows(const std::vector<std::string>& index) {
  absl::flat_hash_map<std::string_view, size_t> slot;
  std::vector<size_t> rows;
  for (size_t i = 0; i < index.size(); ++i) {
    auto [it, inserted] = slot.try_emplace(index[i], rows.size());
    if (inserted) {
      rows.push_back(i);
    } else {
      rows[it->second] = i;
    }
  }
  return rows;
}

void WriteRecords(Output& out,
                  const CellPlan& plan,
                  const std::vector<RowResult>& rows,
                  bool with_errors) {
  out.Append('[');
  for (size_t r = 0; r < rows.size(); ++r) {
    if (r > 0) {
      out.Append(',');
    }
    WriteRow(out, plan, rows[r], /*with_keys=*/true, with_errors);
  }
  out.Append(']');
}

void WriteValues(Output& out, const CellPlan& plan, const std::vector<RowResult>& rows) {
  out.Append('[');
  for (size_t r = 0; r < rows.size(); ++r) {
    if (r > 0) {
      out.Append(',');
    }
    WriteRow(out, plan, rows[r], /*with_keys=*/false, false);
  }
  out.Append(']');
}

void WriteStringList(Output& out, const std::vector<std::string>& items) {
  out.Append('[');
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) {
      out.Append(',');
    }
    out.AppendJsonString(items[i]);
  }
  out.Append(']');
}

void WriteSplit(Output& out,
                const ModelInfo& info,
                const CellPlan& plan,
                const std::vector<std::string>& index,
                const std::vector<RowResult>& rows,
                bool with_errors) {
  std::vector<std::string> names;
  for (const Column& column : info.columns) {
    names.push_back(column.name);
  }
  out.Append("{\"columns\":");
  WriteStringList(out, names);
  out.Append(",\"index\":");
  WriteStringList(out, index);
  out.Append(",\"data\":");
  WriteValues(out, plan, rows);
  if (with_errors) {
    out.Append(",\"errors\":[");
    for (size_t r = 0; r < rows.size(); ++r) {
      if (r > 0) {
        out.Append(',');
      }
      WriteErrorOrNull(out, rows[r]);
    }
    out.Append(']');
  }
  out.Append('}');
}

void WriteIndex(Output& out,
                const CellPlan& plan,
                const std::vector<std::string>& index,
                const std::vector<RowResult>& rows,
                bool with_errors) {
  out.Append('{');
  bool first = true;
  for (size_t r : DictRows(index)) {
    if (!first) {
      out.Append(',');
    }
    first = false;
    out.AppendJsonString(index[r]);
    out.Append(':');
    WriteRow(out, plan, rows[r], /*with_keys=*/true, with_errors);
  }
  out.Append('}');
}

void WriteColumns(Output& out,
                  const ModelInfo& info,
                  const CellPlan& plan,
                  const std::vector<std::string>& index,
                  const std::vector<RowResult>& rows,
                  bool with_errors) {
  // Index keys are written once per column: encode them once.
  const std::vector<size_t> order = DictRows(index);
  std::vector<std::string> keys;
  for (size_t r : order) {
    std::string key;
    common::AppendJsonString(key, index[r]);
    key.push_back(':');
    keys.push_back(std::move(key));
  }

  out.Append('{');
  for (size_t c = 0; c < info.columns.size(); ++c) {
    out.Append(plan.keys[c]);
    out.Append('{');
    for (size_t k = 0; k < order.size(); ++k) {
      char* p = out.Room(keys[k].size() + kMaxNumberBytes + 1);
      if (k > 0) {
        *p++ = ',';
      }
      std::copy_n(keys[k].data(), keys[k].size(), p);
      p = WriteCell(p + keys[k].size(), plan, c, rows[order[k]].values[c]);
      out.Commit(p);
    }
    out.Append('}');
  }
  if (with_errors) {
    out.Append(info.columns.empty() ? "\"_error\":{" : ",\"_error\":{");
    for (size_t k = 0; k < order.size(); ++k) {
      out.Append(k > 0 ? "," : "");
      out.Append(keys[k]);
      WriteErrorOrNull(out, rows[order[k]]);
    }
    out.Append('}');
  }
  out.Append('}');
}

// Python's `float(cell)` on a CSV cell; nullopt where ersilia-pack gives null (empty) or
// fails.
std::optional<double> ParseCell(std::string_view cell) {
  cell = common::Trim(cell);
  if (!cell.empty() && cell.front() == '+') {
    cell.remove_prefix(1);
  }
  double value = 0;
  auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (cell.empty() || ec != std::errc() || end != cell.data() + cell.size()) {
    return std::nullopt;
  }
  return value;
}

std::string DumpJson(const nlohmann::ordered_json& json) {
  return json.dump(-1, ' ', /*ensure_ascii=*/false,
                   nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

absl::StatusOr<Orient> ParseOrient(std::string_view text) {
  static constexpr std::pair<std::string_view, Orient> kNames[] = {
      {"records", Orient::kRecords}, {"split", Orient::kSplit}, {"values", Orient::kValues},
      {"columns", Orient::kColumns}, {"index", Orient::kIndex},
  };
  if (text.empty()) {
    return Orient::kRecords;
  }
  for (const auto& [name, orient] : kNames) {
    if (text == name) {
      return orient;
    }
  }
  return absl::InvalidArgumentError(
      fmt::format("orient must be one of records, split, values, columns, index (got '{}')", text));
}

absl::StatusOr<bool> ParseBoolParameter(std::string_view name, std::string_view text) {
  std::string value = common::ToLower(text);
  if (value.empty() || value == "false" || value == "0" || value == "no") {
    return false;
  }
  if (value == "true" || value == "1" || value == "yes") {
    return true;
  }
  return absl::InvalidArgumentError(fmt::format("{} must be true or false (got '{}')", name, text));
}

size_t CountRowErrors(const std::vector<RowResult>& rows) {
  return static_cast<size_t>(std::count_if(
      rows.begin(), rows.end(), [](const RowResult& row) { return !row.error.empty(); }));
}

std::string RenderRunJson(const ModelInfo& info,
                          const std::vector<std::string>& inputs,
                          const std::vector<RowResult>& rows,
                          const RunRenderOptions& options) {
  HUB_CHECK(inputs.size() == rows.size());
  for (const RowResult& row : rows) {
    HUB_CHECK(row.values.size() == info.columns.size());
  }
  const CellPlan plan = MakePlan(info);
  Output out(rows.size() * (plan.typical_row_bytes + 2) + plan.row_bytes + 64);
  switch (options.orient) {
    case Orient::kRecords:
      WriteRecords(out, plan, rows, options.include_errors);
      break;
    case Orient::kValues:
      WriteValues(out, plan, rows);
      break;
    case Orient::kSplit:
      WriteSplit(out, info, plan, inputs, rows, options.include_errors);
      break;
    case Orient::kIndex:
      WriteIndex(out, plan, inputs, rows, options.include_errors);
      break;
    case Orient::kColumns:
      WriteColumns(out, info, plan, inputs, rows, options.include_errors);
      break;
  }
  return std::move(out).Finish();
}

bool RowRenderer::Supports(const RunRenderOptions& options) {
  return options.orient == Orient::kRecords || options.orient == Orient::kValues;
}

RowRenderer::RowRenderer(const ModelInfo& info, const RunRenderOptions& options)
    : plan_(std::make_unique<const CellPlan>(MakePlan(info))),
      with_keys_(options.orient == Orient::kRecords),
      with_errors_(options.include_errors) {
  HUB_CHECK(Supports(options));
}

RowRenderer::~RowRenderer() = default;

size_t RowRenderer::WriteRow(const RowResult& row, size_t at, std::string& buffer) const {
  HUB_CHECK(row.values.size() == plan_->keys.size() && at <= buffer.size());
  const std::string error = ErrorMember(row, with_keys_, with_errors_);
  const size_t room = plan_->row_bytes + error.size() + 1;
  if (buffer.size() - at < room) {
    buffer.resize(at + room);
  }
  char* p = WriteCells(buffer.data() + at, *plan_, row, with_keys_);
  p = std::copy_n(error.data(), error.size(), p);
  *p++ = with_keys_ ? '}' : ']';
  return static_cast<size_t>(p - buffer.data());
}

size_t RowRenderer::TypicalRowBytes() const {
  return plan_->typical_row_bytes + 2;
}

namespace {

// Writes one number cell of the run CSV at `p` (NaN is an empty cell); returns its end.
char* WriteCsvNumber(char* p, CellFormat format, double value) {
  if (std::isnan(value)) {
    return p;
  }
  switch (format) {
    case CellFormat::kInteger:
      return std::trunc(value) == value && std::abs(value) < 9.2e18
                 ? WriteInteger(p, static_cast<std::int64_t>(value))
                 : WritePythonFloat(p, value);
    case CellFormat::kPythonFloat:
      return WritePythonFloat(p, value);
    case CellFormat::kFixed6:
      return WriteFixed6(p, value);
  }
  return p;
}

}  // namespace

std::string RenderRunCsv(const ModelInfo& info, const std::vector<RowResult>& rows) {
  Output out(rows.size() * (info.columns.size() * 4 + 2) + 1024);
  for (size_t c = 0; c < info.columns.size(); ++c) {
    std::string field = c == 0 ? "" : ",";
    common::AppendCsvField(field, info.columns[c].name);
    out.Append(field);
  }
  out.Append('\n');

  const size_t max_cell = std::max(kMaxNumberBytes, kMaxFixed6Bytes) + 1;
  for (const RowResult& row : rows) {
    for (size_t c = 0; c < row.values.size(); ++c) {
      char* p = out.Room(max_cell + 1);
      if (c > 0) {
        *p++ = ',';
      }
      out.Commit(WriteCsvNumber(p, info.columns[c].format, row.values[c]));
    }
    out.Append('\n');
  }
  return std::move(out).Finish();
}

std::string RenderRoot(const ModelInfo& info) {
  nlohmann::ordered_json root;
  root[info.id] = info.slug;
  return DumpJson(root);
}

std::string RenderCard(const ModelInfo& info) {
  return info.card_json;
}

absl::StatusOr<std::string> RenderCardField(const ModelInfo& info, std::string_view field) {
  static constexpr std::string_view kFields[] = {"Identifier", "Slug", "Title",  "Description",
                                                 "Input",      "Task", "Subtask"};
  if (std::find(std::begin(kFields), std::end(kFields), field) == std::end(kFields)) {
    return absl::InvalidArgumentError(fmt::format(
        "card field must be one of Identifier, Slug, Title, Description, Input, Task, Subtask "
        "(got '{}')",
        field));
  }
  const std::string key(field);
  if (!info.card.is_object() || !info.card.contains(key)) {
    return absl::NotFoundError(fmt::format("Field {} not found in metadata", field));
  }
  nlohmann::ordered_json answer;
  answer[key] = info.card[key];
  return DumpJson(answer);
}

std::string RenderExampleInput(const ModelInfo& info) {
  return DumpJson(nlohmann::ordered_json(info.example_inputs));
}

std::string RenderExampleOutput(const ModelInfo& info, Orient orient) {
  std::vector<std::string> index;
  std::vector<RowResult> rows;
  for (const std::vector<std::string>& cells : info.example_outputs) {
    index.push_back(cells.empty() ? "" : cells[0]);
    RowResult row;
    for (size_t c = 0; c < info.columns.size(); ++c) {
      std::optional<double> value = c < cells.size() ? ParseCell(cells[c]) : std::nullopt;
      // An integer model's `int(float(cell))` truncates.
      row.values.push_back(!value ? NAN : info.json_integers ? std::trunc(*value) : *value);
    }
    rows.push_back(std::move(row));
  }
  return RenderRunJson(info, index, rows, RunRenderOptions{orient, false});
}

std::string RenderInputColumns(const ModelInfo& info) {
  return DumpJson(nlohmann::ordered_json(info.example_input_columns));
}

std::string RenderOutputColumns(const ModelInfo& info) {
  return DumpJson(nlohmann::ordered_json(info.example_output_columns));
}

std::string RenderModelsStatus(const ModelInfo& info, const ServerStatus& status) {
  nlohmann::ordered_json workers = nlohmann::ordered_json::array();
  for (const WorkerStatus& worker : status.workers) {
    workers.push_back({{"id", worker.id},
                       {"startTime", worker.start_time},
                       {"status", worker.status},
                       {"memoryUsage", worker.memory_mib},
                       {"pid", worker.pid}});
  }
  nlohmann::ordered_json entry = {{"modelName", info.id},
                                  {"modelVersion", status.model_version},
                                  {"runtime", status.runtime},
                                  {"minWorkers", status.min_workers},
                                  {"maxWorkers", status.max_workers},
                                  {"maxBatchSize", status.max_batch_size},
                                  {"maxBatchDelay", status.max_batch_delay},
                                  {"loadedAtStartup", status.loaded_at_startup},
                                  {"workers", std::move(workers)}};
  return DumpJson(nlohmann::ordered_json::array({std::move(entry)}));
}

}  // namespace hub::models
