#pragma once

// Built-in models: pure RDKit computations that reproduce published Ersilia models
// (`ersiliaos/<id>` images) value for value. See docs/models.md.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace RDKit {  // NOLINT(readability-identifier-naming): RDKit names it
class ROMol;
}  // namespace RDKit

namespace hub::models {

// Declared type of an output column (`run_columns.csv`).
enum class ColumnType { kFloat, kInteger, kString };

// How a cell is written in the model's CSV output (`run_output.csv`), which is what string
// comparisons against the published examples use.
enum class CellFormat {
  kInteger,      // plain integer: `8`
  kPythonFloat,  // Python `str(float)`: `137.14199999999997`, `27.0`
  kFixed6,       // printf `%f`: `3.305187` (eos9ei3)
};

struct Column {
  std::string name;
  ColumnType type = ColumnType::kFloat;
  CellFormat format = CellFormat::kPythonFloat;
  std::string direction;  // "high", "low" or empty
  std::string description;
};

// Static description of a model: identity, columns in published order, and its card.
struct ModelInfo {   // NOLINT(bugprone-exception-escape): only json's free may throw (bad_alloc)
  std::string id;    // e.g. "eos3b5e"
  std::string slug;  // e.g. "molecular-weight"
  std::vector<Column> columns;
  // The published metadata (`metadata.json` / `.yml`) with `Output Type`, `Input Shape` and
  // `Output Shape` filled in as ersilia-pack does when they are missing.
  nlohmann::json card;
  // `Output Type` of the card: decides how JSON values are typed (all-integer models give
  // integers, anything else floats).
  bool json_integers = false;
  std::vector<std::string> example_inputs;  // `run_input.csv` rows

  // The card as JSON text with keys in published order (`card` above sorts its keys); this is
  // what `GET /card` answers.
  std::string card_json;
  // Header of `run_input.csv` (`["smiles"]`): `GET /run/columns/input`.
  std::vector<std::string> example_input_columns;
  // Header and rows of `run_output.csv` as published (strings): `GET /run/example/output` and
  // `GET /run/columns/output`.
  std::vector<std::string> example_output_columns;
  std::vector<std::vector<std::string>> example_outputs;
};

// Result of computing one molecule: one value per column, NaN meaning null (an empty cell).
// Integer columns hold exact integers (|v| < 2^53).
struct RowResult {
  std::vector<double> values;
  // Empty when the molecule was computed; otherwise a reason code and message such as
  // "invalid_smiles: SMILES parse error" (see `kInvalidSmiles`, ...). Values are then NaN.
  std::string error;
};

inline constexpr std::string_view kEmptyInput = "empty_input";
inline constexpr std::string_view kInvalidSmiles = "invalid_smiles";
inline constexpr std::string_view kComputationFailed = "computation_failed";
// The input is longer than `kMaxSmilesBytes` (see smiles.h); RDKit is never called on it.
inline constexpr std::string_view kInputTooLong = "input_too_long";

// A built-in model. Implementations are immutable after construction and thread-safe:
// `Compute` runs concurrently on many threads.
class Model {
public:
  virtual ~Model() = default;

  virtual const ModelInfo& info() const = 0;

  // Computes the columns of `mol` (a sanitized molecule from `SmilesToMol`) into `values`,
  // which arrives sized to the column count and filled with NaN. Returns a non-OK status when
  // the model cannot compute this molecule (the row then becomes nulls plus the error).
  virtual absl::Status Compute(const RDKit::ROMol& mol, std::vector<double>& values) const = 0;
};

using ModelPtr = std::unique_ptr<Model>;

}  // namespace hub::models
