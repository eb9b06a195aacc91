#pragma once

// The Ersilia model-container HTTP protocol (ersilia-pack, see
// ../shared/reference/ersilia-models.md §1) as pure functions: parsing a `/run` body and
// rendering every answer body. The HTTP layer only routes, calls these and sets headers; no
// function here does I/O. All functions are thread-safe.
//
// Per-row errors: `/run` never fails because of one molecule. A row that could not be
// computed has all values null, so `orient=records` clients see plain objects as with any
// ersilia-pack model. The reason is available in two opt-in ways: the HTTP layer sets the
// `X-Hub-Row-Errors` header to `CountRowErrors(rows)`, and the query parameter
// `include_errors=true` (`RunRenderOptions::include_errors`) adds the texts to the body
// (see `RenderRunJson`). docs/models.md describes this for users.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

#include "hub/models/model.h"

namespace hub::models {

// `orient` of `/run` and `/run/example/output` (the pandas names ersilia-pack uses).
enum class Orient { kRecords, kSplit, kValues, kColumns, kIndex };

// Parses an `orient` query value; empty means `records`. Returns InvalidArgument naming the
// allowed values for anything else (ersilia-pack answers 422).
[[nodiscard]] absl::StatusOr<Orient> ParseOrient(std::string_view text);

// Parses a boolean query value such as `include_errors`: `true`/`false`/`1`/`0`/`yes`/`no`
// (any case); empty means false. InvalidArgument otherwise.
[[nodiscard]] absl::StatusOr<bool> ParseBoolParameter(std::string_view name, std::string_view text);

// A parsed `/run` body.
struct RunRequest {
  std::vector<std::string> inputs;  // the SMILES, in body order
  // The `key` of each item when the body is a list of `{"key","input"}` objects (ersilia-pack
  // ignores them); empty for a list of strings.
  std::vector<std::string> keys;
};

// Parses a `/run` body: a JSON array of strings, or of objects that each have the string
// fields `key` and `input` (other fields are ignored), like ersilia-pack's pydantic schema.
// Strings may hold any Unicode, escaped NULs included (such inputs then fail as rows, not as
// the request). Returns InvalidArgument with a message for people: the body is not JSON (or
// not UTF-8), not an array, an item of another type, a mix of strings and objects, an object
// without `key` or `input`; and "Data is empty." for `[]`.
[[nodiscard]] absl::StatusOr<RunRequest> ParseRunBody(std::string_view body);

// Header the HTTP layer sets on `/run` answers to the number of rows with an error.
inline constexpr std::string_view kRowErrorsHeader = "X-Hub-Row-Errors";

// Number of rows whose `error` is set.
size_t CountRowErrors(const std::vector<RowResult>& rows);

struct RunRenderOptions {
  Orient orient = Orient::kRecords;
  // Adds each row's error text (or null) to the body: an `_error` member in the row objects
  // of `records` and `index` (only in rows that failed), an `"_error"` entry of `columns`,
  // and an `"errors"` list beside `data` in `split`. `values` has nowhere to put it and is
  // unchanged.
  bool include_errors = false;
};

// Renders a `/run` answer for `rows` (`rows[i]` computed from `inputs[i]`) exactly as
// ersilia-pack shapes it (§1.3): keys in column order; values typed by the card's
// `Output Type`: JSON integers for all-integer models, floats in shortest round-trip form
// otherwise (`8.0` for an integer-valued count); null for a missing value. A `kFixed6`
// column gives the value its CSV would hold (`3.305187`). In `index` and `columns`, repeated
// inputs collapse into one key, at its first position, as a Python dict does.
// REQUIRES: `inputs.size() == rows.size()`, and each row has one value per column.
std::string RenderRunJson(const ModelInfo& info,
                          const std::vector<std::string>& inputs,
                          const std::vector<RowResult>& rows,
                          const RunRenderOptions& options);

struct CellPlan;

// Renders a `/run` answer one row at a time, for the orients whose body is a list of
// independent rows (`records` and `values`; see `Supports`), so that the thread that computed
// a row can render it while its values are still in that thread's cache. The body is `[`,
// the rows joined by `,`, then `]`: byte for byte what `RenderRunJson` gives for the same rows
// and options.
//
// Immutable after construction: `WriteRow` may run on many threads at once. Keeps no
// reference to the `ModelInfo` it was built from.
class RowRenderer final {
public:
  // Returns whether `options` can be rendered row by row: `records` and `values`.
  static bool Supports(const RunRenderOptions& options);

  // REQUIRES: `Supports(options)`.
  RowRenderer(const ModelInfo& info, const RunRenderOptions& options);
  ~RowRenderer();

  RowRenderer(const RowRenderer&) = delete;
  RowRenderer& operator=(const RowRenderer&) = delete;

  // Writes the JSON of `row` (an object in column order for `records`, an array for `values`,
  // with `_error` when the options include errors) into `buffer` from byte `at` on, and
  // returns where it ends. `buffer` grows when the room it has past `at` may not hold the row,
  // and never shrinks, so a buffer reused for many rows is allocated and zeroed once; bytes
  // past the returned end are unspecified.
  // REQUIRES: `row.values.size()` is the model's column count; `at <= buffer.size()`.
  size_t WriteRow(const RowResult& row, size_t at, std::string& buffer) const;

  // An estimate of one row's text without `_error`, for sizing buffers; never zero.
  size_t TypicalRowBytes() const;

private:
  std::unique_ptr<const CellPlan> plan_;
  bool with_keys_ = true;
  bool with_errors_ = false;
};

// Renders `rows` as the model's `run_output.csv` would hold them: a header of the column
// names, then one line per row with cells formatted per `Column::format` (empty for a
// missing value); `\n` line endings.
std::string RenderRunCsv(const ModelInfo& info, const std::vector<RowResult>& rows);

// `GET /`: `{"<id>":"<slug>"}`.
std::string RenderRoot(const ModelInfo& info);

// `GET /card`: the card, keys in published order.
std::string RenderCard(const ModelInfo& info);

// `GET /card/{field}`: `{"<field>": value}`. Returns InvalidArgument unless `field` is one of
// Identifier, Slug, Title, Description, Input, Task, Subtask (ersilia-pack answers 422), and
// NotFound "Field <field> not found in metadata" when the card lacks it.
[[nodiscard]] absl::StatusOr<std::string> RenderCardField(const ModelInfo& info,
                                                          std::string_view field);

// `GET /run/example/input`: every cell of `run_input.csv` below the header, as a JSON list.
std::string RenderExampleInput(const ModelInfo& info);

// `GET /run/example/output?orient=...`: `run_output.csv` typed like `/run` answers, with the
// first column's cells as the index (what ersilia-pack does).
std::string RenderExampleOutput(const ModelInfo& info, Orient orient);

// `GET /run/columns/input`: the header of `run_input.csv`, e.g. `["smiles"]`.
std::string RenderInputColumns(const ModelInfo& info);

// `GET /run/columns/output`: the header of `run_output.csv`.
std::string RenderOutputColumns(const ModelInfo& info);

// One worker process or thread pool of a model server, for `/models/status`.
struct WorkerStatus {
  std::string id;
  std::string start_time;  // e.g. `common::FormatTimestamp` of the start
  std::string status = "READY";
  double memory_mib = 0.0;
  std::int64_t pid = 0;
};

// What `/models/status` reports besides the model's identity.
struct ServerStatus {
  std::string model_version = "1.0";  // ersilia-pack's MODEL_VERSION default
  std::string runtime = "cpp";        // ersilia-pack says "python"
  int min_workers = 1;
  int max_workers = 1;
  int max_batch_size = 2;
  int max_batch_delay = 5000;
  bool loaded_at_startup = true;
  std::vector<WorkerStatus> workers;
};

// `GET /models/status`: a one-element list `[{"modelName", "modelVersion", "runtime",
// "minWorkers", "maxWorkers", "maxBatchSize", "maxBatchDelay", "loadedAtStartup",
// "workers": [{"id", "startTime", "status", "memoryUsage", "pid"}]}]`.
std::string RenderModelsStatus(const ModelInfo& info, const ServerStatus& status);

}  // namespace hub::models
